"""A person's agenda as the field bot shows it: their days, their unit's coming anniversaries
and milestones, and the trip they work on now.

Everything is read through the areas' own visibility rules (the calendar's ``visible_events``,
press's ``trip.view`` and staff queries, social's ``campaign.view``): the agenda adds no rule
of its own about who sees what. Days are the person's days, on the wall clock of
``Person.timezone``; instants stay UTC in the entries and are converted only for display.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.calendar import queries as calendar_queries
from campaigns.calendar import rules as calendar_rules
from campaigns.calendar.models import Event, EventKind, PlanningTask, Tier
from campaigns.org.models import Person
from campaigns.permissions import can
from campaigns.press import queries as press_queries
from campaigns.press.models import ItemStatus, ItineraryItem, Trip
from campaigns.social import queries as social_queries
from campaigns.social.models import Publication
from campaigns.social.notifications import post_link
from campaigns.timezones import to_zone

#: how far ahead ``upcoming`` looks, as the calendar's year-ahead page does
UPCOMING_MONTHS = 24


class EntryKind(StrEnum):
    EVENT = "event"
    ITINERARY = "itinerary"
    INTERVIEW = "interview"
    PUBLICATION = "publication"


@dataclass(frozen=True)
class AgendaEntry:
    """One thing on a person's agenda. ``starts_at``/``ends_at`` are UTC instants; an all-day
    event covers its days on its own zone's clock and says so with ``all_day``."""

    starts_at: datetime
    ends_at: datetime | None
    kind: EntryKind
    title: str
    location: str
    #: the object's page in Herald, relative to the base URL
    path: str
    all_day: bool = False
    #: what the entry belongs to: the trip of an itinerary item, the channel of a publication
    context: str = ""

    def local_day(self, zone: str) -> date:
        """The day the entry starts on the wall clock of ``zone``."""
        return to_zone(self.starts_at, zone).date()


def person_today(person: Person, now: datetime) -> date:
    """The calendar day it is for ``person`` at instant ``now``, in their own zone."""
    return to_zone(now, person.timezone).date()


def agenda(session: Session, *, actor: Person, now: datetime, days: int = 1) -> list[AgendaEntry]:
    """What ``actor`` takes part in on their next ``days`` days (today first, in their zone):
    events of their unit (owner or participant) they may see, itinerary items they escort or
    interpret, interviews on the trips they work on, and publications of their unit's
    campaigns and channels. Sorted by start. Nothing for an inactive person."""
    if not actor.active or days < 1:
        return []
    since = person_today(actor, now)
    until = since + timedelta(days=days - 1)
    window = calendar_rules.local_day_bounds(since, until, actor.timezone)
    locale = actor.locale
    entries = [
        *_events(session, actor, since, until, locale),
        *_itinerary(session, actor, window),
        *_publications(session, actor, window, locale),
    ]
    entries.sort(key=lambda entry: (entry.starts_at, entry.kind, entry.title))
    return entries


def _events(
    session: Session, actor: Person, since: date, until: date, locale: str
) -> list[AgendaEntry]:
    if actor.unit is None:
        return []
    events = calendar_queries.visible_events(
        session,
        actor,
        since=since,
        until=until,
        zone=actor.timezone,
        unit_code=actor.unit.code,
        include_cancelled=False,
    )
    return [_event_entry(event, locale) for event in events]


def _event_entry(event: Event, locale: str) -> AgendaEntry:
    starts_at, ends_at = calendar_rules.event_span(event)
    return AgendaEntry(
        starts_at=starts_at,
        ends_at=ends_at if (event.all_day or event.ends_at) else None,
        kind=EntryKind.EVENT,
        title=event.title_in(locale),
        location=event.location,
        path=f"/calendar/events/{event.id}",
        all_day=event.all_day,
    )


def _item_entry(item: ItineraryItem, kind: EntryKind, title: str) -> AgendaEntry:
    return AgendaEntry(
        starts_at=item.starts_at,
        ends_at=item.ends_at,
        kind=kind,
        title=title,
        location=", ".join(part for part in (item.place, item.city) if part),
        path=trip_path(item.trip),
        context=item.trip.title,
    )


def trip_path(trip: Trip) -> str:
    """The itinerary on the trip's page."""
    return f"/press/trips/{trip.id}#itinerary"


def _itinerary(
    session: Session, actor: Person, window: tuple[datetime, datetime]
) -> list[AgendaEntry]:
    since, until = window
    interviews = {
        request.item_id: request
        for request in press_queries.interviews_for_staff(session, actor, since=since, until=until)
        if request.item is not None and can(actor, "trip.view", request.item.trip)
    }
    entries = []
    for item in press_queries.items_for_staff(session, actor, since=since, until=until):
        if not can(actor, "trip.view", item.trip):
            continue
        request = interviews.pop(item.id, None)
        if request is not None or item.interviewee:
            title = f"{item.activity} — {request.name if request else item.interviewee}"
            entries.append(_item_entry(item, EntryKind.INTERVIEW, title))
        else:
            entries.append(_item_entry(item, EntryKind.ITINERARY, item.activity))
    # Interviews on their trips that someone else escorts: they should know of them too.
    for request in interviews.values():
        item = request.item
        assert item is not None
        entries.append(_item_entry(item, EntryKind.INTERVIEW, f"{item.activity} — {request.name}"))
    return entries


