"""Reads for the press programme, scoped to what the actor may see; clash detection."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session, selectinload

from campaigns.calendar.items import CalendarItem, ItemKind
from campaigns.calendar.models import Event, EventStatus, Priority, Visibility
from campaigns.calendar.queries import visibility_clause
from campaigns.errors import NotFound
from campaigns.i18n import N_
from campaigns.org.models import Person, Role, Unit
from campaigns.permissions import can
from campaigns.press import rules
from campaigns.press.models import (
    Affiliation,
    CoverageItem,
    CoverageStatus,
    IdentityDocument,
    InterviewRequest,
    InterviewStatus,
    Invitation,
    ItemStatus,
    ItineraryItem,
    Journalist,
    Letterhead,
    Outlet,
    Trip,
    TripStatus,
    trip_coordinators,
)
from campaigns.press.rules import Clash, ClashKind

# Trips that no longer take anyone anywhere do not clash with anything.
_DORMANT_TRIPS = (TripStatus.CANCELLED, TripStatus.POSTPONED)


# --- outlets and journalists -------------------------------------------------------------------


def list_outlets(
    session: Session, *, search: str | None = None, country: str | None = None, kind=None
) -> list[Outlet]:
    query = select(Outlet).order_by(func.lower(Outlet.name))
    if search:
        query = query.where(func.lower(Outlet.name).like(f"%{search.strip().lower()}%"))
    if country:
        query = query.where(Outlet.country == country.strip().upper())
    if kind:
        query = query.where(Outlet.kind == kind)
    return list(session.scalars(query))


def get_outlet(session: Session, outlet_id: int | None) -> Outlet:
    outlet = session.get(Outlet, outlet_id) if outlet_id else None
    if outlet is None:
        raise NotFound(N_("There is no such outlet."))
    return outlet


@dataclass(frozen=True)
class JournalistFilter:
    text: str | None = None
    country: str | None = None
    outlet_id: int | None = None
    language: str | None = None
    beat: str | None = None
    include_erased: bool = False


def _journalists_query(wanted: JournalistFilter) -> Select:
    """What the database filters of ``wanted``: name, country, outlet, erasure."""
    query = select(Journalist)
    if not wanted.include_erased:
        query = query.where(Journalist.erased_at.is_(None))
    if wanted.text:
        pattern = f"%{wanted.text.strip().lower()}%"
        query = query.where(
            or_(
                func.lower(Journalist.name_latin).like(pattern),
                func.lower(Journalist.name_native).like(pattern),
                func.lower(Journalist.email).like(pattern),
            )
        )
    if wanted.country:
        query = query.where(Journalist.country == wanted.country.strip().upper())
    if wanted.outlet_id:
        query = query.where(
            Journalist.id.in_(
                select(Affiliation.journalist_id).where(Affiliation.outlet_id == wanted.outlet_id)
            )
        )
    return query


def _listed(query: Select) -> Select:
    return query.options(
        selectinload(Journalist.affiliations).selectinload(Affiliation.outlet)
    ).order_by(func.lower(Journalist.name_latin), Journalist.id)


def _filtered_here(wanted: JournalistFilter) -> bool:
    return bool(wanted.language or wanted.beat)


def _keep_wanted(found: list[Journalist], wanted: JournalistFilter) -> list[Journalist]:
    # Languages and beats are short JSON lists: filtered here, the same on SQLite and PostgreSQL.
    if wanted.language:
        found = [j for j in found if wanted.language.strip().lower() in j.languages]
    if wanted.beat:
        beat = wanted.beat.strip().lower()
        found = [j for j in found if any(beat in item.lower() for item in j.beats)]
    return found


def search_journalists(
    session: Session, journalist_filter: JournalistFilter | None = None
) -> list[Journalist]:
    """Journalists by name, country, outlet (any affiliation), language and beat."""
    wanted = journalist_filter or JournalistFilter()
    return _keep_wanted(list(session.scalars(_listed(_journalists_query(wanted)))), wanted)


@dataclass(frozen=True)
class JournalistPage:
    journalists: list[Journalist]
    total: int  # journalists matching the filter, on every page
    page: int
    pages: int


def journalists_page(
    session: Session, journalist_filter: JournalistFilter, *, page: int, per_page: int
) -> JournalistPage:
    """One page of ``search_journalists``' answer, in its order. Only that page is loaded,
    except when filtering by language or beat (filtered after loading, as there)."""
    query = _journalists_query(journalist_filter)
    page = max(1, page)
    if _filtered_here(journalist_filter):
        found = search_journalists(session, journalist_filter)
        total = len(found)
        shown = found[(page - 1) * per_page : page * per_page]
    else:
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        shown = list(session.scalars(_listed(query).limit(per_page).offset((page - 1) * per_page)))
    return JournalistPage(shown, total, page, max(1, -(-total // per_page)))


def get_journalist(session: Session, journalist_id: int | None) -> Journalist:
    journalist = session.get(Journalist, journalist_id) if journalist_id else None
    if journalist is None:
        raise NotFound(N_("There is no such journalist."))
    return journalist


def get_affiliation(session: Session, affiliation_id: int) -> Affiliation:
    """A journalist's past or present post at an outlet. Raises NotFound."""
    affiliation = session.get(Affiliation, affiliation_id)
    if affiliation is None:
        raise NotFound(N_("There is no such affiliation."))
    return affiliation


