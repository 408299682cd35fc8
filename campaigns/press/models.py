"""The foreign-press programme: outlets, journalists, press trips, itineraries and coverage."""

from __future__ import annotations

import secrets
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    Column,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaigns.calendar.models import Event
from campaigns.db import Base, UTCDateTime
from campaigns.org.models import Person, Unit

if TYPE_CHECKING:
    from campaigns.social.models import Campaign


class OutletKind(StrEnum):
    NEWSPAPER = "newspaper"
    AGENCY = "agency"
    TV = "tv"
    RADIO = "radio"
    ONLINE = "online"
    PODCAST = "podcast"


class TripStatus(StrEnum):
    DRAFT = "draft"
    PLANNED = "planned"
    INVITING = "inviting"
    CONFIRMED = "confirmed"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    COVERAGE_TRACKING = "coverage_tracking"
    CLOSED = "closed"
    POSTPONED = "postponed"
    CANCELLED = "cancelled"


class InvitationStatus(StrEnum):
    NOMINATED = "nominated"
    SHORTLISTED = "shortlisted"
    INVITED = "invited"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    NO_RESPONSE = "no_response"
    CONFIRMED = "confirmed"
    WITHDRAWN = "withdrawn"
    REPLACED = "replaced"


class VisaStatus(StrEnum):
    UNDECIDED = "undecided"
    NOT_NEEDED = "not_needed"
    LETTER_REQUESTED = "letter_requested"
    LETTER_ISSUED = "letter_issued"
    APPLIED = "applied"
    GRANTED = "granted"
    REFUSED = "refused"


class AccreditationStatus(StrEnum):
    NOT_REQUESTED = "not_requested"
    REQUESTED = "requested"
    GRANTED = "granted"
    REFUSED = "refused"


class ItemStatus(StrEnum):
    TENTATIVE = "tentative"
    CONFIRMED = "confirmed"
    DONE = "done"
    CANCELLED = "cancelled"


class InterviewStatus(StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    DECLINED = "declined"
    SCHEDULED = "scheduled"
    DONE = "done"


class Tone(StrEnum):
    POSITIVE = "positive"
    NEUTRAL = "neutral"
    NEGATIVE = "negative"


class CoverageStatus(StrEnum):
    EXPECTED = "expected"
    FOUND = "found"
    VERIFIED = "verified"


class Outlet(Base):
    """A newspaper, agency, broadcaster, site or podcast that journalists work for."""

    __tablename__ = "press_outlets"
    __audit_type__ = "outlet"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2))
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    kind: Mapped[str] = mapped_column(String(20))
    website: Mapped[str] = mapped_column(String(300), default="")
    # Readers, viewers or listeners per month, as best known.
    estimated_reach: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"<Outlet {self.id} {self.name!r}>"


class Journalist(Base):
    """A reporter the office works with. Personal data; can be exported and erased on request."""

    __tablename__ = "press_journalists"
    __audit_type__ = "journalist"

    id: Mapped[int] = mapped_column(primary_key=True)
    name_native: Mapped[str] = mapped_column(String(200), default="")
    name_latin: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2))
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    beats: Mapped[list[str]] = mapped_column(JSON, default=list)
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    press_card_number: Mapped[str] = mapped_column(String(60), default="")
    press_card_expires_on: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, default="")
    consent_basis: Mapped[str] = mapped_column(String(200), default="")
    consent_on: Mapped[date | None] = mapped_column(Date)
    # Set when the person asked to be forgotten: the row stays, anonymised, for statistics.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    affiliations: Mapped[list[Affiliation]] = relationship(
        back_populates="journalist", order_by="Affiliation.starts_on.desc()"
    )

    @property
    def name(self) -> str:
        return self.name_latin

    def display_name(self) -> str:
        if self.name_native and self.name_native != self.name_latin:
            return f"{self.name_latin} ({self.name_native})"
        return self.name_latin

    def current_outlets(self, today: date) -> list[Outlet]:
        return [
            affiliation.outlet
            for affiliation in self.affiliations
            if affiliation.starts_on <= today
            and (affiliation.ends_on is None or affiliation.ends_on >= today)
        ]

    def __repr__(self) -> str:
        return f"<Journalist {self.id} {self.name_latin!r}>"


