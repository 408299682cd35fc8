"""Campaigns, posts, four-eyes clearance and scheduling in the browser (without a browser)."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from PIL import Image
from sqlalchemy import select

from campaigns.social.models import (
    Campaign,
    Notification,
    Post,
    PostVariant,
    Publication,
    PublicationAttempt,
)
from tests.factories import create_person, create_unit, login
from tests.social_factories import create_campaign, create_channel, create_event, create_post

FUTURE_DAY = date(2027, 6, 20)


@pytest.fixture
def world(session, app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "HERALD_MEDIA_ROOT", str(tmp_path / "media"))
    unit = create_unit(session, code="mofa", kind="ministry", country="VN",
                       timezone="Asia/Ho_Chi_Minh")  # fmt: skip
    coordinator = create_person(session, "coordinator", unit=unit, name="Hà")
    second = create_person(session, "coordinator", unit=unit, name="Quân")
    editor = create_person(session, "editor", unit=unit, name="Lan Anh")
    campaign = create_campaign(session, owner_unit=unit, target_countries=["VN", "FR"])
    # The English channel addresses France (an embassy's), the Vietnamese one the home audience.
    channel_en = create_channel(session, owner_unit=unit, name="Sandbox EN", language="en",
                                audience_countries=["FR"])  # fmt: skip
    channel_vi = create_channel(session, owner_unit=unit, name="Sandbox VI", language="vi")
    session.commit()
    return {
        "unit": unit,
        "coordinator": coordinator,
        "second": second,
        "editor": editor,
        "campaign": campaign,
        "channels": [channel_en, channel_vi],
    }


def _version(html: str) -> str:
    return re.search(r'name="expected_version"[^>]*value="(\d+)"', html).group(1)


def _plan_shown(html: str) -> str:
    return re.search(r'name="expected_plan"[^>]*value="([0-9a-f]+)"', html).group(1)


def _schedule(client, post_id: int, data: dict):
    """As a person does it: look at the plan, then schedule exactly that plan."""
    url = f"/social/posts/{post_id}/schedule"
    preview = client.post(url, data={**data, "action": "preview"})
    assert preview.status_code == 200, preview.get_data(as_text=True)
    shown = _plan_shown(preview.get_data(as_text=True))
    return client.post(url, data={**data, "action": "save", "expected_plan": shown})


def _switch(client, person):
    client.post("/logout")
    login(client, person)


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format="PNG")
    return buffer.getvalue()


def test_write_submit_clear_by_another_coordinator_and_schedule(client, session, world):
    campaign = world["campaign"]
    login(client, world["editor"])
    response = client.post(
        f"/social/campaigns/{campaign.id}/posts/new",
        data={"title": "Thông cáo", "text_vi": "Xin chào thế giới", "text_en": "Hello world",
              "misfire_window_minutes": "30"},
    )  # fmt: skip
    assert response.status_code == 303
    post = session.scalar(select(Post))
    assert sorted(v.language for v in post.variants) == ["en", "vi"]
    page = client.get(f"/social/posts/{post.id}").get_data(as_text=True)
    assert "Hello world" in page and 'data-length-for="text-en"' in page
    assert client.post(
        f"/social/posts/{post.id}/submit", data={"expected_version": _version(page)}
    ).status_code == 303  # fmt: skip
    session.refresh(post)
    assert post.status == "in_review"

    _switch(client, world["second"])
    queue = client.get("/social/clearance").get_data(as_text=True)
    assert "Thông cáo" in queue
    page = client.get(f"/social/posts/{post.id}").get_data(as_text=True)
    assert 'id="approve-form"' in page
    response = client.post(
        f"/social/posts/{post.id}/approve",
        data={"expected_version": _version(page), "comment": "OK"},
    )
    assert response.status_code == 303
    session.refresh(post)
    assert (post.status, post.approved_by_id) == ("approved", world["second"].id)

    schedule = {
        "channel_ids": [str(c.id) for c in world["channels"]],
        "mode": "per_audience",
        "countries": ["VN", "FR"],
        "local_date": FUTURE_DAY.isoformat(),
        "local_time": "09:00",
        "zone": "",
        "offset_days": "0",
        "event_id": "",
    }
    preview = client.post(
        f"/social/posts/{post.id}/schedule", data={**schedule, "action": "preview"}
    )
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    assert 'id="schedule-preview"' in html
    # Channel, variant, local time, UTC: 09:00 in Hanoi is 02:00 UTC; in Paris (summer) 07:00.
    rows = re.findall(r'<tr class="planned" data-channel="(\d+)"><td>([^<]*)</td><td>(\w+)</td>'
                      r'<td>([^<]*)</td><td><time datetime="([^"]*)">[^<]*</time></td>'
                      r'<td><time datetime="([^"]*)">[^<]*</time></td>', html)  # fmt: skip
    en, vi = world["channels"]
    assert rows == [
        (str(vi.id), "Sandbox VI", "vi", "VN Asia/Ho_Chi_Minh", "2027-06-20T09:00:00+07:00", "2027-06-20T02:00:00+00:00"),
        (str(en.id), "Sandbox EN", "en", "FR Europe/Paris", "2027-06-20T09:00:00+02:00", "2027-06-20T07:00:00+00:00"),
    ]  # fmt: skip
    assert 'id="schedule-warnings"' not in html
    assert session.scalar(select(Publication)) is None  # a preview saves nothing
    session.refresh(post)
    assert post.status == "approved"

    # "Schedule" without having seen the plan shows it instead of saving.
    unseen = client.post(f"/social/posts/{post.id}/schedule", data={**schedule, "action": "save"})
    assert unseen.status_code == 200 and 'id="schedule-preview"' in unseen.get_data(as_text=True)
    assert session.scalar(select(Publication)) is None

    response = client.post(f"/social/posts/{post.id}/schedule",
                           data={**schedule, "action": "save", "expected_plan": _plan_shown(html)})  # fmt: skip
    assert response.status_code == 303
    publications = session.scalars(select(Publication).order_by(Publication.scheduled_at)).all()
    # Exactly what was previewed: each channel once, on its own audience's clock.
    assert [(p.channel_id, p.variant.language, p.scheduled_at) for p in publications] == [
        (vi.id, "vi", datetime(2027, 6, 20, 2, 0, tzinfo=UTC)),
        (en.id, "en", datetime(2027, 6, 20, 7, 0, tzinfo=UTC)),
    ]
    page = client.get(f"/social/posts/{post.id}").get_data(as_text=True)
    assert (
        "Europe/Paris" in page
        and "2027-06-20T09:00:00+02:00" in page
        and 'id="publication-' in page
    )

    calendar = client.get("/social/calendar?date=2027-06-19&days=3").get_data(as_text=True)
    assert "Thông cáo" in calendar and "Sandbox EN" in calendar


def test_the_author_sees_no_approve_button_and_a_forged_approval_is_refused(client, session, world):
    post = create_post(session, campaign=world["campaign"], author=world["coordinator"])
    session.commit()
    login(client, world["coordinator"])
    page = client.get(f"/social/posts/{post.id}").get_data(as_text=True)
    client.post(f"/social/posts/{post.id}/submit", data={"expected_version": _version(page)})
    page = client.get(f"/social/posts/{post.id}").get_data(as_text=True)
    assert 'id="approve-form"' not in page
    assert "another coordinator must clear it" in page
    forged = client.post(
        f"/social/posts/{post.id}/approve", data={"expected_version": str(post.version)}
    )
    assert forged.status_code == 403
    session.refresh(post)
    assert post.status == "in_review" and post.approved_by_id is None


def test_a_coordinator_who_rewrote_the_post_is_not_offered_to_clear_it(client, session, world):
    """The reproduction: "Save this text" on the editor's post, then "Clear this version"."""
    post = create_post(session, campaign=world["campaign"], author=world["editor"])
    session.commit()
    login(client, world["editor"])
    client.post(f"/social/posts/{post.id}/submit", data={"expected_version": "1"})
    _switch(client, world["coordinator"])
    saved = client.post(
        f"/social/posts/{post.id}/variants",
        data={"language": "vi", "text": "Lời của điều phối viên", "expected_version": "1"},
    )
    assert saved.status_code == 303
    page = client.get(f"/social/posts/{post.id}").get_data(as_text=True)
    assert 'id="approve-form"' not in page and 'id="reject-form"' in page
    assert "Version 2 was written by Lan Anh, Hà." in page
    assert f"/social/posts/{post.id}" not in client.get("/social/clearance").get_data(as_text=True)
    forged = client.post(f"/social/posts/{post.id}/approve", data={"expected_version": "2"})
    assert forged.status_code == 403
    html = forged.get_data(as_text=True)
    assert "one of its writers: another coordinator must clear it" in html
    assert 'id="variants"' in html  # the post page again, not an error page
    session.refresh(post)
    assert (post.status, post.approved_by_id) == ("in_review", None)

    _switch(client, world["second"])
    queue = client.get("/social/clearance").get_data(as_text=True)
    assert f"/social/posts/{post.id}" in queue and "<td>Lan Anh, Hà</td>" in queue
    page = client.get(f"/social/posts/{post.id}").get_data(as_text=True)
    assert 'id="approve-form"' in page
    client.post(f"/social/posts/{post.id}/approve", data={"expected_version": "2"})
    session.refresh(post)
    assert (post.status, post.approved_by_id) == ("approved", world["second"].id)
    versions = client.get(f"/social/posts/{post.id}").get_data(as_text=True)
    row = re.search(r'<tr id="version-2">.*?</tr>', versions, re.S).group(0)
    assert "Hà" in row and "Lan Anh" in row and "Cleared by Quân" in row


