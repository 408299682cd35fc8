"""Hostile input gets a 4xx with a message naming the field, never a server error (issue #9:
what schemathesis found, one test per cause, so a regression shows on SQLite too)."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest

from tests.factories import bearer, create_event, create_person, create_unit, login
from tests.press_factories import create_journalist, create_trip, invite
from tests.social_factories import create_campaign, create_post
from tests.unit.test_images import png_declaring

NOW = datetime(2026, 11, 22, tzinfo=UTC)


@pytest.fixture
def admin(session):
    create_unit(session, code="mofa-press", kind="ministry", country="VN")
    person = create_person(session, role="admin")
    session.commit()
    return person


@pytest.fixture
def headers(session, admin):
    return bearer(session, admin)


def _field_error(response, field: str, status: int = 422) -> str:
    assert response.status_code == status, response.get_data(as_text=True)
    assert field in response.json["errors"], response.json
    return str(response.json["errors"][field])


# --- numbers beyond the database's integer range ---------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/journalists/4294967297",
        "/api/v1/people/39977702402",
        "/api/v1/events/361459846909307014699527700480",
        "/api/v1/coverage/2147483648",
    ],
)
def test_an_id_beyond_any_row_is_not_found(client, headers, path):
    assert client.get(path, headers=headers).status_code == 404


def test_the_openapi_document_bounds_ids(client):
    spec = client.get("/api/v1/openapi.json").json
    parameter = spec["paths"]["/api/v1/trips/{trip_id}"]["parameters"][0]
    assert parameter["schema"] == {"type": "integer", "minimum": 0, "maximum": 2147483647}


def test_a_number_beyond_a_column_is_a_field_error(client, headers):
    assert "trip" in client.get("/api/v1/coverage?trip=2147483648", headers=headers).json["errors"]
    response = client.post(
        "/api/v1/outlets",
        json={"name": "Le Monde", "country": "FR", "kind": "newspaper", "estimated_reach": 1e30},
        headers=headers,
    )
    _field_error(response, "estimated_reach")


@pytest.mark.parametrize(
    "path", ["/feeds/99999999999-abc/personal.ics", "/press/feeds/trips/99999999999/x.ics"]
)
def test_a_feed_link_beyond_any_id_is_not_found(client, path):
    assert client.get(path).status_code == 404


def test_a_feed_token_of_unicode_digits_is_not_found(client):
    assert client.get("/feeds/²³-abc/personal.ics").status_code == 404


# --- JSON of the wrong type ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"event_ids": 5}, "event_ids"),
        ({"event_ids": ["abc"]}, "event_ids"),
        ({"host_unit": 5}, "host_unit"),
        ({"coordinator_ids": [{}]}, "coordinator_ids"),
        ({"budget_planned": "1e40"}, "budget_planned"),
    ],
)
def test_a_trip_field_of_the_wrong_type_is_refused(client, session, headers, body, field):
    trip = create_trip(session)
    session.commit()
    _field_error(client.patch(f"/api/v1/trips/{trip.id}", json=body, headers=headers), field)


def test_a_unit_given_as_a_list_is_refused(client, headers):
    response = client.post(
        "/api/v1/people",
        json={"name": "A", "email": "a@example.org", "role": "editor", "unit": ["mofa-press"]},
        headers=headers,
    )
    _field_error(response, "unit")


def test_a_channel_wording_under_something_else_than_a_channel_id_is_refused(
    client, session, headers
):
    post = create_post(session, campaign=create_campaign(session))
    session.commit()
    response = client.put(
        f"/api/v1/posts/{post.id}/variants/en",
        json={"text": "Hello", "channel_overrides": {"abc": "x"}},
        headers=headers,
    )
    _field_error(response, "channel_overrides")


def test_an_unknown_status_filter_is_refused(client, headers):
    assert client.get("/api/v1/trips?status=AAA", headers=headers).status_code == 422


# --- text the database cannot keep -------------------------------------------------------------


def test_a_nul_character_in_json_is_a_field_error(client, headers):
    response = client.post(
        "/api/v1/journalists", json={"name_latin": "A\u0000B", "country": "FR"}, headers=headers
    )
    assert "NUL" in _field_error(response, "name_latin", status=400)


def test_a_nul_character_in_a_query_string_is_refused(client, headers):
    response = client.get("/api/v1/journalists?q=%00", headers=headers)
    assert response.status_code == 400 and "q" in response.json["errors"]


def test_a_lone_surrogate_is_refused(client, headers):
    response = client.post(
        "/api/v1/journalists",
        data='{"name_latin": "A\\ud800", "country": "FR"}',
        content_type="application/json",
        headers=headers,
    )
    _field_error(response, "name_latin", status=400)


def test_json_nested_ten_thousand_deep_is_refused(client, headers):
    body = "[" * 10_000 + "]" * 10_000
    response = client.post(
        "/api/v1/journalists", data=body, content_type="application/json", headers=headers
    )
    assert response.status_code == 400 and response.json["errors"]


def test_a_number_of_five_thousand_digits_is_refused(client, headers):
    # Python refuses to read an integer of more than 4,300 digits: a 400, not a 500.
    body = '{"name_latin": "A", "country": "FR", "id": ' + "9" * 5_000 + "}"
    response = client.post(
        "/api/v1/journalists", data=body, content_type="application/json", headers=headers
    )
    assert response.status_code == 400 and response.json["errors"]


def test_a_name_longer_than_its_column_is_a_field_error(client, headers):
    response = client.post(
        "/api/v1/campaigns",
        json={
            "name_vi": "x" * 100_000,
            "name_en": "Campaign",
            "starts_on": "2027-01-01",
            "ends_on": "2027-02-01",
            "owner_unit_code": "mofa-press",
        },
        headers=headers,
    )
    assert "300" in _field_error(response, "name_vi")


def test_a_nul_character_in_a_web_form_is_a_message_not_a_crash(client, session, admin):
    assert login(client, admin).status_code == 302
    response = client.get("/press/journalists?q=a%00b")
    assert response.status_code == 400
    assert "NUL" in response.get_data(as_text=True)


# --- dates and zones -----------------------------------------------------------------------------


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_dates_far_from_any_plan_are_refused(client, session, headers, day):
    response = client.post(
        "/api/v1/events",
        json={
            "title": "Far away",
            "kind": "other",
            "owner_unit": "mofa-press",
            "all_day": True,
            "start_date": day,
        },
        headers=headers,
    )
    assert "1900" in _field_error(response, "start_date")
    assert "since" in client.get(f"/api/v1/events?since={day}", headers=headers).json["errors"]


def test_an_itinerary_item_in_year_one_is_refused(client, session, headers):
    trip = create_trip(session)
    session.commit()
    response = client.post(
        f"/api/v1/trips/{trip.id}/itinerary",
        json={
            "activity": "Visit",
            "starts_local": "0001-01-01T09:00:00",
            "ends_local": "0001-01-01T10:00:00",
        },
        headers=headers,
    )
    _field_error(response, "starts_local")


def test_an_unknown_zone_is_refused_even_with_an_offset_time(client, session, headers):
    event = create_event(session)
    session.commit()
    response = client.patch(
        f"/api/v1/events/{event.id}",
        json={"starts_at": "2027-01-01T09:00:00+01:00", "timezone": "Mars/Olympus"},
        headers=headers,
    )
    _field_error(response, "timezone")


def test_ui_views_far_in_time_or_pages_do_not_crash(client, session, admin):
    assert login(client, admin).status_code == 302
    assert client.get("/social/calendar?date=9999-12-31").status_code == 200
    assert client.get("/admin/audit?page=99999999999999999999").status_code == 200


# --- images ------------------------------------------------------------------------------------


def test_an_image_declaring_a_huge_picture_is_refused(client, session, headers):
    post = create_post(session, campaign=create_campaign(session))
    session.commit()
    language = post.variants[0].language
    response = client.post(
        f"/api/v1/posts/{post.id}/variants/{language}/images",
        data={"image": (io.BytesIO(png_declaring(30000, 30000)), "bomb.png")},
        content_type="multipart/form-data",
        headers=headers,
    )
    assert response.status_code == 422, response.json


# --- the OpenAPI document tells the truth --------------------------------------------------------


def test_the_schema_declares_nullable_fields_money_and_enums(client):
    schemas = client.get("/api/v1/openapi.json").json["components"]["schemas"]
    assert schemas["Invitation"]["properties"]["arrival_at"]["nullable"] is True
    assert schemas["Trip"]["properties"]["budget_planned"]["type"] == "string"
    assert "enum" in schemas["Trip"]["properties"]["status"]


def test_a_method_not_allowed_says_which_are(client, headers):
    response = client.delete("/api/v1/trips", headers=headers)
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]


# --- messages in the caller's language -----------------------------------------------------------


def test_api_field_errors_speak_the_callers_language(client, session, headers):
    trip = create_trip(session)
    invitation = invite(session, trip, create_journalist(session))
    session.commit()
    body = {"arrival_local": "0001-01-01T09:00:00"}
    path = f"/api/v1/invitations/{invitation.id}/logistics"
    english = client.put(path, json=body, headers={**headers, "Accept-Language": "en"})
    vietnamese = client.put(path, json=body, headers={**headers, "Accept-Language": "vi"})
    assert "1900" in _field_error(english, "arrival_local")
    assert english.json["message"] == "Invalid input: arrival_local"
    assert vietnamese.json["message"] != english.json["message"]


def test_an_ics_import_with_a_nul_in_a_summary_is_refused(client, headers):
    ics = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\n"
        "UID:a@example.org\r\nDTSTAMP:20270101T000000Z\r\nDTSTART:20270105T090000Z\r\n"
        "DTEND:20270105T100000Z\r\nSUMMARY:A\x00B\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    response = client.post(
        "/api/v1/events/import",
        data={
            "owner_unit": "mofa-press",
            "since": "2027-01-01",
            "until": "2027-12-31",
            "file": (io.BytesIO(ics.encode()), "calendar.ics"),
        },
        content_type="multipart/form-data",
        headers=headers,
    )
    # The import leaves that event out and says why (the imports' own rule), never a 500.
    assert response.status_code == 200, response.json
    assert response.json["created"] == 0 and "NUL" in str(response.json)


def test_a_nul_character_in_a_posted_form_goes_back_with_a_message(client, session, admin):
    assert login(client, admin).status_code == 302
    form_page = "http://localhost/press/outlets/new"
    response = client.post(
        "/press/outlets/new",
        data={"name": "Le\x00Monde", "country": "FR", "kind": "newspaper"},
        headers={"Referer": form_page},
    )
    assert response.status_code == 302 and response.headers["Location"] == form_page
    page = client.get("/press/outlets/new").get_data(as_text=True)
    assert "NUL" in page
    assert "Le\x00Monde" not in client.get("/press/outlets").get_data(as_text=True)


def test_a_number_is_not_a_boolean(client, session, headers):
    campaign = create_campaign(session)
    session.commit()
    response = client.post(
        f"/api/v1/campaigns/{campaign.id}/pause", json={"paused": 0}, headers=headers
    )
    _field_error(response, "paused")
