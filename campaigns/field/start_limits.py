"""Slowing down guessed link codes: ``/start CODE`` with wrong codes, counted per chat.

A link code has 32¹⁰ values and lives 15 minutes, so guessing one is hopeless; counting wrong
codes still keeps a script from trying thousands through the bot, and costs a person who mistyped
nothing. A chat that sent ``MAX_WRONG_CODES`` refused codes within ``WINDOW`` is answered "too
many tries, wait N minutes" without its code even being looked at, and nothing is counted
then: the wait ends ``WINDOW`` after the first of those tries, however often the chat insists.

Linking itself is campaigns/org/telegram_links.py; this lives in the field area, beside the
``BotStartFailure`` rows it counts, because org imports no other area (DESIGN.md).
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from campaigns.errors import HeraldError, NotAllowed
from campaigns.field.models import BotStartFailure
from campaigns.i18n import N_
from campaigns.org.telegram_links import LinkResult, link_chat

MAX_WRONG_CODES = 5
WINDOW = timedelta(minutes=15)

TOO_MANY_TRIES = N_(
    "Too many wrong codes from this chat. Try again in %(minutes)d min, with a new code from"
    " your profile page in Herald."
)


def wait_before_next_try(session: Session, *, chat_id: int, now: datetime) -> timedelta | None:
    """How long ``chat_id`` must wait before its next code is looked at, or None."""
    recent = (
        select(BotStartFailure.failed_at)
        .where(BotStartFailure.chat_id == chat_id, BotStartFailure.failed_at > now - WINDOW)
        .subquery()
    )
    count, first = session.execute(
        select(func.count(), func.min(recent.c.failed_at)).select_from(recent)
    ).one()
    if count < MAX_WRONG_CODES:
        return None
    return first + WINDOW - now


def link_chat_with_limit(
    session: Session, *, code: str, chat_id: int, username: str, now: datetime
) -> LinkResult:
    """``telegram_links.link_chat``, unless the chat sent too many wrong codes lately.

    A refused code is counted against the chat (commit even when this raises: the count is the
    point). Raises NotAllowed (too many wrong codes: the code was not looked at), or what
    ``link_chat`` raises; nothing else changes then.
    """
    wait = wait_before_next_try(session, chat_id=chat_id, now=now)
    if wait is not None:
        raise NotAllowed(TOO_MANY_TRIES, minutes=max(1, math.ceil(wait.total_seconds() / 60)))
    try:
        # link_chat checks everything before it changes anything: nothing to undo on an error.
        result = link_chat(session, code=code, chat_id=chat_id, username=username, now=now)
    except HeraldError:
        _count_wrong_code(session, chat_id=chat_id, now=now)
        raise
    session.execute(delete(BotStartFailure).where(BotStartFailure.chat_id == chat_id))
    return result


def _count_wrong_code(session: Session, *, chat_id: int, now: datetime) -> None:
    # Tries older than the window count no more, whichever chat made them: forget them here,
    # so the table never holds more than a window's worth.
    session.execute(delete(BotStartFailure).where(BotStartFailure.failed_at <= now - WINDOW))
    session.add(BotStartFailure(chat_id=chat_id, failed_at=now))
    session.flush()
