"""Notifications delivered to people's Telegram chats by the field bot.

What is sent: a notification goes to Telegram when its person is active and has linked a chat
(campaigns/org/telegram_links.py), it was made after they linked it (linking does not replay
the past), it is at most ``MAX_AGE`` old (a bot back after a long outage does not flood anyone
with stale alerts), it is still unread in the web, it still stands (a request to clear a version that was cleared,
sent back or changed meanwhile is resolved, never sent), and it was neither sent nor given up on.
While the person has muted the bot (``/mute``) their alerts wait; what is still due when the mute
ends is sent then.

A request to clear a post reaches a coordinator as a *clearance card* (campaigns/social/
clearance_cards.py): the text of every variant, the images, and the buttons Approve and Reject
for the version waiting. Sent only while its person may still clear that version; one who no
longer may (their role changed) is not sent it, and it is given up.

How: the bot calls ``deliver_telegram_alert`` for each pending notification, one transaction
each. The service sends through the bot's ``send`` and, right after Telegram took the message,
marks the notification sent; the bot commits at once. Delivery is therefore *at least once*:
a process that dies between Telegram's answer and that commit sends the notification again
when it is back. On PostgreSQL the row is locked (``FOR UPDATE SKIP LOCKED``) while it is sent,
so two bot processes never send the same notification at the same time.

Failures, as ``PlatformError`` kinds: flood control (429) waits for Telegram's ``retry_after``;
a person who blocked the bot (403) loses their link and nothing more is sent to them; transient
errors (5xx, timeouts) are retried with a growing delay, ``MAX_ATTEMPTS`` times in all, then
given up with the error kept; a refused message (400) is given up at once. A refused bot token
(401) is raised to the bot, which stops: nothing is recorded against the notification.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path

from sqlalchemy import Select, exists, select
from sqlalchemy.orm import Session

from campaigns.field.models import BotPreferences
from campaigns.org.models import Person, TelegramLink
from campaigns.org.telegram_links import unlink_chat
from campaigns.permissions import can
from campaigns.social.clearance_cards import ClearanceCard, clearance_card
from campaigns.social.models import Notification, Post
from campaigns.social.notifications import (
    CLEARANCE_REQUEST_KINDS,
    notification_text,
    still_standing,
)
from campaigns.social.platform import ErrorKind, PlatformError

MAX_ATTEMPTS = 5
MAX_AGE = timedelta(days=1)
FIRST_RETRY_DELAY = timedelta(seconds=10)  # doubled after each transient failure
FLOOD_WAIT_WHEN_UNSAID = timedelta(seconds=30)
MESSAGE_LIMIT = 4096  # Telegram's limit on a message's text

#: ``send(chat_id, text, buttons=(), media=())``: sends one message (after its images, if
#: any, with its buttons, if any); raises ``PlatformError``.
Send = Callable[..., None]
#: ``translations(locale)``: the ``gettext`` of that language's catalog.
Translations = Callable[[str], Callable[[str], str]]


class AlertOutcome(StrEnum):
    SENT = "sent"
    RETRY_LATER = "retry_later"  # a transient error: tried again after a delay
    RATE_LIMITED = "rate_limited"  # flood control: the bot waits before sending anything
    GAVE_UP = "gave_up"
    UNLINKED = "unlinked"  # the person blocked the bot
    NOT_DUE = "not_due"  # sent, read, unlinked or taken by another bot meanwhile


def telegram_alert_text(
    notification: Notification, gettext: Callable[[str], str], *, base_url: str
) -> str:
    """The message: the notification in the reader's language, then the absolute link to it."""
    text = notification_text(notification, gettext)
    link = notification.link
    if link.startswith("/"):
        link = base_url.rstrip("/") + link
    if link:
        text = f"{text[: MESSAGE_LIMIT - len(link) - 1]}\n{link}"
    return text[:MESSAGE_LIMIT]


