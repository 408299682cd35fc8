"""The permission matrix, generated from the route table: every route and API operation of the
app (``app.url_map``) must have a line saying who may use it, so a new route without one fails
``test_every_route_and_operation_has_a_policy``.

The lines live in one table per area, each replayed against the five roles by its own test:

| routes | table | replayed by |
|---|---|---|
| dashboard, account, admin, /api/v1 me, units, people | ``test_permission_matrix.ROUTES`` | that file (own unit / other unit) |
| calendar pages, /api/v1 events, anniversaries | ``test_calendar_permissions.ROUTES`` | that file (own unit / other unit) |
| press pages, field reports' photos | ``test_press_permission_matrix.ROUTES`` | that file (+ trip coordinator, escort) |
| campaigns, channels and reports pages | ``test_campaigns_permission_matrix.ROUTES`` | that file (+ author, co-writer) |
| conferences: board, sites, programme, report | ``test_conferences_permission_matrix.ROUTES`` | that file (organiser / site / other unit) |
| criteria sets and unit scores, pages and /api/v1 | ``test_scores_permission_matrix.ROUTES`` | that file (own unit / other unit) |
| annual plans, overlaps, reviews and roll-ups | ``test_plans_permission_matrix.ROUTES`` | that file (own unit / sibling unit) |
| webhook endpoints and deliveries, pages and /api/v1 | ``test_webhooks.ROUTES`` | that file (administrators only) |
| /api/v1 press and social, feeds reset, import progress | ``API_ROUTES`` below | this file (own unit / other unit; an import: one's own or another's) |
| signed feed links, public files | ``NO_SESSION`` below | tests/web/test_feeds.py, test_press_pages.py |

Below, each API line names the roles that may act on a target of their own unit (``own``) and
on one of another unit (``other``; the same as ``own`` when the target has no unit). The
people are all of one unit; a trip "of their unit" is hosted by it, a campaign owned by it.
Field staff are on no trip here (the escort's rights are in the press matrix).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from PIL import Image

from campaigns.org import import_jobs
from campaigns.org import services as org_services
from campaigns.press import coverage, csv_import
from campaigns.social import checks
from campaigns.social import services as social_services
from tests.factories import create_person, create_unit, login
from tests.press_factories import add_item, create_journalist, create_outlet, create_trip, invite
from tests.social_factories import create_campaign, create_channel, create_post, scheduled_post
from tests.web import (
    test_calendar_permissions,
    test_campaigns_permission_matrix,
    test_conferences_permission_matrix,
    test_permission_matrix,
    test_plans_permission_matrix,
    test_press_permission_matrix,
    test_scores_permission_matrix,
    test_webhooks,
)

ROLES = ("admin", "coordinator", "editor", "field", "viewer")
EVERYONE = frozenset(ROLES)
MANAGERS = frozenset({"admin", "coordinator"})  # they see and run every unit's work
DESK = MANAGERS | {"editor"}  # the press desk and the writers
READERS = DESK | {"viewer"}  # journalists, outlets and coverage are read by the desk and viewers
NOT_FIELD = EVERYONE - {"field"}  # field staff see only the trips they work on
NOW = datetime(2026, 11, 22, tzinfo=UTC)

# Answered without a session: signed, revocable links (calendar apps), and public files.
NO_SESSION = {
    "account.login": "the sign-in form",
    "account.logout": "signing out",
    "account.language": "choosing the language before signing in",
    "main.healthz": "health for the load balancer (no data)",
    "main.metrics": "Prometheus counts (no data)",
    "static": "stylesheets and scripts",
    "api-docs.openapi_json": "the OpenAPI document",
    "api_reference.reference": "the API reference page over that document (tests/web/test_api_docs.py)",
    "api_reference.asset": "Swagger UI's files from the installed package (tests/web/test_api_docs.py)",
    "feeds.public": "public events only (tests/web/test_feeds.py)",
    "feeds.personal": "signed link (tests/web/test_feeds.py)",
    "feeds.anniversaries": "signed link (tests/web/test_feeds.py)",
    "feeds.unit": "signed link (tests/web/test_feeds.py)",
    "feeds.event_kind": "signed link (tests/web/test_feeds.py)",
    "press.staff_feed": "signed link (tests/web/test_press_pages.py)",
    "press.journalist_feed": "signed link (tests/web/test_press_pages.py)",
    "telegram.webhook": "Telegram, with the webhook's secrets (tests/web/test_telegram_webhook.py)",
}


@dataclass(frozen=True)
class Route:
    endpoint: str
    method: str
    path: str  # {name} is filled from the world's own or other targets
    own: frozenset[str]
    other: frozenset[str] | None = None  # None: the target has no unit; as ``own``
    body: dict | None = None
    web: bool = False  # a page (session) rather than the API (bearer token)

    def allowed(self, relation: str) -> frozenset[str]:
        return self.own if relation == "own" or self.other is None else self.other


def api(endpoint, method, path, own, other=None, body=None) -> Route:
    return Route(f"api_{endpoint}", method, f"/api/v1{path}", own, other, body)


TRIP = {"city": "Huế"}
ITEM = {"activity": "Visit", "starts_local": "2027-08-30T09:00", "ends_local": "2027-08-30T10:00"}
JOURNALIST = {"name_latin": "Ana Silva", "country": "PT"}
OUTLET = {"name": "Público", "country": "PT", "kind": "newspaper"}
NEW_TRIP = {
    "title": "T",
    "start_date": "2027-05-01",
    "end_date": "2027-05-02",
    "host_unit": "own-unit",
}
NEW_CAMPAIGN = {"name_vi": "C", "name_en": "C", "starts_on": "2027-01-01", "ends_on": "2027-02-01",
                "owner_unit_code": "own-unit"}  # fmt: skip
NEW_CHANNEL = {"kind": "sandbox", "name": "S", "language": "en", "owner_unit_code": "own-unit"}

API_ROUTES = [
    # journalists and outlets: no unit
    api("journalists.Journalists", "GET", "/journalists", READERS),
    api("journalists.Journalists", "POST", "/journalists", DESK, body=JOURNALIST),
    api("journalists.JournalistById", "GET", "/journalists/{journalist}", READERS),
    api("journalists.JournalistById", "PATCH", "/journalists/{journalist}", DESK, body={"notes": "x"}),
    api("outlets.Outlets", "GET", "/outlets", READERS),
    api("outlets.Outlets", "POST", "/outlets", DESK, body=OUTLET),
    api("outlets.OutletById", "GET", "/outlets/{outlet}", READERS),
    api("outlets.OutletById", "PATCH", "/outlets/{outlet}", DESK, body={"website": "https://x.pt"}),
    # trips: editors run their own unit's; nobody names anyone (see test_restricted_data)
    api("trips.Trips", "GET", "/trips", EVERYONE),
    api("trips.Trips", "POST", "/trips", DESK, body=NEW_TRIP),
    api("trips.TripById", "GET", "/trips/{trip}", NOT_FIELD, NOT_FIELD),
    api("trips.TripById", "PATCH", "/trips/{trip}", DESK, MANAGERS, body=TRIP),
    api("trips.TripStatusChange", "POST", "/trips/{trip}/status", DESK, MANAGERS, body={"status": "planned"}),
    api("trips.TripClashes", "GET", "/trips/{trip}/clashes", NOT_FIELD, NOT_FIELD),
    api("trips.TripInvitations", "GET", "/trips/{trip}/invitations", NOT_FIELD, NOT_FIELD),
    api("trips.TripInvitations", "POST", "/trips/{trip}/invitations", DESK, MANAGERS, body={"journalist_id": "{other_journalist}"}),
    api("trips.TripItinerary", "GET", "/trips/{trip}/itinerary", NOT_FIELD, NOT_FIELD),
    api("trips.TripItinerary", "POST", "/trips/{trip}/itinerary", DESK, MANAGERS, body=ITEM),
    api("invitations.InvitationById", "GET", "/invitations/{invitation}", NOT_FIELD, NOT_FIELD),
    api("invitations.InvitationStatusChange", "POST", "/invitations/{invitation}/status", DESK, MANAGERS, body={"status": "withdrawn"}),
    api("invitations.InvitationVisa", "POST", "/invitations/{invitation}/visa", DESK, MANAGERS, body={"status": "not_needed"}),
    api("invitations.InvitationLogistics", "PUT", "/invitations/{invitation}/logistics", DESK, MANAGERS, body={"hotel": "H"}),
    api("itinerary.ItemById", "GET", "/itinerary/{item}", NOT_FIELD, NOT_FIELD),
    api("itinerary.ItemById", "PATCH", "/itinerary/{item}", DESK, MANAGERS, body={"place": "P"}),
    api("itinerary.ItemStatusChange", "POST", "/itinerary/{item}/status", DESK, MANAGERS, body={"status": "confirmed"}),
    api("itinerary.ItemDelay", "POST", "/itinerary/{item}/delay", DESK, MANAGERS, body={"minutes": 10}),
    # coverage: the desk logs and verifies; field staff only on their trips
    api("coverage.CoverageItems", "GET", "/coverage", EVERYONE),
    api("coverage.CoverageItems", "POST", "/coverage", DESK, DESK, body={"url": "https://n.example/new", "trip_id": "{trip}"}),
    api("coverage.CoverageById", "GET", "/coverage/{coverage}", NOT_FIELD, NOT_FIELD),
    api("coverage.CoverageById", "PATCH", "/coverage/{coverage}", DESK, DESK, body={"headline": "H"}),
    api("coverage.CoverageStatusChange", "POST", "/coverage/{coverage}/status", DESK, DESK, body={"status": "found"}),
    # campaigns: coordinators and admins run them; editors write on their own unit's
    api("campaigns.Campaigns", "GET", "/campaigns", EVERYONE),
    api("campaigns.Campaigns", "POST", "/campaigns", MANAGERS, body=NEW_CAMPAIGN),
    api("campaigns.CampaignById", "GET", "/campaigns/{campaign}", EVERYONE, EVERYONE),
    api("campaigns.CampaignById", "PATCH", "/campaigns/{campaign}", MANAGERS, MANAGERS, body={"goal": "G"}),
    api("campaigns.CampaignPause", "POST", "/campaigns/{campaign}/pause", MANAGERS, MANAGERS, body={"paused": True}),
    api("campaigns.CampaignPosts", "GET", "/campaigns/{campaign}/posts", EVERYONE, EVERYONE),
    api("campaign_metrics.CampaignSummary", "GET", "/campaigns/{campaign}/summary", EVERYONE, EVERYONE),
    api("campaign_metrics.CampaignTimeSeries", "GET", "/campaigns/{campaign}/timeseries", EVERYONE, EVERYONE),
    api("campaign_metrics.CampaignTopPosts", "GET", "/campaigns/{campaign}/top-posts", EVERYONE, EVERYONE),
    api("campaigns.CampaignPosts", "POST", "/campaigns/{campaign}/posts", DESK, MANAGERS, body={"title": "P", "variants": {"vi": "Xin chào"}}),
    api("posts.AwaitingClearance", "GET", "/posts/awaiting-clearance", EVERYONE),
    api("posts.PostById", "GET", "/posts/{post}", EVERYONE, EVERYONE),
    api("posts.PostById", "PATCH", "/posts/{post}", DESK, MANAGERS, body={"title": "T"}),
    api("posts.PostVariant", "PUT", "/posts/{post}/variants/fr", DESK, MANAGERS, body={"text": "Bonjour"}),
    api("posts.PostVariant", "DELETE", "/posts/{post}/variants/en", DESK, MANAGERS, body={}),
    api("posts.VariantImages", "POST", "/posts/{post}/variants/en/images", DESK, MANAGERS),
    api("posts.PostSubmit", "POST", "/posts/{post}/submit", DESK, MANAGERS, body={}),
    # four eyes: the post's author is another editor, so both managers may clear it
    api("posts.PostApprove", "POST", "/posts/{post}/approve", MANAGERS, MANAGERS, body={"expected_version": "{version}"}),
    api("posts.PostReject", "POST", "/posts/{post}/reject", MANAGERS, MANAGERS, body={"expected_version": "{version}", "comment": "No"}),
    api("posts.PostSchedule", "POST", "/posts/{cleared}/schedule", MANAGERS, MANAGERS, body={"channel_ids": ["{channel}"], "local_time": "09:00", "local_date": "2027-06-01", "zone": "UTC"}),
    api("posts.PostPublishNow", "POST", "/posts/{cleared}/publish-now", MANAGERS, MANAGERS, body={"channel_ids": ["{channel}"]}),
    api("publications.Publications", "GET", "/publications", EVERYONE),
    api("publications.PublicationAction", "POST", "/publications/{publication}/cancel", MANAGERS, MANAGERS),
    # channels: no unit; editors read them to write for them
    api("channels.Channels", "GET", "/channels", DESK),
    api("channels.Channels", "POST", "/channels", MANAGERS, body=NEW_CHANNEL),
    api("channels.ChannelById", "GET", "/channels/{channel}", DESK),
    api("channels.ChannelById", "PATCH", "/channels/{channel}", MANAGERS, body={"name": "N"}),
    api("channels.ChannelCredentials", "PUT", "/channels/{channel}/credentials", MANAGERS, body={"credentials": {}}),
    api("channels.ChannelPause", "POST", "/channels/{channel}/pause", MANAGERS, body={"paused": True}),
    api("channels.ChannelCheck", "GET", "/channels/{channel}/check", DESK),
    api("channels.ChannelCheck", "POST", "/channels/{channel}/check", MANAGERS),
    api("channels.ChannelSandboxPosts", "GET", "/channels/{channel}/sandbox-posts", DESK),
    # the feed links of one's own account
    Route("feeds.reset_links", "POST", "/feeds/reset", EVERYONE, web=True),
    # an import's progress: for whoever started it ("own"), nobody else, whatever their role
    Route("imports.job_page", "GET", "/imports/{job}", EVERYONE, frozenset(), web=True),
    Route("imports.job_status", "GET", "/imports/{job}/status", EVERYONE, frozenset(), web=True),
]  # fmt: skip


def _listed() -> set[tuple[str, str]]:
    tables = (
        test_permission_matrix.ROUTES,
        test_calendar_permissions.ROUTES,
        test_press_permission_matrix.ROUTES,
        test_campaigns_permission_matrix.ROUTES,
        test_conferences_permission_matrix.ROUTES,
        test_scores_permission_matrix.ROUTES,
        test_plans_permission_matrix.ROUTES,
        test_webhooks.ROUTES,
        API_ROUTES,
    )
    return {(route.endpoint, route.method) for table in tables for route in table}


def test_every_route_and_operation_has_a_policy(app):
    listed = _listed()
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in NO_SESSION:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if (rule.endpoint, method) not in listed:
                missing.append(f"{method} {rule.rule} ({rule.endpoint})")
    assert not missing, "routes without a line in a permission matrix:\n" + "\n".join(missing)


def test_every_policy_line_names_a_route_that_exists(app):
    existing = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert {(route.endpoint, route.method) for route in API_ROUTES} <= existing


# --- the world: one target of the people's own unit and one of another -------------------------


def _targets(session, unit) -> dict:
    """A trip hosted by ``unit`` with an invitation, an item and coverage; a campaign owned by
    it with a post in review (written by an editor of ``unit``, not one of the people) and a
    cleared one."""
    trip = create_trip(session, host=unit)
    invitation = invite(session, trip, create_journalist(session), status="invited")
    item = add_item(session, trip)
    article, _ = coverage.record_coverage(
        session, actor=None, now=NOW,
        data=coverage.CoverageInput(url=f"https://n.example/{unit.code}", trip_id=trip.id),
    )  # fmt: skip
    campaign = create_campaign(session, owner_unit=unit)
    author = create_person(session, role="editor", unit=unit)
    post = create_post(session, campaign=campaign, author=author)
    social_services.submit_post(session, actor=author, now=NOW, post=post)
    cleared = create_post(session, campaign=campaign, author=author)
    social_services.submit_post(session, actor=author, now=NOW, post=cleared)
    social_services.approve_post(
        session, actor=create_person(session, role="coordinator"), now=NOW, post=cleared,
        expected_version=cleared.version,
    )  # fmt: skip
    return {
        "trip": trip.id,
        "invitation": invitation.id,
        "item": item.id,
        "coverage": article.id,
        "campaign": campaign.id,
        "post": post.id,
        "version": post.version,
        "cleared": cleared.id,
    }


def _world(session, role: str, relation: str):
    """The person of ``role`` in "own-unit", their API token, and the targets: of their own
    unit or of another (only those of ``relation`` are made: the test is slow enough)."""
    own = create_unit(session, code="own-unit", kind="ministry", country="VN")
    other = create_unit(session, code="other-unit", kind="mission", country="JP")
    person = create_person(session, role=role, unit=own)
    channel = create_channel(session, owner_unit=own)
    checks.request_connection_check(session, actor=None, now=NOW, channel=channel)
    publication_post = scheduled_post(
        session, [channel], at=datetime(2027, 6, 1, 9, tzinfo=UTC), now=NOW
    )
    target = {
        "journalist": create_journalist(session).id,
        "other_journalist": create_journalist(session).id,
        "outlet": create_outlet(session).id,
        "channel": channel.id,
        "publication": publication_post.publications[0].id,
        **_targets(session, own if relation == "own" else other),
    }
    starter = person if relation == "own" else create_person(session, role="admin", unit=own)
    target["job"] = import_jobs.queue_import_job(
        session, actor=starter, now=NOW, kind=csv_import.JOB_KIND, content=b"name_latin\n"
    ).id
    _, token = org_services.create_api_token(
        session, actor=person, now=NOW, person=person, name="matrix"
    )
    session.commit()
    return person, target, token


def _filled(value, target: dict):
    """The body with its {placeholders} replaced by the target's ids."""
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return target[value[1:-1]]
    if isinstance(value, list):
        return [_filled(item, target) for item in value]
    if isinstance(value, dict):
        return {key: _filled(item, target) for key, item in value.items()}
    return value


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format="PNG")
    return buffer.getvalue()


