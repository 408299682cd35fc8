"""Every route of the foundation × every role × a target in the person's own unit or another.

Routes of later areas carry their own matrices; this one fails when a foundation route is added
without saying who may use it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from campaigns.org import services
from tests.factories import create_person, create_unit, login

ROLES = ("admin", "coordinator", "editor", "field", "viewer")
EVERYONE = frozenset(ROLES)
ADMIN = frozenset({"admin"})
FOUNDATION_BLUEPRINTS = ("main", "account", "admin", "api_me", "api_units", "api_people")
PUBLIC_ENDPOINTS = {
    "account.login",
    "account.logout",
    "account.language",
    "main.healthz",
    "main.metrics",
}


@dataclass(frozen=True)
class Route:
    endpoint: str
    method: str
    path: str  # {unit} and {person} are filled with the own or other target
    allowed: frozenset[str]
    scoped: bool = False  # others than admin/coordinator only reach their own unit's targets
    api: bool = False


ROUTES = [
    Route("main.dashboard", "GET", "/", EVERYONE),
    Route("main.section", "GET", "/section/reports", EVERYONE),
    Route("main.unit_directory", "GET", "/units", EVERYONE),
    Route("main.unit_page", "GET", "/units/{unit}", EVERYONE, scoped=True),
    Route("account.profile", "GET", "/profile", EVERYONE),
    Route("account.profile", "POST", "/profile", EVERYONE),
    Route("account.change_password", "POST", "/profile/password", EVERYONE),
    Route("account.sign_out_everywhere", "POST", "/profile/sign-out-everywhere", EVERYONE),
    Route("account.create_token", "POST", "/profile/tokens", EVERYONE),
    Route("account.revoke_token", "POST", "/profile/tokens/{token}/revoke", EVERYONE),
    Route("account.connect_telegram", "POST", "/profile/telegram", EVERYONE),
    Route("account.disconnect_telegram", "POST", "/profile/telegram/disconnect", EVERYONE),
    Route("admin.index", "GET", "/admin/", ADMIN),
    Route("admin.units", "GET", "/admin/units", ADMIN),
    Route("admin.new_unit", "GET", "/admin/units/new", ADMIN),
    Route("admin.new_unit", "POST", "/admin/units/new", ADMIN),
    Route("admin.edit_unit", "GET", "/admin/units/{unit}/edit", ADMIN),
    Route("admin.edit_unit", "POST", "/admin/units/{unit}/edit", ADMIN),
    Route("admin.people", "GET", "/admin/people", ADMIN),
    Route("admin.new_person", "GET", "/admin/people/new", ADMIN),
    Route("admin.new_person", "POST", "/admin/people/new", ADMIN),
    Route("admin.edit_person", "GET", "/admin/people/{person}/edit", ADMIN),
    Route("admin.edit_person", "POST", "/admin/people/{person}/edit", ADMIN),
    Route("admin.audit", "GET", "/admin/audit", ADMIN),
    Route("api_me.Me", "GET", "/api/v1/me", EVERYONE, api=True),
    Route("api_units.Units", "GET", "/api/v1/units", EVERYONE, api=True),
    Route("api_units.Units", "POST", "/api/v1/units", ADMIN, api=True),
    Route("api_units.UnitByCode", "GET", "/api/v1/units/{unit}", EVERYONE, scoped=True, api=True),
    Route("api_units.UnitByCode", "PATCH", "/api/v1/units/{unit}", ADMIN, api=True),
    Route("api_people.People", "GET", "/api/v1/people", EVERYONE, api=True),
    Route("api_people.People", "POST", "/api/v1/people", ADMIN, api=True),
    Route(
        "api_people.PersonById", "GET", "/api/v1/people/{person}", EVERYONE, scoped=True, api=True
    ),
    Route("api_people.PersonById", "PATCH", "/api/v1/people/{person}", ADMIN, api=True),
]


def test_every_foundation_route_is_in_the_matrix(app):
    listed = {(route.endpoint, route.method) for route in ROUTES}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] not in FOUNDATION_BLUEPRINTS:
            continue
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (rule.endpoint, method) in listed, f"{method} {rule.rule} is not in the matrix"


@pytest.fixture
def world(session, now):
    own = create_unit(session, code="own-unit")
    other = create_unit(session, code="other-unit", country="JP", timezone="Asia/Tokyo")
    people = {role: create_person(session, role=role, unit=own) for role in ROLES}
    targets = {
        "own": {"unit": own, "person": create_person(session, role="viewer", unit=own)},
        "other": {"unit": other, "person": create_person(session, role="viewer", unit=other)},
    }
    tokens = {}
    for role, person in people.items():
        token, plaintext = services.create_api_token(
            session, actor=person, now=now, person=person, name="matrix"
        )
        tokens[role] = (token, plaintext)
    session.commit()
    return people, targets, tokens


BODIES = {
    "/admin/units/new": {"code": "x"},
    "/admin/people/new": {"name": ""},
    "/profile": {"locale": "en", "timezone": "UTC"},
    "/profile/password": {"current_password": "", "new_password": ""},
    "/profile/tokens": {"name": ""},
}


def _request(client, route: Route, path: str, plaintext: str):
    if route.api:
        headers = {"Authorization": f"Bearer {plaintext}"}
        body = {} if route.method in ("POST", "PATCH") else None
        return client.open(path, method=route.method, headers=headers, json=body)
    data = BODIES.get(route.path, {})
    return client.open(path, method=route.method, data=data)


@pytest.mark.parametrize("relation", ["own", "other"])
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", ROUTES, ids=lambda route: f"{route.method} {route.path}")
def test_route_role_relation(client, world, route, role, relation):
    people, targets, tokens = world
    target = targets[relation]
    token, plaintext = tokens[role]
    path = route.path.format(unit=target["unit"].code, person=target["person"].id, token=token.id)
    if not route.api:
        login(client, people[role])
    response = _request(client, route, path, plaintext)

    sees_everything = role in ("admin", "coordinator")
    if role not in route.allowed:
        assert response.status_code == 403, response.text[:500]
    elif route.scoped and relation == "other" and not sees_everything:
        assert response.status_code == 404, response.text[:500]
    else:
        assert response.status_code not in (401, 403, 404), response.text[:500]
        assert response.status_code < 500
