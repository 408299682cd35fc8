"""Reads: the clearance queue, the combined calendar, channel panels, when the outbox is next due."""

from __future__ import annotations

from datetime import timedelta

import pytest

from campaigns.errors import NotFound
from campaigns.social import outbox, queries, services
from campaigns.social.platform import ErrorKind, PlatformError
from tests.factories import create_person
from tests.social_factories import create_channel, create_post, scheduled_post


def test_the_clearance_queue_shows_others_posts_rapid_responses_first(session, now):
    coordinator = create_person(session, "coordinator")
    own = create_post(session, author=coordinator)
    normal = create_post(session)
    rapid = create_post(session, rapid_response=True)
    for post in (own, normal, rapid):
        services.submit_post(session, actor=post.author, now=now, post=post)
    assert queries.posts_awaiting_clearance(session, actor=coordinator) == [rapid, normal]
    editor = create_person(session, "editor")
    assert queries.posts_awaiting_clearance(session, actor=editor) == []


def test_the_combined_calendar_lists_publications_in_a_range(session, now):
    channel = create_channel(session)
    soon = scheduled_post(session, [channel], at=now + timedelta(hours=1), now=now)
    later = scheduled_post(session, [channel], at=now + timedelta(days=3), now=now)
    found = queries.publications_between(session, since=now, until=now + timedelta(days=1))
    assert found == soon.publications
    only_later = queries.publications_between(
        session, since=now, until=now + timedelta(days=7), campaign_id=later.campaign_id
    )
    assert only_later == later.publications


def test_the_outbox_says_when_it_is_next_due(session, now):
    assert queries.next_due_at(session) is None
    channel = create_channel(session)
    due = now + timedelta(minutes=10)
    scheduled_post(session, [channel], at=due, now=now)
    scheduled_post(session, [channel], at=due + timedelta(hours=1), now=now)
    assert queries.next_due_at(session) == due
    assert queries.count_due(session, now=now) == 0
    assert queries.count_due(session, now=due) == 1
    assert (
        len(outbox.claim_due_publications(session, worker_id="w", now=due, lease_seconds=30)) == 1
    )
    assert queries.next_due_at(session) == due + timedelta(seconds=30)


def test_a_backlog_nobody_may_send_yet_does_not_look_due(session, now):
    # A paused channel's backlog, a broken one's, one told to wait until a reset and one whose
    # budget is spent: none of them is "due now", so workers sleep until the next real instant
    # (another channel's post) instead of polling every second.
    paused, broken, told_to_wait = (create_channel(session) for _ in range(3))
    spent = create_channel(session, rate_limit_posts=1, rate_window_seconds=3600)
    free = create_channel(session)
    for channel in (paused, broken, told_to_wait):
        scheduled_post(
            session, [channel], at=now - timedelta(minutes=5), now=now - timedelta(hours=1)
        )
    for _ in range(2):
        scheduled_post(
            session, [spent], at=now - timedelta(minutes=1), now=now - timedelta(hours=1)
        )
    paused.paused = True
    broken.health = "broken"
    told_to_wait.rate_limited_until = now + timedelta(minutes=7)
    (claimed,) = outbox.claim_due_publications(session, worker_id="w", now=now)
    assert claimed.channel == spent  # which spends its budget: its second post waits
    scheduled_post(session, [free], at=now + timedelta(seconds=20), now=now - timedelta(hours=1))
    session.flush()

    assert queries.next_due_at(session, now=now + timedelta(seconds=1)) == now + timedelta(
        seconds=20
    )
    # Before this change every one of them read as due five minutes ago.
    assert queries.next_due_at(session) == now - timedelta(minutes=1)  # the spent budget's


def test_channel_panels_show_budget_and_queue(session, now):
    channel = create_channel(session, rate_limit_posts=10, rate_window_seconds=3600)
    due = now + timedelta(minutes=1)
    first = scheduled_post(session, [channel], at=due, now=now).publications[0]
    scheduled_post(session, [channel], at=due + timedelta(hours=1), now=now)
    outbox.claim_due_publications(session, worker_id="w", now=due, limit=1)
    outbox.record_failure(
        session,
        publication=first,
        worker_id="w",
        now=due,
        error=PlatformError(ErrorKind.REJECTED, "no"),
    )
    (panel,) = queries.channel_panels(session, now=due)
    assert (panel.budget_used, panel.budget_limit, panel.waiting, panel.dead) == (1, 10, 1, 1)
    assert queries.publications_needing_a_person(session) == [first]


def test_the_length_counter_covers_every_platform():
    report = queries.length_report("https://example.org/" + "a" * 300)
    assert report["x"].length == 23 and report["x"].ok
    assert report["telegram"].length == 320 and report["telegram"].ok


def test_unknown_posts_and_campaigns_are_not_found(session):
    person = create_person(session, "viewer")
    with pytest.raises(NotFound):
        queries.get_post(session, 404, actor=person)
    with pytest.raises(NotFound):
        queries.get_campaign(session, 404, actor=person)
