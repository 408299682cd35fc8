"""``/report``: a field report filed from the phone, in a short guided conversation.

1. ``/report`` — the bot asks what the report is about, with a button for each trip, event and
   campaign the person may see that runs now or ran lately (``campaigns.field.reports``).
2. A button — the bot asks for a link, a photo with a caption, or a short note.
3. The link, photo or note — saved (a link is also logged as expected coverage); the bot answers
   with the address of the page in Herald that shows it.

``/cancel`` or the Cancel button ends it at any step, with nothing saved. The conversation lives
in the database (``campaigns.field.conversations``, kind ``report``): a bot restarted in the middle
reads the step from there and the next message carries on.

The handlers sit in their own group (``GROUP``), before the bot's catch-all help: each one asks
the database whether a report is in progress in the chat and, when it is not, lets the update go
on to the other handlers (a message outside a conversation still gets the help). An update they
handled stops there (``ApplicationHandlerStop``).

Photos are fetched from Telegram only when their size is known to fit (``MAX_PHOTO_BYTES``, well
under the 20 MB that Telegram's ``getFile`` serves); the service checks the bytes again.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from campaigns.errors import HeraldError, Invalid
from campaigns.field import conversations
from campaigns.field import reports as field_reports
from campaigns.field.models import BotConversation
from campaigns.field.reports import MAX_PHOTO_BYTES, ReportTarget
from campaigns.i18n import N_
from campaigns.org import telegram_links

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bots.fieldbot import FieldBot

log = logging.getLogger(__name__)

KIND = "report"  # the conversation's kind
CHOOSING = "target"  # asked: what is the report about
SENDING = "content"  # asked: a link, a photo or a note
GROUP = -20  # before the catch-all help (group 0); a group of its own, see the docstring
CANCEL = "report:cancel"
TARGET = "report:target:"
_TARGET_DATA = re.compile(r"^report:target:(trip|event|campaign):(\d{1,10})$")
LABEL_LENGTH = 48
ICONS = {"trip": "✈️", "event": "📅", "campaign": "📣"}

CHOOSE = N_("What is your report about?")
NOTHING_TO_REPORT_ON = N_(
    "You have no trip, event or campaign running now or lately to report on. Your reports go"
    " with what you may see in Herald."
)
SEND = N_(
    "Report on %(target)s: send a link, a photo with a caption, or a short note."
    " /cancel stops here."
)
STILL_CHOOSING = N_("First choose with a button what your report is about, or send /cancel.")
CANCEL_BUTTON = N_("Cancel")
CANCELLED = N_("Cancelled: nothing was saved.")
OLD_BUTTON = N_("This button belongs to a conversation that is over. Send /report to start again.")
SAVED_NOTE = N_("Saved: your note on %(target)s is in Herald.\n%(link)s")
SAVED_PHOTO = N_("Saved: your photo on %(target)s is in Herald.\n%(link)s")
SAVED_LINK = N_(
    "Saved: the link is logged as expected coverage of %(target)s, for the press desk to"
    " check.\n%(link)s"
)
SAVED_KNOWN_LINK = N_(
    "Saved with your report: this link was already logged as coverage (“%(title)s”).\n%(link)s"
)
SAVED_LINK_ONLY = N_(
    "Saved: your link on %(target)s is in Herald. Coverage outside a trip is logged by the"
    " press desk.\n%(link)s"
)
TRY_AGAIN = N_("%(problem)s Send a link, a photo with a caption, or a short note, or /cancel.")
PHOTO_TOO_LARGE = N_(
    "This photo is larger than %(limit)s MB: send it as a photo (not as a file), or a smaller one."
)
PHOTO_UNREACHABLE = N_("Telegram did not hand me this photo: please send it again.")
NOT_LINKED = N_(
    "This chat is not linked to a Herald account. Open your profile page in Herald, press"
    " “Connect Telegram” and send me /start with your code."
)


@dataclass
class Answer:
    """What the bot says back: a text, buttons under it (label, callback data), and whether the
    update was the conversation's (False: let the other handlers have it)."""

    text: str = ""
    buttons: list[tuple[str, str]] = field(default_factory=list)
    handled: bool = True
    #: a refused button leaves the others under its message, for another choice
    keep_buttons: bool = False

    def markup(self) -> InlineKeyboardMarkup | None:
        if not self.buttons:
            return None
        return InlineKeyboardMarkup(
            [[InlineKeyboardButton(label, callback_data=data)] for label, data in self.buttons]
        )


