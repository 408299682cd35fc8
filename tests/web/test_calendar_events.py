"""The event pages: create (timed, all-day), validation, overlap warning, edit, postpone,
cancel, and who may see or change what."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from campaigns.calendar import services
from campaigns.calendar.models import Event
from tests.factories import create_person, create_unit, login


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch, now):
    """The web reads the clock once per request; tests set it to the ``now`` fixture."""
    for module in ("web.calendar.routes", "web.main.routes", "web.api.calendar"):
        monkeypatch.setattr(f"{module}.utcnow", lambda: now)


def wall(text: str) -> datetime:
    """A wall-clock time without zone, as the services and forms take it."""
    return datetime.fromisoformat(text)


def event_input(owner_code: str, **overrides) -> services.EventInput:
    values = {
        "title": "Hội thảo",
        "kind": "conference",
        "all_day": False,
        "starts_local": wall("2026-12-01T09:00"),
        "ends_local": wall("2026-12-01T11:00"),
        "start_date": None,
        "end_date": None,
        "timezone": "Europe/Paris",
        "owner_unit_code": owner_code,
    }
    values.update(overrides)
    return services.EventInput(**values)


def make_event(session, now, owner_code: str, **overrides) -> Event:
    event = services.create_event(
        session, actor=None, now=now, data=event_input(owner_code, **overrides)
    )
    session.commit()
    return event


def form(**overrides) -> dict:
    values = {
        "title": "Triển lãm ảnh Việt Nam",
        "description": "Ảnh về đất nước và con người",
        "title_en": "Photo exhibition of Vietnam",
        "description_en": "",
        "kind": "cultural",
        "starts_local": "2026-12-03T18:30",
        "ends_local": "2026-12-03T20:00",
        "timezone": "Europe/Paris",
        "location": "Maison de l'Indochine",
        "partner_countries": ["FR"],
        "priority": "normal",
        "visibility": "internal",
        "status": "planned",
        "tags": "triển lãm, văn hoá",
    }
    values.update(overrides)
    return values


def count_events(session) -> int:
    return session.scalar(select(func.count()).select_from(Event))


def test_editor_creates_a_timed_event_in_the_zone_where_it_happens(client, session):
    unit = create_unit(session, "mission-fr")
    editor = create_person(session, role="editor", unit=unit, timezone="Asia/Ho_Chi_Minh")
    session.commit()
    login(client, editor)

    page = client.get("/calendar/events/new?date=2026-12-03")
    assert page.status_code == 200
    assert 'value="Asia/Ho_Chi_Minh"' in page.text  # the viewer's zone by default

    response = client.post("/calendar/events/new", data=form(owner_unit_code="mission-fr"))

    assert response.status_code == 302
    event = session.scalars(select(Event)).one()
    assert response.headers["Location"].endswith(f"/calendar/events/{event.id}")
    assert event.starts_at == datetime(2026, 12, 3, 17, 30, tzinfo=UTC)
    assert event.ends_at == datetime(2026, 12, 3, 19, 0, tzinfo=UTC)
    assert event.timezone == "Europe/Paris"
    assert event.partner_countries == ["FR"]
    assert event.tags == ["triển lãm", "văn hoá"]
    assert event.translations["en"]["title"] == "Photo exhibition of Vietnam"
    assert event.owner_unit.code == "mission-fr"
    detail = client.get(f"/calendar/events/{event.id}")
    assert "Photo exhibition of Vietnam" in detail.text  # English interface, English title
    # 17:30 UTC is 00:30 the next day in Ho Chi Minh City, the editor's zone.
    assert "Friday, December 4, 2026" in detail.text
    assert "Europe/Paris" in detail.text


def test_coordinator_creates_a_multi_day_all_day_event_with_units(client, session):
    owner = create_unit(session, "mofa-press")
    create_unit(session, "prov-tayninh")
    create_unit(session, "mission-kh")
    coordinator = create_person(session, role="coordinator", unit=owner)
    session.commit()
    login(client, coordinator)

    response = client.post(
        "/calendar/events/new",
        data=form(
            title="Tuần Văn hoá Việt Nam",
            all_day="y",
            starts_local="",
            ends_local="",
            start_date="2026-12-10",
            end_date="2026-12-13",
            owner_unit_code="mofa-press",
            participant_codes=["prov-tayninh", "mission-kh"],
            priority="high",
        ),
    )

    assert response.status_code == 302, response.text
    event = session.scalars(select(Event)).one()
    assert event.all_day
    assert (event.start_date, event.end_date) == (date(2026, 12, 10), date(2026, 12, 13))
    assert event.starts_at is None
    assert sorted(unit.code for unit in event.participants) == ["mission-kh", "prov-tayninh"]
    assert event.priority == "high"


def test_a_missing_title_is_shown_next_to_the_field_and_nothing_is_saved(client, session):
    unit = create_unit(session, "mission-fr")
    editor = create_person(session, role="editor", unit=unit)
    session.commit()
    login(client, editor)

    response = client.post(
        "/calendar/events/new", data=form(title="  ", owner_unit_code="mission-fr")
    )

    assert response.status_code == 422
    title_field = response.text.split('for="title"')[1].split('class="field')[0]
    assert 'class="error"' in title_field
    assert count_events(session) == 0
    # What the person typed is still there.
    assert "Maison de l&#39;Indochine" in response.text or "Maison de l'Indochine" in response.text


def test_an_unreadable_time_is_refused_by_the_form(client, session):
    unit = create_unit(session, "mission-fr")
    editor = create_person(session, role="editor", unit=unit)
    session.commit()
    login(client, editor)

    response = client.post(
        "/calendar/events/new",
        data=form(starts_local="tomorrow morning", owner_unit_code="mission-fr"),
    )

    assert response.status_code == 422
    starts_field = response.text.split('for="starts_local"')[1].split('class="field')[0]
    assert 'class="error"' in starts_field
    assert count_events(session) == 0


def test_an_overlap_is_shown_and_can_be_saved_deliberately(client, session, now):
    unit = create_unit(session, "mission-fr")
    coordinator = create_person(session, role="coordinator", unit=unit)
    session.commit()
    existing = make_event(
        session,
        now,
        "mission-fr",
        title="Thăm chính thức Pháp",
        kind="diplomatic",
        priority="national",
        partner_countries=["FR"],
        starts_local=wall("2026-12-03T09:00"),
        ends_local=wall("2026-12-03T23:00"),
    )
    login(client, coordinator)

    clashing = form(owner_unit_code="mission-fr", priority="high")
    warned = client.post("/calendar/events/new", data=clashing)

    assert warned.status_code == 409
    assert "Thăm chính thức Pháp" in warned.text
    assert f"/calendar/events/{existing.id}" in warned.text
    assert 'name="confirm_overlap"' in warned.text
    assert count_events(session) == 1

    saved = client.post("/calendar/events/new", data={**clashing, "confirm_overlap": "y"})

    assert saved.status_code == 302
    assert count_events(session) == 2


def test_editing_keeps_the_uid_and_shows_the_new_values(client, session, now):
    unit = create_unit(session, "mission-fr")
    editor = create_person(session, role="editor", unit=unit)
    session.commit()
    event = make_event(session, now, "mission-fr", title="Họp báo", location="Paris")
    uid = event.uid
    login(client, editor)

    page = client.get(f"/calendar/events/{event.id}/edit")
    assert page.status_code == 200
    assert 'value="Họp báo"' in page.text
    assert 'value="2026-12-01T09:00"' in page.text  # the wall clock where it happens

    response = client.post(
        f"/calendar/events/{event.id}/edit",
        data=form(
            title="Họp báo quốc tế",
            starts_local="2026-12-01T10:00",
            ends_local="2026-12-01T12:00",
            owner_unit_code="mission-fr",
        ),
    )

    assert response.status_code == 302
    session.refresh(event)
    assert event.title == "Họp báo quốc tế"
    assert event.uid == uid
    assert event.starts_at == datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    assert event.sequence >= 1


def test_postponing_with_new_dates(client, session, now):
    unit = create_unit(session, "mission-fr")
    editor = create_person(session, role="editor", unit=unit)
    session.commit()
    event = make_event(session, now, "mission-fr")
    login(client, editor)

    assert client.get(f"/calendar/events/{event.id}/postpone").status_code == 200
    response = client.post(
        f"/calendar/events/{event.id}/postpone",
        data={
            "new_times_known": "y",
            "starts_local": "2027-01-12T09:00",
            "ends_local": "2027-01-12T11:00",
            "timezone": "Europe/Paris",
        },
    )

    assert response.status_code == 302
    session.refresh(event)
    assert event.status == "postponed"
    assert event.starts_at == datetime(2027, 1, 12, 8, 0, tzinfo=UTC)


def test_cancelling_keeps_the_event_struck_through(client, session, now):
    unit = create_unit(session, "mission-fr")
    editor = create_person(session, role="editor", unit=unit, timezone="Europe/Paris")
    session.commit()
    event = make_event(session, now, "mission-fr", title="Đêm nhạc")
    sequence = event.sequence
    login(client, editor)

    page = client.get(f"/calendar/events/{event.id}/cancel")
    assert page.status_code == 200
    response = client.post(f"/calendar/events/{event.id}/cancel", data={"reason": "Bão"})

    assert response.status_code == 302
    session.refresh(event)
    assert event.status == "cancelled"
    assert event.sequence == sequence + 1
    month = client.get("/calendar/?date=2026-12-01")
    assert "<del>Đêm nhạc</del>" in month.text
    detail = client.get(f"/calendar/events/{event.id}")
    assert "<del>Đêm nhạc</del>" in detail.text
    assert "/postpone" not in detail.text  # nothing left to postpone


def test_a_restricted_event_is_hidden_from_another_units_editor(client, session, now):
    create_unit(session, "mission-fr")
    other = create_unit(session, "mission-jp")
    outsider = create_person(session, role="editor", unit=other, timezone="Europe/Paris")
    session.commit()
    event = make_event(
        session, now, "mission-fr", title="Họp kín", visibility="restricted", audience_codes=[]
    )
    login(client, outsider)

    assert client.get(f"/calendar/events/{event.id}").status_code == 404
    assert client.get(f"/calendar/events/{event.id}/edit").status_code == 404
    assert client.post(f"/calendar/events/{event.id}/cancel", data={}).status_code == 404
    assert "Họp kín" not in client.get("/calendar/?date=2026-12-01").text
    assert "Họp kín" not in client.get("/calendar/agenda?date=2026-12-01").text
    session.refresh(event)
    assert event.status == "planned"


def test_an_editor_of_another_unit_reads_but_does_not_edit(client, session, now):
    create_unit(session, "mission-fr")
    other = create_unit(session, "mission-jp")
    outsider = create_person(session, role="editor", unit=other)
    session.commit()
    event = make_event(session, now, "mission-fr", title="Triển lãm")
    login(client, outsider)

    detail = client.get(f"/calendar/events/{event.id}")
    assert detail.status_code == 200
    assert f"/calendar/events/{event.id}/edit" not in detail.text
    assert client.get(f"/calendar/events/{event.id}/edit").status_code == 403


@pytest.mark.parametrize("role", ["viewer", "field"])
def test_viewers_and_field_staff_cannot_create(client, session, role):
    unit = create_unit(session, "mission-fr")
    person = create_person(session, role=role, unit=unit)
    session.commit()
    login(client, person)

    assert client.get("/calendar/events/new").status_code == 403
    response = client.post("/calendar/events/new", data=form(owner_unit_code="mission-fr"))
    assert response.status_code == 403
    assert count_events(session) == 0
    assert "/calendar/events/new" not in client.get("/calendar/").text