class Affiliation(Base):
    """A journalist working for an outlet over a period (open-ended while it lasts)."""

    __tablename__ = "press_affiliations"
    __audit_type__ = "affiliation"

    id: Mapped[int] = mapped_column(primary_key=True)
    journalist_id: Mapped[int] = mapped_column(
        ForeignKey("press_journalists.id", ondelete="CASCADE"), index=True
    )
    outlet_id: Mapped[int] = mapped_column(ForeignKey("press_outlets.id"), index=True)
    role: Mapped[str] = mapped_column(String(100), default="")
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)

    journalist: Mapped[Journalist] = relationship(back_populates="affiliations")
    outlet: Mapped[Outlet] = relationship()

    @property
    def name(self) -> str:
        return f"{self.journalist.name_latin} @ {self.outlet.name}"


class IdentityDocument(Base):
    """Passport details and photo: restricted (admins and the trip's coordinators), and deleted
    a set number of days after the trip it was collected for."""

    __tablename__ = "press_identity_documents"
    __audit_type__ = "identity_document"
    # The audit log records that a document changed, never what it says.
    __audit_exclude__ = ("number", "photo", "photo_type", "nationality", "expires_on")

    id: Mapped[int] = mapped_column(primary_key=True)
    journalist_id: Mapped[int] = mapped_column(
        ForeignKey("press_journalists.id", ondelete="CASCADE"), index=True
    )
    trip_id: Mapped[int | None] = mapped_column(ForeignKey("press_trips.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="passport")
    number: Mapped[str] = mapped_column(String(60))
    nationality: Mapped[str] = mapped_column(String(2))
    expires_on: Mapped[date | None] = mapped_column(Date)
    photo: Mapped[bytes | None] = mapped_column(LargeBinary)
    photo_type: Mapped[str] = mapped_column(String(40), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    journalist: Mapped[Journalist] = relationship()
    trip: Mapped[Trip | None] = relationship()

    @property
    def name(self) -> str:
        return f"{self.kind} of journalist #{self.journalist_id}"


trip_events = Table(
    "press_trip_events",
    Base.metadata,
    Column("trip_id", ForeignKey("press_trips.id", ondelete="CASCADE"), primary_key=True),
    Column("event_id", ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
)

trip_missions = Table(
    "press_trip_missions",
    Base.metadata,
    Column("trip_id", ForeignKey("press_trips.id", ondelete="CASCADE"), primary_key=True),
    Column("unit_id", ForeignKey("units.id"), primary_key=True),
)

trip_coordinators = Table(
    "press_trip_coordinators",
    Base.metadata,
    Column("trip_id", ForeignKey("press_trips.id", ondelete="CASCADE"), primary_key=True),
    Column("person_id", ForeignKey("people.id"), primary_key=True),
)


class Trip(Base):
    """A press trip: foreign journalists invited to cover an event, with its itinerary."""

    __tablename__ = "press_trips"
    __audit_type__ = "trip"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)  # inclusive
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Ho_Chi_Minh")
    city: Mapped[str] = mapped_column(String(100), default="")
    host_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("social_campaigns.id", ondelete="SET NULL"), index=True
    )
    theme: Mapped[str] = mapped_column(Text, default="")
    key_messages: Mapped[list[str]] = mapped_column(JSON, default=list)
    budget_planned: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    budget_actual: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(3), default="VND")
    status: Mapped[str] = mapped_column(String(20), default=TripStatus.DRAFT)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    host_unit: Mapped[Unit] = relationship()
    campaign: Mapped[Campaign | None] = relationship()
    events: Mapped[list[Event]] = relationship(secondary=trip_events)
    nominating_missions: Mapped[list[Unit]] = relationship(secondary=trip_missions)
    coordinators: Mapped[list[Person]] = relationship(secondary=trip_coordinators)
    invitations: Mapped[list[Invitation]] = relationship(
        back_populates="trip", order_by="Invitation.id", foreign_keys="Invitation.trip_id"
    )
    items: Mapped[list[ItineraryItem]] = relationship(
        back_populates="trip", order_by="ItineraryItem.starts_at"
    )

    @property
    def unit(self) -> Unit:
        return self.host_unit

    def staff_ids(self) -> set[int]:
        """People assigned to the trip: its coordinators, escorts and interpreters."""
        ids = {person.id for person in self.coordinators}
        for item in self.items:
            ids.update(i for i in (item.escort_id, item.interpreter_id) if i is not None)
        return ids

    def __repr__(self) -> str:
        return f"<Trip {self.id} {self.title!r}>"


class Invitation(Base):
    """One journalist on one trip: nomination, invitation, visa case and logistics."""

    __tablename__ = "press_invitations"
    __audit_type__ = "invitation"
    __audit_exclude__ = ("feed_key",)
    __table_args__ = (UniqueConstraint("trip_id", "journalist_id", name="uq_press_invitations"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    trip_id: Mapped[int] = mapped_column(
        ForeignKey("press_trips.id", ondelete="CASCADE"), index=True
    )
    journalist_id: Mapped[int] = mapped_column(ForeignKey("press_journalists.id"), index=True)
    nominated_by_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    status: Mapped[str] = mapped_column(String(20), default=InvitationStatus.NOMINATED)
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("press_invitations.id"))
    visa_status: Mapped[str] = mapped_column(String(20), default=VisaStatus.UNDECIDED)
    accreditation: Mapped[str] = mapped_column(
        String(20), default=AccreditationStatus.NOT_REQUESTED
    )
    arrival_flight: Mapped[str] = mapped_column(String(20), default="")
    arrival_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    arrival_airport: Mapped[str] = mapped_column(String(10), default="")
    departure_flight: Mapped[str] = mapped_column(String(20), default="")
    departure_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    departure_airport: Mapped[str] = mapped_column(String(10), default="")
    hotel: Mapped[str] = mapped_column(String(200), default="")
    dietary_needs: Mapped[str] = mapped_column(String(200), default="")
    interpreter_language: Mapped[str] = mapped_column(String(20), default="")
    # Part of the journalist's own feed link: a new value revokes it.
    feed_key: Mapped[str] = mapped_column(String(64), default=lambda: secrets.token_urlsafe(24))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    trip: Mapped[Trip] = relationship(back_populates="invitations", foreign_keys=[trip_id])
    journalist: Mapped[Journalist] = relationship()
    nominated_by: Mapped[Unit | None] = relationship()
    replaced_by: Mapped[Invitation | None] = relationship(remote_side=[id])

    @property
    def name(self) -> str:
        return f"{self.journalist.name_latin} — {self.trip.title}"


item_participants = Table(
    "press_item_participants",
    Base.metadata,
    Column("item_id", ForeignKey("press_itinerary_items.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "invitation_id", ForeignKey("press_invitations.id", ondelete="CASCADE"), primary_key=True
    ),
)


class ItineraryItem(Base):
    """A visit, interview or meal on a trip's programme. Without participants it concerns
    every confirmed journalist of the trip."""

    __tablename__ = "press_itinerary_items"
    __audit_type__ = "itinerary_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(255), unique=True)
    trip_id: Mapped[int] = mapped_column(
        ForeignKey("press_trips.id", ondelete="CASCADE"), index=True
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    timezone: Mapped[str] = mapped_column(String(64))
    place: Mapped[str] = mapped_column(String(300), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    activity: Mapped[str] = mapped_column(String(300))
    interviewee: Mapped[str] = mapped_column(String(200), default="")
    escort_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    interpreter_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default=ItemStatus.TENTATIVE)
    # iCalendar SEQUENCE: raised when time, place or status changes.
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    trip: Mapped[Trip] = relationship(back_populates="items")
    escort: Mapped[Person | None] = relationship(foreign_keys=[escort_id])
    interpreter: Mapped[Person | None] = relationship(foreign_keys=[interpreter_id])
    participants: Mapped[list[Invitation]] = relationship(secondary=item_participants)

    @property
    def title(self) -> str:
        return self.activity


class InterviewRequest(Base):
    """A journalist asking to interview someone; scheduled as an itinerary item once approved."""

    __tablename__ = "press_interview_requests"
    __audit_type__ = "interview_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    trip_id: Mapped[int] = mapped_column(
        ForeignKey("press_trips.id", ondelete="CASCADE"), index=True
    )
    journalist_id: Mapped[int] = mapped_column(ForeignKey("press_journalists.id"), index=True)
    interviewee: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12), default=InterviewStatus.REQUESTED)
    item_id: Mapped[int | None] = mapped_column(
        ForeignKey("press_itinerary_items.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    trip: Mapped[Trip] = relationship()
    journalist: Mapped[Journalist] = relationship()
    item: Mapped[ItineraryItem | None] = relationship()

    @property
    def name(self) -> str:
        return f"{self.interviewee} ({self.journalist.name_latin})"


class CoverageItem(Base):
    """An article, broadcast or post by a journalist, found (or expected) after a trip."""

    __tablename__ = "press_coverage_items"
    __audit_type__ = "coverage_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    # Lower-cased host, no fragment or tracking parameters: two ways of writing one link match.
    normalised_url: Mapped[str] = mapped_column(String(2000), unique=True)
    outlet_id: Mapped[int | None] = mapped_column(ForeignKey("press_outlets.id"), index=True)
    journalist_id: Mapped[int | None] = mapped_column(
        ForeignKey("press_journalists.id"), index=True
    )
    trip_id: Mapped[int | None] = mapped_column(ForeignKey("press_trips.id"), index=True)
    interview_id: Mapped[int | None] = mapped_column(
        ForeignKey("press_interview_requests.id", ondelete="SET NULL")
    )
    campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("social_campaigns.id", ondelete="SET NULL"), index=True
    )
    published_on: Mapped[date | None] = mapped_column(Date)
    language: Mapped[str] = mapped_column(String(20), default="")
    headline: Mapped[str] = mapped_column(String(500), default="")
    headline_translation: Mapped[str] = mapped_column(String(500), default="")
    tone: Mapped[str | None] = mapped_column(String(10))
    key_messages: Mapped[list[str]] = mapped_column(JSON, default=list)
    estimated_reach: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default=CoverageStatus.EXPECTED)
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    outlet: Mapped[Outlet | None] = relationship()
    journalist: Mapped[Journalist | None] = relationship()
    trip: Mapped[Trip | None] = relationship()
    interview: Mapped[InterviewRequest | None] = relationship()
    campaign: Mapped[Campaign | None] = relationship()
    reported_by: Mapped[Person | None] = relationship()

    @property
    def title(self) -> str:
        return self.headline or self.url


class Letterhead(Base):
    """What a unit prints at the top and bottom of its letters."""

    __tablename__ = "press_letterheads"
    __audit_type__ = "letterhead"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), unique=True)
    address: Mapped[str] = mapped_column(String(300), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    website: Mapped[str] = mapped_column(String(200), default="")
    signatory_name: Mapped[str] = mapped_column(String(200), default="")
    signatory_title_vi: Mapped[str] = mapped_column(String(200), default="")
    signatory_title_en: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    unit: Mapped[Unit] = relationship()

    @property
    def name(self) -> str:
        return self.unit.code
