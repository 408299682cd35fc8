"""Annual plans: a unit's objectives, themes and activities for a year, their approved versions,
the links from an activity to the work that carries it out, and agreed leads where two units'
activities overlap."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaigns.calendar.models import Event
from campaigns.db import Base, UTCDateTime
from campaigns.i18n import N_
from campaigns.metrics.models import Criterion
from campaigns.org.models import Person, Unit
from campaigns.press.models import Trip
from campaigns.social.models import Campaign, Post


class PlanStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    RETURNED = "returned"


PLAN_STATUS_TITLES = {
    PlanStatus.DRAFT: N_("draft"),
    PlanStatus.SUBMITTED: N_("submitted for approval"),
    PlanStatus.APPROVED: N_("approved"),
    PlanStatus.RETURNED: N_("returned for changes"),
}

# What an activity is: two units' activities of one kind, country and theme in overlapping
# windows overlap.
ACTIVITY_KINDS = {
    "photo_exhibition": N_("Photo exhibition"),
    "press_trip": N_("Press trip for foreign journalists"),
    "conference": N_("Conference or seminar"),
    "cultural_event": N_("Cultural event or festival"),
    "social_campaign": N_("Social media campaign"),
    "publication": N_("Publication or documentary"),
    "media_cooperation": N_("Cooperation with foreign media"),
    "other": N_("Other activity"),
}

# The key messages every unit chooses from, so that two units' themes can be compared.
THEMES = {
    "friendship": N_("Friendship and bilateral relations"),
    "anniversary": N_("Anniversaries of diplomatic relations"),
    "economy": N_("Economy, trade and investment"),
    "culture": N_("Culture, heritage and tourism"),
    "sovereignty": N_("Sovereignty over seas and islands"),
    "human_rights": N_("Human rights and social achievements"),
    "community": N_("Overseas Vietnamese community"),
    "national_image": N_("Viet Nam's image and development"),
}


class ActivityStatus(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"
    NOT_REPORTED = "not_reported"  # its window has begun and nothing in Herald says how it went


ACTIVITY_STATUS_TITLES = {
    ActivityStatus.PLANNED: N_("planned"),
    ActivityStatus.IN_PROGRESS: N_("in progress"),
    ActivityStatus.DONE: N_("done"),
    ActivityStatus.CANCELLED: N_("cancelled"),
    ActivityStatus.NOT_REPORTED: N_("not reported"),
}
# What a person may set by hand (``not reported`` is only ever computed).
HAND_STATUSES = (
    ActivityStatus.PLANNED,
    ActivityStatus.IN_PROGRESS,
    ActivityStatus.DONE,
    ActivityStatus.CANCELLED,
)

# Indicators: counted from the activity's linked work where Herald holds the data (the first
# two are campaign KPIs of the same name), by hand otherwise.
INDICATOR_MEASURES = {
    "posts": N_("Posts published"),
    "coverage_articles": N_("Press coverage articles"),
    "trips_held": N_("Press trips held"),
    "events_held": N_("Events held"),
    "manual": N_("Counted by hand"),
}
COUNTED_MEASURES = frozenset({"posts", "coverage_articles", "trips_held", "events_held"})


activity_supporting_units = Table(
    "plan_activity_units",
    Base.metadata,
    Column("activity_id", ForeignKey("plan_activities.id", ondelete="CASCADE"), primary_key=True),
    Column("unit_id", ForeignKey("units.id"), primary_key=True),
)


class AnnualPlan(Base):
    """One unit's external-information plan for one year."""

    __tablename__ = "annual_plans"
    __audit_type__ = "annual_plan"
    __table_args__ = (UniqueConstraint("unit_id", "year", name="uq_annual_plans_unit_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    objectives: Mapped[str] = mapped_column(Text, default="")
    key_messages: Mapped[str] = mapped_column(Text, default="")
    themes: Mapped[list[str]] = mapped_column(JSON, default=list)
    target_countries: Mapped[list[str]] = mapped_column(JSON, default=list)
    target_audiences: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12), default=PlanStatus.DRAFT)
    # The version being written or reviewed; every approved one is kept in ``versions``.
    version: Mapped[int] = mapped_column(Integer, default=1)
    review_comment: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    submitted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL")
    )
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    unit: Mapped[Unit] = relationship()
    submitted_by: Mapped[Person | None] = relationship(foreign_keys=[submitted_by_id])
    reviewed_by: Mapped[Person | None] = relationship(foreign_keys=[reviewed_by_id])
    activities: Mapped[list[PlanActivity]] = relationship(
        back_populates="plan",
        cascade="all, delete-orphan",
        order_by="(PlanActivity.starts_on, PlanActivity.id)",
    )
    versions: Mapped[list[PlanVersion]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="PlanVersion.number"
    )

    @property
    def name(self) -> str:
        return f"{self.title} ({self.year})"


