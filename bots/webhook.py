"""The field bot in webhook mode: Telegram posts each update to the web app, which hands it to a
field bot running in a thread of that web process (the same python-telegram-bot Application and
handlers as long polling, fed through its update queue, as in PTB's custom-webhook example).

One mode per token: while a webhook is set, Telegram refuses ``getUpdates`` (409), and
``herald bot`` refuses to start rather than delete the webhook. ``set_webhook`` and
``delete_webhook`` are what ``herald bot --set-webhook`` / ``--delete-webhook`` call.

Every web process runs its own bot, started by the first request it serves (a thread started
before gunicorn forks its workers would not survive the fork). Each one also delivers the alerts
due: on PostgreSQL a notification is locked while it is sent, so several processes never send
the same one (campaigns/social/telegram_alerts.py).
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from telegram import Bot
from telegram.error import TelegramError

from bots.fieldbot import (
    ALLOWED_UPDATES,
    BotCannotStart,
    BotNotRunning,
    FieldBot,
    telegram_requests,
)
from bots.telegram import DEFAULT_API_BASE, DEFAULT_TIMEOUT

log = logging.getLogger(__name__)

#: how long the first update waits for a bot that is starting (getMe) before it gets a 503
START_WAIT_SECONDS = 10.0
#: a bot that could not start (a refused token, Telegram out of reach) is tried again no sooner
RESTART_SECONDS = 30.0


class WebhookBot:
    """The field bot of one web process, started on first use (per process: a forked worker
    starts its own). ``submit(data)`` hands it an update's JSON."""

    def __init__(
        self,
        make_bot: Callable[[], FieldBot],
        *,
        start_wait: float = START_WAIT_SECONDS,
        restart_seconds: float = RESTART_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._make_bot = make_bot
        self._start_wait = start_wait
        self._restart_seconds = restart_seconds
        self._clock = clock
        self._started_at = 0.0
        self._lock = threading.Lock()
        self._bot: FieldBot | None = None
        self._thread: threading.Thread | None = None
        self._pid: int | None = None

    def ensure_started(self) -> FieldBot | None:
        """This process's bot, started (in a thread) if it is not running; None while one that
        could not start waits ``restart_seconds`` before it is tried again (every request
        would otherwise start one)."""
        with self._lock:
            alive = self._thread is not None and self._thread.is_alive()
            forked = self._pid != os.getpid()
            if self._bot is None or forked or not alive:
                if not forked and self._clock() - self._started_at < self._restart_seconds:
                    return None
                self._started_at = self._clock()
                self._bot = self._make_bot()
                self._pid = os.getpid()
                self._thread = threading.Thread(
                    target=self._run, args=(self._bot,), name="herald-bot-webhook", daemon=True
                )
                self._thread.start()
            return self._bot

    def submit(self, data: Any) -> None:
        """Hand the update to the bot's handlers. Raises ValueError (not an update) or
        BotNotRunning (the bot could not start, or not in time)."""
        bot = self.ensure_started()
        if bot is None or not self._ready(bot):
            raise BotNotRunning("the bot is not running")
        bot.submit_update(data)

    def _ready(self, bot: FieldBot) -> bool:
        """Whether ``bot`` is ready, waiting while it starts (not once it gave up)."""
        thread = self._thread
        deadline = time.monotonic() + self._start_wait
        while not bot.ready.wait(0.05):
            if thread is None or not thread.is_alive() or time.monotonic() > deadline:
                return False
        return True

    def stop(self) -> None:
        with self._lock:
            bot, thread = self._bot, self._thread
            self._bot = self._thread = None
        if bot is not None:
            bot.stop()
        if thread is not None:
            thread.join(10)

    @staticmethod
    def _run(bot: FieldBot) -> None:
        try:
            bot.run()
        except BotCannotStart as error:
            # The next request tries again: Telegram keeps the updates and retries meanwhile.
            log.error("herald bot (webhook): it did not start: %s", error)


def set_webhook(
    *,
    token: str,
    url: str,
    secret_token: str,
    api_base: str = DEFAULT_API_BASE,
    timeout: float = DEFAULT_TIMEOUT,
    allowed_updates: Sequence[str] = ALLOWED_UPDATES,
) -> None:
    """Ask Telegram to post the bot's updates to ``url`` with ``secret_token`` in the
    ``X-Telegram-Bot-Api-Secret-Token`` header. Raises BotCannotStart with Telegram's reason."""

    async def call(bot: Bot) -> Any:
        return await bot.set_webhook(
            url, secret_token=secret_token, allowed_updates=list(allowed_updates)
        )

    _one_call(call, token=token, api_base=api_base, timeout=timeout)


def delete_webhook(
    *, token: str, api_base: str = DEFAULT_API_BASE, timeout: float = DEFAULT_TIMEOUT
) -> None:
    """Stop Telegram posting to the webhook: updates wait for long polling again (kept)."""

    async def call(bot: Bot) -> Any:
        return await bot.delete_webhook(drop_pending_updates=False)

    _one_call(call, token=token, api_base=api_base, timeout=timeout)


def _one_call(call: Callable[[Bot], Any], *, token: str, api_base: str, timeout: float) -> Any:
    calls, _ = telegram_requests(api_base=api_base, timeout=timeout)
    base = api_base.rstrip("/")
    bot = Bot(token, base_url=f"{base}/bot", base_file_url=f"{base}/file/bot", request=calls)

    async def run() -> Any:
        try:
            async with bot:
                return await call(bot)
        except TelegramError as error:
            message = str(error).replace(token, "<token>")
            raise BotCannotStart(f"Telegram refused: {message}") from None

    return asyncio.run(run())
