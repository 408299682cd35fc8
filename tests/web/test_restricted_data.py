"""The findings of the restricted-data review, replayed through the doors they were found at:
the API and the pages."""

from datetime import UTC, datetime

import pytest

from campaigns.press import coverage, privacy, trips
from campaigns.social import services as social_services
from tests.factories import bearer, create_event, create_person, create_unit, login
from tests.press_factories import add_item, create_journalist, create_trip, invite

NOW = datetime(2026, 11, 22, tzinfo=UTC)


@pytest.fixture
def office(session):
    mofa = create_unit(session, code="mofa-press", kind="ministry", country="VN")
    cambodia = create_unit(session, code="mission-kh", kind="mission", country="KH")
    steering = create_unit(session, code="bcd-ttdn", kind="steering", country="VN")
    province = create_unit(session, code="prov-tayninh", kind="province", country="VN")
    people = {
        "coordinator": create_person(session, role="coordinator", unit=mofa),
        "editor": create_person(session, role="editor", unit=mofa),
        "trip_coordinator": create_person(session, role="editor", unit=mofa),
        "editor_kh": create_person(session, role="editor", unit=cambodia),
        "field": create_person(session, role="field", unit=cambodia),
        "viewer": create_person(session, role="viewer", unit=province),
    }
    trip = create_trip(
        session, host=mofa, title="National Day", coordinator_ids=[people["trip_coordinator"].id]
    )
    journalist = create_journalist(session, name_latin="Claire Dubois")
    invitation = invite(session, trip, journalist)
    trips.update_logistics(
        session,
        actor=None,
        now=NOW,
        invitation=invitation,
        data=trips.LogisticsInput(hotel="Hotel Metropole", dietary_needs="vegetarian"),
    )
    document = privacy.add_identity_document(
        session, actor=None, now=NOW, journalist=journalist, trip=trip, number="P-4455",
        nationality="FR",
    )  # fmt: skip
    secret = create_event(session, owner=steering, title="SECRET visit", visibility="restricted")
    session.commit()
    return {
        "people": people,
        "trip": trip,
        "journalist": journalist,
        "document": document,
        "secret": secret,
    }


def test_an_editor_cannot_name_coordinators_and_so_never_sees_passports(client, session, office):
    people, trip = office["people"], office["trip"]
    editor = people["editor"]
    answer = client.patch(
        f"/api/v1/trips/{trip.id}",
        json={"coordinator_ids": [people["trip_coordinator"].id, editor.id]},
        headers=bearer(session, editor),
    )
    assert answer.status_code == 403, answer.json
    login(client, editor)
    page = client.get(f"/press/journalists/{office['journalist'].id}")
    assert page.status_code == 200 and "P-4455" not in page.text


def test_a_viewer_cannot_be_named_and_cannot_delete_identity_documents(client, session, office):
    people, trip = office["people"], office["trip"]
    viewer = people["viewer"]
    answer = client.patch(
        f"/api/v1/trips/{trip.id}",
        json={"coordinator_ids": [viewer.id]},
        headers=bearer(session, people["coordinator"]),
    )
    assert answer.status_code == 422 and set(answer.json["errors"]) == {"coordinator_ids"}
    login(client, viewer)
    refused = client.post(f"/press/identity/{office['document'].id}/delete")
    assert refused.status_code in (403, 404)
    login(client, people["trip_coordinator"])
    page = client.get(f"/press/journalists/{office['journalist'].id}")
    assert "P-4455" in page.text


def test_a_trip_cannot_move_to_another_units_letterhead(client, session, office):
    editor_kh = office["people"]["editor_kh"]
    headers = bearer(session, editor_kh)
    created = client.post(
        "/api/v1/trips",
        json={
            "title": "Angkor",
            "start_date": "2027-03-01",
            "end_date": "2027-03-03",
            "host_unit": "mission-kh",
        },
        headers=headers,
    )
    assert created.status_code == 201, created.json
    moved = client.patch(
        f"/api/v1/trips/{created.json['id']}", json={"host_unit": "mofa-press"}, headers=headers
    )
    assert moved.status_code == 422 and set(moved.json["errors"]) == {"host_unit"}
    again = client.get(f"/api/v1/trips/{created.json['id']}", headers=headers)
    assert again.json["host_unit"] == "mission-kh"


