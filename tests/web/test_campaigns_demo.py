"""The social demo: relative to now, idempotent, and walkable in the browser pages."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from campaigns.demo import load_demo_data
from campaigns.org.models import Person
from campaigns.social.demo import load_social_demo
from campaigns.social.models import Campaign, Channel, Post, Publication
from tests.factories import login


def _counts(session) -> tuple[int, ...]:
    return tuple(
        session.scalar(select(func.count()).select_from(model))
        for model in (Campaign, Channel, Post, Publication)
    )


def test_the_social_demo_is_relative_to_now_and_idempotent(session, now):
    load_demo_data(session, now=now)
    campaign = load_social_demo(session, now=now)
    session.commit()
    assert campaign is not None
    (link,) = campaign.anniversary_links
    assert now.date() < link.occurrence_date <= now.date() + timedelta(days=3 * 366)
    assert "VN" in campaign.target_countries and campaign.kpi_targets["posts"] == 40
    channels = session.scalars(select(Channel)).all()
    assert {channel.kind for channel in channels} == {"sandbox"}
    assert {channel.owner_unit.code for channel in channels} >= {"mission-fr", "mission-kh"}
    statuses = sorted(post.status for post in campaign.posts)
    assert statuses == ["draft", "in_review", "in_review", "in_review", "scheduled", "scheduled"]
    # Two posts came from a file (the editor's upload), waiting for clearance with their
    # "09:00 per audience" kept for whoever schedules them.
    uploaded = [post for post in campaign.posts if post.title.startswith("Week of friendship")]
    assert len(uploaded) == 2
    assert {post.schedule_mode for post in uploaded} == {"per_audience"}
    assert all(len(post.variants) == 2 and post.schedule_channel_ids for post in uploaded)
    # (the measured campaign of the metrics demo has its history published in the past)
    due = [
        p.scheduled_at
        for p in session.scalars(select(Publication).where(Publication.status != "published"))
    ]
    assert min(due) - now == timedelta(minutes=5)
    first = _counts(session)
    load_social_demo(session, now=now + timedelta(days=1))
    session.commit()
    assert _counts(session) == first


def test_a_coordinator_walks_the_demo_pages(client, session, now):
    load_demo_data(session, now=now)
    campaign = load_social_demo(session, now=now)
    session.commit()
    person = session.scalar(select(Person).where(Person.email == "coordinator@example.org"))
    login(client, person, password="herald-demo")
    assert campaign.name_vi in client.get("/social/campaigns").get_data(as_text=True)
    page = client.get(f"/social/campaigns/{campaign.id}").get_data(as_text=True)
    assert "Photo exhibition opens" in page
    (link,) = campaign.anniversary_links
    assert link.anniversary.title("vi") in page  # the anniversary is on the timeline
    queue = client.get("/social/clearance").get_data(as_text=True)
    assert "Photo exhibition opens" in queue
    assert client.get("/social/channels").status_code == 200


def test_the_demo_schedules_nine_local_once_per_channel_for_its_own_audience(session, now):
    load_demo_data(session, now=now)
    campaign = load_social_demo(session, now=now)
    session.commit()
    channels = {c.owner_unit.code: c for c in session.scalars(select(Channel))}
    assert (channels["mission-kh"].audience_countries, channels["mission-kh"].audience_zone) == (
        ["KH"],
        "Asia/Phnom_Penh",
    )
    assert channels["mission-fr"].audience_zone == "Europe/Paris"
    assert channels["mofa-press"].served_countries == ["VN"]
    countdown = next(p for p in campaign.posts if p.title.startswith("Countdown"))
    publications = countdown.publications
    assert len({p.channel_id for p in publications}) == len(publications)  # each channel once
    assert "FR" in campaign.target_countries
    by_zone = {p.audience_zone for p in publications}
    assert {"Asia/Ho_Chi_Minh", "Europe/Paris"} <= by_zone
    for publication in publications:
        assert publication.audience_zone == publication.channel.audience_zone
        assert publication.audience_country in campaign.target_countries
        assert publication.audience_country in publication.channel.served_countries
        local = publication.scheduled_at.astimezone(ZoneInfo(publication.audience_zone))
        assert (local.hour, local.minute) == (9, 0)
