"""Factories for the press programme: a valid outlet, journalist, trip or itinerary item in one
line, overriding only what the test is about."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from campaigns.org.models import Person, Unit
from campaigns.press import itinerary, services, trips
from campaigns.press.models import Invitation, ItineraryItem, Journalist, Outlet, Trip
from tests.factories import create_unit

_sequence = itertools.count(1)
_NOW = datetime(2026, 1, 1, tzinfo=UTC)

# The walk from a nomination to each status, one legal step at a time.
INVITATION_PATHS = {
    "nominated": [],
    "shortlisted": ["shortlisted"],
    "invited": ["shortlisted", "invited"],
    "accepted": ["shortlisted", "invited", "accepted"],
    "confirmed": ["shortlisted", "invited", "accepted", "confirmed"],
}


def create_outlet(session: Session, **fields) -> Outlet:
    number = next(_sequence)
    values = {
        "name": f"Outlet {number}",
        "country": "FR",
        "kind": "newspaper",
        "languages": ["fr"],
        "estimated_reach": 100_000,
    }
    values.update(fields)
    return services.create_outlet(
        session, actor=None, now=_NOW, data=services.OutletInput(**values)
    )


def create_journalist(session: Session, outlet: Outlet | None = None, **fields) -> Journalist:
    number = next(_sequence)
    values = {
        "name_latin": f"Journalist {number}",
        "country": "FR",
        "languages": ["fr", "en"],
        "beats": ["politics"],
        "email": f"journalist{number}@example.com",
    }
    values.update(fields)
    journalist = services.create_journalist(
        session, actor=None, now=_NOW, data=services.JournalistInput(**values)
    )
    if outlet is not None:
        services.add_affiliation(
            session,
            actor=None,
            now=_NOW,
            journalist=journalist,
            outlet=outlet,
            starts_on=date(2020, 1, 1),
        )
    return journalist


def create_trip(
    session: Session,
    host: Unit | None = None,
    start: date = date(2027, 8, 30),
    days: int = 5,
    **fields,
) -> Trip:
    host = host or create_unit(session, kind="ministry", country="VN", timezone="Asia/Ho_Chi_Minh")
    values = {
        "title": f"Press trip {next(_sequence)}",
        "start_date": start,
        "end_date": start + timedelta(days=days - 1),
        "host_unit_code": host.code,
        "city": "Hà Nội",
        "key_messages": ["Open economy", "Peace and friendship"],
        "budget_planned": "100000000",
        "currency": "VND",
    }
    values.update(fields)
    return trips.create_trip(session, actor=None, now=_NOW, data=trips.TripInput(**values))


def invite(
    session: Session, trip: Trip, journalist: Journalist, status: str = "confirmed"
) -> Invitation:
    invitation = trips.nominate_journalist(
        session, actor=None, now=_NOW, trip=trip, journalist=journalist, confirm_clashes=True
    )
    for step in INVITATION_PATHS[status]:
        trips.change_invitation_status(
            session, actor=None, now=_NOW, invitation=invitation, status=step
        )
    return invitation


def add_item(
    session: Session,
    trip: Trip,
    starts_local: datetime | None = None,
    hours: float = 2,
    escort: Person | None = None,
    interpreter: Person | None = None,
    confirm_clashes: bool = True,
    **fields,
) -> ItineraryItem:
    starts_local = starts_local or datetime.combine(trip.start_date, datetime.min.time()).replace(
        hour=9
    )
    values = {
        "activity": f"Visit {next(_sequence)}",
        "starts_local": starts_local,
        "ends_local": starts_local + timedelta(hours=hours),
        "timezone": trip.timezone,
        "place": "Temple of Literature",
        "escort_id": escort.id if escort else None,
        "interpreter_id": interpreter.id if interpreter else None,
    }
    values.update(fields)
    return itinerary.create_itinerary_item(
        session,
        actor=None,
        now=_NOW,
        trip=trip,
        data=itinerary.ItemInput(**values),
        confirm_clashes=confirm_clashes,
    )
