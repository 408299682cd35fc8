"""The field-staff Telegram bot: people link their private chat to Herald, and their Herald
alerts reach them there.

Long polling with python-telegram-bot, or fed by the web's webhook route (``webhook=True``:
no polling, ``submit_update`` hands it each update; bots/webhook.py). Commands: ``/start CODE``
links the chat (the code comes from the person's profile page in the web; wrong codes are
limited per chat, campaigns/field/start_limits.py), ``/start`` alone explains how, ``/help``,
``/stop`` unlinks. A repeating job delivers the notifications due in Telegram every ``DELIVERY_SECONDS``
(campaigns/social/telegram_alerts.py says which, and how failures are handled). A request to
clear a post arrives as a clearance card with Approve and Reject buttons (bots/clearance.py).
Another job pushes reminders, new planning tasks and daily digests every ``push_seconds``
(bots/field_push.py), and ``/mute`` and ``/settings`` tune them. Everything the bot sends passes one shared limiter
(bots/limiter.py): Telegram's flood limits, ``retry_after`` honoured.

Database work runs off the event loop (``asyncio.to_thread``), each piece in its own
transaction (door ``bot``). A delivery round runs in one thread: each notification's
transaction stays open while its message is sent (the send itself runs on the bot's event loop)
and is committed right after Telegram took it, so a notification is sent at least once and, in
the normal path, never twice.

The bot's own messages are marked with ``N_`` and translated with the catalogs the caller
passes in (``catalog_translations``): the bot does not import the web. To someone whose chat is
not linked yet the bot speaks Vietnamese and English; to a linked person, their language.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from babel.support import Translations
from sqlalchemy.orm import Session, sessionmaker
from telegram import Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    MessageReactionHandler,
    TypeHandler,
    filters,
)

from bots import conference_attend, field_agenda, field_push, field_reports
from bots.clearance import ClearanceDesk, add_clearance_handlers, read_photos, send_card
from bots.limiter import SEND_ONCE, OutgoingLimiter
from bots.sessions import bot_transaction
from bots.telegram import (
    DEFAULT_API_BASE,
    DEFAULT_TIMEOUT,
    TelegramRequest,
    classify_telegram_error,
)
from campaigns import telemetry
from campaigns.db import create_engine, utcnow
from campaigns.errors import HeraldError
from campaigns.field.start_limits import link_chat_with_limit
from campaigns.i18n import N_
from campaigns.metrics.collection import record_reaction_update
from campaigns.org import telegram_links
from campaigns.social import telegram_alerts
from campaigns.social.clearance_cards import Button
from campaigns.social.platform import ErrorKind, MediaFile, PlatformError

log = logging.getLogger(__name__)

DELIVERY_SECONDS = 3.0
DELIVERY_BATCH = 20
POLL_TIMEOUT = timedelta(seconds=10)
# Reactions to the posts of Herald's channels that use this bot's token arrive here too: only
# one process may poll a token (bots/reactions.py), so the field bot records them itself.
ALLOWED_UPDATES = [Update.MESSAGE, Update.MESSAGE_REACTION_COUNT, Update.CALLBACK_QUERY]
LANGUAGES = ("vi", "en")  # Vietnamese first, for someone the bot does not know yet

HOW_TO_LINK = N_(
    "This is Herald's bot. To get your Herald alerts here, open your profile page in Herald,"
    " press “Connect Telegram” and send me the message it shows: /start and your code."
)
LINKED = N_(
    "Hello %(name)s: this chat is now linked to your Herald account, and your Herald alerts"
    " will arrive here. Send /stop to unlink it."
)
MOVED_FROM = N_("It was linked to %(previous)s before: they no longer get alerts here.")
PRIVATE_ONLY = N_("Alerts are personal: send your code to me in a private chat, not in a group.")
HELP = N_(
    "I send you your Herald alerts: posts waiting for your clearance, publications that were"
    " held or failed, broken channels, each with a link to Herald; reminders before your"
    " events, itinerary items and interviews; and a daily digest of your day.\n\n"
    "A post waiting for your clearance comes with its text and images: press Approve to clear"
    " it, or Reject and send me what should change.\n\n"
    "/today — your agenda for today\n"
    "/week — your next seven days\n"
    "/upcoming — your unit's coming anniversaries and deadlines\n"
    "/trip — your trip's itinerary, with Done and Delay buttons\n"
    "/report — file a field report: a link, a photo or a note\n"
    "/attend 120 — on a conference day: your site is connected, with 120 delegates\n"
    "/start CODE — link this chat to your Herald account (the code is on your profile page)\n"
    "/stop — unlink this chat: no more alerts here\n"
    "/cancel — stop what you started (a report, or a rejection waiting for your comment)\n"
    "/mute 2h, /mute until 18:00, /mute off — quiet for a while (reminders, digest, alerts)\n"
    "/settings — your reminder times and daily digest (/settings reminders 24h 1h,"
    " /settings digest 7)\n"
    "/help — this message"
)
STOPPED = N_(
    "This chat is unlinked: Herald sends nothing more here. To link it again, make a new code"
    " on your profile page in Herald."
)
NOT_LINKED = N_("This chat is not linked to a Herald account.")

#: ``translations(locale)``: the ``gettext`` of that language's catalog.
TranslationsFor = Callable[[str], Callable[[str], str]]


class BotCannotStart(Exception):
    """The bot could not start (a refused token, Telegram out of reach, a webhook set while it
    would poll); the message says why."""


class BotNotRunning(Exception):
    """An update came for a bot that is not running (yet, or any more)."""


WEBHOOK_IS_SET = (
    "Telegram sends this bot's updates to a webhook ({url}): the web app receives them, and"
    " long polling would take them away from it. Run `herald bot --delete-webhook` to go back to"
    " long polling (and unset HERALD_TELEGRAM_WEBHOOK_SECRET), or leave the bot to the web."
)


def catalog_translations(directory: Path | str) -> TranslationsFor:
    """``translations(locale)`` built from a folder of compiled gettext catalogs (the web's)."""
    loaded: dict[str, Callable[[str], str]] = {}

    def translations(locale: str) -> Callable[[str], str]:
        if locale not in loaded:
            loaded[locale] = Translations.load(str(directory), [locale]).gettext
        return loaded[locale]

    return translations


class FieldBot:
    """The bot's state: its database sessions, catalogs and Telegram application.

    ``run()`` blocks until ``stop()`` is called (from any thread or a signal handler).
    """

    def __init__(
        self,
        *,
        token: str,
        database_url: str,
        base_url: str,
        translations: TranslationsFor,
        api_base: str = DEFAULT_API_BASE,
        timeout: float = DEFAULT_TIMEOUT,
        delivery_seconds: float | None = DELIVERY_SECONDS,
        poll_timeout: timedelta = POLL_TIMEOUT,
        clock: Callable[[], datetime] = utcnow,
        media_root: Path | str | None = None,
        webhook: bool = False,
        push_seconds: float | None = None,
        limiter: OutgoingLimiter | None = None,
    ) -> None:
        self._token = token
        self._webhook = webhook
        #: where photos sent to the bot are kept (the web's HERALD_MEDIA_ROOT); None: refused
        self.media_root = Path(media_root) if media_root is not None else None
        self._base_url = base_url
        self._translations = translations
        self._timeout = timeout
        self._delivery_seconds = delivery_seconds
        #: how often reminders and digests are pushed (``herald bot``: every 30 s); None: never
        self._push_seconds = push_seconds
        self._poll_timeout = poll_timeout
        self._clock = clock
        self._engine = create_engine(database_url)
        self._sessions = sessionmaker(self._engine, expire_on_commit=False)
        self.clearance = ClearanceDesk(
            transaction=self._transaction,
            translations=translations,
            base_url=base_url,
            media_root=self.media_root,  # the posts' images, for clearance cards
            clock=clock,
        )
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopped: asyncio.Event | None = None
        self._stop_requested = threading.Event()
        self._paused_until: datetime | None = None
        #: set while the bot polls Telegram (or takes the webhook's updates) and can deliver
        self.ready = threading.Event()
        self._requests = telegram_requests(api_base=api_base, timeout=timeout)
        self.application = build_application(
            self,
            token=token,
            api_base=api_base,
            requests=self._requests,
            limiter=limiter or OutgoingLimiter(),
        )

    # -- running -------------------------------------------------------------------------------

    def run(self) -> None:
        """Poll Telegram (or take the webhook's updates) and deliver alerts until ``stop()``.
        Raises BotCannotStart."""
        try:
            asyncio.run(self._serve())
        finally:
            self._engine.dispose()

    def stop(self) -> None:
        self._stop_requested.set()
        loop, stopped = self._loop, self._stopped
        if loop is not None and stopped is not None and not loop.is_closed():
            loop.call_soon_threadsafe(stopped.set)

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopped = asyncio.Event()
        if self._stop_requested.is_set():  # stop() came before the loop could hear it
            return
        application = self.application
        try:
            await application.initialize()  # getMe: a wrong token or no Telegram fails here
        except TelegramError as error:
            for request in self._requests:
                await request.shutdown()
            raise BotCannotStart(self._describe(error)) from None
        try:
            bot = application.bot
            if not self._webhook:
                # start_polling would delete the webhook without a word: refuse instead.
                await self._refuse_polling_under_a_webhook()
            await asyncio.to_thread(self._remember_identity, bot.id, bot.username)
            await application.start()
            if not self._webhook:
                await application.updater.start_polling(
                    timeout=self._poll_timeout, allowed_updates=ALLOWED_UPDATES
                )
            delivery = self._schedule_delivery(application)
            if self._webhook:
                log.info("herald bot: @%s takes its updates from the webhook", bot.username)
            else:
                log.info("herald bot: @%s is polling Telegram", bot.username)
            self.ready.set()
            await self._stopped.wait()
            if delivery is not None:
                delivery.cancel()
        finally:
            self.ready.clear()
            if application.updater.running:
                await application.updater.stop()
            if application.running:
                await application.stop()
            await application.shutdown()

    async def _refuse_polling_under_a_webhook(self) -> None:
        try:
            info = await self.application.bot.get_webhook_info()
        except TelegramError as error:
            raise BotCannotStart(self._describe(error)) from None
        if info.url:
            raise BotCannotStart(WEBHOOK_IS_SET.format(url=_without_path(info.url)))

    def submit_update(self, data: Any) -> None:
        """Hand an update the webhook received to the bot's handlers, without waiting for them
        (Telegram wants a quick answer). Raises ValueError (not an update) or BotNotRunning."""
        loop = self._loop
        if not self.ready.is_set() or loop is None or loop.is_closed():
            raise BotNotRunning("the bot is not running")
        update = parse_update(data, self.application)
        loop.call_soon_threadsafe(self.application.update_queue.put_nowait, update)

    def _schedule_delivery(self, application: Application) -> asyncio.Task | None:
        if self._push_seconds is not None and application.job_queue is not None:
            application.job_queue.run_repeating(
                field_push.push_messages,
                interval=self._push_seconds,
                first=0.0,
                name="push_messages",
                job_kwargs={"max_instances": 1, "coalesce": True},
            )
        if self._delivery_seconds is None:
            return None
        if application.job_queue is not None:
            application.job_queue.run_repeating(
                deliver_alerts,
                interval=self._delivery_seconds,
                first=0.0,
                name="deliver_alerts",
                job_kwargs={"max_instances": 1, "coalesce": True},
            )
            return None
        # python-telegram-bot without its job-queue extra: the same round in a plain task.
        return asyncio.create_task(self._deliver_forever(self._delivery_seconds))

    async def _deliver_forever(self, seconds: float) -> None:
        while True:
            try:
                await asyncio.to_thread(self.deliver_round)
            except Exception:
                log.exception("herald bot: a delivery round failed")
            await asyncio.sleep(seconds)

    def _describe(self, error: TelegramError) -> str:
        classified = classify_telegram_error(error, now=self._clock())
        message = classified.message.replace(self._token, "<token>")
        if classified.kind == ErrorKind.AUTH:
            return f"Telegram refused the bot token ({message}). Check HERALD_TELEGRAM_BOT_TOKEN."
        return f"Telegram cannot be reached ({message}). Check HERALD_TELEGRAM_API_BASE and the network."

    # -- the database --------------------------------------------------------------------------

    def _transaction(self) -> AbstractContextManager[Session]:
        return bot_transaction(self._sessions)

    # -- for the handler modules (bots/field_*.py) -----------------------------------------------

    def transaction(self) -> AbstractContextManager[Session]:
        """One transaction of the door "bot" (run it in a thread, not on the event loop)."""
        return self._transaction()

    def now(self) -> datetime:
        return self._clock()

    @property
    def translations(self) -> TranslationsFor:
        return self._translations

    def link(self, path: str) -> str:
        """The address of a page of Herald's web (``path`` starts with a slash)."""
        return self._base_url.rstrip("/") + path

    def say(self, locale: str | None, message: str, **params: Any) -> str:
        """``message`` in that language, or in both when the chat is nobody's (``None``)."""
        if locale is None:
            return self._in_both_languages(message, **params)
        return _say(self._translations(locale), message, params)

    def _remember_identity(self, telegram_id: int, username: str) -> None:
        with self._transaction() as session:
            telegram_links.record_bot_identity(
                session, telegram_id=telegram_id, username=username, now=self._clock()
            )

    def record_reactions(self, update_json: dict[str, Any]) -> int:
        """Store the reaction counts of a channel post (a ``message_reaction_count`` update)."""
        with self._transaction() as session:
            return record_reaction_update(session, update_json, now=self._clock())

    # -- what the handlers say (run in a thread) --------------------------------------------------

    def _in_both_languages(self, message: str, **params: Any) -> str:
        return "\n\n".join(
            _say(self._translations(locale), message, params) for locale in LANGUAGES
        )

    def _to_chat(self, session: Session, chat_id: int, message: str) -> str:
        """In the linked person's language, or in both when the chat is nobody's."""
        link = telegram_links.telegram_link_for_chat(session, chat_id)
        if link is None:
            return self._in_both_languages(message)
        return _say(self._translations(link.person.locale), message, {})

    def answer_start(self, *, code: str, chat_id: int, username: str) -> str:
        with self._transaction() as session:
            try:
                result = link_chat_with_limit(
                    session, code=code, chat_id=chat_id, username=username, now=self._clock()
                )
            except HeraldError as error:
                # Committed: a refused code counts against the chat (nothing else changed).
                return self._in_both_languages(error.template, **error.params)
            person = result.link.person
            gettext = self._translations(person.locale)
            reply = _say(gettext, LINKED, {"name": person.name})
            if result.previous_person is not None:
                reply += "\n" + _say(gettext, MOVED_FROM, {"previous": result.previous_person.name})
            return reply

    def answer_stop(self, *, chat_id: int) -> str:
        with self._transaction() as session:
            link = telegram_links.unlink_chat(session, chat_id=chat_id, now=self._clock())
            if link is None:
                return self._in_both_languages(NOT_LINKED)
            return _say(self._translations(link.person.locale), STOPPED, {})

    def answer_help(self, *, chat_id: int) -> str:
        with self._transaction() as session:
            return self._to_chat(session, chat_id, HELP)

    def answer_how_to_link(self) -> str:
        return self._in_both_languages(HOW_TO_LINK)

    def answer_private_only(self) -> str:
        return self._in_both_languages(PRIVATE_ONLY)

    # -- delivering alerts (run in a thread) -----------------------------------------------------

    def push_round(self, now: datetime | None = None) -> list[field_push.Sent]:
        """Claim and send the reminders and digests due at ``now`` (what the push job does),
        from another thread; returns what happened to each. Needs the bot running."""
        if self._loop is None or self._loop.is_closed():
            raise RuntimeError("the bot is not running")
        future = asyncio.run_coroutine_threadsafe(
            field_push.push_round(self, self.application.bot, now), self._loop
        )
        return future.result()

    def deliver_round(self, now: datetime | None = None) -> list[telegram_alerts.AlertOutcome]:
        """Send what is due at ``now``, one transaction per notification; returns the outcomes.

        Stops early under Telegram's flood control, and sends nothing until it has passed.
        Needs the bot running (``run()`` in another thread): messages go out on its loop.
        """
        now = now or self._clock()
        if self._paused_until is not None and now < self._paused_until:
            return []
        self._paused_until = None
        with self._transaction() as session:
            due = telegram_alerts.pending_telegram_alerts(session, now=now, limit=DELIVERY_BATCH)
        outcomes = []
        for notification_id in due:
            with self._transaction() as session:
                outcome = telegram_alerts.deliver_telegram_alert(
                    session,
                    notification_id=notification_id,
                    now=now,
                    send=self._send,
                    translations=self._translations,
                    base_url=self._base_url,
                    media_root=self.media_root,
                )
            outcomes.append(outcome)
            if outcome == telegram_alerts.AlertOutcome.RATE_LIMITED:
                break
        return outcomes

    def _send(
        self,
        chat_id: int,
        text: str,
        *,
        buttons: Sequence[Button] = (),
        media: Sequence[MediaFile] = (),
    ) -> None:
        """Send on the bot's event loop, from a delivery thread (images first, then the text
        with its buttons); raises ``PlatformError``."""
        if self._loop is None or self._loop.is_closed():
            raise PlatformError(ErrorKind.TRANSIENT, "the bot is not running")
        future = asyncio.run_coroutine_threadsafe(
            send_card(
                self.application.bot,
                chat_id,
                text,
                buttons=buttons,
                photos=read_photos(media),
                # Flood control comes back at once: this round waits on its own clock.
                rate_limit_args=SEND_ONCE,
            ),
            self._loop,
        )
        try:
            future.result(timeout=self._timeout * 2)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise PlatformError(ErrorKind.TRANSIENT, "Telegram did not answer in time") from None
        except TelegramError as error:
            classified = classify_telegram_error(error, now=self._clock())
            classified.message = classified.message.replace(self._token, "<token>")
            if classified.kind == ErrorKind.RATE_LIMITED:
                self._paused_until = classified.retry_at
            raise classified from None


def parse_update(data: Any, application: Application) -> Update:
    """The ``Update`` in a webhook's JSON body. Raises ValueError when it is not one."""
    if not isinstance(data, dict) or type(data.get("update_id")) is not int:
        raise ValueError("not a Telegram update")
    try:
        return Update.de_json(data, application.bot)
    except Exception as error:  # whatever the parser trips on, the sender sent no update
        raise ValueError("not a Telegram update") from error


def _without_path(url: str) -> str:
    """A webhook's address without its secret path."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/…"


def _say(gettext: Callable[[str], str], message: str, params: dict[str, Any]) -> str:
    translated = gettext(message)
    return translated % params if params else translated


def _herald(context: ContextTypes.DEFAULT_TYPE) -> FieldBot:
    return context.bot_data["herald"]


# -- handlers ------------------------------------------------------------------------------------


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Link this chat with the code from Herald's profile page, or explain how to get one."""
    herald = _herald(context)
    chat, message = update.effective_chat, update.effective_message
    if chat is None or message is None:
        return
    if not context.args:
        reply = herald.answer_how_to_link()
    elif chat.type != chat.PRIVATE:
        reply = herald.answer_private_only()
    else:
        user = update.effective_user
        reply = await asyncio.to_thread(
            herald.answer_start,
            code=" ".join(context.args),
            chat_id=chat.id,
            username=(user.username or "") if user else "",
        )
    await message.reply_text(reply)


COUNTING_GROUP = -1000


async def count_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Counts every update for /metrics. Its group (COUNTING_GROUP) comes before every other:
    a group runs only until one of its handlers takes the update, and the conversations' groups
    (reports, clearance) keep what they take from the groups after them."""
    telemetry.BOT_UPDATES.inc()


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """What the bot does and its commands."""
    chat, message = update.effective_chat, update.effective_message
    if chat is None or message is None:
        return
    await message.reply_text(await asyncio.to_thread(_herald(context).answer_help, chat_id=chat.id))


async def stop(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Unlink this chat: no more alerts here."""
    chat, message = update.effective_chat, update.effective_message
    if chat is None or message is None:
        return
    await message.reply_text(await asyncio.to_thread(_herald(context).answer_stop, chat_id=chat.id))


async def deliver_alerts(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send the notifications due in Telegram (the repeating job)."""
    await asyncio.to_thread(_herald(context).deliver_round)


async def reaction_count(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Store the reactions to a post of one of Herald's channels."""
    counted = update.message_reaction_count
    if counted is not None:
        await asyncio.to_thread(_herald(context).record_reactions, counted.to_dict())


async def log_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log what went wrong; the person gets no traceback."""
    log.error("herald bot: %s", context.error, exc_info=context.error)


def telegram_requests(*, api_base: str, timeout: float) -> tuple[TelegramRequest, TelegramRequest]:
    """The HTTP clients of the bot: one for its calls, one for long polling (PTB wants two)."""
    # A local or staging server: proxies from the environment are for the real platform.
    httpx_kwargs = {"trust_env": False} if api_base.rstrip("/") != DEFAULT_API_BASE else None

    def request(pool_size: int) -> TelegramRequest:
        return TelegramRequest(
            connection_pool_size=pool_size,
            read_timeout=timeout,
            write_timeout=timeout,
            connect_timeout=timeout,
            pool_timeout=timeout,
            httpx_kwargs=httpx_kwargs,
        )

    return request(8), request(1)


def build_application(
    herald: FieldBot,
    *,
    token: str,
    api_base: str,
    requests: tuple[TelegramRequest, TelegramRequest],
    limiter: OutgoingLimiter,
) -> Application:
    """The python-telegram-bot application with all of the bot's handlers."""
    api_base = api_base.rstrip("/")
    calls, polling = requests
    application = (
        ApplicationBuilder()
        .token(token)
        .base_url(f"{api_base}/bot")
        .base_file_url(f"{api_base}/file/bot")
        .request(calls)
        .get_updates_request(polling)
        .rate_limiter(limiter)
        .build()
    )
    application.bot_data["herald"] = herald
    private = filters.ChatType.PRIVATE
    application.add_handler(TypeHandler(Update, count_update), group=COUNTING_GROUP)
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CommandHandler("help", help_command))
    application.add_handler(CommandHandler("stop", stop, filters=private))
    field_reports.add_handlers(application)
    add_clearance_handlers(application, private=private)
    field_agenda.add_handlers(application)
    field_push.add_handlers(application)
    conference_attend.add_handlers(application)
    # Anything else said in private gets the list of commands.
    application.add_handler(MessageHandler(private & ~filters.StatusUpdate.ALL, help_command))
    application.add_handler(
        MessageReactionHandler(
            reaction_count,
            message_reaction_types=MessageReactionHandler.MESSAGE_REACTION_COUNT_UPDATED,
        )
    )
    application.add_error_handler(log_error)
    return application
