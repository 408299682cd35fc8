"""A fake Mastodon instance: the REST paths and JSON shapes of the real API, faults, rate limits.

Speaks what Herald's adapter (Mastodon.py) uses:

- ``GET /api/v1/accounts/verify_credentials``: the token's account;
- ``GET /api/v2/instance``: the instance's ``configuration`` (``statuses.max_characters``,
  ``characters_reserved_per_url``, ``media_attachments`` limits), which a test may change;
- ``POST /api/v1/statuses`` (form or JSON: ``status``, ``media_ids[]``, ``visibility``,
  ``language``) honouring ``Idempotency-Key`` like Mastodon: the same key from the same account
  answers the status it already created instead of creating another; a text longer than
  ``max_characters`` (URLs counted as ``characters_reserved_per_url``) is a 422;
- ``GET /api/v1/accounts/:id/statuses`` (``limit``, ``max_id``, ``since_id``; newest first);
- ``GET /api/v1/statuses/:id`` with ``favourites_count``, ``reblogs_count``, ``replies_count``;
- ``POST /api/v2/media`` (multipart ``file`` and ``description``): the alt text is kept.

Like Mastodon, the status's ``content`` comes back as HTML: paragraphs in ``<p>``, line breaks as
``<br />``, ``&<>"'`` escaped and links wrapped in ``<a>`` with the visible part split in spans.

Tokens are Bearer tokens; unknown tokens get an account unless ``strict_tokens``;
``revoke(token)`` makes a token answer 401. Rate limits answer 429 with the real
``X-RateLimit-Limit/Remaining/Reset`` headers (reset as an ISO 8601 instant).

Run it alone for demos::

    python -m tests.fakes.mastodon --port 8083
"""

from __future__ import annotations

import argparse
import hashlib
import html
import itertools
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

from tests.fakes.server import FakeServer, Fault, RateLimit, RateState, RecordedRequest, Reply

POST_STATUS = "POST /api/v1/statuses"
GET_STATUS = "GET /api/v1/statuses/:id"
VERIFY_CREDENTIALS = "GET /api/v1/accounts/verify_credentials"
ACCOUNT_STATUSES = "GET /api/v1/accounts/:id/statuses"
INSTANCE = "GET /api/v2/instance"
POST_MEDIA = "POST /api/v2/media"

FIRST_STATUS_ID = 113_000_000_000_000_000
FIRST_MEDIA_ID = 114_000_000_000_000_000
URL_PATTERN = re.compile(r"https?://[^\s<>\"]+")
_STATUS_PATH = re.compile(r"^/api/v1/statuses/(\d+)$")
_ACCOUNT_STATUSES_PATH = re.compile(r"^/api/v1/accounts/([^/]+)/statuses$")


def _error(status: int, message: str) -> Fault:
    return Fault(status=status, body={"error": message})


def server_error(status: int = 500) -> Fault:
    return _error(status, "We're sorry, but something went wrong on our end.")


def timeout(seconds: float = 0.6, *, accept: bool = False) -> Fault:
    """No answer within ``seconds``, then a dropped connection (``accept``: after posting)."""
    return Fault(delay=seconds, drop=True, accept=accept)


def rate_limited(reset_in: int = 300, *, limit: int = 300, now: float | None = None) -> Fault:
    """A 429 with Mastodon's headers: the window resets ``reset_in`` seconds from now."""
    base = datetime.now(UTC).timestamp() if now is None else now
    reset = datetime.fromtimestamp(int(base) + reset_in, UTC)
    return Fault(
        status=429,
        body={"error": "Too many requests"},
        headers={
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": reset.isoformat().replace("+00:00", "Z"),
        },
    )


def unauthorized() -> Fault:
    return _error(401, "The access token was revoked")


def forbidden() -> Fault:
    return _error(403, "This action is not allowed")


def unprocessable(
    message: str = "Validation failed: Text character limit of 500 exceeded",
) -> Fault:
    return _error(422, message)


def accept_then_drop() -> Fault:
    """The status is created, then the connection drops before the answer."""
    return Fault(accept=True, drop=True)


def refuse_connection() -> Fault:
    """Nothing listens: used by tests through a closed port rather than this fault."""
    return Fault(drop=True)


