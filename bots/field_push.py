"""What the field bot pushes on its own, and how a person tunes it: ``/mute``, ``/settings``.

The push job (``push_messages``, repeating like the alert delivery) asks
``campaigns.field.reminders`` what is due — reminders, new planning tasks, daily digests —
claims each message in its own transaction (so a restarted bot, or a second bot process started
by mistake, never sends it again), sends the claimed ones together through the bot's shared
``OutgoingLimiter`` (bots/limiter.py: Telegram's limits, ``retry_after`` honoured), then records
each outcome. A person who blocked the bot loses their link (``telegram_links.unlink_chat``, as
the alerts do); a message Telegram refused is not tried again; a transient failure is retried by
a later round while the message is still due.

``/mute 2h``, ``/mute until 18:00``, ``/mute off`` and ``/settings`` (reminder lead times, the
digest's hour) read and write ``campaigns.field.preferences`` in the person's time zone; bad input
gets a reply saying what would work, and changes nothing.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from telegram import Bot, LinkPreviewOptions, Update
from telegram.error import TelegramError
from telegram.ext import Application, CommandHandler, ContextTypes, filters

from bots.telegram import classify_telegram_error
from campaigns.errors import HeraldError
from campaigns.field import preferences, reminders
from campaigns.i18n import N_
from campaigns.org import telegram_links
from campaigns.social.platform import ErrorKind

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bots.fieldbot import FieldBot
    from campaigns.field.models import BotPreferences
    from campaigns.org.models import Person

log = logging.getLogger(__name__)

PUSH_SECONDS = 30.0

NOT_LINKED = N_(
    "This chat is not linked to a Herald account. Open your profile page in Herald, press"
    " “Connect Telegram” and send me /start with your code."
)
MUTED = N_(
    "Muted until %(time)s: no reminders, digest or alerts until then. Send /mute off to hear"
    " from me again."
)
UNMUTED = N_("You are not muted: reminders, the digest and alerts reach you.")
MUTE_HOW = N_(
    "How long should I keep quiet? For example /mute 2h, /mute 30m, /mute until 18:00 (your"
    " time), or /mute off."
)
SETTINGS = N_(
    "Your settings:\n"
    "Reminders: %(reminders)s\n"
    "Daily digest: %(digest)s\n"
    "Muted: %(muted)s\n\n"
    "To change them: /settings reminders 24h 1h (or off), /settings digest 7 (or off, on)."
)
REMINDERS_BEFORE = N_("%(leads)s before each start")
DIGEST_AT = N_("at %(hour)s:00, %(zone)s time")
OFF = N_("off")
NOT_MUTED = N_("no")
MUTED_UNTIL = N_("until %(time)s")
SAVED = N_("Saved.")
SETTINGS_HOW = N_(
    "I did not understand. /settings shows your settings; change them with /settings reminders"
    " 24h 1h, /settings reminders off, /settings digest 7, /settings digest off or /settings"
    " digest on."
)


class PushOutcome(StrEnum):
    SENT = "sent"
    RETRY_LATER = "retry_later"  # transient or flood control: a later round tries again
    GAVE_UP = "gave_up"  # Telegram refused the message
    UNLINKED = "unlinked"  # the person blocked the bot


@dataclass(frozen=True)
class Sent:
    push: reminders.Push
    outcome: PushOutcome


def _herald(context: ContextTypes.DEFAULT_TYPE) -> FieldBot:
    return context.bot_data["herald"]


# -- the push job --------------------------------------------------------------------------------


async def push_round(herald: FieldBot, bot: Bot, now: datetime | None = None) -> list[Sent]:
    """Claim what is due at ``now``, send it through the limiter, record what happened."""
    now = now or herald.now()
    claimed = await asyncio.to_thread(_claim_due, herald, now)
    if not claimed:
        return []
    errors = await asyncio.gather(*(_send(bot, push) for push, _ in claimed))
    return await asyncio.to_thread(_record, herald, claimed, errors, now)


def _claim_due(herald: FieldBot, now: datetime) -> list[tuple[reminders.Push, int]]:
    with herald.transaction() as session:
        due = reminders.due_pushes(
            session, now=now, translations=herald.translations, base_url=herald.link("")
        )
    claimed = []
    for push in due:
        # One transaction per claim, committed before anything is sent.
        with herald.transaction() as session:
            delivery_id = reminders.claim_push(session, push, now=now)
        if delivery_id is not None:
            claimed.append((push, delivery_id))
    return claimed


async def _send(bot: Bot, push: reminders.Push) -> TelegramError | None:
    try:
        await bot.send_message(
            push.chat_id, push.text, link_preview_options=LinkPreviewOptions(is_disabled=True)
        )
    except TelegramError as error:
        return error
    return None


def _record(
    herald: FieldBot,
    claimed: list[tuple[reminders.Push, int]],
    errors: list[TelegramError | None],
    now: datetime,
) -> list[Sent]:
    outcomes = []
    for (push, delivery_id), error in zip(claimed, errors, strict=True):
        with herald.transaction() as session:
            outcome = _record_one(session, push, delivery_id, error, now)
        outcomes.append(Sent(push, outcome))
    return outcomes


def _record_one(
    session: Session,
    push: reminders.Push,
    delivery_id: int,
    error: TelegramError | None,
    now: datetime,
) -> PushOutcome:
    if error is None:
        reminders.record_sent(session, delivery_id, now=now)
        return PushOutcome.SENT
    classified = classify_telegram_error(error, now=now)
    message = classified.message
    if classified.kind == ErrorKind.AUTH and classified.status == 403:
        reminders.record_failure(session, delivery_id, now=now, error=message, final=True)
        telegram_links.unlink_chat(session, chat_id=push.chat_id, now=now, blocked=True)
        return PushOutcome.UNLINKED
    if classified.kind in (ErrorKind.TRANSIENT, ErrorKind.RATE_LIMITED) or (
        classified.kind == ErrorKind.AUTH and classified.status == 401
    ):
        reminders.record_failure(session, delivery_id, now=now, error=message)
        return PushOutcome.RETRY_LATER
    reminders.record_failure(session, delivery_id, now=now, error=message, final=True)
    return PushOutcome.GAVE_UP


async def push_messages(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send the reminders and digests due now (the repeating job)."""
    sent = await push_round(_herald(context), context.bot)
    if sent:
        log.info("herald bot: pushed %s message(s)", len(sent))


