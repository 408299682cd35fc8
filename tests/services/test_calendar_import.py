"""Importing .ics files: expansion within a window, zones kept, re-import updates, and hostile
files refused with a reason and nothing half-imported."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime

import pytest
import recurring_ical_events
from sqlalchemy import func, select

from campaigns.calendar import services
from campaigns.calendar.models import Event
from campaigns.errors import Invalid
from campaigns.org.models import AuditEntry
from tests.factories import create_person, create_unit

SINCE, UNTIL = date(2025, 3, 1), date(2025, 4, 30)


def calendar(*events: str) -> bytes:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Test//EN"]
    for event in events:
        lines += ["BEGIN:VEVENT", *event.strip().splitlines(), "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return ("\r\n".join(line.strip() for line in lines) + "\r\n").encode()


WEEKLY = """
UID:weekly-briefing@example.org
DTSTAMP:20250101T000000Z
DTSTART;TZID=Europe/Paris:20250317T100000
DTEND;TZID=Europe/Paris:20250317T110000
RRULE:FREQ=WEEKLY;COUNT=6
EXDATE;TZID=Europe/Paris:20250331T100000
SUMMARY:Weekly press briefing
LOCATION:Ambassade, Paris
"""
WEEKLY_MOVED = """
UID:weekly-briefing@example.org
DTSTAMP:20250101T000000Z
RECURRENCE-ID;TZID=Europe/Paris:20250407T100000
DTSTART;TZID=Europe/Paris:20250407T150000
DTEND;TZID=Europe/Paris:20250407T160000
SUMMARY:Weekly press briefing (afternoon)
"""
FESTIVAL = """
UID:festival@example.org
DTSTAMP:20250101T000000Z
DTSTART;VALUE=DATE:20250405
DTEND;VALUE=DATE:20250407
SUMMARY:Festival
"""
FLOATING = """
UID:floating@example.org
DTSTAMP:20250101T000000Z
DTSTART:20250320T090000
DTEND:20250320T100000
SUMMARY:Call
STATUS:CANCELLED
"""
OUTSIDE = """
UID:outside@example.org
DTSTAMP:20250101T000000Z
DTSTART:20250610T090000Z
SUMMARY:Too late for the window
"""


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def run_import(session, now, content, unit, **fields):
    values = {"owner_unit_code": unit.code, "since": SINCE, "until": UNTIL}
    values.update(fields)
    return services.import_ics(session, actor=None, now=now, content=content, **values)


@pytest.fixture
def unit(session):
    return create_unit(session, timezone="Asia/Ho_Chi_Minh")


def test_a_calendar_is_imported_with_recurrences_expanded_in_the_window(session, now, unit):
    content = calendar(WEEKLY, WEEKLY_MOVED, FESTIVAL, FLOATING, OUTSIDE)
    result = run_import(session, now, content, unit, visibility="public", kind="cultural")
    # Weekly: 17, 24 Mar, (31 excluded), 7 Apr moved, 14, 21 Apr; plus the festival and the call.
    assert (result.created, result.updated, result.unchanged) == (7, 0, 0)
    events = list(session.scalars(select(Event).order_by(Event.id)))
    briefings = sorted(
        (e for e in events if e.external_uid == "weekly-briefing@example.org"),
        key=lambda e: e.starts_at,
    )
    assert [(e.starts_at, e.title) for e in briefings] == [
        (datetime(2025, 3, 17, 9, 0, tzinfo=UTC), "Weekly press briefing"),
        (datetime(2025, 3, 24, 9, 0, tzinfo=UTC), "Weekly press briefing"),
        # Paris moved to summer time on 30 March: 10:00 is now 08:00 UTC.
        (datetime(2025, 4, 7, 13, 0, tzinfo=UTC), "Weekly press briefing (afternoon)"),
        (datetime(2025, 4, 14, 8, 0, tzinfo=UTC), "Weekly press briefing"),
        (datetime(2025, 4, 21, 8, 0, tzinfo=UTC), "Weekly press briefing"),
    ]
    assert {e.timezone for e in briefings} == {"Europe/Paris"}
    assert [e.external_recurrence for e in briefings] == [
        "20250317T090000Z",
        "20250324T090000Z",
        "20250407T080000Z",
        "20250414T080000Z",
        "20250421T080000Z",
    ]
    assert briefings[0].location == "Ambassade, Paris"
    festival = next(e for e in events if e.title == "Festival")
    assert (festival.all_day, festival.start_date, festival.end_date) == (
        True,
        date(2025, 4, 5),
        date(2025, 4, 6),
    )
    assert festival.external_recurrence == ""
    call = next(e for e in events if e.title == "Call")
    # A floating time is read on the owner unit's wall clock.
    assert (call.starts_at, call.timezone, call.status) == (
        datetime(2025, 3, 20, 2, 0, tzinfo=UTC),
        "Asia/Ho_Chi_Minh",
        "cancelled",
    )
    assert {(e.owner_unit_id, e.visibility, e.kind) for e in events} == {
        (unit.id, "public", "cultural")
    }
    assert len({e.uid for e in events}) == 7
    assert count(session, AuditEntry) >= 7


def test_importing_the_same_file_again_updates_instead_of_duplicating(session, now, unit):
    content = calendar(WEEKLY, WEEKLY_MOVED, FESTIVAL)
    run_import(session, now, content, unit)
    uids = set(session.scalars(select(Event.uid)))
    again = run_import(session, now, content, unit)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 6)
    assert set(session.scalars(select(Event.uid))) == uids

    changed = calendar(
        WEEKLY.replace("COUNT=6", "COUNT=5").replace("Ambassade, Paris", "Consulat, Lyon"),
        WEEKLY_MOVED,
        FESTIVAL.replace("SUMMARY:Festival", "SUMMARY:Festival of Hue"),
    )
    third = run_import(session, now, changed, unit)
    # Three briefings move to Lyon (the moved one keeps its own details), the festival is
    # renamed, and 21 April is gone: cancelled, not deleted.
    assert (third.created, third.updated, third.unchanged) == (0, 5, 1)
    assert set(session.scalars(select(Event.uid))) == uids
    last = session.scalar(select(Event).where(Event.external_recurrence == "20250421T080000Z"))
    assert (last.status, last.sequence) == ("cancelled", 1)
    first = session.scalar(select(Event).where(Event.external_recurrence == "20250317T090000Z"))
    assert (first.location, first.sequence) == ("Consulat, Lyon", 1)
    festival = session.scalar(select(Event).where(Event.external_uid == "festival@example.org"))
    assert (festival.title, festival.sequence) == ("Festival of Hue", 0)


def test_editors_import_for_their_own_unit_and_not_over_another_units_import(session, now, unit):
    other = create_unit(session)
    editor = create_person(session, role="editor", unit=other)
    run_import(session, now, calendar(FESTIVAL), unit)
    with pytest.raises(Invalid) as caught:
        services.import_ics(
            session,
            actor=editor,
            now=now,
            content=calendar(FESTIVAL),
            owner_unit_code=unit.code,
            since=SINCE,
            until=UNTIL,
        )
    assert "owner_unit_code" in caught.value.errors
    with pytest.raises(Invalid) as caught:
        services.import_ics(
            session,
            actor=editor,
            now=now,
            content=calendar(FESTIVAL),
            owner_unit_code=other.code,
            since=SINCE,
            until=UNTIL,
        )
    assert "imported by another unit" in caught.value.message
    assert count(session, Event) == 1


def test_the_window_must_be_given_in_order_and_not_too_long(session, now, unit):
    with pytest.raises(Invalid) as caught:
        run_import(session, now, calendar(FESTIVAL), unit, since=UNTIL, until=SINCE)
    assert set(caught.value.errors) == {"until"}
    with pytest.raises(Invalid) as caught:
        run_import(session, now, calendar(FESTIVAL), unit, until=date(2031, 1, 1))
    assert set(caught.value.errors) == {"until"}


# --- hostile files -----------------------------------------------------------------------------


def assert_refused(session, now, unit, content, expected: str) -> Invalid:
    with pytest.raises(Invalid) as caught:
        run_import(session, now, content, unit)
    assert expected in caught.value.message
    assert expected in caught.value.errors["file"]
    assert count(session, Event) == 0
    assert count(session, AuditEntry) == 1  # creating the unit, nothing since
    return caught.value


def test_a_file_that_is_not_icalendar_is_refused(session, now, unit):
    assert_refused(session, now, unit, b"\x89PNG\r\n\x1a\n", "not UTF-8")
    assert_refused(session, now, unit, b"<html><body>Calendar</body></html>", "not an iCalendar")
    assert_refused(session, now, unit, b"", "not an iCalendar")
    assert_refused(
        session, now, unit, b"BEGIN:VCALENDAR\r\nthis is not a property line\r\n", "cannot be read"
    )


def test_a_file_in_another_encoding_is_refused(session, now, unit):
    latin1 = calendar(FESTIVAL.replace("Festival", "Fête")).decode().encode("latin-1")
    refusal = assert_refused(session, now, unit, latin1, "not UTF-8")
    assert refusal.params["position"] > 0


def test_a_50_mb_file_is_refused_before_it_is_read(session, now, unit):
    huge = b"BEGIN:VCALENDAR\r\n" + b"X-PADDING:" + b"x" * (50 * 1024 * 1024) + b"\r\n"
    assert_refused(session, now, unit, huge, "50.0 MB")


def skipped_reasons(result) -> dict[str, str]:
    return {item.event: str(item.reason) for item in result.skipped}


def test_an_event_repeating_a_million_times_is_skipped_without_expanding_it(session, now, unit):
    million = calendar(
        FESTIVAL,
        """
        UID:flood@example.org
        DTSTAMP:20250101T000000Z
        DTSTART:20250301T000000Z
        RRULE:FREQ=MINUTELY;COUNT=1000000
        SUMMARY:Flood
        """,
    )
    started = time.perf_counter()
    result = run_import(session, now, million, unit)
    assert time.perf_counter() - started < 2
    assert result.created == 1  # the festival
    assert "repeats about 87,840 times" in skipped_reasons(result)["Flood"]
    every_second = million.replace(b"FREQ=MINUTELY;", b"FREQ=SECONDLY;BYSECOND=0;")
    started = time.perf_counter()
    result = run_import(session, now, every_second, unit)
    assert "repeats too often" in skipped_reasons(result)["Flood"]
    assert time.perf_counter() - started < 2
    assert count(session, Event) == 1


def test_a_rule_that_starts_long_before_the_window_is_skipped_quickly(session, now, unit):
    hourly = calendar(
        """
        UID:hourly@example.org
        DTSTAMP:20250101T000000Z
        DTSTART:19900101T000000Z
        RRULE:FREQ=HOURLY
        SUMMARY:Every hour since 1990
        """
    )
    started = time.perf_counter()
    result = run_import(session, now, hourly, unit)
    assert "repeats too often" in skipped_reasons(result)["Every hour since 1990"]
    assert time.perf_counter() - started < 5
    assert count(session, Event) == 0


def test_expansion_stops_soon_after_5000_instances(session, now, unit, monkeypatch):
    expanded = []
    original = recurring_ical_events.CalendarQuery.between

    def counting(self, start, stop):
        found = original(self, start, stop)
        expanded.append(len(found))
        return found

    monkeypatch.setattr(recurring_ical_events.CalendarQuery, "between", counting)
    hourly = calendar(
        """
        UID:hourly@example.org
        DTSTAMP:20250101T000000Z
        DTSTART:20250301T000000Z
        RRULE:FREQ=HOURLY;BYMINUTE=0;COUNT=20000
        SUMMARY:Every hour
        """
    )
    with pytest.raises(Invalid) as caught:
        run_import(session, now, hourly, unit, until=date(2026, 12, 31))
    assert "more than 5,000 events" in caught.value.message
    # 20,000 instances lie in the window; expansion stopped just past the cap.
    assert 5000 < sum(expanded) <= 6000
    assert count(session, Event) == 0


def test_an_event_without_a_start_is_skipped_and_the_rest_imported(session, now, unit):
    no_start = calendar(
        FESTIVAL,
        """
        UID:nostart@example.org
        DTSTAMP:20250101T000000Z
        SUMMARY:Somewhen
        """,
    )
    result = run_import(session, now, no_start, unit)
    assert result.created == 1
    assert skipped_reasons(result) == {"Somewhen": "it has no start (DTSTART)"}
    assert session.scalar(select(Event.title)) == "Festival"


def test_a_broken_recurrence_rule_skips_that_event_only(session, now, unit):
    broken = calendar(
        FESTIVAL,
        """
        UID:broken@example.org
        DTSTAMP:20250101T000000Z
        DTSTART:20250301T090000Z
        RRULE:FREQ=WEEKLY;BYDAY=XX
        SUMMARY:Broken
        """,
        """
        UID:no-frequency@example.org
        DTSTAMP:20250101T000000Z
        DTSTART:20250301T090000Z
        RRULE:COUNT=3
        SUMMARY:No frequency
        """,
    )
    result = run_import(session, now, broken, unit)
    assert result.created == 1
    assert skipped_reasons(result) == {
        "Broken": "its repeat rule (RRULE) cannot be read",
        "No frequency": "its repeat rule (RRULE) cannot be read",
    }


def test_every_event_left_out_is_reported_with_its_reason(session, now, unit):
    """The 3,000-event file: what lies outside the window, repeats a UID or holds a NUL
    character is listed, one line per event; everything else is imported."""
    nul = FESTIVAL.replace("festival@", "nul@").replace("Festival", "Fest\x00ival")
    content = calendar(
        WEEKLY,
        WEEKLY_MOVED,
        FESTIVAL,
        FESTIVAL.replace("SUMMARY:Festival", "SUMMARY:Festival again"),
        OUTSIDE,
        nul,
    )
    result = run_import(session, now, content, unit)
    assert result.created == 6  # five briefings and the festival
    reasons = skipped_reasons(result)
    assert reasons["Too late for the window"] == (
        "it lies outside the window (2025-03-01 – 2025-04-30)"
    )
    assert reasons["Festival again"] == "another event in the file has the same UID"
    assert reasons["Fest\x00ival"] == ("it contains a NUL character, which Herald does not store")
    assert len(result.skipped) == 3
    # Each door translates the reason: the template and its parameters are kept apart.
    outside = next(item.reason for item in result.skipped if item.event.startswith("Too late"))
    assert outside.template == "it lies outside the window (%(since)s – %(until)s)"
    assert count(session, Event) == 6


def test_an_event_that_began_before_the_window_and_lasts_into_it_is_imported(session, now, unit):
    exhibition = calendar(
        """
        UID:exhibition@example.org
        DTSTAMP:20250101T000000Z
        DTSTART;VALUE=DATE:20250215
        DURATION:P20D
        SUMMARY:Exhibition
        """,
        """
        UID:long-ago@example.org
        DTSTAMP:20250101T000000Z
        DTSTART;VALUE=DATE:20250101
        DURATION:P20D
        SUMMARY:Long ago
        """,
    )
    assert run_import(session, now, exhibition, unit).created == 1
    event = session.scalar(select(Event))
    assert (event.title, event.start_date, event.end_date) == (
        "Exhibition",
        date(2025, 2, 15),
        date(2025, 3, 6),
    )


def test_a_failure_half_way_leaves_nothing_even_if_the_caller_commits(
    session, now, unit, monkeypatch
):
    calls = []
    original = services.record_change

    def failing_on_the_third(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return original(*args, **kwargs)

    monkeypatch.setattr(services, "record_change", failing_on_the_third)
    with pytest.raises(RuntimeError):
        run_import(session, now, calendar(WEEKLY, FESTIVAL), unit)
    session.commit()
    assert count(session, Event) == 0