FAULTS = {
    "server_error": server_error,
    "timeout": timeout,
    "rate_limited": rate_limited,
    "unauthorized": unauthorized,
    "forbidden": forbidden,
    "unprocessable": unprocessable,
    "accept_then_drop": accept_then_drop,
}


@dataclass
class FakeAccount:
    id: str
    username: str
    display_name: str
    access_token: str
    revoked: bool = False


@dataclass
class FakeMedia:
    id: str
    owner_id: str
    data: bytes
    content_type: str | None
    description: str | None


@dataclass
class FakeStatus:
    id: str
    account_id: str
    text: str
    visibility: str
    language: str | None
    created_at: datetime
    media_ids: list[str] = field(default_factory=list)
    idempotency_key: str | None = None
    favourites_count: int = 0
    reblogs_count: int = 0
    replies_count: int = 0
    deleted: bool = False


def _link_html(url: str) -> str:
    scheme, _, rest = url.partition("://")
    visible, invisible = rest[:30], rest[30:]
    ellipsis = ' class="ellipsis"' if invisible else ""
    return (
        f'<a href="{html.escape(url)}" rel="nofollow noopener noreferrer" target="_blank">'
        f'<span class="invisible">{html.escape(scheme)}://</span>'
        f"<span{ellipsis}>{html.escape(visible)}</span>"
        f'<span class="invisible">{html.escape(invisible)}</span></a>'
    )


def content_html(text: str) -> str:
    """The HTML Mastodon renders a plain-text status as."""
    paragraphs = []
    for paragraph in re.split(r"\n{2,}", text.strip()):
        pieces, last = [], 0
        for match in URL_PATTERN.finditer(paragraph):
            pieces.append(html.escape(paragraph[last : match.start()]))
            pieces.append(_link_html(match.group(0)))
            last = match.end()
        pieces.append(html.escape(paragraph[last:]))
        paragraphs.append("<p>" + "".join(pieces).replace("\n", "<br />") + "</p>")
    return "".join(paragraphs)


def mastodon_length(text: str, reserved_per_url: int) -> int:
    return len(URL_PATTERN.sub("x" * reserved_per_url, text))