def get_identity_document(
    session: Session, document_id: int, *, actor: Person | None = None
) -> IdentityDocument:
    """An identity document, if the actor may handle it (administrators and the coordinators of
    its trip). Raises NotFound otherwise, so that nobody else learns that it exists."""
    document = session.get(IdentityDocument, document_id)
    if document is None or (actor is not None and not can(actor, "identity.manage", document)):
        raise NotFound(N_("There is no such identity document."))
    return document


def possible_duplicates(session: Session, journalist: Journalist) -> list[Journalist]:
    """Other journalists with the same Latin name or the same email address."""
    conditions = [func.lower(Journalist.name_latin) == journalist.name_latin.strip().lower()]
    if journalist.email:
        conditions.append(func.lower(Journalist.email) == journalist.email.lower())
    return list(
        session.scalars(
            select(Journalist)
            .where(Journalist.id != journalist.id, Journalist.erased_at.is_(None), or_(*conditions))
            .order_by(Journalist.id)
        )
    )


def identity_documents(session: Session, journalist: Journalist) -> list[IdentityDocument]:
    """All identity documents of a journalist. Callers check ``identity.manage`` per trip."""
    return list(
        session.scalars(
            select(IdentityDocument)
            .where(IdentityDocument.journalist_id == journalist.id)
            .order_by(IdentityDocument.created_at)
        )
    )


def readable_identity_documents(
    session: Session, actor: Person, journalist: Journalist
) -> list[IdentityDocument]:
    return [
        document
        for document in identity_documents(session, journalist)
        if can(actor, "identity.manage", document.trip)
    ]


def invitations_of(session: Session, journalist: Journalist) -> list[Invitation]:
    return list(
        session.scalars(
            select(Invitation)
            .where(Invitation.journalist_id == journalist.id)
            .options(selectinload(Invitation.trip))
            .order_by(Invitation.id.desc())
        )
    )


# --- trips -------------------------------------------------------------------------------------


def _trips_query() -> Select:
    return (
        select(Trip)
        .options(selectinload(Trip.host_unit), selectinload(Trip.coordinators))
        .order_by(Trip.start_date.desc(), Trip.id.desc())
    )


def _assigned_trip_ids(person: Person) -> Select:
    staffed = select(ItineraryItem.trip_id).where(
        or_(ItineraryItem.escort_id == person.id, ItineraryItem.interpreter_id == person.id)
    )
    coordinated = select(trip_coordinators.c.trip_id).where(
        trip_coordinators.c.person_id == person.id
    )
    return staffed.union(coordinated)


def visible_trips(
    session: Session, actor: Person, *, status: str | None = None, search: str | None = None
) -> list[Trip]:
    """Trips the actor may see (field staff: the ones they are assigned to), newest first."""
    query = _trips_query()
    if actor.role == Role.FIELD:
        query = query.where(Trip.id.in_(_assigned_trip_ids(actor)))
    if status:
        query = query.where(Trip.status == status)
    if search:
        query = query.where(func.lower(Trip.title).like(f"%{search.strip().lower()}%"))
    return list(session.scalars(query))


