"""Every campaigns and channels route × every role, on a campaign of one unit.

Besides the five roles, four people matter: the post's author (an editor of the campaign's
unit), another editor of that unit, an editor of an unrelated unit, and a coordinator who changed
the post in review (a writer of its version: everything a coordinator may, except clearing it). The test fails when a
route of these blueprints is added without saying who may use it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image

from campaigns.social import scheduling, services
from campaigns.social.models import PublicationStatus
from campaigns.social.notifications import notify
from tests.factories import create_person, create_unit, login
from tests.social_factories import create_campaign, create_channel, create_post

ROLES = ("admin", "coordinator", "co_writer", "author", "unit_editor", "editor", "field", "viewer")
EVERYONE = frozenset(ROLES)
CLEARING = frozenset({"admin", "coordinator", "co_writer"})
WRITERS = CLEARING | {"author", "unit_editor"}
CHANNEL_READERS = CLEARING | {"author", "unit_editor", "editor"}
NOW = datetime(2026, 11, 22, tzinfo=UTC)


@dataclass(frozen=True)
class Route:
    endpoint: str
    method: str
    path: str
    allowed: frozenset[str]


ROUTES = [
    Route("campaigns.index", "GET", "/social/", EVERYONE),
    Route("campaigns.campaign_list", "GET", "/social/campaigns", EVERYONE),
    Route("campaigns.campaign_form", "GET", "/social/campaigns/new", CLEARING),
    Route("campaigns.campaign_form", "POST", "/social/campaigns/new", CLEARING),
    Route("campaigns.campaign_form", "GET", "/social/campaigns/{campaign}/edit", CLEARING),
    Route("campaigns.campaign_form", "POST", "/social/campaigns/{campaign}/edit", CLEARING),
    Route("campaigns.campaign_page", "GET", "/social/campaigns/{campaign}", EVERYONE),
    # The Reports section: whoever may see a campaign may see its figures.
    Route("reports.index", "GET", "/reports/", EVERYONE),
    Route("reports.campaign_dashboard", "GET", "/reports/campaigns/{campaign}", EVERYONE),
    Route("reports.campaign_report", "GET", "/reports/campaigns/{campaign}/report", EVERYONE),
    Route("reports.campaign_report", "GET", "/reports/campaigns/{campaign}/report.csv", EVERYONE),
    Route("campaigns.campaign_pause", "POST", "/social/campaigns/{campaign}/pause", CLEARING),
    # Clearance chains (campaigns/social/chains.py) are defined by administrators only.
    Route(
        "campaigns.campaign_clearance_policy",
        "POST",
        "/social/campaigns/{campaign}/clearance",
        frozenset({"admin"}),
    ),
    Route("campaigns.unit_clearance_policy", "POST", "/social/units/mofa/clearance", {"admin"}),
    Route("campaigns.calendar", "GET", "/social/calendar", EVERYONE),
    Route("campaigns.new_post", "GET", "/social/campaigns/{campaign}/posts/new", WRITERS),
    Route("campaigns.new_post", "POST", "/social/campaigns/{campaign}/posts/new", WRITERS),
    Route("campaigns.rapid_response", "GET", "/social/rapid", WRITERS),
    Route("campaigns.rapid_response", "POST", "/social/rapid", WRITERS),
    # Posts from a file: any editor may upload; each row needs a campaign they may write in.
    Route("campaigns.bulk_posts", "GET", "/social/bulk", CHANNEL_READERS),
    Route("campaigns.bulk_posts", "POST", "/social/bulk", CHANNEL_READERS),
    Route("campaigns.bulk_template", "GET", "/social/bulk/template.csv", CHANNEL_READERS),
    Route("campaigns.length", "POST", "/social/length", EVERYONE),
    Route("campaigns.post_page", "GET", "/social/posts/{post}", EVERYONE),
    Route("campaigns.post_settings", "POST", "/social/posts/{post}/settings", WRITERS),
    Route("campaigns.save_variant", "POST", "/social/posts/{post}/variants", WRITERS),
    Route("campaigns.remove_variant", "POST", "/social/posts/{post}/variants/en/delete", WRITERS),
    Route("campaigns.add_attachment", "POST", "/social/posts/{post}/attachments", WRITERS),
    Route(
        "campaigns.remove_attachment", "POST", "/social/attachments/{attachment}/delete", WRITERS
    ),
    Route("campaigns.media", "GET", "/social/media/{media}", EVERYONE),
    Route("campaigns.submit_post", "POST", "/social/posts/{post}/submit", WRITERS),
    Route(
        "campaigns.review_post", "POST", "/social/posts/{review}/approve", CLEARING - {"co_writer"}
    ),
    Route("campaigns.review_post", "POST", "/social/posts/{review}/reject", CLEARING),
    Route("campaigns.clearance_queue", "GET", "/social/clearance", EVERYONE),
    Route("campaigns.schedule_post", "POST", "/social/posts/{cleared}/schedule", CLEARING),
    Route("campaigns.publish_now", "POST", "/social/posts/{cleared}/publish-now", CLEARING),
    Route(
        "campaigns.publication_action",
        "POST",
        "/social/publications/{publication}/cancel",
        CLEARING,
    ),
    Route("campaigns.notifications", "GET", "/social/notifications", EVERYONE),
    # Each person reads only their own notifications: this one is the author's.
    Route(
        "campaigns.notification_read",
        "POST",
        "/social/notifications/{notification}/read",
        frozenset({"author"}),
    ),
    Route("channels.channel_list", "GET", "/social/channels", CHANNEL_READERS),
    Route("channels.channel_form", "GET", "/social/channels/new", CLEARING),
    Route("channels.channel_form", "POST", "/social/channels/new", CLEARING),
    Route("channels.channel_form", "GET", "/social/channels/{channel}/edit", CLEARING),
    Route("channels.channel_form", "POST", "/social/channels/{channel}/edit", CLEARING),
    Route("channels.channel_page", "GET", "/social/channels/{channel}", CHANNEL_READERS),
    Route(
        "channels.channel_credentials",
        "POST",
        "/social/channels/{channel}/credentials",
        CLEARING,
    ),
    Route("channels.channel_pause", "POST", "/social/channels/{channel}/pause", CLEARING),
    Route("channels.channel_check", "POST", "/social/channels/{channel}/check", CLEARING),
    Route("channels.sandbox", "GET", "/sandbox/{channel}", CHANNEL_READERS),
]


def test_every_social_route_is_in_the_matrix(app):
    listed = {(route.endpoint, route.method) for route in ROUTES}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] not in ("campaigns", "channels"):
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (rule.endpoint, method) in listed, f"{method} {rule.rule} is not in the matrix"


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), "green").save(buffer, format="JPEG")
    return buffer.getvalue()


@pytest.fixture
def world(session, app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "HERALD_MEDIA_ROOT", str(tmp_path))
    unit = create_unit(session, code="mofa", kind="ministry", country="VN")
    people = {
        "author": create_person(session, "editor", unit=unit),
        "unit_editor": create_person(session, "editor", unit=unit),
        "co_writer": create_person(session, "coordinator"),
    }
    approver = create_person(session, "coordinator")
    campaign = create_campaign(session, owner_unit=unit)
    channel = create_channel(session, owner_unit=unit)
    post = create_post(session, campaign=campaign, author=people["author"])
    attachment = services.add_attachment(
        session, actor=people["author"], now=NOW, post=post, language="en",
        filename="a.jpg", content=_jpeg(), media_root=tmp_path,
    )  # fmt: skip
    review = create_post(session, campaign=campaign, author=people["author"])
    services.submit_post(session, actor=people["author"], now=NOW, post=review)
    services.save_variant(
        session, actor=people["co_writer"], now=NOW, post=review, language="en", text="Rewritten"
    )
    cleared = create_post(session, campaign=campaign, author=people["author"])
    services.submit_post(session, actor=people["author"], now=NOW, post=cleared)
    services.approve_post(
        session, actor=approver, now=NOW, post=cleared, expected_version=cleared.version
    )
    (publication,) = scheduling.schedule_post(
        session, actor=None, now=NOW, post=cleared,
        data=scheduling.ScheduleInput(channel_ids=[channel.id], local_time=(NOW + timedelta(
            days=30)).time(), local_date=(NOW + timedelta(days=30)).date(), zone="UTC"),
    )  # fmt: skip
    publication.status = PublicationStatus.DEAD
    (notification,) = notify(
        session, people=[people["author"]], kind="test", message="Hello", now=NOW
    )
    session.commit()
    targets = {
        "campaign": campaign.id,
        "post": post.id,
        "review": review.id,
        "cleared": cleared.id,
        "attachment": attachment.id,
        "media": attachment.path,
        "publication": publication.id,
        "notification": notification.id,
        "channel": channel.id,
    }
    return people, targets


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", ROUTES, ids=lambda route: f"{route.method} {route.path}")
def test_route_role(client, session, world, route, role):
    people, targets = world
    person = people.get(role) or create_person(session, role=role)
    session.commit()
    login(client, person)
    response = client.open(route.path.format(**targets), method=route.method, data={})
    response.close()
    if role in route.allowed:
        # An empty form may be refused as input (422) or as a conflict (409), never as a
        # permission (403/404).
        assert response.status_code in (200, 302, 303, 409, 422), (
            response.status_code,
            response.text[:500],
        )
    else:
        assert response.status_code in (403, 404), (response.status_code, response.text[:300])