def _due(now: datetime) -> Select:
    return (
        select(Notification, TelegramLink)
        .join(TelegramLink, TelegramLink.person_id == Notification.person_id)
        .join(Person, Person.id == Notification.person_id)
        .where(
            Person.active.is_(True),
            Notification.created_at >= TelegramLink.linked_at,
            Notification.created_at >= now - MAX_AGE,
            Notification.read_at.is_(None),
            still_standing(),
            Notification.telegram_sent_at.is_(None),
            Notification.telegram_gave_up_at.is_(None),
            (Notification.telegram_retry_at.is_(None)) | (Notification.telegram_retry_at <= now),
            ~exists().where(
                BotPreferences.person_id == Notification.person_id,
                BotPreferences.muted_until > now,
            ),
        )
    )


def pending_telegram_alerts(session: Session, *, now: datetime, limit: int = 20) -> list[int]:
    """Ids of the notifications due in Telegram at ``now``, oldest first."""
    query = _due(now).with_only_columns(Notification.id)
    return list(
        session.scalars(query.order_by(Notification.created_at, Notification.id).limit(limit))
    )


def deliver_telegram_alert(
    session: Session,
    *,
    notification_id: int,
    now: datetime,
    send: Send,
    translations: Translations,
    base_url: str,
    media_root: Path | str | None = None,
) -> AlertOutcome:
    """Send one notification to its person's chat, in their language, and record the outcome
    (see the module docstring); a clearance card carries the post's images from ``media_root``
    (none without it). The caller commits right after.

    Raises the ``PlatformError`` of a refused bot token (AUTH, 401), recording nothing.
    """
    found = session.execute(
        _due(now)
        .where(Notification.id == notification_id)
        .with_for_update(skip_locked=True, of=Notification)
    ).first()
    if found is None:
        return AlertOutcome.NOT_DUE
    notification, link = found
    gettext = translations(notification.person.locale)
    card = None
    if notification.kind in CLEARANCE_REQUEST_KINDS and notification.post_id is not None:
        card = _card_for(session, notification, gettext, base_url=base_url, media_root=media_root)
        if card is None:
            notification.telegram_gave_up_at = now
            notification.telegram_error = "its person may no longer clear this post"
            session.flush()
            return AlertOutcome.GAVE_UP
    try:
        if card is None:
            send(link.chat_id, telegram_alert_text(notification, gettext, base_url=base_url))
        else:
            send(link.chat_id, card.text, buttons=card.buttons, media=card.media)
    except PlatformError as error:
        return _record_failure(session, notification, link, error, now)
    notification.telegram_sent_at = now
    notification.telegram_retry_at = None
    session.flush()
    return AlertOutcome.SENT


def _card_for(
    session: Session,
    notification: Notification,
    gettext: Callable[[str], str],
    *,
    base_url: str,
    media_root: Path | str | None,
) -> ClearanceCard | None:
    """The card of the version the request is about, or None when its person may no longer
    clear it (``post.approve``: their role changed)."""
    post = session.get(Post, notification.post_id)
    if post is None or not can(notification.person, "post.approve", post):
        return None
    return clearance_card(session, post, gettext, base_url=base_url, media_root=media_root)


def _record_failure(
    session: Session,
    notification: Notification,
    link: TelegramLink,
    error: PlatformError,
    now: datetime,
) -> AlertOutcome:
    if error.kind == ErrorKind.AUTH and error.status == 401:
        raise error
    notification.telegram_error = error.message[:1000]
    if error.kind == ErrorKind.RATE_LIMITED:
        # Not the notification's fault: no attempt is counted.
        notification.telegram_retry_at = error.retry_at or now + FLOOD_WAIT_WHEN_UNSAID
        session.flush()
        return AlertOutcome.RATE_LIMITED
    notification.telegram_attempts += 1
    if error.kind == ErrorKind.AUTH and error.status == 403:
        notification.telegram_gave_up_at = now
        unlink_chat(session, chat_id=link.chat_id, now=now, blocked=True)
        return AlertOutcome.UNLINKED
    if error.kind == ErrorKind.TRANSIENT and notification.telegram_attempts < MAX_ATTEMPTS:
        notification.telegram_retry_at = now + FIRST_RETRY_DELAY * 2 ** (
            notification.telegram_attempts - 1
        )
        session.flush()
        return AlertOutcome.RETRY_LATER
    notification.telegram_gave_up_at = now
    notification.telegram_retry_at = None
    session.flush()
    return AlertOutcome.GAVE_UP
