"""The calendar demo: events relative to now in several zones, the dataset with owners, the
planning tasks already due; loading twice changes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from campaigns.calendar import queries
from campaigns.calendar.demo import (
    DEMO_EVENTS,
    QUIET_DAY_REASON,
    demo_uid,
    load_calendar_demo,
)
from campaigns.calendar.models import Anniversary, Event, PlanningTask
from campaigns.calendar.quiet_days import list_quiet_days
from campaigns.demo import load_demo_data
from campaigns.org.models import AuditEntry
from campaigns.org.queries import person_by_email, unit_by_code
from campaigns.press import queries as press_queries
from campaigns.press.models import Trip
from campaigns.programme import conference_demo


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def load(session, now):
    load_demo_data(session, now=now)
    load_calendar_demo(session, now=now)


def test_the_demo_calendar_is_relative_to_now_and_loads_once(session, now):
    load(session, now)
    # The programme area's demo adds next month's national conference (tested with it).
    events = list(session.scalars(select(Event).where(Event.uid != conference_demo.EVENT_UID)))
    assert {event.uid for event in events} == {demo_uid(demo.key) for demo in DEMO_EVENTS}
    assert len({event.timezone for event in events}) >= 5
    for event in events:
        start = event.starts_at or datetime.combine(event.start_date, datetime.min.time(), UTC)
        assert now < start < now + timedelta(days=120), event.title
    cancelled = [event for event in events if event.status == "cancelled"]
    assert [event.uid for event in cancelled] == [demo_uid("film-week-paris")]
    exhibition = queries.event_by_uid(session, demo_uid("photo-exhibition-phnom-penh"))
    assert (exhibition.owner_unit.code, exhibition.timezone) == ("mission-kh", "Asia/Phnom_Penh")
    assert {unit.code for unit in exhibition.participants} == {"prov-tayninh", "prov-angiang"}

    counts = (count(session, Event), count(session, Anniversary), count(session, PlanningTask))
    audit = count(session, AuditEntry)
    load(session, now + timedelta(hours=1))
    assert (count(session, Event), count(session, Anniversary), count(session, PlanningTask)) == (
        counts
    )
    assert count(session, AuditEntry) == audit


def test_the_demo_planning_meeting_is_restricted(session, now):
    load(session, now)
    meeting = queries.event_by_uid(session, demo_uid("planning-meeting"))
    viewer = person_by_email(session, "viewer@example.org")  # Tay Ninh
    coordinator2 = person_by_email(session, "coordinator2@example.org")
    editor = person_by_email(session, "editor@example.org")  # MOFA press, the owner
    assert meeting not in queries.visible_events(session, viewer)
    assert meeting in queries.visible_events(session, editor)
    assert meeting in queries.visible_events(session, coordinator2)
    assert meeting not in queries.visible_events(session, None)


def test_the_demo_gives_relations_to_missions_and_creates_due_tasks(session, now):
    load(session, now)
    by_key = {a.dataset_key: a for a in session.scalars(select(Anniversary))}
    assert by_key["relations-kh"].owner_unit == unit_by_code(session, "mission-kh")
    assert by_key["relations-us"].owner_unit == unit_by_code(session, "mission-us")
    assert by_key["relations-cn"].owner_unit == unit_by_code(session, "mofa-press")
    assert by_key["national-day"].owner_unit == unit_by_code(session, "mofa-press")
    assert all(a.owner_unit_id is not None for a in by_key.values())
    # Whatever lies within its tier's lead time has its task, for its owner unit.
    tasks = list(session.scalars(select(PlanningTask)))
    assert tasks
    assert all(task.unit_id is not None for task in tasks)
    assert all(task.occurrence_date >= now.date() for task in tasks)


def test_the_cambodia_journey_in_the_demo(session):
    six_months_before = datetime(2026, 12, 26, 3, 0, tzinfo=UTC)
    load(session, six_months_before)
    editor_kh = person_by_email(session, "editor.kh@example.org")
    titles = [task.title_en for task in queries.open_planning_tasks(session, editor_kh)]
    assert (
        "Prepare the 60th anniversary of Vietnam–Cambodia diplomatic relations — 24 Jun 2027"
        in titles
    )


def test_the_demo_has_a_quiet_day_and_its_trips_are_on_the_calendar(session, now):
    load(session, now)
    (quiet,) = list_quiet_days(session)
    assert quiet.reason == QUIET_DAY_REASON and (quiet.start_date.month, quiet.start_date.day) == (
        7,
        27,
    )
    assert quiet.unit_id is None
    coordinator = person_by_email(session, "coordinator@example.org")
    trips = list(session.scalars(select(Trip).where(Trip.status != "cancelled")))
    assert trips
    first = min(trip.start_date for trip in trips)
    last = max(trip.end_date for trip in trips)
    items = press_queries.trips_in_calendar(session, coordinator, since=first, until=last)
    assert {item.target_id for item in items} == {trip.id for trip in trips}
    assert first <= date(2027, 12, 31)  # the demo's trips are this year's or next
    load(session, now + timedelta(hours=1))
    assert len(list_quiet_days(session)) == 1
