"""``/attend``: on a conference day, a site's people report from Telegram that their site is
connected and how many delegates are in the room (``/attend 120``), or that it is no longer
connected (``/attend off``) — the same service and permission as the site's web form."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes, filters

from campaigns.errors import HeraldError
from campaigns.i18n import N_
from campaigns.org import telegram_links
from campaigns.programme import conference_queries, conferences

if TYPE_CHECKING:
    from bots.fieldbot import FieldBot

ATTEND_HOW = N_(
    "Send /attend and the number of delegates in your room, for example /attend 120."
    " /attend off says your site is no longer connected."
)
ATTEND_NO_SITE = N_("Your unit has no conference site today.")
ATTEND_DONE = N_("Reported for %(site)s, “%(title)s”: connected, %(count)s delegates.")
ATTEND_OFF = N_("Reported for %(site)s, “%(title)s”: not connected.")
NOT_LINKED = N_("This chat is not linked to a Herald account.")


def answer_attend(herald: FieldBot, *, chat_id: int, words: list[str]) -> str:
    """Report the site's connection and attendance as typed; the reply says what was recorded."""
    with herald.transaction() as session:
        link = telegram_links.telegram_link_for_chat(session, chat_id)
        person = link.person if link is not None and link.person.active else None
        if person is None:
            return herald.say(None, NOT_LINKED)
        now = herald.now()
        site = conference_queries.site_on_the_day(session, person, now)
        if site is None:
            return herald.say(person.locale, ATTEND_NO_SITE)
        if len(words) != 1:
            return herald.say(person.locale, ATTEND_HOW)
        connected = words[0].lower() not in ("off", "0ff", "tắt")
        try:
            conferences.report_attendance(
                session,
                actor=person,
                now=now,
                site=site,
                connected=connected,
                attendance=words[0] if connected else site.attendance,
            )
        except HeraldError as error:
            session.rollback()
            return herald.say(person.locale, error.template, **error.params)
        names = {
            "site": site.unit.name(person.locale),
            "title": site.conference.event.title_in(person.locale),
        }
        if not connected:
            return herald.say(person.locale, ATTEND_OFF, **names)
        return herald.say(person.locale, ATTEND_DONE, count=site.attendance, **names)


async def attend(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Report the site's connection and attendance on a conference day."""
    chat, message = update.effective_chat, update.effective_message
    if chat is None or message is None:
        return
    reply = await asyncio.to_thread(
        answer_attend, context.bot_data["herald"], chat_id=chat.id, words=list(context.args or [])
    )
    await message.reply_text(reply)


def add_handlers(application: Application) -> None:
    """/attend, in private chats."""
    application.add_handler(CommandHandler("attend", attend, filters=filters.ChatType.PRIVATE))
