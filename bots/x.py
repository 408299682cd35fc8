"""The X adapter: tweepy's ``Client`` (API v2) with OAuth 1.0a user context, media through the
v1.1 upload endpoint (tweepy's ``API``), every failure classified into a ``PlatformError``.

tweepy has no base-URL setting; both clients talk through a ``requests.Session``, so a transport
adapter mounted on each session for ``https://api.twitter.com`` and ``https://upload.twitter.com``
rewrites the URL to ``api_base`` (``HERALD_X_API_BASE``) and supplies the timeout tweepy's
``Client`` never passes. Network failures reach us as ``requests`` exceptions (``Client``) or as
a ``TweepyException`` raised while handling one (``API``): both are transient.

A request that may have reached X without an answer coming back (read timeout, connection
dropped after sending) is reconciled on the spot: ``publish`` looks for the tweet in the timeline
and returns it when it is there, so the outbox does not retry a post that is already live.

Reconcile: ``find_published`` reads the account's recent timeline and compares texts in the form
X gives back — URLs shortened to t.co, a t.co link appended for media, ``&<>`` HTML-escaped — by
removing every link on both sides and normalising the rest, and by comparing the media count.
Two posts that differ only by their links therefore look alike; so do a URL written without a
scheme (``example.com``), which X links but we cannot tell from a word, and its linked form.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
import tweepy
from requests.adapters import HTTPAdapter
from urllib3.exceptions import NewConnectionError

from campaigns.metrics.rules import Gone, Reading, x_reading
from campaigns.social.platform import (
    Allowance,
    ErrorKind,
    OutgoingPost,
    PlatformError,
    PublishedPost,
    normalise_text,
)

DEFAULT_API_BASE = "https://api.twitter.com"
DEFAULT_UPLOAD_BASE = "https://upload.twitter.com"
DEFAULT_TIMEOUT = 10.0
DUPLICATE_CONTENT_MARKER = "duplicate content"
# 403 answers that mean the account or the app cannot post at all, not that this post is wrong.
AUTH_403_MARKERS = (
    "oauth1 app permissions",
    "not permitted to perform this action",
    "suspended",
    "locked",
    "unsupported authentication",
    "client-not-enrolled",
)
_LINK = re.compile(r"https?://\S+")
# X's clock and ours disagree a little: a tweet created "before" we sent it is still ours.
CLOCK_MARGIN = timedelta(minutes=2)
# The timeline is read 100 tweets a page; this many pages back is "recent" enough to reconcile.
RECONCILE_PAGES = 3
# GET /2/tweets takes at most this many ids.
MAX_IDS_PER_LOOKUP = 100
PUBLIC_FIELDS = ("public_metrics",)
# Only the author may read these, within 30 days of posting, with user-context credentials.
PRIVATE_FIELDS = ("non_public_metrics", "organic_metrics")
# The problem types X answers in ``errors`` for a tweet that is not there for us any more.
GONE_TITLES = ("Not Found Error", "Authorization Error")
# Access tokens whose app X refused the private metrics (a 403): this process asks those
# accounts for public metrics only from then on.
_NO_PRIVATE_METRICS: set[str] = set()


class _RedirectAdapter(HTTPAdapter):
    """Sends requests for ``origin`` to ``target`` and gives every request a timeout."""

    def __init__(self, *, origin: str, target: str, timeout: float) -> None:
        super().__init__()
        self._origin = origin
        self._target = target
        self._timeout = timeout

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        if request.url and request.url.startswith(self._origin):
            request.url = self._target + request.url[len(self._origin) :]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self._timeout
        return super().send(request, **kwargs)


def _mount(session: requests.Session, routes: dict[str, str], timeout: float) -> None:
    for origin, target in routes.items():
        session.mount(origin, _RedirectAdapter(origin=origin, target=target, timeout=timeout))
    if any(origin != target for origin, target in routes.items()):
        # A local or staging server: proxies from the environment are for the real platform.
        session.trust_env = False


def _reset_instant(headers: Any, now: datetime) -> datetime | None:
    """When X says the caller may try again: the window reset, or the 24-hour reset when the
    daily allowance is spent, or ``Retry-After``."""
    instants = []
    reset = headers.get("x-rate-limit-reset")
    if reset and reset.isdigit():
        instants.append(datetime.fromtimestamp(int(reset), UTC))
    daily_reset = headers.get("x-user-limit-24hour-reset")
    if (
        daily_reset
        and daily_reset.isdigit()
        and headers.get("x-user-limit-24hour-remaining") == "0"
    ):
        instants.append(datetime.fromtimestamp(int(daily_reset), UTC))
    retry_after = headers.get("retry-after")
    if retry_after and retry_after.isdigit():
        instants.append(now + timedelta(seconds=int(retry_after)))
    return max(instants) if instants else None


def allowance_from(headers: Any) -> Allowance | None:
    """The posting allowance X's rate-limit headers show (None when they are missing or
    malformed): ``x-rate-limit-remaining`` more calls until ``x-rate-limit-reset``."""
    remaining = headers.get("x-rate-limit-remaining")
    reset = headers.get("x-rate-limit-reset")
    if not (remaining and remaining.isdigit() and reset and reset.isdigit()):
        return None
    limit = headers.get("x-rate-limit-limit")
    return Allowance(
        remaining=int(remaining),
        reset_at=datetime.fromtimestamp(int(reset), UTC),
        limit=int(limit) if limit and limit.isdigit() else None,
    )


def classify_x_error(error: Exception, *, now: datetime) -> PlatformError:
    """The ``PlatformError`` a tweepy or requests failure means."""
    if isinstance(error, requests.RequestException):
        return PlatformError(
            ErrorKind.TRANSIENT, f"X did not answer: {error}", unsent=not may_have_arrived(error)
        )
    if not isinstance(error, tweepy.HTTPException):
        cause = error.__cause__ or error.__context__
        if isinstance(cause, requests.RequestException):
            return PlatformError(
                ErrorKind.TRANSIENT,
                f"X did not answer: {cause}",
                unsent=not may_have_arrived(cause),
            )
        return PlatformError(ErrorKind.TRANSIENT, f"X client error: {error}")
    status = error.response.status_code
    message = "; ".join(str(m) for m in error.api_messages) or f"{status} {error.response.reason}"
    if status == 401:
        kind = ErrorKind.AUTH
    elif status == 429:
        retry_at = _reset_instant(error.response.headers, now)
        return PlatformError(ErrorKind.RATE_LIMITED, message, retry_at=retry_at, status=status)
    elif status == 403:
        lowered = message.lower()
        if DUPLICATE_CONTENT_MARKER in lowered:
            kind = ErrorKind.REJECTED
        elif any(marker in lowered for marker in AUTH_403_MARKERS):
            kind = ErrorKind.AUTH
        else:
            kind = ErrorKind.REJECTED
    elif status >= 500:
        kind = ErrorKind.TRANSIENT
    else:
        kind = ErrorKind.REJECTED
    return PlatformError(kind, message, status=status)


def may_have_arrived(error: Exception) -> bool:
    """Whether a failed request may have been received and acted on by X: the connection was
    made and the request sent, but no answer was read."""
    if isinstance(error, requests.ConnectTimeout):
        return False
    if isinstance(error, requests.ConnectionError):
        reason = getattr(error.args[0] if error.args else None, "reason", None)
        return not isinstance(reason, NewConnectionError)
    return isinstance(error, requests.Timeout | requests.exceptions.ChunkedEncodingError)


def comparable_text(text: str) -> str:
    """A text with its links removed and normalised: what survives X's rewriting."""
    return normalise_text(_LINK.sub(" ", html.unescape(text)))


