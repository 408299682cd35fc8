"""/api/v1/events and /api/v1/anniversaries with a bearer token."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from campaigns.calendar import services
from campaigns.calendar.models import Event
from campaigns.org import services as org_services
from tests.factories import create_event, create_person, create_unit


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch, now):
    monkeypatch.setattr("web.api.calendar.utcnow", lambda: now)


def wall(text: str) -> datetime:
    """A wall-clock time without zone, as the services and forms take it."""
    return datetime.fromisoformat(text)


def token_for(session, person) -> dict[str, str]:
    _, plaintext = org_services.create_api_token(
        session, actor=None, now=datetime(2026, 1, 1, tzinfo=UTC), person=person, name="test"
    )
    session.commit()
    return {"Authorization": f"Bearer {plaintext}"}


@pytest.fixture
def editor(session):
    unit = create_unit(session, "mission-fr")
    person = create_person(session, role="editor", unit=unit, timezone="Asia/Ho_Chi_Minh")
    session.commit()
    return person


@pytest.fixture
def headers(session, editor):
    return token_for(session, editor)


def new_event(**overrides) -> dict:
    body = {
        "title": "Hội thảo hợp tác",
        "kind": "conference",
        "starts_at": "2026-12-01T09:00",
        "ends_at": "2026-12-01T11:00",
        "timezone": "Europe/Paris",
        "owner_unit": "mission-fr",
        "partner_countries": ["FR"],
        "tags": ["hợp tác"],
    }
    body.update(overrides)
    return body


def count_events(session) -> int:
    return session.scalar(select(func.count()).select_from(Event))


def test_create_read_update_cancel(client, session, headers):
    created = client.post("/api/v1/events", json=new_event(), headers=headers)

    assert created.status_code == 201, created.json
    body = created.json
    assert body["starts_at"] == "2026-12-01T09:00:00+01:00"
    assert body["ends_at"] == "2026-12-01T11:00:00+01:00"
    assert body["timezone"] == "Europe/Paris"
    assert body["owner_unit"] == "mission-fr"
    assert body["status"] == "planned"
    assert body["uid"]
    event_id = body["id"]

    one = client.get(f"/api/v1/events/{event_id}", headers=headers)
    assert one.status_code == 200
    assert one.json["title"] == "Hội thảo hợp tác"

    listed = client.get("/api/v1/events?since=2026-12-01&until=2026-12-31", headers=headers)
    assert [item["id"] for item in listed.json] == [event_id]
    assert client.get("/api/v1/events?since=2027-01-01", headers=headers).json == []

    patched = client.patch(
        f"/api/v1/events/{event_id}",
        json={"title": "Hội thảo hợp tác Việt - Pháp", "location": "Paris"},
        headers=headers,
    )
    assert patched.status_code == 200, patched.json
    assert patched.json["title"] == "Hội thảo hợp tác Việt - Pháp"
    assert patched.json["starts_at"] == "2026-12-01T09:00:00+01:00"  # untouched
    assert patched.json["uid"] == body["uid"]

    cancelled = client.post(
        f"/api/v1/events/{event_id}/cancel", json={"reason": "Thời tiết"}, headers=headers
    )
    assert cancelled.status_code == 200
    assert cancelled.json["status"] == "cancelled"
    assert client.get(f"/api/v1/events/{event_id}", headers=headers).json["status"] == "cancelled"
    assert client.delete(f"/api/v1/events/{event_id}", headers=headers).status_code == 405
    assert count_events(session) == 1


def test_a_time_with_an_offset_is_converted_to_the_events_zone(client, session, headers):
    response = client.post(
        "/api/v1/events",
        json=new_event(starts_at="2026-12-01T17:00:00+09:00", ends_at="2026-12-01T10:00:00Z"),
        headers=headers,
    )

    assert response.status_code == 201, response.json
    assert response.json["starts_at"] == "2026-12-01T09:00:00+01:00"
    assert response.json["ends_at"] == "2026-12-01T11:00:00+01:00"
    event = session.scalars(select(Event)).one()
    assert event.starts_at == datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def test_an_all_day_event_and_the_owners_zone_by_default(client, session, headers):
    response = client.post(
        "/api/v1/events",
        json={
            "title": "Ngày Văn hoá",
            "kind": "cultural",
            "all_day": True,
            "start_date": "2026-12-10",
            "end_date": "2026-12-12",
            "owner_unit": "mission-fr",
        },
        headers=headers,
    )

    assert response.status_code == 201, response.json
    assert response.json["all_day"] is True
    assert (response.json["start_date"], response.json["end_date"]) == (
        "2026-12-10",
        "2026-12-12",
    )
    assert response.json["starts_at"] is None
    assert response.json["timezone"] == "Asia/Ho_Chi_Minh"


def test_bad_input_is_422_naming_the_field_and_nothing_is_saved(client, session, headers):
    missing = client.post("/api/v1/events", json=new_event(title=None), headers=headers)
    assert missing.status_code == 422
    assert "title" in missing.json["errors"]

    body = new_event()
    del body["title"]
    required = client.post("/api/v1/events", json=body, headers=headers)
    assert required.status_code == 422
    assert "title" in required.json["errors"]

    unreadable = client.post(
        "/api/v1/events", json=new_event(starts_at="next tuesday"), headers=headers
    )
    assert unreadable.status_code == 422
    assert "starts_at" in unreadable.json["errors"]

    zone = client.post("/api/v1/events", json=new_event(timezone="Mars/Olympus"), headers=headers)
    assert zone.status_code == 422
    assert "timezone" in zone.json["errors"]
    assert zone.json["message"]

    backwards = client.post(
        "/api/v1/events",
        json=new_event(starts_at="2026-12-01T11:00", ends_at="2026-12-01T09:00"),
        headers=headers,
    )
    assert backwards.status_code == 422
    assert set(backwards.json["errors"]) & {"starts_at", "ends_at"}
    assert count_events(session) == 0


def test_an_overlap_is_409_with_the_clashes_until_confirmed(client, session, headers):
    first = client.post(
        "/api/v1/events",
        json=new_event(title="Thăm cấp nhà nước", priority="national"),
        headers=headers,
    )
    assert first.status_code == 201

    clash = client.post("/api/v1/events", json=new_event(title="Họp báo"), headers=headers)
    assert clash.status_code == 409
    assert clash.json["clashes"] == [{"id": first.json["id"], "title": "Thăm cấp nhà nước"}]
    assert count_events(session) == 1

    confirmed = client.post(
        "/api/v1/events", json=new_event(title="Họp báo", confirm_overlap=True), headers=headers
    )
    assert confirmed.status_code == 201


def test_an_invisible_event_is_404(client, session, now, headers):
    create_unit(session, "mission-jp")
    session.commit()
    hidden = services.create_event(
        session,
        actor=None,
        now=now,
        data=services.EventInput(
            title="Họp nội bộ",
            kind="other",
            all_day=False,
            starts_local=wall("2026-12-01T09:00"),
            ends_local=wall("2026-12-01T10:00"),
            start_date=None,
            end_date=None,
            timezone="Asia/Tokyo",
            owner_unit_code="mission-jp",
            visibility="restricted",
        ),
    )
    session.commit()

    assert client.get(f"/api/v1/events/{hidden.id}", headers=headers).status_code == 404
    assert (
        client.patch(
            f"/api/v1/events/{hidden.id}", json={"title": "x"}, headers=headers
        ).status_code
        == 404
    )
    assert client.post(f"/api/v1/events/{hidden.id}/cancel", headers=headers).status_code == 404
    assert client.get("/api/v1/events/999999", headers=headers).status_code == 404
    assert client.get("/api/v1/events", headers=headers).json == []


def at(start: str) -> dict:
    """An event's wall-clock start, and an end an hour later."""
    starts = wall(start)
    return {"starts_local": starts, "ends_local": starts.replace(hour=starts.hour + 1)}


