"""The Mastodon adapter: Mastodon.py against the channel's own instance, every failure classified
into a ``PlatformError``.

Each status is sent with an ``Idempotency-Key`` derived from the publication
(``OutgoingPost.idempotency_key``): Mastodon answers a repeated key with the status it already
created (for an hour), so a retry of the same publication can never post twice.

Errors: no connection made → transient and ``unsent``; a request sent without an answer (read
timeout, dropped connection) → transient, may have published, and ``publish`` looks for the
status at once; 5xx → transient; 429 → rate limited until ``X-RateLimit-Reset``; 401 and the
403s that say the token may not post → auth; 422 (too long, invalid media) and other 4xx →
rejected with the instance's message.

Reconcile: ``find_published`` reads the account's own recent statuses (``verify_credentials``'
id) and compares their ``content`` — HTML, with paragraphs, line breaks, escaped characters and
links split in spans — reduced to plain text, with links removed on both sides, as X's does,
and the media count.

The instance's own limits (``/api/v2/instance``: ``configuration.statuses.max_characters``,
``characters_reserved_per_url``, ``max_media_attachments`` and the image size limit) are read
by ``platform_limits`` when "test connection" runs, and kept on the channel.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests
from mastodon import (
    Mastodon,
    MastodonAPIError,
    MastodonError,
    MastodonNetworkError,
    MastodonRatelimitError,
    MastodonServerError,
    MastodonUnauthorizedError,
)

from bots.x import may_have_arrived
from campaigns.metrics.rules import Gone, Reading, mastodon_reading
from campaigns.social.platform import (
    ErrorKind,
    OutgoingPost,
    PlatformError,
    PublishedPost,
    normalise_text,
)

DEFAULT_TIMEOUT = 10.0
# Every instance Herald talks to runs Mastodon 4 or later: telling Mastodon.py so spares it a
# version lookup before the first call (and makes it use /api/v2/media).
ASSUMED_VERSION = (4, 0, 0)
# Mastodon's clock and ours disagree a little: a status created "before" we sent it is ours.
CLOCK_MARGIN = timedelta(minutes=2)
# account_statuses gives at most 40 a page; this many pages back is "recent" enough.
RECONCILE_PAGES = 3
PAGE_SIZE = 40
# 403 answers that mean the token may not post at all (scope missing, account suspended).
AUTH_403_MARKERS = ("scope", "suspended", "disabled", "not authorized", "token")
_LINK = re.compile(r"https?://\S+")
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_PARAGRAPH = re.compile(r"</p>\s*<p[^>]*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")


def plain_text(content: str) -> str:
    """The text of a status's HTML ``content``: paragraphs and breaks as new lines, tags gone,
    entities unescaped."""
    text = _PARAGRAPH.sub("\n\n", content or "")
    text = _BREAK.sub("\n", text)
    return html.unescape(_TAG.sub("", text))


def comparable_text(text: str) -> str:
    """A text with its links removed and normalised: what survives Mastodon's rendering."""
    return normalise_text(_LINK.sub(" ", text))


def _instant(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str) and value:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
    return None


def classify_mastodon_error(
    error: Exception, *, now: datetime, reset: float | None = None
) -> PlatformError:
    """The ``PlatformError`` a Mastodon.py (or requests) failure means. ``reset``: the epoch
    second Mastodon.py read from ``X-RateLimit-Reset``."""
    if isinstance(error, MastodonNetworkError | requests.RequestException):
        cause = error if isinstance(error, requests.RequestException) else error.__context__
        unsent = isinstance(cause, requests.RequestException) and not may_have_arrived(cause)
        return PlatformError(
            ErrorKind.TRANSIENT, f"Mastodon did not answer: {cause or error}", unsent=unsent
        )
    if isinstance(error, MastodonRatelimitError):
        retry_at = datetime.fromtimestamp(reset, UTC) if reset else None
        if retry_at is not None and retry_at <= now:
            retry_at = None
        return PlatformError(
            ErrorKind.RATE_LIMITED, "Mastodon: too many requests", retry_at=retry_at, status=429
        )
    if isinstance(error, MastodonAPIError) and len(error.args) >= 4:
        status = int(error.args[1]) if isinstance(error.args[1], int) else None
        message = str(error.args[3] or f"{error.args[1]} {error.args[2]}")
        if isinstance(error, MastodonUnauthorizedError) or status == 401:
            return PlatformError(ErrorKind.AUTH, message, status=status)
        if isinstance(error, MastodonServerError) or (status or 0) >= 500:
            return PlatformError(ErrorKind.TRANSIENT, message, status=status)
        if status == 403 and any(marker in message.lower() for marker in AUTH_403_MARKERS):
            return PlatformError(ErrorKind.AUTH, message, status=status)
        return PlatformError(ErrorKind.REJECTED, message, status=status)
    return PlatformError(ErrorKind.TRANSIENT, f"Mastodon client error: {error}")