def trips_in_calendar(
    session: Session,
    actor: Person,
    *,
    since: date,
    until: date,
    concerned_only: bool = False,
    host_unit_id: int | None = None,
) -> list[CalendarItem]:
    """The trips ``actor`` may see (as ``visible_trips``) whose days touch [since, until], as
    calendar items; cancelled ones left out. With ``concerned_only``, only the trips ``actor``
    works on (coordinator, escort, interpreter) or that their unit hosts: their personal feed.
    With ``host_unit_id``, only the trips that unit hosts. One query."""
    query = select(Trip).where(
        Trip.start_date <= until,
        Trip.end_date >= since,
        Trip.status != TripStatus.CANCELLED,
    )
    if actor.role == Role.FIELD or concerned_only:
        mine = Trip.id.in_(_assigned_trip_ids(actor))
        if actor.role != Role.FIELD and actor.unit_id is not None:
            mine = or_(mine, Trip.host_unit_id == actor.unit_id)
        query = query.where(mine)
    if host_unit_id is not None:
        query = query.where(Trip.host_unit_id == host_unit_id)
    query = query.order_by(Trip.start_date, Trip.id)
    return [
        CalendarItem(
            kind=ItemKind.TRIP,
            target_id=trip.id,
            uid=f"herald-trip-{trip.id}",
            title=trip.title,
            changed_at=trip.updated_at,
            status=trip.status,
            timezone=trip.timezone,
            start_date=trip.start_date,
            end_date=trip.end_date,
            location=trip.city,
            description=trip.theme,
        )
        for trip in session.scalars(query)
    ]


_TRIP_VERSION = select(
    select(func.count(Trip.id)).scalar_subquery(),
    select(func.max(Trip.updated_at)).scalar_subquery(),
    # Who is concerned by a trip changes with its itinerary's escorts and interpreters, and
    # with its coordinators (a list that moves no updated_at: counted, and summed as a check).
    select(func.count(ItineraryItem.id)).scalar_subquery(),
    select(func.max(ItineraryItem.updated_at)).scalar_subquery(),
    select(func.count()).select_from(trip_coordinators).scalar_subquery(),
    select(
        func.sum(trip_coordinators.c.person_id * 100_003 + trip_coordinators.c.trip_id)
    ).scalar_subquery(),
)


def trips_version(session: Session) -> tuple[Any, ...]:
    """Counts and last changes of trips and their itineraries, in one round trip: moves
    whenever a trip a calendar feed carries changes, or who it concerns (services move
    ``updated_at``), so cached feeds are written again."""
    return tuple(session.execute(_TRIP_VERSION).one())


def get_trip(session: Session, trip_id: int | None, *, actor: Person | None = None) -> Trip:
    """The trip, if it exists and the actor may see it. Raises NotFound."""
    trip = session.get(Trip, trip_id) if trip_id else None
    if trip is None or (actor is not None and not can(actor, "trip.view", trip)):
        raise NotFound(N_("There is no such trip."))
    return trip


def get_invitation(session: Session, invitation_id: int, *, actor: Person | None = None):
    invitation = session.get(Invitation, invitation_id)
    if invitation is None or (actor is not None and not can(actor, "trip.view", invitation.trip)):
        raise NotFound(N_("There is no such invitation."))
    return invitation


def get_item(session: Session, item_id: int, *, actor: Person | None = None) -> ItineraryItem:
    item = session.get(ItineraryItem, item_id)
    if item is None or (actor is not None and not can(actor, "trip.view", item.trip)):
        raise NotFound(N_("There is no such itinerary item."))
    return item


def get_interview(session: Session, interview_id: int, *, actor: Person | None = None):
    interview = session.get(InterviewRequest, interview_id)
    if interview is None or (actor is not None and not can(actor, "trip.view", interview.trip)):
        raise NotFound(N_("There is no such interview request."))
    return interview


def interviews_of(session: Session, trip: Trip) -> list[InterviewRequest]:
    return list(
        session.scalars(
            select(InterviewRequest)
            .where(InterviewRequest.trip_id == trip.id)
            .order_by(InterviewRequest.id)
        )
    )


