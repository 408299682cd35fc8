"""/api/v1/campaigns, posts, publications and channels with bearer tokens."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import pytest
from PIL import Image
from sqlalchemy import select

from campaigns.org import services as org_services
from campaigns.social.models import Post, Publication
from tests.factories import create_person, create_unit
from tests.social_factories import create_campaign, create_channel, create_post

NOW = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
SECRETS = {"bot_token": "123456:TOP-SECRET-TELEGRAM-TOKEN"}


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch):
    monkeypatch.setattr("web.api.social.utcnow", lambda: NOW)


def token_for(session, person) -> dict[str, str]:
    _, plaintext = org_services.create_api_token(session, actor=None, now=NOW, person=person,
                                                 name="test")  # fmt: skip
    session.commit()
    return {"Authorization": f"Bearer {plaintext}"}


@pytest.fixture
def world(session):
    unit = create_unit(session, code="mofa", kind="ministry", country="VN",
                       timezone="Asia/Ho_Chi_Minh")  # fmt: skip
    coordinator = create_person(session, "coordinator", unit=unit)
    second = create_person(session, "coordinator", unit=unit)
    editor = create_person(session, "editor", unit=unit)
    campaign = create_campaign(session, owner_unit=unit)
    channel = create_channel(session, owner_unit=unit, language="en")
    paris = create_channel(session, owner_unit=unit, language="en", audience_countries=["FR"])
    session.commit()
    return {
        "unit": unit,
        "campaign": campaign,
        "channel": channel,
        "paris": paris,
        "coordinator": token_for(session, coordinator),
        "second": token_for(session, second),
        "editor": token_for(session, editor),
    }


def test_campaigns_are_listed_created_changed_and_paused(client, world):
    headers = world["coordinator"]
    body = {"name_vi": "Chiến dịch", "name_en": "Campaign", "starts_on": "2027-01-01",
            "ends_on": "2027-03-01", "owner_unit_code": "mofa", "target_countries": ["VN", "KH"],
            "languages": ["vi", "km"], "kpi_targets": {"posts": 40}}  # fmt: skip
    created = client.post("/api/v1/campaigns", json=body, headers=headers)
    assert created.status_code == 201, created.get_json()
    campaign = created.get_json()
    assert campaign["owner_unit_code"] == "mofa" and campaign["kpi_targets"] == {"posts": 40}
    bad = client.post("/api/v1/campaigns", json={**body, "ends_on": "2026-01-01"}, headers=headers)
    assert bad.status_code == 422 and "ends_on" in bad.get_json()["errors"]
    changed = client.patch(
        f"/api/v1/campaigns/{campaign['id']}", json={"goal": "Friendship"}, headers=headers
    )
    assert changed.get_json()["goal"] == "Friendship"
    assert changed.get_json()["languages"] == ["vi", "km"]
    paused = client.post(
        f"/api/v1/campaigns/{campaign['id']}/pause", json={"paused": True}, headers=headers
    )
    assert paused.get_json()["paused"] is True
    listed = client.get("/api/v1/campaigns", headers=world["editor"]).get_json()
    assert {item["name_en"] for item in listed} >= {"Campaign"}
    refused = client.post("/api/v1/campaigns", json=body, headers=world["editor"])
    assert refused.status_code == 403


def test_posts_go_through_four_eyes_and_are_scheduled(client, session, world):
    campaign_id = world["campaign"].id
    created = client.post(
        f"/api/v1/campaigns/{campaign_id}/posts",
        json={"title": "Statement", "variants": {"vi": "Tuyên bố", "en": "Statement"}},
        headers=world["editor"],
    )
    assert created.status_code == 201
    post = created.get_json()
    assert {v["language"] for v in post["variants"]} == {"vi", "en"}
    url = f"/api/v1/posts/{post['id']}"
    submitted = client.post(f"{url}/submit", json={"expected_version": post["version"]},
                            headers=world["editor"])  # fmt: skip
    assert submitted.get_json()["status"] == "in_review"
    queue = client.get("/api/v1/posts/awaiting-clearance", headers=world["second"]).get_json()
    assert [item["id"] for item in queue] == [post["id"]]

    # The editor cannot clear; a version the approver never saw is refused.
    assert client.post(f"{url}/approve", json={"expected_version": 1},
                       headers=world["editor"]).status_code == 403  # fmt: skip
    changed = client.put(f"{url}/variants/en", json={"text": "Statement, corrected"},
                         headers=world["editor"]).get_json()  # fmt: skip
    assert changed["version"] == post["version"] + 1
    stale = client.post(f"{url}/approve", json={"expected_version": post["version"]},
                        headers=world["second"])  # fmt: skip
    assert stale.status_code == 409 and stale.get_json()["message"]
    missing = client.post(f"{url}/approve", json={}, headers=world["second"])
    assert missing.status_code == 422 and "expected_version" in missing.get_json()["errors"]
    approved = client.post(f"{url}/approve", json={"expected_version": changed["version"]},
                           headers=world["second"])  # fmt: skip
    assert approved.status_code == 200 and approved.get_json()["status"] == "approved"

    home, paris = world["channel"].id, world["paris"].id
    schedule = {"channel_ids": [home, paris], "local_time": "09:00",
                "mode": "per_audience", "countries": ["VN", "FR"], "local_date": "2027-06-20"}  # fmt: skip
    # A dry run returns the plan and saves nothing; the audience nobody reaches is named.
    dry = client.post(f"{url}/schedule", json={**schedule, "countries": ["VN", "FR", "KH"],
                                               "dry_run": True}, headers=world["coordinator"])  # fmt: skip
    assert dry.status_code == 200, dry.get_json()
    plan = dry.get_json()
    assert [(item["channel_id"], item["audience_countries"], item["local_time"],
             item["scheduled_at"]) for item in plan["publications"]] == [
        (home, ["VN"], "2027-06-20T09:00:00+07:00", "2027-06-20T02:00:00+00:00"),
        (paris, ["FR"], "2027-06-20T09:00:00+02:00", "2027-06-20T07:00:00+00:00"),
    ]  # fmt: skip
    assert plan["unserved_countries"] == ["KH"] and plan["idle_channels"] == []
    assert client.get(url, headers=world["editor"]).get_json()["publications"] == []
    # Saving insists on the plan that was shown: KH was dropped, so this plan is the same...
    shown = client.post(f"{url}/schedule", json={**schedule, "dry_run": True},
                        headers=world["coordinator"]).get_json()["digest"]  # fmt: skip
    assert shown == plan["digest"]
    # ...but one without the Paris channel is not.
    stale = client.post(f"{url}/schedule", json={**schedule, "channel_ids": [home],
                                                 "expected_plan": shown},
                        headers=world["coordinator"])  # fmt: skip
    assert stale.status_code == 409 and stale.get_json()["message"]
    planned = client.post(f"{url}/schedule", json={**schedule, "expected_plan": shown},
                          headers=world["coordinator"])  # fmt: skip
    assert planned.status_code == 201, planned.get_json()
    times = sorted((p["audience_zone"], p["local_time"]) for p in planned.get_json())
    assert times == [
        ("Asia/Ho_Chi_Minh", "2027-06-20T09:00:00+07:00"),
        ("Europe/Paris", "2027-06-20T09:00:00+02:00"),
    ]
    past = client.post(f"{url}/schedule", json={**schedule, "local_date": "2020-01-01"},
                       headers=world["coordinator"])  # fmt: skip
    assert past.status_code == 422 and "VN, FR" in past.get_json()["message"]
    bad_zone = client.post(f"{url}/schedule", json={**schedule, "mode": "at", "zone": "Nowhere/X"},
                           headers=world["coordinator"])  # fmt: skip
    assert bad_zone.status_code == 422 and "zone" in bad_zone.get_json()["errors"]
    assert len(client.get(url, headers=world["editor"]).get_json()["publications"]) == 2


def test_own_post_cannot_be_approved_through_the_api(client, world):
    post = client.post(
        f"/api/v1/campaigns/{world['campaign'].id}/posts",
        json={"title": "Mine", "variants": {"en": "Mine"}},
        headers=world["coordinator"],
    ).get_json()
    client.post(f"/api/v1/posts/{post['id']}/submit", json={}, headers=world["coordinator"])
    refused = client.post(f"/api/v1/posts/{post['id']}/approve", json={"expected_version": 1},
                          headers=world["coordinator"])  # fmt: skip
    assert refused.status_code == 403 and refused.get_json()["message"]
    rejected = client.post(f"/api/v1/posts/{post['id']}/reject", json={"expected_version": 1},
                           headers=world["second"])  # fmt: skip
    assert rejected.status_code == 422 and "comment" in rejected.get_json()["errors"]


def test_a_coordinator_who_rewrote_a_post_in_review_cannot_clear_it(client, session, world):
    """The reproduction: the coordinator rewrites the editor's post, then tries to clear it."""
    post = client.post(
        f"/api/v1/campaigns/{world['campaign'].id}/posts",
        json={"title": "Statement", "variants": {"vi": "Tuyên bố", "en": "Statement"}},
        headers=world["editor"],
    ).get_json()
    url = f"/api/v1/posts/{post['id']}"
    client.post(f"{url}/submit", json={"expected_version": 1}, headers=world["editor"])
    rewritten = client.put(f"{url}/variants/vi", json={"text": "Lời của điều phối viên",
                           "expected_version": 1}, headers=world["coordinator"])  # fmt: skip
    assert rewritten.status_code == 200
    body = rewritten.get_json()
    assert (body["status"], body["version"]) == ("in_review", 2)
    assert len(body["writer_ids"]) == 2
    refused = client.post(f"{url}/approve", json={"expected_version": 2},
                          headers=world["coordinator"])  # fmt: skip
    assert refused.status_code == 403
    assert "another coordinator must clear it" in refused.get_json()["message"]
    published = client.post(f"{url}/publish-now", json={"channel_ids": [world["channel"].id]},
                            headers=world["coordinator"])  # fmt: skip
    assert published.status_code == 409
    assert session.get(Post, post["id"]).status == "in_review"
    queue = client.get("/api/v1/posts/awaiting-clearance", headers=world["coordinator"])
    assert queue.get_json() == []
    # Sending it back is still theirs to do (it publishes nothing); here a form without comment.
    withdrawn = client.post(f"{url}/reject", json={"expected_version": 2},
                            headers=world["coordinator"])  # fmt: skip
    assert withdrawn.status_code == 422 and "comment" in withdrawn.get_json()["errors"]
    cleared = client.post(f"{url}/approve", json={"expected_version": 2},
                          headers=world["second"])  # fmt: skip
    assert cleared.status_code == 200
    reviews = cleared.get_json()["reviews"]
    assert [(r["version"], r["decision"]) for r in reviews] == [(2, "approved")]
    assert reviews[0]["writer_ids"] == body["writer_ids"]


