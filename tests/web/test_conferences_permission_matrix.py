"""Every conference route × the five roles, for a person of the organiser unit, of a site's
unit, and of a unit with no part in the conference. The organiser unit's coordinators (and
administrators) run it; a site's people (viewers only reading) reach their own site; anyone else
gets 404, and the answer names nothing of the conference. The test fails when a route is added
without a line here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from campaigns.programme import conferences
from campaigns.programme.conference_models import ConferenceSite
from tests.conference_factories import add_site, create_conference
from tests.factories import create_event, create_person, create_unit, login

ROLES = ("admin", "coordinator", "editor", "field", "viewer")
EVERYONE = frozenset(ROLES)
ADMIN = frozenset({"admin"})
ORGANISERS = frozenset({"admin", "coordinator"})
WRITERS = EVERYONE - {"viewer"}
RELATIONS = ("organiser", "site", "other")


@dataclass(frozen=True)
class Route:
    endpoint: str
    method: str
    path: str  # {conference}, {site} (the relation's own site), {talk} are filled in
    organiser: frozenset[str]
    site: frozenset[str]
    other: frozenset[str]
    data: dict | None = None

    def allowed(self, relation: str) -> frozenset[str]:
        return getattr(self, relation)


def route(endpoint, method, path, organiser, site, other=ADMIN, data=None) -> Route:
    return Route(
        f"conferences.{endpoint}", method, f"/conferences{path}", organiser, site, other, data
    )


READY = {"ready-room_ready": "y"}
ROUTES = [
    route("index", "GET", "/", EVERYONE, EVERYONE, EVERYONE),
    route("new", "GET", "/new", ORGANISERS, ADMIN),
    route("new", "POST", "/new", ORGANISERS, ADMIN),
    route("board", "GET", "/{conference}", EVERYONE, EVERYONE),
    route("board_json", "GET", "/{conference}/board.json", ORGANISERS, ADMIN),
    route("deadline", "POST", "/{conference}/deadline", ORGANISERS, ADMIN),
    route("sites", "GET", "/{conference}/sites", ORGANISERS, ADMIN),
    route("sites", "POST", "/{conference}/sites", ORGANISERS, ADMIN, data={"units-selection": "missions"}),
    route("import_sites", "POST", "/{conference}/sites/import", ORGANISERS, ADMIN),
    route("site", "GET", "/{conference}/sites/{site}", EVERYONE, EVERYONE),
    route("site", "POST", "/{conference}/sites/{site}", WRITERS, WRITERS, data={"site-chair_name": "C"}),
    route("readiness", "POST", "/{conference}/sites/{site}/readiness", WRITERS, WRITERS, data=READY),
    route("attendance", "POST", "/{conference}/sites/{site}/attendance", WRITERS, WRITERS, data={"attend-connected": "y", "attend-attendance": "5"}),
    route("remove_site", "POST", "/{conference}/sites/{site}/remove", ORGANISERS, ADMIN),
    route("programme", "GET", "/{conference}/programme", EVERYONE, EVERYONE),
    route("programme", "POST", "/{conference}/programme", ORGANISERS, ADMIN, data={"speaker_name": "S", "title": "T"}),
    route("remove_talk", "POST", "/{conference}/programme/{talk}/remove", ORGANISERS, ADMIN),
    route("talk_document", "GET", "/{conference}/programme/{talk}/document", EVERYONE, EVERYONE),
    route("report", "GET", "/{conference}/report", ORGANISERS, ADMIN),
    route("report", "GET", "/{conference}/report.xlsx", ORGANISERS, ADMIN),
]  # fmt: skip


def test_every_conference_route_is_in_the_matrix(app):
    listed = {(line.endpoint, line.method) for line in ROUTES}
    missing = [
        f"{method} {rule.rule}"
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("conferences.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
        if (rule.endpoint, method) not in listed
    ]
    assert not missing


CASES = [
    pytest.param(line, relation, id=f"{line.method} {line.path} {relation}")
    for line in ROUTES
    for relation in RELATIONS
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("line", "relation"), CASES)
def test_route_role(client, session, app, tmp_path, monkeypatch, line, role, relation):
    monkeypatch.setitem(app.config, "HERALD_MEDIA_ROOT", str(tmp_path))
    ministry = create_unit(session, kind="ministry", name_en="Organiser ministry")
    conference = create_conference(session, organiser=ministry, title="Secret conference")
    create_event(session, owner=ministry, kind="conference", title="Another conference")
    central = conference.event.owner_unit
    site = add_site(
        session, conference, create_unit(session, kind="province", name_en="A province site")
    )
    outsider_unit = create_unit(session, kind="province")
    unit = {"organiser": central, "site": site.unit, "other": outsider_unit}[relation]
    person = create_person(session, role, unit=unit)
    talk = conferences.add_talk(
        session,
        actor=create_person(session, "admin"),
        now=datetime(2026, 12, 1, tzinfo=UTC),
        conference=conference,
        data=conferences.TalkInput(speaker_name="Speaker", title="Talk"),
        document=b"%PDF-1.4 talk",
        document_name="talk.pdf",
        media_root=tmp_path,
    )
    central_site = next(s for s in _sites(session, conference) if s.is_central)
    target = {"organiser": central_site, "site": site, "other": site}[relation]
    session.commit()
    path = line.path.format(conference=conference.id, site=target.id, talk=talk.id)
    login(client, person)
    response = client.open(path, method=line.method, data=line.data or {})
    text = response.data.decode("utf-8", "replace")
    response.close()
    if role in line.allowed(relation):
        assert response.status_code in (200, 302, 303, 422), (response.status_code, text[:300])
    else:
        assert response.status_code in (403, 404), (response.status_code, text[:300])
        assert "Secret conference" not in text and "A province site" not in text


def _sites(session, conference):
    return session.scalars(
        select(ConferenceSite).where(ConferenceSite.conference_id == conference.id)
    ).all()