def staff_candidates(session: Session) -> list[Person]:
    """People who can escort or interpret: everyone active but read-only viewers, by name."""
    people = session.scalars(select(Person).where(Person.active.is_(True)).order_by(Person.name))
    return [person for person in people if can(person, "trip.staff", None)]


def coordinator_candidates(session: Session, host: Unit | None) -> list[Person]:
    """People who may be named coordinators of a trip hosted by ``host``: those who may run it
    (coordinators, admins, the host unit's editors), by name."""
    return [
        person
        for person in staff_candidates(session)
        if host is not None and can(person, "trip.run", host)
    ]


def trips_for_staff(session: Session, person: Person) -> list[Trip]:
    return list(session.scalars(_trips_query().where(Trip.id.in_(_assigned_trip_ids(person)))))


def items_for_staff(
    session: Session, person: Person, *, since: datetime, until: datetime
) -> list[ItineraryItem]:
    """Items the person escorts or interprets that start in [since, until), cancelled ones
    left out: their agenda (the bot's daily digest, reminders)."""
    return list(
        session.scalars(
            select(ItineraryItem)
            .join(Trip, ItineraryItem.trip_id == Trip.id)
            .where(
                or_(
                    ItineraryItem.escort_id == person.id, ItineraryItem.interpreter_id == person.id
                ),
                ItineraryItem.status != ItemStatus.CANCELLED,
                Trip.status.not_in(_DORMANT_TRIPS),
                ItineraryItem.starts_at >= since,
                ItineraryItem.starts_at < until,
            )
            .options(selectinload(ItineraryItem.trip))
            .order_by(ItineraryItem.starts_at)
        )
    )


def interviews_for_staff(
    session: Session, person: Person, *, since: datetime, until: datetime
) -> list[InterviewRequest]:
    """Interviews scheduled on the trips the person works on (as coordinator, escort or
    interpreter) whose itinerary item starts in [since, until), cancelled items left out."""
    return list(
        session.scalars(
            select(InterviewRequest)
            .join(ItineraryItem, InterviewRequest.item_id == ItineraryItem.id)
            .join(Trip, ItineraryItem.trip_id == Trip.id)
            .where(
                InterviewRequest.trip_id.in_(_assigned_trip_ids(person)),
                InterviewRequest.status != InterviewStatus.DECLINED,
                ItineraryItem.status != ItemStatus.CANCELLED,
                Trip.status.not_in(_DORMANT_TRIPS),
                ItineraryItem.starts_at >= since,
                ItineraryItem.starts_at < until,
            )
            .options(
                selectinload(InterviewRequest.item).selectinload(ItineraryItem.trip),
                selectinload(InterviewRequest.journalist),
            )
            .order_by(ItineraryItem.starts_at, InterviewRequest.id)
        )
    )


def current_trip_for_staff(session: Session, person: Person, *, now: datetime) -> Trip | None:
    """The trip the person works on that is in progress today (on the trip's own calendar),
    else the next one to start; cancelled and postponed trips left out. None when there is
    neither."""
    trips = [trip for trip in trips_for_staff(session, person) if trip.status not in _DORMANT_TRIPS]
    in_progress, coming = [], []
    for trip in trips:
        today = now.astimezone(ZoneInfo(trip.timezone)).date()
        if trip.start_date <= today <= trip.end_date:
            in_progress.append(trip)
        elif trip.start_date > today:
            coming.append(trip)
    chosen = in_progress or coming
    if not chosen:
        return None
    return min(chosen, key=lambda trip: (trip.start_date, trip.id))


def items_for_invitation(invitation: Invitation) -> list[ItineraryItem]:
    """What concerns one journalist: items naming them, and items naming nobody."""
    return [
        item
        for item in invitation.trip.items
        if not item.participants or any(p.id == invitation.id for p in item.participants)
    ]


