"""Clearance from the phone: the field bot's side of clearance cards.

A coordinator's request to clear a post arrives as a card (campaigns/social/clearance_cards.py,
sent by the alert delivery of bots/fieldbot.py through ``send_card``): the images, then the text
of every variant with the buttons **Approve** and **Reject**. What a press or a rejection's
comment does is decided in campaigns/field/clearance.py, in a thread, in one transaction
(``ClearanceDesk``); the handlers here only carry the answer to Telegram: an alert for the press,
the pressed card edited to show the outcome without its buttons, the version that waits now as a
new card, the question for a comment.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    LinkPreviewOptions,
    Update,
)
from telegram import (
    Message as TelegramMessage,
)
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

from campaigns.errors import Message
from campaigns.field import clearance
from campaigns.social.clearance_cards import (
    MESSAGE_LIMIT,
    Button,
    ClearanceCard,
    clearance_card,
    cut,
    telegram_length,
)
from campaigns.social.platform import MediaFile

log = logging.getLogger(__name__)

#: the group of the rejection's handlers: a group of their own (only one handler of a group
#: takes an update), before the catch-all help of group 0
GROUP = -10

ALERT_LIMIT = 200  # Telegram's limit on the text of a callback query's answer

#: ``translations(locale)``: the ``gettext`` of that language's catalog.
TranslationsFor = Callable[[str], Callable[[str], str]]


@dataclass(frozen=True)
class OutgoingCard:
    """A card as the bot sends it: the images' bytes (read off the event loop), then the text
    with its buttons."""

    text: str
    buttons: tuple[Button, ...]
    photos: tuple[bytes, ...] = ()


@dataclass
class BotReply:
    """What the handlers send: the answer to the press (``alert``: one the person dismisses),
    the pressed card's new text (``edit``: message id, text or None to only drop its buttons),
    a message, and a card."""

    notice: str | None = None
    alert: bool = False
    message: str | None = None
    edit: tuple[int, str | None] | None = None
    card: OutgoingCard | None = None


def read_photos(media: Sequence[MediaFile]) -> tuple[bytes, ...]:
    """The images of a card; one that cannot be read is left out (the card still goes)."""
    photos = []
    for item in media:
        try:
            photos.append(Path(item.path).read_bytes())
        except OSError as error:
            log.warning("herald bot: image %s left out of a clearance card: %s", item.path, error)
    return tuple(photos)


def keyboard(buttons: Sequence[Button]) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(button.label, callback_data=button.data) for button in buttons]]
    )


async def send_card(
    bot: Bot,
    chat_id: int,
    text: str,
    *,
    buttons: Sequence[Button] = (),
    photos: Sequence[bytes] = (),
    rate_limit_args: int | None = None,
) -> TelegramMessage:
    """Send the images (one photo, or an album), then the text with the buttons under it.
    ``rate_limit_args`` goes to the bot's limiter (bots/limiter.py), when given."""
    limits = {"rate_limit_args": rate_limit_args} if rate_limit_args is not None else {}
    if len(photos) == 1:
        await bot.send_photo(chat_id, photos[0], **limits)
    elif photos:
        await bot.send_media_group(chat_id, [InputMediaPhoto(photo) for photo in photos], **limits)
    return await bot.send_message(
        chat_id,
        text,
        reply_markup=keyboard(buttons),
        link_preview_options=LinkPreviewOptions(is_disabled=True),
        **limits,
    )


def translate(gettext: Callable[[str], str], message: Message) -> str:
    params = {
        key: translate(gettext, value) if isinstance(value, Message) else value
        for key, value in message.params.items()
    }
    translated = gettext(message.template)
    return translated % params if params else translated


class ClearanceDesk:
    """Answers presses and comments, each in its own transaction (door "bot"), in a thread."""

    def __init__(
        self,
        *,
        transaction: Callable[[], AbstractContextManager[Session]],
        translations: TranslationsFor,
        base_url: str,
        media_root: Path | str | None,
        clock: Callable[[], datetime],
    ) -> None:
        self._transaction = transaction
        self._translations = translations
        self._base_url = base_url
        self._media_root = media_root
        self._clock = clock

    def answer_press(
        self, *, chat_id: int, data: str | None, message_id: int, message_text: str | None
    ) -> BotReply:
        with self._transaction() as session:
            answer = clearance.press_button(
                session,
                chat_id=chat_id,
                data=data,
                message_id=message_id,
                message_text=message_text,
                now=self._clock(),
            )
            return self._reply(session, answer)

    def answer_comment(self, *, chat_id: int, text: str) -> BotReply | None:
        with self._transaction() as session:
            now = self._clock()
            if not clearance.rejection_in_progress(session, chat_id=chat_id, now=now):
                return None
            answer = clearance.send_back_with_comment(
                session, chat_id=chat_id, comment=text, now=now
            )
            return self._reply(session, answer) if answer is not None else None

    def answer_cancel(self, *, chat_id: int) -> BotReply | None:
        with self._transaction() as session:
            answer = clearance.cancel_rejection(session, chat_id=chat_id, now=self._clock())
            return self._reply(session, answer) if answer is not None else None

    def _reply(self, session: Session, answer: clearance.ClearanceAnswer) -> BotReply:
        """The answer in the reader's language (Vietnamese and English for a chat of nobody)."""
        locales = ("vi", "en") if answer.reader is None else (answer.reader.locale,)

        def say(message: Message | None) -> str | None:
            if message is None:
                return None
            return "\n\n".join(translate(self._translations(locale), message) for locale in locales)

        reply = BotReply(
            notice=say(answer.notice), alert=answer.refused, message=say(answer.prompt)
        )
        if answer.settled is not None:
            outcome = say(answer.settled.outcome) or ""
            text = answer.settled.text
            if text is not None:
                text = cut(text, MESSAGE_LIMIT - telegram_length(outcome) - 2) + "\n\n" + outcome
            reply.edit = (answer.settled.message_id, text)
        if answer.waiting is not None and answer.reader is not None:
            gettext = self._translations(answer.reader.locale)
            card = clearance_card(
                session,
                answer.waiting,
                gettext,
                base_url=self._base_url,
                media_root=self._media_root,
                notice=say(answer.waiting_notice) or "",
            )
            reply.card = outgoing(card)
        return reply


