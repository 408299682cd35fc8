"""The field bot's agenda: ``/today``, ``/week``, ``/upcoming`` and ``/trip`` with its buttons.

What is shown comes from ``campaigns.field.agenda`` (the areas' own visibility rules); this
module only words it, in the person's language, with dates and times formatted by Babel for
their locale on the wall clock of their time zone, and links back to Herald.

``/trip`` puts buttons under the itinerary of the trip the person works on: **Done** and
**Delay 15 / 30 / 60 min** per item they run. A press calls the web's own services
(``change_item_status``, ``delay_itinerary_item``: the same permission check, audit with the
door "bot", the itinerary feed's SEQUENCE, the coordinators told of a delay), answers the press
and rewrites the message with the new times. A button from an old message whose item is gone
or no longer theirs changes nothing and says so.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_skeleton, format_time
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bots.field_reports import NOT_LINKED
from campaigns.calendar.models import Tier
from campaigns.errors import HeraldError, Invalid, NotAllowed, NotFound
from campaigns.field import agenda
from campaigns.field.agenda import AgendaEntry, EntryKind, TripAgenda, UpcomingEntry
from campaigns.i18n import N_
from campaigns.org import telegram_links
from campaigns.org.models import Person
from campaigns.press import itinerary
from campaigns.press import queries as press_queries
from campaigns.press.models import ItemStatus

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bots.fieldbot import FieldBot

log = logging.getLogger(__name__)

MESSAGE_LIMIT = 4096  # Telegram's, in UTF-16 code units
WEEK_DAYS = 7
UPCOMING_LIMIT = 8
TRIP_BUTTON_ITEMS = 6  # items with buttons under /trip: the next ones
DELAYS = (15, 30, 60)
BUTTON_LABEL_LENGTH = 40
#: where "and N more" sends people: the web's agenda of the calendar
AGENDA_PATH = "/calendar/agenda"
_TRIP_DATA = re.compile(r"^trip:(?:done:(\d{1,10})|delay:(\d{1,10}):(\d{1,4}))$")

TODAY_TITLE = N_("Your agenda for %(day)s")
TODAY_NOTHING = N_("Nothing on your agenda today. Enjoy the calm!")
WEEK_TITLE = N_("Your next seven days")
WEEK_NOTHING = N_("Nothing on your agenda for the next seven days.")
UPCOMING_TITLE = N_("Coming for your unit")
UPCOMING_NOTHING = N_("No anniversary or deadline of your unit is coming.")
ALL_DAY = N_("all day")
MORE = N_("… and %(count)s more: %(link)s")
IN_DAYS = N_("in %(days)s days")
TODAY = N_("today")
TOMORROW = N_("tomorrow")
TASK_OPEN = N_("planning task open")
TASK_DONE = N_("planning task done")
TIER_LABELS = {
    Tier.MAJOR: N_("Major milestone"),
    Tier.ROUND: N_("Round year"),
    Tier.REGULAR: N_("Regular"),
}
DEADLINE = N_("Deadline")
NO_TRIP = N_("You work on no trip now or later: /trip shows the itinerary of the trips you escort.")
TRIP_TITLE = N_("%(trip)s, %(start)s – %(end)s")
ITEM_DONE = N_("done")
ITEM_TENTATIVE = N_("tentative")
YOU_ESCORT = N_("you escort")
YOU_INTERPRET = N_("you interpret")
DONE_BUTTON = N_("Done: %(item)s")
DELAY_BUTTON = N_("Delay %(minutes)s min")
MARKED_DONE = N_("Marked as done: %(item)s.")
DELAYED = N_("%(item)s delayed by %(minutes)s min: it now starts at %(time)s.")
STALE_BUTTON = N_("This button is out of date: the item is gone or no longer yours. Send /trip.")

_ICONS = {
    EntryKind.EVENT: "📅",
    EntryKind.ITINERARY: "🚐",
    EntryKind.INTERVIEW: "🎤",
    EntryKind.PUBLICATION: "📣",
}


@dataclass
class Reply:
    """A message: its text and the rows of buttons under it (label, callback data)."""

    text: str
    rows: list[list[tuple[str, str]]] = field(default_factory=list)

    def markup(self) -> InlineKeyboardMarkup | None:
        if not self.rows:
            return None
        return InlineKeyboardMarkup(
            [[InlineKeyboardButton(label, callback_data=data) for label, data in row]
             for row in self.rows]
        )  # fmt: skip


@dataclass
class Press:
    """What a button press gets: a short answer, and the message rewritten (or None)."""

    answer: str
    rewritten: Reply | None = None


class Wording:
    """How one person reads: their catalog, their locale's formats, their zone."""

    def __init__(self, herald: FieldBot, person: Person) -> None:
        self.herald = herald
        self.language = person.locale
        self.zone = ZoneInfo(person.timezone)
        try:
            self.locale = Locale.parse(person.locale)
        except (UnknownLocaleError, ValueError):
            self.locale = Locale("en")

    def say(self, message: str, **params: Any) -> str:
        return self.herald.say(self.language, message, **params)

    def time(self, instant: datetime) -> str:
        return format_time(instant, format="short", tzinfo=self.zone, locale=self.locale)

    def day(self, day: date) -> str:
        return format_date(day, format="full", locale=self.locale)

    def short_day(self, day: date) -> str:
        return format_skeleton("MMMEd", day, locale=self.locale)

    def link(self, path: str) -> str:
        return self.herald.link(path)