def linkable_events(
    session: Session, actor: Person | None, *, around: datetime, limit: int = 300
) -> list[Event]:
    """Events a trip may be linked to: those the actor may see, not cancelled, from a year
    before to two years after."""
    since, until = around - timedelta(days=400), around + timedelta(days=800)
    return list(
        session.scalars(
            select(Event)
            .where(
                visibility_clause(actor),
                Event.status != EventStatus.CANCELLED,
                ((Event.starts_at >= since) & (Event.starts_at <= until))
                | ((Event.start_date >= since.date()) & (Event.start_date <= until.date())),
            )
            .order_by(Event.start_date, Event.starts_at)
            .limit(limit)
        )
    )


def letterhead_of(session: Session, unit_id: int) -> Letterhead | None:
    return session.scalar(select(Letterhead).where(Letterhead.unit_id == unit_id))


# --- clashes -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemProbe:
    """An itinerary item as it is or as it would be saved: what clash detection looks at."""

    starts_at: datetime
    ends_at: datetime
    timezone: str
    city: str
    activity: str
    escort_id: int | None = None
    interpreter_id: int | None = None
    item_id: int | None = None


def probe_of(item: ItineraryItem) -> ItemProbe:
    return ItemProbe(
        starts_at=item.starts_at,
        ends_at=item.ends_at,
        timezone=item.timezone,
        city=item.city or item.trip.city,
        activity=item.activity,
        escort_id=item.escort_id,
        interpreter_id=item.interpreter_id,
        item_id=item.id,
    )


def item_clashes(
    session: Session, trip: Trip, probe: ItemProbe, *, actor: Person | None = None
) -> list[Clash]:
    """Clashes of one (possibly unsaved) itinerary item: outside the trip's dates, escort or
    interpreter booked elsewhere at the same time, a national-priority event in the same city.
    Another trip that ``actor`` may not see is not named."""
    clashes: list[Clash] = []
    outside = outside_dates_clash(probe, trip.start_date, trip.end_date)
    if outside is not None:
        clashes.append(outside)
    clashes.extend(_staff_clashes(session, trip, probe, actor))
    clashes.extend(_event_clashes(session, probe))
    return clashes


def outside_dates_clash(probe: ItemProbe, start: date, end: date) -> Clash | None:
    """The clash of an item that falls (locally) outside the days [start, end], if it does."""
    if not rules.outside_trip(probe.starts_at, probe.ends_at, probe.timezone, start, end):
        return None
    day = probe.starts_at.astimezone(ZoneInfo(probe.timezone)).date()
    return Clash(
        ClashKind.OUTSIDE_TRIP_DATES,
        N_("“%(activity)s” on %(day)s is outside the trip dates (%(start)s to %(end)s)."),
        {
            "activity": probe.activity,
            "day": day.isoformat(),
            "start": start.isoformat(),
            "end": end.isoformat(),
        },
        probe.item_id,
    )


def _hidden_trip(actor: Person | None, trip: Trip) -> bool:
    """A clash with ``trip`` must not name it (nor its items) to ``actor``."""
    return actor is not None and not can(actor, "trip.view", trip)


def _staff_clashes(
    session: Session, trip: Trip, probe: ItemProbe, actor: Person | None
) -> list[Clash]:
    people = {i for i in (probe.escort_id, probe.interpreter_id) if i is not None}
    if not people:
        return []
    query = (
        select(ItineraryItem)
        .join(Trip, ItineraryItem.trip_id == Trip.id)
        .where(
            ItineraryItem.status != ItemStatus.CANCELLED,
            Trip.status.not_in(_DORMANT_TRIPS),
            ItineraryItem.starts_at < probe.ends_at,
            ItineraryItem.ends_at > probe.starts_at,
            or_(ItineraryItem.escort_id.in_(people), ItineraryItem.interpreter_id.in_(people)),
        )
        .order_by(ItineraryItem.starts_at)
    )
    if probe.item_id is not None:
        query = query.where(ItineraryItem.id != probe.item_id)
    clashes = []
    for other in session.scalars(query):
        # Two items of one trip clash with each other: the trip's page names the pair once.
        if probe.item_id is not None and other.trip_id == trip.id and other.id < probe.item_id:
            continue
        for person_id in people & {other.escort_id, other.interpreter_id}:
            person = session.get(Person, person_id)
            if _hidden_trip(actor, other.trip):
                clashes.append(
                    Clash(
                        ClashKind.STAFF_DOUBLE_BOOKED,
                        N_("%(person)s is booked at the same time on another trip."),
                        {"person": person.name if person else "?"},
                        probe.item_id,
                    )
                )
                continue
            clashes.append(
                Clash(
                    ClashKind.STAFF_DOUBLE_BOOKED,
                    N_("%(person)s is booked twice: “%(activity)s” and “%(other)s” (%(trip)s)."),
                    {
                        "person": person.name if person else "?",
                        "activity": probe.activity,
                        "other": other.activity,
                        "trip": other.trip.title,
                    },
                    probe.item_id,
                )
            )
    return clashes