def _events_in_mixed_order(session, editor) -> list[int]:
    """Seven events of the editor's unit, made out of order; their ids by start (an all-day
    one by the start of its day in its own zone; two at the same instant by id)."""
    unit = editor.unit
    made = {
        "dec3": create_event(session, unit, **at("2026-12-03T10:00")),
        "dec1": create_event(session, unit, **at("2026-12-01T10:00")),
        # 2 Dec in Tokyo starts at 15:00 UTC on 1 Dec: after dec1 (09:00 UTC), before dec2.
        "dec2_tokyo_all_day": create_event(
            session,
            unit,
            all_day=True,
            starts_local=None,
            ends_local=None,
            start_date=date(2026, 12, 2),
            end_date=date(2026, 12, 2),
            timezone="Asia/Tokyo",
        ),
        "dec2": create_event(session, unit, **at("2026-12-02T10:00")),
        "dec2_again": create_event(session, unit, **at("2026-12-02T10:00")),
        "nov30": create_event(session, unit, **at("2026-11-30T10:00")),
        "dec4": create_event(session, unit, **at("2026-12-04T10:00")),
    }
    session.commit()
    order = ["nov30", "dec1", "dec2_tokyo_all_day", "dec2", "dec2_again", "dec3", "dec4"]
    return [made[name].id for name in order]


