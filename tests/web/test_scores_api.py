"""/api/v1/criteria-sets and /api/v1/measures: CRUD for admins, scores by who may see them,
JSON errors naming the API's fields, and the OpenAPI document."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from campaigns.metrics.models import CriteriaSet
from campaigns.org.models import AuditEntry
from tests.factories import bearer
from tests.score_world import build

BODY = {
    "name": "Q2 2026",
    "period_start": "2026-04-01",
    "period_end": "2026-06-30",
    "criteria": [
        {"measure": "posts_on_schedule", "weight": 40},
        {"measure": "engagement_rate", "weight": 60, "target": 3.5},
    ],
}


@pytest.fixture
def world(session):
    made = build(session)
    session.commit()
    return made


def _count(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(CriteriaSet))


def test_an_admin_creates_replaces_and_deletes_a_set(client, session, world):
    headers = bearer(session, world.admin)
    made = client.post("/api/v1/criteria-sets", json=BODY, headers=headers)
    assert made.status_code == 201, made.json
    set_id = made.json["id"]
    assert made.json["criteria"][1] == {"measure": "engagement_rate", "weight": 60, "target": 3.5}
    changed = client.put(
        f"/api/v1/criteria-sets/{set_id}", json={**BODY, "name": "Renamed"}, headers=headers
    )
    assert changed.status_code == 200 and changed.json["name"] == "Renamed"
    assert client.delete(f"/api/v1/criteria-sets/{set_id}", headers=headers).status_code == 204
    assert client.get(f"/api/v1/criteria-sets/{set_id}", headers=headers).status_code == 404
    actions = session.scalars(
        select(AuditEntry.action).where(
            AuditEntry.target_type == "criteria_set", AuditEntry.target_id == set_id
        )
    ).all()
    assert sorted(actions) == ["create", "delete", "update"]
    assert {entry for entry in session.scalars(select(AuditEntry.door)).all()} >= {"api"}


def test_invalid_sets_are_json_errors_naming_the_fields(client, session, world):
    headers = bearer(session, world.admin)
    body = {
        **BODY,
        "period_end": "2026-03-01",
        "criteria": [
            {"measure": "posts_on_schedule", "weight": 40},
            {"measure": "engagement_rate", "weight": 50},
        ],
    }
    response = client.post("/api/v1/criteria-sets", json=body, headers=headers)
    assert response.status_code == 422
    errors = response.json["errors"]
    assert errors["period_end"] == "The period must end on or after the day it starts."
    assert "criteria.1.target" in errors
    assert errors["criteria"] == "The weights must add up to exactly 100 (they add up to 90)."
    unknown = client.post(
        "/api/v1/criteria-sets",
        json={**BODY, "criteria": [{"measure": "followers", "weight": 100}]},
        headers=headers,
    )
    assert unknown.status_code == 422
    for weird in ({"target": True}, {"target": "1e999"}, {"weight": 10**12}):
        row = {"measure": "reach", "weight": 100, "target": 5, **weird}
        response = client.post(
            "/api/v1/criteria-sets", json={**BODY, "criteria": [row]}, headers=headers
        )
        assert response.status_code == 422, weird
    assert _count(session) == 1


@pytest.mark.parametrize("who", ["coordinator", "editor_alpha", "viewer_alpha"])
def test_only_admins_change_sets(client, session, world, who):
    headers = bearer(session, getattr(world, who))
    set_id = world.criteria_set.id
    assert client.post("/api/v1/criteria-sets", json=BODY, headers=headers).status_code == 403
    put = client.put(f"/api/v1/criteria-sets/{set_id}", json=BODY, headers=headers)
    assert put.status_code == 403
    assert client.delete(f"/api/v1/criteria-sets/{set_id}", headers=headers).status_code == 403
    assert client.get(f"/api/v1/criteria-sets/{set_id}", headers=headers).status_code == 200


def test_the_ranking_for_coordinators(client, session, world):
    headers = bearer(session, world.coordinator)
    response = client.get(f"/api/v1/criteria-sets/{world.criteria_set.id}/scores", headers=headers)
    assert response.status_code == 200
    first = response.json[0]
    assert (first["unit"], first["rank"], first["total"]) == ("alpha", 1, 65.17)
    by_measure = {c["measure"]: c for c in first["criteria"]}
    assert by_measure["coverage_articles"]["points"] == 22.5
    assert {i["key"]: i["value"] for i in by_measure["posts_on_schedule"]["inputs"]} == {
        "on_time": 3,
        "late": 1,
        "missed": 1,
        "due": 5,
    }


def test_an_editor_gets_their_own_units_score_and_no_other(client, session, world):
    headers = bearer(session, world.editor_alpha)
    set_id = world.criteria_set.id
    own = client.get(f"/api/v1/criteria-sets/{set_id}/scores/alpha", headers=headers)
    assert own.status_code == 200 and own.json["total"] == 65.17
    assert own.json["criteria"][1]["formula"].startswith("rate = engagements")
    ranking = client.get(f"/api/v1/criteria-sets/{set_id}/scores", headers=headers)
    assert ranking.status_code == 403 and "Gamma" not in ranking.get_data(as_text=True)
    for code in ("gamma", "beta", "no-such-unit"):
        other = client.get(f"/api/v1/criteria-sets/{set_id}/scores/{code}", headers=headers)
        assert other.status_code == 404
        assert other.json == {"code": 404, "message": "There is no such score to show."}


def test_scores_in_vietnamese(client, session, world):
    headers = {**bearer(session, world.admin), "Accept-Language": "vi"}
    response = client.get(
        f"/api/v1/criteria-sets/{world.criteria_set.id}/scores/beta", headers=headers
    )
    assert response.status_code == 200
    assert response.json["criteria"][0]["no_data"] is True


def test_the_catalogue_and_the_openapi_document(client, session, world):
    headers = bearer(session, world.viewer_alpha)
    measures = client.get("/api/v1/measures", headers=headers).json
    keys = {m["key"] for m in measures}
    assert {"posts_on_schedule", "engagement_rate", "coverage_articles"} <= keys
    assert {"planning_tasks_on_time", "reach", "trips_held"} <= keys
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert "/api/v1/criteria-sets/{set_id}/scores/{unit_code}" in paths
    assert "/api/v1/measures" in paths


def test_the_ranking_is_written_as_its_schema_says(client, session, world):
    # The one-unit answer goes through UnitScoreSchema; the ranking, written directly, matches.
    headers = bearer(session, world.admin)
    set_id = world.criteria_set.id
    ranked = client.get(f"/api/v1/criteria-sets/{set_id}/scores", headers=headers).json
    alone = client.get(f"/api/v1/criteria-sets/{set_id}/scores/alpha", headers=headers).json
    assert {**ranked[0], "rank": None} == alone
