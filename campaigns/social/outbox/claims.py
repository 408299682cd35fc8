"""Claiming: a worker takes due publications (and expired leases) under a lease."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, insert, or_, select, text, update
from sqlalchemy.orm import Session, aliased, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from campaigns.audit import change_values, record_changes, snapshot
from campaigns.i18n import N_
from campaigns.social import rules
from campaigns.social.models import (
    Campaign,
    Channel,
    ChannelBudget,
    ChannelHealth,
    HeldReason,
    Post,
    PostVariant,
    Publication,
    PublicationAttempt,
    PublicationStatus,
)
from campaigns.social.outbox.budgets import Want, give_back_budget, take_budgets
from campaigns.social.outbox.common import (
    IN_FLIGHT,
    WAITING,
    audit_publication,
    conditional_update,
    is_postgres,
    skip_locked,
    start_attempt,
)
from campaigns.social.outbox.holding import hold, hold_past_window

# The first key of the advisory locks that keep a channel's lane to one claimer (PostgreSQL).
LANE_LOCKS = 0x4C41


def _reload(session: Session, ids: Sequence[int]) -> list[Publication]:
    """The claimed publications as they are now, with what publishing needs (channel, variant,
    images) loaded for the whole batch in a few queries, not a few per publication."""
    if not ids:
        return []
    rows = session.scalars(
        select(Publication)
        .where(Publication.id.in_(ids))
        .options(
            joinedload(Publication.channel),
            joinedload(Publication.variant).selectinload(PostVariant.attachments),
        )
        .execution_options(populate_existing=True)
    ).all()
    by_id = {row.id: row for row in rows}
    return [by_id[publication_id] for publication_id in ids if publication_id in by_id]


def _claim_expired_leases(
    session: Session, *, worker_id: str, now: datetime, lease: timedelta, limit: int
) -> list[int]:
    """A lease that ran out means a worker died mid-publish: never resend blindly.

    Reconcilable channels are claimed for reconciling; the others (Telegram) are held.
    """
    candidates = session.scalars(
        skip_locked(
            session,
            select(Publication)
            .where(Publication.status.in_(IN_FLIGHT), Publication.lease_until < now)
            .order_by(Publication.lease_until, Publication.id)
            .limit(limit),
        )
    ).all()
    claimed = []
    for publication in candidates:
        expired_by = publication.claimed_by
        expired_until = publication.lease_until
        if publication.channel.kind not in rules.RECONCILABLE_KINDS:
            if _never_sent(session, publication):
                _claim_again_unsent(session, publication, now=now)
                continue
            hold(
                session,
                publication,
                reason=HeldReason.UNRECONCILABLE,
                now=now,
                from_statuses=IN_FLIGHT,
                message=N_(
                    "A worker stopped while publishing; the platform cannot tell whether "
                    "it went out. Check the channel, then release or cancel."
                ),
            )
            continue
        before = snapshot(publication)
        won = conditional_update(
            session,
            publication.id,
            where=[
                Publication.status.in_(IN_FLIGHT),
                Publication.claimed_by == expired_by,
                Publication.lease_until == expired_until,
            ],
            values={
                "status": PublicationStatus.RECONCILING,
                "claimed_by": worker_id,
                "claimed_at": now,
                "lease_until": now + lease,
                "updated_at": now,
            },
        )
        if won:
            session.refresh(publication)
            start_attempt(session, publication, worker_id, now=now, outcome="reconciling")
            audit_publication(
                session,
                publication,
                "claim_reconcile",
                before,
                now,
                comment=f"lease of {expired_by} expired",
            )
            claimed.append(publication.id)
    return claimed


def mark_sending(session: Session, publication: Publication, *, worker_id: str) -> None:
    """Note, before the call, that this worker begins to send ``publication``: on a channel
    that cannot be asked afterwards (Telegram), a worker that dies leaves only the claims it had
    begun to send for a person to check; the others simply wait again."""
    session.execute(
        update(PublicationAttempt)
        .where(
            PublicationAttempt.publication_id == publication.id,
            PublicationAttempt.worker_id == worker_id,
            PublicationAttempt.finished_at.is_(None),
        )
        .values(outcome="sending")
        .execution_options(synchronize_session=False)
    )


def _never_sent(session: Session, publication: Publication) -> bool:
    """Whether the dead worker's claim of ``publication`` never began to send it."""
    if publication.status != PublicationStatus.PUBLISHING:
        return False
    outcomes = session.scalars(
        select(PublicationAttempt.outcome).where(
            PublicationAttempt.publication_id == publication.id,
            PublicationAttempt.worker_id == publication.claimed_by,
            PublicationAttempt.finished_at.is_(None),
        )
    ).all()
    return outcomes == ["publishing"]


