"""The Telegram adapter: python-telegram-bot's ``Bot`` posting into one channel or group where
Herald's bot is an administrator, with every failure classified into a ``PlatformError``.

The workers are synchronous, the library is asyncio: each client owns a private event loop
(``asyncio.Runner``) and one ``Bot`` with its connection pool, and runs one call at a time on it.
Building a ``Bot`` per call would cost ~40 ms of TLS setup each time. Call ``close()`` (or use
the client as a context manager) when done.

Reconcile — what Telegram cannot do: the Bot API offers no way to read a channel's history.
``getUpdates`` only hands out *new* posts, only while no webhook is set, and consumes them (and
the field-staff bot may be polling the same token). So after a crash between "sent" and "recorded"
Herald cannot find out whether a message went out. This adapter says so instead of guessing:
``reconcilable = False`` and ``find_published`` always returns None. The outbox must treat an
expired lease on a Telegram publication as "a person decides" (held, with a link to the channel
to look), never as "not found, send again".

Flood control: python-telegram-bot turns a 429 into ``RetryAfter``, whose ``retry_after`` warns of
a coming type change on every access (PTB 22.2+). Our request class reads ``retry_after`` from the
response body itself and raises ``FloodControl`` before PTB builds a ``RetryAfter``; a
``RetryAfter`` from elsewhere is still understood.
"""

from __future__ import annotations

import asyncio
import json
import threading
import warnings
from collections.abc import Awaitable, Callable
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import httpx
from telegram import Bot, InputMediaPhoto, Message
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.request import HTTPXRequest
from telegram.warnings import PTBDeprecationWarning

from campaigns.social.platform import ErrorKind, OutgoingPost, PlatformError, PublishedPost

DEFAULT_API_BASE = "https://api.telegram.org"
DEFAULT_TIMEOUT = 10.0
CAN_POST = ("administrator", "creator")
T = TypeVar("T")


class FloodControl(TelegramError):
    """Telegram's 429, with the seconds it asked us to wait."""

    def __init__(self, retry_after: float, message: str) -> None:
        super().__init__(message)
        self.seconds = retry_after


class ServerError(TelegramError):
    """Telegram answered with a 5xx: it is there, and it did not take the message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _description(payload: bytes) -> dict[str, Any]:
    try:
        body = json.loads(payload)
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


class TelegramRequest(HTTPXRequest):
    """HTTPXRequest that reports flood control as ``FloodControl`` (see the module docstring)
    and a 5xx answer as ``ServerError``. PTB would make the latter a ``NetworkError``, like a
    timeout, but the difference matters: after a timeout the message may have gone out."""

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        status, payload = await super().do_request(*args, **kwargs)
        if status == 429:
            body = _description(payload)
            try:
                seconds = float(body["parameters"]["retry_after"])
            except (KeyError, TypeError, ValueError):
                return status, payload
            raise FloodControl(seconds, body.get("description") or "Too Many Requests")
        if status >= 500:
            description = _description(payload).get("description")
            raise ServerError(status, description or f"Telegram answered {status}")
        return status, payload


def classify_telegram_error(error: TelegramError, *, now: datetime) -> PlatformError:
    """The ``PlatformError`` a python-telegram-bot failure means."""
    message = error.message
    if isinstance(error, FloodControl):
        retry_at = now + timedelta(seconds=error.seconds)
        return PlatformError(ErrorKind.RATE_LIMITED, message, retry_at=retry_at, status=429)
    if isinstance(error, RetryAfter):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PTBDeprecationWarning)
            wait = error.retry_after
        seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
        retry_at = now + timedelta(seconds=seconds)
        return PlatformError(ErrorKind.RATE_LIMITED, message, retry_at=retry_at, status=429)
    if isinstance(error, ServerError):
        return PlatformError(ErrorKind.TRANSIENT, message, status=error.status)
    if isinstance(error, Forbidden):
        return PlatformError(ErrorKind.AUTH, message, status=403)
    if isinstance(error, InvalidToken):
        return PlatformError(ErrorKind.AUTH, message, status=401)
    if isinstance(error, ChatMigrated):
        return PlatformError(
            ErrorKind.AUTH,
            f"The group became a supergroup with id {error.new_chat_id}; update the channel.",
            status=400,
        )
    # BadRequest and TimedOut are NetworkErrors in PTB: test them first.
    if isinstance(error, BadRequest):
        return PlatformError(ErrorKind.REJECTED, message, status=400)
    # No answer: status stays None. A request that never left (refused connection, unknown
    # host, no connection or pool slot in time) sent nothing; after it left (a read timeout, a
    # dropped connection) the message may have gone out.
    if isinstance(error, TimedOut | NetworkError):
        return PlatformError(ErrorKind.TRANSIENT, message, unsent=never_left(error))
    return PlatformError(ErrorKind.TRANSIENT, message)


def never_left(error: BaseException) -> bool:
    """Whether the HTTP request behind a python-telegram-bot error never reached Telegram: PTB
    wraps httpx's errors (``raise NetworkError(...) from error``), so the cause tells."""
    cause = error.__cause__ or error.__context__
    return isinstance(cause, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)