def test_images_are_checked_by_their_content(client, app, world, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "HERALD_MEDIA_ROOT", str(tmp_path))
    post = client.post(
        f"/api/v1/campaigns/{world['campaign'].id}/posts",
        json={"title": "With a photo", "variants": {"en": "Look"}},
        headers=world["editor"],
    ).get_json()
    url = f"/api/v1/posts/{post['id']}/variants/en/images"
    refused = client.post(
        url,
        data={"image": (io.BytesIO(b"%PDF-1.4 not an image"), "photo.jpg")},
        headers=world["editor"],
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422 and "image" in refused.get_json()["errors"]
    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), "blue").save(buffer, format="JPEG")
    saved = client.post(
        url,
        data={"image": (io.BytesIO(buffer.getvalue()), "photo.jpg"), "expected_version": "1"},
        headers=world["editor"],
        content_type="multipart/form-data",
    )
    assert saved.status_code == 201, saved.get_json()
    (variant,) = saved.get_json()["variants"]
    assert [a["mime_type"] for a in variant["attachments"]] == ["image/jpeg"]
    assert saved.get_json()["version"] == 2


def test_bad_posts_are_refused_with_field_names(client, world):
    url = f"/api/v1/campaigns/{world['campaign'].id}/posts"
    empty = client.post(url, json={"title": "T", "variants": {"en": "  "}}, headers=world["editor"])
    assert empty.status_code == 422 and "text" in empty.get_json()["errors"]
    long = client.post(url, json={"title": "T", "variants": {"en": "x" * 5000}},
                       headers=world["editor"])  # fmt: skip
    assert long.status_code == 422
    assert client.post(url, json={"variants": {}}, headers=world["editor"]).status_code == 422