NOT_MINE = Answer(handled=False)


@dataclass
class Content:
    """What the person sent at the second step: a text, or a photo's bytes and its caption."""

    text: str = ""
    photo: bytes | None = None


class ReportDesk:
    """The conversation's steps, each run in a thread in one transaction of the door "bot"."""

    def __init__(self, herald: FieldBot) -> None:
        self.herald = herald

    def start(self, chat_id: int) -> Answer:
        with self.herald.transaction() as session:
            link = telegram_links.telegram_link_for_chat(session, chat_id)
            if link is None or not link.person.active:
                return Answer(self.herald.say(None, NOT_LINKED))
            person, now = link.person, self.herald.now()
            options = field_reports.report_targets(session, person, now=now)
            if not options:
                return Answer(self.herald.say(person.locale, NOTHING_TO_REPORT_ON))
            conversations.begin(
                session, chat_id=chat_id, person=person, kind=KIND, step=CHOOSING, now=now
            )
            buttons = [
                (_button_label(option.target.kind, option.label), _target_data(option.target))
                for option in options
            ]
            return self._asking(person.locale, CHOOSE, buttons)

    def choose(self, chat_id: int, data: str) -> Answer:
        """A button of the first step was pressed."""
        matched = _TARGET_DATA.match(data)
        with self.herald.transaction() as session:
            conversation, locale = self._conversation(session, chat_id)
            if conversation is None or conversation.step != CHOOSING or matched is None:
                return Answer(self.herald.say(locale, OLD_BUTTON))
            target = ReportTarget(matched[1], int(matched[2]))
            try:
                found = field_reports.load_target(session, conversation.person, target)
            except HeraldError as error:
                return Answer(self._error(locale, error), keep_buttons=True)
            label = field_reports.target_label(found, locale or "vi")
            conversations.advance(
                conversation,
                step=SENDING,
                now=self.herald.now(),
                data={"kind": target.kind, "id": target.id, "label": label},
            )
            return self._asking(locale, SEND, [], target=label)

    def receive(self, chat_id: int, content: Content) -> Answer:
        """A message of the second step; ``NOT_MINE`` outside a report."""
        with self.herald.transaction() as session:
            conversation, locale = self._conversation(session, chat_id)
            if conversation is None:
                return NOT_MINE
            if conversation.step == CHOOSING:
                return Answer(self.herald.say(locale, STILL_CHOOSING))
            target = ReportTarget(conversation.data["kind"], int(conversation.data["id"]))
            label = conversation.data.get("label", "")
            try:
                filed = self._file(session, conversation, target, content)
            except Invalid as error:
                session.rollback()
                problem = self._error(locale, error)
                return self._asking(locale, TRY_AGAIN, [], problem=problem)
            except HeraldError as error:
                # The target went out of sight meanwhile: this report cannot go on.
                session.rollback()
                conversations.end(session, chat_id)
                return Answer(self._error(locale, error))
            conversations.end(session, chat_id)
            page = self.herald.link(field_reports.target_path(target))
            return Answer(self._saved(locale, filed, target=label, link=page))

    def waiting_for_content(self, chat_id: int) -> Answer | None:
        """None when a photo may be fetched now; otherwise the answer (or ``NOT_MINE``)."""
        with self.herald.transaction() as session:
            conversation, locale = self._conversation(session, chat_id)
            if conversation is None:
                return NOT_MINE
            if conversation.step == CHOOSING:
                return Answer(self.herald.say(locale, STILL_CHOOSING))
            return None

    def refuse(self, chat_id: int, message: str, **params: Any) -> Answer:
        with self.herald.transaction() as session:
            _, locale = self._conversation(session, chat_id)
            return Answer(self.herald.say(locale, message, **params))

    def cancel(self, chat_id: int, *, pressed: bool) -> Answer:
        """/cancel (``NOT_MINE`` outside a report: another conversation may want it) or the
        Cancel button (answered even when the conversation is over)."""
        with self.herald.transaction() as session:
            conversation, locale = self._conversation(session, chat_id)
            if conversation is None:
                return Answer(self.herald.say(locale, OLD_BUTTON)) if pressed else NOT_MINE
            conversations.end(session, chat_id)
            return Answer(self.herald.say(locale, CANCELLED))

    # -- helpers ----------------------------------------------------------------------------------

    def _conversation(
        self, session: Session, chat_id: int
    ) -> tuple[BotConversation | None, str | None]:
        """The report in progress in this chat, and the language to answer in (None: the chat
        is nobody's). A conversation whose chat was meanwhile unlinked, or linked to someone
        else, is over."""
        link = telegram_links.telegram_link_for_chat(session, chat_id)
        locale = link.person.locale if link is not None else None
        conversation = conversations.current(session, chat_id, now=self.herald.now())
        if conversation is None or conversation.kind != KIND:
            return None, locale
        if link is None or link.person_id != conversation.person_id:
            conversations.end(session, chat_id)
            return None, locale
        return conversation, locale

    def _file(
        self,
        session: Session,
        conversation: BotConversation,
        target: ReportTarget,
        content: Content,
    ) -> field_reports.FiledReport:
        common = {
            "actor": conversation.person,
            "now": self.herald.now(),
            "target": target,
            "media_root": self.herald.media_root,
        }
        if content.photo is not None:
            return field_reports.file_report(
                session, kind="photo", photo=content.photo, text=content.text, **common
            )
        link = field_reports.split_link(content.text)
        if link is not None:
            url, comment = link
            return field_reports.file_report(session, kind="link", url=url, text=comment, **common)
        return field_reports.file_report(session, kind="note", text=content.text, **common)

    def _saved(self, locale: str | None, filed: field_reports.FiledReport, **params: Any) -> str:
        report = filed.report
        if report.kind == "note":
            return self.herald.say(locale, SAVED_NOTE, **params)
        if report.kind == "photo":
            return self.herald.say(locale, SAVED_PHOTO, **params)
        if filed.coverage is None:
            return self.herald.say(locale, SAVED_LINK_ONLY, **params)
        if filed.coverage_created:
            return self.herald.say(locale, SAVED_LINK, **params)
        return self.herald.say(
            locale, SAVED_KNOWN_LINK, title=filed.coverage.title, link=params["link"]
        )

    def _asking(
        self, locale: str | None, message: str, buttons: list[tuple[str, str]], **params: Any
    ) -> Answer:
        cancel = (self.herald.say(locale, CANCEL_BUTTON), CANCEL)
        return Answer(self.herald.say(locale, message, **params), [*buttons, cancel])

    def _error(self, locale: str | None, error: HeraldError) -> str:
        """The error's message, or for a field the field's own (more precise) one."""
        if isinstance(error, Invalid) and len(error.errors) == 1:
            [message] = error.errors.values()
            template = getattr(message, "template", message)
            params = getattr(message, "params", None) or error.params
            return self.herald.say(locale, template, **params)
        return self.herald.say(locale, error.template, **error.params)