def _claim_again_unsent(session: Session, publication: Publication, *, now: datetime) -> None:
    """A dead worker's claim that it never began to send waits again, like any due post (held
    by the usual rule if its window has passed meanwhile)."""
    before = snapshot(publication)
    expired_by = publication.claimed_by
    if not conditional_update(
        session,
        publication.id,
        where=[
            Publication.status == PublicationStatus.PUBLISHING,
            Publication.claimed_by == expired_by,
            Publication.lease_until == publication.lease_until,
        ],
        values={
            "status": PublicationStatus.SCHEDULED,
            "claimed_by": None,
            "claimed_at": None,
            "lease_until": None,
            "next_attempt_at": now,
            "updated_at": now,
        },
    ):
        return
    session.execute(
        update(PublicationAttempt)
        .where(
            PublicationAttempt.publication_id == publication.id,
            PublicationAttempt.worker_id == expired_by,
            PublicationAttempt.finished_at.is_(None),
        )
        .values(finished_at=now, outcome="never_sent")
        .execution_options(synchronize_session=False)
    )
    session.refresh(publication)
    audit_publication(
        session, publication, "unclaim", before, now, comment=f"lease of {expired_by} expired"
    )


def _claimable(now: datetime) -> list[Any]:
    """What makes a waiting publication claimable now: due, within its window, on a channel
    that may post (not paused, broken, told to wait or out of budget) in a running campaign."""
    full = (
        select(ChannelBudget.id)
        .where(
            ChannelBudget.channel_id == Publication.channel_id,
            ChannelBudget.window_start <= now,
            ChannelBudget.window_end > now,
            ChannelBudget.used >= Channel.rate_limit_posts,
        )
        .exists()
    )
    return [
        Publication.status.in_(WAITING),
        Publication.next_attempt_at <= now,
        Publication.misfire_deadline >= now,
        Channel.paused.is_(False),
        Channel.health != ChannelHealth.BROKEN,
        or_(Channel.rate_limited_until.is_(None), Channel.rate_limited_until <= now),
        Campaign.paused.is_(False),
        ~full,
    ]


def _with_channel_and_campaign(statement: Select) -> Select:
    return (
        statement.join(Channel, Channel.id == Publication.channel_id)
        .join(Post, Post.id == Publication.post_id)
        .join(Campaign, Campaign.id == Post.campaign_id)
    )