class MastodonClient:
    """One Mastodon account on its instance: publish, find a status again, check the
    credentials, read the instance's limits and the statuses' numbers. Like the
    ``requests.Session`` inside it, a client serves one thread at a time."""

    reconcilable = True

    def __init__(
        self,
        *,
        instance_url: str,
        access_token: str,
        visibility: str = "public",
        language: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._clock = clock or (lambda: datetime.now(UTC))
        self._visibility = visibility or "public"
        self._language = language
        self._account_id: str | None = None
        self._account_url: str | None = None
        self._session = requests.Session()
        self._api = Mastodon(
            access_token=access_token,
            api_base_url=instance_url.rstrip("/"),
            ratelimit_method="throw",
            request_timeout=timeout,
            mastodon_version=".".join(str(part) for part in ASSUMED_VERSION),
            version_check_mode="none",
            session=self._session,
            user_agent="Herald",
        )
        # With version checks off, Mastodon.py keeps the version it was given unparsed; its
        # choice of endpoint (v2 media) still reads these.
        self._api.mastodon_major, self._api.mastodon_minor, self._api.mastodon_patch = (
            ASSUMED_VERSION
        )

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> MastodonClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _error(self, error: Exception) -> PlatformError:
        return classify_mastodon_error(error, now=self._clock(), reset=self._api.ratelimit_reset)

    def _call(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except (MastodonError, requests.RequestException) as error:
            raise self._error(error) from error

    # -- the account -----------------------------------------------------------------------------

    def _me(self) -> Any:
        me = self._call(self._api.account_verify_credentials)
        self._account_id = str(me["id"])
        self._account_url = me.get("url")
        return me

    def check_connection(self) -> str:
        """The account's ``@user``; raises ``PlatformError`` (AUTH for a bad or revoked token)."""
        return "@" + str(self._me()["acct"])

    def platform_limits(self) -> dict[str, int]:
        """What the instance allows (``/api/v2/instance``'s ``configuration``), as numbers."""
        instance = self._call(self._api.instance_v2)
        configuration = instance.get("configuration") or {}
        statuses = configuration.get("statuses") or {}
        media = configuration.get("media_attachments") or {}
        limits = {
            "max_characters": statuses.get("max_characters"),
            "characters_reserved_per_url": statuses.get("characters_reserved_per_url"),
            "max_media_attachments": statuses.get("max_media_attachments"),
            "image_size_limit": media.get("image_size_limit"),
        }
        return {
            name: int(value)
            for name, value in limits.items()
            if isinstance(value, int) and not isinstance(value, bool) and value > 0
        }

    # -- publishing ------------------------------------------------------------------------------

    def publish(self, post: OutgoingPost) -> PublishedPost:
        """Upload the images (with their alt text), post the status with its Idempotency-Key;
        raises ``PlatformError``.

        When the request may have reached the instance without an answer, the status may exist:
        the account's statuses are read at once and a status found there is the result.
        """
        media_ids = [
            self._upload(media.path, media.mime_type, media.description) for media in post.media
        ]
        key = post.idempotency_key or f"herald-{post.fingerprint}"
        sent_at = self._clock()
        try:
            status = self._api.status_post(
                post.text,
                media_ids=media_ids or None,
                visibility=self._visibility,
                language=self._language,
                idempotency_key=key,
            )
        except (MastodonError, requests.RequestException) as error:
            platform_error = self._error(error)
            if platform_error.may_have_published:
                found = self._look_for(post, since=sent_at - CLOCK_MARGIN)
                if found is not None:
                    return found
            raise platform_error from error
        return self._published(status)

    def _published(self, status: Any) -> PublishedPost:
        status_id = str(status["id"])
        return PublishedPost(
            platform_id=status_id,
            url=str(status.get("url") or status.get("uri") or ""),
            published_at=_instant(status.get("created_at")),
        )

    def _look_for(self, post: OutgoingPost, *, since: datetime) -> PublishedPost | None:
        try:
            return self.find_published(post, since=since)
        except PlatformError:
            return None  # the instance is not answering: the outbox retries, and reconciles

    def _upload(self, path: str, mime_type: str, description: str) -> str:
        with open(path, "rb") as file:
            media = self._call(
                self._api.media_post,
                file,
                mime_type=mime_type,
                description=description or None,
                file_name=Path(path).name,
            )
        return str(media["id"])

    def find_published(self, post: OutgoingPost, *, since: datetime) -> PublishedPost | None:
        """The status among the account's own statuses since ``since`` that is ``post``, or
        None: same text once reduced to plain text without links, same number of images."""
        if self._account_id is None:
            self._me()
        wanted = comparable_text(post.text)
        found: Any = None
        max_id: str | None = None
        for _ in range(RECONCILE_PAGES):
            page = self._call(
                self._api.account_statuses,
                self._account_id,
                max_id=max_id,
                limit=PAGE_SIZE,
                exclude_reblogs=True,
            )
            older = False
            for status in page or []:
                created = _instant(status.get("created_at"))
                if created is not None and created < since:
                    older = True
                    continue
                media_count = len(status.get("media_attachments") or [])
                text = comparable_text(plain_text(status.get("content") or ""))
                if media_count == len(post.media) and text == wanted:
                    found = status  # newest first: keep going to the oldest match
            if older or not page or len(page) < PAGE_SIZE:
                break
            max_id = str(page[-1]["id"])
        return None if found is None else self._published(found)

    # -- metrics ---------------------------------------------------------------------------------

    def read_metrics(
        self, platform_ids: Sequence[str], *, at: datetime, private: bool = True
    ) -> dict[str, Reading | Gone]:
        """Each status's favourites, boosts and replies (``GET /api/v1/statuses/:id``, one call
        each: the bulk lookup exists only from Mastodon 4.3). A status the instance no longer
        has (404) is ``Gone``. Raises ``PlatformError`` when the instance does not answer."""
        results: dict[str, Reading | Gone] = {}
        for platform_id in dict.fromkeys(str(i) for i in platform_ids):
            try:
                status = self._call(self._api.status, platform_id)
            except PlatformError as error:
                if error.status == 404:
                    results[platform_id] = Gone("The status is not on the instance any more.")
                    continue
                raise
            results[platform_id] = mastodon_reading(status)
        return results