def test_restricted_events_are_neither_offered_nor_linkable_nor_shown(client, session, office):
    people, trip, secret = office["people"], office["trip"], office["secret"]
    editor = people["editor"]
    login(client, editor)
    for path in ("/press/trips/new", f"/press/trips/{trip.id}/edit"):
        page = client.get(path)
        assert page.status_code == 200 and "SECRET" not in page.text, path
    headers = bearer(session, editor)
    created = client.post(
        "/api/v1/trips",
        json={
            "title": "Leak",
            "start_date": "2027-03-01",
            "end_date": "2027-03-03",
            "host_unit": "mofa-press",
            "event_ids": [secret.id],
        },
        headers=headers,
    )
    assert created.status_code == 422 and set(created.json["errors"]) == {"event_ids"}
    # Linked by someone who may see it, the event stays unnamed for the others.
    linked = client.patch(
        f"/api/v1/trips/{trip.id}",
        json={"event_ids": [secret.id]},
        headers=bearer(session, people["coordinator"]),
    )
    assert linked.status_code == 200 and linked.json["event_ids"] == [secret.id]
    assert client.get(f"/api/v1/trips/{trip.id}", headers=headers).json["event_ids"] == []
    page = client.get(f"/press/trips/{trip.id}")
    assert "SECRET" not in page.text and "a restricted event" in page.text
    # The editor's own change keeps the link it cannot see.
    kept = client.patch(f"/api/v1/trips/{trip.id}", json={"city": "Huế"}, headers=headers)
    assert kept.status_code == 200
    session.expire_all()
    assert [event.id for event in trip.events] == [secret.id]


def test_a_campaigns_restricted_event_is_not_named_to_those_who_may_not_see_it(
    client, session, office
):
    people, secret = office["people"], office["secret"]
    campaign = social_services.create_campaign(
        session,
        actor=people["coordinator"],
        now=NOW,
        data=social_services.CampaignInput(
            name_vi="Chiến dịch", name_en="Campaign", starts_on=NOW.date(), ends_on=NOW.date(),
            owner_unit_code="mofa-press", event_ids=[secret.id],
        ),
    )  # fmt: skip
    session.commit()
    headers = bearer(session, people["viewer"])
    answer = client.get(f"/api/v1/campaigns/{campaign.id}", headers=headers)
    assert answer.status_code == 200 and answer.json["event_ids"] == []
    login(client, people["viewer"])
    assert "SECRET" not in client.get(f"/campaigns/{campaign.id}").text


def test_field_staff_learn_nothing_of_trips_they_are_not_on(client, session, office):
    people, trip = office["people"], office["trip"]
    field = people["field"]
    add_item(session, trip, escort=field)
    secret_trip = create_trip(
        session, host=trip.host_unit, title="SECRET talks", start=trip.start_date
    )
    invite(session, secret_trip, office["journalist"])
    item, _ = coverage.record_coverage(
        session,
        actor=None,
        now=NOW,
        data=coverage.CoverageInput(url="https://news.example/secret", trip_id=secret_trip.id),
    )
    session.commit()
    headers = bearer(session, field)
    clashes = client.get(f"/api/v1/trips/{trip.id}/clashes", headers=headers)
    assert clashes.status_code == 200 and clashes.json
    assert "SECRET" not in clashes.text
    duplicate = client.post(
        "/api/v1/coverage",
        json={"url": "https://news.example/secret", "trip_id": trip.id},
        headers=headers,
    )
    assert duplicate.status_code == 422, duplicate.json
    assert set(duplicate.json) == {"code", "errors", "message"}
    assert set(duplicate.json["errors"]) == {"url"}
    assert client.get(f"/api/v1/coverage/{item.id}", headers=headers).status_code == 404


def test_a_viewer_sees_no_flights_hotels_or_diets(client, session, office):
    people, trip = office["people"], office["trip"]
    viewer_headers = bearer(session, people["viewer"])
    answer = client.get(f"/api/v1/trips/{trip.id}/invitations", headers=viewer_headers)
    assert answer.status_code == 200
    assert answer.json[0]["hotel"] is None and answer.json[0]["dietary_needs"] is None
    login(client, people["viewer"])
    page = client.get(f"/press/trips/{trip.id}")
    assert "Hotel Metropole" not in page.text and "vegetarian" not in page.text
    coordinator_headers = bearer(session, people["trip_coordinator"])
    answer = client.get(f"/api/v1/trips/{trip.id}/invitations", headers=coordinator_headers)
    assert answer.json[0]["hotel"] == "Hotel Metropole"