def _claim_lanes(session: Session, *, now: datetime, room: int, share_with: int) -> list[int]:
    """The channels whose due publications this claim may take: a channel is a lane, sent by
    one worker at a time in due order.

    A channel another worker is sending to (a ``publishing`` claim with a live lease) is left
    alone until that claim is done, so its later posts never overtake its earlier ones; of the
    rest, this worker takes its share of all the channels with something due, in due order. On
    PostgreSQL each lane is taken under a transaction-level advisory lock, tried without
    waiting: two workers claiming at the same instant never take the same channel, and once
    this claim commits, its ``publishing`` rows keep the others away.
    """
    due = (
        session.execute(
            _with_channel_and_campaign(select(Publication.channel_id))
            .where(*_claimable(now))
            .group_by(Publication.channel_id)
            .order_by(func.min(Publication.next_attempt_at), func.min(Publication.id))
            .limit(max(room, 1) * max(share_with, 1))
        )
        .scalars()
        .all()
    )
    if not due:
        return []
    sending = set(
        session.scalars(
            select(Publication.channel_id)
            .where(
                Publication.status == PublicationStatus.PUBLISHING,
                Publication.lease_until > now,
                Publication.channel_id.in_(due),
            )
            .distinct()
        )
    )
    wanted = min(room, -(-len(due) // max(share_with, 1)))
    free = [channel_id for channel_id in due if channel_id not in sending]
    if not is_postgres(session):
        return free[:wanted]
    # One round trip for all the lanes (a burst on 200 channels made it 200 per claim): the
    # locks are tried in due order and no further than ``wanted`` taken, so no ORDER BY (it
    # would try every lock before sorting); a lane another worker is claiming right now is
    # skipped.
    return list(
        session.scalars(
            text(
                "SELECT lane FROM unnest(CAST(:lanes AS integer[])) AS lane "
                "WHERE pg_try_advisory_xact_lock(CAST(:key AS integer), lane) LIMIT :wanted"
            ),
            {"lanes": free, "key": LANE_LOCKS, "wanted": wanted},
        )
    )


def _due_candidates(
    session: Session, *, now: datetime, limit: int, lanes: Sequence[int]
) -> list[Any]:
    if not lanes:
        return []
    others_sending = aliased(Publication)
    sending = (
        select(others_sending.id)
        .where(
            others_sending.channel_id == Publication.channel_id,
            others_sending.status == PublicationStatus.PUBLISHING,
            others_sending.lease_until > now,
        )
        .exists()
    )
    statement = (
        _with_channel_and_campaign(
            select(
                Publication.id,
                Publication.channel_id,
                Channel.rate_limit_posts,
                Channel.rate_window_seconds,
            )
        )
        .where(*_claimable(now), Publication.channel_id.in_(lanes), ~sending)
        .order_by(Publication.next_attempt_at, Publication.id)
        .limit(limit)
    )
    return list(session.execute(skip_locked(session, statement)).all())


def claim_due_publications(
    session: Session,
    *,
    worker_id: str,
    now: datetime,
    limit: int = 10,
    lease_seconds: int = 120,
    housekeeping: bool = True,
    share_with: int = 1,
) -> list[Publication]:
    """Claim up to ``limit`` publications for ``worker_id`` with a lease; commit right after.

    First holds what missed its window; then takes publications whose lease expired (status
    ``reconciling``: ask the platform first, see ``resolve_reconcile``); then due ones (status
    ``publishing``: send them), each consuming one post of its channel's rate budget. Paused
    channels and campaigns, broken channels, channels told to wait (429) and channels whose
    budget is spent are skipped. No two workers ever hold the same publication, and a channel's
    due publications are taken by one worker at a time, in due order (``_claim_lanes``).

    ``housekeeping=False`` skips the first two steps (a busy worker looks for missed windows and
    expired leases once a second, not on every claim; what missed its window is never claimed).

    ``share_with``: how many workers are running. A worker then takes no more than its share of
    the channels something is due on, so that posts due at 09:00 on many channels go out side by
    side on four workers rather than one after the other on the first worker to wake; a
    channel's own posts go out one after the other whoever sends them.
    """
    lease = timedelta(seconds=lease_seconds)
    claimed: list[int] = []
    if housekeeping:
        hold_past_window(session, now, limit=max(limit, 50))
        claimed = _claim_expired_leases(
            session, worker_id=worker_id, now=now, lease=lease, limit=limit
        )
    room = limit - len(claimed)
    lanes = _claim_lanes(session, now=now, room=room, share_with=share_with) if room > 0 else []
    candidates = _due_candidates(session, now=now, limit=room, lanes=lanes)
    wanted: dict[int, Want] = {}
    for row in candidates:
        want = wanted.get(row.channel_id)
        wanted[row.channel_id] = Want(
            (want.count if want else 0) + 1, row.rate_limit_posts, row.rate_window_seconds
        )
    left = take_budgets(session, wanted, now=now)
    budgeted = []
    for row in candidates:  # in due order: a channel's earliest publications use its budget
        if left.get(row.channel_id, 0) > 0:
            left[row.channel_id] -= 1
            budgeted.append(row)
    won: set[int] = set()
    if budgeted:
        # One conditional UPDATE for them all: a row another worker took meanwhile is left out.
        won = set(
            session.scalars(
                update(Publication)
                .where(
                    Publication.id.in_([row.id for row in budgeted]),
                    Publication.status.in_(WAITING),
                    Publication.next_attempt_at <= now,
                )
                .values(
                    status=PublicationStatus.PUBLISHING,
                    claimed_by=worker_id,
                    claimed_at=now,
                    lease_until=now + lease,
                    attempts=Publication.attempts + 1,
                    first_sent_at=func.coalesce(Publication.first_sent_at, now),
                    updated_at=now,
                )
                .returning(Publication.id)
                .execution_options(synchronize_session=False)
            )
        )
    lost: dict[int, tuple[int, int]] = {}
    for row in budgeted:
        if row.id in won:
            claimed.append(row.id)
        else:
            count, _ = lost.get(row.channel_id, (0, row.rate_window_seconds))
            lost[row.channel_id] = (count + 1, row.rate_window_seconds)
    for channel_id, (count, window_seconds) in lost.items():
        give_back_budget(
            session, channel_id=channel_id, window_seconds=window_seconds, now=now, count=count
        )
    publications = _reload(session, claimed)
    starting = [p for p in publications if p.status == PublicationStatus.PUBLISHING]
    if starting:  # an attempt and an audit entry each, written in two statements
        session.execute(
            insert(PublicationAttempt),
            [
                {
                    "publication_id": publication.id,
                    "number": publication.attempts,
                    "worker_id": worker_id,
                    "started_at": now,
                    "outcome": "publishing",
                }
                for publication in starting
            ],
        )
        record_changes(
            session,
            [
                change_values(
                    session, actor=None, now=now, action="claim", target=p, comment=worker_id
                )
                for p in starting
            ],
        )
    session.flush()
    return publications


def renew_claims(
    session: Session,
    publications: Sequence[Publication],
    *,
    worker_id: str,
    now: datetime,
    lease_seconds: int,
) -> set[int]:
    """Extend the lease of this worker's claims among ``publications`` that are still in flight
    under its name, from ``now``: a batch whose sends take longer than half a lease keeps its
    claims instead of leaving them to be reconciled. A claim another worker has taken over (its
    lease ran out meanwhile) is not renewed, and not this worker's to send any more: one
    conditional UPDATE, so a takeover and a renewal can never both win. Returns the ids renewed
    (their ``lease_until`` is updated in place too)."""
    if not publications:
        return set()
    until = now + timedelta(seconds=lease_seconds)
    renewed = set(
        session.scalars(
            update(Publication)
            .where(
                Publication.id.in_([publication.id for publication in publications]),
                Publication.claimed_by == worker_id,
                Publication.status.in_(IN_FLIGHT),
            )
            .values(lease_until=until)
            .returning(Publication.id)
            .execution_options(synchronize_session=False)
        )
    )
    for publication in publications:
        if publication.id in renewed:
            set_committed_value(publication, "lease_until", until)
    return renewed


def release_unsent(
    session: Session,
    publications: Sequence[Publication],
    *,
    worker_id: str,
    now: datetime,
    reason: str,
) -> int:
    """Give back claims this worker will not send after all (their channel answered 401 or 429
    for an earlier publication of the same batch): each waits again as it was before the claim,
    without an attempt, and its post goes back to the channel's budget. What the channel's state
    then does with them is the channel's business: a broken channel holds its queue, a channel
    told to wait is not claimed before the platform's reset. Returns how many were released."""
    released: dict[int, tuple[int, datetime | None, int]] = {}
    for publication in publications:
        if publication.status != PublicationStatus.PUBLISHING:
            continue  # a reconcile in hand is not "unsent": its lease runs out as it should
        before = snapshot(publication)
        claimed_at = publication.claimed_at
        if not conditional_update(
            session,
            publication.id,
            where=[
                Publication.status == PublicationStatus.PUBLISHING,
                Publication.claimed_by == worker_id,
            ],
            values={
                "status": PublicationStatus.SCHEDULED,
                "claimed_by": None,
                "claimed_at": None,
                "lease_until": None,
                "attempts": Publication.attempts - 1,
                "next_attempt_at": now,
                "updated_at": now,
            },
        ):
            continue
        session.execute(
            PublicationAttempt.__table__.delete().where(
                PublicationAttempt.publication_id == publication.id,
                PublicationAttempt.worker_id == worker_id,
                PublicationAttempt.finished_at.is_(None),
            )
        )
        session.refresh(publication)
        audit_publication(session, publication, "unclaim", before, now, comment=reason[:500])
        channel = publication.channel
        count, at, window = released.get(channel.id, (0, claimed_at, channel.rate_window_seconds))
        released[channel.id] = (count + 1, at, window)
    for channel_id, (count, claimed_at, window_seconds) in released.items():
        give_back_budget(
            session,
            channel_id=channel_id,
            window_seconds=window_seconds,
            now=claimed_at or now,
            count=count,
        )
    session.flush()
    return sum(count for count, _, _ in released.values())