# --- what the commands say (run in a thread) -----------------------------------------------------


class AgendaDesk:
    """The agenda commands, each run in a thread in one transaction of the door "bot"."""

    def __init__(self, herald: FieldBot) -> None:
        self.herald = herald

    def today(self, chat_id: int) -> Reply:
        with self.herald.transaction() as session:
            person = _linked_person(session, chat_id)
            if person is None:
                return Reply(self.herald.say(None, NOT_LINKED))
            words, now = Wording(self.herald, person), self.herald.now()
            entries = agenda.agenda(session, actor=person, now=now)
            if not entries:
                return Reply(words.say(TODAY_NOTHING))
            title = words.say(TODAY_TITLE, day=words.day(agenda.person_today(person, now)))
            return Reply(_fit(title, [_entry_block(entry, words) for entry in entries], words))

    def week(self, chat_id: int) -> Reply:
        with self.herald.transaction() as session:
            person = _linked_person(session, chat_id)
            if person is None:
                return Reply(self.herald.say(None, NOT_LINKED))
            words, now = Wording(self.herald, person), self.herald.now()
            entries = agenda.agenda(session, actor=person, now=now, days=WEEK_DAYS)
            if not entries:
                return Reply(words.say(WEEK_NOTHING))
            first = agenda.person_today(person, now)
            blocks, shown_day = [], None
            for entry in entries:
                # An all-day event that began earlier (or in another zone) counts from today.
                day = max(entry.local_day(person.timezone), first)
                block = _entry_block(entry, words)
                if day != shown_day:
                    block = f"— {words.day(day)} —\n{block}"
                    shown_day = day
                blocks.append(block)
            return Reply(_fit(words.say(WEEK_TITLE), blocks, words))

    def upcoming(self, chat_id: int) -> Reply:
        with self.herald.transaction() as session:
            person = _linked_person(session, chat_id)
            if person is None:
                return Reply(self.herald.say(None, NOT_LINKED))
            words = Wording(self.herald, person)
            found = agenda.upcoming(
                session, actor=person, now=self.herald.now(), limit=UPCOMING_LIMIT
            )
            if not found:
                return Reply(words.say(UPCOMING_NOTHING))
            blocks = [_upcoming_block(entry, words) for entry in found]
            return Reply(_fit(words.say(UPCOMING_TITLE), blocks, words))

    def trip(self, chat_id: int) -> Reply:
        with self.herald.transaction() as session:
            person = _linked_person(session, chat_id)
            if person is None:
                return Reply(self.herald.say(None, NOT_LINKED))
            words = Wording(self.herald, person)
            current = agenda.current_trip(session, actor=person, now=self.herald.now())
            if current is None:
                return Reply(words.say(NO_TRIP))
            return _trip_reply(current, person, words)

    def press(self, chat_id: int, data: str) -> Press:
        """A button under ``/trip``: mark an item done or delay it, through the web's services."""
        with self.herald.transaction() as session:
            person = _linked_person(session, chat_id)
            if person is None:
                return Press(self.herald.say(None, NOT_LINKED))
            words, now = Wording(self.herald, person), self.herald.now()
            matched = _TRIP_DATA.match(data)
            if matched is None:
                return Press(words.say(STALE_BUTTON))
            done_id, delay_id, minutes = matched.groups()
            try:
                item = press_queries.get_item(session, int(done_id or delay_id), actor=person)
                if done_id is not None:
                    itinerary.change_item_status(
                        session, actor=person, now=now, item=item, status=ItemStatus.DONE
                    )
                    answer = words.say(MARKED_DONE, item=item.activity)
                else:
                    itinerary.delay_itinerary_item(
                        session, actor=person, now=now, item=item, minutes=int(minutes)
                    )
                    answer = words.say(
                        DELAYED,
                        item=item.activity,
                        minutes=int(minutes),
                        time=words.time(item.starts_at),
                    )
            except (NotFound, NotAllowed):
                session.rollback()
                return Press(words.say(STALE_BUTTON))
            except HeraldError as error:
                session.rollback()
                return Press(_error_text(error, words))
            shown = agenda.trip_agenda(session, actor=person, trip=item.trip, now=now)
            return Press(answer, _trip_reply(shown, person, words))


