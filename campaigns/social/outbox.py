"""The outbox: workers claim due publications, publish them, and record what the platform said.

A worker's loop, one short transaction per step (see DESIGN.md, "The publishing pipeline")::

    with transaction:  claimed = claim_due_publications(session, worker_id=..., now=utcnow())
    sent = []
    for publication in claimed:
        outgoing = outgoing_post(publication, media_root=...)
        client = client_for(publication.channel, ...)
        if publication.status == "reconciling":       # its last lease expired mid-publish
            found = client.find_published(outgoing, since=reconcile_since(publication))
            with transaction:  decision = resolve_reconcile(session, publication=..., found=found, ...)
            if decision is not ReconcileDecision.RETRY:
                continue
        try:
            result = client.publish(outgoing)
        except PlatformError as error:
            with transaction:  record_failure(session, publication=..., error=error, ...)
        else:
            sent.append(Sent(publication, result, utcnow()))
    with transaction:  record_successes(session, sent, worker_id=..., now=utcnow())

Claims are exclusive: ``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL, and on both databases
every state change is a conditional ``UPDATE`` that only one transaction can win. The rate budget
of a channel is a row per window, consumed by an atomic upsert in the claiming transaction (one
statement for all the channels of a claim), so however many workers run, a channel never gets
more than its budget. A batch's claims and its successes each cost a handful of statements, not a
handful per publication; ``scheduler/worker.py`` says when a success may wait for its batch.
"""

from __future__ import annotations

import random as random_module
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import Select, bindparam, case, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from campaigns.audit import change_values, record_change, record_changes, snapshot
from campaigns.i18n import N_
from campaigns.social import rules
from campaigns.social.models import (
    Campaign,
    Channel,
    ChannelBudget,
    ChannelHealth,
    HeldReason,
    Post,
    PostStatus,
    PostVariant,
    Publication,
    PublicationAttempt,
    PublicationStatus,
)
from campaigns.social.notifications import administrators, channel_link, notify, post_link
from campaigns.social.platform import (
    ErrorKind,
    MediaFile,
    OutgoingPost,
    PlatformError,
    PublishedPost,
)

WAITING = (PublicationStatus.SCHEDULED, PublicationStatus.FAILED)
IN_FLIGHT = (PublicationStatus.PUBLISHING, PublicationStatus.RECONCILING)
# Platforms' clocks and ours disagree a little; reconcile looks this far before the first send.
RECONCILE_SLACK = timedelta(minutes=5)


class ReconcileDecision(StrEnum):
    PUBLISHED = "published"  # the platform has it: recorded, nothing to send
    RETRY = "retry"  # the platform does not have it: the worker publishes now, same claim
    HELD = "held"  # nobody can tell, or it is too late: a person decides


# --- reading the outbox --------------------------------------------------------------------------


def outgoing_post(publication: Publication, *, media_root: Path | str) -> OutgoingPost:
    """What the adapter sends: the text frozen at scheduling and the variant's images."""
    media = tuple(
        MediaFile(
            path=str(Path(media_root) / attachment.path),
            mime_type=attachment.mime_type,
            sha256=attachment.sha256,
        )
        for attachment in publication.variant.attachments
    )
    return OutgoingPost(text=publication.text, media=media, fingerprint=publication.fingerprint)


def reconcile_since(publication: Publication) -> datetime:
    """From when to look for the publication on its platform (its first send, less some slack)."""
    started = publication.first_sent_at or publication.claimed_at or publication.scheduled_at
    return started - RECONCILE_SLACK


# --- small helpers -------------------------------------------------------------------------------


def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _skip_locked(session: Session, statement: Select) -> Select:
    if _is_postgres(session):
        return statement.with_for_update(skip_locked=True, of=Publication)
    return statement