def test_publications_are_listed_retried_and_cancelled(client, session, world):
    post = create_post(session, campaign=world["campaign"])
    session.commit()
    client.post(f"/api/v1/posts/{post.id}/submit", json={}, headers=world["coordinator"])
    client.post(f"/api/v1/posts/{post.id}/approve", json={"expected_version": 1},
                headers=world["second"])  # fmt: skip
    client.post(f"/api/v1/posts/{post.id}/schedule",
                json={"channel_ids": [world["channel"].id], "local_time": "10:00", "zone": "UTC",
                      "local_date": "2027-01-02"}, headers=world["coordinator"])  # fmt: skip
    publication = session.scalar(select(Publication))
    publication.status = "dead"
    session.commit()
    listed = client.get("/api/v1/publications?status=dead", headers=world["editor"]).get_json()
    assert [item["id"] for item in listed] == [publication.id]
    assert client.post(f"/api/v1/publications/{publication.id}/retry",
                       headers=world["editor"]).status_code == 403  # fmt: skip
    retried = client.post(f"/api/v1/publications/{publication.id}/retry",
                          headers=world["coordinator"])  # fmt: skip
    assert retried.get_json()["status"] == "scheduled"
    held = client.post(f"/api/v1/publications/{publication.id}/release",
                       headers=world["coordinator"])  # fmt: skip
    assert held.status_code == 409
    cancelled = client.post(f"/api/v1/publications/{publication.id}/cancel",
                            headers=world["coordinator"])  # fmt: skip
    assert cancelled.get_json()["status"] == "cancelled"
    window = client.get(
        "/api/v1/publications?since=2027-01-01T00:00:00Z&until=2027-01-03T00:00:00Z",
        headers=world["editor"],
    ).get_json()
    assert len(window) == 1
    assert session.get(Post, post.id).status == "scheduled"


