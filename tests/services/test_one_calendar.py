"""One calendar: press trips and publications as calendar items, for the people who may see
them, and their iCalendar text."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import icalendar

from campaigns.calendar.ical import FeedContents, render_feed
from campaigns.calendar.items import DEFAULT_KINDS, ItemKind, kinds_from
from campaigns.press import queries as press_queries
from campaigns.press import trips
from campaigns.social import queries as social_queries
from tests.factories import create_person, create_unit
from tests.press_factories import add_item, create_trip
from tests.social_factories import at_utc, create_channel, scheduled_post

SINCE, UNTIL = date(2027, 8, 1), date(2027, 9, 30)


def test_trips_in_calendar_touch_the_window_and_leave_cancelled_out(session, now):
    host = create_unit(session, kind="ministry")
    inside = create_trip(session, host, start=date(2027, 8, 30), days=5, title="Mekong Delta")
    across = create_trip(session, host, start=date(2027, 7, 28), days=5)
    create_trip(session, host, start=date(2027, 10, 5), days=3)  # after the window
    cancelled = create_trip(session, host, start=date(2027, 9, 3), days=2)
    trips.change_trip_status(session, actor=None, now=now, trip=cancelled, status="cancelled")
    coordinator = create_person(session, "coordinator")

    items = press_queries.trips_in_calendar(session, coordinator, since=SINCE, until=UNTIL)

    assert [item.target_id for item in items] == [across.id, inside.id]
    item = items[1]
    assert item.kind is ItemKind.TRIP
    assert item.uid == f"herald-trip-{inside.id}"
    assert (item.start_date, item.end_date) == (date(2027, 8, 30), date(2027, 9, 3))
    assert item.title == "Mekong Delta" and item.location == "Hà Nội"


def test_field_staff_see_only_the_trips_they_work_on(session, now):
    host = create_unit(session, kind="ministry")
    escort = create_person(session, "field")
    theirs = create_trip(session, host, start=date(2027, 9, 1))
    add_item(session, theirs, escort=escort)
    create_trip(session, host, start=date(2027, 9, 2))  # not theirs: hidden from them

    items = press_queries.trips_in_calendar(session, escort, since=SINCE, until=UNTIL)

    assert [item.target_id for item in items] == [theirs.id]


def test_personal_selection_keeps_the_trips_a_person_works_on_or_their_unit_hosts(session, now):
    own_unit = create_unit(session, kind="ministry")
    other_unit = create_unit(session, kind="ministry")
    editor = create_person(session, "editor", own_unit)
    hosted = create_trip(session, own_unit, start=date(2027, 9, 1))
    staffed = create_trip(session, other_unit, start=date(2027, 9, 5))
    add_item(session, staffed, interpreter=editor)
    elsewhere = create_trip(session, other_unit, start=date(2027, 9, 10))

    every = press_queries.trips_in_calendar(session, editor, since=SINCE, until=UNTIL)
    concerned = press_queries.trips_in_calendar(
        session, editor, since=SINCE, until=UNTIL, concerned_only=True
    )
    of_other_unit = press_queries.trips_in_calendar(
        session, editor, since=SINCE, until=UNTIL, host_unit_id=other_unit.id
    )

    assert {item.target_id for item in every} == {hosted.id, staffed.id, elsewhere.id}
    assert {item.target_id for item in concerned} == {hosted.id, staffed.id}
    assert {item.target_id for item in of_other_unit} == {staffed.id, elsewhere.id}


def test_trips_version_moves_when_a_trip_or_its_itinerary_changes(session, now):
    trip = create_trip(session, start=date(2027, 9, 1))
    first = press_queries.trips_version(session)
    trips.change_trip_status(
        session, actor=None, now=now + timedelta(days=400), trip=trip, status="planned"
    )
    second = press_queries.trips_version(session)
    add_item(session, trip)
    third = press_queries.trips_version(session)
    trip.coordinators.append(create_person(session, "coordinator"))
    session.flush()
    fourth = press_queries.trips_version(session)
    trip.coordinators[:] = [create_person(session, "coordinator")]
    session.flush()
    fifth = press_queries.trips_version(session)
    assert len({first, second, third, fourth, fifth}) == 5


def test_publications_in_calendar_name_post_and_channel(session, now):
    unit = create_unit(session)
    channel = create_channel(session, owner_unit=unit, name="Embassy X")
    post = scheduled_post(session, [channel], at_utc(2026, 12, 2, 8), now, title="Tết greetings")
    other = scheduled_post(session, [create_channel(session)], at_utc(2026, 12, 3, 8), now)
    viewer = create_person(session, "viewer", unit)

    every = social_queries.publications_in_calendar(
        session, viewer, since=at_utc(2026, 12, 1), until=at_utc(2026, 12, 31)
    )
    concerned = social_queries.publications_in_calendar(
        session, viewer, since=at_utc(2026, 12, 1), until=at_utc(2026, 12, 31), concerned_only=True
    )
    before = social_queries.publications_in_calendar(
        session, viewer, since=at_utc(2026, 12, 1), until=at_utc(2026, 12, 2, 8)
    )

    assert [item.target_id for item in every] == [post.id, other.id]
    assert every[0].title == "Tết greetings · Embassy X"
    assert every[0].starts_at == at_utc(2026, 12, 2, 8)
    assert [item.target_id for item in concerned] == [post.id]
    assert before == []  # the end of the window is left out


def test_kinds_from_names_and_default():
    assert kinds_from(None) == DEFAULT_KINDS
    assert ItemKind.PUBLICATION not in DEFAULT_KINDS
    assert kinds_from(["trips,publications", "nonsense"]) == {
        ItemKind.TRIP,
        ItemKind.PUBLICATION,
    }
    assert kinds_from([""]) == frozenset()


def test_trip_and_publication_are_vevents_with_stable_uids(session, now):
    trip = create_trip(session, start=date(2027, 9, 1), days=3, title="Hạ Long; Bay")
    channel = create_channel(session)
    scheduled_post(session, [channel], at_utc(2027, 9, 2, 1, 30), now, title="Live")
    coordinator = create_person(session, "coordinator")
    items = press_queries.trips_in_calendar(session, coordinator, since=SINCE, until=UNTIL)
    items += social_queries.publications_in_calendar(
        session, coordinator, since=at_utc(2027, 9, 1), until=at_utc(2027, 9, 30)
    )

    body = render_feed(FeedContents(items=items), name="Herald", locale="en")
    again = render_feed(FeedContents(items=list(reversed(items))), name="Herald", locale="en")

    assert body == again
    found = {str(v["UID"]): v for v in icalendar.Calendar.from_ical(body).walk("VEVENT")}
    vtrip = found[f"herald-trip-{trip.id}"]
    assert str(vtrip["SUMMARY"]) == "Hạ Long; Bay"
    assert vtrip["DTSTART"].dt == date(2027, 9, 1)
    assert vtrip["DTEND"].dt == date(2027, 9, 4)  # exclusive
    (publication,) = [v for uid, v in found.items() if uid.startswith("herald-publication-")]
    assert publication["DTSTART"].dt.astimezone(UTC) == datetime(2027, 9, 2, 1, 30, tzinfo=UTC)