def _target_data(target: ReportTarget) -> str:
    return f"{TARGET}{target.kind}:{target.id}"


def _button_label(kind: str, label: str) -> str:
    if len(label) > LABEL_LENGTH:
        label = label[: LABEL_LENGTH - 1].rstrip() + "…"
    return f"{ICONS[kind]} {label}"


def _desk(context: ContextTypes.DEFAULT_TYPE) -> ReportDesk:
    return ReportDesk(context.bot_data["herald"])


async def _reply(message: Message, answer: Answer) -> None:
    await message.reply_text(answer.text, reply_markup=answer.markup())
    raise ApplicationHandlerStop


# -- handlers ------------------------------------------------------------------------------------


async def report(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Start a field report: what is it about?"""
    chat, message = update.effective_chat, update.effective_message
    if chat is None or message is None:
        return
    await _reply(message, await asyncio.to_thread(_desk(context).start, chat.id))


async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """End the report in progress, saving nothing."""
    chat, message = update.effective_chat, update.effective_message
    if chat is None or message is None:
        return
    answer = await asyncio.to_thread(_desk(context).cancel, chat.id, pressed=False)
    if answer.handled:
        await _reply(message, answer)


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A button of a report's conversation: a target, or Cancel."""
    query, chat = update.callback_query, update.effective_chat
    if query is None or chat is None:
        return
    desk = _desk(context)
    if query.data == CANCEL:
        answer = await asyncio.to_thread(desk.cancel, chat.id, pressed=True)
    else:
        answer = await asyncio.to_thread(desk.choose, chat.id, query.data or "")
    await query.answer()
    if not answer.keep_buttons:
        await _close_buttons(query.message)
    await context.bot.send_message(chat.id, answer.text, reply_markup=answer.markup())
    raise ApplicationHandlerStop


async def _close_buttons(message: Any) -> None:
    """Take the buttons off the message that had them: each is pressed once."""
    if not isinstance(message, Message) or message.reply_markup is None:
        return
    try:
        await message.edit_reply_markup(reply_markup=None)
    except TelegramError as error:  # too old to edit, already edited: the answer still goes out
        log.info("herald bot: could not take the buttons off a message: %s", error)


async def content(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A link, a photo or a note, when a report is in progress (else the other handlers')."""
    chat, message = update.effective_chat, update.effective_message
    if chat is None or message is None:
        return
    desk = _desk(context)
    if message.photo or message.document:
        answer = await _receive_photo(desk, chat.id, message, context)
    else:
        answer = await asyncio.to_thread(desk.receive, chat.id, Content(text=message.text or ""))
    if answer.handled:
        await _reply(message, answer)


async def _receive_photo(
    desk: ReportDesk, chat_id: int, message: Message, context: ContextTypes.DEFAULT_TYPE
) -> Answer:
    waiting = await asyncio.to_thread(desk.waiting_for_content, chat_id)
    if waiting is not None:
        return waiting
    if message.photo:
        # Telegram sends each photo in several sizes: the largest that Herald takes.
        fitting = [size for size in message.photo if (size.file_size or 0) <= MAX_PHOTO_BYTES]
        chosen = max(fitting, key=lambda size: size.width * size.height, default=None)
    else:
        document = message.document
        fits = document is not None and (document.file_size or 0) <= MAX_PHOTO_BYTES
        chosen = document if fits else None
    if chosen is None:
        limit = MAX_PHOTO_BYTES // 1024 // 1024
        return await asyncio.to_thread(desk.refuse, chat_id, PHOTO_TOO_LARGE, limit=limit)
    try:
        telegram_file = await context.bot.get_file(chosen.file_id)
        data = bytes(await telegram_file.download_as_bytearray())
    except TelegramError as error:
        log.warning("herald bot: a report's photo could not be fetched: %s", error)
        return await asyncio.to_thread(desk.refuse, chat_id, PHOTO_UNREACHABLE)
    caption = message.caption or ""
    return await asyncio.to_thread(desk.receive, chat_id, Content(text=caption, photo=data))


def add_handlers(application: Application) -> None:
    """The report conversation's handlers, in their own group before the catch-all help."""
    private = filters.ChatType.PRIVATE
    said = (filters.TEXT & ~filters.COMMAND) | filters.PHOTO | filters.Document.IMAGE
    for handler in (
        CommandHandler("report", report, filters=private),
        CommandHandler("cancel", cancel, filters=private),
        CallbackQueryHandler(button, pattern=r"^report:"),
        MessageHandler(private & said, content),
    ):
        application.add_handler(handler, group=GROUP)