def test_events_come_in_pages_with_the_next_ones_address(client, session, editor, headers):
    expected = _events_in_mixed_order(session, editor)

    seen, address, pages = [], "/api/v1/events?page_size=3&kind=diplomatic", []
    while address:
        response = client.get(address, headers=headers)
        assert response.status_code == 200
        pages.append(response.json)
        seen += [event["id"] for event in response.json]
        link = response.headers.get("Link")
        if link:
            assert link.startswith("<http://") and link.endswith('>; rel="next"')
            address = link[1:].split(">")[0].split("localhost", 1)[-1]
            assert "kind=diplomatic" in address  # the filters go on to the next page
        else:
            address = None
    assert seen == expected
    assert [len(page) for page in pages] == [3, 3, 1]

    last = client.get("/api/v1/events?page=3&page_size=3", headers=headers)
    assert json.loads(last.headers["X-Pagination"]) == {
        "total": 7,
        "total_pages": 3,
        "first_page": 1,
        "last_page": 3,
        "page": 3,
        "previous_page": 2,
    }
    assert "Link" not in last.headers
    beyond = client.get("/api/v1/events?page=4&page_size=3", headers=headers)
    assert beyond.status_code == 200 and beyond.json == []


def test_a_page_holds_100_events_unless_asked_and_filters_count_before_paging(
    client, session, editor, headers
):
    unit = editor.unit
    for number in range(102):
        create_event(
            session,
            unit,
            **at("2026-12-01T10:00"),
            partner_countries=["JP"] if number % 2 else ["FR"],
        )
    session.commit()

    first = client.get("/api/v1/events", headers=headers)
    assert len(first.json) == 100
    assert json.loads(first.headers["X-Pagination"])["total"] == 102
    assert "page=2" in first.headers["Link"] and "page_size=100" in first.headers["Link"]

    japanese = client.get("/api/v1/events?country=jp&page_size=50", headers=headers)
    assert len(japanese.json) == 50
    assert {tuple(event["partner_countries"]) for event in japanese.json} == {("JP",)}
    assert json.loads(japanese.headers["X-Pagination"])["total"] == 51


def test_pages_only_count_what_the_reader_may_see(client, session, editor, headers, now):
    other = create_unit(session, "mission-jp")
    create_event(session, editor.unit)
    create_event(session, other, visibility="restricted")
    session.commit()

    response = client.get("/api/v1/events", headers=headers)
    assert len(response.json) == 1
    assert json.loads(response.headers["X-Pagination"])["total"] == 1


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("page=0", "page"),
        ("page=-1", "page"),
        ("page=two", "page"),
        ("page_size=0", "page_size"),
        ("page_size=1001", "page_size"),
        ("page_size=many", "page_size"),
    ],
)
def test_a_bad_page_is_refused_naming_the_argument(client, session, headers, query, field):
    response = client.get(f"/api/v1/events?{query}", headers=headers)
    assert response.status_code == 422
    assert response.is_json
    assert field in response.json["errors"]


def test_the_openapi_document_describes_the_pages(client):
    listing = client.get("/api/v1/openapi.json").json["paths"]["/api/v1/events"]["get"]
    names = {parameter["name"] for parameter in listing["parameters"] if "name" in parameter}
    assert {"page", "page_size"} <= names
    assert {"X-Pagination", "Link"} <= set(listing["responses"]["200"]["headers"])


def test_a_viewer_cannot_create(client, session):
    viewer = create_person(session, role="viewer")
    session.commit()
    response = client.post(
        "/api/v1/events",
        json=new_event(owner_unit=viewer.unit.code),
        headers=token_for(session, viewer),
    )
    assert response.status_code == 403
    assert count_events(session) == 0


def test_without_a_token_401(client, session):
    assert client.get("/api/v1/events").status_code == 401
    assert (
        client.get("/api/v1/anniversaries/occurrences?from=2025-01-01&to=2025-12-31").status_code
        == 401
    )


