"""Scheduling: one zone, each audience's local time across DST, relative to an event that moves
or is cancelled."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from sqlalchemy import select

from campaigns.errors import Invalid
from campaigns.social import scheduling
from campaigns.social.models import Notification
from tests.social_factories import (
    NINE,
    at_utc,
    cleared_post,
    create_campaign,
    create_channel,
    create_event,
)


def _schedule(session, post, now, **fields):
    return scheduling.schedule_post(
        session, actor=None, now=now, post=post, data=scheduling.ScheduleInput(**fields)
    )


def test_nine_local_for_each_audience_one_publication_per_channel_and_distinct_instant(
    session, now
):
    campaign = create_campaign(session, target_countries=["VN", "KH", "FR"])
    english, vietnamese = create_channel(session), create_channel(session, language="vi")
    post = cleared_post(session, campaign=campaign)
    publications = _schedule(
        session,
        post,
        now,
        channel_ids=[english.id, vietnamese.id],
        local_time=NINE,
        local_date=date(2027, 6, 24),
        mode="per_audience",
    )
    # Hanoi and Phnom Penh share a clock, Paris does not: two instants on each channel.
    got = sorted(
        (p.channel_id, p.audience_country, p.audience_zone, p.scheduled_at) for p in publications
    )
    assert got == sorted(
        [
            (english.id, "VN", "Asia/Ho_Chi_Minh", at_utc(2027, 6, 24, 2)),
            (english.id, "FR", "Europe/Paris", at_utc(2027, 6, 24, 7)),
            (vietnamese.id, "VN", "Asia/Ho_Chi_Minh", at_utc(2027, 6, 24, 2)),
            (vietnamese.id, "FR", "Europe/Paris", at_utc(2027, 6, 24, 7)),
        ]
    )
    by_channel = {p.channel_id: p.variant.language for p in publications}
    assert by_channel == {english.id: "en", vietnamese.id: "vi"}
    assert all(p.misfire_deadline == p.scheduled_at + timedelta(minutes=30) for p in publications)
    assert post.status == "scheduled"


def test_audience_local_time_across_the_dst_changes_of_paris_and_new_york(session, now):
    campaign = create_campaign(session, target_countries=["FR", "US"])
    channel = create_channel(session)
    days = {date(2027, 3, 13): (8, 14), date(2027, 3, 20): (8, 13), date(2027, 3, 29): (7, 13)}
    for day, (paris_hour, new_york_hour) in days.items():
        post = cleared_post(session, campaign=campaign)
        publications = _schedule(
            session,
            post,
            now,
            channel_ids=[channel.id],
            local_time=NINE,
            local_date=day,
            mode="per_audience",
        )
        assert [(p.audience_country, p.scheduled_at) for p in publications] == [
            ("FR", at_utc(day.year, day.month, day.day, paris_hour)),
            ("US", at_utc(day.year, day.month, day.day, new_york_hour)),
        ]


def test_a_wall_time_in_the_gap_is_published_just_after_it(session, now):
    channel = create_channel(session)
    post = cleared_post(session)
    (publication,) = _schedule(
        session,
        post,
        now,
        channel_ids=[channel.id],
        local_time=time(2, 30),
        local_date=date(2027, 3, 28),
        zone="Europe/Paris",
    )
    assert publication.scheduled_at == at_utc(2027, 3, 28, 1, 30)  # 03:30 CEST


def test_audiences_default_to_the_campaign_and_unknown_countries_are_refused(session, now):
    channel = create_channel(session)
    post = cleared_post(session, campaign=create_campaign(session, target_countries=[]))
    with pytest.raises(Invalid) as caught:
        _schedule(
            session,
            post,
            now,
            channel_ids=[channel.id],
            local_time=NINE,
            local_date=date(2027, 6, 24),
            mode="per_audience",
        )
    assert "countries" in caught.value.errors
    with pytest.raises(Invalid) as caught:
        _schedule(
            session,
            post,
            now,
            channel_ids=[channel.id],
            local_time=NINE,
            local_date=date(2027, 6, 24),
            mode="per_audience",
            countries=["ZZ"],
        )
    assert "countries" in caught.value.errors


def test_relative_to_an_event_and_moving_with_it(session, now):
    event = create_event(session, starts_at=at_utc(2027, 6, 24, 8), zone="Europe/Paris")
    channel = create_channel(session)
    post = cleared_post(session, campaign=create_campaign(session, target_countries=["VN", "FR"]))
    publications = _schedule(
        session,
        post,
        now,
        channel_ids=[channel.id],
        local_time=NINE,
        event_id=event.id,
        offset_days=-3,
        mode="per_audience",
    )
    assert [p.scheduled_at for p in publications] == [
        at_utc(2027, 6, 21, 2),
        at_utc(2027, 6, 21, 7),
    ]
    # The calendar moves the event a week later; its services then call ours.
    event.starts_at = at_utc(2027, 7, 1, 8)
    moved = scheduling.reschedule_for_event(session, event=event, now=now)
    assert sorted(p.scheduled_at for p in moved) == [at_utc(2027, 6, 28, 2), at_utc(2027, 6, 28, 7)]
    assert all(p.status == "scheduled" for p in moved)
    assert post.status == "scheduled" and post.approved_by_id is not None
    assert all(p.misfire_deadline == p.scheduled_at + timedelta(minutes=30) for p in moved)
    told = session.scalars(select(Notification).where(Notification.kind == "publications_moved"))
    assert sorted(n.person_id for n in told) == sorted([post.author_id, post.approved_by_id])


def test_an_event_moved_into_the_past_holds_its_publications(session, now):
    event = create_event(session, starts_at=at_utc(2027, 6, 24, 8))
    channel = create_channel(session)
    post = cleared_post(session)
    _schedule(
        session,
        post,
        now,
        channel_ids=[channel.id],
        local_time=NINE,
        event_id=event.id,
        offset_days=0,
        zone="Europe/Paris",
    )
    event.starts_at = now - timedelta(days=1)
    (publication,) = scheduling.reschedule_for_event(session, event=event, now=now)
    assert (publication.status, publication.held_reason) == ("held", "event_moved_to_past")


def test_a_cancelled_event_holds_its_pending_publications(session, now):
    event = create_event(session)
    channel = create_channel(session)
    post = cleared_post(session)
    _schedule(
        session,
        post,
        now,
        channel_ids=[channel.id],
        local_time=NINE,
        event_id=event.id,
        offset_days=-1,
        zone="Europe/Paris",
    )
    unrelated = cleared_post(session)
    _schedule(
        session,
        unrelated,
        now,
        channel_ids=[channel.id],
        local_time=NINE,
        local_date=date(2027, 6, 23),
        zone="Europe/Paris",
    )
    event.status = "cancelled"
    held = scheduling.hold_for_cancelled_event(session, event=event, now=now)
    assert [(p.post_id, p.status, p.held_reason) for p in held] == [
        (post.id, "held", "event_cancelled")
    ]
    assert unrelated.publications[0].status == "scheduled"
    told = session.scalars(select(Notification).where(Notification.kind == "publications_held"))
    assert sorted(n.person_id for n in told) == sorted([post.author_id, post.approved_by_id])


def test_scheduling_again_replaces_what_has_not_gone_out(session, now):
    channel = create_channel(session)
    post = cleared_post(session)
    (first,) = _schedule(
        session,
        post,
        now,
        channel_ids=[channel.id],
        local_time=NINE,
        local_date=date(2027, 6, 24),
        zone="Asia/Ho_Chi_Minh",
    )
    (second,) = _schedule(
        session,
        post,
        now,
        channel_ids=[channel.id],
        local_time=time(10),
        local_date=date(2027, 6, 24),
        zone="Asia/Ho_Chi_Minh",
    )
    assert (first.status, second.status) == ("cancelled", "scheduled")
    assert second.scheduled_at == at_utc(2027, 6, 24, 3)
