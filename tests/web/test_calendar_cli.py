"""`herald calendar import-dataset` and `herald calendar import FILE.ics`."""

from __future__ import annotations

from sqlalchemy import func, select

from campaigns.calendar.models import Anniversary, Event
from campaigns.org.models import AuditEntry
from tests.factories import create_unit
from web.cli import cli

ICS = b"""BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//test//EN\r
BEGIN:VEVENT\r
UID:monthly-meeting@example.org\r
DTSTAMP:20261101T000000Z\r
DTSTART;TZID=Asia/Tokyo:20261204T100000\r
DTEND;TZID=Asia/Tokyo:20261204T110000\r
RRULE:FREQ=MONTHLY;COUNT=6\r
SUMMARY:Monthly meeting\r
END:VEVENT\r
END:VCALENDAR\r
"""


def run(app, *args):
    return app.test_cli_runner().invoke(cli, list(args))


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_import_dataset_twice_changes_nothing_the_second_time(app, session):
    first = run(app, "calendar", "import-dataset")

    assert first.exit_code == 0, first.output
    loaded = count(session, Anniversary)
    assert loaded >= 35  # national days and diplomatic relations listed in the issue
    assert f"{loaded} new" in first.output
    second = run(app, "calendar", "import-dataset")
    assert second.exit_code == 0, second.output
    assert "0 new" in second.output
    assert count(session, Anniversary) == loaded


def test_import_an_ics_file_within_a_window(app, session, tmp_path):
    create_unit(session, "mission-jp", country="JP", timezone="Asia/Tokyo")
    session.commit()
    path = tmp_path / "meetings.ics"
    path.write_bytes(ICS)

    result = run(
        app,
        "calendar",
        "import",
        str(path),
        "--unit",
        "mission-jp",
        "--since",
        "2026-12-01",
        "--until",
        "2027-02-28",
    )

    assert result.exit_code == 0, result.output
    assert "3 new" in result.output
    events = session.scalars(select(Event).order_by(Event.starts_at)).all()
    assert [event.timezone for event in events] == ["Asia/Tokyo"] * 3
    assert {event.owner_unit.code for event in events} == {"mission-jp"}
    doors = select(AuditEntry.door).where(AuditEntry.target_type == "event").distinct()
    assert session.scalars(doors).all() == ["cli"]


def test_a_refused_file_says_why_and_exits_1(app, session, tmp_path):
    create_unit(session, "mission-jp")
    session.commit()
    path = tmp_path / "notes.ics"
    path.write_bytes(b"Just some notes, not a calendar.")

    result = run(app, "calendar", "import", str(path), "--unit", "mission-jp")

    assert result.exit_code == 1
    assert "Error:" in result.output
    assert count(session, Event) == 0


def test_an_unknown_unit_is_refused(app, session, tmp_path):
    path = tmp_path / "meetings.ics"
    path.write_bytes(ICS)

    result = run(app, "calendar", "import", str(path), "--unit", "nowhere")

    assert result.exit_code == 1
    assert count(session, Event) == 0