def _tweet_comparable_text(tweet: dict[str, Any]) -> str:
    text = tweet.get("text", "")
    for entity in (tweet.get("entities") or {}).get("urls", []):
        text = text.replace(entity.get("url", ""), " ")
    return comparable_text(text)


def _parse_instant(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


class XClient:
    """One X account: publish, find a post again, check the credentials. Like the
    ``requests.Session`` inside it, a client serves one thread at a time."""

    reconcilable = True

    def __init__(
        self,
        *,
        consumer_key: str,
        consumer_secret: str,
        access_token: str,
        access_token_secret: str,
        api_base: str = DEFAULT_API_BASE,
        upload_base: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        username: str | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        api_base = api_base.rstrip("/")
        if upload_base is None:
            upload_base = DEFAULT_UPLOAD_BASE if api_base == DEFAULT_API_BASE else api_base
        routes = {DEFAULT_API_BASE: api_base, DEFAULT_UPLOAD_BASE: upload_base.rstrip("/")}
        self._clock = clock or (lambda: datetime.now(UTC))
        self._access_token = access_token
        self._username = username
        self._user_id: str | None = None
        self._client = tweepy.Client(
            consumer_key=consumer_key,
            consumer_secret=consumer_secret,
            access_token=access_token,
            access_token_secret=access_token_secret,
            return_type=dict,
            wait_on_rate_limit=False,
        )
        _mount(self._client.session, routes, timeout)
        # tweepy hands back the body only (return_type=dict): the rate-limit headers of the last
        # tweet posted are kept from the response itself.
        self._tweet_headers: Any = None
        self._client.session.hooks["response"].append(self._keep_tweet_headers)
        self._api = tweepy.API(
            tweepy.OAuth1UserHandler(
                consumer_key, consumer_secret, access_token, access_token_secret
            ),
            timeout=timeout,
            retry_count=0,
            wait_on_rate_limit=False,
        )
        _mount(self._api.session, routes, timeout)

    def read_metrics(
        self, platform_ids: Sequence[str], *, at: datetime, private: bool = True
    ) -> dict[str, Reading | Gone]:
        """The numbers of up to 100 tweets in one ``GET /2/tweets`` call (user context).

        ``public_metrics`` always; ``non_public_metrics`` and ``organic_metrics`` too when
        ``private`` and X has not refused them to this account before — a 403 for them is
        remembered, and the call is made again with public metrics only. A tweet X answers in
        ``errors`` (deleted, or protected: "Not Found Error", "Authorization Error") is
        ``Gone``. Raises ``PlatformError``.
        """
        ids = [str(platform_id) for platform_id in platform_ids]
        if not ids:
            return {}
        if len(ids) > MAX_IDS_PER_LOOKUP:
            raise ValueError(f"X reads at most {MAX_IDS_PER_LOOKUP} tweets per call")
        fields = list(PUBLIC_FIELDS)
        if private and self._private_metrics_allowed():
            fields += PRIVATE_FIELDS
        try:
            response = self._call(self._client.get_tweets, ids, tweet_fields=fields, user_auth=True)
        except PlatformError as error:
            if error.status != 403 or fields == list(PUBLIC_FIELDS):
                raise
            _NO_PRIVATE_METRICS.add(self._access_token)
            response = self._call(
                self._client.get_tweets, ids, tweet_fields=list(PUBLIC_FIELDS), user_auth=True
            )
        return _readings(response, ids)

    def _keep_tweet_headers(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        request = response.request
        if request.method == "POST" and urlsplit(request.url or "").path.endswith("/2/tweets"):
            self._tweet_headers = response.headers

    def _private_metrics_allowed(self) -> bool:
        return self._access_token not in _NO_PRIVATE_METRICS

    def close(self) -> None:
        self._client.session.close()
        self._api.session.close()

    def __enter__(self) -> XClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _call(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except (tweepy.TweepyException, requests.RequestException) as error:
            raise classify_x_error(error, now=self._clock()) from error

    def status_url(self, tweet_id: str) -> str:
        if self._username:
            return f"https://x.com/{self._username}/status/{tweet_id}"
        return f"https://x.com/i/web/status/{tweet_id}"

    def publish(self, post: OutgoingPost) -> PublishedPost:
        """Upload the media, post the tweet; raises ``PlatformError``.

        When the request may have reached X but no answer came back (a read timeout, a
        connection dropped after sending), the tweet may exist: the account's timeline is read
        at once and a tweet found there is the result. Only when it is not there does the
        transient error go back to the outbox, whose retry would otherwise post it twice (or
        meet X's duplicate-content refusal and give up on a post that is in fact live).
        """
        media_ids = [self._upload(media.path, media.mime_type) for media in post.media]
        sent_at = self._clock()
        self._tweet_headers = None
        try:
            response = self._client.create_tweet(
                text=post.text or None, media_ids=media_ids or None, user_auth=True
            )
        except (tweepy.TweepyException, requests.RequestException) as error:
            platform_error = classify_x_error(error, now=self._clock())
            if may_have_arrived(error):
                found = self._look_for(post, since=sent_at - CLOCK_MARGIN)
                if found is not None:
                    return found
            raise platform_error from error
        tweet_id = str(response["data"]["id"])
        allowance = allowance_from(self._tweet_headers) if self._tweet_headers else None
        return PublishedPost(
            platform_id=tweet_id, url=self.status_url(tweet_id), allowance=allowance
        )

    def _look_for(self, post: OutgoingPost, *, since: datetime) -> PublishedPost | None:
        try:
            return self.find_published(post, since=since)
        except PlatformError:
            return None  # X is not answering: the outbox retries, and reconciles if need be

    def _upload(self, path: str, mime_type: str) -> str:
        # simple_upload rather than media_upload: the latter sniffs the type with imghdr, which
        # warns of its own removal on Python 3.11+ (and the type is already known).
        with open(path, "rb") as file:
            media = self._call(
                self._api.simple_upload,
                filename=Path(path).name,
                file=file,
                media_category="tweet_image",
            )
        return str(media.media_id_string)

    def _me(self) -> dict[str, Any]:
        response = self._call(self._client.get_me, user_auth=True)
        me = response["data"]
        self._user_id = str(me["id"])
        self._username = self._username or me["username"]
        return me

    def check_connection(self) -> str:
        """The account's ``@username``; raises ``PlatformError`` (AUTH for bad credentials)."""
        return "@" + self._me()["username"]

    def find_published(self, post: OutgoingPost, *, since: datetime) -> PublishedPost | None:
        """The tweet among the account's tweets since ``since`` that is ``post``, or None."""
        if self._user_id is None:
            self._me()
        wanted = comparable_text(post.text)
        token: str | None = None
        found: dict[str, Any] | None = None
        for _ in range(RECONCILE_PAGES):
            response = self._call(
                self._client.get_users_tweets,
                self._user_id,
                start_time=since,
                max_results=100,
                pagination_token=token,
                tweet_fields=["created_at", "attachments", "entities"],
                user_auth=True,
            )
            for tweet in response.get("data") or []:
                media_count = len((tweet.get("attachments") or {}).get("media_keys", []))
                if media_count == len(post.media) and _tweet_comparable_text(tweet) == wanted:
                    found = tweet  # newest first: keep going to the oldest match
            token = (response.get("meta") or {}).get("next_token")
            if not token:
                break
        if found is None:
            return None
        return PublishedPost(
            platform_id=str(found["id"]),
            url=self.status_url(str(found["id"])),
            published_at=_parse_instant(found.get("created_at")),
        )


def _readings(response: dict[str, Any], asked: list[str]) -> dict[str, Reading | Gone]:
    """``GET /2/tweets``'s answer as a reading per tweet, or ``Gone`` for those in ``errors``."""
    results: dict[str, Reading | Gone] = {}
    for tweet in response.get("data") or []:
        extra = {name: tweet[name] for name in PRIVATE_FIELDS if isinstance(tweet.get(name), dict)}
        results[str(tweet["id"])] = x_reading(tweet.get("public_metrics") or {}, extra=extra)
    wanted = set(asked)
    for problem in response.get("errors") or []:
        tweet_id = str(problem.get("resource_id") or problem.get("value") or "")
        if tweet_id not in wanted or tweet_id in results:
            continue
        if problem.get("title") in GONE_TITLES or "not-found" in str(problem.get("type")):
            results[tweet_id] = Gone(str(problem.get("detail") or problem.get("title")))
    return results