def test_an_editor_cannot_clear(client, session, world):
    post = create_post(session, campaign=world["campaign"], author=world["coordinator"])
    session.commit()
    login(client, world["coordinator"])
    client.post(f"/social/posts/{post.id}/submit", data={"expected_version": "1"})
    _switch(client, world["editor"])
    assert 'id="approve-form"' not in client.get(f"/social/posts/{post.id}").get_data(as_text=True)
    response = client.post(f"/social/posts/{post.id}/approve", data={"expected_version": "1"})
    assert response.status_code == 403


def test_a_stale_approval_is_refused_with_a_clear_message(client, session, world):
    post = create_post(session, campaign=world["campaign"], author=world["editor"])
    session.commit()
    login(client, world["editor"])
    client.post(f"/social/posts/{post.id}/submit", data={"expected_version": "1"})

    _switch(client, world["second"])
    seen = _version(client.get(f"/social/posts/{post.id}").get_data(as_text=True))
    _switch(client, world["editor"])
    client.post(
        f"/social/posts/{post.id}/variants",
        data={"language": "en", "text": "Changed figures", "expected_version": seen},
    )
    _switch(client, world["second"])
    response = client.post(
        f"/social/posts/{post.id}/approve", data={"expected_version": seen, "comment": ""}
    )
    assert response.status_code == 409
    assert "changed since you opened it" in response.get_data(as_text=True)
    session.refresh(post)
    assert post.status == "in_review" and post.approved_by_id is None


