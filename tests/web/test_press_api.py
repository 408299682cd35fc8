from datetime import UTC, datetime

import pytest

from campaigns.press import privacy
from tests.factories import bearer, create_person, create_unit
from tests.press_factories import add_item, create_journalist, create_outlet, create_trip, invite

NOW = datetime(2026, 11, 22, tzinfo=UTC)


@pytest.fixture
def coordinator(session):
    create_unit(session, code="mofa-press", kind="ministry", country="VN")
    return create_person(session, role="coordinator")


def test_journalists_and_outlets_through_the_api(client, session, coordinator):
    headers = bearer(session, coordinator)
    outlet = client.post(
        "/api/v1/outlets",
        json={"name": "Le Monde", "country": "FR", "kind": "newspaper", "languages": ["fr"]},
        headers=headers,
    )
    assert outlet.status_code == 201, outlet.json
    created = client.post(
        "/api/v1/journalists",
        json={"name_latin": "Claire Dubois", "country": "FR", "languages": ["fr", "en"]},
        headers=headers,
    )
    assert created.status_code == 201, created.json
    journalist_id = created.json["id"]
    patched = client.patch(
        f"/api/v1/journalists/{journalist_id}", json={"beats": ["culture"]}, headers=headers
    )
    assert patched.status_code == 200 and patched.json["beats"] == ["culture"]
    assert patched.json["languages"] == ["fr", "en"]
    listed = client.get("/api/v1/journalists?country=FR", headers=headers).json
    assert [item["name_latin"] for item in listed] == ["Claire Dubois"]
    bad = client.post(
        "/api/v1/journalists", json={"name_latin": "", "country": "XX"}, headers=headers
    )
    assert bad.status_code == 422 and set(bad.json["errors"]) == {"name_latin", "country"}


def test_a_journalist_in_the_api_never_carries_identity_documents(client, session, coordinator):
    journalist = create_journalist(session)
    privacy.add_identity_document(
        session, actor=None, now=NOW, journalist=journalist, trip=None, number="P-999",
        nationality="FR",
    )  # fmt: skip
    headers = bearer(session, coordinator)
    response = client.get(f"/api/v1/journalists/{journalist.id}", headers=headers)
    assert response.status_code == 200 and "P-999" not in response.text


def test_a_trip_with_invitations_itinerary_and_clashes(client, session, coordinator):
    headers = bearer(session, coordinator)
    escort = create_person(session, role="field")
    journalist = create_journalist(session)
    session.commit()
    trip = client.post(
        "/api/v1/trips",
        json={
            "title": "National Day",
            "start_date": "2027-08-30",
            "end_date": "2027-09-03",
            "host_unit": "mofa-press",
            "key_messages": ["Peace"],
            "budget_planned": "1000",
        },
        headers=headers,
    )
    assert trip.status_code == 201, trip.json
    trip_id = trip.json["id"]
    assert trip.json["status"] == "draft" and trip.json["budget_planned"] == "1000.00"
    reversed_dates = client.patch(
        f"/api/v1/trips/{trip_id}", json={"end_date": "2027-08-01"}, headers=headers
    )
    assert reversed_dates.status_code == 422 and "end_date" in reversed_dates.json["errors"]
    assert (
        client.post(
            f"/api/v1/trips/{trip_id}/status", json={"status": "planned"}, headers=headers
        ).json["status"]
        == "planned"
    )
    invitation = client.post(
        f"/api/v1/trips/{trip_id}/invitations",
        json={"journalist_id": journalist.id},
        headers=headers,
    )
    assert invitation.status_code == 201, invitation.json
    invitation_id = invitation.json["id"]
    skipped = client.post(
        f"/api/v1/invitations/{invitation_id}/visa", json={"status": "applied"}, headers=headers
    )
    assert skipped.status_code == 422 and "visa_status" in skipped.json["errors"]
    logistics = client.put(
        f"/api/v1/invitations/{invitation_id}/logistics",
        json={"arrival_local": "2027-08-29T14:05:00", "hotel": "Metropole"},
        headers=headers,
    )
    assert logistics.status_code == 200
    assert logistics.json["arrival_at"].startswith("2027-08-29T07:05")
    item = {
        "activity": "Interview",
        "starts_local": "2027-09-10T09:00:00",
        "ends_local": "2027-09-10T10:00:00",
        "escort_id": escort.id,
    }
    clash = client.post(f"/api/v1/trips/{trip_id}/itinerary", json=item, headers=headers)
    assert clash.status_code == 409
    assert clash.json["errors"]["clashes"][0]["kind"] == "outside_trip_dates"
    saved = client.post(
        f"/api/v1/trips/{trip_id}/itinerary",
        json={**item, "confirm_clashes": True},
        headers=headers,
    )
    assert saved.status_code == 201 and saved.json["starts_local"] == "2027-09-10T09:00:00"
    delayed = client.post(
        f"/api/v1/itinerary/{saved.json['id']}/delay", json={"minutes": 30}, headers=headers
    )
    assert delayed.json["starts_local"] == "2027-09-10T09:30:00" and delayed.json["sequence"] == 1
    clashes = client.get(f"/api/v1/trips/{trip_id}/clashes", headers=headers).json
    assert [c["kind"] for c in clashes] == ["outside_trip_dates"]
    itinerary = client.get(f"/api/v1/trips/{trip_id}/itinerary", headers=headers).json
    assert [entry["activity"] for entry in itinerary] == ["Interview"]
    assert "openapi" in client.get("/api/v1/openapi.json").json


def test_coverage_posted_twice_answers_with_the_first_item(client, session, coordinator):
    trip = create_trip(session)
    outlet = create_outlet(session, name="Asahi", country="JP", languages=["ja"])
    journalist = create_journalist(session, outlet=outlet)
    invite(session, trip, journalist)
    headers = bearer(session, coordinator)
    body = {"url": "https://www.asahi.com/vn?utm_campaign=x", "trip_id": trip.id,
            "journalist_id": journalist.id, "tone": "positive"}  # fmt: skip
    first = client.post("/api/v1/coverage", json=body, headers=headers)
    assert first.status_code == 201 and first.json["language"] == "ja"
    again = client.post("/api/v1/coverage", json={"url": "http://asahi.com/vn/"}, headers=headers)
    assert again.status_code == 200 and again.json["id"] == first.json["id"]
    bad = client.post("/api/v1/coverage", json={"url": "mailto:a@b.c"}, headers=headers)
    assert bad.status_code == 422 and "url" in bad.json["errors"]
    assert (
        client.post(
            f"/api/v1/coverage/{first.json['id']}/status", json={"status": "found"}, headers=headers
        ).json["status"]
        == "found"
    )


def test_field_staff_reach_only_their_trips_through_the_api(client, session):
    escort = create_person(session, role="field")
    mine, other = create_trip(session), create_trip(session)
    add_item(session, mine, escort=escort)
    headers = bearer(session, escort)
    listed = client.get("/api/v1/trips", headers=headers).json
    assert [trip["id"] for trip in listed] == [mine.id]
    assert client.get(f"/api/v1/trips/{other.id}", headers=headers).status_code == 404
    assert client.get("/api/v1/journalists", headers=headers).status_code == 403
    assert (
        client.post(
            f"/api/v1/trips/{mine.id}/status", json={"status": "planned"}, headers=headers
        ).status_code
        == 403
    )
    assert client.get("/api/v1/trips").status_code == 401