def message_url(message: Message) -> str:
    """The public link of a message: t.me/<username>/<id>, or t.me/c/<id>/<id> for a private
    channel or supergroup; a basic group's messages have no link."""
    chat = message.chat
    if chat.username:
        return f"https://t.me/{chat.username}/{message.message_id}"
    chat_id = str(chat.id)
    if chat_id.startswith("-100"):
        return f"https://t.me/c/{chat_id[4:]}/{message.message_id}"
    return ""


class TelegramClient:
    """One Telegram channel (or group) posted to by one bot."""

    reconcilable = False

    def __init__(
        self,
        *,
        token: str,
        chat_id: str | int,
        api_base: str = DEFAULT_API_BASE,
        timeout: float = DEFAULT_TIMEOUT,
        media_timeout: float | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        api_base = api_base.rstrip("/")
        self._token = token
        self._chat_id = chat_id
        self._clock = clock or (lambda: datetime.now(UTC))
        # A local or staging server: proxies from the environment are for the real platform.
        httpx_kwargs = {"trust_env": False} if api_base != DEFAULT_API_BASE else None
        self._request = TelegramRequest(
            connection_pool_size=4,
            read_timeout=timeout,
            write_timeout=timeout,
            connect_timeout=timeout,
            pool_timeout=timeout,
            media_write_timeout=media_timeout or timeout * 3,
            httpx_kwargs=httpx_kwargs,
        )
        self._bot = Bot(
            token,
            base_url=f"{api_base}/bot",
            base_file_url=f"{api_base}/file/bot",
            request=self._request,
            get_updates_request=self._request,
        )
        self._runner: asyncio.Runner | None = None
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            if self._runner is None:
                return
            self._runner.run(self._request.shutdown())
            self._runner.close()
            self._runner = None

    def __enter__(self) -> TelegramClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _run(self, call: Callable[[], Awaitable[T]]) -> T:
        with self._lock:
            if self._runner is None:
                self._runner = asyncio.Runner()
                # A client closed earlier gets a fresh connection pool on the new loop.
                self._runner.run(self._request.initialize())
            try:
                return self._runner.run(self._awaited(call))
            except TelegramError as error:
                platform_error = classify_telegram_error(error, now=self._clock())
                # The token is part of every URL; make sure no message ever carries it.
                platform_error.message = platform_error.message.replace(self._token, "<token>")
                platform_error.args = (platform_error.message,)
                raise platform_error from None

    @staticmethod
    async def _awaited(call: Callable[[], Awaitable[T]]) -> T:
        return await call()

    def publish(self, post: OutgoingPost) -> PublishedPost:
        """Send the text, a photo with a caption, or an album with the caption on its first
        photo; raises ``PlatformError``."""
        with ExitStack() as files:
            if not post.media:
                message = self._run(lambda: self._bot.send_message(self._chat_id, post.text))
            elif len(post.media) == 1:
                photo = files.enter_context(open(post.media[0].path, "rb"))
                message = self._run(
                    lambda: self._bot.send_photo(self._chat_id, photo, caption=post.text or None)
                )
            else:
                album = [
                    InputMediaPhoto(
                        files.enter_context(open(media.path, "rb")),
                        caption=(post.text or None) if index == 0 else None,
                    )
                    for index, media in enumerate(post.media)
                ]
                message = self._run(lambda: self._bot.send_media_group(self._chat_id, album))[0]
        return PublishedPost(
            platform_id=str(message.message_id),
            url=message_url(message),
            published_at=message.date.astimezone(UTC),
        )

    def find_published(self, post: OutgoingPost, *, since: datetime) -> PublishedPost | None:
        """Always None: Telegram cannot tell (see the module docstring; ``reconcilable``)."""
        return None

    def check_connection(self) -> str:
        """``@bot → chat title`` when the bot may post in the chat; raises ``PlatformError``
        (AUTH when the token is wrong or the bot is not an administrator there)."""
        me = self._run(self._bot.get_me)
        chat = self._run(lambda: self._bot.get_chat(self._chat_id))
        member = self._run(lambda: self._bot.get_chat_member(self._chat_id, me.id))
        if member.status not in CAN_POST and not (
            chat.type == "group" and member.status == "member"
        ):
            raise PlatformError(
                ErrorKind.AUTH,
                f"@{me.username} cannot post in {chat.title or self._chat_id}: "
                f"it is {member.status}, not an administrator.",
            )
        if getattr(member, "can_post_messages", None) is False:
            raise PlatformError(
                ErrorKind.AUTH, f"@{me.username} may not post messages in {chat.title}."
            )
        return f"@{me.username} → {chat.title or chat.username or self._chat_id}"
