"""Metric snapshots, the per-publication rollup, read budgets and effectiveness criteria."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaigns.db import Base, UTCDateTime
from campaigns.metrics.rules import SnapshotStatus, TrackingStatus
from campaigns.org.models import Person
from campaigns.social.models import Publication


class PublicationMetrics(Base):
    """One published publication as measurement sees it: where it belongs (denormalised so that
    dashboards group without joins), whether it went out on time, and its latest numbers.

    Its existence is also the mark that the publication's snapshots are planned. A number that
    the platform does not give stays NULL ("not available"), never 0.
    """

    __tablename__ = "metric_publications"
    __table_args__ = (
        Index("ix_metric_publications_campaign", "campaign_id", "published_at"),
        Index("ix_metric_publications_unit", "unit_id", "published_at"),
        Index("ix_metric_publications_published", "published_at"),
    )

    publication_id: Mapped[int] = mapped_column(
        ForeignKey("social_publications.id", ondelete="CASCADE"), primary_key=True
    )
    campaign_id: Mapped[int] = mapped_column(ForeignKey("social_campaigns.id", ondelete="CASCADE"))
    post_id: Mapped[int] = mapped_column(
        ForeignKey("social_posts.id", ondelete="CASCADE"), index=True
    )
    channel_id: Mapped[int] = mapped_column(
        ForeignKey("social_channels.id", ondelete="CASCADE"), index=True
    )
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))  # the channel's owner unit
    channel_kind: Mapped[str] = mapped_column(String(12))
    language: Mapped[str] = mapped_column(String(35))
    audience_country: Mapped[str | None] = mapped_column(String(2))
    scheduled_at: Mapped[datetime] = mapped_column(UTCDateTime())
    published_at: Mapped[datetime] = mapped_column(UTCDateTime())
    on_time: Mapped[bool] = mapped_column(Boolean)
    sandbox: Mapped[bool] = mapped_column(Boolean, default=False)  # figures are made up
    status: Mapped[str] = mapped_column(String(10), default=TrackingStatus.TRACKING)
    gone_reason: Mapped[str] = mapped_column(Text, default="")
    gone_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    measured_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reach: Mapped[int | None] = mapped_column(BigInteger)
    reactions: Mapped[int | None] = mapped_column(BigInteger)
    redistribution: Mapped[int | None] = mapped_column(BigInteger)
    conversation: Mapped[int | None] = mapped_column(BigInteger)
    saves: Mapped[int | None] = mapped_column(BigInteger)
    engagements: Mapped[int | None] = mapped_column(BigInteger)
    raw: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    publication: Mapped[Publication] = relationship()


class MetricSnapshot(Base):
    """One point of a publication's series (``rules.POINTS``): planned at publication, claimed
    by a worker under a lease, taken (with how late) or skipped."""

    __tablename__ = "metric_snapshots"
    __table_args__ = (
        UniqueConstraint("publication_id", "point", name="uq_metric_snapshots_point"),
        Index("ix_metric_snapshots_due", "status", "not_before"),
        Index("ix_metric_snapshots_lease", "status", "lease_until"),
        Index("ix_metric_snapshots_campaign_point", "campaign_id", "point", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    publication_id: Mapped[int] = mapped_column(
        ForeignKey("metric_publications.publication_id", ondelete="CASCADE")
    )
    campaign_id: Mapped[int] = mapped_column(ForeignKey("social_campaigns.id", ondelete="CASCADE"))
    channel_id: Mapped[int] = mapped_column(
        ForeignKey("social_channels.id", ondelete="CASCADE"), index=True
    )
    point: Mapped[str] = mapped_column(String(4))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Not claimed before this instant: due_at, pushed back after a platform failure.
    not_before: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(8), default=SnapshotStatus.PLANNED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(120))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    late_seconds: Mapped[int | None] = mapped_column(Integer)
    skipped_reason: Mapped[str] = mapped_column(String(40), default="")
    last_error: Mapped[str] = mapped_column(Text, default="")
    reach: Mapped[int | None] = mapped_column(BigInteger)
    reactions: Mapped[int | None] = mapped_column(BigInteger)
    redistribution: Mapped[int | None] = mapped_column(BigInteger)
    conversation: Mapped[int | None] = mapped_column(BigInteger)
    saves: Mapped[int | None] = mapped_column(BigInteger)
    engagements: Mapped[int | None] = mapped_column(BigInteger)
    raw: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    metrics: Mapped[PublicationMetrics] = relationship()


class MetricReadBudget(Base):
    """How many metric reads a channel has used in one window; shared by every worker, kept
    apart from the publishing budget so that measuring never delays a post."""

    __tablename__ = "metric_read_budgets"
    __table_args__ = (
        UniqueConstraint("channel_id", "window_start", name="uq_metric_read_budgets_window"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(
        ForeignKey("social_channels.id", ondelete="CASCADE"), index=True
    )
    window_start: Mapped[datetime] = mapped_column(UTCDateTime())
    window_end: Mapped[datetime] = mapped_column(UTCDateTime())
    capacity: Mapped[int] = mapped_column(Integer)
    used: Mapped[int] = mapped_column(Integer, default=0)


class CriteriaSet(Base):
    """An effectiveness criteria set (bộ tiêu chí đánh giá hiệu quả) for one period: weighted
    criteria, each computed from Herald's own data, that score every unit."""

    __tablename__ = "metric_criteria_sets"
    __audit_type__ = "criteria_set"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)  # inclusive
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    created_by: Mapped[Person | None] = relationship()
    criteria: Mapped[list[Criterion]] = relationship(
        back_populates="criteria_set",
        order_by="Criterion.position",
        cascade="all, delete-orphan",
    )


class Criterion(Base):
    """One weighted criterion of a set: a measure Herald computes (``scoring.MEASURES``), its
    weight in percent and the target that scores full marks."""

    __tablename__ = "metric_criteria"

    id: Mapped[int] = mapped_column(primary_key=True)
    set_id: Mapped[int] = mapped_column(
        ForeignKey("metric_criteria_sets.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    measure: Mapped[str] = mapped_column(String(40))
    weight: Mapped[int] = mapped_column(Integer)  # percent; a set's weights add up to 100
    target: Mapped[float | None] = mapped_column(Numeric(14, 4, asdecimal=False))

    criteria_set: Mapped[CriteriaSet] = relationship(back_populates="criteria")