def _event_clashes(session: Session, probe: ItemProbe) -> list[Clash]:
    if not probe.city:
        return []
    first_day = (probe.starts_at - timedelta(days=1)).date()
    last_day = (probe.ends_at + timedelta(days=1)).date()
    candidates = session.scalars(
        select(Event).where(
            Event.priority == Priority.NATIONAL,
            Event.status != EventStatus.CANCELLED,
            # Restricted events are not revealed through someone else's itinerary.
            Event.visibility != Visibility.RESTRICTED,
            or_(
                (Event.starts_at < probe.ends_at)
                & (Event.starts_at >= probe.starts_at - timedelta(days=2)),
                (Event.start_date <= last_day) & (Event.end_date >= first_day),
            ),
        )
    )
    clashes = []
    for event in candidates:
        if not rules.same_city(probe.city, event.location) or not _event_overlaps(event, probe):
            continue
        clashes.append(
            Clash(
                ClashKind.NATIONAL_EVENT,
                N_("“%(activity)s” overlaps the national-priority event “%(event)s” in %(city)s."),
                {"activity": probe.activity, "event": event.title, "city": probe.city},
                probe.item_id,
            )
        )
    return clashes


def _event_overlaps(event: Event, probe: ItemProbe) -> bool:
    if event.all_day or event.starts_at is None:
        if event.start_date is None:
            return False
        first, last = rules.local_dates(probe.starts_at, probe.ends_at, event.timezone)
        return rules.overlaps(first, last, event.start_date, event.end_date or event.start_date)
    ends_at = event.ends_at or event.starts_at + timedelta(hours=1)
    return rules.overlaps(probe.starts_at, probe.ends_at, event.starts_at, ends_at)


def journalist_clashes(
    session: Session,
    trip: Trip,
    journalist: Journalist,
    *,
    start: date,
    end: date,
    actor: Person | None = None,
) -> list[Clash]:
    """Other live trips, overlapping [start, end], on which the journalist holds a seat.
    A trip that ``actor`` may not see is not named."""
    others = session.scalars(
        select(Trip)
        .join(Invitation, Invitation.trip_id == Trip.id)
        .where(
            Invitation.journalist_id == journalist.id,
            Invitation.status.in_(rules.ACTIVE_INVITATIONS),
            Trip.id != (trip.id or 0),
            Trip.status.not_in(_DORMANT_TRIPS),
            Trip.start_date <= end,
            Trip.end_date >= start,
        )
        .order_by(Trip.start_date)
    )
    return [
        Clash(
            ClashKind.JOURNALIST_ON_TWO_TRIPS,
            N_("%(journalist)s is also on another trip at the same time."),
            {"journalist": journalist.name_latin},
        )
        if _hidden_trip(actor, other)
        else Clash(
            ClashKind.JOURNALIST_ON_TWO_TRIPS,
            N_("%(journalist)s is also on the trip “%(trip)s” (%(start)s to %(end)s)."),
            {
                "journalist": journalist.name_latin,
                "trip": other.title,
                "start": other.start_date.isoformat(),
                "end": other.end_date.isoformat(),
            },
        )
        for other in others
    ]


