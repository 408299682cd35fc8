"""National online conferences (hội nghị trực tuyến): the connected sites (điểm cầu), their
readiness and attendance, and the programme of talks (tham luận) with its documents."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship

from campaigns.calendar.models import Event
from campaigns.db import Base, UTCDateTime
from campaigns.org.models import Person, Unit


class Conference(Base):
    """An event of kind conference run as a national online conference: the organiser is the
    event's owner unit; the sites report their readiness by ``readiness_due_at``."""

    __tablename__ = "conferences"
    __audit_type__ = "conference"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), unique=True)
    readiness_due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    event: Mapped[Event] = relationship()

    @property
    def unit(self) -> Unit:
        """The organiser unit (what unit-scoped permissions look at)."""
        return self.event.owner_unit

    @property
    def organiser_unit_id(self) -> int:
        return self.event.owner_unit_id

    @property
    def name(self) -> str:
        return self.event.title

    def site_unit_ids(self) -> frozenset[int]:
        """The units that host a site of this conference (read once per loaded object)."""
        cached = self.__dict__.get("_site_unit_ids")
        if cached is None:
            session = object_session(self)
            rows = (
                session.scalars(
                    select(ConferenceSite.unit_id).where(ConferenceSite.conference_id == self.id)
                )
                if session is not None
                else []
            )
            cached = frozenset(rows)
            self.__dict__["_site_unit_ids"] = cached
        return cached


class ConferenceSite(Base):
    """A connected site (điểm cầu): a unit taking part from its own room.

    Readiness is four checks; a site that never answered (``readiness_answered_at`` empty) is
    "no answer", not "not ready". On the day the site reports ``connected_at`` and its
    attendance; each report is one conditional UPDATE of this row, so concurrent reports of
    different sites never overwrite each other, and the totals are sums over the rows.
    """

    __tablename__ = "conference_sites"
    __audit_type__ = "conference_site"
    __table_args__ = (
        UniqueConstraint("conference_id", "unit_id", name="uq_conference_sites_unit"),
        Index("ix_conference_sites_conference", "conference_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(ForeignKey("conferences.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    is_central: Mapped[bool] = mapped_column(Boolean, default=False)
    chair_name: Mapped[str] = mapped_column(String(200), default="")
    chair_title: Mapped[str] = mapped_column(String(200), default="")
    technical_contact: Mapped[str] = mapped_column(String(300), default="")
    expected_attendance: Mapped[int] = mapped_column(Integer, default=0)
    timezone: Mapped[str] = mapped_column(String(64))
    room_ready: Mapped[bool] = mapped_column(Boolean, default=False)
    connection_tested: Mapped[bool] = mapped_column(Boolean, default=False)
    chair_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    documents_received: Mapped[bool] = mapped_column(Boolean, default=False)
    readiness_note: Mapped[str] = mapped_column(Text, default="")
    readiness_answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    connected_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attendance: Mapped[int | None] = mapped_column(Integer)
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    conference: Mapped[Conference] = relationship()
    unit: Mapped[Unit] = relationship()
    reported_by: Mapped[Person | None] = relationship()

    @property
    def name(self) -> str:
        return self.unit.name_en


class ConferenceTalk(Base):
    """One item of the programme: a speaker and their presentation (tham luận), with an
    optional document distributed to the sites (kept under the media root, named by digest)."""

    __tablename__ = "conference_talks"
    __audit_type__ = "conference_talk"

    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(
        ForeignKey("conferences.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    speaker_name: Mapped[str] = mapped_column(String(200))
    speaker_title: Mapped[str] = mapped_column(String(200), default="")
    title: Mapped[str] = mapped_column(String(300))
    minutes: Mapped[int | None] = mapped_column(Integer)
    document_path: Mapped[str | None] = mapped_column(String(300))
    document_name: Mapped[str] = mapped_column(String(255), default="")
    document_type: Mapped[str] = mapped_column(String(100), default="")
    document_size: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    conference: Mapped[Conference] = relationship()

    @property
    def name(self) -> str:
        return self.title