ICS = b"""BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//test//EN\r
BEGIN:VEVENT\r
UID:weekly-briefing@example.org\r
DTSTAMP:20261101T000000Z\r
DTSTART;TZID=Europe/Paris:20261202T100000\r
DTEND;TZID=Europe/Paris:20261202T110000\r
RRULE:FREQ=WEEKLY;COUNT=3\r
SUMMARY:Weekly briefing\r
END:VEVENT\r
END:VCALENDAR\r
"""


def test_import_an_ics_file_twice(client, session, headers):
    def upload(content: bytes):
        return client.post(
            "/api/v1/events/import",
            data={
                "file": (io.BytesIO(content), "briefing.ics"),
                "owner_unit": "mission-fr",
                "since": "2026-12-01",
                "until": "2026-12-31",
            },
            headers=headers,
            content_type="multipart/form-data",
        )

    first = upload(ICS)
    assert first.status_code == 200, first.json
    assert first.json == {"created": 3, "updated": 0, "unchanged": 0, "skipped": []}
    again = upload(ICS)
    assert again.json["created"] == 0
    assert count_events(session) == 3

    refused = upload(b"this is not a calendar")
    assert refused.status_code == 422
    assert refused.json["message"]
    assert count_events(session) == 3


def make_anniversary(session, now, **overrides):
    values = {
        "title_vi": "Quan hệ ngoại giao Việt Nam - Hoa Kỳ",
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


def test_occurrences_shape_and_order(client, session, now, headers):
    usa = make_anniversary(session, now)
    cuba = make_anniversary(
        session,
        now,
        title_vi="Quan hệ ngoại giao Việt Nam - Cuba",
        title_en="Vietnam-Cuba diplomatic relations",
        origin_date=date(1960, 12, 2),
        partner_country="CU",
    )
    hung_kings = make_anniversary(
        session,
        now,
        title_vi="Giỗ Tổ Hùng Vương",
        title_en="Hung Kings' Commemoration",
        category="national",
        origin_date=None,
        lunar_month=3,
        lunar_day=10,
        partner_country=None,
    )

    response = client.get(
        "/api/v1/anniversaries/occurrences?from=2025-01-01&to=2025-12-31", headers=headers
    )

    assert response.status_code == 200
    body = response.json
    assert [item["anniversary_id"] for item in body] == [hung_kings.id, usa.id, cuba.id]
    assert [item["date"] for item in body] == ["2025-04-07", "2025-07-12", "2025-12-02"]
    assert body[1] == {
        "anniversary_id": usa.id,
        "title": "Vietnam-United States diplomatic relations",  # the token owner reads English
        "category": "diplomatic_relations",
        "date": "2025-07-12",
        "years": 30,
        "tier": "major",
        "country": "US",
    }
    assert body[2]["years"] == 65 and body[2]["tier"] == "round"
    assert body[0]["years"] is None and body[0]["country"] is None


def test_occurrences_in_the_token_owners_language(client, session, now):
    make_anniversary(session, now)
    reader = create_person(session, role="viewer", locale="vi")
    session.commit()
    response = client.get(
        "/api/v1/anniversaries/occurrences?from=2025-07-01&to=2025-07-31",
        headers=token_for(session, reader),
    )
    assert [item["title"] for item in response.json] == ["Quan hệ ngoại giao Việt Nam - Hoa Kỳ"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("to=2025-12-31", "from"),
        ("from=2025-01-01", "to"),
        ("from=2025-13-01&to=2025-12-31", "from"),
        ("from=2025-12-31&to=2025-01-01", "to"),
        ("from=2000-01-01&to=2099-12-31", "to"),
    ],
)
def test_occurrences_refuse_a_bad_window(client, session, headers, query, field):
    response = client.get(f"/api/v1/anniversaries/occurrences?{query}", headers=headers)
    assert response.status_code == 422
    assert field in response.json["errors"]


def test_anniversaries_list(client, session, now, headers):
    make_anniversary(session, now)
    response = client.get("/api/v1/anniversaries", headers=headers)
    assert response.status_code == 200
    assert response.json[0]["origin_date"] == "1995-07-12"
    assert response.json[0]["partner_country"] == "US"
    filtered = client.get("/api/v1/anniversaries?country=CU", headers=headers)
    assert filtered.json == []


def test_the_openapi_document_describes_the_calendar(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert {
        "/api/v1/events",
        "/api/v1/events/{event_id}",
        "/api/v1/events/{event_id}/cancel",
    } <= set(paths)
    assert "/api/v1/anniversaries/occurrences" in paths
    assert "delete" not in paths["/api/v1/events/{event_id}"]