class PlanActivity(Base):
    """One activity of a plan: what, where, for whom, when, led by whom, at what cost."""

    __tablename__ = "plan_activities"
    __audit_type__ = "plan_activity"
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="window"),
        CheckConstraint("budget_planned >= 0 AND budget_spent >= 0", name="budget"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(
        ForeignKey("annual_plans.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(30))
    country: Mapped[str] = mapped_column(String(2))
    theme: Mapped[str] = mapped_column(String(30))
    audience: Mapped[str] = mapped_column(String(300), default="")
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)  # inclusive
    lead_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    # Whole đồng: VND has no minor unit.
    budget_planned: Mapped[int] = mapped_column(BigInteger, default=0)
    budget_spent: Mapped[int] = mapped_column(BigInteger, default=0)
    # None: the status comes from Herald's data (``plan_queries.activity_progress``).
    status_by_hand: Mapped[str | None] = mapped_column(String(12))
    progress_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    plan: Mapped[AnnualPlan] = relationship(back_populates="activities")
    lead_unit: Mapped[Unit] = relationship()
    supporting_units: Mapped[list[Unit]] = relationship(
        secondary=activity_supporting_units, order_by="Unit.code"
    )
    links: Mapped[list[ActivityLink]] = relationship(
        back_populates="activity", cascade="all, delete-orphan", order_by="ActivityLink.id"
    )
    indicators: Mapped[list[ActivityIndicator]] = relationship(
        back_populates="activity", cascade="all, delete-orphan", order_by="ActivityIndicator.id"
    )

    @property
    def unit(self) -> Unit:
        return self.plan.unit


class ActivityLink(Base):
    """The activity is carried out (in part) by this event, campaign, trip or post."""

    __tablename__ = "plan_activity_links"
    __audit_type__ = "plan_activity_link"
    __table_args__ = (
        CheckConstraint(
            "(CASE WHEN event_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN campaign_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN trip_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN post_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="one_target",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("plan_activities.id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("social_campaigns.id", ondelete="CASCADE")
    )
    trip_id: Mapped[int | None] = mapped_column(ForeignKey("press_trips.id", ondelete="CASCADE"))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("social_posts.id", ondelete="CASCADE"))

    activity: Mapped[PlanActivity] = relationship(back_populates="links")
    # The targets' own models, imported above: mapped whatever a process imports first.
    event: Mapped[Event | None] = relationship(Event)
    campaign: Mapped[Campaign | None] = relationship(Campaign)
    trip: Mapped[Trip | None] = relationship(Trip)
    post: Mapped[Post | None] = relationship(Post)

    @property
    def kind(self) -> str:
        for kind in ("event", "campaign", "trip", "post"):
            if getattr(self, f"{kind}_id") is not None:
                return kind
        return ""

    @property
    def target_id(self) -> int:
        return getattr(self, f"{self.kind}_id")

    @property
    def name(self) -> str:
        return f"{self.kind} {self.target_id} of activity {self.activity_id}"


class ActivityIndicator(Base):
    """What the activity should achieve, counted from its linked work or by hand, and the
    effectiveness criterion it feeds, if any."""

    __tablename__ = "plan_indicators"
    __audit_type__ = "plan_indicator"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("plan_activities.id", ondelete="CASCADE"), index=True
    )
    measure: Mapped[str] = mapped_column(String(30))
    label: Mapped[str] = mapped_column(String(200), default="")
    target: Mapped[int | None] = mapped_column(BigInteger)
    achieved_by_hand: Mapped[int | None] = mapped_column(BigInteger)
    criterion_id: Mapped[int | None] = mapped_column(
        ForeignKey("metric_criteria.id", ondelete="SET NULL")
    )

    activity: Mapped[PlanActivity] = relationship(back_populates="indicators")
    criterion: Mapped[Criterion | None] = relationship(Criterion)


class PlanVersion(Base):
    """A plan as it was approved: the record that later changes are compared with."""

    __tablename__ = "plan_versions"
    __table_args__ = (UniqueConstraint("plan_id", "number", name="uq_plan_versions_plan_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("annual_plans.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    approved_at: Mapped[datetime] = mapped_column(UTCDateTime())
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)

    plan: Mapped[AnnualPlan] = relationship(back_populates="versions")
    approved_by: Mapped[Person | None] = relationship()


class OverlapAgreement(Base):
    """Two overlapping activities of two units, and the unit the two agreed should lead."""

    __tablename__ = "plan_overlap_agreements"
    __audit_type__ = "plan_overlap_agreement"
    __table_args__ = (
        UniqueConstraint("first_activity_id", "second_activity_id", name="uq_plan_overlap_pair"),
        CheckConstraint("first_activity_id < second_activity_id", name="ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    first_activity_id: Mapped[int] = mapped_column(
        ForeignKey("plan_activities.id", ondelete="CASCADE")
    )
    second_activity_id: Mapped[int] = mapped_column(
        ForeignKey("plan_activities.id", ondelete="CASCADE"), index=True
    )
    lead_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    agreed_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    agreed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    note: Mapped[str] = mapped_column(Text, default="")

    lead_unit: Mapped[Unit] = relationship()
    agreed_by: Mapped[Person | None] = relationship()

    @property
    def name(self) -> str:
        return f"overlap {self.first_activity_id}/{self.second_activity_id}"