def _linked_person(session: Session, chat_id: int) -> Person | None:
    """The active person whose chat this is; None for a stranger's chat."""
    link = telegram_links.telegram_link_for_chat(session, chat_id)
    if link is None or not link.person.active:
        return None
    return link.person


def _error_text(error: HeraldError, words: Wording) -> str:
    if isinstance(error, Invalid) and len(error.errors) == 1:
        [message] = error.errors.values()
        template = getattr(message, "template", message)
        return words.say(template, **(getattr(message, "params", None) or error.params))
    return words.say(error.template, **error.params)


# --- wording -------------------------------------------------------------------------------------


def _when(entry: AgendaEntry, words: Wording) -> str:
    if entry.all_day:
        return words.say(ALL_DAY)
    if entry.ends_at is None or entry.ends_at == entry.starts_at:
        return words.time(entry.starts_at)
    return f"{words.time(entry.starts_at)}–{words.time(entry.ends_at)}"


def _entry_block(entry: AgendaEntry, words: Wording) -> str:
    line = f"{_ICONS[entry.kind]} {_when(entry, words)} {entry.title}"
    if entry.location:
        line += f" · {entry.location}"
    if entry.context:
        line += f" ({entry.context})"
    return f"{line}\n{words.link(entry.path)}"


def _countdown(days: int, words: Wording) -> str:
    if days == 0:
        return words.say(TODAY)
    if days == 1:
        return words.say(TOMORROW)
    return words.say(IN_DAYS, days=days)


def _upcoming_block(entry: UpcomingEntry, words: Wording) -> str:
    kind = words.say(TIER_LABELS[entry.tier] if entry.tier else DEADLINE)
    parts = [f"{words.day(entry.date)} ({_countdown(entry.days_left, words)})", kind]
    if entry.task_status == "open":
        parts.append(words.say(TASK_OPEN))
    elif entry.task_status == "done":
        parts.append(words.say(TASK_DONE))
    return f"📌 {entry.title}\n{' · '.join(parts)}\n{words.link(entry.path)}"


def _fit(title: str, blocks: list[str], words: Wording, more_path: str = AGENDA_PATH) -> str:
    """The title and as many blocks as fit in one Telegram message; the rest is counted, with
    a link to see everything in Herald."""
    text = title
    for index, block in enumerate(blocks):
        left = len(blocks) - index
        more = "\n\n" + words.say(MORE, count=left, link=words.link(more_path))
        # Room for this block, and for the "and N more" line that the next one may need.
        reserve = 0 if left == 1 else _length(more) + 8
        if _length(text) + 2 + _length(block) + reserve > MESSAGE_LIMIT:
            return text + more
        text += "\n\n" + block
    return text


def _length(text: str) -> int:
    """A text's length as Telegram counts it: UTF-16 code units (an emoji counts two)."""
    return len(text.encode("utf-16-le")) // 2


# --- /trip ---------------------------------------------------------------------------------------


def _item_line(trip_item: agenda.TripItem, person: Person, words: Wording) -> str:
    item = trip_item.item
    line = f"{words.time(item.starts_at)}–{words.time(item.ends_at)} {item.activity}"
    place = ", ".join(part for part in (item.place, item.city) if part)
    if place:
        line += f" · {place}"
    notes = []
    if item.status == ItemStatus.DONE:
        notes.append(words.say(ITEM_DONE))
    elif item.status == ItemStatus.TENTATIVE:
        notes.append(words.say(ITEM_TENTATIVE))
    if item.escort_id == person.id:
        notes.append(words.say(YOU_ESCORT))
    if item.interpreter_id == person.id:
        notes.append(words.say(YOU_INTERPRET))
    if notes:
        line += f" ({', '.join(notes)})"
    return ("✅ " if item.status == ItemStatus.DONE else "• ") + line


