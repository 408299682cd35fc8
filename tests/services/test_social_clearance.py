"""Four-eyes clearance: who may approve, stale forms, edits after clearance, bad input."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import select

from campaigns.errors import Conflict, Invalid, NotAllowed
from campaigns.org.models import AuditEntry
from campaigns.social import scheduling, services
from campaigns.social.models import Notification, Post, PostVariant, Publication
from tests.factories import create_person
from tests.social_factories import (
    at_utc,
    cleared_post,
    create_campaign,
    create_channel,
    create_post,
    scheduled_post,
)


def _audit(session, post):
    return session.scalars(
        select(AuditEntry)
        .where(AuditEntry.target_type == "post", AuditEntry.target_id == post.id)
        .order_by(AuditEntry.id)
    ).all()


def test_the_author_cannot_clear_their_own_post_even_as_a_coordinator(session, now):
    coordinator = create_person(session, "coordinator")
    post = create_post(session, author=coordinator)
    services.submit_post(session, actor=coordinator, now=now, post=post)
    with pytest.raises(NotAllowed, match="another coordinator"):
        services.approve_post(
            session, actor=coordinator, now=now, post=post, expected_version=post.version
        )
    assert post.status == "in_review"


def test_a_step_out_of_order_is_refused_in_words_a_person_reads(session, now):
    post = create_post(session)
    coordinator = create_person(session, "coordinator")
    with pytest.raises(Conflict, match="Only a post waiting for clearance can be cleared"):
        services.approve_post(
            session, actor=coordinator, now=now, post=post, expected_version=post.version
        )
    with pytest.raises(Conflict, match="Only a post waiting for clearance can be sent back"):
        services.reject_post(
            session,
            actor=coordinator,
            now=now,
            post=post,
            expected_version=post.version,
            comment="Not yet",
        )
    services.submit_post(session, actor=post.author, now=now, post=post)
    with pytest.raises(Conflict, match="Only a draft or a post that was sent back can be sent"):
        services.submit_post(session, actor=post.author, now=now, post=post)
    assert post.status == "in_review"


def test_an_editor_cannot_clear_a_post(session, now):
    post = create_post(session)
    services.submit_post(session, actor=post.author, now=now, post=post)
    editor = create_person(session, "editor", unit=post.campaign.owner_unit)
    with pytest.raises(NotAllowed):
        services.approve_post(
            session, actor=editor, now=now, post=post, expected_version=post.version
        )


def test_a_second_person_clears_and_the_audit_log_shows_who_and_through_which_door(session, now):
    post = create_post(session)
    coordinator = create_person(session, "coordinator")
    session.info["door"] = "web"
    services.submit_post(session, actor=post.author, now=now, post=post)
    session.info["door"] = "bot"
    services.approve_post(
        session,
        actor=coordinator,
        now=now,
        post=post,
        expected_version=post.version,
        comment="Good to go",
    )
    assert (post.status, post.approved_by_id, post.approved_version) == (
        "approved",
        coordinator.id,
        post.version,
    )
    entries = [(e.action, e.actor_id, e.door, e.comment) for e in _audit(session, post)]
    assert entries == [
        ("create", post.author_id, "system", None),
        ("submit", post.author_id, "web", None),
        ("approve", coordinator.id, "bot", "Good to go"),
    ]
    told = session.scalars(select(Notification).where(Notification.person_id == post.author_id))
    assert [n.kind for n in told] == ["post_approved"]


def test_submitting_asks_the_coordinators_but_not_the_author(session, now):
    author = create_person(session, "coordinator")
    other = create_person(session, "coordinator")
    post = create_post(session, author=author, rapid_response=True)
    services.submit_post(session, actor=author, now=now, post=post)
    asked = session.scalars(select(Notification).order_by(Notification.id)).all()
    assert [(n.person_id, n.kind) for n in asked] == [(other.id, "rapid_review_requested")]


def test_a_stale_form_is_refused_and_nothing_changes(session, now):
    post = create_post(session)
    services.submit_post(session, actor=post.author, now=now, post=post)
    seen = post.version
    services.save_variant(
        session, actor=post.author, now=now, post=post, language="en", text="A changed text"
    )
    coordinator = create_person(session, "coordinator")
    with pytest.raises(Conflict, match=f"version {seen}, it is now version {seen + 1}"):
        services.approve_post(session, actor=coordinator, now=now, post=post, expected_version=seen)
    assert post.status == "in_review" and post.approved_by_id is None
    services.approve_post(session, actor=coordinator, now=now, post=post, expected_version=seen + 1)
    assert post.status == "approved"


def test_editing_a_scheduled_post_sends_it_back_and_unschedules_it(session, now):
    channel = create_channel(session)
    post = scheduled_post(session, [channel], at=now + timedelta(hours=2), now=now)
    assert post.status == "scheduled"
    publication = post.publications[0]
    services.save_variant(
        session, actor=post.author, now=now, post=post, language="en", text="Corrected figures"
    )
    assert post.status == "in_review"
    assert post.approved_by_id is None and post.approved_version is None
    assert publication.status == "cancelled"
    assert _audit(session, post)[-1].comment == "back to review: it changed after clearance"
    # Scheduling again needs a new clearance.
    with pytest.raises(Conflict):
        scheduling.publish_post_now(
            session,
            actor=create_person(session, "coordinator"),
            now=now,
            post=post,
            channel_ids=[channel.id],
        )


def test_an_image_added_after_clearance_also_needs_clearance(session, now, tmp_path):
    post = cleared_post(session)
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(buffer, format="JPEG")
    attachment = services.add_attachment(
        session,
        actor=post.author,
        now=now,
        post=post,
        language="en",
        filename="a.jpg",
        content=buffer.getvalue(),
        media_root=tmp_path,
    )
    assert post.status == "in_review"
    assert attachment.mime_type == "image/jpeg"
    assert (tmp_path / attachment.path).read_bytes() == buffer.getvalue()


def test_a_rejection_needs_a_comment_and_the_author_can_try_again(session, now):
    post = create_post(session)
    services.submit_post(session, actor=post.author, now=now, post=post)
    coordinator = create_person(session, "coordinator")
    with pytest.raises(Invalid):
        services.reject_post(
            session,
            actor=coordinator,
            now=now,
            post=post,
            expected_version=post.version,
            comment=" ",
        )
    services.reject_post(
        session,
        actor=coordinator,
        now=now,
        post=post,
        expected_version=post.version,
        comment="Check the date",
    )
    assert (post.status, post.review_comment) == ("rejected", "Check the date")
    assert _audit(session, post)[-1].comment == "Check the date"
    services.save_variant(
        session, actor=post.author, now=now, post=post, language="en", text="Fixed date"
    )
    assert post.status == "draft"
    services.submit_post(session, actor=post.author, now=now, post=post)
    assert post.status == "in_review"


def test_the_rapid_response_path_keeps_the_four_eyes(session, now):
    first = create_person(session, "coordinator")
    second = create_person(session, "coordinator")
    channel = create_channel(session)
    campaign = create_campaign(session)
    post = services.create_post(
        session,
        actor=first,
        now=now,
        campaign=campaign,
        title="Official position",
        variants={"vi": "Lập trường chính thức", "en": "Official position"},
        rapid_response=True,
    )
    services.submit_post(session, actor=first, now=now, post=post)
    with pytest.raises(NotAllowed):
        services.approve_post(
            session, actor=first, now=now, post=post, expected_version=post.version
        )
    with pytest.raises(Conflict):
        scheduling.publish_post_now(
            session, actor=first, now=now, post=post, channel_ids=[channel.id]
        )
    services.approve_post(session, actor=second, now=now, post=post, expected_version=post.version)
    (publication,) = scheduling.publish_post_now(
        session, actor=first, now=now, post=post, channel_ids=[channel.id]
    )
    assert (publication.scheduled_at, publication.status) == (now, "scheduled")
    assert publication.text == "Official position"


def test_someone_outside_the_campaign_cannot_write_for_it(session, now):
    campaign = create_campaign(session)
    outsider = create_person(session, "editor")
    with pytest.raises(NotAllowed):
        services.create_post(
            session, actor=outsider, now=now, campaign=campaign, title="t", variants={"en": "x"}
        )


@pytest.mark.parametrize(
    ("variants", "field"),
    [
        ({"en": "   "}, "text"),
        ({"en": "x" * 5000}, "text"),
        ({"not a tag": "hello"}, "language"),
        ({}, "variants"),
    ],
)
def test_bad_post_content_is_refused_and_nothing_is_saved(session, now, variants, field):
    campaign = create_campaign(session)
    author = create_person(session, "editor", unit=campaign.owner_unit)
    with pytest.raises(Invalid) as caught:
        services.create_post(
            session, actor=author, now=now, campaign=campaign, title="t", variants=variants
        )
    assert field in caught.value.errors
    assert session.scalars(select(Post)).all() == []
    assert session.scalars(select(PostVariant)).all() == []


def test_a_file_that_is_not_an_image_is_refused(session, now, tmp_path):
    post = create_post(session)
    version = post.version
    with pytest.raises(Invalid) as caught:
        services.add_attachment(
            session,
            actor=post.author,
            now=now,
            post=post,
            language="en",
            filename="x.png",
            content=b"MZ\x90\x00 not an image",
            media_root=tmp_path,
        )
    assert "image" in caught.value.errors
    assert post.version == version and list(tmp_path.iterdir()) == []


def test_scheduling_refuses_a_time_in_the_past_an_unknown_zone_and_an_overlong_x_text(session, now):
    channel = create_channel(session)
    post = cleared_post(session)
    past = now - timedelta(minutes=5)
    data = scheduling.ScheduleInput(
        channel_ids=[channel.id], local_time=past.time(), local_date=past.date(), zone="UTC"
    )
    with pytest.raises(Invalid, match="already passed"):
        scheduling.schedule_post(session, actor=None, now=now, post=post, data=data)
    data = scheduling.ScheduleInput(
        channel_ids=[channel.id],
        local_time=past.time(),
        local_date=at_utc(2027, 1, 1).date(),
        zone="Mars/Olympus_Mons",
    )
    with pytest.raises(Invalid) as caught:
        scheduling.schedule_post(session, actor=None, now=now, post=post, data=data)
    assert "zone" in caught.value.errors
    long_post = cleared_post(session, variants={"en": "中" * 141})
    x_channel = create_channel(session, kind="x")
    data = scheduling.ScheduleInput(
        channel_ids=[x_channel.id],
        local_time=now.time(),
        local_date=at_utc(2027, 1, 1).date(),
        zone="UTC",
    )
    with pytest.raises(Invalid, match="Too long for X: 282 of 280 characters"):
        scheduling.schedule_post(session, actor=None, now=now, post=long_post, data=data)
    assert session.scalars(select(Publication)).all() == []
    assert post.status == "approved" and post.schedule_mode is None


def test_a_channel_needs_a_variant_in_its_language(session, now):
    channel = create_channel(session, language="fr")
    post = cleared_post(session)
    data = scheduling.ScheduleInput(
        channel_ids=[channel.id],
        local_time=now.time(),
        local_date=at_utc(2027, 1, 1).date(),
        zone="UTC",
    )
    with pytest.raises(Invalid, match="publishes in fr"):
        scheduling.schedule_post(session, actor=None, now=now, post=post, data=data)
