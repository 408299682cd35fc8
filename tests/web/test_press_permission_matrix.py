"""Every press route × every role, on one trip hosted by another unit than the editor's.

Besides the five roles, two people matter on a trip: its named coordinator (an editor of the
host unit, who may also see passports) and its escort (field staff assigned to an item).
The test fails when a press route is added without saying who may use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from campaigns.field import reports as field_reports
from campaigns.press import coverage, itinerary, privacy
from tests.factories import create_person, create_unit, login
from tests.press_factories import add_item, create_journalist, create_outlet, create_trip, invite
from tests.unit.test_images import tiny_png

ROLES = ("admin", "coordinator", "editor", "field", "viewer", "trip_coordinator", "escort")
EVERYONE = frozenset(ROLES)
DESK = frozenset({"admin", "coordinator", "editor", "trip_coordinator"})
READERS = DESK | {"viewer"}
TRIP_STAFF_VIEW = EVERYONE - {"field"}
TRIP_EDITORS = frozenset({"admin", "coordinator", "trip_coordinator"})
PASSPORTS = frozenset({"admin", "trip_coordinator"})
# Feeds answer calendar apps, not sessions: their signed link is tested apart.
PUBLIC_ENDPOINTS = {"press.staff_feed", "press.journalist_feed"}
NOW = datetime(2026, 11, 22, tzinfo=UTC)


@dataclass(frozen=True)
class Route:
    endpoint: str
    method: str
    path: str
    allowed: frozenset[str]


ROUTES = [
    Route("press.index", "GET", "/press/", EVERYONE),
    Route("press.trips_list", "GET", "/press/trips", EVERYONE),
    Route("press.new_trip", "GET", "/press/trips/new", DESK),
    Route("press.new_trip", "POST", "/press/trips/new", DESK),
    Route("press.trip", "GET", "/press/trips/{trip}", TRIP_STAFF_VIEW),
    Route("press.edit_trip", "GET", "/press/trips/{trip}/edit", TRIP_EDITORS),
    Route("press.edit_trip", "POST", "/press/trips/{trip}/edit", TRIP_EDITORS),
    Route("press.trip_status", "POST", "/press/trips/{trip}/status", TRIP_EDITORS),
    Route("press.nominate", "GET", "/press/trips/{trip}/invitations/new", TRIP_EDITORS),
    Route("press.nominate", "POST", "/press/trips/{trip}/invitations/new", TRIP_EDITORS),
    Route("press.invitation_status", "POST", "/press/invitations/{invitation}/status", TRIP_EDITORS),
    Route("press.visa_status", "POST", "/press/invitations/{invitation}/visa", TRIP_EDITORS),
    Route("press.logistics", "GET", "/press/invitations/{invitation}/logistics", TRIP_EDITORS),
    Route("press.logistics", "POST", "/press/invitations/{invitation}/logistics", TRIP_EDITORS),
    Route("press.letter", "GET", "/press/invitations/{invitation}/invitation.pdf", TRIP_EDITORS),
    Route("press.item_form", "GET", "/press/trips/{trip}/items/new", TRIP_EDITORS),
    Route("press.item_form", "POST", "/press/trips/{trip}/items/new", TRIP_EDITORS),
    Route("press.item_form", "GET", "/press/items/{item}/edit", TRIP_EDITORS),
    Route("press.item_status", "POST", "/press/items/{item}/status", TRIP_EDITORS | {"escort"}),
    Route("press.delay_item", "POST", "/press/items/{item}/delay", TRIP_EDITORS | {"escort"}),
    Route("press.new_interview", "GET", "/press/trips/{trip}/interviews/new", TRIP_EDITORS),
    Route("press.new_interview", "POST", "/press/trips/{trip}/interviews/new", TRIP_EDITORS),
    Route("press.interview_status", "POST", "/press/interviews/{interview}/status", TRIP_EDITORS),
    Route("press.trip_report", "GET", "/press/trips/{trip}/report", READERS),
    Route("press.trip_report", "GET", "/press/trips/{trip}/report.csv", READERS),
    Route("press.coverage_list", "GET", "/press/coverage", EVERYONE),
    Route("press.new_coverage", "GET", "/press/coverage/new", EVERYONE),
    Route("press.new_coverage", "POST", "/press/coverage/new", DESK | {"escort"}),
    Route("press.edit_coverage", "GET", "/press/coverage/{coverage}/edit", DESK),
    Route("press.edit_coverage", "POST", "/press/coverage/{coverage}/edit", DESK),
    Route("press.coverage_status", "POST", "/press/coverage/{coverage}/status", DESK),
    Route("press.outlets", "GET", "/press/outlets", READERS),
    Route("press.outlet_form", "GET", "/press/outlets/new", DESK),
    Route("press.outlet_form", "POST", "/press/outlets/new", DESK),
    Route("press.outlet_form", "POST", "/press/outlets/{outlet}/edit", DESK),
    Route("press.journalists", "GET", "/press/journalists", READERS),
    Route("press.journalist", "GET", "/press/journalists/{journalist}", READERS),
    Route("press.journalist_form", "GET", "/press/journalists/new", DESK),
    Route("press.journalist_form", "POST", "/press/journalists/{journalist}/edit", DESK),
    Route("press.add_affiliation", "POST", "/press/journalists/{journalist}/affiliations", DESK),
    Route("press.end_affiliation", "POST", "/press/affiliations/{affiliation}/end", DESK),
    Route("press.add_identity_document", "POST", "/press/journalists/{journalist}/identity", PASSPORTS),
    Route("press.identity_photo", "GET", "/press/identity/{document}/photo", PASSPORTS),
    # a field report's photo: for whoever sees its trip
    Route("field.report_photo", "GET", "/field/reports/{field_photo}/photo", TRIP_STAFF_VIEW),
    Route("press.delete_identity_document", "POST", "/press/identity/{document}/delete", PASSPORTS),
    Route("press.export_journalist", "GET", "/press/journalists/{journalist}/export.json", frozenset({"admin", "coordinator"})),
    Route("press.erase_journalist", "POST", "/press/journalists/{other_journalist}/erase", frozenset({"admin", "coordinator"})),
    Route("press.merge_journalist", "POST", "/press/journalists/{journalist}/merge", DESK),
    Route("press.import_journalists", "GET", "/press/journalists/import", DESK),
    Route("press.import_journalists", "POST", "/press/journalists/import", DESK),
    Route("press.letterhead", "GET", "/press/letterheads/{host}", TRIP_EDITORS),
    Route("press.letterhead", "POST", "/press/letterheads/{host}", TRIP_EDITORS),
    Route("press.settings", "GET", "/press/settings", frozenset({"admin"})),
    Route("press.settings", "POST", "/press/settings", frozenset({"admin"})),
]  # fmt: skip


def test_every_press_route_is_in_the_matrix(app):
    listed = {(route.endpoint, route.method) for route in ROUTES}
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith(("press.", "field.")) or rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (rule.endpoint, method) in listed, f"{method} {rule.rule} is not in the matrix"


@pytest.fixture
def world(session, app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "HERALD_MEDIA_ROOT", str(tmp_path))
    host = create_unit(session, code="mofa-press", kind="ministry", country="VN")
    # Passwords are slow to hash on purpose: only the two people the trip needs are made here.
    people = {"trip_coordinator": create_person(session, role="editor", unit=host)}
    people["escort"] = create_person(session, role="field")
    trip = create_trip(session, host=host, coordinator_ids=[people["trip_coordinator"].id])
    outlet = create_outlet(session)
    journalist = create_journalist(session, outlet=outlet)
    other = create_journalist(session)
    invitation = invite(session, trip, journalist)
    item = add_item(session, trip, escort=people["escort"])
    interview = itinerary.request_interview(
        session, actor=None, now=NOW, trip=trip, journalist=journalist, interviewee="Minister"
    )
    document = privacy.add_identity_document(
        session, actor=None, now=NOW, journalist=journalist, trip=trip, number="P1",
        nationality="FR", photo=tiny_png(), photo_type="image/png",
    )  # fmt: skip
    article, _ = coverage.record_coverage(
        session, actor=None, now=NOW, data=coverage.CoverageInput(url="https://x.example/a")
    )
    field_photo = field_reports.file_report(
        session, actor=people["escort"], now=NOW, target=field_reports.ReportTarget("trip", trip.id),
        kind="photo", photo=tiny_png(), media_root=tmp_path,
    ).report  # fmt: skip
    session.commit()
    targets = {
        "trip": trip.id,
        "field_photo": field_photo.id,
        "invitation": invitation.id,
        "item": item.id,
        "interview": interview.id,
        "coverage": article.id,
        "outlet": outlet.id,
        "journalist": journalist.id,
        "other_journalist": other.id,
        "affiliation": journalist.affiliations[0].id,
        "document": document.id,
        "host": host.code,
    }
    return people, targets


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", ROUTES, ids=lambda route: f"{route.method} {route.path}")
def test_route_role(client, session, world, route, role):
    people, targets = world
    person = people.get(role) or create_person(session, role=role)
    session.commit()
    login(client, person)
    path = route.path.format(**targets)
    response = client.open(path, method=route.method, data={})
    response.close()
    if role in route.allowed:
        # An empty form may be refused as input (422), never as a permission (403/404).
        assert response.status_code in (200, 302, 303, 409, 422), (
            response.status_code,
            response.text[:500],
        )
    else:
        assert response.status_code in (403, 404), (response.status_code, response.text[:300])