def _request(client, route: Route, target: dict, person, token: str):
    path = route.path.format(**target)
    if route.web:
        login(client, person)
        return client.open(path, method=route.method, data={})
    headers = {"Authorization": f"Bearer {token}"}
    if route.endpoint == "api_posts.VariantImages":
        data = {"image": (io.BytesIO(_png()), "a.png", "image/png")}
        return client.post(path, headers=headers, data=data, content_type="multipart/form-data")
    body = _filled(route.body, target) if route.body is not None else None
    return client.open(path, method=route.method, headers=headers, json=body)


CASES = [
    pytest.param(route, role, relation, id=f"{route.method} {route.path} {role} {relation}")
    for route in API_ROUTES
    for role in ROLES
    # A target without a unit has one answer per role.
    for relation in (("own",) if route.other is None else ("own", "other"))
]


@pytest.mark.parametrize(("route", "role", "relation"), CASES)
def test_api_operation_role_relation(client, session, route, role, relation):
    person, target, token = _world(session, role, relation)
    response = _request(client, route, target, person, token)
    if role in route.allowed(relation):
        # Input may be refused (409, 422), the person never (401, 403, 404).
        assert response.status_code not in (401, 403, 404), response.text[:500]
        assert response.status_code < 500, response.text[:500]
    else:
        assert response.status_code in (403, 404), (response.status_code, response.text[:500])
