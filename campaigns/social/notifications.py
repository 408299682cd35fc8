"""Alerts and requests for people: what the web's bell and the Telegram bot will show."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.orm import Session

from campaigns.errors import NotFound
from campaigns.i18n import N_
from campaigns.org.models import Person, Role
from campaigns.social.models import HeldReason, Notification, Post, PostStatus

# Requests to clear one version of a post: they stand only while that version waits.
CLEARANCE_REQUEST_KINDS = ("review_requested", "rapid_review_requested")

HELD_REASON_LABELS = {
    HeldReason.MISSED_WINDOW: N_("it missed its window"),
    HeldReason.CHANNEL_BROKEN: N_("the channel is broken"),
    HeldReason.EVENT_CANCELLED: N_("its event was cancelled"),
    HeldReason.EVENT_MOVED_TO_PAST: N_("its event moved into the past"),
    HeldReason.AUDIENCE_TIME_PASSED: N_("on its channel's new audience clock, its time has passed"),
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
    post_id: int | None = None,
    post_version: int | None = None,
    post_step: int | None = None,
) -> list[Notification]:
    """One notification per distinct active person (``skip`` excepted, e.g. whoever acted).

    ``post_id``, ``post_version`` and ``post_step`` say which version of a post, and which step
    of its clearance chain (how many were taken), a clearance request is about.
    """
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
            post_id=post_id,
            post_version=post_version,
            post_step=post_step,
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


def still_standing() -> ColumnElement[bool]:
    """SQL: the notification is not resolved, and a clearance request's version still waits at
    the step it asked for.

    Resolution is recorded when a post leaves review or changes (``resolve_clearance_requests``);
    the second half keeps a request that was somehow left unresolved from being shown or sent.
    """
    waiting = exists().where(
        Post.id == Notification.post_id,
        Post.status == PostStatus.IN_REVIEW,
        Post.version == Notification.post_version,
        Post.clearance_steps_taken == func.coalesce(Notification.post_step, 0),
    )
    return and_(
        Notification.resolved_at.is_(None),
        or_(
            Notification.kind.not_in(CLEARANCE_REQUEST_KINDS),
            Notification.post_id.is_(None),
            waiting,
        ),
    )


def resolve_clearance_requests(session: Session, *, post: Post, now: datetime) -> int:
    """Resolve the requests to clear versions of ``post`` that no longer wait for clearance
    (it was cleared, sent back or changed), or no longer wait for the step they asked for: they
    leave the web's list and are not sent to Telegram. Returns how many."""
    stale = session.scalars(
        select(Notification).where(
            Notification.post_id == post.id,
            Notification.kind.in_(CLEARANCE_REQUEST_KINDS),
            Notification.resolved_at.is_(None),
        )
    ).all()
    count = 0
    for notification in stale:
        if (
            post.status != PostStatus.IN_REVIEW
            or notification.post_version != post.version
            or (notification.post_step or 0) != post.clearance_steps_taken
        ):
            notification.resolved_at = now
            count += 1
    session.flush()
    return count


def has_clearance_request(session: Session, *, post: Post) -> bool:
    """True when someone was already asked to take the step the post's current version
    waits for."""
    return bool(
        session.scalar(
            select(
                exists().where(
                    Notification.post_id == post.id,
                    Notification.kind.in_(CLEARANCE_REQUEST_KINDS),
                    Notification.post_version == post.version,
                    func.coalesce(Notification.post_step, 0) == post.clearance_steps_taken,
                    Notification.resolved_at.is_(None),
                )
            )
        )
    )


def unread_notifications(
    session: Session, *, person: Person, limit: int = 50
) -> list[Notification]:
    return list(
        session.scalars(
            select(Notification)
            .where(
                Notification.person_id == person.id,
                Notification.read_at.is_(None),
                still_standing(),
            )
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
    )


def get_notification(
    session: Session, notification_id: int, *, actor: Person | None
) -> Notification:
    """One of the actor's notifications: a notification is its recipient's alone. Raises
    NotFound for anyone else's, as for one that does not exist."""
    notification = session.get(Notification, notification_id)
    if notification is None or actor is None or notification.person_id != actor.id:
        raise NotFound(N_("There is no such notification."))
    return notification


def mark_notification_read(
    session: Session, *, actor: Person, now: datetime, notification: Notification
) -> Notification:
    """Mark one of the actor's notifications read. Raises NotFound for anyone else's."""
    if notification.person_id != actor.id:
        raise NotFound(N_("There is no such notification."))
    if notification.read_at is None:
        notification.read_at = now
        session.flush()
    return notification
