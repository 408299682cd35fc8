"""Planning: every published publication gets its rollup row and its series of snapshots, once.

The rollup row (``PublicationMetrics``) is also the mark that a publication is planned, so the
work left is "published publications without a rollup row": one indexed anti-join. Planning
takes them in chunks, writes the rollups and their seven snapshots (``rules.plan``) with two
batched INSERTs (SQLAlchemy's "insertmanyvalues": many rows per statement), so a backlog of 100,000 publications costs a few hundred
statements, not a million. Both INSERTs skip rows that already exist (``ON CONFLICT DO
NOTHING`` on the rollup's key and on ``(publication_id, point)``), and only publications whose
rollup this call created get snapshots: two planners running at once plan each point once.

Publications that are not published (scheduled, failed, dead, held, cancelled) get nothing; a
publication that stops being published later, or whose post the platform says is gone, has its
remaining snapshots skipped by the collector (``collection``), never taken.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Interval, String, cast, column, literal, select, true, values
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from campaigns.leases import is_postgres
from campaigns.metrics import rules
from campaigns.metrics.models import MetricSnapshot, PublicationMetrics
from campaigns.metrics.rules import SnapshotStatus, TrackingStatus
from campaigns.social.models import (
    Channel,
    ChannelKind,
    Post,
    PostVariant,
    Publication,
    PublicationStatus,
)

# Publications planned per chunk (one transaction's worth of rows, a few statements).
PLAN_CHUNK = 5_000


def dialect_insert(session: Session) -> Any:
    """The INSERT construct with ``ON CONFLICT`` of the session's database."""
    return postgresql.insert if is_postgres(session) else sqlite.insert


def _unplanned(session: Session, *, limit: int, publication_ids: Sequence[int] | None) -> list[Any]:
    statement = _unplanned_statement(limit=limit, publication_ids=publication_ids)
    return list(session.execute(statement).all())


def _unplanned_statement(*, limit: int, publication_ids: Sequence[int] | None) -> Any:
    planned = select(PublicationMetrics.publication_id).where(
        PublicationMetrics.publication_id == Publication.id
    )
    statement = (
        select(
            Publication.id,
            Publication.post_id,
            Publication.channel_id,
            Publication.audience_country,
            Publication.scheduled_at,
            Publication.published_at,
            Post.campaign_id,
            Channel.owner_unit_id,
            Channel.kind,
            PostVariant.language,
        )
        .join(Post, Post.id == Publication.post_id)
        .join(Channel, Channel.id == Publication.channel_id)
        .join(PostVariant, PostVariant.id == Publication.variant_id)
        .where(
            Publication.status == PublicationStatus.PUBLISHED,
            Publication.published_at.is_not(None),
            ~planned.exists(),
        )
        .order_by(Publication.id)
        .limit(limit)
    )
    if publication_ids is not None:
        statement = statement.where(Publication.id.in_(list(publication_ids)))
    return statement


def plan_snapshots(
    session: Session,
    *,
    now: datetime,
    limit: int = 50_000,
    publication_ids: Sequence[int] | None = None,
) -> int:
    """Create the rollup row and the snapshots of every published publication that has none
    yet (at most ``limit`` publications per call; ``publication_ids`` narrows it to those).

    Returns how many publications were planned. Raises nothing: a publication planned meanwhile
    by another worker is passed over. Snapshots already past their instant (a backlog, a
    publication recorded late) are due at once and will say how late they were taken.
    """
    planned = 0
    while planned < limit:
        chunk = min(PLAN_CHUNK, limit - planned)
        if is_postgres(session):
            created = _plan_chunk_in_sql(session, limit=chunk, publication_ids=publication_ids)
        else:
            rows = _unplanned(session, limit=chunk, publication_ids=publication_ids)
            created = _plan_chunk(session, rows) if rows else 0
        planned += created
        if created < chunk:  # nothing more to plan (or another planner took the rest)
            break
    session.flush()
    return planned