def _publications(
    session: Session, actor: Person, window: tuple[datetime, datetime], locale: str
) -> list[AgendaEntry]:
    if actor.unit_id is None or not can(actor, "campaign.view"):
        return []
    since, until = window
    entries = []
    for publication in social_queries.publications_between(session, since=since, until=until):
        campaign = publication.post.campaign
        if actor.unit_id not in campaign.unit_ids() and (
            publication.channel.owner_unit_id != actor.unit_id
        ):
            continue
        entries.append(_publication_entry(publication, locale))
    return entries


def _publication_entry(publication: Publication, locale: str) -> AgendaEntry:
    post = publication.post
    return AgendaEntry(
        starts_at=publication.scheduled_at,
        ends_at=None,
        kind=EntryKind.PUBLICATION,
        title=post.title,
        location=publication.channel.name,
        path=post_link(post),
        context=post.campaign.name(locale),
    )


# --- what is coming ----------------------------------------------------------------------------


@dataclass(frozen=True)
class UpcomingEntry:
    """An anniversary occurrence owned by the person's unit, or a deadline of their unit."""

    date: date
    title: str
    #: the anniversary's tier; None for a deadline
    tier: Tier | None
    days_left: int
    #: the planning task's status ("open", "done"), None while the occurrence has no task
    task_status: str | None
    path: str


def upcoming(
    session: Session, *, actor: Person, now: datetime, limit: int = 5
) -> list[UpcomingEntry]:
    """The next ``limit`` anniversaries and milestones (deadline events) of ``actor``'s unit,
    from today in their zone, each with its countdown in days; anniversaries with their tier
    and their planning task's status. Nothing for a person without a unit."""
    if not actor.active or actor.unit_id is None or limit < 1:
        return []
    today = person_today(actor, now)
    until = calendar_rules.add_months(today, UPCOMING_MONTHS)
    locale = actor.locale
    found = _anniversaries(session, actor, today, until, locale) + _deadlines(
        session, actor, today, until, locale
    )
    found.sort(key=lambda entry: (entry.date, entry.title))
    return found[:limit]


def _anniversaries(
    session: Session, actor: Person, today: date, until: date, locale: str
) -> list[UpcomingEntry]:
    occurrences = [
        occurrence
        for occurrence in calendar_queries.occurrences(session, since=today, until=until)
        if occurrence.owner_unit_id == actor.unit_id
    ]
    if not occurrences:
        return []
    tasks = {
        (task.anniversary_id, task.occurrence_date): task.status
        for task in session.scalars(
            select(PlanningTask).where(
                PlanningTask.unit_id == actor.unit_id,
                PlanningTask.occurrence_date.between(today, until),
            )
        )
    }
    return [
        UpcomingEntry(
            date=occurrence.date,
            title=occurrence.label(locale),
            tier=occurrence.tier,
            days_left=(occurrence.date - today).days,
            task_status=tasks.get((occurrence.anniversary_id, occurrence.date)),
            path="/calendar/year-ahead",
        )
        for occurrence in occurrences
    ]


def _deadlines(
    session: Session, actor: Person, today: date, until: date, locale: str
) -> list[UpcomingEntry]:
    assert actor.unit is not None
    entries = []
    for event in calendar_queries.visible_events(
        session,
        actor,
        since=today,
        until=until,
        zone=actor.timezone,
        unit_code=actor.unit.code,
        kind=EventKind.DEADLINE,
        include_cancelled=False,
    ):
        day = to_zone(calendar_rules.event_span(event)[0], actor.timezone).date()
        if event.all_day and event.start_date is not None:
            day = event.start_date
        entries.append(
            UpcomingEntry(
                date=max(day, today),
                title=event.title_in(locale),
                tier=None,
                days_left=max((day - today).days, 0),
                task_status=None,
                path=f"/calendar/events/{event.id}",
            )
        )
    return entries


# --- the trip they work on ---------------------------------------------------------------------


@dataclass(frozen=True)
class TripItem:
    """An item of the trip's itinerary and what the person may do with it from the bot."""

    item: ItineraryItem
    #: they may mark it done (it is confirmed and theirs to run)
    may_finish: bool
    #: they may delay it (not over, theirs to run)
    may_delay: bool


@dataclass(frozen=True)
class TripAgenda:
    trip: Trip
    items: list[TripItem]
    path: str


def current_trip(session: Session, *, actor: Person, now: datetime) -> TripAgenda | None:
    """The trip ``actor`` works on now (in progress today, else the next one) with its
    itinerary (see ``trip_agenda``). None when there is no such trip."""
    if not actor.active:
        return None
    trip = press_queries.current_trip_for_staff(session, actor, now=now)
    if trip is None or not can(actor, "trip.view", trip):
        return None
    return trip_agenda(session, actor=actor, trip=trip, now=now)


def trip_agenda(session: Session, *, actor: Person, trip: Trip, now: datetime) -> TripAgenda:
    """A trip's itinerary, cancelled items left out, and for each item whether ``actor`` may
    mark it done or delay it (``item.run``, as the web asks). The caller made sure that the
    actor may see the trip."""
    items = []
    for item in sorted(trip.items, key=lambda item: (item.starts_at, item.id)):
        if item.status == ItemStatus.CANCELLED:
            continue
        runs = can(actor, "item.run", item)
        items.append(
            TripItem(
                item=item,
                may_finish=runs and item.status == ItemStatus.CONFIRMED,
                # An item that is over can still be marked done, no longer delayed.
                may_delay=runs and item.status != ItemStatus.DONE and item.ends_at > now,
            )
        )
    return TripAgenda(trip=trip, items=items, path=trip_path(trip))