def trip_clashes(session: Session, trip: Trip, *, actor: Person | None = None) -> list[Clash]:
    """Every clash in a trip's plan, for its page, naming only what ``actor`` may see."""
    if trip.status in _DORMANT_TRIPS:
        return []
    clashes: list[Clash] = []
    for invitation in trip.invitations:
        if invitation.status in rules.ACTIVE_INVITATIONS:
            clashes.extend(
                journalist_clashes(
                    session,
                    trip,
                    invitation.journalist,
                    start=trip.start_date,
                    end=trip.end_date,
                    actor=actor,
                )
            )
    for item in trip.items:
        if item.status != ItemStatus.CANCELLED:
            clashes.extend(item_clashes(session, trip, probe_of(item), actor=actor))
    return rules.unique_clashes(clashes)


# --- coverage ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CoverageFilter:
    trip_id: int | None = None
    journalist_id: int | None = None
    outlet_id: int | None = None
    status: str | None = None
    tone: str | None = None
    language: str | None = None


def coverage_items(
    session: Session, actor: Person, coverage_filter: CoverageFilter | None = None
) -> list[CoverageItem]:
    """Coverage the actor may see (``coverage_seen_by``)."""
    wanted = coverage_filter or CoverageFilter()
    query = (
        select(CoverageItem)
        .options(
            selectinload(CoverageItem.outlet),
            selectinload(CoverageItem.journalist),
            selectinload(CoverageItem.trip),
        )
        .order_by(CoverageItem.published_on.desc(), CoverageItem.id.desc())
    )
    seen = coverage_seen_by(actor)
    if seen is not None:
        query = query.where(seen)
    for column, value in (
        (CoverageItem.trip_id, wanted.trip_id),
        (CoverageItem.journalist_id, wanted.journalist_id),
        (CoverageItem.outlet_id, wanted.outlet_id),
        (CoverageItem.status, wanted.status),
        (CoverageItem.tone, wanted.tone),
        (CoverageItem.language, wanted.language),
    ):
        if value:
            query = query.where(column == value)
    return list(session.scalars(query))


def coverage_seen_by(actor: Person | None) -> Any:
    """The SQL condition on ``CoverageItem`` rows that ``actor`` may see (None: all of it), for
    the coverage list and every figure that adds coverage up. Field staff see the coverage of
    the trips they work on, and their own reports outside any trip: a report on a trip they no
    longer work on would name that trip."""
    if actor is None or actor.role != Role.FIELD:
        return None
    return or_(
        CoverageItem.trip_id.in_(_assigned_trip_ids(actor)),
        and_(CoverageItem.reported_by_id == actor.id, CoverageItem.trip_id.is_(None)),
    )


def may_see_coverage(actor: Person | None, item: CoverageItem) -> bool:
    """``coverage_seen_by`` for one item: field staff see the coverage of the trips they work on
    and what they reported outside any trip; the others all of it."""
    if actor is None or actor.role != Role.FIELD:
        return True
    if item.trip is None:
        return item.reported_by_id == actor.id
    return can(actor, "trip.view", item.trip)


def get_coverage_item(session: Session, item_id: int, *, actor: Person | None = None):
    item = session.get(CoverageItem, item_id)
    if item is None or not may_see_coverage(actor, item):
        raise NotFound(N_("There is no such coverage item."))
    return item


def coverage_by_url(session: Session, normalised_url: str) -> CoverageItem | None:
    return session.scalar(select(CoverageItem).where(CoverageItem.normalised_url == normalised_url))


def coverage_of_trip(session: Session, trip: Trip) -> list[CoverageItem]:
    return list(
        session.scalars(
            select(CoverageItem)
            .where(CoverageItem.trip_id == trip.id)
            .options(selectinload(CoverageItem.outlet), selectinload(CoverageItem.journalist))
            .order_by(CoverageItem.published_on, CoverageItem.id)
        )
    )


def coverage_articles_for_campaign(session: Session, campaign_id: int) -> int:
    """Articles found or verified for a campaign (directly, or through one of its trips): what
    a campaign's "coverage_articles" target is measured against."""
    trip_ids = select(Trip.id).where(Trip.campaign_id == campaign_id)
    return (
        session.scalar(
            select(func.count())
            .select_from(CoverageItem)
            .where(
                CoverageItem.status.in_((CoverageStatus.FOUND, CoverageStatus.VERIFIED)),
                or_(CoverageItem.campaign_id == campaign_id, CoverageItem.trip_id.in_(trip_ids)),
            )
        )
        or 0
    )