def _conditional_update(
    session: Session, publication_id: int, *, where: Sequence[Any], values: dict[str, Any]
) -> bool:
    """One UPDATE that only succeeds when ``where`` still holds: the claim's atomic step."""
    result = session.execute(
        update(Publication)
        .where(Publication.id == publication_id, *where)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


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


def _owners(session: Session, channel: Channel) -> list:
    return [channel.owner_person] if channel.owner_person is not None else administrators(session)


def _start_attempt(
    session: Session, publication: Publication, worker_id: str, *, now: datetime, outcome: str
) -> None:
    session.add(
        PublicationAttempt(
            publication_id=publication.id,
            number=publication.attempts,
            worker_id=worker_id,
            started_at=now,
            outcome=outcome,
        )
    )


def _finish_attempt(
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


def _audit(
    session: Session,
    publication: Publication,
    action: str,
    before: dict | None,
    now: datetime,
    comment: str | None = None,
) -> None:
    record_change(
        session,
        actor=None,
        now=now,
        action=action,
        target=publication,
        before=before,
        comment=comment,
    )


# --- holding ------------------------------------------------------------------------------------


def _alert_held(session: Session, publication: Publication, now: datetime) -> None:
    post = publication.post
    notify(
        session,
        people=[*_owners(session, publication.channel), post.author, post.approved_by],
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


def _hold(
    session: Session,
    publication: Publication,
    *,
    reason: str,
    now: datetime,
    from_statuses: Sequence[str],
    worker_id: str | None = None,
    message: str = "",
) -> bool:
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
    if not _conditional_update(session, publication.id, where=where, values=values):
        return False
    session.refresh(publication)
    _audit(session, publication, "hold", before, now, comment=reason)
    _alert_held(session, publication, now)
    return True


def hold_missed_publications(session: Session, *, now: datetime, limit: int = 500) -> int:
    """Hold every waiting publication whose misfire window has closed (a person decides), even
    while no worker is claiming. Returns how many were held."""
    return _hold_past_window(session, now, limit)


def _hold_past_window(session: Session, now: datetime, limit: int) -> int:
    """Publications that can no longer go out within their window are held, not sent late."""
    candidates = session.scalars(
        _skip_locked(
            session,
            select(Publication)
            .where(Publication.status.in_(WAITING), Publication.misfire_deadline < now)
            .order_by(Publication.misfire_deadline, Publication.id)
            .limit(limit),
        )
    ).all()
    held = 0
    for publication in candidates:
        held += _hold(
            session,
            publication,
            reason=HeldReason.MISSED_WINDOW,
            now=now,
            from_statuses=WAITING,
            message=publication.last_error,
        )
    return held


# --- rate budgets --------------------------------------------------------------------------------


def _take_budget(
    session: Session, *, channel_id: int, limit: int, window_seconds: int, now: datetime
) -> bool:
    """Use one post of the channel's budget in the current window; False when it is spent.

    A single upsert, atomic on both databases: concurrent claimers queue on the budget row and
    each sees the count the previous one left.
    """
    start, end = rules.budget_window(now, window_seconds)
    table = ChannelBudget.__table__
    insert = postgresql.insert if _is_postgres(session) else sqlite.insert
    statement = (
        insert(table)
        .values(channel_id=channel_id, window_start=start, window_end=end, capacity=limit, used=1)
        .on_conflict_do_update(
            index_elements=[table.c.channel_id, table.c.window_start],
            set_={"used": table.c.used + 1, "capacity": limit},
            where=table.c.used < limit,
        )
        .returning(table.c.used)
    )
    return session.execute(statement).first() is not None


@dataclass(frozen=True)
class _Want:
    """Posts a claim would like from one channel's budget."""

    count: int
    limit: int
    window_seconds: int


def _take_budgets(session: Session, wanted: dict[int, _Want], *, now: datetime) -> dict[int, int]:
    """Use posts of several channels' budgets at once; returns how many each channel got.

    One multi-row upsert gives every channel its whole share where it fits (the usual case: a
    budget is set well below what a batch asks); a channel whose budget cannot take the whole
    share is then served one post at a time until it is spent. Rows are taken in channel order,
    the same for every worker, so two claimers never wait on each other in a circle.
    """
    table = ChannelBudget.__table__
    insert = postgresql.insert if _is_postgres(session) else sqlite.insert
    whole = []
    for channel_id in sorted(wanted):
        want = wanted[channel_id]
        if want.count <= want.limit:
            start, end = rules.budget_window(now, want.window_seconds)
            whole.append(
                {
                    "channel_id": channel_id,
                    "window_start": start,
                    "window_end": end,
                    "capacity": want.limit,
                    "used": want.count,
                }
            )
    granted: dict[int, int] = {}
    if whole:
        statement = insert(table).values(whole)
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.channel_id, table.c.window_start],
            set_={
                "used": table.c.used + statement.excluded.used,
                "capacity": statement.excluded.capacity,
            },
            where=table.c.used + statement.excluded.used <= statement.excluded.capacity,
        ).returning(table.c.channel_id)
        granted = {
            channel_id: wanted[channel_id].count for channel_id in session.scalars(statement)
        }
    for channel_id in sorted(set(wanted) - set(granted)):
        want, got = wanted[channel_id], 0
        while got < want.count and _take_budget(
            session,
            channel_id=channel_id,
            limit=want.limit,
            window_seconds=want.window_seconds,
            now=now,
        ):
            got += 1
        granted[channel_id] = got
    return granted


def _give_back_budget(
    session: Session, *, channel_id: int, window_seconds: int, now: datetime, count: int = 1
) -> None:
    start, _ = rules.budget_window(now, window_seconds)
    session.execute(
        update(ChannelBudget)
        .where(
            ChannelBudget.channel_id == channel_id,
            ChannelBudget.window_start == start,
            ChannelBudget.used >= count,
        )
        .values(used=ChannelBudget.used - count)
        .execution_options(synchronize_session=False)
    )


def budget_used(session: Session, *, channel: Channel, now: datetime) -> int:
    """Posts the channel has used in the current window (for the health panel and tests)."""
    start, _ = rules.budget_window(now, channel.rate_window_seconds)
    used = session.scalar(
        select(ChannelBudget.used).where(
            ChannelBudget.channel_id == channel.id, ChannelBudget.window_start == start
        )
    )
    return used or 0


def prune_budgets(session: Session, *, now: datetime, keep: timedelta = timedelta(days=2)) -> int:
    """Forget budget windows that ended long ago (a scheduler job calls this daily)."""
    result = session.execute(
        ChannelBudget.__table__.delete().where(ChannelBudget.window_end < now - keep)
    )
    return result.rowcount or 0


# --- claiming ------------------------------------------------------------------------------------


def _claim_expired_leases(
    session: Session, *, worker_id: str, now: datetime, lease: timedelta, limit: int
) -> list[int]:
    """A lease that ran out means a worker died mid-publish: never resend blindly.

    Reconcilable channels are claimed for reconciling; the others (Telegram) are held.
    """
    candidates = session.scalars(
        _skip_locked(
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
            _hold(
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
        won = _conditional_update(
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
            _start_attempt(session, publication, worker_id, now=now, outcome="reconciling")
            _audit(
                session,
                publication,
                "claim_reconcile",
                before,
                now,
                comment=f"lease of {expired_by} expired",
            )
            claimed.append(publication.id)
    return claimed


def _due_candidates(session: Session, *, now: datetime, limit: int) -> list[Any]:
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
    statement = (
        select(
            Publication.id,
            Publication.channel_id,
            Channel.rate_limit_posts,
            Channel.rate_window_seconds,
        )
        .join(Channel, Channel.id == Publication.channel_id)
        .join(Post, Post.id == Publication.post_id)
        .join(Campaign, Campaign.id == Post.campaign_id)
        .where(
            Publication.status.in_(WAITING),
            Publication.next_attempt_at <= now,
            Publication.misfire_deadline >= now,
            Channel.paused.is_(False),
            Channel.health != ChannelHealth.BROKEN,
            or_(Channel.rate_limited_until.is_(None), Channel.rate_limited_until <= now),
            Campaign.paused.is_(False),
            ~full,
        )
        .order_by(Publication.next_attempt_at, Publication.id)
        .limit(limit)
    )
    return list(session.execute(_skip_locked(session, statement)).all())


def _count_due(session: Session, *, now: datetime, at_most: int) -> int:
    """How many publications are due now, counting no further than ``at_most``."""
    due = (
        select(Publication.id)
        .where(
            Publication.status.in_(WAITING),
            Publication.next_attempt_at <= now,
            Publication.misfire_deadline >= now,
        )
        .limit(at_most)
        .subquery()
    )
    return session.scalar(select(func.count()).select_from(due)) or 0


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
    budget is spent are skipped. No two workers ever hold the same publication.

    ``housekeeping=False`` skips the first two steps (a busy worker looks for missed windows and
    expired leases once a second, not on every claim; what missed its window is never claimed).

    ``share_with``: how many workers are running. A worker then takes no more than its share of
    what is due, so that ten posts due at 09:00 go out side by side on four workers rather than
    one after the other on the first worker to wake; ``limit`` only counts when much is due.
    """
    lease = timedelta(seconds=lease_seconds)
    claimed: list[int] = []
    if housekeeping:
        _hold_past_window(session, now, limit=max(limit, 50))
        claimed = _claim_expired_leases(
            session, worker_id=worker_id, now=now, lease=lease, limit=limit
        )
    room = limit - len(claimed)
    if share_with > 1 and room > 1:
        due = _count_due(session, now=now, at_most=room * share_with)
        room = min(room, max(1, -(-due // share_with)))
    candidates = _due_candidates(session, now=now, limit=room)
    wanted: dict[int, _Want] = {}
    for row in candidates:
        want = wanted.get(row.channel_id)
        wanted[row.channel_id] = _Want(
            (want.count if want else 0) + 1, row.rate_limit_posts, row.rate_window_seconds
        )
    left = _take_budgets(session, wanted, now=now)
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
        _give_back_budget(
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


# --- recording what happened ---------------------------------------------------------------------


class Sent(NamedTuple):
    """A post the platform accepted, waiting to be recorded: what it said and when."""

    publication: Publication
    result: PublishedPost
    at: datetime


def _by_id(values: dict[int, Any], column: Any) -> Any:
    """``CASE id WHEN ... THEN ... END``: one value per publication in a single UPDATE, bound
    with the column's own type (instants stay UTC on SQLite)."""
    return case(
        {key: bindparam(None, value, type_=column.type) for key, value in values.items()},
        value=Publication.id,
    )


def record_successes(
    session: Session,
    sent: Sequence[Sent],
    *,
    worker_id: str,
    now: datetime,
    outcome: str = "published",
    comment: str | None = None,
) -> list[Publication]:
    """The platform accepted these posts: keep their ids and URLs, mark them published.

    A worker's hot path, so a whole batch costs a handful of statements, loading nothing: one
    conditional UPDATE of the publications, one of their open attempts, one of the channels'
    health, one of the posts that are now wholly published, and the audit entries in one
    insert. Recorded whatever happened meanwhile (a lease that ran out, a person who held or
    cancelled it): the post did go out. Idempotent: a publication already recorded as published
    is left as it is. Returns the publications this call marked published.
    """
    by_id = {item.publication.id: item for item in sent}
    if not by_id:
        return []
    published_at = {key: item.result.published_at or item.at for key, item in by_id.items()}
    changed = set(
        session.scalars(
            update(Publication)
            .where(
                Publication.id.in_(list(by_id)),
                Publication.status != PublicationStatus.PUBLISHED,
            )
            .values(
                status=PublicationStatus.PUBLISHED,
                platform_id=_by_id(
                    {key: item.result.platform_id for key, item in by_id.items()},
                    Publication.platform_id,
                ),
                url=_by_id({key: item.result.url for key, item in by_id.items()}, Publication.url),
                published_at=_by_id(published_at, Publication.published_at),
                claimed_by=None,
                lease_until=None,
                held_reason=None,
                updated_at=now,
            )
            .returning(Publication.id)
            .execution_options(synchronize_session=False)
        )
    )
    recorded, audit = [], []
    for key, item in by_id.items():
        publication = item.publication
        if key not in changed:
            session.refresh(publication)  # already published: show it as it is
            continue
        before = snapshot(publication)
        for name, value in (
            ("status", PublicationStatus.PUBLISHED),
            ("platform_id", item.result.platform_id),
            ("url", item.result.url),
            ("published_at", published_at[key]),
            ("claimed_by", None),
            ("lease_until", None),
            ("held_reason", None),
            ("updated_at", now),
        ):
            set_committed_value(publication, name, value)
        audit.append(
            change_values(
                session,
                actor=None,
                now=now,
                action="publish",
                target=publication,
                before=before,
                comment=comment or worker_id,
            )
        )
        recorded.append(publication)
    if not recorded:
        return []
    finished = set(
        session.scalars(
            update(PublicationAttempt)
            .where(
                PublicationAttempt.publication_id.in_(changed),
                PublicationAttempt.worker_id == worker_id,
                PublicationAttempt.finished_at.is_(None),
            )
            .values(
                finished_at=case(
                    {
                        key: bindparam(
                            None, by_id[key].at, type_=PublicationAttempt.finished_at.type
                        )
                        for key in changed
                    },
                    value=PublicationAttempt.publication_id,
                ),
                outcome=outcome,
            )
            .returning(PublicationAttempt.publication_id)
            .execution_options(synchronize_session=False)
        )
    )
    unlogged = [publication for publication in recorded if publication.id not in finished]
    if unlogged:  # a worker that never logged its start (or another worker's claim)
        session.execute(
            insert(PublicationAttempt),
            [
                {
                    "publication_id": publication.id,
                    "number": publication.attempts,
                    "worker_id": worker_id,
                    "started_at": by_id[publication.id].at,
                    "finished_at": by_id[publication.id].at,
                    "outcome": outcome,
                }
                for publication in unlogged
            ],
        )
    record_changes(session, audit)
    session.execute(
        update(Channel)
        .where(
            Channel.id.in_({publication.channel_id for publication in recorded}),
            Channel.health == ChannelHealth.DEGRADED,
        )
        .values(health=ChannelHealth.OK, updated_at=now)
    )
    unfinished = (
        select(Publication.id)
        .where(
            Publication.post_id == Post.id,
            Publication.status.not_in([PublicationStatus.PUBLISHED, PublicationStatus.CANCELLED]),
        )
        .exists()
    )
    done_posts = session.scalars(
        update(Post)
        .where(Post.id.in_({publication.post_id for publication in recorded}), ~unfinished)
        .values(status=PostStatus.PUBLISHED, updated_at=now)
        .returning(Post.id)
        .execution_options(synchronize_session=False)
    ).all()
    for post_id in done_posts:  # a post this session holds shows its new status
        post = session.identity_map.get(identity_key(Post, post_id))
        if post is not None:
            set_committed_value(post, "status", PostStatus.PUBLISHED)
            set_committed_value(post, "updated_at", now)
    session.flush()
    return recorded


def record_success(
    session: Session,
    *,
    publication: Publication,
    worker_id: str,
    result: PublishedPost,
    now: datetime,
) -> Publication:
    """The platform accepted one post (``record_successes`` for a batch of one)."""
    record_successes(session, [Sent(publication, result, now)], worker_id=worker_id, now=now)
    return publication


def _break_channel(session: Session, channel: Channel, *, message: str, now: datetime) -> None:
    """Auth failure: the channel is broken, its queue held, its owner alerted."""
    before = snapshot(channel)
    channel.health = ChannelHealth.BROKEN
    channel.last_error = message
    channel.last_error_at = now
    channel.updated_at = now
    session.flush()
    record_change(
        session,
        actor=None,
        now=now,
        action="broken",
        target=channel,
        before=before,
        comment=message,
    )
    waiting = session.scalars(
        select(Publication).where(
            Publication.channel_id == channel.id, Publication.status.in_(WAITING)
        )
    ).all()
    for other in waiting:
        before = snapshot(other)
        if _conditional_update(
            session,
            other.id,
            where=[Publication.status.in_(WAITING)],
            values={
                "status": PublicationStatus.HELD,
                "held_reason": HeldReason.CHANNEL_BROKEN,
                "updated_at": now,
            },
        ):
            session.refresh(other)
            _audit(session, other, "hold", before, now, comment=HeldReason.CHANNEL_BROKEN)
    notify(
        session,
        people=_owners(session, channel),
        kind="channel_broken",
        message=N_(
            "%(channel)s is broken: %(error)s. Its queue is held until its credentials are fixed."
        ),
        params={"channel": channel.name, "error": message},
        link=channel_link(channel),
        now=now,
    )


def _degrade(channel: Channel, error: PlatformError, now: datetime) -> None:
    if channel.health == ChannelHealth.OK:
        channel.health = ChannelHealth.DEGRADED
    channel.last_error = error.message[:2000]
    channel.last_error_at = now


def _transient_failures(session: Session, publication: Publication) -> int:
    """Transient failures of the current series (since the first send, or a person's retry)."""
    since = publication.first_sent_at
    statement = select(func.count()).where(
        PublicationAttempt.publication_id == publication.id,
        PublicationAttempt.error_kind == ErrorKind.TRANSIENT,
    )
    if since is not None:
        statement = statement.where(PublicationAttempt.started_at >= since)
    return session.scalar(statement) or 0


def record_failure(
    session: Session,
    *,
    publication: Publication,
    worker_id: str,
    error: PlatformError,
    now: datetime,
    policy: rules.RetryPolicy | None = None,
    random: Callable[[], float] = random_module.random,
) -> Publication:
    """The platform refused or could not be reached; act on the error's kind.

    transient -> retry with exponential backoff and jitter (never before the platform's own
    ``retry_at``), ``dead`` after ``policy.max_attempts`` transient failures; when the platform
    gave no answer at all (timeout, dropped connection) the post may be out, so instead of a blind
    retry it is reconciled first (held at once on a channel that cannot be reconciled); rate-limited ->
    retry exactly at ``retry_at`` and nobody claims for the channel before it (it does not count
    towards ``dead``); auth -> channel broken, its queue held, owner alerted; rejected -> ``dead``
    with the platform's message. A worker whose lease was taken over only logs its attempt.
    """
    policy = policy or rules.RetryPolicy()
    session.refresh(publication)
    _finish_attempt(session, publication, worker_id, now=now, outcome="failed", error=error)
    session.flush()
    if publication.status != PublicationStatus.PUBLISHING or publication.claimed_by != worker_id:
        return publication
    before = snapshot(publication)
    channel = publication.channel
    post = publication.post
    publication.last_error = error.message[:2000]
    publication.last_error_kind = error.kind.value
    publication.claimed_by = None
    publication.lease_until = None
    publication.updated_at = now
    action = "fail"
    if error.kind == ErrorKind.AUTH:
        publication.status = PublicationStatus.HELD
        publication.held_reason = HeldReason.CHANNEL_BROKEN
        action = "hold"
    elif error.kind == ErrorKind.REJECTED or (
        error.kind == ErrorKind.TRANSIENT
        and _transient_failures(session, publication) >= policy.max_attempts
    ):
        publication.status = PublicationStatus.DEAD
        action = "dead"
    elif error.may_have_published and channel.kind not in rules.RECONCILABLE_KINDS:
        publication.status = PublicationStatus.HELD
        publication.held_reason = HeldReason.UNRECONCILABLE
        action = "hold"
    elif error.may_have_published:
        # No answer: the post may be out. Look for it before any retry, after a backoff (the
        # expired "lease" is what sends a publication to reconcile).
        publication.status = PublicationStatus.RECONCILING
        publication.lease_until = rules.next_attempt_after_failure(
            attempts=_transient_failures(session, publication),
            now=now,
            retry_at=error.retry_at,
            rate_limited=False,
            policy=policy,
            random=random,
        )
        _degrade(channel, error, now)
    else:
        rate_limited = error.kind == ErrorKind.RATE_LIMITED
        publication.status = PublicationStatus.FAILED
        publication.next_attempt_at = rules.next_attempt_after_failure(
            attempts=_transient_failures(session, publication),
            now=now,
            retry_at=error.retry_at,
            rate_limited=rate_limited,
            policy=policy,
            random=random,
        )
        if rate_limited:
            if (
                channel.rate_limited_until is None
                or channel.rate_limited_until < publication.next_attempt_at
            ):
                channel.rate_limited_until = publication.next_attempt_at
        else:
            _degrade(channel, error, now)
    session.flush()
    _audit(
        session,
        publication,
        action,
        before,
        now,
        comment=f"{error.kind.value}: {error.message}"[:500],
    )
    if error.kind == ErrorKind.AUTH:
        _break_channel(session, channel, message=error.message, now=now)
    elif publication.status == PublicationStatus.HELD:
        _alert_held(session, publication, now)
    elif publication.status == PublicationStatus.DEAD:
        notify(
            session,
            people=[*_owners(session, channel), post.author],
            kind="publication_dead",
            message=N_("Not published: %(title)s on %(channel)s — %(error)s"),
            params={"title": post.title, "channel": channel.name, "error": error.message},
            link=post_link(post),
            now=now,
        )
    return publication


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
        _finish_attempt(session, publication, worker_id, now=now, outcome="unreconcilable")
        _hold(
            session,
            publication,
            reason=HeldReason.UNRECONCILABLE,
            now=now,
            from_statuses=(PublicationStatus.RECONCILING,),
            worker_id=worker_id,
        )
        return ReconcileDecision.HELD
    _finish_attempt(session, publication, worker_id, now=now, outcome="reconciled_missing")
    if now > publication.misfire_deadline:
        _hold(
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
    _start_attempt(session, publication, worker_id, now=now, outcome="publishing")
    session.flush()
    _audit(session, publication, "reconcile", before, now, comment="not on the platform: retry")
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
    _finish_attempt(
        session, publication, worker_id, now=now, outcome="reconcile_failed", error=error
    )
    session.flush()
    if publication.status != PublicationStatus.RECONCILING or publication.claimed_by != worker_id:
        return publication
    publication.last_error = error.message[:2000]
    publication.last_error_kind = error.kind.value
    if error.kind == ErrorKind.AUTH:
        _hold(
            session,
            publication,
            reason=HeldReason.CHANNEL_BROKEN,
            now=now,
            from_statuses=(PublicationStatus.RECONCILING,),
            worker_id=worker_id,
            message=error.message,
        )
        _break_channel(session, publication.channel, message=error.message, now=now)
    elif error.kind == ErrorKind.REJECTED:
        _hold(
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
        _audit(
            session,
            publication,
            "reconcile_failed",
            before,
            now,
            comment=f"{error.kind.value}: {error.message}"[:500],
        )
    return publication
