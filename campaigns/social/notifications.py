"""Alerts and requests for people: what the web's bell and the Telegram bot will show."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.errors import NotFound
from campaigns.i18n import N_
from campaigns.org.models import Person, Role
from campaigns.social.models import HeldReason, Notification

HELD_REASON_LABELS = {
    HeldReason.MISSED_WINDOW: N_("it missed its window"),
    HeldReason.CHANNEL_BROKEN: N_("the channel is broken"),
    HeldReason.EVENT_CANCELLED: N_("its event was cancelled"),
    HeldReason.EVENT_MOVED_TO_PAST: N_("its event moved into the past"),
    HeldReason.UNRECONCILABLE: N_("nobody can tell whether it went out"),
}

# Parameters that hold a code, and the words each code reads as.
_CODED_PARAMETERS: dict[str, dict[str, str]] = {"reason": HELD_REASON_LABELS}


def notification_text(notification: Notification, gettext: Callable[[str], str]) -> str:
    """The notification in the reader's language (``gettext`` of their catalog), with the codes
    among its parameters (a held publication's reason) as words. The web and the bot use it."""
    params: dict[str, Any] = {}
    for key, value in (notification.params or {}).items():
        label = _CODED_PARAMETERS.get(key, {}).get(value) if isinstance(value, str) else None
        params[key] = gettext(label) if label else value
    template = gettext(notification.message)
    return template % params if params else template


def post_link(post: object) -> str:
    """Where a notification about a post points (the web's post page)."""
    return f"/social/posts/{post if isinstance(post, int) else post.id}"  # type: ignore[attr-defined]


def channel_link(channel: object) -> str:
    """Where a notification about a channel points (its health panel)."""
    return f"/social/channels/{channel.id}"  # type: ignore[attr-defined]


def notify(
    session: Session,
    *,
    people: Iterable[Person | None],
    kind: str,
    message: str,
    params: dict[str, Any] | None = None,
    link: str = "",
    now: datetime,
    skip: Person | None = None,
) -> list[Notification]:
    """One notification per distinct active person (``skip`` excepted, e.g. whoever acted)."""
    seen: set[int] = set()
    created = []
    for person in people:
        if person is None or not person.active or person.id in seen:
            continue
        if skip is not None and person.id == skip.id:
            continue
        seen.add(person.id)
        notification = Notification(
            person_id=person.id,
            kind=kind,
            message=message,
            params=dict(params or {}),
            link=link,
            created_at=now,
        )
        session.add(notification)
        created.append(notification)
    session.flush()
    return created


def people_with_roles(session: Session, roles: Iterable[str]) -> list[Person]:
    return list(
        session.scalars(
            select(Person)
            .where(Person.role.in_(list(roles)), Person.active.is_(True))
            .order_by(Person.id)
        )
    )


def administrators(session: Session) -> list[Person]:
    return people_with_roles(session, [Role.ADMIN])


def unread_notifications(
    session: Session, *, person: Person, limit: int = 50
) -> list[Notification]:
    return list(
        session.scalars(
            select(Notification)
            .where(Notification.person_id == person.id, Notification.read_at.is_(None))
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
    )


def mark_notification_read(
    session: Session, *, actor: Person, now: datetime, notification_id: int
) -> Notification:
    """Mark one of the actor's notifications read. Raises NotFound for anyone else's."""
    notification = session.get(Notification, notification_id)
    if notification is None or notification.person_id != actor.id:
        raise NotFound(N_("There is no such notification."))
    if notification.read_at is None:
        notification.read_at = now
        session.flush()
    return notification