def _iso(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class FakeMastodon(FakeServer):
    """The fake Mastodon instance. See the module docstring."""

    default_fault_routes = (POST_STATUS,)
    fault_factories = FAULTS
    # Mastodon's defaults: 300 requests per 5 minutes per account (tests lower them).
    default_rate_limits = {
        POST_STATUS: RateLimit(300, 300),
        GET_STATUS: RateLimit(300, 300),
        VERIFY_CREDENTIALS: RateLimit(300, 300),
        ACCOUNT_STATUSES: RateLimit(300, 300),
        POST_MEDIA: RateLimit(30, 1800),
    }

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        domain: str = "social.example",
        strict_tokens: bool = False,
        verbose: bool = False,
    ) -> None:
        super().__init__(host=host, port=port, verbose=verbose)
        self.domain = domain
        self.strict_tokens = strict_tokens
        self.reset_state()

    def reset_state(self) -> None:
        self._accounts: dict[str, FakeAccount] = {}
        self._statuses: list[FakeStatus] = []
        self._media: dict[str, FakeMedia] = {}
        self._status_ids = itertools.count(FIRST_STATUS_ID)
        self._media_ids = itertools.count(FIRST_MEDIA_ID)
        self._account_ids = itertools.count(109_000_000_000_000_001)
        self.max_characters = 500
        self.characters_reserved_per_url = 23
        self.max_media_attachments = 4
        self.image_size_limit = 16_777_216

    # -- what tests use ------------------------------------------------------------------------

    def add_account(self, access_token: str, *, username: str, display_name: str = "") -> str:
        with self._lock:
            account = FakeAccount(
                str(next(self._account_ids)), username, display_name or username, access_token
            )
            self._accounts[access_token] = account
            return account.id

    def revoke(self, access_token: str) -> None:
        with self._lock:
            self._accounts[access_token].revoked = True

    def statuses(self, *, username: str | None = None) -> list[FakeStatus]:
        with self._lock:
            ids = {a.id for a in self._accounts.values() if username in (None, a.username)}
            return [s for s in self._statuses if s.account_id in ids and not s.deleted]

    def media(self, media_id: str) -> FakeMedia | None:
        with self._lock:
            return self._media.get(media_id)

    def add_status(self, access_token: str, text: str, *, created_at: datetime) -> FakeStatus:
        """A status the account posted itself (another client, or an earlier Herald run)."""
        with self._lock:
            me = self._accounts[access_token]
            return self._create(me, text, [], "public", None, None, created_at)

    def set_metrics(self, status_id: str, **numbers: int) -> None:
        with self._lock:
            status = self._status(status_id)
            for name, value in numbers.items():
                setattr(status, name, value)

    def delete_status(self, status_id: str) -> None:
        with self._lock:
            self._status(status_id).deleted = True

    def _status(self, status_id: str) -> FakeStatus:
        return next(s for s in self._statuses if s.id == str(status_id))

    def state(self) -> dict[str, Any]:
        with self._lock:
            return {
                "accounts": [a.username for a in self._accounts.values()],
                "statuses": [{"id": s.id, "text": s.text} for s in self._statuses],
            }

    # -- FakeServer ----------------------------------------------------------------------------

    def route_for(self, method: str, path: str) -> str | None:
        path = path.rstrip("/") or "/"  # Rails routes ignore a trailing slash
        if method == "POST" and path == "/api/v1/statuses":
            return POST_STATUS
        if method == "POST" and path == "/api/v2/media":
            return POST_MEDIA
        if method == "GET" and path == "/api/v1/accounts/verify_credentials":
            return VERIFY_CREDENTIALS
        if method == "GET" and path == "/api/v2/instance":
            return INSTANCE
        if method == "GET" and _STATUS_PATH.match(path):
            return GET_STATUS
        if method == "GET" and _ACCOUNT_STATUSES_PATH.match(path):
            return ACCOUNT_STATUSES
        return None

    def not_found(self, request: RecordedRequest) -> Reply:
        return Reply(404, {"error": "Record not found"})

    def authenticate(self, request: RecordedRequest) -> tuple[str | None, Reply | None]:
        if request.route == INSTANCE:
            return "-", None  # public
        header = request.headers.get("Authorization", "")
        token = header[7:].strip() if header.startswith("Bearer ") else ""
        refusal = Reply(401, {"error": "The access token is invalid"})
        with self._lock:
            account = self._accounts.get(token)
            if account is None:
                if self.strict_tokens or not token:
                    return None, refusal
                name = "acct_" + hashlib.sha256(token.encode()).hexdigest()[:8]
                self.add_account(token, username=name)
                account = self._accounts[token]
            if account.revoked:
                return None, Reply(401, {"error": "The access token was revoked"})
            return token, None

    def rate_headers(self, state: RateState) -> dict[str, str]:
        reset = datetime.fromtimestamp(state.reset_at, UTC)
        return {
            "X-RateLimit-Limit": str(state.limit),
            "X-RateLimit-Remaining": str(state.remaining),
            "X-RateLimit-Reset": _iso(reset),
        }

    def rate_limited_reply(self, state: RateState) -> Reply:
        return Reply(429, {"error": "Too many requests"})

    def handle(self, request: RecordedRequest, account: str) -> Reply:
        with self._lock:
            if request.route == INSTANCE:
                return Reply(200, self._instance_json())
            me = self._accounts[account]
            if request.route == VERIFY_CREDENTIALS:
                return Reply(200, self._account_json(me))
            if request.route == POST_STATUS:
                return self._post_status(request, me)
            if request.route == POST_MEDIA:
                return self._post_media(request, me)
            if request.route == GET_STATUS:
                match = _STATUS_PATH.match(request.path.rstrip("/"))
                assert match is not None
                status = next(
                    (s for s in self._statuses if s.id == match.group(1) and not s.deleted), None
                )
                if status is None:
                    return self.not_found(request)
                return Reply(200, self._status_json(status))
            return self._account_statuses(request)

    # -- endpoints -----------------------------------------------------------------------------

    def _instance_json(self) -> dict[str, Any]:
        return {
            "domain": self.domain,
            "title": "Fake Mastodon",
            "version": "4.3.2",
            "source_url": "https://github.com/mastodon/mastodon",
            "description": "A fake instance for Herald's tests",
            "usage": {"users": {"active_month": len(self._accounts)}},
            "thumbnail": {"url": f"https://{self.domain}/thumb.png"},
            "languages": ["en", "vi"],
            "configuration": {
                "urls": {"streaming": f"wss://{self.domain}"},
                "accounts": {"max_featured_tags": 10, "max_pinned_statuses": 5},
                "statuses": {
                    "max_characters": self.max_characters,
                    "max_media_attachments": self.max_media_attachments,
                    "characters_reserved_per_url": self.characters_reserved_per_url,
                },
                "media_attachments": {
                    "supported_mime_types": ["image/jpeg", "image/png", "image/gif"],
                    "image_size_limit": self.image_size_limit,
                    "image_matrix_limit": 33_177_600,
                    "video_size_limit": 103_809_024,
                    "video_frame_rate_limit": 120,
                    "video_matrix_limit": 8_294_400,
                },
                "polls": {
                    "max_options": 4,
                    "max_characters_per_option": 50,
                    "min_expiration": 300,
                    "max_expiration": 2_629_746,
                },
                "translation": {"enabled": False},
            },
            "registrations": {"enabled": False, "approval_required": False, "message": None},
            "contact": {"email": f"admin@{self.domain}", "account": None},
            "rules": [],
        }

    def _account_json(self, account: FakeAccount) -> dict[str, Any]:
        return {
            "id": account.id,
            "username": account.username,
            "acct": account.username,
            "display_name": account.display_name,
            "locked": False,
            "bot": False,
            "created_at": "2024-01-01T00:00:00.000Z",
            "note": "",
            "url": f"https://{self.domain}/@{account.username}",
            "avatar": f"https://{self.domain}/avatars/original/missing.png",
            "followers_count": 0,
            "following_count": 0,
            "statuses_count": sum(1 for s in self._statuses if s.account_id == account.id),
            "emojis": [],
            "fields": [],
        }

    def _media_json(self, media: FakeMedia) -> dict[str, Any]:
        return {
            "id": media.id,
            "type": "image",
            "url": f"https://{self.domain}/media/{media.id}.png",
            "preview_url": f"https://{self.domain}/media/{media.id}_small.png",
            "remote_url": None,
            "meta": {},
            "description": media.description,
            "blurhash": None,
        }

    def _status_json(self, status: FakeStatus) -> dict[str, Any]:
        account = next(a for a in self._accounts.values() if a.id == status.account_id)
        return {
            "id": status.id,
            "uri": f"https://{self.domain}/users/{account.username}/statuses/{status.id}",
            "url": f"https://{self.domain}/@{account.username}/{status.id}",
            "created_at": _iso(status.created_at),
            "account": self._account_json(account),
            "content": content_html(status.text),
            "visibility": status.visibility,
            "sensitive": False,
            "spoiler_text": "",
            "language": status.language,
            "in_reply_to_id": None,
            "in_reply_to_account_id": None,
            "reblog": None,
            "media_attachments": [self._media_json(self._media[m]) for m in status.media_ids],
            "mentions": [],
            "tags": [],
            "emojis": [],
            "favourites_count": status.favourites_count,
            "reblogs_count": status.reblogs_count,
            "replies_count": status.replies_count,
            "edited_at": None,
            "poll": None,
            "card": None,
        }

    def _create(
        self,
        me: FakeAccount,
        text: str,
        media_ids: list[str],
        visibility: str,
        language: str | None,
        key: str | None,
        created_at: datetime | None = None,
    ) -> FakeStatus:
        status = FakeStatus(
            id=str(next(self._status_ids)),
            account_id=me.id,
            text=text,
            visibility=visibility,
            language=language,
            created_at=created_at or datetime.fromtimestamp(self.clock(), UTC),
            media_ids=media_ids,
            idempotency_key=key,
        )
        self._statuses.append(status)
        return status

    def _post_status(self, request: RecordedRequest, me: FakeAccount) -> Reply:
        if isinstance(request.json, dict):
            payload = request.json
            text = str(payload.get("status") or "")
            media_ids = [str(m) for m in payload.get("media_ids") or []]
            visibility = str(payload.get("visibility") or "public")
            language = payload.get("language")
        else:
            form = parse_qs(request.body.decode("utf-8"), keep_blank_values=True)
            text = (form.get("status") or [""])[0]
            media_ids = form.get("media_ids[]") or form.get("media_ids") or []
            visibility = (form.get("visibility") or ["public"])[0]
            language = (form.get("language") or [None])[0]
        key = request.headers.get("Idempotency-Key")
        if key:
            for status in self._statuses:
                if status.account_id == me.id and status.idempotency_key == key:
                    return Reply(200, self._status_json(status))
        if not text.strip() and not media_ids:
            return Reply(422, {"error": "Validation failed: Text can't be blank"})
        length = mastodon_length(text, self.characters_reserved_per_url)
        if length > self.max_characters:
            return Reply(
                422,
                {
                    "error": "Validation failed: Text character limit of "
                    f"{self.max_characters} exceeded"
                },
            )
        if visibility not in ("public", "unlisted", "private", "direct"):
            return Reply(
                422, {"error": "Validation failed: Visibility is not included in the list"}
            )
        if len(media_ids) > self.max_media_attachments:
            return Reply(422, {"error": "Validation failed: Too many media attachments"})
        for media_id in media_ids:
            media = self._media.get(media_id)
            if media is None or media.owner_id != me.id:
                return Reply(422, {"error": "Validation failed: Media attachments are invalid"})
        status = self._create(me, text, list(media_ids), visibility, language, key)
        return Reply(200, self._status_json(status))

    def _post_media(self, request: RecordedRequest, me: FakeAccount) -> Reply:
        upload = request.files.get("file")
        if upload is None or not upload.data:
            return Reply(422, {"error": "Validation failed: File can't be blank"})
        if len(upload.data) > self.image_size_limit:
            return Reply(422, {"error": "Validation failed: File file size must be less than"})
        media = FakeMedia(
            id=str(next(self._media_ids)),
            owner_id=me.id,
            data=upload.data,
            content_type=upload.content_type,
            description=request.form.get("description"),
        )
        self._media[media.id] = media
        return Reply(200, self._media_json(media))

    def _account_statuses(self, request: RecordedRequest) -> Reply:
        match = _ACCOUNT_STATUSES_PATH.match(request.path.rstrip("/"))
        assert match is not None
        account_id = match.group(1)
        if not any(a.id == account_id for a in self._accounts.values()):
            return self.not_found(request)

        def number(name: str) -> int | None:
            value = (request.query.get(name) or [""])[0]
            return int(value) if value.isdigit() else None

        limit = min(number("limit") or 20, 40)
        max_id, since_id = number("max_id"), number("since_id")
        mine = sorted(
            (s for s in self._statuses if s.account_id == account_id and not s.deleted),
            key=lambda s: int(s.id),
            reverse=True,
        )
        if max_id is not None:
            mine = [s for s in mine if int(s.id) < max_id]
        if since_id is not None:
            mine = [s for s in mine if int(s.id) > since_id]
        page = mine[:limit]
        headers = {}
        if len(mine) > limit:
            base = f"http://{self.host}:{self.port}{request.path}"
            headers["Link"] = f'<{base}?limit={limit}&max_id={page[-1].id}>; rel="next"'
        return Reply(200, [self._status_json(s) for s in page], headers)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m tests.fakes.mastodon", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8083)
    parser.add_argument("--strict-tokens", action="store_true", help="401 for unknown tokens")
    parser.add_argument("--max-characters", type=int, default=500)
    parser.add_argument("--latency-ms", type=float, default=0)
    parser.add_argument("--verbose", action="store_true", help="log every request")
    options = parser.parse_args(argv)
    fake = FakeMastodon(
        host=options.host,
        port=options.port,
        strict_tokens=options.strict_tokens,
        verbose=options.verbose,
    )
    fake.max_characters = options.max_characters
    fake.latency = options.latency_ms / 1000
    fake.serve_until_interrupted()


if __name__ == "__main__":
    main()
