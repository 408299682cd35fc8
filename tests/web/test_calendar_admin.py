"""Anniversaries (list, form, CSV import, Herald's dataset), .ics import and lead times."""

from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy import func, select

from campaigns.calendar import services
from campaigns.calendar.models import Anniversary, Event, Tier
from tests.factories import create_person, create_unit, login


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch, now):
    for module in ("web.calendar.routes", "web.main.routes", "web.api.calendar"):
        monkeypatch.setattr(f"{module}.utcnow", lambda: now)


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def coordinator(session):
    unit = create_unit(session, "mofa-press", country="VN", timezone="Asia/Ho_Chi_Minh")
    person = create_person(session, role="coordinator", unit=unit)
    session.commit()
    return person


def anniversary_form(**overrides) -> dict:
    values = {
        "title_vi": "Ngày thiết lập quan hệ ngoại giao Việt Nam - Pháp",
        "title_en": "Vietnam-France diplomatic relations",
        "category": "diplomatic_relations",
        "origin_date": "1973-04-12",
        "partner_country": "FR",
        "owner_unit_code": "mofa-press",
        "notes": "",
        "source": "https://www.mofa.gov.vn",
    }
    values.update(overrides)
    return values


def test_coordinator_adds_and_edits_an_anniversary(client, session, coordinator):
    login(client, coordinator)
    assert client.get("/calendar/anniversaries/new").status_code == 200

    response = client.post("/calendar/anniversaries/new", data=anniversary_form())

    assert response.status_code == 302
    anniversary = session.scalars(select(Anniversary)).one()
    assert anniversary.origin_date == date(1973, 4, 12)
    assert anniversary.partner_country == "FR"
    listing = client.get("/calendar/anniversaries").text
    assert "Vietnam-France diplomatic relations" in listing
    assert "54 years" in listing  # next: 12 April 2027

    edit = client.get(f"/calendar/anniversaries/{anniversary.id}/edit")
    assert 'value="1973-04-12"' in edit.text
    response = client.post(
        f"/calendar/anniversaries/{anniversary.id}/edit",
        data=anniversary_form(title_en="France"),
    )
    assert response.status_code == 302
    session.refresh(anniversary)
    assert anniversary.title_en == "France"


def test_a_lunar_anniversary(client, session, coordinator):
    login(client, coordinator)
    response = client.post(
        "/calendar/anniversaries/new",
        data=anniversary_form(
            title_vi="Giỗ Tổ Hùng Vương",
            title_en="Hung Kings' Commemoration",
            category="national",
            origin_date="",
            lunar_month="3",
            lunar_day="10",
            partner_country="",
        ),
    )
    assert response.status_code == 302
    anniversary = session.scalars(select(Anniversary)).one()
    assert (anniversary.lunar_month, anniversary.lunar_day) == (3, 10)
    assert anniversary.origin_date is None


def test_a_bad_anniversary_is_shown_next_to_the_field(client, session, coordinator):
    login(client, coordinator)
    response = client.post("/calendar/anniversaries/new", data=anniversary_form(title_vi=""))
    assert response.status_code == 422
    assert 'class="error"' in response.text.split('for="title_vi"')[1].split('class="field')[0]
    unreadable = client.post(
        "/calendar/anniversaries/new", data=anniversary_form(origin_date="12/04/1973")
    )
    assert unreadable.status_code == 422
    assert count(session, Anniversary) == 0


def test_editors_read_anniversaries_but_do_not_manage_them(client, session, now):
    editor = create_person(session, role="editor")
    session.commit()
    login(client, editor)
    page = client.get("/calendar/anniversaries")
    assert page.status_code == 200
    assert "/calendar/anniversaries/new" not in page.text
    assert client.get("/calendar/anniversaries/new").status_code == 403
    assert client.post("/calendar/anniversaries/dataset").status_code == 403


def test_loading_herald_dataset_from_the_web(client, session, coordinator):
    login(client, coordinator)
    response = client.post("/calendar/anniversaries/dataset")
    assert response.status_code == 302
    loaded = count(session, Anniversary)
    assert loaded >= 35
    page = client.get("/calendar/anniversaries?country=US")
    assert "United States" in page.text
    client.post("/calendar/anniversaries/dataset")
    assert count(session, Anniversary) == loaded


