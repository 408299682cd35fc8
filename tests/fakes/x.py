"""A fake X API: v2 tweets and users, v1.1 media upload, real rate-limit headers, faults.

Like X, it shortens every URL in a tweet to a ``https://t.co/...`` link (listed in the tweet's
``entities.urls``), appends one more t.co link for attached media, and HTML-escapes ``&``, ``<``
and ``>`` in the text it returns — so code that finds a tweet again by its text is tested
against what X really sends back.

Accounts are identified by the OAuth 1.0a access token in the ``Authorization`` header (the
signature is not checked). Unknown tokens get an account of their own unless ``strict_tokens``;
``revoke(token)`` makes a token answer 401 from then on.

Duplicate content: X refuses a tweet whose text repeats a recent one. The fake does so only when
``reject_duplicates`` is set, so that a pipeline which sends twice is *seen* sending twice (two
tweets in ``tweets()``) rather than hidden behind a refusal; tests of the refusal itself inject
``duplicate_content()`` or turn the flag on.

Metrics: ``GET /2/tweets?ids=...&tweet.fields=public_metrics`` answers each tweet's numbers,
which a test sets or grows (``set_metrics``, ``grow_metrics``); ``non_public_metrics`` and
``organic_metrics`` are given to the tweet's author unless ``refuse_private_metrics`` is set
(then the whole call is a 403, as X answers an app without that access). Ids that are unknown,
deleted (``delete_tweet``) or protected (``protect_tweet``) come back in ``errors``, as X does.

Run it alone for demos and benchmarks::

    python -m tests.fakes.x --port 8081
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import html
import itertools
import re
import struct
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from tests.fakes.server import FakeServer, Fault, RateLimit, RateState, RecordedRequest, Reply

POST_TWEET = "POST /2/tweets"
GET_TWEETS = "GET /2/tweets"
GET_ME = "GET /2/users/me"
GET_USER_TWEETS = "GET /2/users/:id/tweets"
UPLOAD_MEDIA = "POST /1.1/media/upload.json"

DUPLICATE_CONTENT = "You are not allowed to create a Tweet with duplicate content."
URL_PATTERN = re.compile(r"https?://[^\s<>\"]+")
FIRST_TWEET_ID = 1_860_000_000_000_000_000
FIRST_MEDIA_ID = 1_870_000_000_000_000_000

ZERO_METRICS = {
    "retweet_count": 0,
    "reply_count": 0,
    "like_count": 0,
    "quote_count": 0,
    "bookmark_count": 0,
    "impression_count": 0,
}
PRIVATE_METRIC_FIELDS = ("non_public_metrics", "organic_metrics")

_OAUTH_TOKEN = re.compile(r'oauth_token="([^"]*)"')
_USER_TWEETS_PATH = re.compile(r"^/2/users/([^/]+)/tweets$")


def _problem(status: int, title: str, detail: str, kind: str = "about:blank") -> dict[str, Any]:
    return {"title": title, "detail": detail, "type": kind, "status": status}


# -- faults a test injects ---------------------------------------------------------------------


def server_error(status: int = 503) -> Fault:
    """A 5xx answer, without processing the request."""
    body = _problem(status, "Service Unavailable", "Service Unavailable")
    return Fault(status=status, body=body)


def timeout(seconds: float = 0.6, *, accept: bool = False) -> Fault:
    """Answer only after ``seconds`` (longer than the client waits). With ``accept`` the tweet
    is created first and the late answer is the normal one; without, nothing is created."""
    return Fault(delay=seconds, drop=not accept, accept=accept)


def rate_limited(reset_in: int = 900, *, limit: int = 200) -> Fault:
    """A 429 with X's headers: the window resets ``reset_in`` seconds from now."""
    reset = int(datetime.now(UTC).timestamp()) + reset_in
    return Fault(
        status=429,
        body=_problem(429, "Too Many Requests", "Too Many Requests"),
        headers={
            "x-rate-limit-limit": str(limit),
            "x-rate-limit-remaining": "0",
            "x-rate-limit-reset": str(reset),
        },
    )


