"""The political calendar: events, anniversaries, the planning tasks they cause, settings."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaigns.db import Base, UTCDateTime
from campaigns.org.models import Person, Unit


class EventKind(StrEnum):
    POLITICAL = "political"
    DIPLOMATIC = "diplomatic"
    ANNIVERSARY = "anniversary"
    CONFERENCE = "conference"
    CULTURAL = "cultural"
    DEADLINE = "deadline"
    OTHER = "other"


class Priority(StrEnum):
    NATIONAL = "national"
    HIGH = "high"
    NORMAL = "normal"


class Visibility(StrEnum):
    PUBLIC = "public"
    INTERNAL = "internal"
    RESTRICTED = "restricted"


class EventStatus(StrEnum):
    PLANNED = "planned"
    CONFIRMED = "confirmed"
    POSTPONED = "postponed"
    CANCELLED = "cancelled"


class AnniversaryCategory(StrEnum):
    DIPLOMATIC_RELATIONS = "diplomatic_relations"
    NATIONAL = "national"
    HISTORICAL = "historical"
    FOUNDING = "founding"
    OTHER = "other"


class Tier(StrEnum):
    MAJOR = "major"
    ROUND = "round"
    REGULAR = "regular"


event_participants = Table(
    "event_participants",
    Base.metadata,
    Column("event_id", ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
    Column("unit_id", ForeignKey("units.id"), primary_key=True),
)

# For visibility "restricted": the units (besides the owner) whose people may see the event.
event_audience = Table(
    "event_audience",
    Base.metadata,
    Column("event_id", ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
    Column("unit_id", ForeignKey("units.id"), primary_key=True),
)


class Event(Base):
    """Something on the calendar: timed (instants + IANA zone) or all-day (dates, inclusive)."""

    __tablename__ = "events"
    __audit_type__ = "event"
    __table_args__ = (
        Index("ix_events_starts_at", "starts_at"),
        Index("ix_events_start_date", "start_date"),
        # Calendar feeds read max(updated_at) before every answer, as their data version.
        Index("ix_events_updated_at", "updated_at"),
        UniqueConstraint("external_uid", "external_recurrence", name="uq_events_external"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The iCalendar UID: set once at creation, never changed.
    uid: Mapped[str] = mapped_column(String(255), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    # Other languages: {"en": {"title": "...", "description": "..."}, "fr": {...}}
    translations: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    kind: Mapped[str] = mapped_column(String(20))
    all_day: Mapped[bool] = mapped_column(Boolean, default=False)
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)  # inclusive, as people say it
    timezone: Mapped[str] = mapped_column(String(64))
    location: Mapped[str] = mapped_column(String(300), default="")
    partner_countries: Mapped[list[str]] = mapped_column(JSON, default=list)
    owner_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    priority: Mapped[str] = mapped_column(String(10), default=Priority.NORMAL)
    visibility: Mapped[str] = mapped_column(String(12), default=Visibility.INTERNAL)
    status: Mapped[str] = mapped_column(String(12), default=EventStatus.PLANNED)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    # iCalendar SEQUENCE: raised when time, place or status changes.
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    # Where an imported event came from, so a re-import updates instead of duplicating.
    external_uid: Mapped[str | None] = mapped_column(String(255))
    external_recurrence: Mapped[str | None] = mapped_column(String(40))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    owner_unit: Mapped[Unit] = relationship(foreign_keys=[owner_unit_id])
    participants: Mapped[list[Unit]] = relationship(secondary=event_participants)
    audience: Mapped[list[Unit]] = relationship(secondary=event_audience)
    created_by: Mapped[Person | None] = relationship()

    @property
    def unit(self) -> Unit:
        """The unit that owns the event (what unit-scoped permissions look at)."""
        return self.owner_unit

    def title_in(self, locale: str) -> str:
        return (self.translations or {}).get(locale, {}).get("title") or self.title

    def __repr__(self) -> str:
        return f"<Event {self.id} {self.title!r}>"


class Anniversary(Base):
    """A date that comes back every year: solar (origin date) or Vietnamese lunar (month/day)."""

    __tablename__ = "anniversaries"
    __audit_type__ = "anniversary"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(255), unique=True)
    # Stable key of a row from Herald's shipped dataset, so loading it twice changes nothing.
    dataset_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    title_vi: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300))
    category: Mapped[str] = mapped_column(String(30))
    origin_date: Mapped[date | None] = mapped_column(Date)
    lunar_month: Mapped[int | None] = mapped_column(SmallInteger)
    lunar_day: Mapped[int | None] = mapped_column(SmallInteger)
    # For lunar anniversaries whose first year is known (ordinals need it).
    origin_year: Mapped[int | None] = mapped_column(Integer)
    partner_country: Mapped[str | None] = mapped_column(String(2))
    owner_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    owner_unit: Mapped[Unit | None] = relationship()

    @property
    def unit(self) -> Unit | None:
        return self.owner_unit

    def title(self, locale: str) -> str:
        return self.title_vi if locale == "vi" else self.title_en

    def __repr__(self) -> str:
        return f"<Anniversary {self.id} {self.title_en!r}>"


class PlanningTask(Base):
    """'Prepare the 30th anniversary of ...': created once when an occurrence enters its lead time."""

    __tablename__ = "planning_tasks"
    __audit_type__ = "planning_task"
    __table_args__ = (
        UniqueConstraint("anniversary_id", "occurrence_date", name="uq_planning_tasks_occurrence"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    anniversary_id: Mapped[int] = mapped_column(ForeignKey("anniversaries.id"), index=True)
    occurrence_date: Mapped[date] = mapped_column(Date)
    years: Mapped[int | None] = mapped_column(Integer)
    tier: Mapped[str] = mapped_column(String(10))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    title_vi: Mapped[str] = mapped_column(String(400))
    title_en: Mapped[str] = mapped_column(String(400))
    status: Mapped[str] = mapped_column(String(10), default="open")  # open | done
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))

    anniversary: Mapped[Anniversary] = relationship()
    unit: Mapped[Unit | None] = relationship()

    def title(self, locale: str) -> str:
        return self.title_vi if locale == "vi" else self.title_en


class QuietDay(Base):
    """Days the office marks as quiet (national mourning, sensitive dates): a publication
    scheduled on one warns, and is saved only once someone confirms it. For one unit's channels,
    or, without a unit, for every channel; its days are read on the clock of ``timezone``."""

    __tablename__ = "quiet_days"
    __audit_type__ = "quiet_day"

    id: Mapped[int] = mapped_column(primary_key=True)
    start_date: Mapped[date] = mapped_column(Date, index=True)
    end_date: Mapped[date] = mapped_column(Date)  # inclusive
    reason: Mapped[str] = mapped_column(Text)
    unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("units.id", ondelete="CASCADE"), index=True
    )
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Ho_Chi_Minh")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    unit: Mapped[Unit | None] = relationship()
    created_by: Mapped[Person | None] = relationship()

    @property
    def name(self) -> str:
        return self.reason

    def covers(self, day: date) -> bool:
        return self.start_date <= day <= self.end_date


class Setting(Base):
    """An admin-configurable value (e.g. lead times per tier), kept as JSON under a key."""

    __tablename__ = "settings"
    __audit_type__ = "setting"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    @property
    def name(self) -> str:
        return self.key
