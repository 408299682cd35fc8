"""Campaigns and the smaller post services: validation, links, who may write, notifications."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from PIL import Image
from sqlalchemy import select

from campaigns.calendar.models import Anniversary
from campaigns.errors import Conflict, Invalid, NotAllowed, NotFound
from campaigns.org.models import AuditEntry
from campaigns.social import services
from campaigns.social.models import Campaign
from campaigns.social.notifications import (
    get_notification,
    mark_notification_read,
    unread_notifications,
)
from tests.factories import create_person, create_unit
from tests.social_factories import (
    cleared_post,
    create_campaign,
    create_channel,
    create_event,
    create_post,
    scheduled_post,
)


def _anniversary(session, now) -> Anniversary:
    anniversary = Anniversary(
        uid="vn-kh-relations@herald.test",
        title_vi="Ngày thiết lập quan hệ ngoại giao Việt Nam – Campuchia",
        title_en="Viet Nam – Cambodia diplomatic relations",
        category="diplomatic_relations",
        origin_date=date(1967, 6, 24),
        partner_country="KH",
        created_at=now,
        updated_at=now,
    )
    session.add(anniversary)
    session.flush()
    return anniversary


def _input(unit, **fields) -> services.CampaignInput:
    values = {
        "name_vi": "60 năm quan hệ ngoại giao Việt Nam – Campuchia",
        "name_en": "60 years of Viet Nam – Cambodia relations",
        "starts_on": date(2027, 1, 1),
        "ends_on": date(2027, 6, 30),
        "owner_unit_code": unit.code,
    }
    values.update(fields)
    return services.CampaignInput(**values)


def test_a_coordinator_creates_a_campaign_around_an_anniversary_and_events(session, now):
    coordinator = create_person(session, "coordinator")
    owner, phnom_penh, province = create_unit(session), create_unit(session), create_unit(session)
    visit = create_event(session, owner_unit=owner)
    anniversary = _anniversary(session, now)
    campaign = services.create_campaign(
        session,
        actor=coordinator,
        now=now,
        data=_input(
            owner,
            goal="Show 60 years of friendship",
            hashtags=["VietNamCampuchia60", "#Friendship", "VietNamCampuchia60"],
            participant_codes=[phnom_penh.code, province.code, owner.code],
            target_countries=["vn", "KH", "FR"],
            languages=["vi", "km", "EN"],
            kpi_targets={"posts": 40, "impressions": 500_000, "coverage_articles": 25},
            event_ids=[visit.id],
            anniversaries=[(anniversary.id, date(2027, 6, 24))],
        ),
    )
    assert campaign.hashtags == ["#VietNamCampuchia60", "#Friendship"]
    assert [unit.id for unit in campaign.participating_units] == [phnom_penh.id, province.id]
    assert campaign.target_countries == ["VN", "KH", "FR"]
    assert campaign.languages == ["vi", "km", "en"]
    assert campaign.events == [visit]
    assert [(a.anniversary_id, a.occurrence_date) for a in campaign.anniversary_links] == [
        (anniversary.id, date(2027, 6, 24))
    ]
    assert campaign.unit_ids() == {owner.id, phnom_penh.id, province.id}
    # Editors of participating units write for it; others do not.
    mission_editor = create_person(session, "editor", unit=phnom_penh)
    post = services.create_post(
        session,
        actor=mission_editor,
        now=now,
        campaign=campaign,
        title="Exhibition",
        variants={"km": "ពិព័រណ៍", "vi": "Triển lãm"},
    )
    assert [v.language for v in post.variants] == ["km", "vi"]
    entry = session.scalars(select(AuditEntry).where(AuditEntry.target_type == "campaign")).one()
    assert (entry.action, entry.actor_id, entry.target_label) == (
        "create",
        coordinator.id,
        campaign.name_vi,
    )


def test_bad_campaign_fields_are_refused_and_nothing_is_saved(session, now):
    unit = create_unit(session)
    data = _input(
        unit,
        name_en=" ",
        ends_on=date(2026, 1, 1),
        participant_codes=["nowhere"],
        target_countries=["XX"],
        languages=["english please"],
        kpi_targets={"likes": 5},
        event_ids=[404],
    )
    with pytest.raises(Invalid) as caught:
        services.create_campaign(session, actor=None, now=now, data=data)
    assert set(caught.value.errors) == {
        "name_en",
        "ends_on",
        "participant_codes",
        "target_countries",
        "languages",
        "kpi_targets",
        "event_ids",
    }
    assert session.scalars(select(Campaign)).all() == []


def test_editors_cannot_create_or_pause_campaigns(session, now):
    unit = create_unit(session)
    editor = create_person(session, "editor", unit=unit)
    with pytest.raises(NotAllowed):
        services.create_campaign(session, actor=editor, now=now, data=_input(unit))
    campaign = create_campaign(session, owner_unit=unit)
    with pytest.raises(NotAllowed):
        services.set_campaign_paused(session, actor=editor, now=now, campaign=campaign, paused=True)


def test_updating_a_campaign_replaces_its_links(session, now):
    unit = create_unit(session)
    first, second = create_event(session, owner_unit=unit), create_event(session, owner_unit=unit)
    campaign = create_campaign(session, owner_unit=unit, event_ids=[first.id])
    services.update_campaign(
        session,
        actor=None,
        now=now,
        campaign=campaign,
        data=_input(unit, event_ids=[second.id], name_en="Renamed"),
    )
    assert campaign.events == [second] and campaign.name_en == "Renamed"
    assert campaign.updated_at == now


def test_a_new_misfire_window_moves_the_deadlines_without_a_new_clearance(session, now):
    channel = create_channel(session)
    post = scheduled_post(session, [channel], at=now + timedelta(hours=1), now=now)
    services.update_post(
        session,
        actor=post.author,
        now=now,
        post=post,
        misfire_window_minutes=90,
        expected_version=post.version,
    )
    (publication,) = post.publications
    assert publication.misfire_deadline == publication.scheduled_at + timedelta(minutes=90)
    assert post.status == "scheduled"
    with pytest.raises(Invalid):
        services.update_post(
            session, actor=post.author, now=now, post=post, misfire_window_minutes=0
        )


def test_removing_a_language_or_an_image(session, now, tmp_path):
    post = create_post(session, variants={"vi": "Xin chào", "en": "Hello"})
    buffer = io.BytesIO()
    Image.new("RGB", (2, 2)).save(buffer, format="PNG")
    attachment = services.add_attachment(
        session,
        actor=post.author,
        now=now,
        post=post,
        language="en",
        filename="../../evil.png",
        content=buffer.getvalue(),
        media_root=tmp_path,
    )
    assert attachment.original_name == "evil.png"
    services.remove_attachment(session, actor=post.author, now=now, attachment=attachment)
    assert post.variant("en").attachments == []
    services.remove_variant(session, actor=post.author, now=now, post=post, language="en")
    assert [v.language for v in post.variants] == ["vi"]
    with pytest.raises(Invalid):
        services.remove_variant(session, actor=post.author, now=now, post=post, language="vi")
    with pytest.raises(NotFound):
        services.remove_variant(session, actor=post.author, now=now, post=post, language="fr")


def test_a_language_planned_for_publication_cannot_be_removed(session, now):
    channel = create_channel(session)
    post = scheduled_post(session, [channel], at=now + timedelta(hours=1), now=now)
    version = post.version
    with pytest.raises(Conflict):
        services.remove_variant(session, actor=post.author, now=now, post=post, language="en")
    assert post.version == version and post.status == "scheduled"


def test_people_read_their_own_notifications_only(session, now):
    post = cleared_post(session)
    author = post.author
    (notification,) = unread_notifications(session, person=author)
    assert notification.text == f"Your post was cleared: {post.title}"
    assert notification.link == f"/social/posts/{post.id}"
    with pytest.raises(NotFound):
        mark_notification_read(
            session,
            actor=create_person(session, "coordinator"),
            now=now,
            notification=notification,
        )
    with pytest.raises(NotFound):
        get_notification(session, notification.id, actor=create_person(session, "coordinator"))
    mark_notification_read(
        session,
        actor=author,
        now=now,
        notification=get_notification(session, notification.id, actor=author),
    )
    assert unread_notifications(session, person=author) == []