def outgoing(card: ClearanceCard) -> OutgoingCard:
    return OutgoingCard(card.text, card.buttons, read_photos(card.media))


def _desk(context: ContextTypes.DEFAULT_TYPE) -> ClearanceDesk:
    return context.bot_data["herald"].clearance


async def _settle(bot: Bot, chat_id: int, reply: BotReply) -> None:
    """Edit the pressed card: its outcome under its text, its buttons gone."""
    if reply.edit is None:
        return
    message_id, text = reply.edit
    try:
        if text is None:
            await bot.edit_message_reply_markup(chat_id, message_id, reply_markup=None)
        else:
            await bot.edit_message_text(
                text,
                chat_id,
                message_id,
                reply_markup=None,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
    except TelegramError as error:  # an old or deleted card: the answer still goes
        log.warning("herald bot: a clearance card could not be edited: %s", error)


async def _follow(bot: Bot, chat_id: int, reply: BotReply) -> None:
    """The message (a question), then the card of the version that waits now."""
    if reply.message is not None:
        await bot.send_message(chat_id, reply.message)
    if reply.card is not None:
        await send_card(
            bot, chat_id, reply.card.text, buttons=reply.card.buttons, photos=reply.card.photos
        )


# -- handlers ------------------------------------------------------------------------------------


async def clearance_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Approve or Reject pressed on a clearance card."""
    query = update.callback_query
    if query is None:
        return
    message = query.message
    chat_id = message.chat.id if message is not None else query.from_user.id
    readable = isinstance(message, TelegramMessage)  # not a card too old to be handed back
    reply = await asyncio.to_thread(
        _desk(context).answer_press,
        chat_id=chat_id,
        data=query.data,
        message_id=message.message_id if message is not None else 0,
        message_text=message.text if readable else None,  # type: ignore[union-attr]
    )
    if not readable:
        reply.edit = None
    try:
        await _settle(context.bot, chat_id, reply)
        await _follow(context.bot, chat_id, reply)
    finally:  # last, so that the spinner on the button stops once everything was said
        notice = reply.notice[:ALERT_LIMIT] if reply.notice else None
        await query.answer(notice, show_alert=reply.alert)


async def rejection_comment(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A text while a rejection waits for its comment: the post is sent back with it."""
    chat, message = update.effective_chat, update.effective_message
    if chat is None or message is None or not message.text:
        return
    reply = await asyncio.to_thread(
        _desk(context).answer_comment, chat_id=chat.id, text=message.text
    )
    if reply is None:
        return  # no rejection in progress: the other handlers take the text
    await _settle(context.bot, chat.id, reply)
    await message.reply_text(reply.notice or "")
    await _follow(context.bot, chat.id, reply)
    raise ApplicationHandlerStop


async def cancel_rejection(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/cancel while a rejection waits for its comment: nothing is sent back."""
    chat, message = update.effective_chat, update.effective_message
    if chat is None or message is None:
        return
    reply = await asyncio.to_thread(_desk(context).answer_cancel, chat_id=chat.id)
    if reply is None:
        return  # no rejection in progress: another conversation may be cancelled
    await message.reply_text(reply.notice or "")
    raise ApplicationHandlerStop


def add_clearance_handlers(application: Application, *, private: filters.BaseFilter) -> None:
    """The buttons of clearance cards, and the comment or /cancel of a rejection in progress;
    those two run before the catch-all help (``GROUP``) and stop the later groups when they
    answered."""
    application.add_handler(CallbackQueryHandler(clearance_button, pattern=r"^clear:"))
    application.add_handler(
        CommandHandler("cancel", cancel_rejection, filters=private), group=GROUP
    )
    application.add_handler(
        MessageHandler(private & filters.TEXT & ~filters.COMMAND, rejection_comment), group=GROUP
    )
