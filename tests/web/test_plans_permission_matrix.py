"""Every annual-plan route × the five roles of one unit, on that unit's plan ("own") and on a
sibling unit's ("other"). A unit's plans are seen by its own people, by the coordinators of the
units above and by administrators; written by its editors and coordinators; nobody else learns
they exist (404). The test fails when a route is added without a line here."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from campaigns.programme import plans
from tests.factories import create_person, login
from tests.plan_factories import NOW, add_activity, create_plan, unit_tree

ROLES = ("admin", "coordinator", "editor", "field", "viewer")
EVERYONE = frozenset(ROLES)
ADMIN = frozenset({"admin"})
PLANNERS = frozenset({"coordinator", "editor"})
ADMIN_AND_COORDINATOR = frozenset({"admin", "coordinator"})
NOBODY = frozenset()


@dataclass(frozen=True)
class Route:
    endpoint: str
    method: str
    path: str  # {plan}, {activity}, {link}, {indicator}, {overlap}, {unit} are filled in
    own: frozenset[str]
    other: frozenset[str] | None = None  # None: no unit's plan in the path


def page(endpoint, method, path, own, other=None) -> Route:
    return Route(f"plans.{endpoint}", method, f"/plans{path}", own, other)


ROUTES = [
    page("index", "GET", "/", EVERYONE),
    page("plan_new", "GET", "/new", PLANNERS),
    page("plan_new", "POST", "/new", PLANNERS),
    page("plan", "GET", "/{plan}", EVERYONE, ADMIN),
    page("plan_edit", "GET", "/{plan}/edit", PLANNERS, NOBODY),
    page("plan_edit", "POST", "/{plan}/edit", PLANNERS, NOBODY),
    page("plan_submit", "POST", "/{plan}/submit", PLANNERS, NOBODY),
    # Reviewed from a unit above: nobody of the unit itself, nor of a sibling.
    page("plan_approve", "POST", "/{plan}/approve", NOBODY, NOBODY),
    page("plan_return", "POST", "/{plan}/return", NOBODY, NOBODY),
    page("plan_versions", "GET", "/{plan}/versions", EVERYONE, ADMIN),
    page("plan_review", "GET", "/{plan}/review/mid-year", EVERYONE, ADMIN),
    page("plan_review", "GET", "/{plan}/review/year-end.xlsx", EVERYONE, ADMIN),
    page("activity_new", "GET", "/{plan}/activities/new", PLANNERS, NOBODY),
    page("activity_new", "POST", "/{plan}/activities/new", PLANNERS, NOBODY),
    page("activity", "GET", "/activities/{activity}", EVERYONE, ADMIN),
    page("activity_edit", "GET", "/activities/{activity}/edit", PLANNERS, NOBODY),
    page("activity_edit", "POST", "/activities/{activity}/edit", PLANNERS, NOBODY),
    page("activity_delete", "POST", "/activities/{activity}/delete", PLANNERS, NOBODY),
    page("activity_progress", "POST", "/activities/{activity}/progress", PLANNERS, NOBODY),
    page("activity_link", "POST", "/activities/{activity}/links", PLANNERS, NOBODY),
    page("link_delete", "POST", "/links/{link}/delete", PLANNERS, NOBODY),
    page("indicator_add", "POST", "/activities/{activity}/indicators", PLANNERS, NOBODY),
    page("indicator_record", "POST", "/indicators/{indicator}", PLANNERS, NOBODY),
    page("indicator_delete", "POST", "/indicators/{indicator}/delete", PLANNERS, NOBODY),
    # The steering committee's list: no one of a mission; administrators.
    page("overlap_list", "GET", "/overlaps", ADMIN),
    page("overlap_lead", "POST", "/overlaps/{overlap}/lead", PLANNERS, NOBODY),
    # The roll-up of the units below: the unit's coordinators (and those above), administrators.
    page("rollup", "GET", "/units/{unit}/2027/roll-up", ADMIN_AND_COORDINATOR, ADMIN),
    page("rollup", "GET", "/units/{unit}/2027/roll-up.pdf", ADMIN_AND_COORDINATOR, ADMIN),
]


def test_every_plans_route_is_in_the_matrix(app):
    listed = {(route.endpoint, route.method) for route in ROUTES}
    missing = [
        f"{method} {rule.rule}"
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("plans.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
        if (rule.endpoint, method) not in listed
    ]
    assert not missing


def _targets(session, unit, province) -> dict:
    plan = create_plan(session, unit)
    activity = add_activity(session, plan)
    theirs = add_activity(session, create_plan(session, province))
    link = plans.link_activity(
        session, actor=None, now=NOW, activity=activity, kind="trip", target_id=_trip(session, unit)
    )
    indicator = plans.add_indicator(
        session, actor=None, now=NOW, activity=activity, measure="manual", label="Khách tham quan"
    )
    low, high = sorted((activity.id, theirs.id))
    return {
        "plan": plan.id,
        "activity": activity.id,
        "link": link.id,
        "indicator": indicator.id,
        "overlap": f"{low}-{high}",
        "unit": unit.code,
    }


def _trip(session, unit) -> int:
    from tests.press_factories import create_trip

    return create_trip(session, host=unit).id


@pytest.mark.parametrize("relation", ["own", "other"])
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_route_role_relation(client, session, route, role, relation):
    if relation == "other" and route.other is None:
        pytest.skip("no unit's plan in this path")
    units = unit_tree(session)
    own, sibling = units["mission_kh"], units["mission_fr"]
    person = create_person(session, role, unit=own)
    target = _targets(session, own if relation == "own" else sibling, units["province"])
    session.commit()
    allowed = route.own if relation == "own" else route.other
    login(client, person)
    path = route.path
    for key, value in target.items():
        path = path.replace("{" + key + "}", str(value))
    response = client.open(path, method=route.method, data={})
    if role in allowed:
        assert response.status_code not in (403, 404), (role, relation, response.status_code)
        assert response.status_code < 500
    else:
        assert response.status_code in (403, 404), (role, relation, response.status_code)