def unauthorized() -> Fault:
    """The 401 of a revoked or wrong token."""
    return Fault(status=401, body=_problem(401, "Unauthorized", "Unauthorized"))


def duplicate_content() -> Fault:
    """X's 403 for a tweet that repeats a recent one."""
    return Fault(status=403, body=_problem(403, "Forbidden", DUPLICATE_CONTENT))


def forbidden(detail: str) -> Fault:
    return Fault(status=403, body=_problem(403, "Forbidden", detail))


def bad_request(message: str = "Invalid Request") -> Fault:
    body = {
        "errors": [{"message": message}],
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
        "type": "https://api.twitter.com/2/problems/invalid-request",
    }
    return Fault(status=400, body=body)


def accept_then_drop() -> Fault:
    """Create the tweet, then close the connection before answering."""
    return Fault(drop=True, accept=True)


FAULTS = {
    "server_error": server_error,
    "timeout": timeout,
    "rate_limited": rate_limited,
    "unauthorized": unauthorized,
    "duplicate_content": duplicate_content,
    "forbidden": forbidden,
    "bad_request": bad_request,
    "accept_then_drop": accept_then_drop,
}


# -- the platform's state ----------------------------------------------------------------------


@dataclass
class FakeAccount:
    user_id: str
    username: str
    name: str
    access_token: str
    revoked: bool = False


@dataclass
class FakeTweet:
    id: str
    author_id: str
    #: the text as posted
    posted_text: str
    #: the text as X returns it (t.co links, HTML-escaped)
    text: str
    created_at: datetime
    media_ids: list[str] = field(default_factory=list)
    url_entities: list[dict[str, Any]] = field(default_factory=list)
    #: X's public_metrics, as a test set them
    metrics: dict[str, int] = field(default_factory=lambda: dict(ZERO_METRICS))
    protected: bool = False


@dataclass
class FakeMedia:
    media_id: str
    owner_id: str
    data: bytes
    content_type: str | None


def _image_size(data: bytes) -> tuple[int, int] | None:
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    return None


def _short_link(seed: str) -> str:
    return "https://t.co/" + hashlib.sha1(seed.encode()).hexdigest()[:10]


