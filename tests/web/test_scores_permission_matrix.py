"""Every criteria and score route, page and API, × the five roles of one unit, on that unit's
score ("own") and on another unit's ("other"). Administrators define the sets; administrators and
coordinators see every unit; anyone else sees their own unit's score, never another's (404, so
the answer says nothing of it). The test fails when a route is added without a line here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest

from campaigns.metrics import criteria
from campaigns.metrics.criteria import CriterionInput
from tests.factories import bearer, create_person, create_unit, login

ROLES = ("admin", "coordinator", "editor", "field", "viewer")
EVERYONE = frozenset(ROLES)
MANAGERS = frozenset({"admin", "coordinator"})
ADMIN = frozenset({"admin"})
SET_BODY = {
    "name": "S",
    "period_start": "2026-01-01",
    "period_end": "2026-01-31",
    "criteria": [{"measure": "posts_on_schedule", "weight": 100}],
}


@dataclass(frozen=True)
class Route:
    endpoint: str
    method: str
    path: str  # {set}, {unit}, {unit_code} are filled in
    own: frozenset[str]
    other: frozenset[str] | None = None  # None: no unit in the path
    body: dict | None = None
    web: bool = True


def page(endpoint, method, path, own, other=None) -> Route:
    return Route(f"scores.{endpoint}", method, f"/reports/scores{path}", own, other)


def api(endpoint, method, path, own, other=None, body=None) -> Route:
    return Route(f"api_{endpoint}", method, f"/api/v1{path}", own, other, body, web=False)


ROUTES = [
    page("index", "GET", "/", EVERYONE),
    page("set_new", "GET", "/sets/new", ADMIN),
    page("set_new", "POST", "/sets/new", ADMIN),
    page("set_edit", "GET", "/sets/{set}/edit", ADMIN),
    page("set_edit", "POST", "/sets/{set}/edit", ADMIN),
    page("set_delete", "POST", "/sets/{set}/delete", ADMIN),
    page("ranking", "GET", "/sets/{set}/ranking", MANAGERS),
    page("mine", "GET", "/sets/{set}/mine", EVERYONE),
    page("unit", "GET", "/sets/{set}/units/{unit}", EVERYONE, MANAGERS),
    page("unit_period_report", "GET", "/sets/{set}/units/{unit}/report", EVERYONE, MANAGERS),
    page("unit_period_report", "GET", "/sets/{set}/units/{unit}/report.pdf", EVERYONE, MANAGERS),
    api("measures.Measures", "GET", "/measures", EVERYONE),
    api("criteria.CriteriaSets", "GET", "/criteria-sets", EVERYONE),
    api("criteria.CriteriaSets", "POST", "/criteria-sets", ADMIN, body=SET_BODY),
    api("criteria.CriteriaSetById", "GET", "/criteria-sets/{set}", EVERYONE),
    api("criteria.CriteriaSetById", "PUT", "/criteria-sets/{set}", ADMIN, body=SET_BODY),
    api("criteria.CriteriaSetById", "DELETE", "/criteria-sets/{set}", ADMIN),
    api("criteria.Ranking", "GET", "/criteria-sets/{set}/scores", MANAGERS),
    api("criteria.UnitScore", "GET", "/criteria-sets/{set}/scores/{unit_code}", EVERYONE, MANAGERS),
]


def test_every_scores_route_is_in_the_matrix(app):
    listed = {(route.endpoint, route.method) for route in ROUTES}
    missing = [
        f"{method} {rule.rule}"
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith(("scores.", "api_criteria.", "api_measures."))
        for method in rule.methods - {"HEAD", "OPTIONS"}
        if (rule.endpoint, method) not in listed
    ]
    assert not missing


CASES = [
    pytest.param(route, relation, id=f"{route.method} {route.path} {relation}")
    for route in ROUTES
    for relation in (("own", "other") if route.other is not None else ("own",))
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("route", "relation"), CASES)
def test_route_role(client, session, route, role, relation):
    own_unit, other_unit = create_unit(session), create_unit(session)
    person = create_person(session, role, unit=own_unit)
    made = criteria.create_criteria_set(
        session,
        actor=None,
        now=datetime(2026, 2, 1, tzinfo=UTC),
        name="January",
        period_start=date(2026, 1, 1),
        period_end=date(2026, 1, 31),
        criteria=[CriterionInput("posts_on_schedule", 100)],
    )
    unit = own_unit if relation == "own" else other_unit
    session.commit()
    path = route.path.format(set=made.id, unit=unit.id, unit_code=unit.code)
    allowed = route.own if relation == "own" else route.other
    if route.web:
        login(client, person)
        response = client.open(path, method=route.method, data={})
    else:
        response = client.open(
            path, method=route.method, json=route.body, headers=bearer(session, person)
        )
    text = response.data.decode("utf-8", "replace")
    if role in allowed:
        assert response.status_code in (200, 201, 204, 302, 303, 422), (
            response.status_code,
            text[:300],
        )
    else:
        assert response.status_code in (403, 404), (response.status_code, text[:300])
        assert other_unit.name_en not in text
