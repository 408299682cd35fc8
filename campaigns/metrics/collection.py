"""Collection: due snapshots are claimed under a lease, read from the platform, and recorded.

A collector pass (``scheduler/metrics.py``) is::

    plan_snapshots (cheap: one anti-join, nothing to do most of the time)   -> commit
    claim_due_snapshots: batches per channel, within each channel's read budget -> commit
    for each batch: the platform reads up to 100 posts per call (no transaction open)
        record_readings / record_read_failure                             -> commit

The collector plans as it goes rather than leaving it to the scheduler: planning is one
indexed query that finds nothing on most passes, and a publication then gets its first (15 min)
snapshot planned within a pass of being published even while no scheduler runs.

Claims follow the outbox's discipline (``campaigns.leases``): candidates are read with
``FOR UPDATE SKIP LOCKED`` on PostgreSQL, taken by one conditional UPDATE that sets
``claimed_by`` and ``lease_until``, and a snapshot whose lease ran out (its worker died) is
simply due again and taken over by whoever comes next. A snapshot stays ``planned`` until it is
taken or skipped; only its claim fields change.

What a platform failure does (nothing is lost, ever):

- transient (outage, 5xx, timeout): ``not_before`` moves back with exponential backoff,
  ``attempts`` counts; the point is taken when the platform answers, and says how late;
- rate limited: ``not_before`` moves to the platform's reset, and the channel's read budget of
  the window is spent so no other worker asks meanwhile;
- auth (revoked credentials): ``not_before`` moves back by ``AUTH_BACKOFF`` — the outbox and the
  channel's health panel already tell people; measuring does not ask again and again;
- the post is gone (``rules.Gone``: X answers it in ``errors``): the publication's rollup says
  ``deleted`` with the reason, and its remaining snapshots are skipped, never asked again.

Which platforms are read how: X through ``GET /2/tweets`` (``MetricsReader``, in ``bots/``),
within the channel's read budget; sandbox channels through their own deterministic figures
(``campaigns.metrics.sandbox``); Telegram gives bots no numbers to ask for, only reaction
updates pushed to a poller (``record_reaction_counts``), so a Telegram snapshot at its instant
records the counts the rollup holds then, without any platform call.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol, runtime_checkable

from sqlalchemy import and_, bindparam, func, or_, select, update
from sqlalchemy.orm import Session

from campaigns.errors import Invalid
from campaigns.leases import is_postgres, skip_locked
from campaigns.metrics import rules
from campaigns.metrics.models import MetricReadBudget, MetricSnapshot, PublicationMetrics
from campaigns.metrics.planning import dialect_insert, plan_snapshots
from campaigns.metrics.rules import Gone, Reading, SnapshotStatus, TrackingStatus
from campaigns.social.credentials import channel_credentials
from campaigns.social.models import (
    Channel,
    ChannelHealth,
    ChannelKind,
    Publication,
    PublicationStatus,
)
from campaigns.social.platform import ErrorKind, PlatformError
from campaigns.social.rules import budget_window

# X's GET /2/tweets takes at most 100 ids per call.
IDS_PER_CALL = 100
# Read budget per channel: calls per window. X documents GET /2/tweets at 900 calls per user
# and 15 minutes (Pro; Basic allows far fewer, and a 429 then tells us the reset); a third of
# it leaves room for the people using the same account. Sandbox and Telegram make no call.
# Mastodon reads each status with its own request (the bulk lookup needs 4.3): one call of up
# to 100 statuses per 5 minutes stays at a third of its 300 requests / 5 min per account.
READ_BUDGETS: dict[str, tuple[int, int]] = {
    ChannelKind.X: (300, 15 * 60),
    ChannelKind.MASTODON: (1, 5 * 60),
}
LEASE_SECONDS = 120
# After a platform outage: 1 min, 2, 4, ... at most 6 hours between tries.
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=6)
# After a refusal of the credentials: ask again this much later.
AUTH_BACKOFF = timedelta(hours=6)
# Rate limited without a reset time: wait this long.
RATE_LIMIT_DEFAULT = timedelta(minutes=15)
# Skipped snapshots say why.
SKIPPED_DELETED = "deleted"
SKIPPED_UNPUBLISHED = "unpublished"


# -- the vocabulary shared with the adapters in bots/ -----------------------------------------------


@runtime_checkable
class MetricsReader(Protocol):
    """A platform client that can read its posts' numbers (X, sandbox).

    ``read_metrics`` takes at most ``IDS_PER_CALL`` platform ids and answers, for each id it
    knows about, a ``Reading`` or ``Gone``; an id left out is asked again later. It raises
    ``PlatformError`` when the platform did not answer for the whole call.
    """

    def read_metrics(
        self, platform_ids: Sequence[str], *, at: datetime, private: bool = True
    ) -> Mapping[str, Reading | Gone]: ...


@dataclass(frozen=True)
class ClaimedSnapshot:
    id: int
    publication_id: int
    point: str
    due_at: datetime
    attempts: int
    platform_id: str | None
    published_at: datetime


@dataclass
class SnapshotBatch:
    """A channel's claimed snapshots; read through its platform ``calls`` calls at most."""

    channel_id: int
    channel_kind: str
    snapshots: list[ClaimedSnapshot] = field(default_factory=list)

    def chunks(self, size: int = IDS_PER_CALL) -> list[list[ClaimedSnapshot]]:
        """The snapshots by platform call: at most ``size`` distinct posts each."""
        by_post: dict[str, list[ClaimedSnapshot]] = {}
        for snapshot in self.snapshots:
            by_post.setdefault(snapshot.platform_id or "", []).append(snapshot)
        posts = list(by_post.values())
        return [
            [snapshot for group in posts[start : start + size] for snapshot in group]
            for start in range(0, len(posts), size)
        ]


