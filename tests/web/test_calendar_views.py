"""Month, week, agenda and year-ahead views: items on the viewer's own days, holidays and
anniversaries as overlays, filters, navigation, and the dashboard's planning tasks."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest
from sqlalchemy import select

from campaigns.calendar import services
from campaigns.calendar.models import PlanningTask
from tests.factories import create_person, create_unit, login


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch, now):
    """The web reads the clock once per request; tests set it to the ``now`` fixture."""
    for module in ("web.calendar.routes", "web.main.routes", "web.api.calendar"):
        monkeypatch.setattr(f"{module}.utcnow", lambda: now)


def wall(text: str) -> datetime:
    """A wall-clock time without zone, as the services and forms take it."""
    return datetime.fromisoformat(text)


def make_event(session, now, owner_code: str, **overrides):
    values = {
        "title": "Sự kiện",
        "kind": "diplomatic",
        "all_day": False,
        "starts_local": wall("2026-12-01T09:00"),
        "ends_local": wall("2026-12-01T10:00"),
        "start_date": None,
        "end_date": None,
        "timezone": "Asia/Ho_Chi_Minh",
        "owner_unit_code": owner_code,
    }
    values.update(overrides)
    event = services.create_event(
        session, actor=None, now=now, data=services.EventInput(**values), confirm_overlap=True
    )
    session.commit()
    return event


def make_anniversary(session, now, **overrides):
    values = {
        "title_vi": "Ngày thiết lập quan hệ ngoại giao Việt Nam - Hoa Kỳ",
        "title_en": "Vietnam-United States diplomatic relations",
        "category": "diplomatic_relations",
        "origin_date": date(1995, 7, 12),
        "lunar_month": None,
        "lunar_day": None,
        "origin_year": None,
        "partner_country": "US",
        "owner_unit_code": None,
    }
    values.update(overrides)
    anniversary = services.create_anniversary(
        session, actor=None, now=now, data=services.AnniversaryInput(**values)
    )
    session.commit()
    return anniversary


def cell(html: str, day: str) -> str:
    """The part of a page that shows one day (month cell, week column or agenda day)."""
    match = re.search(rf'data-date="{day}"(.*?)(?=data-date="|\Z)', html, re.S)
    assert match, f"no cell for {day}"
    return match.group(1)


@pytest.fixture
def paris_editor(session):
    unit = create_unit(session, "mission-fr")
    person = create_person(session, role="editor", unit=unit, timezone="Europe/Paris")
    session.commit()
    return person


def test_month_view_places_events_on_the_viewers_own_days(client, session, now, paris_editor):
    # 01:00 on 11 December in Ho Chi Minh City is 19:00 on 10 December in Paris.
    make_event(
        session,
        now,
        "mission-fr",
        title="Cuộc gọi với Hà Nội",
        starts_local=wall("2026-12-11T01:00"),
        ends_local=wall("2026-12-11T02:00"),
    )
    login(client, paris_editor)

    page = client.get("/calendar/?date=2026-12-05")

    assert page.status_code == 200
    assert "Times in Europe/Paris" in page.text
    assert "Cuộc gọi với Hà Nội" in cell(page.text, "2026-12-10")
    assert 'datetime="2026-12-10T19:00:00+01:00"' in cell(page.text, "2026-12-10")
    assert "Cuộc gọi với Hà Nội" not in cell(page.text, "2026-12-11")
    # Navigation keeps to months.
    assert "date=2026-11-01" in page.text
    assert "date=2027-01-01" in page.text


def test_month_view_shows_holidays_and_anniversary_milestones(client, session, now, paris_editor):
    make_anniversary(session, now)
    login(client, paris_editor)

    page = client.get("/calendar/?date=2025-07-01")

    assert "30th anniversary of Vietnam-United States diplomatic relations" in cell(
        page.text, "2025-07-12"
    )
    september = client.get("/calendar/?date=2026-09-01")
    assert "entry-holiday" in cell(september.text, "2026-09-02")  # National Day
    assert "entry-holiday" not in cell(september.text, "2026-09-10")


def test_a_multi_day_event_appears_on_every_day(client, session, now, paris_editor):
    make_event(
        session,
        now,
        "mission-fr",
        title="Tuần phim Việt Nam",
        all_day=True,
        starts_local=None,
        ends_local=None,
        start_date=date(2026, 12, 14),
        end_date=date(2026, 12, 16),
    )
    login(client, paris_editor)

    page = client.get("/calendar/?date=2026-12-01")

    for day in ("2026-12-14", "2026-12-15", "2026-12-16"):
        assert "Tuần phim Việt Nam" in cell(page.text, day)
    assert "Tuần phim Việt Nam" not in cell(page.text, "2026-12-17")


def test_week_view(client, session, now, paris_editor):
    make_event(
        session,
        now,
        "mission-fr",
        title="Gặp gỡ báo chí",
        starts_local=wall("2026-12-09T15:00"),
        ends_local=wall("2026-12-09T16:00"),
    )
    login(client, paris_editor)

    page = client.get("/calendar/week?date=2026-12-10")

    assert page.status_code == 200
    assert "Times in Europe/Paris" in page.text
    assert "Gặp gỡ báo chí" in cell(page.text, "2026-12-09")
    assert 'data-date="2026-12-07"' in page.text  # weeks start on Monday
    assert 'data-date="2026-12-13"' in page.text
    assert "date=2026-11-30" in page.text and "date=2026-12-14" in page.text


def test_agenda_lists_only_days_with_something(client, session, now, paris_editor):
    make_event(
        session,
        now,
        "mission-fr",
        title="Diễn đàn",
        location="Lyon",
        starts_local=wall("2026-12-04T15:00"),
        ends_local=wall("2026-12-04T16:00"),
    )
    login(client, paris_editor)

    page = client.get("/calendar/agenda?date=2026-12-01")

    assert page.status_code == 200
    assert "Diễn đàn" in cell(page.text, "2026-12-04")
    assert "Lyon" in page.text
    assert 'data-date="2026-12-05"' not in page.text


def test_filters_narrow_every_view(client, session, now, paris_editor):
    create_unit(session, "mission-jp", country="JP", timezone="Asia/Tokyo")
    session.commit()
    make_event(session, now, "mission-fr", title="Pháp", kind="cultural", tags=["văn hoá"])
    make_event(
        session, now, "mission-jp", title="Nhật", kind="diplomatic", partner_countries=["JP"]
    )
    make_anniversary(session, now, origin_date=date(1973, 12, 1), partner_country="FR")
    login(client, paris_editor)

    everything = client.get("/calendar/agenda?date=2026-12-01").text
    assert "Pháp" in everything and "Nhật" in everything
    assert "53rd anniversary" in everything

    by_unit = client.get("/calendar/agenda?date=2026-12-01&unit=mission-jp").text
    assert "Nhật" in by_unit and ">Pháp<" not in by_unit
    by_kind = client.get("/calendar/?date=2026-12-01&kind=cultural").text
    assert "Pháp" in by_kind and "Nhật" not in by_kind
    assert "53rd anniversary" not in by_kind
    by_tag = client.get("/calendar/week?date=2026-12-01&tag=văn hoá").text
    assert "Pháp" in by_tag and "Nhật" not in by_tag
    # Moving in time keeps the filters.
    assert "kind=cultural" in by_kind.split('rel="next"')[0].rsplit("<a", 1)[1]


def test_year_ahead_groups_milestones_by_tier_with_countdowns(client, session, now, paris_editor):
    # Today is 22 November 2026.
    make_anniversary(session, now, title_en="Thirty", origin_date=date(1997, 1, 2))  # 30th
    make_anniversary(session, now, title_en="Fifteen", origin_date=date(2012, 2, 1))  # 15th
    make_anniversary(session, now, title_en="Twenty-six", origin_date=date(2000, 12, 25))
    login(client, paris_editor)

    page = client.get("/calendar/year-ahead")

    assert page.status_code == 200
    major = page.text.split("tier-major")[1].split("tier-round")[0]
    round_ = page.text.split("tier-round")[1].split("tier-regular")[0]
    regular = page.text.split("tier-regular")[1]
    assert "30th anniversary of Thirty" in major and "41 days" in major
    assert "15th anniversary of Fifteen" in round_ and "71 days" in round_
    assert "26th anniversary of Twenty-six" in regular and "33 days" in regular
    two_years = client.get("/calendar/year-ahead?months=24").text
    assert "31st anniversary of Thirty" not in page.text
    assert two_years.count("anniversary of Thirty") == 2


def test_every_view_answers_with_an_empty_calendar(client, session, paris_editor):
    login(client, paris_editor)
    for url in (
        "/calendar/",
        "/calendar/?date=not-a-date",
        "/calendar/week",
        "/calendar/agenda",
        "/calendar/year-ahead",
        "/calendar/year-ahead?months=999",
        "/calendar/anniversaries",
    ):
        assert client.get(url).status_code == 200, url


def test_the_navigation_leads_to_the_calendar(client, session, paris_editor):
    login(client, paris_editor)
    dashboard = client.get("/")
    assert 'href="/calendar/"' in dashboard.text
    assert client.get("/section/calendar").status_code == 404


def test_dashboard_lists_planning_tasks_with_countdown_and_done(client, session, now):
    unit = create_unit(session, "mofa-press")
    coordinator = create_person(session, role="coordinator", unit=unit)
    viewer = create_person(session, role="viewer", unit=unit)
    session.commit()
    make_anniversary(
        session,
        now,
        title_en="Vietnam-Cambodia diplomatic relations",
        origin_date=date(1967, 6, 24),
        owner_unit_code="mofa-press",
    )
    services.create_due_planning_tasks(session, now=datetime(2027, 1, 1, 3, 0, tzinfo=now.tzinfo))
    session.commit()
    task = session.scalars(select(PlanningTask)).one()

    login(client, viewer)
    seen = client.get("/").text
    assert "Vietnam-Cambodia" in seen
    assert f"/calendar/tasks/{task.id}/done" not in seen
    client.post("/logout")

    login(client, coordinator)
    page = client.get("/").text
    assert "Vietnam-Cambodia" in page
    assert "in 214 days" in page  # 22 November 2026 to 24 June 2027
    response = client.post(f"/calendar/tasks/{task.id}/done")
    assert response.status_code == 302
    session.refresh(task)
    assert task.status == "done"
    assert f"/calendar/tasks/{task.id}/done" not in client.get("/").text


def test_another_units_planning_task_is_not_found(client, session, now):
    """A task is seen by those who see its unit: to anyone else it answers as a missing one."""
    mofa = create_unit(session, "mofa-press")
    embassy = create_unit(session, "mission-kh")
    editor = create_person(session, role="editor", unit=embassy)
    viewer = create_person(session, role="viewer", unit=mofa)
    session.commit()
    make_anniversary(
        session,
        now,
        title_en="Vietnam-Cambodia diplomatic relations",
        origin_date=date(1967, 6, 24),
        owner_unit_code="mofa-press",
    )
    services.create_due_planning_tasks(session, now=datetime(2027, 1, 1, 3, 0, tzinfo=now.tzinfo))
    session.commit()
    task = session.scalars(select(PlanningTask)).one()

    login(client, editor)
    assert client.post(f"/calendar/tasks/{task.id}/done").status_code == 404
    assert client.post("/calendar/tasks/999999/done").status_code == 404
    client.post("/logout")
    login(client, viewer)
    assert client.post(f"/calendar/tasks/{task.id}/done").status_code == 403
    session.refresh(task)
    assert task.status == "open"


def test_a_busy_day_in_the_month_view_shows_the_first_entries_and_links_to_the_rest(
    client, session, now, paris_editor
):
    """A big office has dozens of events a day: a month cell shows a few, then how many more,
    linking to that day's agenda (with the filters)."""
    from web.calendar.routes import MONTH_ENTRIES_PER_DAY

    for hour in range(MONTH_ENTRIES_PER_DAY + 2):
        make_event(
            session,
            now,
            paris_editor.unit.code,
            title=f"Họp số {hour}",
            starts_local=wall(f"2026-12-15T{8 + hour:02d}:00"),
            ends_local=wall(f"2026-12-15T{8 + hour:02d}:30"),
            timezone="Europe/Paris",
        )
    login(client, paris_editor)

    day = cell(client.get("/calendar/?date=2026-12-01&kind=diplomatic").text, "2026-12-15")

    assert "Họp số 0" in day and f"Họp số {MONTH_ENTRIES_PER_DAY - 1}" in day
    assert f"Họp số {MONTH_ENTRIES_PER_DAY}" not in day
    assert "2 more on this day" in day
    assert "/calendar/agenda?date=2026-12-15&amp;kind=diplomatic" in day
    agenda = client.get("/calendar/agenda?date=2026-12-15&kind=diplomatic").text
    assert f"Họp số {MONTH_ENTRIES_PER_DAY + 1}" in agenda