# -- /mute and /settings -------------------------------------------------------------------------


def answer_mute(herald: FieldBot, *, chat_id: int, words: list[str]) -> str:
    """Mute or unmute the person of this chat as they typed it; the reply says what now."""
    with herald.transaction() as session:
        person = _person(session, chat_id)
        if person is None:
            return herald.say(None, NOT_LINKED)
        now = herald.now()
        if not words:
            current = preferences.preferences_of(session, person)
            state = _muted_state(herald, person, current, now)
            return herald.say(person.locale, MUTE_HOW) + "\n" + state
        try:
            until = preferences.parse_mute(" ".join(words), now=now, zone=person.timezone)
            preferences.mute(session, actor=person, now=now, person=person, until=until)
        except HeraldError as error:
            session.rollback()
            return herald.say(person.locale, error.template, **error.params)
        if until is None:
            return herald.say(person.locale, UNMUTED)
        return herald.say(person.locale, MUTED, time=_local(until, person.timezone))


def answer_settings(herald: FieldBot, *, chat_id: int, words: list[str]) -> str:
    """Show the person's settings, or change one as typed (``reminders ...``, ``digest ...``)."""
    with herald.transaction() as session:
        person = _person(session, chat_id)
        if person is None:
            return herald.say(None, NOT_LINKED)
        now = herald.now()
        changed = False
        if words:
            what, rest = words[0].lower(), words[1:]
            try:
                if what in ("reminders", "reminder", "nhắc"):
                    leads = preferences.parse_leads(rest)
                    preferences.set_reminder_leads(
                        session, actor=person, now=now, person=person, leads=leads
                    )
                elif what in ("digest", "tóm"):
                    enabled, hour = preferences.parse_digest(rest)
                    preferences.set_digest(
                        session, actor=person, now=now, person=person, enabled=enabled, hour=hour
                    )
                else:
                    return herald.say(person.locale, SETTINGS_HOW)
            except HeraldError as error:
                session.rollback()
                return herald.say(person.locale, error.template, **error.params)
            changed = True
        shown = _settings_text(herald, person, preferences.preferences_of(session, person), now)
        return (herald.say(person.locale, SAVED) + "\n" + shown) if changed else shown


def _person(session: Session, chat_id: int) -> Person | None:
    link = telegram_links.telegram_link_for_chat(session, chat_id)
    return link.person if link is not None and link.person.active else None


def _local(instant: datetime, zone: str) -> str:
    return instant.astimezone(ZoneInfo(zone)).strftime("%H:%M %d/%m")


def _muted_state(herald: FieldBot, person: Person, current: BotPreferences, now: datetime) -> str:
    if preferences.is_muted(current, now):
        assert current.muted_until is not None
        return herald.say(
            person.locale, MUTED_UNTIL, time=_local(current.muted_until, person.timezone)
        )
    return herald.say(person.locale, NOT_MUTED)


def _settings_text(herald: FieldBot, person: Person, current: BotPreferences, now: datetime) -> str:
    locale = person.locale
    leads = current.reminder_leads or []
    reminders_text = (
        herald.say(
            locale,
            REMINDERS_BEFORE,
            leads=", ".join(preferences.format_lead(lead) for lead in sorted(leads, reverse=True)),
        )
        if leads
        else herald.say(locale, OFF)
    )
    digest_text = (
        herald.say(locale, DIGEST_AT, hour=f"{current.digest_hour:02d}", zone=person.timezone)
        if current.digest_enabled
        else herald.say(locale, OFF)
    )
    return herald.say(
        locale,
        SETTINGS,
        reminders=reminders_text,
        digest=digest_text,
        muted=_muted_state(herald, person, current, now),
    )


async def mute(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Keep quiet for a while (``/mute 2h``, ``/mute until 18:00``), or again (``/mute off``)."""
    chat, message = update.effective_chat, update.effective_message
    if chat is None or message is None:
        return
    reply = await asyncio.to_thread(
        answer_mute, _herald(context), chat_id=chat.id, words=list(context.args or [])
    )
    await message.reply_text(reply)


async def settings(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Show or change reminder lead times and the daily digest."""
    chat, message = update.effective_chat, update.effective_message
    if chat is None or message is None:
        return
    reply = await asyncio.to_thread(
        answer_settings, _herald(context), chat_id=chat.id, words=list(context.args or [])
    )
    await message.reply_text(reply)


def add_handlers(application: Application) -> None:
    """/mute and /settings, in private chats."""
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("mute", mute, filters=private))
    application.add_handler(CommandHandler("settings", settings, filters=private))
