"""Reconciling: a publication whose lease expired mid-publish is looked for on its platform
before anything is sent again."""

from __future__ import annotations

import random as random_module
from collections.abc import Callable
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from campaigns.audit import snapshot
from campaigns.social import rules
from campaigns.social.models import (
    HeldReason,
    Publication,
    PublicationAttempt,
    PublicationStatus,
)
from campaigns.social.outbox.common import (
    audit_publication,
    finish_attempt,
    start_attempt,
)
from campaigns.social.outbox.holding import hold
from campaigns.social.outbox.recording import Sent, break_channel, record_successes
from campaigns.social.platform import (
    ErrorKind,
    PlatformError,
    PublishedPost,
)

# Platforms' clocks and ours disagree a little; reconcile looks this far before the first send.
RECONCILE_SLACK = timedelta(minutes=5)


class ReconcileDecision(StrEnum):
    """What reconciling decided about a publication whose lease expired."""

    PUBLISHED = "published"  # the platform has it: recorded, nothing to send
    RETRY = "retry"  # the platform does not have it: the worker publishes now, same claim
    HELD = "held"  # nobody can tell, or it is too late: a person decides


def reconcile_since(publication: Publication) -> datetime:
    """From when to look for the publication on its platform (its first send, less some slack)."""
    started = publication.first_sent_at or publication.claimed_at or publication.scheduled_at
    return started - RECONCILE_SLACK


def resolve_reconcile(
    session: Session,
    *,
    publication: Publication,
    worker_id: str,
    found: PublishedPost | None,
    now: datetime,
    reconcilable: bool = True,
) -> ReconcileDecision:
    """Decide about a publication whose lease expired, from what the platform's recent posts show.

    ``found`` (the adapter's ``find_published``) -> published, nothing sent; not found -> RETRY:
    the publication is ``publishing`` again under this worker's claim and the worker publishes it
    now, unless its window has passed (held). ``reconcilable=False`` (the adapter cannot look)
    -> held for a person. A worker that no longer holds the claim gets the current state.
    """
    session.refresh(publication)
    if publication.status == PublicationStatus.PUBLISHED:
        return ReconcileDecision.PUBLISHED
    if publication.status != PublicationStatus.RECONCILING or publication.claimed_by != worker_id:
        return ReconcileDecision.HELD
    if found is not None:
        record_successes(
            session,
            [Sent(publication, found, now)],
            worker_id=worker_id,
            now=now,
            outcome="reconciled_found",
            comment="found on the platform",
        )
        return ReconcileDecision.PUBLISHED
    if not reconcilable:
        finish_attempt(session, publication, worker_id, now=now, outcome="unreconcilable")
        hold(
            session,
            publication,
            reason=HeldReason.UNRECONCILABLE,
            now=now,
            from_statuses=(PublicationStatus.RECONCILING,),
            worker_id=worker_id,
        )
        return ReconcileDecision.HELD
    finish_attempt(session, publication, worker_id, now=now, outcome="reconciled_missing")
    if now > publication.misfire_deadline:
        hold(
            session,
            publication,
            reason=HeldReason.MISSED_WINDOW,
            now=now,
            from_statuses=(PublicationStatus.RECONCILING,),
            worker_id=worker_id,
        )
        return ReconcileDecision.HELD
    before = snapshot(publication)
    publication.status = PublicationStatus.PUBLISHING
    publication.attempts += 1
    publication.updated_at = now
    start_attempt(session, publication, worker_id, now=now, outcome="publishing")
    session.flush()
    audit_publication(
        session, publication, "reconcile", before, now, comment="not on the platform: retry"
    )
    return ReconcileDecision.RETRY


def record_reconcile_failure(
    session: Session,
    *,
    publication: Publication,
    worker_id: str,
    error: PlatformError,
    now: datetime,
    policy: rules.RetryPolicy | None = None,
    random: Callable[[], float] = random_module.random,
) -> Publication:
    """``find_published`` itself failed, so nobody knows yet whether the post went out.

    auth -> channel broken, its queue held (this publication too); transient or rate-limited ->
    it stays ``reconciling`` and is looked for again after a backoff (or the platform's
    ``retry_at``); rejected -> held for a person. Never sent meanwhile.
    """
    policy = policy or rules.RetryPolicy()
    session.refresh(publication)
    finish_attempt(
        session, publication, worker_id, now=now, outcome="reconcile_failed", error=error
    )
    session.flush()
    if publication.status != PublicationStatus.RECONCILING or publication.claimed_by != worker_id:
        return publication
    publication.last_error = error.message[:2000]
    publication.last_error_kind = error.kind.value
    if error.kind == ErrorKind.AUTH:
        hold(
            session,
            publication,
            reason=HeldReason.CHANNEL_BROKEN,
            now=now,
            from_statuses=(PublicationStatus.RECONCILING,),
            worker_id=worker_id,
            message=error.message,
        )
        break_channel(session, publication.channel, message=error.message, now=now)
    elif error.kind == ErrorKind.REJECTED:
        hold(
            session,
            publication,
            reason=HeldReason.UNRECONCILABLE,
            now=now,
            from_statuses=(PublicationStatus.RECONCILING,),
            worker_id=worker_id,
            message=error.message,
        )
    else:
        before = snapshot(publication)
        failures = session.scalar(
            select(func.count()).where(
                PublicationAttempt.publication_id == publication.id,
                PublicationAttempt.outcome == "reconcile_failed",
            )
        )
        # An expired lease is what sends a publication to reconcile: expire it at the retry time.
        publication.claimed_by = None
        publication.lease_until = rules.next_attempt_after_failure(
            attempts=failures,
            now=now,
            retry_at=error.retry_at,
            rate_limited=error.kind == ErrorKind.RATE_LIMITED,
            policy=policy,
            random=random,
        )
        publication.updated_at = now
        session.flush()
        audit_publication(
            session,
            publication,
            "reconcile_failed",
            before,
            now,
            comment=f"{error.kind.value}: {error.message}"[:500],
        )
    return publication
