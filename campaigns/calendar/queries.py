"""Reads for the calendar: the events a person may see, anniversaries and their occurrences,
planning tasks, Viet Nam's public holidays, and clashes between events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from typing import Any

import holidays as holidays_library
from sqlalchemy import and_, exists, false, func, or_, select, true
from sqlalchemy.orm import Session, joinedload, selectinload

from campaigns.calendar import rules
from campaigns.calendar.models import (
    Anniversary,
    Event,
    EventStatus,
    PlanningTask,
    Priority,
    Tier,
    Visibility,
    event_audience,
    event_participants,
)
from campaigns.calendar.rules import AnniversaryOccurrence
from campaigns.errors import NotFound
from campaigns.i18n import N_
from campaigns.org.models import Person, Unit
from campaigns.permissions import can, may_see_event, sees_all_units

# --- events ------------------------------------------------------------------------------------


def visibility_clause(actor: Person | None) -> Any:
    """SQL twin of ``campaigns.permissions.may_see_event``."""
    if actor is None or not actor.active:
        return Event.visibility == Visibility.PUBLIC
    if sees_all_units(actor):
        return true()
    if actor.unit_id is None:
        return Event.visibility != Visibility.RESTRICTED
    in_audience = exists().where(
        event_audience.c.event_id == Event.id, event_audience.c.unit_id == actor.unit_id
    )
    return or_(
        Event.visibility != Visibility.RESTRICTED,
        Event.owner_unit_id == actor.unit_id,
        in_audience,
    )


def _overlapping_days(since: date | None, until: date | None, zone: str) -> Any:
    """Events touching the local days [since, until] of ``zone``; all-day events by their dates."""
    timed = [Event.all_day.is_(False)]
    dated = [Event.all_day.is_(True)]
    if since is not None:
        start = rules.local_day_bounds(since, since, zone)[0]
        # An event without duration still counts when it starts at the window's first instant.
        timed.append(
            or_(func.coalesce(Event.ends_at, Event.starts_at) > start, Event.starts_at >= start)
        )
        dated.append(func.coalesce(Event.end_date, Event.start_date) >= since)
    if until is not None:
        end = rules.local_day_bounds(until, until, zone)[1]
        timed.append(Event.starts_at < end)
        dated.append(Event.start_date <= until)
    return or_(and_(*timed), and_(*dated))


def _events_query(
    actor: Person | None,
    *,
    since: date | None,
    until: date | None,
    zone: str,
    unit_code: str | None,
    kind: str | None,
    priority: str | None,
    include_cancelled: bool,
) -> Any:
    """``select(Event)`` with every filter of ``visible_events`` that SQL answers."""
    query = select(Event).where(visibility_clause(actor))
    if since is not None or until is not None:
        query = query.where(_overlapping_days(since, until, zone))
    if unit_code:
        unit_id = select(Unit.id).where(Unit.code == unit_code.strip().lower()).scalar_subquery()
        participates = exists().where(
            event_participants.c.event_id == Event.id, event_participants.c.unit_id == unit_id
        )
        query = query.where(or_(Event.owner_unit_id == unit_id, participates))
    if kind:
        query = query.where(Event.kind == kind)
    if priority:
        query = query.where(Event.priority == priority)
    if not include_cancelled:
        query = query.where(Event.status != EventStatus.CANCELLED)
    return query


def _in_lists(items: list[Any], country: str | None, tag: str | None) -> list[Any]:
    """``items`` (events, or rows of their columns) of a partner country and a tag. JSON lists
    are filtered here: one portable way for SQLite and PostgreSQL."""
    if country:
        wanted = country.strip().upper()
        items = [item for item in items if wanted in (item.partner_countries or [])]
    if tag:
        wanted = tag.strip().lower()
        items = [item for item in items if wanted in {t.lower() for t in (item.tags or [])}]
    return items


def _by_start(item: Any) -> tuple[Any, int]:
    return (rules.event_start(item), item.id)


# Many-to-one in the same query (a join), collections in one more query each.
_EVENT_LOADS = (
    joinedload(Event.owner_unit),
    selectinload(Event.participants),
    selectinload(Event.audience),
)


def visible_events(
    session: Session,
    actor: Person | None,
    *,
    since: date | None = None,
    until: date | None = None,
    zone: str = "UTC",
    unit_code: str | None = None,
    kind: str | None = None,
    country: str | None = None,
    priority: str | None = None,
    tag: str | None = None,
    include_cancelled: bool = True,
    with_units: bool = True,
) -> list[Event]:
    """Events ``actor`` may see (None: the public) overlapping the local days [since, until]
    of ``zone``, filtered by unit (owner or participant), kind, partner country, priority and
    tag; sorted by start. Owner unit, participants and audience are loaded with them, unless
    ``with_units`` is False (a page that shows none of them)."""
    query = _events_query(
        actor,
        since=since,
        until=until,
        zone=zone,
        unit_code=unit_code,
        kind=kind,
        priority=priority,
        include_cancelled=include_cancelled,
    )
    if with_units:
        query = query.options(*_EVENT_LOADS)
    events = _in_lists(list(session.scalars(query)), country, tag)
    events.sort(key=_by_start)
    return events


def visible_events_page(
    session: Session,
    actor: Person | None,
    *,
    offset: int,
    limit: int,
    since: date | None = None,
    until: date | None = None,
    zone: str = "UTC",
    unit_code: str | None = None,
    kind: str | None = None,
    country: str | None = None,
    priority: str | None = None,
    tag: str | None = None,
    include_cancelled: bool = True,
) -> tuple[list[Event], int]:
    """``limit`` events of ``visible_events`` (same filters, same order) from ``offset``, and
    how many there are in all. Only the columns that filter and sort are read for every event
    (the order is by start in each event's own zone, which SQL cannot compute portably); the
    page's events alone are loaded whole."""
    query = _events_query(
        actor,
        since=since,
        until=until,
        zone=zone,
        unit_code=unit_code,
        kind=kind,
        priority=priority,
        include_cancelled=include_cancelled,
    ).with_only_columns(
        Event.id,
        Event.all_day,
        Event.starts_at,
        Event.ends_at,
        Event.start_date,
        Event.end_date,
        Event.timezone,
        *((Event.partner_countries,) if country else ()),
        *((Event.tags,) if tag else ()),
    )
    keys = _in_lists(list(session.execute(query)), country, tag)
    keys.sort(key=_by_start)
    ids = [key.id for key in keys[offset : offset + limit]]
    if not ids:
        return [], len(keys)
    loaded = {
        event.id: event
        for event in session.scalars(select(Event).where(Event.id.in_(ids)).options(*_EVENT_LOADS))
    }
    return [loaded[event_id] for event_id in ids], len(keys)


def get_event(session: Session, event_id: int, *, actor: Person | None) -> Event:
    """The event with this id, if ``actor`` may see it. Raises NotFound otherwise, so that a
    restricted event's existence is not revealed either."""
    event = session.get(Event, event_id)
    if event is None or not may_see_event(actor, event):
        raise NotFound(N_("There is no such event."))
    return event


def events_seen_by(actor: Person | None, events: Any) -> list[Event]:
    """The linked events (of a trip, a campaign) that ``actor`` may see; ``None`` is the
    system, which sees them all. Pages, API answers and reports show only these."""
    if actor is None:
        return list(events)
    return [event for event in events if may_see_event(actor, event)]


def events_to_link(
    session: Session,
    actor: Person | None,
    event_ids: Any,
    *,
    linked: Any = (),
) -> list[Event] | None:
    """The events to link to a trip or campaign, or ``None`` when one of ``event_ids`` does
    not exist or is hidden from ``actor`` (both answer alike, so that a refusal reveals nothing).

    Linking needs the right to see the event. Events already ``linked`` that the actor may not
    see stay linked: they cannot be seen, so their absence from a form is no request to remove
    them.
    """
    already = {event.id: event for event in linked}
    events: list[Event] = []
    for event_id in dict.fromkeys(event_ids):
        event = already.get(event_id) or session.get(Event, event_id)
        # A hidden event is refused like a missing one, linked or not: naming it must not tell
        # whether it exists or is linked. (Forms and API answers never carry hidden ids.)
        if event is None or not _may_link(actor, event):
            return None
        events.append(event)
    kept = [event for event in already.values() if not _may_link(actor, event)]
    return events + [event for event in kept if event not in events]


def _may_link(actor: Person | None, event: Event) -> bool:
    return actor is None or may_see_event(actor, event)


def event_by_uid(session: Session, uid: str) -> Event | None:
    return session.scalar(select(Event).where(Event.uid == uid))


def find_clashes(session: Session, event_like: Any) -> list[Event]:
    """Other non-cancelled events of priority national or high that overlap ``event_like`` in
    time and share its owner unit or one of its partner countries; sorted by start.

    ``event_like`` is an Event or any object with the same time, unit and country attributes
    (``id`` may be None for an event not saved yet).
    """
    span = rules.event_span(event_like)
    # Candidates by a generous window (all-day events are read in their own zone), then exact.
    query = select(Event).where(
        Event.status != EventStatus.CANCELLED,
        Event.priority.in_([Priority.NATIONAL, Priority.HIGH]),
        or_(
            and_(
                Event.all_day.is_(False),
                Event.starts_at < span[1],
                func.coalesce(Event.ends_at, Event.starts_at) >= span[0] - timedelta(minutes=1),
            ),
            and_(
                Event.all_day.is_(True),
                Event.start_date <= (span[1] + timedelta(days=1)).date(),
                func.coalesce(Event.end_date, Event.start_date)
                >= (span[0] - timedelta(days=1)).date(),
            ),
        ),
    )
    own_id = getattr(event_like, "id", None)
    if own_id is not None:
        query = query.where(Event.id != own_id)
    countries = set(event_like.partner_countries or [])
    clashes = [
        event
        for event in session.scalars(query)
        if rules.spans_overlap(span, rules.event_span(event))
        and (
            event.owner_unit_id == event_like.owner_unit_id
            or countries & set(event.partner_countries or [])
        )
    ]
    clashes.sort(key=lambda event: (rules.event_span(event)[0], event.id))
    return clashes


# --- anniversaries -----------------------------------------------------------------------------


def list_anniversaries(
    session: Session,
    *,
    category: str | None = None,
    country: str | None = None,
    search: str | None = None,
) -> list[Anniversary]:
    """Active anniversaries, filtered by category, partner country and title text; by title."""
    query = (
        select(Anniversary)
        .where(Anniversary.active.is_(True))
        .options(joinedload(Anniversary.owner_unit))
        .order_by(Anniversary.title_en)
    )
    if category:
        query = query.where(Anniversary.category == category)
    if country:
        query = query.where(Anniversary.partner_country == country.strip().upper())
    if search:
        pattern = f"%{search.strip().lower()}%"
        query = query.where(
            or_(
                func.lower(Anniversary.title_en).like(pattern),
                func.lower(Anniversary.title_vi).like(pattern),
            )
        )
    return list(session.scalars(query))


def get_anniversary(session: Session, anniversary_id: int) -> Anniversary:
    """The anniversary with this id. Raises NotFound."""
    anniversary = session.get(Anniversary, anniversary_id)
    if anniversary is None:
        raise NotFound(N_("There is no such anniversary."))
    return anniversary


def occurrences(
    session: Session,
    *,
    since: date,
    until: date,
    category: str | None = None,
    country: str | None = None,
) -> list[AnniversaryOccurrence]:
    """Occurrences of active anniversaries dated in [since, until], by (date, title_en)."""
    # The columns the dates are computed from, not whole anniversaries with their units: every
    # calendar view asks this (profiled: a fifth of a month view went to loading them).
    query = (
        select(
            Anniversary.id,
            Anniversary.uid,
            Anniversary.title_vi,
            Anniversary.title_en,
            Anniversary.category,
            Anniversary.origin_date,
            Anniversary.lunar_month,
            Anniversary.lunar_day,
            Anniversary.origin_year,
            Anniversary.partner_country,
            Anniversary.owner_unit_id,
        )
        .where(Anniversary.active.is_(True))
        .order_by(Anniversary.title_en)
    )
    if category:
        query = query.where(Anniversary.category == category)
    if country:
        query = query.where(Anniversary.partner_country == country.strip().upper())
    return rules.occurrences_between(session.execute(query), since, until)


def occurrence_on(anniversary: Anniversary, day: date) -> AnniversaryOccurrence:
    """The milestone of ``anniversary`` on ``day``. Raises NotFound when it is retired or
    falls on another day."""
    found = rules.occurrences_between([anniversary], day, day) if anniversary.active else []
    if not found:
        raise NotFound(N_("There is no such milestone."))
    return found[0]


def planning_task_of(
    session: Session, occurrence: AnniversaryOccurrence, *, actor: Person
) -> PlanningTask | None:
    """The open planning task of this milestone for a unit ``actor`` sees, if any."""
    for task in session.scalars(
        select(PlanningTask)
        .where(
            PlanningTask.anniversary_id == occurrence.anniversary_id,
            PlanningTask.occurrence_date == occurrence.date,
            PlanningTask.status == "open",
        )
        .order_by(PlanningTask.id)
    ):
        if task.unit is None or can(actor, "unit.view", task.unit):
            return task
    return None


def year_ahead(
    session: Session, *, today: date, months: int = 24
) -> dict[Tier, list[AnniversaryOccurrence]]:
    """The occurrences of the coming ``months`` (from ``today``), grouped by tier (major, round,
    regular; every tier present), each by date."""
    until = rules.add_months(today, months) - timedelta(days=1)
    grouped: dict[Tier, list[AnniversaryOccurrence]] = {tier: [] for tier in Tier}
    for occurrence in occurrences(session, since=today, until=until):
        grouped[occurrence.tier].append(occurrence)
    return grouped


def open_planning_tasks(session: Session, actor: Person) -> list[PlanningTask]:
    """Open planning tasks of the units ``actor`` sees (every unit for admins and
    coordinators), by occurrence date."""
    query = (
        select(PlanningTask)
        .where(PlanningTask.status == "open")
        .options(joinedload(PlanningTask.unit), joinedload(PlanningTask.anniversary))
        .order_by(PlanningTask.occurrence_date, PlanningTask.id)
    )
    if not sees_all_units(actor):
        if actor.unit_id is None:
            query = query.where(false())
        else:
            query = query.where(PlanningTask.unit_id == actor.unit_id)
    return list(session.scalars(query))


def get_planning_task(
    session: Session, task_id: int, *, actor: Person | None = None
) -> PlanningTask:
    """The planning task with this id, if the actor sees its unit (as ``open_planning_tasks``
    lists them). Raises NotFound otherwise, as for one that does not exist."""
    task = session.get(PlanningTask, task_id)
    if task is None or (actor is not None and not can(actor, "unit.view", task.unit)):
        raise NotFound(N_("There is no such planning task."))
    return task


# --- public holidays ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Holiday:
    date: date
    name: str


_HOLIDAY_LANGUAGES = {"vi": "vi", "en": "en_US"}


@cache
def _holidays_of_year(year: int, language: str) -> tuple[Holiday, ...]:
    table = holidays_library.country_holidays("VN", years=year, language=language)
    found = []
    for day, names in table.items():
        # The library joins several holidays of one day with "; ".
        for name in names.split("; "):
            found.append(Holiday(date=day, name=name))
    return tuple(found)


def holidays_between(since: date, until: date, locale: str) -> list[Holiday]:
    """Viet Nam's public holidays in [since, until] from the ``holidays`` library: Tết and Giỗ
    Tổ Hùng Vương (lunar), the solar ones, and the days off moved or substituted for them;
    named in ``locale`` (vi, otherwise English); by date."""
    language = _HOLIDAY_LANGUAGES.get(locale, "en_US")
    found = [
        holiday
        for year in range(since.year, until.year + 1)
        for holiday in _holidays_of_year(year, language)
        if since <= holiday.date <= until
    ]
    found.sort(key=lambda holiday: (holiday.date, holiday.name))
    return found
