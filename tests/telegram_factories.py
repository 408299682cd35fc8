"""Factories for Telegram: a person's chat linked through a real code, a notification for them."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from campaigns.org import telegram_links
from campaigns.org.models import Person, TelegramLink
from campaigns.social.models import Notification
from campaigns.social.notifications import notify

_chat_ids = itertools.count(500_001)


def link_telegram(
    session: Session,
    person: Person,
    *,
    now: datetime,
    chat_id: int | None = None,
    username: str = "",
) -> TelegramLink:
    """Link a private chat to ``person`` as the bot does: a code from the web, /start CODE."""
    _, code = telegram_links.create_link_code(session, actor=person, now=now, person=person)
    result = telegram_links.link_chat(
        session,
        code=code,
        chat_id=chat_id if chat_id is not None else next(_chat_ids),
        username=username,
        now=now,
    )
    return result.link


def notify_person(
    session: Session,
    person: Person,
    *,
    now: datetime,
    message: str = "A post waits for clearance: %(title)s",
    params: dict[str, Any] | None = None,
    link: str = "/social/posts/7",
) -> Notification:
    [notification] = notify(
        session,
        people=[person],
        kind="review_requested",
        message=message,
        params={"title": "Quốc khánh 2/9"} if params is None else params,
        link=link,
        now=now,
    )
    return notification
