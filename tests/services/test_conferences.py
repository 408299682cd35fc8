"""National online conferences: sites from units and CSV, readiness, reminders sent once,
attendance under concurrent reports, and who may see and change what."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from campaigns.errors import Conflict, Invalid, NotAllowed, NotFound
from campaigns.field.models import BotDelivery
from campaigns.permissions import can
from campaigns.programme import conference_imports, conference_queries, conferences
from campaigns.programme.conference_models import ConferenceSite
from campaigns.programme.conference_queries import BoardFilter
from campaigns.social.models import Notification
from tests.conference_factories import READINESS_DUE, add_site, create_conference
from tests.factories import create_event, create_person, create_unit
from web.extensions import db

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


def _ready(session, site, person, **checks):
    values = dict(
        room_ready=True, connection_tested=True, chair_confirmed=True, documents_received=True
    )
    values.update(checks)
    return conferences.report_readiness(session, actor=person, now=NOW, site=site, **values)


# --- setting up -----------------------------------------------------------------------------------


def test_a_conference_starts_with_its_central_site_and_only_for_conference_events(session):
    ministry = create_unit(session, kind="ministry")
    coordinator = create_person(session, "coordinator", unit=ministry)
    event = create_event(session, owner=ministry, kind="conference")
    conference = conferences.create_conference(
        session, actor=coordinator, now=NOW, event=event, readiness_due_at=NOW - timedelta(days=3)
    )
    sites = session.scalars(select(ConferenceSite)).all()
    assert [(site.unit_id, site.is_central) for site in sites] == [(ministry.id, True)]
    with pytest.raises(Conflict):
        conferences.create_conference(
            session, actor=coordinator, now=NOW, event=event, readiness_due_at=NOW
        )
    diplomatic = create_event(session, owner=ministry, kind="diplomatic")
    with pytest.raises(Invalid):
        conferences.create_conference(
            session, actor=coordinator, now=NOW, event=diplomatic, readiness_due_at=NOW
        )
    late = create_event(session, owner=ministry, kind="conference")
    with pytest.raises(Invalid) as raised:
        conferences.create_conference(
            session, actor=coordinator, now=NOW, event=late, readiness_due_at=late.starts_at
        )
    assert "readiness_due_at" in raised.value.errors
    assert conference.event_id == event.id


def test_only_the_organiser_units_coordinators_run_the_conference(session):
    ministry = create_unit(session, kind="ministry")
    other = create_unit(session, kind="ministry")
    event = create_event(session, owner=ministry, kind="conference")
    outsider = create_person(session, "coordinator", unit=other)
    editor = create_person(session, "editor", unit=ministry)
    for person in (outsider, editor):
        with pytest.raises(NotAllowed):
            conferences.create_conference(
                session, actor=person, now=NOW, event=event, readiness_due_at=NOW
            )
    conference = create_conference(session, organiser=ministry)
    assert can(
        create_person(session, "coordinator", unit=ministry), "conference.manage", conference
    )
    assert can(create_person(session, "admin"), "conference.manage", conference)
    assert not can(outsider, "conference.manage", conference)
    assert not can(outsider, "conference.view", conference)


def test_sites_from_unit_lists_skip_units_that_already_have_one(session):
    conference = create_conference(session)
    committee = create_unit(session, kind="steering")
    provinces = [
        create_unit(session, kind="province", parent_code=committee.code) for _ in range(3)
    ]
    ministry = create_unit(session, kind="ministry", parent_code=committee.code)
    missions = [create_unit(session, kind="mission", parent_code=ministry.code) for _ in range(2)]
    add_site(session, conference, provinces[0])
    added = conferences.add_sites_from_units(
        session, actor=None, now=NOW, conference=conference, selection="provinces"
    )
    assert {site.unit_id for site in added} == {provinces[1].id, provinces[2].id}
    added = conferences.add_sites_from_units(
        session, actor=None, now=NOW, conference=conference, selection="under", under=ministry
    )
    assert {site.unit_id for site in added} == {mission.id for mission in missions}
    assert [site.timezone for site in added] == [missions[0].timezone, missions[1].timezone]
    again = conferences.add_sites_from_units(
        session, actor=None, now=NOW, conference=conference, selection="missions"
    )
    assert again == []
    with pytest.raises(Invalid):
        conferences.add_sites_from_units(
            session, actor=None, now=NOW, conference=conference, selection="under"
        )


# --- CSV ------------------------------------------------------------------------------------------

HEADER = "unit_code,chair_name,chair_title,technical_contact,expected_attendance,timezone\n"


def test_csv_import_adds_and_updates_sites(session):
    conference = create_conference(session)
    hanoi = create_unit(session, "prov-hanoi", kind="province", timezone="Asia/Ho_Chi_Minh")
    paris = create_unit(session, "mission-paris", kind="mission", timezone="Europe/Paris")
    add_site(session, conference, hanoi, chair_name="Old chair")
    content = (
        HEADER
        + "prov-hanoi,Nguyễn Văn A,Phó Chủ tịch UBND,Kỹ thuật: 0912 000 000,1500,\n"
        + "MISSION-PARIS,Đinh Toàn Thắng,Đại sứ,it@ambassade.example,40,Europe/Paris\n"
    ).encode()
    result = conference_imports.import_sites_csv(
        session, actor=None, now=NOW, conference=conference, content=content
    )
    assert result.applied and [row.action for row in result.rows] == ["update", "create"]
    sites = {
        site.unit_id: site
        for site in session.scalars(
            select(ConferenceSite).where(ConferenceSite.conference_id == conference.id)
        )
    }
    assert sites[hanoi.id].chair_name == "Nguyễn Văn A"
    assert sites[hanoi.id].expected_attendance == 1500
    assert sites[paris.id].timezone == "Europe/Paris"
    assert sites[paris.id].chair_title == "Đại sứ"


def test_csv_import_with_a_bad_row_changes_nothing_and_says_which_row(session):
    conference = create_conference(session)
    create_unit(session, "prov-hue", kind="province")
    content = (
        HEADER
        + "prov-hue,A,B,C,100,\n"
        + "prov-nowhere,A,B,C,100,\n"
        + "prov-hue,A,B,C,many,Mars/Olympus\n"
    ).encode()
    before = session.scalar(select(func.count()).select_from(ConferenceSite))
    result = conference_imports.import_sites_csv(
        session, actor=None, now=NOW, conference=conference, content=content
    )
    assert not result.applied and result.error_count == 2
    assert result.rows[0].errors == {}
    assert result.rows[1].line == 3 and set(result.rows[1].errors) == {"unit_code"}
    assert set(result.rows[2].errors) == {"unit_code", "expected_attendance", "timezone"}
    assert session.scalar(select(func.count()).select_from(ConferenceSite)) == before


@pytest.mark.parametrize(
    "content",
    [b"", b"name,chair\nx,y\n", b"unit_code\n", "unit_code\nprov\n".encode("utf-16")],
)
def test_a_csv_file_that_cannot_be_read_is_refused_as_a_whole(session, content):
    conference = create_conference(session)
    with pytest.raises(Invalid) as raised:
        conference_imports.import_sites_csv(
            session, actor=None, now=NOW, conference=conference, content=content
        )
    assert "file" in raised.value.errors


def test_only_the_organiser_imports_sites(session):
    conference = create_conference(session)
    site = add_site(session, conference)
    site_editor = create_person(session, "editor", unit=site.unit)
    with pytest.raises(NotAllowed):
        conference_imports.import_sites_csv(
            session, actor=site_editor, now=NOW, conference=conference, content=b"unit_code\nx\n"
        )


# --- readiness and the board ----------------------------------------------------------------------


def test_readiness_states_and_the_boards_totals_and_filters(session):
    conference = create_conference(session)
    ready, not_ready, silent = (
        add_site(session, conference, expected_attendance=100) for _ in range(3)
    )
    mission = add_site(
        session, conference, create_unit(session, kind="mission"), expected_attendance=20
    )
    person = create_person(session, "editor", unit=ready.unit)
    _ready(session, ready, person)
    _ready(
        session, not_ready, create_person(session, "editor", unit=not_ready.unit), room_ready=False
    )
    _ready(session, mission, create_person(session, "field", unit=mission.unit))
    assert conferences.readiness_of(ready) == "ready"
    assert conferences.readiness_of(not_ready) == "not_ready"
    assert conferences.readiness_of(silent) == "no_answer"
    seen = conference_queries.board(session, conference)
    # the central site (organiser) never answered either
    assert (seen.totals.sites, seen.totals.ready, seen.totals.not_ready, seen.totals.no_answer) == (
        5,
        2,
        1,
        2,
    )
    assert seen.totals.expected == 320
    assert seen.rows[0].is_central
    only = conference_queries.board(session, conference, filters=BoardFilter(state="not_ready"))
    assert [row.id for row in only.rows] == [not_ready.id]
    assert only.totals == seen.totals  # the totals count every site, whatever the filter
    missions = conference_queries.board(session, conference, filters=BoardFilter(kind="mission"))
    assert [row.id for row in missions.rows] == [mission.id]
    found = conference_queries.board(
        session, conference, filters=BoardFilter(search=silent.unit.name_en.upper())
    )
    assert [row.id for row in found.rows] == [silent.id]


def test_a_sites_people_update_their_own_site_only_and_see_no_other(session):
    conference = create_conference(session)
    mine, theirs = add_site(session, conference), add_site(session, conference)
    editor = create_person(session, "editor", unit=mine.unit)
    viewer = create_person(session, "viewer", unit=mine.unit)
    _ready(session, mine, editor)
    with pytest.raises(NotAllowed):
        _ready(session, theirs, editor)
    with pytest.raises(NotAllowed):
        _ready(session, mine, viewer)
    with pytest.raises(NotAllowed):
        conferences.report_attendance(
            session, actor=editor, now=NOW, site=theirs, connected=True, attendance=5
        )
    assert can(editor, "conference.view", conference)
    assert not can(editor, "conference.manage", conference)
    assert conference_queries.get_site(session, mine.id, actor=viewer) == mine
    with pytest.raises(NotFound):
        conference_queries.get_site(session, theirs.id, actor=editor)
    # the conference list of a site's person names only conferences they take part in
    other = create_conference(session, title="Another unit's conference")
    assert conference_queries.conferences_for(session, editor) == [conference]
    with pytest.raises(NotFound):
        conference_queries.get_conference(session, other.id, actor=editor)


def test_attendance_reports_keep_the_first_connection_and_refuse_bad_numbers(session):
    conference = create_conference(session)
    site = add_site(session, conference)
    person = create_person(session, "field", unit=site.unit)
    conferences.report_attendance(
        session, actor=person, now=NOW, site=site, connected=True, attendance="1.200"
    )
    conferences.report_attendance(
        session,
        actor=person,
        now=NOW + timedelta(minutes=5),
        site=site,
        connected=True,
        attendance=1250,
    )
    assert site.connected_at == NOW and site.attendance == 1250
    with pytest.raises(Invalid):
        conferences.report_attendance(
            session, actor=person, now=NOW, site=site, connected=True, attendance="-3"
        )
    totals = conference_queries.board_totals(session, conference)
    assert (totals.connected, totals.delegates) == (1, 1250)


def _report_in_own_session(engine, site_ids, person_ids, barrier, errors):
    try:
        barrier.wait(timeout=60)
        with Session(engine) as session:
            for site_id, person_id in zip(site_ids, person_ids, strict=True):
                with session.begin():
                    session.info["door"] = "web"
                    site = session.get(ConferenceSite, site_id)
                    person = session.get(conferences.Person, person_id)
                    conferences.report_attendance(
                        session,
                        actor=person,
                        now=NOW,
                        site=site,
                        connected=True,
                        attendance=site_id,
                    )
    except Exception as error:  # reported to the test thread
        errors.append(error)


@pytest.mark.postgres_only
def test_concurrent_reports_lose_no_site_and_no_delegate(session):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("true concurrency needs PostgreSQL (HERALD_TEST_DATABASE_URL)")
    conference = create_conference(session)
    sites = [add_site(session, conference) for _ in range(80)]
    people = [create_person(session, "editor", unit=site.unit) for site in sites]
    session.commit()
    threads_count = 8
    barrier = threading.Barrier(threads_count)
    errors: list[Exception] = []
    threads = [
        threading.Thread(
            target=_report_in_own_session,
            args=(
                db.engine,
                [site.id for site in sites[n::threads_count]],
                [person.id for person in people[n::threads_count]],
                barrier,
                errors,
            ),
        )
        for n in range(threads_count)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    session.expire_all()
    totals = conference_queries.board_totals(session, conference)
    assert totals.connected == 80
    assert totals.delegates == sum(site.id for site in sites)


# --- reminders ------------------------------------------------------------------------------------


def test_readiness_reminders_are_sent_once_to_the_people_of_sites_not_ready(session):
    conference = create_conference(session)
    silent, ready = add_site(session, conference), add_site(session, conference)
    editor = create_person(session, "editor", unit=silent.unit)
    field = create_person(session, "field", unit=silent.unit)
    create_person(session, "viewer", unit=silent.unit)  # may not update the site: not reminded
    create_person(session, "editor", unit=ready.unit)
    _ready(session, ready, create_person(session, "field", unit=ready.unit))
    too_early = READINESS_DUE - timedelta(days=4)
    assert conferences.send_readiness_reminders(session, now=too_early) == 0
    three_days = READINESS_DUE - timedelta(days=2, hours=12)
    assert conferences.send_readiness_reminders(session, now=three_days) == 2
    assert conferences.send_readiness_reminders(session, now=three_days + timedelta(hours=1)) == 0
    notes = session.scalars(select(Notification).order_by(Notification.person_id)).all()
    assert [note.person_id for note in notes] == [editor.id, field.id]
    assert notes[0].link == f"/conferences/{conference.id}/sites/{silent.id}"
    assert "13/12/2026 17:00 (Asia/Ho_Chi_Minh)" in notes[0].text
    # the next stage (a day before) is a new reminder, once; then overdue, once
    day_before = READINESS_DUE - timedelta(hours=20)
    assert conferences.send_readiness_reminders(session, now=day_before) == 2
    assert conferences.send_readiness_reminders(session, now=day_before) == 0
    overdue = READINESS_DUE + timedelta(hours=1)
    assert conferences.send_readiness_reminders(session, now=overdue) == 2
    assert conferences.send_readiness_reminders(session, now=overdue) == 0
    keys = session.scalars(select(BotDelivery.key)).all()
    assert len(keys) == len(set(keys)) == 6
    # once the conference has started nobody is reminded any more
    assert (
        conferences.send_readiness_reminders(session, now=datetime(2026, 12, 15, 2, tzinfo=UTC))
        == 0
    )


def test_reminders_are_sent_once_across_two_separate_runs(session, app):
    conference = create_conference(session)
    site = add_site(session, conference)
    create_person(session, "editor", unit=site.unit)
    session.commit()
    at = READINESS_DUE - timedelta(hours=2)
    counts = []
    for _ in range(2):
        with Session(db.engine) as run, run.begin():
            run.info["door"] = "scheduler"
            counts.append(conferences.send_readiness_reminders(run, now=at))
    assert counts == [1, 0]
    assert session.scalar(select(func.count()).select_from(Notification)) == 1


def test_the_demo_has_next_months_conference_with_every_province_and_a_dozen_missions(session, now):
    from campaigns.demo import load_demo_data
    from campaigns.org.models import Person

    load_demo_data(session, now=now)
    conference = session.scalar(select(conferences.Conference))
    assert conference is not None
    assert timedelta(days=25) < conference.event.starts_at - now < timedelta(days=35)
    seen = conference_queries.board(session, conference)
    kinds = [row.kind for row in seen.rows if not row.is_central]
    assert kinds.count("province") == 63 and kinds.count("mission") == 12
    totals = seen.totals
    assert totals.ready > totals.not_ready > 0 and totals.no_answer > 0
    coordinator = session.scalar(select(Person).where(Person.email == "coordinator@example.org"))
    assert can(coordinator, "conference.manage", conference)