def test_channels_never_return_credentials(client, session, world):
    headers = world["coordinator"]
    created = client.post(
        "/api/v1/channels",
        json={"kind": "telegram", "name": "Kênh chính thức", "handle": "@kenh", "language": "vi",
              "owner_unit_code": "mofa", "credentials": SECRETS},
        headers=headers,
    )  # fmt: skip
    assert created.status_code == 201, created.get_json()
    channel = created.get_json()
    assert channel["has_credentials"] is True and "credentials" not in channel
    missing = client.post(
        "/api/v1/channels",
        json={"kind": "telegram", "name": "K", "handle": "@k", "language": "vi",
              "owner_unit_code": "mofa", "credentials": {}},
        headers=headers,
    )  # fmt: skip
    assert missing.status_code == 422 and "bot_token" in missing.get_json()["errors"]
    url = f"/api/v1/channels/{channel['id']}"
    answers = [
        client.get("/api/v1/channels", headers=headers),
        client.get(url, headers=headers),
        client.patch(url, json={"name": "Renamed"}, headers=headers),
        client.put(f"{url}/credentials", json={"credentials": {"bot_token": "999:NEW-SECRET"}},
                   headers=headers),
        client.post(f"{url}/pause", json={"paused": True}, headers=headers),
        client.post(f"{url}/check", headers=headers),
        client.get(f"{url}/check", headers=headers),
        client.get("/api/v1/openapi.json"),
    ]  # fmt: skip
    for answer in answers:
        assert answer.status_code in (200, 202), answer.get_json()
        text = json.dumps(answer.get_json())
        assert "TOP-SECRET" not in text and "NEW-SECRET" not in text
        assert "credentials_encrypted" not in text
    assert answers[2].get_json()["name"] == "Renamed"
    assert (channel["audience_countries"], channel["served_countries"]) == ([], ["VN"])
    assert channel["audience_zone"] == "Asia/Ho_Chi_Minh"
    moved = client.patch(url, json={"audience_countries": ["kh"]}, headers=headers).get_json()
    assert (moved["audience_countries"], moved["audience_zone"]) == (["KH"], "Asia/Phnom_Penh")
    wrong = client.patch(url, json={"audience_countries": ["Cambodia"]}, headers=headers)
    assert wrong.status_code == 422 and "audience_countries" in wrong.get_json()["errors"]
    assert answers[4].get_json()["paused"] is True
    assert answers[5].get_json()["outcome"] == "pending"
    assert client.post("/api/v1/channels", json={}, headers=world["editor"]).status_code == 403
    sandbox = client.get(f"/api/v1/channels/{world['channel'].id}/sandbox-posts", headers=headers)
    assert sandbox.status_code == 200 and sandbox.get_json() == []


def test_the_api_needs_a_token(client, world):
    for url in ("/api/v1/campaigns", "/api/v1/posts/awaiting-clearance", "/api/v1/publications",
                "/api/v1/channels"):  # fmt: skip
        assert client.get(url).status_code == 401
