import pytest
from sqlalchemy import func, select

from campaigns.org import services
from campaigns.org.models import Person, Unit
from tests.factories import create_person, create_unit


@pytest.fixture
def bearer(session, now):
    def make(person):
        _, plaintext = services.create_api_token(
            session, actor=person, now=now, person=person, name="test"
        )
        session.commit()
        return {"Authorization": f"Bearer {plaintext}"}

    return make


def test_requests_without_a_valid_token_get_401_json(client):
    for headers in ({}, {"Authorization": "Bearer hrd_forged"}, {"Authorization": "Basic x"}):
        response = client.get("/api/v1/me", headers=headers)
        assert response.status_code == 401
        assert response.json["message"]
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_me(client, session, bearer):
    person = create_person(session, role="editor", name="Phạm Lan Anh")
    response = client.get("/api/v1/me", headers=bearer(person))
    assert response.status_code == 200
    assert response.json["name"] == "Phạm Lan Anh"
    assert response.json["unit"] == person.unit.code
    assert "password" not in response.json and "password_hash" not in response.json


def test_deactivated_people_cannot_use_their_tokens(client, session, bearer):
    person = create_person(session)
    headers = bearer(person)
    session.get(Person, person.id).active = False
    session.commit()
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_admin_creates_a_unit_through_the_api(client, session, bearer):
    admin = create_person(session, role="admin")
    body = {
        "code": "mission-de",
        "name_vi": "Đại sứ quán tại Đức",
        "name_en": "Embassy in Germany",
        "kind": "mission",
        "country": "DE",
        "timezone": "Europe/Berlin",
    }
    response = client.post("/api/v1/units", json=body, headers=bearer(admin))
    assert response.status_code == 201, response.json
    assert response.json["code"] == "mission-de"
    assert client.get("/api/v1/units/mission-de", headers=bearer(admin)).json["timezone"] == (
        "Europe/Berlin"
    )


def test_domain_validation_errors_name_the_fields_and_save_nothing(client, session, bearer):
    admin = create_person(session, role="admin")
    headers = bearer(admin)
    before = session.scalar(select(func.count()).select_from(Unit))
    body = {
        "code": "mission-de",
        "name_vi": "X",
        "name_en": "X",
        "kind": "mission",
        "country": "DE",
        "timezone": "Europe/Berlinn",
    }
    response = client.post("/api/v1/units", json=body, headers=headers)
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"timezone"}
    assert "timezone" in response.json["message"]
    assert session.scalar(select(func.count()).select_from(Unit)) == before


def test_schema_errors_name_the_fields(client, session, bearer):
    admin = create_person(session, role="admin")
    response = client.post("/api/v1/units", json={"code": "x"}, headers=bearer(admin))
    assert response.status_code == 422
    assert {"name_vi", "name_en", "kind", "country", "timezone"} <= set(response.json["errors"])


def test_people_api_create_validate_and_patch(client, session, bearer):
    admin = create_person(session, role="admin")
    headers = bearer(admin)
    unit = create_unit(session, code="mission-fr")
    session.commit()
    body = {
        "name": "Vũ Mai Linh",
        "email": "linh@example.org",
        "role": "field",
        "unit": "mission-fr",
        "timezone": "Europe/Paris",
    }
    created = client.post("/api/v1/people", json=body, headers=headers)
    assert created.status_code == 201, created.json
    person_id = created.json["id"]

    duplicate = client.post("/api/v1/people", json=body, headers=headers)
    assert duplicate.status_code == 422 and "email" in duplicate.json["errors"]

    bad_unit = client.patch(f"/api/v1/people/{person_id}", json={"unit": "ghost"}, headers=headers)
    assert bad_unit.status_code == 422 and "unit" in bad_unit.json["errors"]
    assert session.get(Person, person_id).unit_id == unit.id

    moved = client.patch(
        f"/api/v1/people/{person_id}", json={"timezone": "Asia/Tokyo"}, headers=headers
    )
    assert moved.status_code == 200 and moved.json["timezone"] == "Asia/Tokyo"
    assert moved.json["unit"] == "mission-fr"


def test_people_list_is_scoped_to_what_the_reader_may_see(client, session, bearer):
    paris = create_unit(session, code="mission-fr")
    tokyo = create_unit(session, code="mission-jp", country="JP", timezone="Asia/Tokyo")
    editor = create_person(session, role="editor", unit=paris)
    stranger = create_person(session, role="editor", unit=tokyo)
    emails = {item["email"] for item in client.get("/api/v1/people", headers=bearer(editor)).json}
    assert editor.email in emails and stranger.email not in emails
    response = client.get(f"/api/v1/people/{stranger.id}", headers=bearer(editor))
    assert response.status_code == 404 and response.json["message"]


def test_non_admins_get_403_before_their_body_is_read(client, session, bearer):
    coordinator = create_person(session, role="coordinator")
    response = client.post("/api/v1/people", json={"nonsense": True}, headers=bearer(coordinator))
    assert response.status_code == 403
    assert response.json["message"]


def test_openapi_document_is_generated_and_lists_every_endpoint(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json
    assert document["openapi"].startswith("3.")
    paths = document["paths"]
    for path in (
        "/api/v1/me",
        "/api/v1/units",
        "/api/v1/units/{code}",
        "/api/v1/people",
        "/api/v1/people/{person_id}",
    ):
        assert path in paths
    assert "bearerAuth" in document["components"]["securitySchemes"]


def test_unknown_api_path_answers_json(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.is_json and response.json["message"]
