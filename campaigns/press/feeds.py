"""A trip's itinerary as an iCalendar feed: the whole programme for its staff (escorts,
interpreters, coordinators), and for each journalist only what concerns them.

Links carry an HMAC signature instead of a session, as calendar apps fetch without one.
A staff link signs the trip, the person and their ``feed_key`` (so "reset my feed links" kills
it, as it kills the calendar feeds); a journalist's link signs the invitation and its own
``feed_key``. Nothing else about a journalist (contacts, passports) ever goes into a feed.
"""

from __future__ import annotations

import hmac
from datetime import datetime

from icalendar import Calendar
from icalendar import Event as CalendarEvent
from sqlalchemy.orm import Session

from campaigns.db import parse_id
from campaigns.org.models import Person
from campaigns.permissions import can
from campaigns.press import queries
from campaigns.press.models import Invitation, ItemStatus, ItineraryItem, Trip
from campaigns.signing import link_signature
from campaigns.timezones import to_zone

PRODID = "-//Herald//Press trip itinerary//EN"
_STATUS = {
    ItemStatus.TENTATIVE: "TENTATIVE",
    ItemStatus.CONFIRMED: "CONFIRMED",
    ItemStatus.DONE: "CONFIRMED",
    ItemStatus.CANCELLED: "CANCELLED",
}


def _sign(secret: str, *parts: object) -> str:
    return link_signature(secret, "herald-press-feed", *parts)


def staff_feed_token(secret: str, trip: Trip, person: Person) -> str:
    return f"{person.id}-{_sign(secret, 'trip', trip.id, person.id, person.feed_key)}"


def journalist_feed_token(secret: str, invitation: Invitation) -> str:
    return _sign(secret, "invitation", invitation.id, invitation.feed_key)


def staff_for_token(session: Session, *, secret: str, trip: Trip, token: str) -> Person | None:
    """The active person a staff link belongs to, if they may still see the trip."""
    person_id = parse_id(token.partition("-")[0])
    if person_id is None:
        return None
    person = session.get(Person, person_id)
    if person is None or not can(person, "trip.view", trip):
        return None
    expected = staff_feed_token(secret, trip, person)
    return person if hmac.compare_digest(token.encode(), expected.encode()) else None


def invitation_for_token(
    session: Session, *, secret: str, invitation_id: int, token: str
) -> Invitation | None:
    invitation = session.get(Invitation, invitation_id)
    if invitation is None:
        return None
    expected = journalist_feed_token(secret, invitation)
    return invitation if hmac.compare_digest(token.encode(), expected.encode()) else None


def _event(item: ItineraryItem, *, for_staff: bool) -> CalendarEvent:
    event = CalendarEvent()
    event.add("uid", item.uid)
    event.add("sequence", item.sequence)
    event.add("dtstamp", item.updated_at)
    event.add("last-modified", item.updated_at)
    event.add("dtstart", to_zone(item.starts_at, item.timezone))
    event.add("dtend", to_zone(item.ends_at, item.timezone))
    event.add("summary", item.activity)
    event.add("status", _STATUS.get(item.status, "TENTATIVE"))
    location = ", ".join(part for part in (item.place, item.city) if part)
    if location:
        event.add("location", location)
    lines = []
    if item.interviewee:
        lines.append(f"Interviewee: {item.interviewee}")
    if for_staff:
        if item.escort is not None:
            lines.append(f"Escort: {item.escort.name}")
        if item.interpreter is not None:
            lines.append(f"Interpreter: {item.interpreter.name}")
        if item.participants:
            names = ", ".join(i.journalist.name_latin for i in item.participants)
            lines.append(f"Journalists: {names}")
    if lines:
        event.add("description", "\n".join(lines))
    return event


def _calendar(name: str, items: list[ItineraryItem], *, for_staff: bool) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    for item in sorted(items, key=lambda item: (item.starts_at, item.id)):
        calendar.add_component(_event(item, for_staff=for_staff))
    calendar.add_missing_timezones()
    return calendar.to_ical()


def staff_feed(trip: Trip) -> bytes:
    """Every item of the trip, with escort, interpreter and participants."""
    return _calendar(trip.title, list(trip.items), for_staff=True)


def journalist_feed(invitation: Invitation) -> bytes:
    """The items that concern one journalist, without staff names."""
    return _calendar(
        invitation.trip.title, queries.items_for_invitation(invitation), for_staff=False
    )


def last_change(items: list[ItineraryItem], fallback: datetime) -> datetime:
    return max((item.updated_at for item in items), default=fallback)
