"""Every calendar route (web and API) × every role × an event of the person's own unit or of
another. Fails when a calendar route is added without saying who may use it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from campaigns.calendar import quiet_days, services
from campaigns.org import services as org_services
from tests.factories import create_person, create_unit, login

ROLES = ("admin", "coordinator", "editor", "field", "viewer")
EVERYONE = frozenset(ROLES)
WRITERS = frozenset({"admin", "coordinator", "editor"})
MANAGERS = frozenset({"admin", "coordinator"})
ADMIN = frozenset({"admin"})
CALENDAR_BLUEPRINTS = ("calendar", "api_events", "api_anniversaries")


@dataclass(frozen=True)
class Route:
    endpoint: str
    method: str
    path: str  # {event}, {anniversary}, {task} and {unit} are filled from the target
    allowed: frozenset[str]
    # Editors reach only their own unit's targets (403 otherwise); admins and coordinators all.
    own_unit_only: bool = False
    api: bool = False


ROUTES = [
    Route("calendar.month", "GET", "/calendar/", EVERYONE),
    Route("calendar.week", "GET", "/calendar/week", EVERYONE),
    Route("calendar.agenda", "GET", "/calendar/agenda", EVERYONE),
    Route("calendar.year_ahead", "GET", "/calendar/year-ahead", EVERYONE),
    Route("calendar.event", "GET", "/calendar/events/{event}", EVERYONE),
    Route("calendar.new_event", "GET", "/calendar/events/new", WRITERS),
    Route("calendar.new_event", "POST", "/calendar/events/new", WRITERS),
    Route("calendar.edit_event", "GET", "/calendar/events/{event}/edit", WRITERS, True),
    Route("calendar.edit_event", "POST", "/calendar/events/{event}/edit", WRITERS, True),
    Route("calendar.postpone_event", "GET", "/calendar/events/{event}/postpone", WRITERS, True),
    Route("calendar.postpone_event", "POST", "/calendar/events/{event}/postpone", WRITERS, True),
    Route("calendar.cancel_event", "GET", "/calendar/events/{event}/cancel", WRITERS, True),
    Route("calendar.cancel_event", "POST", "/calendar/events/{event}/cancel", WRITERS, True),
    Route("calendar.import_ics", "GET", "/calendar/import", WRITERS),
    Route("calendar.import_ics", "POST", "/calendar/import", WRITERS),
    Route("calendar.anniversaries", "GET", "/calendar/anniversaries", EVERYONE),
    Route("calendar.new_anniversary", "GET", "/calendar/anniversaries/new", MANAGERS),
    Route("calendar.new_anniversary", "POST", "/calendar/anniversaries/new", MANAGERS),
    Route(
        "calendar.edit_anniversary", "GET", "/calendar/anniversaries/{anniversary}/edit", MANAGERS
    ),
    Route(
        "calendar.edit_anniversary", "POST", "/calendar/anniversaries/{anniversary}/edit", MANAGERS
    ),
    Route("calendar.import_anniversaries", "GET", "/calendar/anniversaries/import", MANAGERS),
    Route("calendar.import_anniversaries", "POST", "/calendar/anniversaries/import", MANAGERS),
    Route("calendar.load_dataset", "POST", "/calendar/anniversaries/dataset", MANAGERS),
    Route("calendar.lead_times", "GET", "/calendar/lead-times", ADMIN),
    Route("calendar.lead_times", "POST", "/calendar/lead-times", ADMIN),
    Route("calendar.quiet_days_page", "GET", "/calendar/quiet-days", MANAGERS),
    Route("calendar.add_quiet_day", "POST", "/calendar/quiet-days", MANAGERS),
    Route("calendar.delete_quiet_day", "POST", "/calendar/quiet-days/{quiet}/delete", MANAGERS),
    Route("calendar.clash_interval", "POST", "/calendar/quiet-days/interval", MANAGERS),
    Route("calendar.milestone", "GET", "/calendar/milestones/{milestone}", EVERYONE),
    Route("calendar.planning_task", "GET", "/calendar/tasks/{task}", EVERYONE, True),
    Route("calendar.complete_task", "POST", "/calendar/tasks/{task}/done", WRITERS, True),
    Route("api_events.Events", "GET", "/api/v1/events", EVERYONE, api=True),
    Route("api_events.Events", "POST", "/api/v1/events", WRITERS, api=True),
    Route("api_events.EventById", "GET", "/api/v1/events/{event}", EVERYONE, api=True),
    Route("api_events.EventById", "PATCH", "/api/v1/events/{event}", WRITERS, True, api=True),
    Route(
        "api_events.EventCancel", "POST", "/api/v1/events/{event}/cancel", WRITERS, True, api=True
    ),
    Route("api_events.EventImport", "POST", "/api/v1/events/import", WRITERS, api=True),
    Route("api_anniversaries.Anniversaries", "GET", "/api/v1/anniversaries", EVERYONE, api=True),
    Route(
        "api_anniversaries.Occurrences",
        "GET",
        "/api/v1/anniversaries/occurrences?from=2026-01-01&to=2026-12-31",
        EVERYONE,
        api=True,
    ),
]


def test_every_calendar_route_is_in_the_matrix(app):
    listed = {(route.endpoint, route.method) for route in ROUTES}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] not in CALENDAR_BLUEPRINTS:
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (rule.endpoint, method) in listed, f"{method} {rule.rule} is not in the matrix"


def _event(session, now, unit_code: str):
    return services.create_event(
        session,
        actor=None,
        now=now,
        data=services.EventInput(
            title=f"Sự kiện của {unit_code}",
            kind="other",
            all_day=True,
            starts_local=None,
            ends_local=None,
            start_date=date(2026, 12, 1),
            end_date=date(2026, 12, 1),
            timezone="Asia/Ho_Chi_Minh",
            owner_unit_code=unit_code,
        ),
    )


@pytest.fixture
def world(session, now):
    own = create_unit(session, code="own-unit")
    other = create_unit(session, code="other-unit", country="JP", timezone="Asia/Tokyo")
    people = {role: create_person(session, role=role, unit=own) for role in ROLES}
    anniversary = services.create_anniversary(
        session,
        actor=None,
        now=now,
        data=services.AnniversaryInput(
            title_vi="Ngày thành lập",
            title_en="Founding day",
            category="founding",
            origin_date=date(1977, 1, 10),
            lunar_month=None,
            lunar_day=None,
            origin_year=None,
            partner_country=None,
            owner_unit_code="own-unit",
        ),
    )
    # The same anniversary gives a task to each unit: one task per occurrence, so two origins.
    other_anniversary = services.create_anniversary(
        session,
        actor=None,
        now=now,
        data=services.AnniversaryInput(
            title_vi="Ngày thành lập khác",
            title_en="Other founding day",
            category="founding",
            origin_date=date(1977, 1, 11),
            lunar_month=None,
            lunar_day=None,
            origin_year=None,
            partner_country=None,
            owner_unit_code="other-unit",
        ),
    )
    quiet = quiet_days.create_quiet_day(
        session,
        actor=None,
        now=now,
        data=quiet_days.QuietDayInput(
            start_date=date(2026, 12, 2), end_date=None, reason="Quốc tang", unit_code="own-unit"
        ),
    )
    tasks = services.create_due_planning_tasks(session, now=now)
    task_of = {task.unit_id: task for task in tasks}
    targets = {
        "own": {
            "unit": own,
            "event": _event(session, now, "own-unit"),
            "anniversary": anniversary,
            "task": task_of[own.id],
            "quiet": quiet,
            "milestone": f"{anniversary.id}/2027-01-10",
        },
        "other": {
            "unit": other,
            "event": _event(session, now, "other-unit"),
            "anniversary": other_anniversary,
            "task": task_of[other.id],
            "quiet": quiet,
            "milestone": f"{other_anniversary.id}/2027-01-11",
        },
    }
    tokens = {}
    for role, person in people.items():
        _, plaintext = org_services.create_api_token(
            session, actor=None, now=now, person=person, name="matrix"
        )
        tokens[role] = plaintext
    session.commit()
    return people, targets, tokens


def _request(client, route: Route, path: str, plaintext: str):
    if route.api:
        headers = {"Authorization": f"Bearer {plaintext}"}
        body = {} if route.method in ("POST", "PATCH") else None
        if route.endpoint == "api_events.EventImport":
            return client.post(path, headers=headers, data={}, content_type="multipart/form-data")
        return client.open(path, method=route.method, headers=headers, json=body)
    return client.open(path, method=route.method, data={})


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch, now):
    for module in ("web.calendar.routes", "web.main.routes", "web.api.calendar"):
        monkeypatch.setattr(f"{module}.utcnow", lambda: now)


@pytest.mark.parametrize("relation", ["own", "other"])
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", ROUTES, ids=lambda route: f"{route.method} {route.path}")
def test_route_role_relation(client, world, route, role, relation):
    people, targets, tokens = world
    target = targets[relation]
    path = route.path.format(
        event=target["event"].id,
        anniversary=target["anniversary"].id,
        task=target["task"].id,
        unit=target["unit"].code,
        quiet=target["quiet"].id,
        milestone=target["milestone"],
    )
    if not route.api:
        login(client, people[role])
    response = _request(client, route, path, tokens[role])

    sees_everything = role in ("admin", "coordinator")
    beyond_own_unit = route.own_unit_only and relation == "other" and not sees_everything
    if role not in route.allowed or beyond_own_unit:
        assert response.status_code in (403, 404), response.text[:500]
    else:
        assert response.status_code not in (401, 403, 404), response.text[:500]
        assert response.status_code < 500, response.text[:500]