class FakeX(FakeServer):
    """The fake X API. See the module docstring."""

    default_fault_routes = (POST_TWEET,)
    fault_factories = FAULTS
    # Generous by default so benchmarks measure Herald; tests lower them with set_rate_limit.
    default_rate_limits = {
        POST_TWEET: RateLimit(10_000, 900),
        GET_TWEETS: RateLimit(10_000, 900),
        GET_ME: RateLimit(10_000, 900),
        GET_USER_TWEETS: RateLimit(10_000, 900),
        UPLOAD_MEDIA: RateLimit(10_000, 900),
    }

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        strict_tokens: bool = False,
        reject_duplicates: bool = False,
        verbose: bool = False,
    ) -> None:
        super().__init__(host=host, port=port, verbose=verbose)
        self.strict_tokens = strict_tokens
        self.reject_duplicates = reject_duplicates
        #: answer 403 to a lookup asking for non_public_metrics / organic_metrics
        self.refuse_private_metrics = False
        self.reset_state()

    def reset_state(self) -> None:
        self._accounts: dict[str, FakeAccount] = {}
        self._tweets: list[FakeTweet] = []
        self._media: dict[str, FakeMedia] = {}
        self._tweet_ids = itertools.count(FIRST_TWEET_ID)
        self._media_ids = itertools.count(FIRST_MEDIA_ID)
        self._user_ids = itertools.count(1000)
        self._left_out: set[str] = set()

    # -- what tests use ------------------------------------------------------------------------

    def add_account(
        self, access_token: str, *, username: str, name: str | None = None
    ) -> FakeAccount:
        with self._lock:
            account = FakeAccount(
                str(next(self._user_ids)), username, name or username, access_token
            )
            self._accounts[access_token] = account
            return account

    def account(self, access_token: str) -> FakeAccount | None:
        with self._lock:
            return self._accounts.get(access_token)

    def revoke(self, access_token: str) -> None:
        """From now on the token answers 401."""
        with self._lock:
            account = self._accounts.get(access_token) or self._new_account(access_token)
            account.revoked = True

    def tweets(self, *, username: str | None = None) -> list[FakeTweet]:
        """Tweets created so far, oldest first."""
        with self._lock:
            if username is None:
                return list(self._tweets)
            ids = {a.user_id for a in self._accounts.values() if a.username == username}
            return [tweet for tweet in self._tweets if tweet.author_id in ids]

    def media(self, media_id: str) -> FakeMedia | None:
        with self._lock:
            return self._media.get(media_id)

    def add_tweet(
        self, access_token: str, text: str, *, created_at: datetime | None = None
    ) -> FakeTweet:
        """Put a tweet on an account's timeline directly (as if posted from elsewhere)."""
        with self._lock:
            account = self._accounts.get(access_token) or self._new_account(access_token)
            return self._create_tweet(account, text, [], created_at)

    def set_metrics(self, tweet_id: str, **numbers: int) -> None:
        """Set some of a tweet's public_metrics (``like_count=3``)."""
        with self._lock:
            self._tweet(tweet_id).metrics.update(numbers)

    def grow_metrics(self, tweet_id: str, **deltas: int) -> None:
        """Add to some of a tweet's public_metrics (``impression_count=100``)."""
        with self._lock:
            metrics = self._tweet(tweet_id).metrics
            for name, delta in deltas.items():
                metrics[name] = metrics.get(name, 0) + delta

    def delete_tweet(self, tweet_id: str) -> None:
        """The author deletes the tweet: lookups answer "Not Found Error" for it."""
        with self._lock:
            self._tweets = [tweet for tweet in self._tweets if tweet.id != tweet_id]

    def protect_tweet(self, tweet_id: str) -> None:
        """The tweet is no longer visible to us: lookups answer "Authorization Error"."""
        with self._lock:
            self._tweet(tweet_id).protected = True

    def leave_out(self, tweet_id: str) -> None:
        """Lookups leave the tweet out of their answer without an error entry either (a
        partial answer, which Herald must not take for a deletion)."""
        with self._lock:
            self._left_out.add(tweet_id)

    def _tweet(self, tweet_id: str) -> FakeTweet:
        for tweet in self._tweets:
            if tweet.id == str(tweet_id):
                return tweet
        raise KeyError(tweet_id)

    def state(self) -> dict[str, Any]:
        tweets = self.tweets()
        texts = [tweet.posted_text for tweet in tweets]
        return {
            "tweets": [
                {
                    "id": t.id,
                    "author_id": t.author_id,
                    "text": t.posted_text,
                    "media_ids": t.media_ids,
                    "created_at": t.created_at.isoformat(),
                }
                for t in tweets
            ],
            "duplicate_texts": sorted({text for text in texts if texts.count(text) > 1}),
        }

    # -- the server ----------------------------------------------------------------------------

    def route_for(self, method: str, path: str) -> str | None:
        if method == "POST" and path == "/2/tweets":
            return POST_TWEET
        if method == "GET" and path == "/2/tweets":
            return GET_TWEETS
        if method == "GET" and path == "/2/users/me":
            return GET_ME
        if method == "GET" and _USER_TWEETS_PATH.match(path):
            return GET_USER_TWEETS
        if method == "POST" and path == "/1.1/media/upload.json":
            return UPLOAD_MEDIA
        return None

    def not_found(self, request: RecordedRequest) -> Reply:
        return Reply(404, {"errors": [{"message": "Sorry, that page does not exist", "code": 34}]})

    def authenticate(self, request: RecordedRequest) -> tuple[str | None, Reply | None]:
        header = request.headers.get("Authorization", "")
        match = _OAUTH_TOKEN.search(header) if header.startswith("OAuth ") else None
        unauthorized_reply = self.faulted_reply(unauthorized())
        if request.route == UPLOAD_MEDIA:
            unauthorized_reply = Reply(
                401, {"errors": [{"code": 32, "message": "Could not authenticate you."}]}
            )
        if match is None:
            return None, unauthorized_reply
        token = unquote(match.group(1))
        with self._lock:
            account = self._accounts.get(token)
            if account is None:
                if self.strict_tokens:
                    return None, unauthorized_reply
                account = self._new_account(token)
            if account.revoked:
                return None, unauthorized_reply
            return account.access_token, None

    def rate_headers(self, state: RateState) -> dict[str, str]:
        return {
            "x-rate-limit-limit": str(state.limit),
            "x-rate-limit-remaining": str(state.remaining),
            "x-rate-limit-reset": str(int(state.reset_at)),
        }

    def rate_limited_reply(self, state: RateState) -> Reply:
        return Reply(429, _problem(429, "Too Many Requests", "Too Many Requests"))

    def handle(self, request: RecordedRequest, account: str) -> Reply:
        with self._lock:
            me = self._accounts[account]
            if request.route == POST_TWEET:
                return self._post_tweet(request, me)
            if request.route == GET_TWEETS:
                return self._get_tweets(request, me)
            if request.route == GET_ME:
                return Reply(200, {"data": self._user_json(me)})
            if request.route == GET_USER_TWEETS:
                return self._user_tweets(request)
            return self._upload(request, me)

    # -- endpoints -----------------------------------------------------------------------------

    def _new_account(self, token: str) -> FakeAccount:
        username = "acct_" + hashlib.sha256(token.encode()).hexdigest()[:8]
        account = FakeAccount(str(next(self._user_ids)), username, username, token)
        self._accounts[token] = account
        return account

    @staticmethod
    def _user_json(account: FakeAccount) -> dict[str, str]:
        return {"id": account.user_id, "name": account.name, "username": account.username}

    def _post_tweet(self, request: RecordedRequest, me: FakeAccount) -> Reply:
        payload = request.json if isinstance(request.json, dict) else {}
        text = payload.get("text") or ""
        media_ids = [str(m) for m in (payload.get("media") or {}).get("media_ids", [])]
        if not text and not media_ids:
            return self.faulted_reply(bad_request("Tweet text or media is required"))
        for media_id in media_ids:
            media = self._media.get(media_id)
            if media is None or media.owner_id != me.user_id:
                return self.faulted_reply(bad_request(f"Your media IDs are invalid: {media_id}"))
        if self.reject_duplicates and any(
            t.author_id == me.user_id and t.posted_text == text for t in self._tweets
        ):
            return self.faulted_reply(duplicate_content())
        tweet = self._create_tweet(me, text, media_ids, None)
        return Reply(
            201,
            {"data": {"id": tweet.id, "text": tweet.text, "edit_history_tweet_ids": [tweet.id]}},
        )

    def _create_tweet(
        self, me: FakeAccount, text: str, media_ids: list[str], created_at: datetime | None
    ) -> FakeTweet:
        tweet_id = str(next(self._tweet_ids))
        entities: list[dict[str, Any]] = []
        pieces: list[str] = []
        position = 0
        for index, match in enumerate(URL_PATTERN.finditer(text)):
            pieces.append(html.escape(text[position : match.start()], quote=False))
            short = _short_link(f"{tweet_id}:{index}")
            start = sum(len(p) for p in pieces)
            pieces.append(short)
            entities.append(
                {
                    "start": start,
                    "end": start + len(short),
                    "url": short,
                    "expanded_url": match.group(0),
                    "display_url": match.group(0).split("://", 1)[1][:25],
                }
            )
            position = match.end()
        pieces.append(html.escape(text[position:], quote=False))
        shown = "".join(pieces)
        if media_ids:
            short = _short_link(f"{tweet_id}:media")
            start = len(shown) + 1 if shown else 0
            shown = f"{shown} {short}" if shown else short
            entities.append(
                {
                    "start": start,
                    "end": start + len(short),
                    "url": short,
                    "expanded_url": f"https://x.com/{me.username}/status/{tweet_id}/photo/1",
                    "display_url": "pic.x.com/" + short[-10:],
                    "media_key": f"3_{media_ids[0]}",
                }
            )
        tweet = FakeTweet(
            id=tweet_id,
            author_id=me.user_id,
            posted_text=text,
            text=shown,
            created_at=created_at or datetime.fromtimestamp(self.clock(), UTC),
            media_ids=media_ids,
            url_entities=entities,
        )
        self._tweets.append(tweet)
        return tweet

    @staticmethod
    def _fields(request: RecordedRequest) -> set[str]:
        values = request.query.get("tweet.fields", [])
        return {name for value in values for name in value.split(",")}

    @staticmethod
    def _tweet_json(
        tweet: FakeTweet, fields: set[str], me: FakeAccount | None = None
    ) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": tweet.id,
            "text": tweet.text,
            "edit_history_tweet_ids": [tweet.id],
        }
        if "created_at" in fields:
            stamp = tweet.created_at.astimezone(UTC)
            data["created_at"] = (
                stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"
            )
        if "author_id" in fields:
            data["author_id"] = tweet.author_id
        if "attachments" in fields and tweet.media_ids:
            data["attachments"] = {"media_keys": [f"3_{m}" for m in tweet.media_ids]}
        if "entities" in fields and tweet.url_entities:
            data["entities"] = {"urls": [dict(entity) for entity in tweet.url_entities]}
        if "public_metrics" in fields:
            data["public_metrics"] = dict(tweet.metrics)
        if me is not None and tweet.author_id == me.user_id:
            numbers = tweet.metrics
            if "non_public_metrics" in fields:
                data["non_public_metrics"] = {
                    "impression_count": numbers.get("impression_count", 0),
                    "url_link_clicks": numbers.get("like_count", 0) // 4,
                    "user_profile_clicks": numbers.get("like_count", 0) // 8,
                }
            if "organic_metrics" in fields:
                data["organic_metrics"] = {
                    name: numbers.get(name, 0)
                    for name in ("impression_count", "like_count", "reply_count", "retweet_count")
                }
        return data

    def _get_tweets(self, request: RecordedRequest, me: FakeAccount) -> Reply:
        asked = [i for value in request.query.get("ids", []) for i in value.split(",") if i]
        if not asked:
            return self.faulted_reply(bad_request("The `ids` query parameter can not be empty"))
        if len(asked) > 100:
            return self.faulted_reply(bad_request("`ids` can have at most 100 items"))
        ids = [i for i in asked if i not in self._left_out]
        fields = self._fields(request)
        if self.refuse_private_metrics and fields & set(PRIVATE_METRIC_FIELDS):
            return self.faulted_reply(
                forbidden(
                    "When authenticating requests to the Twitter API v2 endpoints, you must use"
                    " keys and tokens from a Twitter developer App that is attached to a Project."
                    " You can create a project via the developer portal."
                )
            )
        by_id = {tweet.id: tweet for tweet in self._tweets}
        body: dict[str, Any] = {}
        found = [
            self._tweet_json(by_id[i], fields, me)
            for i in ids
            if i in by_id and not by_id[i].protected
        ]
        errors = []
        for i in ids:
            if i not in by_id:
                errors.append(
                    {
                        "value": i,
                        "detail": f"Could not find tweet with ids: [{i}].",
                        "title": "Not Found Error",
                        "resource_type": "tweet",
                        "parameter": "ids",
                        "resource_id": i,
                        "type": "https://api.twitter.com/2/problems/resource-not-found",
                    }
                )
            elif by_id[i].protected:
                errors.append(
                    {
                        "value": i,
                        "detail": f"Sorry, you are not authorized to see the Tweet with ids: [{i}].",
                        "title": "Authorization Error",
                        "resource_type": "tweet",
                        "parameter": "ids",
                        "resource_id": i,
                        "type": "https://api.twitter.com/2/problems/not-authorized-for-resource",
                    }
                )
        if found:
            body["data"] = found
        if errors:
            body["errors"] = errors
        return Reply(200, body)

    def _user_tweets(self, request: RecordedRequest) -> Reply:
        match = _USER_TWEETS_PATH.match(request.path)
        assert match is not None
        user_id = match.group(1)
        if user_id not in {account.user_id for account in self._accounts.values()}:
            return Reply(
                200,
                {
                    "errors": [
                        {
                            "detail": f"Could not find user with id: [{user_id}].",
                            "title": "Not Found Error",
                        }
                    ]
                },
            )
        query = {key: values[0] for key, values in request.query.items()}
        max_results = int(query.get("max_results", "10"))
        if not 5 <= max_results <= 100:
            return self.faulted_reply(bad_request("max_results must be between 5 and 100"))
        timeline = [t for t in reversed(self._tweets) if t.author_id == user_id]
        if "start_time" in query:
            start = datetime.fromisoformat(query["start_time"].replace("Z", "+00:00"))
            timeline = [t for t in timeline if t.created_at >= start]
        if "end_time" in query:
            end = datetime.fromisoformat(query["end_time"].replace("Z", "+00:00"))
            timeline = [t for t in timeline if t.created_at < end]
        if "since_id" in query:
            timeline = [t for t in timeline if int(t.id) > int(query["since_id"])]
        offset = int(query.get("pagination_token", "0") or 0)
        page = timeline[offset : offset + max_results]
        fields = self._fields(request)
        meta: dict[str, Any] = {"result_count": len(page)}
        if page:
            meta["newest_id"] = page[0].id
            meta["oldest_id"] = page[-1].id
        if offset + max_results < len(timeline):
            meta["next_token"] = str(offset + max_results)
        body: dict[str, Any] = {"meta": meta}
        if page:
            body["data"] = [self._tweet_json(tweet, fields) for tweet in page]
        return Reply(200, body)

    def _upload(self, request: RecordedRequest, me: FakeAccount) -> Reply:
        upload = request.files.get("media")
        if upload is None and "media_data" in request.form:
            data = base64.b64decode(request.form["media_data"])
            content_type = None
        elif upload is not None:
            data, content_type = upload.data, upload.content_type
        else:
            return Reply(400, {"errors": [{"code": 38, "message": "media parameter is missing."}]})
        media_id = str(next(self._media_ids))
        self._media[media_id] = FakeMedia(media_id, me.user_id, data, content_type)
        body: dict[str, Any] = {
            "media_id": int(media_id),
            "media_id_string": media_id,
            "size": len(data),
            "expires_after_secs": 86400,
        }
        size = _image_size(data)
        if size:
            body["image"] = {"image_type": "image/png", "w": size[0], "h": size[1]}
        return Reply(200, body)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m tests.fakes.x", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument(
        "--strict-tokens", action="store_true", help="401 for unknown access tokens"
    )
    parser.add_argument("--reject-duplicates", action="store_true", help="403 for repeated text")
    parser.add_argument("--post-limit", type=int, help="tweets per account per window")
    parser.add_argument("--window", type=float, default=900, help="rate-limit window, seconds")
    parser.add_argument(
        "--latency-ms", type=float, default=0, help="how long every answer takes (default: none)"
    )
    parser.add_argument("--verbose", action="store_true", help="log every request")
    options = parser.parse_args(argv)
    fake = FakeX(
        host=options.host,
        port=options.port,
        strict_tokens=options.strict_tokens,
        reject_duplicates=options.reject_duplicates,
        verbose=options.verbose,
    )
    fake.latency = options.latency_ms / 1000
    if options.post_limit is not None:
        fake.set_rate_limit(POST_TWEET, options.post_limit, options.window)
    fake.serve_until_interrupted()


if __name__ == "__main__":
    main()
