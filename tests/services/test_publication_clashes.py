"""Publication clashes at scheduling time: publications of one channel too close together,
publications on quiet days; what a clash may say about posts its reader may not see."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from campaigns.calendar import quiet_days
from campaigns.errors import Conflict, Invalid, NotAllowed
from campaigns.social import clashes as clash_module
from campaigns.social import scheduling
from campaigns.social.clashes import ClashKind
from tests.factories import create_person, create_unit
from tests.social_factories import at_utc, cleared_post, create_channel, scheduled_post

DAY = date(2027, 3, 10)


def _data(channel, hour: int, minute: int = 0, day: date = DAY) -> scheduling.ScheduleInput:
    return scheduling.ScheduleInput(
        channel_ids=[channel.id], local_time=time(hour, minute), local_date=day, zone="UTC"
    )


def _plan(session, now, post, data, actor=None):
    return scheduling.plan_schedule(session, actor=actor, now=now, post=post, data=data)


def _quiet(session, now, *, day=DAY, unit_code="", reason="Quốc tang", timezone=""):
    return quiet_days.create_quiet_day(
        session,
        actor=None,
        now=now,
        data=quiet_days.QuietDayInput(
            start_date=day, end_date=None, reason=reason, unit_code=unit_code, timezone=timezone
        ),
    )


def test_a_publication_within_the_office_interval_warns_and_names_the_other_post(session, now):
    channel = create_channel(session)
    scheduled_post(session, [channel], at_utc(2027, 3, 10, 8), now, title="Tết greetings")
    post = cleared_post(session)
    coordinator = create_person(session, "coordinator")

    near = _plan(session, now, post, _data(channel, 8, 20), actor=coordinator)
    far = _plan(session, now, post, _data(channel, 8, 30), actor=coordinator)

    (clash,) = near.clashes
    assert clash.kind is ClashKind.INTERVAL and clash.minutes == 30
    assert clash.other_title == "Tết greetings"
    assert clash.other_instant == at_utc(2027, 3, 10, 8)
    assert far.clashes == []  # 30 minutes apart is outside a 30-minute interval
    # A warning only: the schedule is saved.
    saved = scheduling.schedule_post(
        session, actor=coordinator, now=now, post=post, data=_data(channel, 8, 20)
    )
    assert len(saved) == 1


def test_the_channel_interval_overrides_the_office_default(session, now):
    quiet_days.set_clash_interval(session, actor=None, now=now, minutes=120)
    default = create_channel(session)
    own = create_channel(session, clash_interval_minutes=10)
    never = create_channel(session, clash_interval_minutes=0)
    for channel in (default, own, never):
        scheduled_post(session, [channel], at_utc(2027, 3, 10, 8), now)
    post = cleared_post(session)

    assert len(_plan(session, now, post, _data(default, 9, 30)).clashes) == 1
    assert _plan(session, now, post, _data(own, 8, 15)).clashes == []
    assert len(_plan(session, now, post, _data(own, 8, 5)).clashes) == 1
    assert _plan(session, now, post, _data(never, 8, 0)).clashes == []


def test_other_channels_and_cancelled_publications_do_not_clash(session, now):
    channel, other_channel = create_channel(session), create_channel(session)
    scheduled_post(session, [other_channel], at_utc(2027, 3, 10, 8), now)
    gone = scheduled_post(session, [channel], at_utc(2027, 3, 10, 8), now)
    scheduling.cancel_publication(session, actor=None, now=now, publication=gone.publications[0])
    post = cleared_post(session)
    assert _plan(session, now, post, _data(channel, 8)).clashes == []


def test_a_clash_with_a_post_the_scheduler_may_not_see_names_nothing(session, now, monkeypatch):
    channel = create_channel(session)
    hidden = scheduled_post(session, [channel], at_utc(2027, 3, 10, 8), now, title="Secret")
    post = cleared_post(session)
    coordinator = create_person(session, "coordinator")
    real_can = clash_module.can
    monkeypatch.setattr(
        clash_module,
        "can",
        lambda actor, action, target=None: target is not hidden and real_can(actor, action, target),
    )

    (clash,) = _plan(session, now, post, _data(channel, 8, 10), actor=coordinator).clashes

    assert clash.kind is ClashKind.INTERVAL and clash.channel == channel
    assert (clash.other_post_id, clash.other_title, clash.other_instant) == (None, None, None)


def test_a_quiet_day_needs_a_confirmation(session, now):
    channel = create_channel(session)
    quiet = _quiet(session, now, reason="Quốc tang")
    post = cleared_post(session)

    plan = _plan(session, now, post, _data(channel, 9))
    (clash,) = plan.clashes
    assert clash.kind is ClashKind.QUIET_DAY and clash.quiet_day == quiet

    with pytest.raises(scheduling.QuietDayNotConfirmed) as refused:
        scheduling.schedule_post(session, actor=None, now=now, post=post, data=_data(channel, 9))
    assert "Quốc tang" in refused.value.message
    assert post.publications == []
    # The plan a person saw confirms it; so does saying so.
    saved = scheduling.schedule_post(
        session, actor=None, now=now, post=post, data=_data(channel, 9), expected_plan=plan.digest
    )
    assert len(saved) == 1
    again = scheduling.schedule_post(
        session,
        actor=None,
        now=now,
        post=post,
        data=_data(channel, 10),
        confirm_quiet_days=True,
    )
    assert [p.scheduled_at for p in again] == [at_utc(2027, 3, 10, 10)]


def test_a_quiet_day_added_after_the_plan_was_shown_asks_to_look_again(session, now):
    channel = create_channel(session)
    post = cleared_post(session)
    shown = _plan(session, now, post, _data(channel, 9)).digest
    _quiet(session, now)
    with pytest.raises(Conflict):
        scheduling.schedule_post(
            session, actor=None, now=now, post=post, data=_data(channel, 9), expected_plan=shown
        )


def test_a_units_quiet_day_concerns_its_channels_only_on_its_own_clock(session, now):
    hanoi = create_unit(session, timezone="Asia/Ho_Chi_Minh")
    ours = create_channel(session, owner_unit=hanoi)
    theirs = create_channel(session)
    _quiet(
        session, now, unit_code=hanoi.code
    )  # Hanoi's 10 March: 9 March 17:00 to 10 March 17:00 UTC
    post = cleared_post(session)

    assert _plan(session, now, post, _data(theirs, 9)).clashes == []
    assert len(_plan(session, now, post, _data(ours, 16, 59)).clashes) == 1
    assert _plan(session, now, post, _data(ours, 17, 0)).clashes == []
    late = _data(ours, 17, 30, day=DAY - timedelta(days=1))
    assert len(_plan(session, now, post, late).clashes) == 1


def test_quiet_days_are_managed_by_admins_and_coordinators_with_clear_refusals(session, now):
    editor = create_person(session, "editor")
    data = quiet_days.QuietDayInput(start_date=DAY, end_date=None, reason="Quốc tang")
    with pytest.raises(NotAllowed):
        quiet_days.create_quiet_day(session, actor=editor, now=now, data=data)
    coordinator = create_person(session, "coordinator")
    bad = quiet_days.QuietDayInput(
        start_date=DAY,
        end_date=DAY - timedelta(days=1),
        reason="  ",
        unit_code="nowhere",
        timezone="Mars/Olympus",
    )
    with pytest.raises(Invalid) as refused:
        quiet_days.create_quiet_day(session, actor=coordinator, now=now, data=bad)
    assert set(refused.value.errors) == {"reason", "end_date", "unit_code", "timezone"}
    with pytest.raises(Invalid):
        quiet_days.set_clash_interval(session, actor=coordinator, now=now, minutes=-1)

    quiet = quiet_days.create_quiet_day(session, actor=coordinator, now=now, data=data)
    assert (quiet.end_date, quiet.timezone) == (DAY, "Asia/Ho_Chi_Minh")
    assert quiet_days.list_quiet_days(session, since=DAY) == [quiet]
    quiet_days.delete_quiet_day(session, actor=coordinator, now=now, quiet_day=quiet)
    assert quiet_days.list_quiet_days(session) == []