def test_csv_import_all_or_nothing(client, session, coordinator):
    login(client, coordinator)
    header = "title_vi,title_en,category,origin_date,partner_country,source\n"
    good = header + (
        "Quan hệ ngoại giao Việt Nam - Ấn Độ,Vietnam-India diplomatic relations,"
        "diplomatic_relations,1972-01-07,IN,MOFA\n"
    )
    bad = good + "Hỏng,Broken,diplomatic_relations,not-a-date,IN,MOFA\n"

    def upload(text: str):
        return client.post(
            "/calendar/anniversaries/import",
            data={"file": (io.BytesIO(text.encode()), "anniversaries.csv")},
            content_type="multipart/form-data",
        )

    refused = upload(bad)
    assert refused.status_code == 422
    assert "3" in refused.text.split('class="error-list"')[1].split("</ul>")[0]  # line 3
    assert count(session, Anniversary) == 0

    accepted = upload(good)
    assert accepted.status_code == 302
    assert count(session, Anniversary) == 1

    wrong_encoding = client.post(
        "/calendar/anniversaries/import",
        data={"file": (io.BytesIO(bad.encode("utf-16")), "anniversaries.csv")},
        content_type="multipart/form-data",
    )
    assert wrong_encoding.status_code == 422
    assert count(session, Anniversary) == 1


def test_csv_import_problems_read_in_the_readers_language(client, session, coordinator):
    coordinator.locale = "vi"
    session.commit()
    login(client, coordinator)
    text = (
        "title_vi,title_en,category,origin_date,lunar_day\n"
        "Hỏng,Broken,diplomatic_relations,not-a-date,\n"
        "Hỏng,Broken too,diplomatic_relations,,x\n"
    )
    refused = client.post(
        "/calendar/anniversaries/import",
        data={"file": (io.BytesIO(text.encode()), "anniversaries.csv")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422
    problems = refused.text.split('class="error-list"')[1].split("</ul>")[0]
    assert "Dòng 2, cột origin_date: không phải ngày (viết theo dạng YYYY-MM-DD)" in problems
    assert "Dòng 3, cột lunar_day: không phải số nguyên" in problems


ICS = b"""BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//test//EN\r
BEGIN:VEVENT\r
UID:exhibition@example.org\r
DTSTAMP:20261101T000000Z\r
DTSTART;TZID=Europe/Paris:20261205T100000\r
DTEND;TZID=Europe/Paris:20261205T180000\r
SUMMARY:Exposition photo\r
END:VEVENT\r
END:VCALENDAR\r
"""


def test_ics_import_from_the_web(client, session, coordinator):
    create_unit(session, "mission-fr")
    session.commit()
    login(client, coordinator)
    page = client.get("/calendar/import")
    assert page.status_code == 200
    assert 'value="2026-11-22"' in page.text  # the window starts today

    def upload(content: bytes, **fields):
        data = {
            "file": (io.BytesIO(content), "agenda.ics"),
            "since": "2026-12-01",
            "until": "2026-12-31",
            "owner_unit_code": "mission-fr",
            "visibility": "public",
            "kind": "cultural",
            **fields,
        }
        return client.post("/calendar/import", data=data, content_type="multipart/form-data")

    response = upload(ICS)
    assert response.status_code == 303
    event = session.scalars(select(Event)).one()
    assert (event.title, event.timezone, event.visibility) == (
        "Exposition photo",
        "Europe/Paris",
        "public",
    )
    again = upload(ICS)
    assert again.status_code == 303
    assert count(session, Event) == 1

    refused = upload(b"\xff\xfe not a calendar at all")
    assert refused.status_code == 422
    assert 'class="error"' in refused.text.split('for="file"')[1].split('class="field')[0]
    unknown_unit = upload(ICS, owner_unit_code="nowhere")
    assert unknown_unit.status_code == 422
    assert count(session, Event) == 1


def test_admin_sets_lead_times(client, session):
    admin = create_person(session, role="admin")
    coordinator = create_person(session, role="coordinator")
    session.commit()
    login(client, admin)

    page = client.get("/calendar/lead-times")
    assert page.status_code == 200
    assert 'value="180"' in page.text and 'value="90"' in page.text and 'value="30"' in page.text

    response = client.post(
        "/calendar/lead-times", data={"major": "365", "round": "120", "regular": "14"}
    )
    assert response.status_code == 302
    assert services.lead_times(session) == {Tier.MAJOR: 365, Tier.ROUND: 120, Tier.REGULAR: 14}

    too_long = client.post(
        "/calendar/lead-times", data={"major": "1000", "round": "120", "regular": "14"}
    )
    assert too_long.status_code == 422
    assert 'class="error"' in too_long.text.split('for="major"')[1].split('class="field')[0]
    empty = client.post("/calendar/lead-times", data={"major": "", "round": "1", "regular": "1"})
    assert empty.status_code == 422
    assert services.lead_times(session)[Tier.MAJOR] == 365

    client.post("/logout")
    login(client, coordinator)
    assert client.get("/calendar/lead-times").status_code == 403