# -- housekeeping ------------------------------------------------------------------------------------


def skip_lost_snapshots(session: Session, *, now: datetime) -> int:
    """Skip the planned snapshots of publications that are no longer published or whose post
    the platform said is gone. Returns how many were skipped."""
    deleted = (
        select(PublicationMetrics.publication_id)
        .where(PublicationMetrics.status == TrackingStatus.DELETED)
        .scalar_subquery()
    )
    skipped = session.execute(
        update(MetricSnapshot)
        .where(
            MetricSnapshot.status == SnapshotStatus.PLANNED,
            MetricSnapshot.publication_id.in_(deleted),
        )
        .values(status=SnapshotStatus.SKIPPED, skipped_reason=SKIPPED_DELETED, lease_until=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    unpublished = (
        select(Publication.id)
        .where(Publication.status != PublicationStatus.PUBLISHED)
        .scalar_subquery()
    )
    skipped += session.execute(
        update(MetricSnapshot)
        .where(
            MetricSnapshot.status == SnapshotStatus.PLANNED,
            MetricSnapshot.not_before <= now,
            MetricSnapshot.publication_id.in_(unpublished),
        )
        .values(status=SnapshotStatus.SKIPPED, skipped_reason=SKIPPED_UNPUBLISHED, lease_until=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    return skipped or 0


# -- read budgets ------------------------------------------------------------------------------------


def read_budget(
    kind: str, overrides: Mapping[str, tuple[int, int]] | None = None
) -> tuple[int, int] | None:
    """(calls, window seconds) a channel of ``kind`` may spend reading, None when it makes no
    platform call."""
    return {**READ_BUDGETS, **(overrides or {})}.get(kind)


def take_read_budget(
    session: Session,
    *,
    channel_id: int,
    calls: int,
    capacity: int,
    window_seconds: int,
    now: datetime,
) -> int:
    """Use up to ``calls`` reads of the channel's current window; returns how many it got.

    The window's row is created if need be, then locked (``FOR UPDATE`` on PostgreSQL; SQLite
    has one writer), so concurrent workers each see what the previous one left."""
    start, end = budget_window(now, window_seconds)
    table = MetricReadBudget.__table__
    session.execute(
        dialect_insert(session)(table)
        .values(
            channel_id=channel_id, window_start=start, window_end=end, capacity=capacity, used=0
        )
        .on_conflict_do_nothing(index_elements=[table.c.channel_id, table.c.window_start])
    )
    statement = select(table.c.id, table.c.used, table.c.capacity).where(
        table.c.channel_id == channel_id, table.c.window_start == start
    )
    if is_postgres(session):
        statement = statement.with_for_update()
    row = session.execute(statement).one()
    granted = max(0, min(calls, row.capacity - row.used))
    if granted:
        session.execute(update(table).where(table.c.id == row.id).values(used=row.used + granted))
    return granted


def give_back_read_budget(
    session: Session, *, channel_id: int, calls: int, window_seconds: int, now: datetime
) -> None:
    """Return reads the claim did not use (snapshots another worker took meanwhile)."""
    if calls <= 0:
        return
    start, _ = budget_window(now, window_seconds)
    session.execute(
        update(MetricReadBudget)
        .where(
            MetricReadBudget.channel_id == channel_id,
            MetricReadBudget.window_start == start,
            MetricReadBudget.used >= calls,
        )
        .values(used=MetricReadBudget.used - calls)
        .execution_options(synchronize_session=False)
    )


def spend_read_budget(
    session: Session, *, channel_id: int, window_seconds: int, capacity: int, now: datetime
) -> None:
    """The platform said "no more reads": nobody reads for this channel until the window ends."""
    take_read_budget(
        session,
        channel_id=channel_id,
        calls=capacity,
        capacity=capacity,
        window_seconds=window_seconds,
        now=now,
    )


def read_budget_used(
    session: Session, *, channel_id: int, window_seconds: int, now: datetime
) -> int:
    """Reads the channel has used in the current window (tests, health)."""
    start, _ = budget_window(now, window_seconds)
    used = session.scalar(
        select(MetricReadBudget.used).where(
            MetricReadBudget.channel_id == channel_id, MetricReadBudget.window_start == start
        )
    )
    return used or 0


# -- claiming ----------------------------------------------------------------------------------------


def _claimable(now: datetime) -> Any:
    return and_(
        MetricSnapshot.status == SnapshotStatus.PLANNED,
        MetricSnapshot.not_before <= now,
        or_(MetricSnapshot.lease_until.is_(None), MetricSnapshot.lease_until <= now),
    )


def claim_due_snapshots(
    session: Session,
    *,
    worker_id: str,
    now: datetime,
    limit: int = 1_000,
    lease_seconds: int = LEASE_SECONDS,
    budgets: Mapping[str, tuple[int, int]] | None = None,
) -> list[SnapshotBatch]:
    """Claim up to ``limit`` due snapshots (and snapshots whose lease expired) for
    ``worker_id``, grouped by channel; the caller commits right after.

    A channel that reads from its platform (X) gets no more snapshots than its read budget of
    the current window allows at ``IDS_PER_CALL`` posts a call; the rest wait for the next
    window. Paused and broken channels are passed over (their snapshots wait, and are taken
    late when the channel works again). No two workers hold the same snapshot.
    """
    skip_lost_snapshots(session, now=now)
    statement = (
        select(
            MetricSnapshot.id,
            MetricSnapshot.publication_id,
            MetricSnapshot.channel_id,
            MetricSnapshot.point,
            MetricSnapshot.due_at,
            MetricSnapshot.attempts,
            Channel.kind,
            Publication.platform_id,
            PublicationMetrics.published_at,
        )
        .join(
            PublicationMetrics, PublicationMetrics.publication_id == MetricSnapshot.publication_id
        )
        .join(Publication, Publication.id == MetricSnapshot.publication_id)
        .join(Channel, Channel.id == MetricSnapshot.channel_id)
        .where(
            _claimable(now),
            Channel.paused.is_(False),
            Channel.health != ChannelHealth.BROKEN,
        )
        .order_by(MetricSnapshot.not_before, MetricSnapshot.id)
        .limit(limit)
    )
    candidates = session.execute(skip_locked(session, statement, of=MetricSnapshot)).all()
    by_channel: dict[int, list[Any]] = {}
    for row in candidates:
        by_channel.setdefault(row.channel_id, []).append(row)
    kept: list[Any] = []
    granted_calls: dict[int, tuple[int, int]] = {}
    for channel_id in sorted(by_channel):  # the same order in every worker: no lock cycles
        rows = by_channel[channel_id]
        budget = read_budget(rows[0].kind, budgets)
        if budget is None:
            kept.extend(rows)
            continue
        capacity, window_seconds = budget
        posts: dict[str | None, list[Any]] = {}
        for row in rows:
            posts.setdefault(row.platform_id, []).append(row)
        wanted = math.ceil(len(posts) / IDS_PER_CALL)
        got = take_read_budget(
            session,
            channel_id=channel_id,
            calls=wanted,
            capacity=capacity,
            window_seconds=window_seconds,
            now=now,
        )
        granted_calls[channel_id] = (got, window_seconds)
        for group in list(posts.values())[: got * IDS_PER_CALL]:
            kept.extend(group)
    won: set[int] = set()
    if kept:
        won = set(
            session.scalars(
                update(MetricSnapshot)
                .where(MetricSnapshot.id.in_([row.id for row in kept]), _claimable(now))
                .values(claimed_by=worker_id, lease_until=now + timedelta(seconds=lease_seconds))
                .returning(MetricSnapshot.id)
                .execution_options(synchronize_session=False)
            )
        )
    batches: dict[int, SnapshotBatch] = {}
    for row in kept:
        if row.id not in won:
            continue
        batch = batches.setdefault(row.channel_id, SnapshotBatch(row.channel_id, row.kind))
        batch.snapshots.append(
            ClaimedSnapshot(
                id=row.id,
                publication_id=row.publication_id,
                point=row.point,
                due_at=row.due_at,
                attempts=row.attempts,
                platform_id=row.platform_id,
                published_at=row.published_at,
            )
        )
    for channel_id, (got, window_seconds) in granted_calls.items():
        batch = batches.get(channel_id)
        posts_won = len({s.platform_id for s in batch.snapshots}) if batch else 0
        give_back_read_budget(
            session,
            channel_id=channel_id,
            calls=got - math.ceil(posts_won / IDS_PER_CALL),
            window_seconds=window_seconds,
            now=now,
        )
    session.flush()
    return [batches[channel_id] for channel_id in sorted(batches)]


def count_due_snapshots(session: Session, *, now: datetime) -> int:
    """Planned snapshots whose instant has come (for /metrics): normally a pass's worth; a
    growing number means an outage, a spent read budget or no worker running."""
    return (
        session.scalar(
            select(func.count())
            .select_from(MetricSnapshot)
            .where(
                MetricSnapshot.status == SnapshotStatus.PLANNED, MetricSnapshot.not_before <= now
            )
        )
        or 0
    )


def next_due_at(session: Session) -> datetime | None:
    """The earliest instant a planned snapshot may be claimed (the collector sleeps until then)."""
    return session.scalar(
        select(func.min(MetricSnapshot.not_before)).where(
            MetricSnapshot.status == SnapshotStatus.PLANNED
        )
    )


# -- recording ---------------------------------------------------------------------------------------


_MEASURES = ("reach", "reactions", "redistribution", "conversation", "saves", "engagements", "raw")


def _measure_params(reading: Reading) -> dict[str, Any]:
    """A reading's columns as executemany parameters (named apart from the columns: SQLAlchemy
    reserves a column's own name in an UPDATE's SET clause)."""
    return {f"v_{name}": value for name, value in reading.as_columns().items()}


def _measure_values() -> dict[str, Any]:
    return {name: bindparam(f"v_{name}") for name in _MEASURES}


_SNAPSHOT_TAKEN = (
    update(MetricSnapshot.__table__)
    .where(
        MetricSnapshot.__table__.c.id == bindparam("snapshot_id"),
        MetricSnapshot.__table__.c.status == SnapshotStatus.PLANNED,
        MetricSnapshot.__table__.c.claimed_by == bindparam("worker_id"),
    )
    .values(
        status=SnapshotStatus.TAKEN,
        taken_at=bindparam("v_taken_at"),
        late_seconds=bindparam("v_late_seconds"),
        lease_until=None,
        last_error="",
        **_measure_values(),
    )
)

_LAST_POINT = rules.POINTS[-1][0]


def _rollup_values(reading: Reading, now: datetime) -> dict[str, Any]:
    return {"v_measured_at": now, **_measure_params(reading)}


def record_readings(
    session: Session,
    *,
    snapshots: Sequence[ClaimedSnapshot],
    results: Mapping[str, Reading | Gone],
    worker_id: str,
    now: datetime,
) -> tuple[int, int]:
    """Record what the platform said about claimed snapshots, all at instant ``now``.

    A ``Reading`` takes the snapshot (with how late: ``rules.lateness``) and becomes the
    rollup's latest numbers; ``Gone`` marks the publication deleted and skips its remaining
    snapshots. A post the answer left out stays planned and is asked again after a short
    backoff. A snapshot whose claim this worker lost is left alone. Returns (taken, gone).
    """
    taken_rows = []
    rollups: dict[int, dict[str, Any]] = {}
    gone: dict[int, str] = {}
    missing = []
    for snapshot in snapshots:
        result = results.get(snapshot.platform_id or "")
        if isinstance(result, Gone):
            gone[snapshot.publication_id] = result.reason
        elif isinstance(result, Reading):
            taken_rows.append(
                {
                    "snapshot_id": snapshot.id,
                    "worker_id": worker_id,
                    "v_taken_at": now,
                    "v_late_seconds": rules.lateness(snapshot.due_at, now),
                    **_measure_params(result),
                }
            )
            rollups[snapshot.publication_id] = {
                **_rollup_values(result, now),
                "last": snapshot.point == _LAST_POINT,
            }
        else:
            missing.append(snapshot)
    if taken_rows:
        session.execute(
            _SNAPSHOT_TAKEN, taken_rows, execution_options={"synchronize_session": False}
        )
    if rollups:
        _update_rollups(session, rollups)
    if gone:
        _mark_gone(session, gone, now=now)
    # A post the answer left out (neither data nor an error) is asked again later and later,
    # as after an outage: never every minute for ever, spending the read budget.
    by_attempts: dict[int, list] = {}
    for snapshot in missing:
        by_attempts.setdefault(snapshot.attempts, []).append(snapshot)
    for attempts, snapshots in by_attempts.items():
        _push_back(
            session,
            snapshots,
            worker_id=worker_id,
            not_before=now + backoff_after(attempts + 1),
            error="the platform's answer did not mention this post",
            count_attempt=True,
        )
    session.flush()
    return len(taken_rows), len(gone)


def _update_rollups(session: Session, rollups: dict[int, dict[str, Any]]) -> None:
    table = PublicationMetrics.__table__
    statement = (
        update(table)
        .where(
            table.c.publication_id == bindparam("key"),
            table.c.status != TrackingStatus.DELETED,
            or_(table.c.measured_at.is_(None), table.c.measured_at <= bindparam("v_measured_at")),
        )
        .values(measured_at=bindparam("v_measured_at"), **_measure_values())
    )
    rows = [
        {"key": key, **{name: value for name, value in values.items() if name != "last"}}
        for key, values in rollups.items()
    ]
    session.execute(statement, rows, execution_options={"synchronize_session": False})
    done = [key for key, values in rollups.items() if values["last"]]
    if done:
        session.execute(
            update(table)
            .where(table.c.publication_id.in_(done), table.c.status == TrackingStatus.TRACKING)
            .values(status=TrackingStatus.DONE)
            .execution_options(synchronize_session=False)
        )


def _mark_gone(session: Session, gone: dict[int, str], *, now: datetime) -> None:
    table = PublicationMetrics.__table__
    session.execute(
        update(table)
        .where(table.c.publication_id == bindparam("key"), table.c.status != TrackingStatus.DELETED)
        .values(status=TrackingStatus.DELETED, gone_reason=bindparam("v_reason"), gone_at=now),
        [{"key": key, "v_reason": reason[:500]} for key, reason in gone.items()],
        execution_options={"synchronize_session": False},
    )
    session.execute(
        update(MetricSnapshot)
        .where(
            MetricSnapshot.publication_id.in_(list(gone)),
            MetricSnapshot.status == SnapshotStatus.PLANNED,
        )
        .values(
            status=SnapshotStatus.SKIPPED,
            skipped_reason=SKIPPED_DELETED,
            claimed_by=None,
            lease_until=None,
        )
        .execution_options(synchronize_session=False)
    )


def _push_back(
    session: Session,
    snapshots: Sequence[ClaimedSnapshot],
    *,
    worker_id: str,
    not_before: datetime,
    error: str,
    count_attempt: bool,
) -> None:
    values: dict[str, Any] = {
        "not_before": not_before,
        "claimed_by": None,
        "lease_until": None,
        "last_error": error[:2000],
    }
    if count_attempt:
        values["attempts"] = MetricSnapshot.attempts + 1
    session.execute(
        update(MetricSnapshot)
        .where(
            MetricSnapshot.id.in_([snapshot.id for snapshot in snapshots]),
            MetricSnapshot.status == SnapshotStatus.PLANNED,
            MetricSnapshot.claimed_by == worker_id,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def backoff_after(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed read: 1 min, 2, 4, ... at most 6 hours."""
    doublings = min(max(attempts - 1, 0), 20)  # 2**20 minutes is far past the cap already
    return min(BACKOFF_BASE * 2**doublings, BACKOFF_MAX)


def record_read_failure(
    session: Session,
    *,
    channel_id: int,
    snapshots: Sequence[ClaimedSnapshot],
    error: PlatformError,
    worker_id: str,
    now: datetime,
    budgets: Mapping[str, tuple[int, int]] | None = None,
    channel_kind: str = ChannelKind.X,
) -> datetime:
    """The platform did not answer a read: the snapshots stay planned and are tried again
    later (see the module docstring for how much later). Returns that instant."""
    if error.kind == ErrorKind.RATE_LIMITED:
        retry_at = max(error.retry_at or now + RATE_LIMIT_DEFAULT, now)
        budget = read_budget(channel_kind, budgets)
        if budget is not None:
            spend_read_budget(
                session,
                channel_id=channel_id,
                window_seconds=budget[1],
                capacity=budget[0],
                now=now,
            )
        _push_back(
            session,
            snapshots,
            worker_id=worker_id,
            not_before=retry_at,
            error=error.message,
            count_attempt=False,
        )
    elif error.kind == ErrorKind.AUTH:
        retry_at = now + AUTH_BACKOFF
        _push_back(
            session,
            snapshots,
            worker_id=worker_id,
            not_before=retry_at,
            error=error.message,
            count_attempt=True,
        )
    else:
        attempts = max((snapshot.attempts for snapshot in snapshots), default=0) + 1
        retry_at = now + backoff_after(attempts)
        _push_back(
            session,
            snapshots,
            worker_id=worker_id,
            not_before=retry_at,
            error=error.message,
            count_attempt=True,
        )
    session.flush()
    return retry_at


def current_rollup_readings(
    session: Session, snapshots: Sequence[ClaimedSnapshot]
) -> dict[str, Reading]:
    """What the rollups hold now, by platform id: a Telegram snapshot's figures (the counts the
    reaction poller recorded so far; reactions only, the Bot API gives nothing else)."""
    ids = {snapshot.publication_id for snapshot in snapshots}
    rows = session.execute(
        select(PublicationMetrics.reactions, PublicationMetrics.raw, Publication.platform_id)
        .join(Publication, Publication.id == PublicationMetrics.publication_id)
        .where(PublicationMetrics.publication_id.in_(ids))
    ).all()
    return {
        row.platform_id or "": rules.telegram_reading(dict((row.raw or {}).get("reactions") or {}))
        if row.reactions is not None
        else Reading(raw={"reactions": None})
        for row in rows
    }


# -- Telegram reactions ------------------------------------------------------------------------------


def record_reaction_counts(
    session: Session,
    *,
    chat_id: int,
    chat_username: str | None,
    message_id: int,
    reactions: Mapping[str, int],
    now: datetime,
) -> int:
    """Store the reaction counts Telegram pushed for one channel post (a
    ``message_reaction_count`` update) on its rollup, planning the publication first if the
    collector has not yet. Returns how many publications were updated (0: not one of ours).

    The chat is matched against Telegram channels whose handle is its id (``-100...``) or its
    ``@username``; the post against the publication's ``platform_id`` (the message id).
    """
    handles = [str(chat_id)]
    if chat_username:
        handles.append("@" + chat_username.lower())
    publication_ids = list(
        session.scalars(
            select(Publication.id)
            .join(Channel, Channel.id == Publication.channel_id)
            .where(
                Channel.kind == ChannelKind.TELEGRAM,
                func.lower(Channel.handle).in_(handles),
                Publication.platform_id == str(message_id),
                Publication.status == PublicationStatus.PUBLISHED,
            )
        )
    )
    if not publication_ids:
        return 0
    plan_snapshots(session, now=now, publication_ids=publication_ids)
    reading = rules.telegram_reading(reactions)
    table = PublicationMetrics.__table__
    result = session.execute(
        update(table)
        .where(
            table.c.publication_id.in_(publication_ids),
            table.c.status != TrackingStatus.DELETED,
        )
        .values(measured_at=now, **reading.as_columns())
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return result.rowcount or 0


def reaction_counts(update_json: Mapping[str, Any]) -> dict[str, int]:
    """``{"👍": 3, "custom:<id>": 1, "paid": 2}`` from a ``message_reaction_count`` update's
    ``reactions`` list (ReactionCount objects)."""
    counts: dict[str, int] = {}
    for item in update_json.get("reactions") or []:
        kind = item.get("type") or {}
        if kind.get("type") == "emoji":
            key = str(kind.get("emoji"))
        elif kind.get("type") == "custom_emoji":
            key = "custom:" + str(kind.get("custom_emoji_id"))
        else:
            key = str(kind.get("type") or "other")
        counts[key] = counts.get(key, 0) + int(item.get("total_count") or 0)
    return counts


def telegram_bot_tokens(session: Session, *, secret: str) -> set[str]:
    """The bot tokens of Herald's Telegram channels (one reaction poller each). A channel
    whose credentials this server cannot decrypt is left out (its health panel says so)."""
    tokens = set()
    channels = session.scalars(select(Channel).where(Channel.kind == ChannelKind.TELEGRAM))
    for channel in channels:
        try:
            token = channel_credentials(channel, secret=secret).get("bot_token")
        except Invalid:
            continue
        if token:
            tokens.add(token)
    return tokens


def record_reaction_update(
    session: Session, update_json: Mapping[str, Any], *, now: datetime
) -> int:
    """``record_reaction_counts`` for a ``message_reaction_count`` update as Telegram sends
    it (a JSON object: chat, message_id, reactions)."""
    chat = update_json.get("chat") or {}
    return record_reaction_counts(
        session,
        chat_id=int(chat.get("id") or 0),
        chat_username=chat.get("username"),
        message_id=int(update_json.get("message_id") or 0),
        reactions=reaction_counts(update_json),
        now=now,
    )
