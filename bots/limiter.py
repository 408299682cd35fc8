"""One outgoing limiter for everything the field bot sends: Telegram's flood limits, kept.

Telegram's guidance for bots: about 30 messages a second overall, at most 20 a minute to one
group, and about one a second to one private chat, short bursts allowed; past that it answers
429 with ``retry_after``. ``OutgoingLimiter`` is a python-telegram-bot ``BaseRateLimiter``: given to the
``ApplicationBuilder``, every call of the bot that names a chat (replies, alerts, reminders,
digests, button answers) passes through it, whichever job or handler makes it.

Why our own and not python-telegram-bot's ``AIORateLimiter`` (the ``rate-limiter`` extra, which
adds aiolimiter): aiolimiter is a leaky bucket, which lets a full bucket out at once and then
refills it while the window runs, so up to twice the rate passes within one window (60
messages in a second, 40 to a group in a minute); and it has no limit per private chat. Here each
limit is a *sliding window* that counts a message from the moment it is handed to Telegram until
a full window after Telegram answered: however long a request is on the way, Telegram never
receives more than ``count`` messages within any ``seconds`` (the test asserts it on the fake
server's own clock). A private chat gets a token bucket instead (``PRIVATE``: bursts of 10,
one a second after that), so a conversation's quick answers are not held back while a flood of
reminders to one person is. It is some sixty lines, and no new dependency.

``retry_after``: when Telegram still answers 429, everything the bot sends pauses for that long
(one shared pause, not one per chat), then the request is tried again, ``max_retries`` times;
the last 429 is raised. ``rate_limit_args`` is the number of attempts of one call: a caller that
handles flood control itself passes ``rate_limit_args=SEND_ONCE``, and the error comes back at
once, without pausing the others, as the alert delivery wants (it waits on its own clock,
fieldbot.deliver_round). (python-telegram-bot drops a falsy ``rate_limit_args``, hence attempts
rather than retries.)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import warnings
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter
from telegram.warnings import PTBDeprecationWarning

from bots.telegram import FloodControl

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limit:
    """At most ``count`` messages within any ``seconds``."""

    count: int
    seconds: float


#: Telegram's guidance (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this)
OVERALL = Limit(30, 1.0)
GROUP = Limit(20, 60.0)
#: a bucket of ``count`` messages that refills at one per ``seconds / count``
PRIVATE = Limit(10, 10.0)
MAX_RETRIES = 2
#: ``rate_limit_args`` of a call tried once: its flood control is the caller's to handle
SEND_ONCE = 1


@dataclass
class _Window:
    limit: Limit
    answered: deque[float] = field(default_factory=deque)
    in_flight: int = 0
    #: waiters queue here, first come first served (one wakes at a time, not all of them)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    #: set when a message in flight is answered: room may have come
    freed: asyncio.Event = field(default_factory=asyncio.Event)

    def wait(self, now: float) -> float:
        """Seconds until one more message may go (0: now; inf: when one in flight answers)."""
        while self.answered and self.answered[0] <= now - self.limit.seconds:
            self.answered.popleft()
        if self.in_flight + len(self.answered) < self.limit.count:
            return 0.0
        if self.answered:
            return self.answered[0] + self.limit.seconds - now
        return float("inf")

    def take(self) -> None:
        self.in_flight += 1

    def give_back(self, now: float) -> None:
        self.in_flight -= 1
        self.answered.append(now)
        self.freed.set()


@dataclass
class _Bucket:
    limit: Limit
    tokens: float = -1.0
    filled_at: float = 0.0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    freed: asyncio.Event = field(default_factory=asyncio.Event)

    def wait(self, now: float) -> float:
        rate = self.limit.count / self.limit.seconds
        if self.tokens < 0:
            self.tokens = float(self.limit.count)
        else:
            self.tokens = min(self.limit.count, self.tokens + (now - self.filled_at) * rate)
        self.filled_at = now
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / rate

    def take(self) -> None:
        self.tokens -= 1

    def give_back(self, now: float) -> None:
        pass


class OutgoingLimiter(BaseRateLimiter[int]):
    """Telegram's flood limits for one bot (see the module docstring)."""

    def __init__(
        self,
        *,
        overall: Limit = OVERALL,
        group: Limit = GROUP,
        private: Limit = PRIVATE,
        max_retries: int = MAX_RETRIES,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self._overall = _Window(overall)
        self._group = group
        self._private = private
        self._chats: dict[str, _Window | _Bucket] = {}
        self._max_retries = max_retries
        self._clock = clock
        self._paused_until = 0.0

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        self._chats.clear()

    def _now(self) -> float:
        return self._clock() if self._clock else asyncio.get_running_loop().time()

    def _window_of(self, chat_id: Any) -> _Window | _Bucket | None:
        if chat_id is None:
            return None  # getUpdates, getMe...: no chat, no message
        key = str(chat_id)
        window = self._chats.get(key)
        if window is None:
            # Negative ids and @usernames are groups and channels; positive ids people.
            private = key.lstrip("-").isdigit() and not key.startswith("-")
            window = _Bucket(self._private) if private else _Window(self._group)
            self._chats[key] = window
            if len(self._chats) > 4096:
                self._forget_idle()
        return window

    def _forget_idle(self) -> None:
        now = self._now()
        for key, window in list(self._chats.items()):
            if window.lock.locked():
                continue
            if isinstance(window, _Bucket):
                if window.wait(now) == 0 and window.tokens >= window.limit.count:
                    del self._chats[key]
            elif not window.in_flight and window.wait(now) == 0 and not window.answered:
                del self._chats[key]

    async def _room_in(self, window: _Window | _Bucket, *, overall: bool = False) -> None:
        """Wait until ``window`` (and the shared pause, for ``overall``) lets one more go."""
        while True:
            now = self._now()
            wait = window.wait(now)
            if overall:
                wait = max(wait, self._paused_until - now)
            if wait <= 0:
                return
            if wait == float("inf"):  # all in flight: the next answer makes room
                window.freed.clear()
                await window.freed.wait()
            else:
                await asyncio.sleep(wait)

    async def _acquire(self, chat: _Window | _Bucket | None) -> None:
        # The chat's own limit first, then the overall one: a group that must wait a minute
        # does not hold up messages to everyone else.
        async with contextlib.AsyncExitStack() as held:
            if chat is not None:
                await held.enter_async_context(chat.lock)
                await self._room_in(chat)
            async with self._overall.lock:
                await self._room_in(self._overall, overall=True)
                self._overall.take()
                if chat is not None:
                    chat.take()

    def _release(self, chat: _Window | _Bucket | None) -> None:
        now = self._now()
        self._overall.give_back(now)
        if chat is not None:
            chat.give_back(now)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        """Wait for room in every window of this request, send it, and honour retry_after."""
        retries = self._max_retries if rate_limit_args is None else rate_limit_args - 1
        chat = self._window_of(data.get("chat_id"))
        if chat is None:
            return await callback(*args, **kwargs)
        for attempt in range(retries + 1):
            await self._acquire(chat)
            try:
                return await callback(*args, **kwargs)
            except (FloodControl, RetryAfter) as error:
                if attempt == retries:
                    raise
                seconds = _seconds_to_wait(error)
                self._paused_until = max(self._paused_until, self._now() + seconds)
                log.info("herald bot: Telegram asks to wait %s s before %s", seconds, endpoint)
            finally:
                self._release(chat)
        raise AssertionError("unreachable")  # pragma: no cover


def _seconds_to_wait(error: FloodControl | RetryAfter) -> float:
    """Telegram's ``retry_after``: our request class's ``FloodControl`` carries it as seconds;
    a ``RetryAfter`` (another request class) warns of a type change on every access."""
    if isinstance(error, FloodControl):
        return float(error.seconds)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        wait = error.retry_after
    return wait.total_seconds() if hasattr(wait, "total_seconds") else float(wait)