def _cleared(client, session, world, **fields) -> Post:
    post = create_post(session, campaign=world["campaign"], author=world["editor"], **fields)
    session.commit()
    login(client, world["editor"])
    client.post(f"/social/posts/{post.id}/submit", data={"expected_version": str(post.version)})
    _switch(client, world["second"])
    client.post(f"/social/posts/{post.id}/approve", data={"expected_version": str(post.version)})
    session.refresh(post)
    assert post.status == "approved"
    return post


def test_editing_a_cleared_post_returns_it_to_review_and_says_so(client, session, world):
    post = _cleared(client, session, world)
    _schedule(
        client,
        post.id,
        {"channel_ids": [str(world["channels"][0].id)], "mode": "at", "zone": "Europe/Paris",
         "local_date": FUTURE_DAY.isoformat(), "local_time": "10:00"},
    )  # fmt: skip
    session.refresh(post)
    assert post.status == "scheduled"
    _switch(client, world["editor"])
    page = client.get(f"/social/posts/{post.id}").get_data(as_text=True)
    assert 'id="edit-warning"' in page
    response = client.post(
        f"/social/posts/{post.id}/variants",
        data={"language": "en", "text": "Corrected", "expected_version": _version(page)},
        follow_redirects=True,
    )
    assert "went back to review" in response.get_data(as_text=True)
    session.refresh(post)
    assert post.status == "in_review"
    assert [p.status for p in post.publications] == ["cancelled"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": "T", "text_vi": "", "text_en": ""}, "Write the post in at least one language."),
        ({"title": "", "text_vi": "Xin chào"}, "Give the post a title"),
        ({"title": "T", "text_vi": "x" * 4097}, "Too long"),
        ({"title": "T", "text_vi": "Xin chào", "other_language": "not a tag!",
          "other_text": "?"}, "This is not a language tag"),
    ],
)  # fmt: skip
def test_a_bad_post_is_refused_next_to_the_field_and_nothing_is_saved(
    client, session, world, data, message
):
    login(client, world["editor"])
    response = client.post(f"/social/campaigns/{world['campaign'].id}/posts/new", data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert session.scalar(select(Post)) is None


def test_an_image_is_checked_by_its_content(client, session, world, app):
    post = create_post(session, campaign=world["campaign"], author=world["editor"])
    session.commit()
    login(client, world["editor"])
    response = client.post(
        f"/social/posts/{post.id}/attachments",
        data={"language": "en", "expected_version": "1",
              "image": (io.BytesIO(b"<html>not an image</html>"), "photo.png")},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert response.status_code == 422
    assert "not an image" in response.get_data(as_text=True)
    response = client.post(
        f"/social/posts/{post.id}/attachments",
        data={"language": "en", "expected_version": "1", "image": (io.BytesIO(_png()), "dot.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    variant = session.scalar(select(PostVariant).where(PostVariant.language == "en"))
    assert [a.mime_type for a in variant.attachments] == ["image/png"]
    page = client.get(f"/social/posts/{post.id}").get_data(as_text=True)
    image_url = re.search(r'src="(/social/media/[^"]+)"', page).group(1)
    image = client.get(image_url)
    content = image.data
    image.close()
    assert image.status_code == 200 and content == _png()


@pytest.mark.parametrize(
    ("changes", "field_message"),
    [
        ({"local_date": "2020-01-01"}, "already passed"),
        ({"zone": "Mars/Olympus_Mons"}, "This time zone does not exist."),
        ({"channel_ids": []}, "Choose at least one channel."),
    ],
)
def test_a_bad_schedule_is_refused_and_nothing_is_planned(
    client, session, world, changes, field_message
):
    post = _cleared(client, session, world)
    data = {"channel_ids": [str(world["channels"][0].id)], "mode": "at", "zone": "Europe/Paris",
            "local_date": FUTURE_DAY.isoformat(), "local_time": "10:00", "action": "save"}  # fmt: skip
    response = client.post(f"/social/posts/{post.id}/schedule", data={**data, **changes})
    assert response.status_code == 422
    assert field_message in response.get_data(as_text=True)
    assert session.scalar(select(Publication)) is None
    session.refresh(post)
    assert post.status == "approved"


def test_the_preview_warns_of_idle_channels_and_unreached_audiences(client, session, world):
    post = _cleared(client, session, world)
    data = {"channel_ids": [str(c.id) for c in world["channels"]], "mode": "per_audience",
            "countries": ["FR", "KH"], "local_date": FUTURE_DAY.isoformat(),
            "local_time": "09:00", "action": "preview"}  # fmt: skip
    html = client.post(f"/social/posts/{post.id}/schedule", data=data).get_data(as_text=True)
    en, vi = world["channels"]
    assert re.findall(r'data-channel="(\d+)"', html) == [str(en.id)]
    assert f'data-idle-channel="{vi.id}"' in html and "Sandbox VI addresses VN" in html
    assert 'data-unserved-country="KH"' in html and 'data-unserved-country="FR"' not in html
    # No chosen channel reaches any chosen audience: refused, with the reason at the channels.
    refused = client.post(f"/social/posts/{post.id}/schedule",
                          data={**data, "channel_ids": [str(vi.id)]})  # fmt: skip
    assert refused.status_code == 422 and "None of these channels addresses FR, KH" in (
        refused.get_data(as_text=True)
    )


def test_a_plan_that_changed_after_the_preview_is_not_saved(client, session, world):
    post = _cleared(client, session, world)
    data = {"channel_ids": [str(c.id) for c in world["channels"]], "mode": "per_audience",
            "countries": ["VN", "FR"], "local_date": FUTURE_DAY.isoformat(),
            "local_time": "09:00"}  # fmt: skip
    url = f"/social/posts/{post.id}/schedule"
    shown = _plan_shown(client.post(url, data={**data, "action": "preview"}).get_data(as_text=True))
    # The form was changed after the preview (another day), and the save button pressed.
    response = client.post(url, data={**data, "local_date": "2027-06-21", "action": "save",
                                      "expected_plan": shown})  # fmt: skip
    assert response.status_code == 409 and "look at it again" in response.get_data(as_text=True)
    assert session.scalar(select(Publication)) is None
    session.refresh(post)
    assert post.status == "approved"


def test_schedule_relative_to_an_event(client, session, world):
    event = create_event(session, owner_unit=world["unit"],
                         starts_at=datetime(2027, 6, 24, 8, 0, tzinfo=UTC))  # fmt: skip
    world["campaign"].events.append(event)
    session.commit()
    post = _cleared(client, session, world)
    response = _schedule(
        client,
        post.id,
        {"channel_ids": [str(world["channels"][0].id)], "mode": "per_audience",
         "countries": ["FR"], "event_id": str(event.id), "offset_days": "-3",
         "local_time": "09:00"},
    )  # fmt: skip
    assert response.status_code == 303
    (publication,) = session.scalars(select(Publication)).all()
    assert publication.scheduled_at == datetime(2027, 6, 21, 7, 0, tzinfo=UTC)
    assert post.event_id == event.id
    page = client.get(f"/social/campaigns/{world['campaign'].id}").get_data(as_text=True)
    assert "State visit" in page and post.title in page


def test_rapid_response_needs_a_second_coordinator_then_publishes_now(client, session, world):
    login(client, world["coordinator"])
    assert client.get("/social/rapid").status_code == 200
    response = client.post(
        "/social/rapid",
        data={"campaign": str(world["campaign"].id), "title": "Official position",
              "text_vi": "Lập trường chính thức", "text_en": "Official position",
              "misfire_window_minutes": "30"},
    )  # fmt: skip
    assert response.status_code == 303
    post = session.scalar(select(Post))
    assert (post.status, post.rapid_response) == ("in_review", True)
    # Nobody publishes before the four eyes: not the author, not even by forging the form.
    refused = client.post(
        f"/social/posts/{post.id}/publish-now",
        data={"channel_ids": [str(c.id) for c in world["channels"]]},
    )
    assert refused.status_code == 409
    assert client.post(
        f"/social/posts/{post.id}/approve", data={"expected_version": str(post.version)}
    ).status_code == 403  # fmt: skip

    _switch(client, world["second"])
    told = session.scalars(select(Notification).where(Notification.person_id == world["second"].id))
    assert [n.kind for n in told] == ["rapid_review_requested"]
    assert "1 unread notification" in client.get("/").get_data(as_text=True)
    assert "Official position" in client.get("/social/notifications").get_data(as_text=True)
    client.post(f"/social/posts/{post.id}/approve", data={"expected_version": str(post.version)})
    page = client.get(f"/social/posts/{post.id}").get_data(as_text=True)
    assert 'id="publish-now-form"' in page
    response = client.post(
        f"/social/posts/{post.id}/publish-now",
        data={"channel_ids": [str(c.id) for c in world["channels"]]},
    )
    assert response.status_code == 303
    publications = session.scalars(select(Publication)).all()
    assert len(publications) == 2 and {p.status for p in publications} == {"scheduled"}
    assert all(abs(p.scheduled_at - datetime.now(UTC)) < timedelta(minutes=1) for p in publications)


def test_a_coordinator_retries_a_dead_publication_and_sees_its_attempts(client, session, world):
    post = _cleared(client, session, world)
    _schedule(
        client,
        post.id,
        {"channel_ids": [str(world["channels"][0].id)], "mode": "at", "zone": "UTC",
         "local_date": FUTURE_DAY.isoformat(), "local_time": "10:00"},
    )  # fmt: skip
    publication = session.scalar(select(Publication))
    publication.status = "dead"
    publication.attempts = 1
    publication.last_error = "duplicate content"
    session.add(
        PublicationAttempt(publication=publication, number=1, worker_id="w1", outcome="failed",
                           started_at=datetime(2027, 6, 20, 10, 0, tzinfo=UTC),
                           error_kind="rejected", http_status=403, message="duplicate content")
    )  # fmt: skip
    session.commit()
    page = client.get(f"/social/posts/{post.id}").get_data(as_text=True)
    assert "duplicate content" in page and "HTTP 403" in page and 'data-action="retry"' in page
    response = client.post(f"/social/publications/{publication.id}/retry")
    assert response.status_code == 303
    session.refresh(publication)
    assert publication.status == "scheduled"
    response = client.post(f"/social/publications/{publication.id}/release", follow_redirects=True)
    assert "Only a held publication can be released." in response.get_data(as_text=True)
    client.post(f"/social/publications/{publication.id}/cancel")
    session.refresh(publication)
    assert publication.status == "cancelled"
    _switch(client, world["editor"])
    assert client.post(f"/social/publications/{publication.id}/retry").status_code == 403


def test_campaigns_are_created_edited_paused_and_resumed(client, session, world):
    login(client, world["coordinator"])
    assert client.get("/social/campaigns/new").status_code == 200
    data = {"name_vi": "60 năm quan hệ Việt Nam – Campuchia", "name_en": "Viet Nam – Cambodia 60",
            "starts_on": "2027-01-01", "ends_on": "2026-12-31", "owner_unit_code": "mofa",
            "target_countries": ["VN", "KH"], "languages": "vi, km, en",
            "hashtags": "VietNamCampuchia", "kpi_posts": "40", "kpi_impressions": "500000",
            "kpi_coverage_articles": "25"}  # fmt: skip
    refused = client.post("/social/campaigns/new", data=data)
    assert refused.status_code == 422
    assert "cannot end before it starts" in refused.get_data(as_text=True)
    response = client.post("/social/campaigns/new", data={**data, "ends_on": "2027-06-30"})
    assert response.status_code == 303
    campaign = session.scalar(select(Campaign).where(Campaign.name_en == "Viet Nam – Cambodia 60"))
    assert campaign.kpi_targets == {"posts": 40, "impressions": 500000, "coverage_articles": 25}
    assert campaign.languages == ["vi", "km", "en"] and campaign.hashtags == ["#VietNamCampuchia"]
    edit = client.get(f"/social/campaigns/{campaign.id}/edit").get_data(as_text=True)
    assert "500000" in edit and "vi, km, en" in edit
    client.post(f"/social/campaigns/{campaign.id}/pause")
    session.refresh(campaign)
    assert campaign.paused
    client.post(f"/social/campaigns/{campaign.id}/resume")
    session.refresh(campaign)
    assert not campaign.paused
    listing = client.get("/social/campaigns").get_data(as_text=True)
    assert "60 năm quan hệ" in listing or "Viet Nam – Cambodia 60" in listing

    _switch(client, world["editor"])
    assert client.get("/social/campaigns/new").status_code == 403
    assert client.post(f"/social/campaigns/{campaign.id}/pause").status_code == 403


def test_the_length_counter_uses_the_platform_rules(client, session, world):
    login(client, world["editor"])
    url = "https://example.org/" + "a" * 100
    report = client.post("/social/length", json={"text": f"Hi {url}"}).get_json()
    assert report["x"]["length"] == 3 + 23 and report["x"]["limit"] == 280
    cjk = client.post("/social/length", json={"text": "越南" * 150}).get_json()
    assert cjk["x"] == {"length": 600, "limit": 280, "images": 0, "max_images": 4, "ok": False}
    assert cjk["telegram"]["ok"] and cjk["telegram"]["limit"] == 4096
    caption = client.post("/social/length", json={"text": "a" * 1500, "images": 1}).get_json()
    assert caption["telegram"]["limit"] == 1024 and not caption["telegram"]["ok"]


def test_every_social_page_opens(client, session, world):
    post = create_post(session, campaign=world["campaign"], author=world["editor"])
    session.commit()
    for person in (world["coordinator"], world["editor"]):
        _switch(client, person)
        for url in ("/social/campaigns", f"/social/campaigns/{world['campaign'].id}",
                    f"/social/posts/{post.id}", "/social/calendar", "/social/clearance",
                    "/social/notifications", "/social/rapid"):  # fmt: skip
            assert client.get(url).status_code == 200, url
        page = client.get(f"/social/posts/{post.id}").get_data(as_text=True)
        assert "<script>" not in page and "style=" not in page


def test_a_variant_can_say_it_differently_on_one_channel(client, session, world):
    post = _cleared(client, session, world)
    channel = world["channels"][0]
    _switch(client, world["editor"])
    page = client.get(f"/social/posts/{post.id}").get_data(as_text=True)
    assert f'name="override-{channel.id}"' in page
    client.post(
        f"/social/posts/{post.id}/variants",
        data={"language": "en", "text": post.variant("en").text, "expected_version": _version(page),
              f"override-{channel.id}": "Shorter for this channel"},
    )  # fmt: skip
    session.refresh(post)
    assert post.variant("en").channel_overrides == {str(channel.id): "Shorter for this channel"}
    assert post.status == "in_review"  # published wording changed: cleared again


def test_a_busy_day_of_publications_shows_a_sample_and_links_to_the_whole_day(
    client, session, world, monkeypatch
):
    """Over several days the calendar lists a few publications a day and how many more; the
    day alone lists every one."""
    from tests.social_factories import scheduled_post
    from web.campaigns import routes

    monkeypatch.setattr(routes, "PUBLICATIONS_PER_DAY", 2)
    channel = world["channels"][0]
    for minute in range(3):
        scheduled_post(session, [channel], datetime(2027, 6, 20, 9, minute, tzinfo=UTC),
                       now=datetime(2027, 6, 1, tzinfo=UTC), campaign=world["campaign"],
                       title=f"Bài số {minute}")  # fmt: skip
    session.commit()
    login(client, world["coordinator"])

    days = client.get("/social/calendar?date=2027-06-19&days=3").get_data(as_text=True)
    assert "Bài số 0" in days and "Bài số 1" in days and "Bài số 2" not in days
    assert "1 more on this day" in days and "date=2027-06-20&amp;days=1" in days
    day = client.get("/social/calendar?date=2027-06-20&days=1").get_data(as_text=True)
    assert "Bài số 2" in day and "more on this day" not in day