def _trip_reply(shown: TripAgenda, person: Person, words: Wording) -> Reply:
    trip = shown.trip
    title = words.say(
        TRIP_TITLE,
        trip=trip.title,
        start=words.short_day(trip.start_date),
        end=words.short_day(trip.end_date),
    )
    blocks, shown_day = [], None
    for trip_item in shown.items:
        day = trip_item.item.starts_at.astimezone(words.zone).date()
        line = _item_line(trip_item, person, words)
        if day != shown_day:
            line = f"— {words.day(day)} —\n{line}"
            shown_day = day
        blocks.append(line)
    text = _fit(f"{title}\n{words.link(shown.path)}", blocks, words, more_path=shown.path)
    return Reply(text, _trip_buttons(shown.items, words))


def _trip_buttons(items: Iterable[agenda.TripItem], words: Wording) -> list[list[tuple[str, str]]]:
    """Per item the person runs (the next few): a Done row when it may be marked done, and a
    row of delays; an item without a Done row names its time on its first delay."""
    rows: list[list[tuple[str, str]]] = []
    actionable = [entry for entry in items if entry.may_finish or entry.may_delay]
    for entry in actionable[:TRIP_BUTTON_ITEMS]:
        item = entry.item
        label = f"{words.time(item.starts_at)} {item.activity}"
        if len(label) > BUTTON_LABEL_LENGTH:
            label = label[: BUTTON_LABEL_LENGTH - 1].rstrip() + "…"
        if entry.may_finish:
            rows.append([(words.say(DONE_BUTTON, item=label), f"trip:done:{item.id}")])
        if entry.may_delay:
            delays = [
                (words.say(DELAY_BUTTON, minutes=minutes), f"trip:delay:{item.id}:{minutes}")
                for minutes in DELAYS
            ]
            if not entry.may_finish:
                first_label, first_data = delays[0]
                delays[0] = (f"{words.time(item.starts_at)} · {first_label}", first_data)
            rows.append(delays)
    return rows


# --- handlers ------------------------------------------------------------------------------------


def _desk(context: ContextTypes.DEFAULT_TYPE) -> AgendaDesk:
    return AgendaDesk(context.bot_data["herald"])


async def _send(update: Update, reply: Reply) -> None:
    message = update.effective_message
    if message is not None:
        await message.reply_text(
            reply.text,
            reply_markup=reply.markup(),
            link_preview_options=LinkPreviewOptions(is_disabled=True),
        )


async def today(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Today's agenda, in the person's zone."""
    if update.effective_chat is not None:
        await _send(update, await asyncio.to_thread(_desk(context).today, update.effective_chat.id))


async def week(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The next seven days, grouped by day."""
    if update.effective_chat is not None:
        await _send(update, await asyncio.to_thread(_desk(context).week, update.effective_chat.id))


async def upcoming(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The unit's next anniversaries and deadlines."""
    chat = update.effective_chat
    if chat is not None:
        await _send(update, await asyncio.to_thread(_desk(context).upcoming, chat.id))


async def trip(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The current trip's itinerary, with buttons for the items the person runs."""
    if update.effective_chat is not None:
        await _send(update, await asyncio.to_thread(_desk(context).trip, update.effective_chat.id))


async def trip_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Done or Delay under /trip's itinerary."""
    query = update.callback_query
    if query is None:
        return
    chat = update.effective_chat
    chat_id = chat.id if chat is not None else query.from_user.id
    pressed = await asyncio.to_thread(_desk(context).press, chat_id, query.data or "")
    if pressed.rewritten is not None and query.message is not None:
        try:
            await query.edit_message_text(
                pressed.rewritten.text,
                reply_markup=pressed.rewritten.markup(),
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        except TelegramError as error:  # too old to edit: the change is made, the answer says it
            log.info("herald bot: could not rewrite a trip's itinerary: %s", error)
    # Answered last, once the message shows the new times (Telegram allows a few seconds).
    await query.answer(pressed.answer[:200])


def add_handlers(application: Application) -> None:
    """The agenda commands and the trip's buttons."""
    for name, callback in (
        ("today", today),
        ("week", week),
        ("upcoming", upcoming),
        ("trip", trip),
    ):
        application.add_handler(CommandHandler(name, callback))
    application.add_handler(CallbackQueryHandler(trip_button, pattern=r"^trip:"))
