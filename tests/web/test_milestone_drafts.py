"""A milestone (an anniversary's occurrence, or its planning task) opens a page that drafts a
campaign or a press trip from it, the forms filled in."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest
from sqlalchemy import select

from campaigns.calendar import services
from campaigns.calendar.models import PlanningTask
from campaigns.social.models import Campaign
from tests.factories import create_person, create_unit, login
from tests.web.test_calendar_views import make_anniversary

# 24 June 2027: the 60th anniversary of relations with Cambodia (a major milestone).
MILESTONE = date(2027, 6, 24)


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch, now):
    for module in ("web.calendar.routes", "web.calendar.milestone_views", "web.main.routes"):
        monkeypatch.setattr(f"{module}.utcnow", lambda: now)


@pytest.fixture
def world(session, now):
    unit = create_unit(session, "mission-kh", kind="mission", country="KH")
    coordinator = create_person(session, "coordinator", unit=unit)
    viewer = create_person(session, "viewer", unit=unit)
    anniversary = make_anniversary(
        session,
        now,
        title_vi="Ngày thiết lập quan hệ ngoại giao Việt Nam - Campuchia",
        title_en="Vietnam-Cambodia diplomatic relations",
        origin_date=date(1967, 6, 24),
        partner_country="KH",
        owner_unit_code="mission-kh",
    )
    return {"unit": unit, "coordinator": coordinator, "viewer": viewer, "anniversary": anniversary}


def _value(html: str, name: str) -> str:
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html) or re.search(
        rf'value="([^"]*)"[^>]*name="{name}"', html
    )
    return match.group(1) if match else ""


def _selected(html: str, name: str) -> list[str]:
    select_html = re.search(rf'<select[^>]*name="{name}".*?</select>', html, re.S).group(0)
    options = re.findall(r"<option[^>]*>", select_html)
    return [
        re.search(r'value="([^"]*)"', option).group(1) for option in options if "selected" in option
    ]


def test_the_year_ahead_opens_the_milestone_page_with_both_drafts(client, world):
    login(client, world["coordinator"])
    year = client.get("/calendar/year-ahead").text
    path = f"/calendar/milestones/{world['anniversary'].id}/2027-06-24"
    assert path in year
    page = client.get(path)
    assert page.status_code == 200
    assert "60th anniversary of Vietnam-Cambodia diplomatic relations" in page.text
    assert "Create a campaign from this milestone" in page.text
    assert "Create a press trip from this milestone" in page.text
    query = f"anniversary={world['anniversary'].id}&amp;date=2027-06-24"
    assert f"/social/campaigns/new?{query}" in page.text
    assert f"/press/trips/new?{query}" in page.text


def test_a_viewer_sees_the_milestone_but_no_drafts(client, world):
    login(client, world["viewer"])
    page = client.get(f"/calendar/milestones/{world['anniversary'].id}/2027-06-24")
    assert page.status_code == 200
    assert "Create a campaign" not in page.text and "Create a press trip" not in page.text


@pytest.mark.parametrize("day", ["2027-06-25", "not-a-date", "2027-02-30"])
def test_a_day_that_is_no_milestone_is_not_found(client, world, day):
    login(client, world["coordinator"])
    assert client.get(f"/calendar/milestones/{world['anniversary'].id}/{day}").status_code == 404
    assert client.get(f"/calendar/milestones/999999/{MILESTONE}").status_code == 404


def test_the_campaign_form_opens_filled_in_and_saves_the_link(client, session, world):
    login(client, world["coordinator"])
    anniversary_id = world["anniversary"].id
    form = client.get(f"/social/campaigns/new?anniversary={anniversary_id}&date=2027-06-24")
    html = form.text
    assert form.status_code == 200
    assert _value(html, "name_en") == "60th anniversary of Vietnam-Cambodia diplomatic relations"
    assert _value(html, "name_vi").startswith("60 năm Ngày thiết lập")
    assert _value(html, "starts_on") == "2027-04-25"  # two months ahead
    assert _value(html, "ends_on") == "2027-07-01"
    assert _selected(html, "target_countries") == ["KH"]
    assert _selected(html, "owner_unit_code") == ["mission-kh"]
    assert _selected(html, "anniversaries") == [f"{anniversary_id}:2027-06-24"]

    saved = client.post(
        "/social/campaigns/new",
        data={"name_vi": _value(html, "name_vi"), "name_en": _value(html, "name_en"),
              "starts_on": "2027-04-25", "ends_on": "2027-07-01", "owner_unit_code": "mission-kh",
              "target_countries": ["KH"], "languages": "vi, en, km",
              "anniversaries": [f"{anniversary_id}:2027-06-24"]},
    )  # fmt: skip
    assert saved.status_code in (302, 303), saved.text[:2000]
    campaign = session.scalar(select(Campaign))
    assert [(link.anniversary_id, link.occurrence_date) for link in campaign.anniversary_links] == [
        (anniversary_id, MILESTONE)
    ]


def test_the_trip_form_opens_filled_in(client, world):
    login(client, world["coordinator"])
    html = client.get(
        f"/press/trips/new?anniversary={world['anniversary'].id}&date=2027-06-24"
    ).text
    assert "60 năm Ngày thiết lập" in _value(html, "title") or "60th anniversary" in _value(
        html, "title"
    )
    assert _value(html, "start_date") == "2027-06-22"
    assert _value(html, "end_date") == "2027-06-26"
    assert _selected(html, "host_unit") == ["mission-kh"]


@pytest.mark.parametrize(
    "query",
    ["anniversary=999999&date=2027-06-24", "anniversary=1&date=yesterday", "date=2027-06-24"],
)
def test_a_draft_link_that_names_no_milestone_leaves_the_form_as_usual(client, world, query):
    login(client, world["coordinator"])
    response = client.get(f"/social/campaigns/new?{query}")
    assert response.status_code == 200
    assert _value(response.text, "name_en") == ""
    trip = client.get(f"/press/trips/new?{query}")
    assert trip.status_code == 200 and _value(trip.text, "title") == ""


def test_a_planning_task_opens_its_milestone(client, session, now, world):
    services.create_due_planning_tasks(session, now=datetime(2027, 1, 1, 3, 0, tzinfo=now.tzinfo))
    outsider = create_person(session, "editor", unit=create_unit(session, "mission-fr"))
    session.commit()
    task = session.scalars(select(PlanningTask)).one()
    login(client, world["coordinator"])
    assert f'/calendar/tasks/{task.id}"' in client.get("/").text
    page = client.get(f"/calendar/tasks/{task.id}")
    assert page.status_code == 200
    assert (
        'id="planning-task"' in page.text and "Create a campaign from this milestone" in page.text
    )
    client.post("/logout")
    login(client, outsider)
    assert client.get(f"/calendar/tasks/{task.id}").status_code == 404
