"""What every step of the outbox shares: which states wait and which are in flight, what a
worker sends, and the small writes each step makes (a conditional update, an attempt, an audit
entry)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Select, update
from sqlalchemy.orm import Session

from campaigns import leases
from campaigns.audit import record_change
from campaigns.leases import is_postgres as is_postgres  # budgets reads it from here
from campaigns.social.models import (
    Channel,
    Publication,
    PublicationAttempt,
    PublicationStatus,
)
from campaigns.social.notifications import administrators
from campaigns.social.platform import (
    MediaFile,
    OutgoingPost,
    PlatformError,
)

WAITING = (PublicationStatus.SCHEDULED, PublicationStatus.FAILED)
IN_FLIGHT = (PublicationStatus.PUBLISHING, PublicationStatus.RECONCILING)


def outgoing_post(publication: Publication, *, media_root: Path | str) -> OutgoingPost:
    """What the adapter sends: the text frozen at scheduling and the variant's images."""
    media = tuple(
        MediaFile(
            path=str(Path(media_root) / attachment.path),
            mime_type=attachment.mime_type,
            sha256=attachment.sha256,
            description=attachment.alt_text or "",
        )
        for attachment in publication.variant.attachments
    )
    return OutgoingPost(
        text=publication.text,
        media=media,
        fingerprint=publication.fingerprint,
        idempotency_key=f"herald-publication-{publication.id}-{publication.fingerprint[:16]}",
    )


def skip_locked(session: Session, statement: Select) -> Select:
    """``FOR UPDATE SKIP LOCKED`` on PostgreSQL: publications another worker holds are passed
    over (``campaigns.leases``, which import jobs use too)."""
    return leases.skip_locked(session, statement, of=Publication)


def conditional_update(
    session: Session, publication_id: int, *, where: Sequence[Any], values: dict[str, Any]
) -> bool:
    """One UPDATE that only succeeds when ``where`` still holds: the claim's atomic step."""
    return leases.conditional_update(
        session, Publication, publication_id, where=where, values=values
    )


def owners_of(session: Session, channel: Channel) -> list:
    """Who is alerted about a channel: its owner, or the administrators when it has none."""
    return [channel.owner_person] if channel.owner_person is not None else administrators(session)


def start_attempt(
    session: Session, publication: Publication, worker_id: str, *, now: datetime, outcome: str
) -> None:
    """Log the start of an attempt by ``worker_id`` (closed by ``finish_attempt``)."""
    session.add(
        PublicationAttempt(
            publication_id=publication.id,
            number=publication.attempts,
            worker_id=worker_id,
            started_at=now,
            outcome=outcome,
        )
    )


def finish_attempt(
    session: Session,
    publication: Publication,
    worker_id: str,
    *,
    now: datetime,
    outcome: str,
    error: PlatformError | None = None,
) -> None:
    """Close this worker's open attempt with its outcome (one UPDATE; a row if none is open)."""
    values: dict[str, Any] = {"finished_at": now, "outcome": outcome}
    if error is not None:
        values.update(
            error_kind=error.kind.value, http_status=error.status, message=error.message[:2000]
        )
    result = session.execute(
        update(PublicationAttempt)
        .where(
            PublicationAttempt.publication_id == publication.id,
            PublicationAttempt.worker_id == worker_id,
            PublicationAttempt.finished_at.is_(None),
        )
        .values(**values)
    )
    if result.rowcount == 0:
        session.add(
            PublicationAttempt(
                publication_id=publication.id,
                number=publication.attempts,
                worker_id=worker_id,
                started_at=now,
                **values,
            )
        )


def audit_publication(
    session: Session,
    publication: Publication,
    action: str,
    before: dict | None,
    now: datetime,
    comment: str | None = None,
) -> None:
    """An audit entry for a change the outbox made to a publication (no actor: a worker)."""
    record_change(
        session,
        actor=None,
        now=now,
        action=action,
        target=publication,
        before=before,
        comment=comment,
    )