def _plan_chunk_in_sql(
    session: Session, *, limit: int, publication_ids: Sequence[int] | None
) -> int:
    """PostgreSQL: the same chunk as two INSERT ... SELECT statements, no row through Python
    (interval arithmetic for the due instants): 2.5 times faster on a large backlog."""
    candidates = _unplanned_statement(limit=limit, publication_ids=publication_ids).subquery()
    table = PublicationMetrics.__table__
    columns = [
        "publication_id",
        "campaign_id",
        "post_id",
        "channel_id",
        "unit_id",
        "channel_kind",
        "language",
        "audience_country",
        "scheduled_at",
        "published_at",
        "on_time",
        "sandbox",
        "status",
        "gone_reason",
        "raw",
    ]
    source = select(
        candidates.c.id,
        candidates.c.campaign_id,
        candidates.c.post_id,
        candidates.c.channel_id,
        candidates.c.owner_unit_id,
        candidates.c.kind,
        candidates.c.language,
        candidates.c.audience_country,
        candidates.c.scheduled_at,
        candidates.c.published_at,
        (candidates.c.published_at - candidates.c.scheduled_at)
        <= literal(rules.ON_TIME_TOLERANCE, Interval()),
        candidates.c.kind == ChannelKind.SANDBOX.value,
        literal(TrackingStatus.TRACKING.value),
        literal(""),
        cast(literal("{}"), JSON),
    )
    created = list(
        session.scalars(
            postgresql.insert(table)
            .from_select(columns, source)
            .on_conflict_do_nothing(index_elements=[table.c.publication_id])
            .returning(table.c.publication_id)
        )
    )
    if not created:
        return 0
    points = values(column("point", String), column("delay", Interval()), name="points").data(
        [(name, delay) for name, delay in rules.POINTS]
    )
    snapshot_table = MetricSnapshot.__table__
    due_at = table.c.published_at + points.c.delay
    session.execute(
        postgresql.insert(snapshot_table)
        .from_select(
            [
                "publication_id",
                "campaign_id",
                "channel_id",
                "point",
                "due_at",
                "not_before",
                "status",
                "attempts",
                "skipped_reason",
                "last_error",
                "raw",
            ],
            select(
                table.c.publication_id,
                table.c.campaign_id,
                table.c.channel_id,
                points.c.point,
                due_at,
                due_at,
                literal(SnapshotStatus.PLANNED.value),
                literal(0),
                literal(""),
                literal(""),
                cast(literal("{}"), JSON),
            )
            .select_from(table)
            .join(points, true())
            .where(table.c.publication_id.in_(created)),
        )
        .on_conflict_do_nothing(
            index_elements=[snapshot_table.c.publication_id, snapshot_table.c.point]
        )
    )
    return len(created)


def _plan_chunk(session: Session, rows: list[Any]) -> int:
    insert = dialect_insert(session)
    rollups = [
        {
            "publication_id": row.id,
            "campaign_id": row.campaign_id,
            "post_id": row.post_id,
            "channel_id": row.channel_id,
            "unit_id": row.owner_unit_id,
            "channel_kind": row.kind,
            "language": row.language,
            "audience_country": row.audience_country,
            "scheduled_at": row.scheduled_at,
            "published_at": row.published_at,
            "on_time": row.published_at - row.scheduled_at <= rules.ON_TIME_TOLERANCE,
            "sandbox": row.kind == ChannelKind.SANDBOX,
            "status": TrackingStatus.TRACKING,
            "gone_reason": "",
            "raw": {},
        }
        for row in rows
    ]
    # executemany ("insertmanyvalues": a few multi-row statements, compiled once and cached)
    table = PublicationMetrics.__table__
    created = set(
        session.scalars(
            insert(table)
            .on_conflict_do_nothing(index_elements=[table.c.publication_id])
            .returning(table.c.publication_id),
            rollups,
        )
    )
    snapshots = [
        {
            "publication_id": row.id,
            "campaign_id": row.campaign_id,
            "channel_id": row.channel_id,
            "point": point,
            "due_at": due_at,
            "not_before": due_at,
            "status": SnapshotStatus.PLANNED,
            "attempts": 0,
            "skipped_reason": "",
            "last_error": "",
            "raw": {},
        }
        for row in rows
        if row.id in created
        for point, due_at in rules.plan(row.published_at)
    ]
    if snapshots:
        snapshot_table = MetricSnapshot.__table__
        session.execute(
            insert(snapshot_table).on_conflict_do_nothing(
                index_elements=[snapshot_table.c.publication_id, snapshot_table.c.point]
            ),
            snapshots,
        )
    return len(created)
