"""Reactions to Telegram channel posts: the only numbers the Bot API gives about them.

Telegram gives bots no view counts and no forwards of channel posts. What it does give: when the
bot is an administrator of the channel and asks for ``message_reaction_count`` in
``allowed_updates``, an update each time the reactions to a post change (anonymous totals per
emoji). Herald stores them on the post's rollup (``campaigns.metrics.collection
.record_reaction_update``); the collector's Telegram snapshots record what the rollup holds at
their instant.

One poller per bot token, never two: Telegram answers a second ``getUpdates`` on the same token
with 409 Conflict, and each would steal the other's updates. So:

- the field-staff bot's token (``HERALD_TELEGRAM_BOT_TOKEN``) is polled by ``herald bot`` (or the
  bot thread of ``herald demo``), which asks for ``message_reaction_count`` too and hands those
  updates to the same recording function (``bots.fieldbot``);
- every other token of a Telegram channel is polled by a ``ReactionPoller`` here, run by the
  single scheduler process (``herald scheduler``, or the demo's scheduler thread) once it holds
  the scheduler lock: ``ReactionPollers`` looks at the channels every minute and starts or stops
  pollers as tokens come and go.

A 409 (someone else polls the token, or a webhook is set) is logged and retried a minute later.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker
from telegram import Bot, Update
from telegram.error import Conflict, TelegramError

from bots.sessions import bot_transaction
from bots.telegram import DEFAULT_API_BASE, DEFAULT_TIMEOUT, TelegramRequest
from campaigns.db import create_engine, utcnow
from campaigns.metrics.collection import record_reaction_update, telegram_bot_tokens

log = logging.getLogger(__name__)

ALLOWED_UPDATES = [Update.MESSAGE_REACTION_COUNT]
POLL_TIMEOUT = timedelta(seconds=10)
RETRY_SECONDS = 60.0
CHANNELS_EVERY_SECONDS = 60.0

Record = Callable[[Mapping[str, Any]], int]


def database_recorder(
    sessions: Callable[[], Session], clock: Callable[[], datetime] = utcnow
) -> Record:
    """Records one ``message_reaction_count`` update (as JSON) in its own transaction."""

    def record(update_json: Mapping[str, Any]) -> int:
        with bot_transaction(sessions) as session:
            return record_reaction_update(session, update_json, now=clock())

    return record


class ReactionPoller:
    """Long-polls one bot token for ``message_reaction_count`` updates and records them."""

    def __init__(
        self,
        *,
        token: str,
        record: Record,
        api_base: str = DEFAULT_API_BASE,
        timeout: float = DEFAULT_TIMEOUT,
        poll_timeout: timedelta = POLL_TIMEOUT,
        retry_seconds: float = RETRY_SECONDS,
    ) -> None:
        self._token = token
        self._record = record
        self._api_base = api_base.rstrip("/")
        self._timeout = timeout
        self._poll_timeout = poll_timeout
        self._retry_seconds = retry_seconds
        self._offset: int | None = None
        #: updates recorded so far (tests wait on it)
        self.recorded = 0

    def _bot(self) -> Bot:
        httpx_kwargs = {"trust_env": False} if self._api_base != DEFAULT_API_BASE else None
        request = TelegramRequest(
            connection_pool_size=1,
            read_timeout=self._timeout + self._poll_timeout.total_seconds(),
            write_timeout=self._timeout,
            connect_timeout=self._timeout,
            pool_timeout=self._timeout,
            httpx_kwargs=httpx_kwargs,
        )
        return Bot(
            self._token,
            base_url=f"{self._api_base}/bot",
            base_file_url=f"{self._api_base}/file/bot",
            request=request,
            get_updates_request=request,
        )

    def run(self, stop: threading.Event) -> None:
        """Poll until ``stop`` is set (checked between long polls)."""
        asyncio.run(self._poll(stop))

    async def _poll(self, stop: threading.Event) -> None:
        bot = self._bot()
        await bot.initialize()
        try:
            while not stop.is_set():
                try:
                    await self.poll_once(bot)
                except Conflict:
                    log.warning(
                        "reactions: another poller or a webhook uses this bot token; retrying"
                        " in %.0f s",
                        self._retry_seconds,
                    )
                    await asyncio.to_thread(stop.wait, self._retry_seconds)
                except TelegramError as error:
                    log.warning("reactions: getUpdates failed (%s); retrying", error)
                    await asyncio.to_thread(stop.wait, min(self._retry_seconds, 5.0))
        finally:
            await bot.shutdown()

    async def poll_once(self, bot: Bot) -> int:
        """One long poll; returns how many reaction updates were recorded."""
        updates = await bot.get_updates(
            offset=self._offset,
            timeout=int(self._poll_timeout.total_seconds()),
            allowed_updates=ALLOWED_UPDATES,
        )
        recorded = 0
        for update in updates:
            self._offset = update.update_id + 1
            counted = update.message_reaction_count
            if counted is None:
                continue
            try:
                await asyncio.to_thread(self._record, counted.to_dict())
                recorded += 1
            except Exception:
                log.exception("reactions: recording update %s failed", update.update_id)
        self.recorded += recorded
        return recorded


class ReactionPollers:
    """A poller per bot token of Herald's Telegram channels, except the field bot's (which
    ``herald bot`` polls). Looks at the channels every ``CHANNELS_EVERY_SECONDS``."""

    def __init__(
        self,
        *,
        database_url: str,
        secret: str,
        field_bot_token: str | None,
        api_base: str = DEFAULT_API_BASE,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self._engine = create_engine(database_url)
        self._sessions = sessionmaker(self._engine, expire_on_commit=False)
        self._secret = secret
        self._field_bot_token = field_bot_token
        self._api_base = api_base
        self._timeout = timeout
        self._running: dict[str, tuple[threading.Event, threading.Thread]] = {}

    def tokens(self) -> set[str]:
        with bot_transaction(self._sessions) as session:
            tokens = telegram_bot_tokens(session, secret=self._secret)
        return tokens - {self._field_bot_token}

    def refresh(self) -> None:
        """Start pollers for new tokens, stop those of tokens no channel uses any more."""
        wanted = self.tokens()
        for token in set(self._running) - wanted:
            stop, _ = self._running.pop(token)
            stop.set()
        for token in wanted - set(self._running):
            stop = threading.Event()
            poller = ReactionPoller(
                token=token,
                record=database_recorder(self._sessions),
                api_base=self._api_base,
                timeout=self._timeout,
            )
            thread = threading.Thread(
                target=poller.run, args=(stop,), name="herald-reactions", daemon=True
            )
            thread.start()
            self._running[token] = (stop, thread)

    def run(self, stop: threading.Event) -> None:
        try:
            while not stop.is_set():
                try:
                    self.refresh()
                except Exception:
                    log.exception("reactions: listing the Telegram channels failed")
                stop.wait(CHANNELS_EVERY_SECONDS)
        finally:
            self.close()

    def close(self) -> None:
        """Stop every poller and release the database connections."""
        for poller_stop, _ in self._running.values():
            poller_stop.set()
        self._running.clear()
        self._engine.dispose()


def start_reaction_pollers(stop: threading.Event, *, config: Mapping[str, Any]) -> threading.Thread:
    """For the scheduler process: the reaction pollers in a thread, until ``stop``."""
    pollers = ReactionPollers(
        database_url=config["SQLALCHEMY_DATABASE_URI"],
        secret=config.get("SECRET_KEY") or config.get("HERALD_SECRET_KEY") or "",
        field_bot_token=config.get("HERALD_TELEGRAM_BOT_TOKEN") or None,
        api_base=config.get("HERALD_TELEGRAM_API_BASE") or DEFAULT_API_BASE,
        timeout=float(config.get("HERALD_PLATFORM_TIMEOUT") or DEFAULT_TIMEOUT),
    )
    thread = threading.Thread(
        target=pollers.run, args=(stop,), name="herald-reaction-pollers", daemon=True
    )
    thread.start()
    return thread
