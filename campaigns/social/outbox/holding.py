"""Holding a publication for a person to decide, and telling the people concerned."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns import webhooks
from campaigns.audit import snapshot
from campaigns.i18n import N_
from campaigns.social import webhook_events
from campaigns.social.models import (
    HeldReason,
    Publication,
    PublicationStatus,
)
from campaigns.social.notifications import notify, post_link
from campaigns.social.outbox.common import (
    WAITING,
    audit_publication,
    conditional_update,
    owners_of,
    skip_locked,
)


def alert_held(session: Session, publication: Publication, now: datetime) -> None:
    """Tell the channel's owners, the author and the approver that a publication is held (and
    the systems that subscribed to ``publication.held``)."""
    webhook_events.publications_changed(
        session, webhooks.EventType.PUBLICATION_HELD, [publication], now=now
    )
    post = publication.post
    notify(
        session,
        people=[*owners_of(session, publication.channel), post.author, post.approved_by],
        kind="publication_held",
        message=N_("Held, not sent: %(title)s on %(channel)s (%(reason)s). Release or cancel it."),
        params={
            "title": post.title,
            "channel": publication.channel.name,
            "reason": publication.held_reason or "",
        },
        link=post_link(post),
        now=now,
    )


def hold(
    session: Session,
    publication: Publication,
    *,
    reason: str,
    now: datetime,
    from_statuses: Sequence[str],
    worker_id: str | None = None,
    message: str = "",
) -> bool:
    """Hold a publication that is still in one of ``from_statuses`` (and, given ``worker_id``, still
    claimed by it), audit it and alert the people concerned; False when it had moved on."""
    before = snapshot(publication)
    where: list[Any] = [Publication.status.in_(list(from_statuses))]
    if worker_id is not None:
        where.append(Publication.claimed_by == worker_id)
    values: dict[str, Any] = {
        "status": PublicationStatus.HELD,
        "held_reason": reason,
        "claimed_by": None,
        "lease_until": None,
        "updated_at": now,
    }
    if message:
        values["last_error"] = message
    if not conditional_update(session, publication.id, where=where, values=values):
        return False
    session.refresh(publication)
    audit_publication(session, publication, "hold", before, now, comment=reason)
    alert_held(session, publication, now)
    return True


def hold_missed_publications(session: Session, *, now: datetime, limit: int = 500) -> int:
    """Hold every waiting publication whose misfire window has closed (a person decides), even
    while no worker is claiming. Returns how many were held."""
    return hold_past_window(session, now, limit)


def hold_past_window(session: Session, now: datetime, limit: int) -> int:
    """Publications that can no longer go out within their window are held, not sent late."""
    candidates = session.scalars(
        skip_locked(
            session,
            select(Publication)
            .where(Publication.status.in_(WAITING), Publication.misfire_deadline < now)
            .order_by(Publication.misfire_deadline, Publication.id)
            .limit(limit),
        )
    ).all()
    held = 0
    for publication in candidates:
        held += hold(
            session,
            publication,
            reason=HeldReason.MISSED_WINDOW,
            now=now,
            from_statuses=WAITING,
            message=publication.last_error,
        )
    return held
