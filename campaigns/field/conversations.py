"""Conversations with the field bot, kept in the database so that they survive a restart.

A conversation belongs to one chat and one person: ``begin`` starts one (replacing whatever was
in progress in that chat), ``advance`` records the next answer, ``end`` closes it. A
conversation left alone for ``IDLE_LIMIT`` is forgotten: the next message starts afresh.
``step`` is what the bot asked last; ``data`` what the person answered so far (JSON values only).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from campaigns.field.models import BotConversation
from campaigns.org.models import Person

IDLE_LIMIT = timedelta(hours=24)


def current(session: Session, chat_id: int, *, now: datetime) -> BotConversation | None:
    """The conversation in progress in this chat, or None (an idle one is ended here)."""
    conversation = session.scalar(select(BotConversation).where(BotConversation.chat_id == chat_id))
    if conversation is None:
        return None
    if now - conversation.updated_at > IDLE_LIMIT:
        session.delete(conversation)
        session.flush()
        return None
    return conversation


def begin(
    session: Session,
    *,
    chat_id: int,
    person: Person,
    kind: str,
    step: str,
    now: datetime,
    data: dict[str, Any] | None = None,
) -> BotConversation:
    """Start a conversation of ``kind`` in this chat; whatever was in progress there ends."""
    end(session, chat_id)
    conversation = BotConversation(
        chat_id=chat_id,
        person_id=person.id,
        kind=kind,
        step=step,
        data=dict(data or {}),
        started_at=now,
        updated_at=now,
    )
    session.add(conversation)
    session.flush()
    return conversation


def advance(
    conversation: BotConversation,
    *,
    step: str,
    now: datetime,
    data: dict[str, Any] | None = None,
) -> BotConversation:
    """Move to ``step``, adding ``data`` to what was answered so far."""
    conversation.step = step
    # A new dict: the JSON column notices a replaced value, not one changed in place.
    conversation.data = {**conversation.data, **(data or {})}
    conversation.updated_at = now
    return conversation


def end(session: Session, chat_id: int) -> bool:
    """End the conversation of this chat; False when there was none."""
    result = session.execute(delete(BotConversation).where(BotConversation.chat_id == chat_id))
    return bool(result.rowcount)
