"""Scheduling: one zone, each audience's local time across DST, relative to an event that moves
or is cancelled."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from sqlalchemy import select

from campaigns.errors import Conflict, Invalid
from campaigns.social import channels as channel_services
from campaigns.social import scheduling
from campaigns.social.models import Notification
from tests.factories import create_person
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


def _audience_channels(session):
    """Three accounts, as in the issue: the ministry at home, the embassies in Phnom Penh and
    Paris, each addressing its own public."""
    home = create_channel(session, name="MOFA", language="vi")
    phnom_penh = create_channel(session, name="Embassy in Cambodia", audience_countries=["KH"])
    paris = create_channel(
        session, name="Embassy in France", language="fr", audience_countries=["fr"]
    )
    return home, phnom_penh, paris


def test_nine_local_for_each_audience_is_once_per_channel_on_its_audiences_clock(session, now):
    home, phnom_penh, paris = _audience_channels(session)
    assert (home.served_countries, home.audience_zone) == (["VN"], "Asia/Ho_Chi_Minh")
    assert (phnom_penh.audience_countries, phnom_penh.audience_zone) == (["KH"], "Asia/Phnom_Penh")
    assert (paris.audience_countries, paris.audience_zone) == (["FR"], "Europe/Paris")
    post = cleared_post(session, variants={"vi": "Xin chào", "en": "Hello", "fr": "Bonjour"})
    publications = _schedule(
        session,
        post,
        now,
        channel_ids=[home.id, phnom_penh.id, paris.id],
        local_time=NINE,
        local_date=date(2027, 6, 24),
        mode="per_audience",
        countries=["KH", "FR"],
    )
    # Three channels x two audiences made six publications: the embassy in Phnom Penh also
    # posted at 09:00 Paris time. Now each channel publishes once, for the public it addresses;
    # the ministry's (home audience) addresses neither KH nor FR.
    got = sorted(
        (p.channel_id, p.variant.language, p.audience_country, p.audience_zone, p.scheduled_at)
        for p in publications
    )
    assert got == sorted(
        [
            (phnom_penh.id, "en", "KH", "Asia/Phnom_Penh", at_utc(2027, 6, 24, 2)),
            (paris.id, "fr", "FR", "Europe/Paris", at_utc(2027, 6, 24, 7)),
        ]
    )
    assert all(p.misfire_deadline == p.scheduled_at + timedelta(minutes=30) for p in publications)
    assert post.status == "scheduled"


def test_the_plan_names_idle_channels_and_audiences_nobody_reaches(session, now):
    home, phnom_penh, paris = _audience_channels(session)
    post = cleared_post(session, variants={"vi": "Xin chào", "en": "Hello", "fr": "Bonjour"})
    data = scheduling.ScheduleInput(
        channel_ids=[home.id, phnom_penh.id],
        local_time=NINE,
        local_date=date(2027, 6, 24),
        mode="per_audience",
        countries=["VN", "KH", "FR", "US"],
    )
    plan = scheduling.plan_schedule(session, actor=None, now=now, post=post, data=data)
    # Hanoi and Phnom Penh share a clock: two channels, one instant, each once.
    assert [(item.channel, item.countries, item.instant) for item in plan.publications] == [
        (home, ("VN",), at_utc(2027, 6, 24, 2)),
        (phnom_penh, ("KH",), at_utc(2027, 6, 24, 2)),
    ]
    assert plan.idle_channels == [] and plan.unserved_countries == ["FR", "US"]
    assert post.publications == [] and post.status == "approved"  # a plan saves nothing

    data.channel_ids = [home.id, phnom_penh.id, paris.id]
    data.countries = ["KH"]
    plan = scheduling.plan_schedule(session, actor=None, now=now, post=post, data=data)
    assert [item.channel for item in plan.publications] == [phnom_penh]
    assert plan.idle_channels == [home, paris] and plan.unserved_countries == []
    # An idle channel is not asked for its variant: the ministry's missing "fr" is no obstacle.


def test_an_idle_channel_needs_no_variant_but_a_serving_one_does(session, now):
    _home, phnom_penh, paris = _audience_channels(session)
    post = cleared_post(session, variants={"vi": "Xin chào", "en": "Hello"})
    kept = _schedule(session, post, now, channel_ids=[phnom_penh.id, paris.id], local_time=NINE,
                     local_date=date(2027, 6, 24), mode="per_audience", countries=["KH"])  # fmt: skip
    assert [p.channel for p in kept] == [phnom_penh]
    with pytest.raises(Invalid) as caught:
        _schedule(session, post, now, channel_ids=[phnom_penh.id, paris.id], local_time=NINE,
                  local_date=date(2027, 6, 24), mode="per_audience", countries=["KH", "FR"])  # fmt: skip
    assert "fr" in str(caught.value)


def test_no_chosen_channel_addresses_the_audiences_is_refused(session, now):
    home, phnom_penh, _paris = _audience_channels(session)
    post = cleared_post(session)
    with pytest.raises(Invalid) as caught:
        _schedule(session, post, now, channel_ids=[home.id, phnom_penh.id], local_time=NINE,
                  local_date=date(2027, 6, 24), mode="per_audience", countries=["FR", "US"])  # fmt: skip
    assert "channel_ids" in caught.value.errors
    assert "FR, US" in str(caught.value)
    assert post.publications == [] and post.status == "approved"


def test_saving_with_the_plan_shown_creates_that_plan_or_nothing(session, now):
    _home, phnom_penh, paris = _audience_channels(session)
    post = cleared_post(session, variants={"vi": "Xin chào", "en": "Hello", "fr": "Bonjour"})
    fields = dict(channel_ids=[phnom_penh.id, paris.id], local_time=NINE,
                  local_date=date(2027, 6, 24), mode="per_audience", countries=["KH", "FR"])  # fmt: skip
    shown = scheduling.plan_schedule(
        session, actor=None, now=now, post=post, data=scheduling.ScheduleInput(**fields)
    )
    # Someone re-addresses the Paris channel to Belgium between the preview and the save.
    paris.audience_countries, paris.audience_zone = ["BE"], "Europe/Brussels"
    with pytest.raises(Conflict):
        scheduling.schedule_post(session, actor=None, now=now, post=post,
                                 data=scheduling.ScheduleInput(**fields), expected_plan=shown.digest)  # fmt: skip
    assert post.publications == []
    paris.audience_countries, paris.audience_zone = ["FR"], "Europe/Paris"
    created = scheduling.schedule_post(session, actor=None, now=now, post=post,
                                       data=scheduling.ScheduleInput(**fields),
                                       expected_plan=shown.digest)  # fmt: skip
    assert [(p.channel, p.scheduled_at) for p in created] == [
        (item.channel, item.instant) for item in shown.publications
    ]


def test_audience_local_time_across_the_dst_changes_of_paris_and_new_york(session, now):
    campaign = create_campaign(session, target_countries=["FR", "US", "KH"])
    paris = create_channel(session, audience_countries=["FR"])
    washington = create_channel(session, audience_countries=["US"])
    phnom_penh = create_channel(session, audience_countries=["KH"])
    # Paris leaves winter time on 28 March 2027, New York on 14 March; Phnom Penh never changes.
    days = {date(2027, 3, 13): (8, 14), date(2027, 3, 20): (8, 13), date(2027, 3, 29): (7, 13)}
    for day, (paris_hour, new_york_hour) in days.items():
        post = cleared_post(session, campaign=campaign)
        publications = _schedule(
            session,
            post,
            now,
            channel_ids=[paris.id, washington.id, phnom_penh.id],
            local_time=NINE,
            local_date=day,
            mode="per_audience",
        )
        got = sorted(publications, key=lambda p: p.scheduled_at)
        assert [(p.channel, p.audience_country, p.scheduled_at) for p in got] == [
            (phnom_penh, "KH", at_utc(day.year, day.month, day.day, 2)),
            (paris, "FR", at_utc(day.year, day.month, day.day, paris_hour)),
            (washington, "US", at_utc(day.year, day.month, day.day, new_york_hour)),
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
    home, paris = create_channel(session), create_channel(session, audience_countries=["FR"])
    post = cleared_post(session, campaign=create_campaign(session, target_countries=["VN", "FR"]))
    publications = _schedule(
        session,
        post,
        now,
        channel_ids=[home.id, paris.id],
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


def _readdress(session, channel, now, countries, zone=None):
    data = channel_services.ChannelInput(
        kind=channel.kind,
        name=channel.name,
        language=channel.language,
        owner_unit_code=channel.owner_unit.code,
        handle=channel.handle,
        audience_countries=countries,
        audience_zone=zone,
    )
    return channel_services.update_channel(session, actor=None, now=now, channel=channel, data=data)


def test_pending_publications_follow_a_channel_that_addresses_another_audience(session, now):
    _home, phnom_penh, paris = _audience_channels(session)
    post = cleared_post(session, variants={"vi": "Xin chào", "en": "Hello", "fr": "Bonjour"})
    kh, fr = _schedule(session, post, now, channel_ids=[phnom_penh.id, paris.id],
                       local_time=NINE, local_date=date(2027, 6, 24), mode="per_audience",
                       countries=["KH", "FR", "JP"])  # fmt: skip
    # The Phnom Penh channel now also speaks to Japan, on Tokyo's clock: 09:00 there.
    _readdress(session, phnom_penh, now, ["JP", "KH"])
    assert (kh.audience_country, kh.audience_zone) == ("JP", "Asia/Tokyo")
    assert (kh.scheduled_at, kh.misfire_deadline) == (
        at_utc(2027, 6, 24, 0),
        at_utc(2027, 6, 24, 0, 30),
    )
    # The Paris channel now addresses Belgium only, not an audience of this post: cancelled.
    _readdress(session, paris, now, ["BE"])
    assert fr.status == "cancelled" and kh.status == "scheduled"
    told = session.scalars(select(Notification).where(Notification.kind == "publications_moved"))
    assert sorted(n.person_id for n in told) == sorted([post.author_id, post.approved_by_id] * 2)
    # A name change moves nothing.
    phnom_penh.name = "Renamed"
    assert scheduling.follow_channel_audience(session, channel=phnom_penh, now=now) == []


def test_a_new_audience_clock_already_past_holds_the_publication(session, now):
    _home, phnom_penh, _paris = _audience_channels(session)
    post = cleared_post(session)
    (publication,) = _schedule(session, post, now, channel_ids=[phnom_penh.id], local_time=NINE,
                               local_date=date(2027, 6, 24), mode="per_audience",
                               countries=["KH", "FR"])  # fmt: skip
    # An hour before 09:00 in Phnom Penh, the channel moves to a clock where 09:00 has passed.
    later = at_utc(2027, 6, 24, 1)
    _readdress(session, phnom_penh, later, ["KH"], zone="Pacific/Kiritimati")  # UTC+14
    assert (publication.status, publication.held_reason) == ("held", "audience_time_passed")
    assert publication.scheduled_at == at_utc(2027, 6, 23, 19)


def test_pending_publications_follow_a_channel_that_publishes_in_another_language(session, now):
    channel = create_channel(session, language="en")
    post = cleared_post(session, variants={"vi": "Xin chào", "en": "Hello"})
    other = cleared_post(session, variants={"en": "Only English"})
    (publication,) = _schedule(session, post, now, channel_ids=[channel.id], local_time=NINE,
                               local_date=date(2027, 6, 24), zone="Asia/Ho_Chi_Minh")  # fmt: skip
    (orphan,) = _schedule(session, other, now, channel_ids=[channel.id], local_time=NINE,
                          local_date=date(2027, 6, 24), zone="Asia/Ho_Chi_Minh")  # fmt: skip
    data = channel_services.ChannelInput(
        kind=channel.kind, name=channel.name, language="vi",
        owner_unit_code=channel.owner_unit.code, handle=channel.handle,
    )  # fmt: skip
    channel_services.update_channel(session, actor=None, now=now, channel=channel, data=data)
    assert (publication.variant.language, publication.text) == ("vi", "Xin chào")
    assert publication.status == "scheduled"
    assert publication.fingerprint != orphan.fingerprint
    # The other post has no Vietnamese: nothing in English goes out on a Vietnamese channel.
    assert orphan.status == "cancelled"
    told = session.scalars(select(Notification).where(Notification.kind == "publications_moved"))
    assert {n.params["title"] for n in told} == {
        post.title,
        other.title,
    }


def test_a_restricted_event_is_named_only_to_those_who_may_see_it(session, now):
    event = create_event(session, visibility="restricted", title="SECRET planning meeting")
    channel = create_channel(session)
    campaign = create_campaign(session)
    author = create_person(session, "editor", unit=campaign.owner_unit)
    post = cleared_post(session, campaign=campaign, author=author)
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
    event.status = "cancelled"
    scheduling.hold_for_cancelled_event(session, event=event, now=now)
    told = {
        n.person_id: n
        for n in session.scalars(
            select(Notification).where(Notification.kind == "publications_held")
        )
    }
    assert set(told) == {author.id, post.approved_by_id}
    # The editor of another unit may not see the event: told that "its event" was cancelled.
    assert "event" not in told[author.id].params
    assert told[author.id].message.startswith("Its event")
    # The coordinator who cleared it may: the event is named.
    assert told[post.approved_by_id].params["event"] == "SECRET planning meeting"
