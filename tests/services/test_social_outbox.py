"""The outbox: claims and leases, each error class and its effect, backoff, the misfire window,
rate budgets, pauses, and reconciling after a worker died mid-publish."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from campaigns.errors import Conflict, NotAllowed
from campaigns.org.models import AuditEntry
from campaigns.social import channels as channel_services
from campaigns.social import outbox, rules, scheduling, services
from campaigns.social.models import Notification, Publication
from campaigns.social.platform import ErrorKind, PlatformError, PublishedPost
from tests.factories import create_person
from tests.social_factories import create_channel, scheduled_post

WORKER = "worker-1"


@pytest.fixture
def due(now):
    return now + timedelta(minutes=1)


def _one_due(session, now, due, channel=None, **fields):
    channel = channel or create_channel(session)
    post = scheduled_post(session, [channel], at=due, now=now, **fields)
    return post.publications[0]


def _claim(session, now, worker=WORKER, **fields):
    return outbox.claim_due_publications(session, worker_id=worker, now=now, **fields)


def _kinds(session, person):
    rows = session.scalars(select(Notification).where(Notification.person_id == person.id))
    return [row.kind for row in rows]


def test_nothing_is_claimed_before_it_is_due(session, now, due):
    _one_due(session, now, due)
    assert _claim(session, now) == []


def test_a_claim_takes_a_due_publication_under_a_lease_and_only_once(session, now, due):
    publication = _one_due(session, now, due)
    (claimed,) = _claim(session, due, lease_seconds=90)
    assert claimed is publication
    assert (claimed.status, claimed.claimed_by, claimed.attempts) == ("publishing", WORKER, 1)
    assert claimed.lease_until == due + timedelta(seconds=90)
    assert [a.outcome for a in claimed.attempt_log] == ["publishing"]
    assert _claim(session, due, worker="worker-2") == []


def test_success_keeps_the_platform_id_and_url_and_publishes_the_post(session, now, due):
    publication = _one_due(session, now, due)
    _claim(session, due)
    result = PublishedPost(platform_id="1789", url="https://x.example/status/1789")
    outbox.record_success(
        session, publication=publication, worker_id=WORKER, result=result, now=due
    )
    assert (publication.status, publication.platform_id, publication.url) == (
        "published",
        "1789",
        "https://x.example/status/1789",
    )
    assert publication.published_at == due and publication.claimed_by is None
    assert publication.post.status == "published"
    assert [a.outcome for a in publication.attempt_log] == ["published"]
    # Recording twice changes nothing.
    outbox.record_success(
        session, publication=publication, worker_id=WORKER, result=result, now=due
    )
    assert publication.status == "published"


def test_a_batch_of_successes_is_recorded_at_once_each_with_its_own_answer(session, now, due):
    channels = [create_channel(session), create_channel(session)]
    post = scheduled_post(session, channels, at=due, now=now)
    other = _one_due(session, now, due)
    claimed = _claim(session, due)
    assert len(claimed) == 3
    sent = [
        outbox.Sent(
            publication,
            PublishedPost(platform_id=f"id-{publication.id}", url=f"u/{publication.id}"),
            due + timedelta(seconds=index),
        )
        for index, publication in enumerate(claimed)
    ]
    recorded = outbox.record_successes(
        session, sent, worker_id=WORKER, now=due + timedelta(seconds=5)
    )
    assert recorded == claimed
    for index, publication in enumerate(claimed):
        assert (publication.status, publication.platform_id, publication.url) == (
            "published",
            f"id-{publication.id}",
            f"u/{publication.id}",
        )
        # Each says when its platform answered, not when the batch was recorded.
        assert publication.published_at == due + timedelta(seconds=index)
        (attempt,) = publication.attempt_log
        assert (attempt.outcome, attempt.finished_at) == (
            "published",
            due + timedelta(seconds=index),
        )
    session.expire_all()
    assert post.status == other.post.status == "published"
    audited = session.scalars(
        select(AuditEntry.target_id).where(
            AuditEntry.target_type == "publication", AuditEntry.action == "publish"
        )
    ).all()
    assert sorted(audited) == sorted(publication.id for publication in claimed)
    # Recording the same batch again changes nothing and writes no second entry.
    assert outbox.record_successes(session, sent, worker_id=WORKER, now=due) == []
    assert session.scalar(select(func.count()).where(AuditEntry.action == "publish")) == len(
        claimed
    )


def test_a_post_is_published_only_once_all_its_publications_are(session, now, due):
    post = scheduled_post(
        session, [create_channel(session), create_channel(session)], at=due, now=now
    )
    first, second = _claim(session, due)
    outbox.record_successes(
        session, [outbox.Sent(first, PublishedPost("1", "u1"), due)], worker_id=WORKER, now=due
    )
    session.expire_all()
    assert post.status == "scheduled"
    outbox.record_successes(
        session, [outbox.Sent(second, PublishedPost("2", "u2"), due)], worker_id=WORKER, now=due
    )
    session.expire_all()
    assert post.status == "published"


def test_a_published_post_cannot_be_edited(session, now, due):
    publication = _one_due(session, now, due)
    _claim(session, due)
    outbox.record_success(
        session,
        publication=publication,
        worker_id=WORKER,
        result=PublishedPost("1", "u"),
        now=due,
    )
    with pytest.raises(Conflict, match="published"):
        services.save_variant(
            session,
            actor=publication.post.author,
            now=due,
            post=publication.post,
            language="en",
            text="too late",
        )


def test_transient_errors_back_off_with_jitter_then_succeed(session, now, due):
    """Journey 3: X answers 503 twice, the third try goes out; all three tries are kept."""
    publication = _one_due(session, now, due)
    policy = rules.RetryPolicy(base_delay=timedelta(seconds=10))
    clock = due
    for expected_delay in (timedelta(seconds=7.5), timedelta(seconds=15)):
        (claimed,) = _claim(session, clock)
        outbox.record_failure(
            session,
            publication=claimed,
            worker_id=WORKER,
            now=clock,
            policy=policy,
            error=PlatformError(ErrorKind.TRANSIENT, "503 Service Unavailable", status=503),
            random=lambda: 0.5,
        )
        assert publication.status == "failed"
        assert publication.next_attempt_at == clock + expected_delay
        assert publication.channel.health == "degraded"
        assert _claim(session, clock + expected_delay - timedelta(seconds=1)) == []
        clock += expected_delay
    (claimed,) = _claim(session, clock)
    outbox.record_success(
        session, publication=claimed, worker_id=WORKER, result=PublishedPost("9", "u"), now=clock
    )
    assert publication.status == "published" and publication.attempts == 3
    assert [(a.number, a.outcome, a.http_status) for a in publication.attempt_log] == [
        (1, "failed", 503),
        (2, "failed", 503),
        (3, "published", None),
    ]
    assert publication.channel.health == "ok"


def test_a_transient_error_honours_the_platforms_retry_time(session, now, due):
    publication = _one_due(session, now, due)
    _claim(session, due)
    later = due + timedelta(minutes=5)
    outbox.record_failure(
        session,
        publication=publication,
        worker_id=WORKER,
        now=due,
        random=lambda: 0.0,
        error=PlatformError(ErrorKind.TRANSIENT, "busy", retry_at=later, status=503),
    )
    assert publication.next_attempt_at == later


def test_dead_after_the_configured_number_of_attempts_with_the_platforms_message(session, now, due):
    owner = create_person(session, "coordinator")
    channel = create_channel(session, owner=owner)
    publication = _one_due(session, now, due, channel=channel, misfire_window_minutes=600)
    policy = rules.RetryPolicy(max_attempts=3, base_delay=timedelta(seconds=1))
    clock = due
    for _ in range(3):
        (claimed,) = _claim(session, clock)
        outbox.record_failure(
            session,
            publication=claimed,
            worker_id=WORKER,
            now=clock,
            policy=policy,
            error=PlatformError(ErrorKind.TRANSIENT, "502 Bad Gateway", status=502),
            random=lambda: 0.5,
        )
        clock += timedelta(minutes=1)
    assert (publication.status, publication.attempts) == ("dead", 3)
    assert publication.last_error == "502 Bad Gateway"
    assert _claim(session, clock + timedelta(hours=1)) == []
    assert "publication_dead" in _kinds(session, owner)
    assert "publication_dead" in _kinds(session, publication.post.author)
    # A coordinator decides to try again.
    scheduling.retry_publication(session, actor=owner, now=clock, publication=publication)
    (claimed,) = _claim(session, clock)
    assert claimed is publication and publication.attempts == 4
    outbox.record_failure(
        session,
        publication=claimed,
        worker_id=WORKER,
        now=clock,
        policy=policy,
        error=PlatformError(ErrorKind.TRANSIENT, "502 Bad Gateway", status=502),
        random=lambda: 0.5,
    )
    assert publication.status == "failed"  # a fresh series: one failure of three


def test_rejected_content_is_dead_at_once(session, now, due):
    publication = _one_due(session, now, due)
    _claim(session, due)
    outbox.record_failure(
        session,
        publication=publication,
        worker_id=WORKER,
        now=due,
        error=PlatformError(
            ErrorKind.REJECTED,
            "You are not allowed to create a Tweet with duplicate content.",
            status=403,
        ),
    )
    assert publication.status == "dead"
    assert publication.last_error.startswith("You are not allowed")
    assert publication.last_error_kind == "rejected"


def test_rate_limited_waits_exactly_until_the_reset_and_holds_the_channel(session, now, due):
    channel = create_channel(session)
    first = _one_due(session, now, due, channel=channel)
    second = _one_due(session, now, due, channel=channel)
    (claimed,) = _claim(session, due, limit=1)
    reset = due + timedelta(minutes=3)
    outbox.record_failure(
        session,
        publication=claimed,
        worker_id=WORKER,
        now=due,
        error=PlatformError(
            ErrorKind.RATE_LIMITED, "Too Many Requests", retry_at=reset, status=429
        ),
    )
    assert (claimed.status, claimed.next_attempt_at) == ("failed", reset)
    assert channel.rate_limited_until == reset
    # Nobody claims for the channel before the reset, not even the other publication.
    assert _claim(session, reset - timedelta(seconds=1)) == []
    assert {p.id for p in _claim(session, reset)} == {first.id, second.id}
    # Rate limits do not count towards "dead".
    assert all(a.error_kind != "transient" for a in claimed.attempt_log)


def test_an_auth_error_breaks_the_channel_holds_its_queue_and_alerts_its_owner(session, now, due):
    owner = create_person(session, "editor")
    channel = create_channel(session, kind="x", owner=owner)
    first = _one_due(session, now, due, channel=channel)
    second = _one_due(session, now, due + timedelta(hours=1), channel=channel)
    other_channel = _one_due(session, now, due)
    claimed = _claim(session, due, limit=1)
    assert claimed == [first]
    outbox.record_failure(
        session,
        publication=first,
        worker_id=WORKER,
        now=due,
        error=PlatformError(ErrorKind.AUTH, "401 Unauthorized: token revoked", status=401),
    )
    assert channel.health == "broken" and channel.last_error.startswith("401")
    assert channel.last_error_at == due
    assert [(p.status, p.held_reason) for p in (first, second)] == [
        ("held", "channel_broken"),
        ("held", "channel_broken"),
    ]
    assert other_channel.status == "scheduled"
    alerts = session.scalars(
        select(Notification).where(
            Notification.person_id == owner.id, Notification.kind == "channel_broken"
        )
    ).all()
    assert len(alerts) == 1 and alerts[0].link == f"/social/channels/{channel.id}"
    assert "token revoked" in alerts[0].text
    # Fixing the credentials trusts the channel again; the held queue waits for a person.
    channel_services.set_channel_credentials(
        session,
        actor=None,
        now=due,
        channel=channel,
        secret="s" * 40,
        credentials={
            "consumer_key": "a",
            "consumer_secret": "b",
            "access_token": "c",
            "access_token_secret": "d",
        },
    )
    assert channel.health == "ok" and second.status == "held"


def test_past_its_window_a_publication_is_held_not_sent_late(session, now, due):
    """Journey 6: the platform was down for an hour; the post waits for a person."""
    publication = _one_due(session, now, due, misfire_window_minutes=30)
    assert _claim(session, due + timedelta(minutes=30)) == [publication]
    outbox.record_failure(
        session,
        publication=publication,
        worker_id=WORKER,
        now=due + timedelta(minutes=30),
        error=PlatformError(ErrorKind.TRANSIENT, "503 Service Unavailable", status=503),
        random=lambda: 0.5,
    )
    late = due + timedelta(minutes=31)
    assert _claim(session, late) == []
    assert (publication.status, publication.held_reason) == ("held", "missed_window")
    assert "publication_held" in _kinds(session, publication.post.author)
    coordinator = create_person(session, "coordinator")
    scheduling.release_publication(session, actor=coordinator, now=late, publication=publication)
    assert publication.misfire_deadline == late + timedelta(minutes=30)
    assert _claim(session, late) == [publication]


def test_a_held_publication_can_be_cancelled(session, now, due):
    publication = _one_due(session, now, due)
    _claim(session, due + timedelta(hours=1))
    assert publication.status == "held"
    scheduling.cancel_publication(
        session, actor=create_person(session, "coordinator"), now=due, publication=publication
    )
    assert publication.status == "cancelled"
    with pytest.raises(Conflict, match="Only a held publication can be released"):
        scheduling.release_publication(
            session,
            actor=create_person(session, "coordinator"),
            now=due,
            publication=publication,
        )
    with pytest.raises(Conflict, match="This publication is already cancelled"):
        scheduling.cancel_publication(
            session, actor=create_person(session, "coordinator"), now=due, publication=publication
        )


def test_paused_channels_and_campaigns_are_not_claimed(session, now, due):
    channel = create_channel(session)
    publication = _one_due(session, now, due, channel=channel)
    channel_services.set_channel_paused(session, actor=None, now=now, channel=channel, paused=True)
    assert _claim(session, due) == []
    channel_services.set_channel_paused(session, actor=None, now=now, channel=channel, paused=False)
    services.set_campaign_paused(
        session, actor=None, now=now, campaign=publication.post.campaign, paused=True
    )
    assert _claim(session, due) == []
    services.set_campaign_paused(
        session, actor=None, now=now, campaign=publication.post.campaign, paused=False
    )
    assert _claim(session, due) == [publication]


def test_the_rate_budget_is_never_exceeded(session, now, due):
    channel = create_channel(session, rate_limit_posts=3, rate_window_seconds=3600)
    other = create_channel(session)
    mine = [
        _one_due(session, now, due, channel=channel, misfire_window_minutes=600) for _ in range(5)
    ]
    theirs = _one_due(session, now, due, channel=other)
    long = {"limit": 10, "lease_seconds": 7200}
    claimed = _claim(session, due, **long) + _claim(session, due, worker="worker-2", **long)
    assert sum(1 for p in claimed if p.channel_id == channel.id) == 3
    assert theirs in claimed
    assert outbox.budget_used(session, channel=channel, now=due) == 3
    # The next window has room for the two that waited (once the first three went out: a
    # channel's claims in flight keep its later posts waiting, so they never overtake them).
    outbox.record_successes(
        session,
        [outbox.Sent(p, PublishedPost(f"id-{p.id}", "u"), due) for p in claimed],
        worker_id=WORKER,
        now=due,
    )
    window_end = rules.budget_window(due, 3600)[1]
    later = _claim(session, window_end, **long)
    assert sorted(p.id for p in later) == sorted(p.id for p in mine if p not in claimed)
    assert outbox.budget_used(session, channel=channel, now=window_end) == 2


def test_one_claim_serves_several_channels_budgets_as_far_as_each_goes(session, now, due):
    tight = create_channel(session, rate_limit_posts=3, rate_window_seconds=3600)
    ample = create_channel(session, rate_limit_posts=100, rate_window_seconds=3600)
    long = {"misfire_window_minutes": 600}
    first = _one_due(session, now, due, channel=tight, **long)
    assert _claim(session, due) == [first]  # one of three used
    outbox.record_success(
        session, publication=first, worker_id=WORKER, result=PublishedPost("1", "u"), now=due
    )
    waiting = [_one_due(session, now, due, channel=tight, **long) for _ in range(3)]
    others = [_one_due(session, now, due, channel=ample, **long) for _ in range(4)]

    claimed = _claim(session, due, limit=10, lease_seconds=7200)

    # The ample channel takes its four in one go; the tight one has room for two more.
    assert sorted(p.id for p in claimed) == sorted(p.id for p in [*waiting[:2], *others])
    assert outbox.budget_used(session, channel=tight, now=due) == 3
    assert outbox.budget_used(session, channel=ample, now=due) == 4


def test_workers_share_the_channels_something_is_due_on(session, now, due):
    for _ in range(10):
        _one_due(session, now, due, channel=create_channel(session, rate_limit_posts=100))

    # Four workers alive, ten channels with a post due: each takes its share (three channels),
    # not the whole batch.
    first = _claim(session, due, limit=50, share_with=4)
    assert len(first) == 3
    # Then a quarter of what is left each time, at least one, until nothing is left.
    sizes = [len(_claim(session, due, worker=f"w{n}", limit=50, share_with=4)) for n in range(6)]
    assert sizes == [2, 2, 1, 1, 1, 0]


def test_a_channel_is_sent_by_one_worker_at_a_time_in_due_order(session, now, due):
    channel = create_channel(session, rate_limit_posts=100)
    mine = [_one_due(session, now, due, channel=channel) for _ in range(5)]

    # One worker takes the channel's whole queue, in due order; the others leave it alone while
    # those claims are being sent, so a later post never overtakes an earlier one.
    assert _claim(session, due, limit=50, share_with=4) == mine
    later = _one_due(session, now, due, channel=channel)
    assert _claim(session, due, worker="w2", limit=50, share_with=4) == []
    outbox.record_successes(
        session,
        [outbox.Sent(p, PublishedPost(f"id-{p.id}", "u"), due) for p in mine],
        worker_id=WORKER,
        now=due,
    )
    assert _claim(session, due, worker="w2", limit=50, share_with=4) == [later]


def test_when_much_is_due_a_worker_takes_its_whole_batch(session, now, due):
    channel = create_channel(session, rate_limit_posts=100)
    for _ in range(12):
        _one_due(session, now, due, channel=channel)
    assert len(_claim(session, due, limit=5, share_with=2)) == 5


def test_an_expired_lease_is_reconciled_and_found(session, now, due):
    channel = create_channel(session, kind="x")
    publication = _one_due(session, now, due, channel=channel)
    _claim(session, due, lease_seconds=60)
    # worker-1 died after the platform accepted the post. Its lease runs out.
    after = due + timedelta(seconds=61)
    (claimed,) = _claim(session, after, worker="worker-2")
    assert (claimed.status, claimed.claimed_by) == ("reconciling", "worker-2")
    assert outbox.reconcile_since(claimed) == due - outbox.RECONCILE_SLACK
    decision = outbox.resolve_reconcile(
        session,
        publication=claimed,
        worker_id="worker-2",
        now=after,
        found=PublishedPost("555", "https://x.example/status/555"),
    )
    assert decision == outbox.ReconcileDecision.PUBLISHED
    assert (publication.status, publication.platform_id, publication.attempts) == (
        "published",
        "555",
        1,
    )


def test_an_expired_lease_not_found_on_the_platform_is_sent_again(session, now, due):
    publication = _one_due(session, now, due, channel=create_channel(session, kind="x"))
    _claim(session, due, lease_seconds=60)
    after = due + timedelta(seconds=61)
    _claim(session, after, worker="worker-2")
    decision = outbox.resolve_reconcile(
        session, publication=publication, worker_id="worker-2", now=after, found=None
    )
    assert decision == outbox.ReconcileDecision.RETRY
    assert (publication.status, publication.claimed_by, publication.attempts) == (
        "publishing",
        "worker-2",
        2,
    )
    # The dead worker's late report of a failure changes nothing.
    outbox.record_failure(
        session,
        publication=publication,
        worker_id=WORKER,
        now=after,
        error=PlatformError(ErrorKind.TRANSIENT, "late"),
    )
    assert publication.status == "publishing"
    outbox.record_success(
        session,
        publication=publication,
        worker_id="worker-2",
        now=after,
        result=PublishedPost("556", "u"),
    )
    assert publication.status == "published"


def test_reconciling_too_late_holds_it(session, now, due):
    publication = _one_due(session, now, due, channel=create_channel(session, kind="x"))
    _claim(session, due, lease_seconds=60)
    after = due + timedelta(minutes=45)
    _claim(session, after, worker="worker-2")
    assert publication.status == "reconciling"  # still looked for, even past the window
    decision = outbox.resolve_reconcile(
        session, publication=publication, worker_id="worker-2", now=after, found=None
    )
    assert decision == outbox.ReconcileDecision.HELD
    assert (publication.status, publication.held_reason) == ("held", "missed_window")


def test_a_telegram_publication_whose_lease_expired_waits_for_a_person(session, now, due):
    owner = create_person(session, "editor")
    channel = create_channel(session, kind="telegram", owner=owner)
    publication = _one_due(session, now, due, channel=channel)
    (claimed,) = _claim(session, due, lease_seconds=60)
    outbox.mark_sending(session, claimed, worker_id=WORKER)  # then the worker died
    assert _claim(session, due + timedelta(seconds=61), worker="worker-2") == []
    assert (publication.status, publication.held_reason) == ("held", "unreconcilable")
    assert "publication_held" in _kinds(session, owner)


def test_telegram_claims_a_dead_worker_never_began_to_send_simply_go_out(session, now, due):
    # A worker claimed three, began to send the first, and was killed: only that one may be
    # out; the two it never began wait again and go out, and nobody is asked about them.
    owner = create_person(session, "editor")
    channel = create_channel(session, kind="telegram", owner=owner)
    publications = [_one_due(session, now, due, channel=channel, title=f"P{i}") for i in range(3)]
    claimed = _claim(session, due, lease_seconds=60)
    assert len(claimed) == 3
    outbox.mark_sending(session, claimed[0], worker_id=WORKER)

    again = _claim(session, due + timedelta(seconds=61), worker="worker-2")

    first, *others = publications
    assert (first.status, first.held_reason) == ("held", "unreconcilable")
    assert sorted(p.id for p in again) == sorted(p.id for p in others)
    assert {p.status for p in others} == {"publishing"}
    assert {p.claimed_by for p in others} == {"worker-2"}
    outcomes = [a.outcome for p in others for a in p.attempt_log]
    assert outcomes.count("never_sent") == 2 and outcomes.count("publishing") == 2
    assert _kinds(session, owner).count("publication_held") == 1


def test_an_adapter_that_cannot_look_makes_reconcile_hold(session, now, due):
    publication = _one_due(session, now, due, channel=create_channel(session, kind="x"))
    _claim(session, due, lease_seconds=60)
    _claim(session, due + timedelta(seconds=61), worker="worker-2")
    decision = outbox.resolve_reconcile(
        session,
        publication=publication,
        worker_id="worker-2",
        now=due + timedelta(seconds=62),
        found=None,
        reconcilable=False,
    )
    assert decision == outbox.ReconcileDecision.HELD
    assert publication.held_reason == "unreconcilable"


def test_the_sandbox_platform_publishes_refuses_duplicates_and_finds_its_posts(
    session, now, due, tmp_path
):
    channel = create_channel(session)
    publication = _one_due(session, now, due, channel=channel)
    (claimed,) = _claim(session, due)
    outgoing = outbox.outgoing_post(claimed, media_root=tmp_path)
    result = channel_services.record_sandbox_post(session, channel=channel, post=outgoing, now=due)
    outbox.record_success(session, publication=claimed, worker_id=WORKER, result=result, now=due)
    assert publication.url == f"/sandbox/{channel.id}#post-{result.platform_id}"
    with pytest.raises(PlatformError) as caught:
        channel_services.record_sandbox_post(session, channel=channel, post=outgoing, now=due)
    assert caught.value.kind == ErrorKind.REJECTED
    assert (
        channel_services.find_sandbox_post(
            session, channel=channel, post=outgoing, since=due - timedelta(minutes=5)
        )
        == result
    )
    assert (
        channel_services.find_sandbox_post(
            session, channel=channel, post=outgoing, since=due + timedelta(minutes=5)
        )
        is None
    )
    assert [row.text for row in channel_services.sandbox_posts(session, channel=channel)] == [
        publication.text
    ]


def test_every_outbox_change_is_audited_as_the_worker(session, now, due):
    publication = _one_due(session, now, due)
    session.info["door"] = "worker"
    _claim(session, due)
    outbox.record_success(
        session,
        publication=publication,
        worker_id=WORKER,
        result=PublishedPost("1", "u"),
        now=due,
    )
    entries = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.target_type == "publication", AuditEntry.target_id == publication.id)
        .order_by(AuditEntry.id)
    ).all()
    assert [(e.action, e.door, e.actor_id) for e in entries] == [
        ("schedule", "system", None),
        ("claim", "worker", None),
        ("publish", "worker", None),
    ]
    assert entries[-1].after["status"] == "published"
    assert session.scalars(select(Publication)).all() == [publication]


def test_when_looking_for_the_post_fails_it_is_looked_for_again_never_sent(session, now, due):
    publication = _one_due(session, now, due, channel=create_channel(session, kind="x"))
    _claim(session, due, lease_seconds=60)
    after = due + timedelta(seconds=61)
    _claim(session, after, worker="worker-2")
    outbox.record_reconcile_failure(
        session,
        publication=publication,
        worker_id="worker-2",
        now=after,
        random=lambda: 0.0,
        error=PlatformError(ErrorKind.TRANSIENT, "timeline timed out"),
        policy=rules.RetryPolicy(base_delay=timedelta(seconds=20)),
    )
    assert (publication.status, publication.claimed_by) == ("reconciling", None)
    assert publication.lease_until == after + timedelta(seconds=10)
    assert _claim(session, after + timedelta(seconds=5), worker="worker-3") == []
    (again,) = _claim(session, after + timedelta(seconds=11), worker="worker-3")
    assert (again.status, again.claimed_by) == ("reconciling", "worker-3")
    outbox.record_reconcile_failure(
        session,
        publication=again,
        worker_id="worker-3",
        now=after + timedelta(seconds=11),
        error=PlatformError(ErrorKind.AUTH, "401 Unauthorized", status=401),
    )
    assert (publication.status, publication.held_reason) == ("held", "channel_broken")
    assert publication.channel.health == "broken"


def test_only_coordinators_decide_about_dead_and_held_publications(session, now, due):
    publication = _one_due(session, now, due)
    _claim(session, due)
    outbox.record_failure(
        session,
        publication=publication,
        worker_id=WORKER,
        now=due,
        error=PlatformError(ErrorKind.REJECTED, "duplicate content", status=403),
    )
    editor = create_person(session, "editor")
    with pytest.raises(NotAllowed):
        scheduling.retry_publication(session, actor=editor, now=due, publication=publication)
    with pytest.raises(Conflict):
        scheduling.release_publication(
            session,
            actor=create_person(session, "coordinator"),
            now=due,
            publication=publication,
        )
    assert (publication.status, publication.next_attempt_at) == ("dead", due)


def test_no_answer_at_all_means_look_for_the_post_before_any_retry(session, now, due):
    """A dropped connection after X accepted the post: the retry must not send it twice."""
    publication = _one_due(session, now, due, channel=create_channel(session, kind="x"))
    _claim(session, due)
    outbox.record_failure(
        session,
        publication=publication,
        worker_id=WORKER,
        now=due,
        random=lambda: 0.0,
        error=PlatformError(ErrorKind.TRANSIENT, "X did not answer: connection aborted"),
        policy=rules.RetryPolicy(base_delay=timedelta(seconds=20)),
    )
    assert (publication.status, publication.claimed_by) == ("reconciling", None)
    assert publication.lease_until == due + timedelta(seconds=10)
    (claimed,) = _claim(session, due + timedelta(seconds=11), worker="worker-2")
    assert claimed.status == "reconciling"
    decision = outbox.resolve_reconcile(
        session,
        publication=claimed,
        worker_id="worker-2",
        now=due + timedelta(seconds=11),
        found=PublishedPost("777", "https://x.example/status/777"),
    )
    assert decision == outbox.ReconcileDecision.PUBLISHED
    assert (publication.status, publication.platform_id) == ("published", "777")


def test_no_answer_from_telegram_waits_for_a_person(session, now, due):
    publication = _one_due(session, now, due, channel=create_channel(session, kind="telegram"))
    _claim(session, due)
    outbox.record_failure(
        session,
        publication=publication,
        worker_id=WORKER,
        now=due,
        error=PlatformError(ErrorKind.TRANSIENT, "Timed out"),
    )
    assert (publication.status, publication.held_reason) == ("held", "unreconcilable")
    assert "publication_held" in _kinds(session, publication.post.author)


def test_an_unreachable_telegram_retries_instead_of_holding(session, now, due):
    # Connection refused: the request never left, so nothing can be out; a person need not look.
    publication = _one_due(session, now, due, channel=create_channel(session, kind="telegram"))
    _claim(session, due)
    outbox.record_failure(
        session,
        publication=publication,
        worker_id=WORKER,
        now=due,
        error=PlatformError(ErrorKind.TRANSIENT, "httpx.ConnectError: refused", unsent=True),
    )
    assert (publication.status, publication.held_reason) == ("failed", None)
    assert publication.next_attempt_at > due
    assert "publication_held" not in _kinds(session, publication.post.author)


def test_a_worker_renews_its_claims_but_never_one_taken_over(session, now, due):
    channel = create_channel(session, kind="x")
    claimed = [_one_due(session, now, due, channel=channel) for _ in range(2)]
    assert _claim(session, due, lease_seconds=60) == claimed

    renewed = outbox.renew_claims(
        session, claimed, worker_id=WORKER, now=due + timedelta(seconds=40), lease_seconds=60
    )
    assert renewed == {p.id for p in claimed}
    assert {p.lease_until for p in claimed} == {due + timedelta(seconds=100)}
    # Not renewed in time: another worker takes the claims over to reconcile them.
    late = due + timedelta(seconds=101)
    assert sorted(_claim(session, late, worker="worker-2"), key=lambda p: p.id) == claimed
    assert (
        outbox.renew_claims(session, claimed, worker_id=WORKER, now=late, lease_seconds=60) == set()
    )
    assert {p.claimed_by for p in claimed} == {"worker-2"}
