"""The outbox worker against the fake X and Telegram servers and the sandbox, time driven by
``now``: each platform answer and what the worker makes of it, a worker dying mid-publish, a
restart just before the hour, and the loop itself waking on time."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import timedelta
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import select

from bots.registry import client_for
from campaigns.db import utcnow
from campaigns.health.models import Heartbeat
from campaigns.health.services import beat
from campaigns.social import outbox, queries, rules
from campaigns.social.checks import latest_connection_check, request_connection_check
from campaigns.social.models import Notification, Publication, SandboxPost
from scheduler.transactions import Transactions
from scheduler.worker import IDLE_SECONDS, Worker
from tests import processes
from tests.conftest import TEST_SECRET, empty_all_tables
from tests.factories import create_person
from tests.fakes import telegram as telegram_faults
from tests.fakes.telegram import FakeTelegram
from tests.fakes.x import (
    POST_TWEET,
    FakeX,
    accept_then_drop,
    duplicate_content,
    rate_limited,
    server_error,
)
from tests.social_factories import SECRET, create_channel, scheduled_post

X_TOKEN = "3000-herald-worker-token"
TELEGRAM_TOKEN = "654321:herald-worker-bot"
TELEGRAM_CHAT = "@herald_worker_channel"
POLICY = rules.RetryPolicy(base_delay=timedelta(seconds=2), max_attempts=5)


@pytest.fixture
def fake_x() -> Iterator[FakeX]:
    with FakeX() as fake:
        fake.add_account(X_TOKEN, username="herald_office", name="Herald Office")
        yield fake


@pytest.fixture
def fake_telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram() as fake:
        fake.add_chat(TELEGRAM_CHAT, title="Herald Channel")
        yield fake


@pytest.fixture
def config(fake_x, fake_telegram) -> dict:
    return {
        "SECRET_KEY": SECRET,
        "HERALD_X_API_BASE": fake_x.base_url,
        "HERALD_TELEGRAM_API_BASE": fake_telegram.base_url,
        "HERALD_PLATFORM_TIMEOUT": 2,
    }


@pytest.fixture
def transactions(database_url) -> Iterator[Transactions]:
    transactions = Transactions.for_url(database_url, door="worker")
    yield transactions
    transactions.engine.dispose()


@pytest.fixture
def make_worker(transactions, config, tmp_path) -> Iterator:
    workers: list[Worker] = []

    def make(worker_id: str = "w1", **options) -> Worker:
        worker = Worker(
            transactions,
            partial(client_for, config=config),
            worker_id=worker_id,
            media_root=tmp_path,
            policy=POLICY,
            **options,
        )
        workers.append(worker)
        return worker

    yield make
    for worker in workers:
        worker.close()


@pytest.fixture
def x_channel(session, fake_x):
    return create_channel(
        session,
        kind="x",
        handle="@herald_office",
        owner=create_person(session, "coordinator"),
        credentials={
            "consumer_key": "ck",
            "consumer_secret": "cs",
            "access_token": X_TOKEN,
            "access_token_secret": "ats",
        },
    )


@pytest.fixture
def telegram_channel(session, fake_telegram):
    return create_channel(
        session,
        kind="telegram",
        handle=TELEGRAM_CHAT,
        credentials={"bot_token": TELEGRAM_TOKEN},
    )


@pytest.fixture
def start():
    # The fakes stamp posts with the real clock and reconcile searches from the first send,
    # so the tests' "now" stays near the real one.
    return utcnow().replace(microsecond=0)


def due_publications(session, channels, at, now, **fields) -> list[Publication]:
    post = scheduled_post(session, channels, at=at, now=now, **fields)
    session.commit()
    return list(post.publications)


def reread(session, *objects):
    for obj in objects:
        session.refresh(obj)


def test_one_pass_publishes_on_x_telegram_and_the_sandbox_and_beats(
    session, make_worker, x_channel, telegram_channel, fake_x, fake_telegram, start
):
    sandbox = create_channel(session, "sandbox")
    due = start + timedelta(seconds=30)
    publications = due_publications(session, [x_channel, telegram_channel, sandbox], due, start)
    worker = make_worker()

    assert worker.run_once(due - timedelta(seconds=1)) == 0
    assert worker.run_once(due) == 3

    reread(session, *publications)
    by_channel = {publication.channel_id: publication for publication in publications}
    assert {p.status for p in publications} == {"published"}
    (tweet,) = fake_x.tweets(username="herald_office")
    assert by_channel[x_channel.id].platform_id == tweet.id
    assert by_channel[x_channel.id].url == f"https://x.com/herald_office/status/{tweet.id}"
    (message,) = fake_telegram.messages(TELEGRAM_CHAT)
    assert by_channel[telegram_channel.id].platform_id == str(message.message_id)
    sandbox_post = session.scalars(select(SandboxPost)).one()
    assert by_channel[sandbox.id].platform_id == str(sandbox_post.id)
    # X answers without a time (the worker's "now" is kept); the others say when it went out.
    assert by_channel[x_channel.id].published_at == due
    heartbeat = session.scalars(select(Heartbeat)).one()
    # A worker beats every few seconds, not on every pass.
    assert (heartbeat.kind, heartbeat.name) == ("worker", "w1")
    assert heartbeat.seen_at == due - timedelta(seconds=1)


def test_two_503_answers_then_published_with_three_attempts_recorded(
    session, make_worker, x_channel, fake_x, start
):
    due = start + timedelta(seconds=30)
    (publication,) = due_publications(session, [x_channel], due, start)
    fake_x.inject(server_error(503), times=2)
    worker = make_worker()

    clock = due
    for _ in range(3):
        worker.run_once(clock)
        clock += timedelta(seconds=10)  # past the backoff (2 s, then 4 s, with jitter)

    reread(session, publication)
    assert publication.status == "published"
    assert [(a.outcome, a.http_status) for a in publication.attempt_log] == [
        ("failed", 503),
        ("failed", 503),
        ("published", None),
    ]
    assert len(fake_x.tweets(username="herald_office")) == 1


def test_a_429_waits_exactly_until_the_reset(session, make_worker, x_channel, fake_x, start):
    due = start + timedelta(seconds=30)
    (publication,) = due_publications(session, [x_channel], due, start)
    fake_x.inject(rate_limited(reset_in=90))
    worker = make_worker()

    worker.run_once(due)
    reread(session, publication, x_channel)
    reset = publication.next_attempt_at
    assert publication.status == "failed" and publication.last_error_kind == "rate_limited"
    assert start + timedelta(seconds=89) <= reset <= start + timedelta(seconds=92)
    assert x_channel.rate_limited_until == reset

    assert worker.run_once(reset - timedelta(seconds=1)) == 0
    assert worker.run_once(reset) == 1
    reread(session, publication)
    assert publication.status == "published"
    assert len(fake_x.tweets(username="herald_office")) == 1


def test_a_429_stops_the_channels_batch_and_uses_none_of_its_budget(
    session, make_worker, x_channel, fake_x, start
):
    # Twenty posts of one account due at once and the platform says "too many": one call, not
    # twenty; the rest wait, unsent and unattempted, for the platform's reset.
    due = start + timedelta(seconds=30)
    publications = [
        p
        for index in range(20)
        for p in due_publications(session, [x_channel], due, start, title=f"Post {index}")
    ]
    fake_x.inject(rate_limited(reset_in=90))
    worker = make_worker()

    worker.run_once(due)

    assert len(fake_x.requests_to(POST_TWEET)) == 1
    reread(session, x_channel, *publications)
    first, *rest = publications
    assert (first.status, first.last_error_kind) == ("failed", "rate_limited")
    assert {(p.status, p.attempts) for p in rest} == {("scheduled", 0)}
    assert all(not p.attempt_log for p in rest)
    assert outbox.budget_used(session, channel=x_channel, now=due) == 0
    assert x_channel.rate_limited_until == first.next_attempt_at
    # Nobody claims for the channel before the reset; at the reset, the queue goes out.
    assert worker.run_once(first.next_attempt_at - timedelta(seconds=1)) == 0
    worker.run_once(first.next_attempt_at)
    reread(session, *publications)
    assert {p.status for p in publications} == {"published"}


def test_a_revoked_token_costs_one_call_and_one_alert_for_a_whole_batch(
    session, make_worker, x_channel, fake_x, start
):
    due = start + timedelta(seconds=30)
    publications = [
        p
        for index in range(20)
        for p in due_publications(session, [x_channel], due, start, title=f"Post {index}")
    ]
    fake_x.revoke(X_TOKEN)

    make_worker().run_once(due)

    assert len(fake_x.requests_to(POST_TWEET)) == 1
    reread(session, x_channel, *publications)
    assert x_channel.health == "broken"
    assert {(p.status, p.held_reason) for p in publications} == {("held", "channel_broken")}
    alerts = session.scalars(
        select(Notification).where(Notification.kind.in_(["channel_broken", "publication_held"]))
    ).all()
    assert [alert.kind for alert in alerts] == ["channel_broken"]


def test_a_revoked_token_breaks_the_channel_holds_its_queue_and_tells_the_owner(
    session, make_worker, x_channel, fake_x, start
):
    due = start + timedelta(seconds=30)
    (first,) = due_publications(session, [x_channel], due, start)
    (later,) = due_publications(session, [x_channel], due + timedelta(minutes=5), start)
    fake_x.revoke(X_TOKEN)
    worker = make_worker()

    worker.run_once(due)
    worker.run_once(due + timedelta(minutes=5))

    reread(session, first, later, x_channel)
    assert x_channel.health == "broken" and x_channel.last_error
    assert [(p.status, p.held_reason) for p in (first, later)] == [("held", "channel_broken")] * 2
    assert fake_x.tweets() == []
    assert session.scalars(select(Notification).where(Notification.kind == "channel_broken")).all()


def test_duplicate_content_is_dead_with_the_platforms_message(
    session, make_worker, x_channel, fake_x, start
):
    due = start + timedelta(seconds=30)
    (publication,) = due_publications(session, [x_channel], due, start)
    fake_x.inject(duplicate_content())

    make_worker().run_once(due)

    reread(session, publication)
    assert publication.status == "dead"
    assert "duplicate content" in publication.last_error
    assert publication.attempt_log[-1].http_status == 403


def test_a_post_accepted_then_dropped_is_published_once(
    session, make_worker, x_channel, fake_x, start
):
    due = start + timedelta(seconds=30)
    (publication,) = due_publications(session, [x_channel], due, start)
    fake_x.inject(accept_then_drop())
    worker = make_worker()

    for seconds in (0, 5, 130):
        worker.run_once(due + timedelta(seconds=seconds))

    reread(session, publication)
    (tweet,) = fake_x.tweets(username="herald_office")
    assert (publication.status, publication.platform_id) == ("published", tweet.id)


def _claim_and_die(session, publication, now, *, publish_with=None, began_sending=False):
    """A worker claims, maybe gets the post out, and is killed before recording anything."""
    (claimed,) = outbox.claim_due_publications(session, worker_id="killed", now=now)
    if began_sending:
        outbox.mark_sending(session, claimed, worker_id="killed")
    session.commit()
    if publish_with is not None:
        client = client_for(claimed.channel, config=publish_with)
        try:
            client.publish(outbox.outgoing_post(claimed, media_root="/nonexistent"))
        finally:
            client.close()


@pytest.mark.parametrize("died_after_publishing", [True, False], ids=["after", "before"])
def test_the_lease_of_a_killed_worker_is_reconciled_and_sent_once(
    session, make_worker, x_channel, fake_x, config, start, died_after_publishing
):
    due = start + timedelta(seconds=30)
    (publication,) = due_publications(session, [x_channel], due, start)
    _claim_and_die(
        session, publication, due, publish_with=config if died_after_publishing else None
    )
    worker = make_worker("w2", lease_seconds=60)

    assert worker.run_once(due + timedelta(seconds=119)) == 0  # the lease still runs
    assert worker.run_once(due + timedelta(seconds=121)) == 1

    reread(session, publication)
    (tweet,) = fake_x.tweets(username="herald_office")
    assert (publication.status, publication.platform_id) == ("published", tweet.id)
    outcomes = [attempt.outcome for attempt in publication.attempt_log]
    if died_after_publishing:
        assert outcomes == ["publishing", "reconciled_found"]
    else:
        assert outcomes == ["publishing", "reconciled_missing", "published"]


def test_a_worker_killed_while_sending_to_telegram_leaves_the_post_to_a_person(
    session, make_worker, telegram_channel, fake_telegram, start
):
    due = start + timedelta(seconds=30)
    (publication,) = due_publications(session, [telegram_channel], due, start)
    _claim_and_die(session, publication, due, began_sending=True)

    make_worker().run_once(due + timedelta(seconds=121))

    reread(session, publication)
    assert (publication.status, publication.held_reason) == ("held", "unreconcilable")
    assert fake_telegram.all_messages() == []


def test_a_telegram_claim_a_killed_worker_never_began_goes_out_once(
    session, make_worker, telegram_channel, fake_telegram, start
):
    due = start + timedelta(seconds=30)
    (publication,) = due_publications(session, [telegram_channel], due, start)
    _claim_and_die(session, publication, due)

    worker = make_worker()
    worker.run_once(due + timedelta(seconds=121))  # gives the claim back
    worker.run_once(due + timedelta(seconds=122))  # and sends it

    reread(session, publication)
    assert publication.status == "published"
    assert len(fake_telegram.all_messages()) == 1


def test_a_publication_past_its_window_is_held_not_sent(
    session, make_worker, x_channel, fake_x, start
):
    due = start + timedelta(seconds=30)
    (publication,) = due_publications(session, [x_channel], due, start)

    assert make_worker().run_once(due + timedelta(minutes=31)) == 0

    reread(session, publication)
    assert (publication.status, publication.held_reason) == ("held", "missed_window")
    assert fake_x.tweets() == []


def test_a_restart_at_0859_still_publishes_at_0900(session, make_worker, x_channel, fake_x, start):
    nine = start + timedelta(minutes=1)
    publications = due_publications(session, [x_channel], nine, start)
    publications += due_publications(session, [x_channel], nine, start)
    before_restart = make_worker("before-restart")
    assert before_restart.run_once(nine - timedelta(minutes=1)) == 0
    before_restart.close()  # the server goes down at 08:59 and comes back

    after_restart = make_worker("after-restart")
    assert after_restart.run_once(nine - timedelta(seconds=30)) == 0
    # It sleeps until 09:00 (never more than a second at a time), then publishes both.
    assert after_restart.seconds_to_wait(nine - timedelta(seconds=30)) == IDLE_SECONDS
    assert after_restart.seconds_to_wait(nine - timedelta(milliseconds=250)) == 0.25
    # Had it fallen due while a pass was running, the next pass starts at once.
    assert after_restart.seconds_to_wait(nine + timedelta(milliseconds=10)) == 0
    assert after_restart.run_once(nine) == 2

    reread(session, *publications)
    assert [(p.status, p.published_at) for p in publications] == [("published", nine)] * 2
    assert len(fake_x.tweets(username="herald_office")) == 2


def test_test_connection_is_answered_by_the_worker(session, make_worker, x_channel, fake_x, now):
    check = request_connection_check(session, actor=None, now=utcnow(), channel=x_channel)
    session.commit()
    worker = make_worker()

    worker.run_once(utcnow())

    reread(session, check, x_channel)
    assert (check.outcome, check.detail) == ("ok", "@herald_office")
    assert x_channel.health == "ok" and x_channel.account_name == "@herald_office"

    fake_x.revoke(X_TOKEN)
    again = request_connection_check(session, actor=None, now=utcnow(), channel=x_channel)
    session.commit()
    worker.run_once(utcnow() + timedelta(seconds=2))
    reread(session, again, x_channel)
    assert latest_connection_check(session, channel=x_channel) == again
    assert again.outcome == "failed" and x_channel.health == "broken"


def test_a_check_that_breaks_unexpectedly_fails_alone_and_publishing_goes_on(
    session, transactions, config, x_channel, fake_x, tmp_path, now
):
    # An adapter raising something nobody foresaw must not leave the check pending (every pass
    # would trip over it again) nor stop the pass that publishes.
    def factory(channel):
        client = client_for(channel, config=config)
        client.check_connection = lambda: 1 / 0
        return client

    check = request_connection_check(session, actor=None, now=utcnow(), channel=x_channel)
    due = utcnow().replace(microsecond=0)
    (publication,) = due_publications(session, [x_channel], due, utcnow() - timedelta(minutes=1))
    session.commit()
    worker = Worker(transactions, factory, worker_id="w1", media_root=tmp_path, policy=POLICY)
    try:
        worker.run_once(due + timedelta(seconds=1))
    finally:
        worker.close()

    reread(session, check, publication)
    assert check.outcome == "failed" and "ZeroDivisionError" in check.detail
    assert publication.status == "published"


def test_the_loop_wakes_on_time_and_stops_when_asked(session, make_worker, x_channel, fake_x):
    due = utcnow().replace(microsecond=0) + timedelta(seconds=2)
    (publication,) = due_publications(session, [x_channel], due, utcnow())
    worker = make_worker()
    stop = threading.Event()
    thread = threading.Thread(target=worker.run_forever, args=(stop,))
    thread.start()
    try:
        deadline = due + timedelta(seconds=5)
        while utcnow() < deadline:
            session.expire_all()
            if session.get(Publication, publication.id).status == "published":
                break
            stop.wait(0.05)
    finally:
        stop.set()
        thread.join(timeout=5)
    assert not thread.is_alive()
    reread(session, publication)
    assert publication.status == "published"
    # Claimed as soon as it fell due (a missed wake-up would cost the one-second idle sleep);
    # published well under a second later on a quiet machine (bench/dispatch.py measures it),
    # with room here for a loaded test machine.
    assert timedelta(0) <= publication.attempt_log[0].started_at - due < timedelta(seconds=0.5)
    assert publication.published_at - due < timedelta(seconds=1.5)


def test_herald_worker_stops_on_sigterm(app, database_url, fake_x, tmp_path):
    # The worker finishes the job in hand before it stops: start from an empty database, so
    # that no work another test left (an import job, a due post) becomes this pass's job.
    with app.app_context():
        empty_all_tables()
    environment = {
        **os.environ,
        "HERALD_DATABASE_URL": database_url,
        "HERALD_SECRET_KEY": TEST_SECRET,
        "HERALD_X_API_BASE": fake_x.base_url,
    }
    process = processes.start(
        [str(Path(sys.executable).with_name("herald")), "worker", "--concurrency", "2"],
        env=environment,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    # Everything the worker writes is read as it comes: a pipe nobody reads fills up, and a
    # worker blocked writing a log line could not stop.
    reader = threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True)
    try:
        for line in process.stdout:
            lines.append(line)
            if "publishing" in line:
                break
        reader.start()
        process.send_signal(signal.SIGTERM)
        # It stops after the pass in hand; on a loaded CI machine a pass that meets SQLite's
        # busy timeout (5 s) can take a while, so the bound is generous: a hang still fails.
        try:
            code = process.wait(timeout=45)
        except subprocess.TimeoutExpired:
            code = None
        assert code == 0, "".join(lines)
    finally:
        processes.stop(process)
        if reader.ident is not None:
            reader.join(timeout=10)
        process.stdout.close()
    output = "".join(lines)
    stopped = [line for line in output.splitlines() if line.endswith(" stopped")]
    # Both publishing threads stopped (the import worker, if any, says so on its own line).
    assert sum(" scheduler.worker " in line for line in stopped) == 2, output


def test_a_client_left_idle_starts_again_with_fresh_connections(
    session, transactions, config, x_channel, fake_x, start, tmp_path
):
    # The platform closes idle keep-alive connections; a post sent just as it does gets no
    # answer and would wait for a reconcile, so an idle client is made anew.
    made = []

    def factory(channel):
        made.append(client_for(channel, config=config))
        return made[-1]

    worker = Worker(transactions, factory, worker_id="w1", media_root=tmp_path)
    due = start + timedelta(seconds=30)
    for seconds in (0, 10, 45):
        due_publications(session, [x_channel], due + timedelta(seconds=seconds), start)
    try:
        for seconds in (0, 10, 45):
            assert worker.run_once(due + timedelta(seconds=seconds)) == 1
    finally:
        worker.close()
    assert len(made) == 2  # kept across 10 s, made anew after 35 s idle
    assert len(fake_x.tweets(username="herald_office")) == 3


def test_a_batch_is_recorded_together_and_a_crash_before_recording_sends_nothing_twice(
    session, make_worker, x_channel, fake_x, start, monkeypatch
):
    due = start + timedelta(seconds=30)
    publications = [
        publication
        for _ in range(3)
        for publication in due_publications(session, [x_channel], due, start)
    ]
    batches = []

    def database_gone(session, sent, **options):
        batches.append(len(sent))
        raise RuntimeError("the database went away")

    monkeypatch.setattr(outbox, "record_successes", database_gone)
    with pytest.raises(RuntimeError):
        make_worker("w1", lease_seconds=60).run_once(due)
    assert batches == [3]  # one recording for the whole batch
    assert len(fake_x.tweets(username="herald_office")) == 3
    monkeypatch.undo()

    # Whoever takes the expired claims finds the posts on X and records them; none is resent.
    assert make_worker("w2", lease_seconds=60).run_once(due + timedelta(seconds=121)) == 3
    reread(session, *publications)
    tweets = {tweet.id for tweet in fake_x.tweets(username="herald_office")}
    assert len(tweets) == 3
    assert {publication.platform_id for publication in publications} == tweets
    for publication in publications:
        assert [a.outcome for a in publication.attempt_log] == ["publishing", "reconciled_found"]


def test_telegram_successes_are_recorded_at_once_not_with_the_batch(
    session, make_worker, x_channel, telegram_channel, start, monkeypatch
):
    due = start + timedelta(seconds=30)
    due_publications(session, [telegram_channel, x_channel], due, start)
    recorded = []
    record = outbox.record_successes

    def watch(session, sent, **options):
        recorded.append(sorted(item.publication.channel.kind for item in sent))
        return record(session, sent, **options)

    monkeypatch.setattr(outbox, "record_successes", watch)
    assert make_worker().run_once(due) == 2
    # Telegram cannot be asked afterwards whether a post went out: its success is recorded
    # before anything else is sent; X's waits for the end of the batch.
    assert recorded == [["telegram"], ["x"]]


def test_a_burst_beyond_the_platforms_limit_waits_for_its_reset_without_a_429(
    session, make_worker, x_channel, fake_x, start
):
    # X allows this account 3 posts per window; Herald's own budget would allow 50. X's answers
    # say how many are left: after the third, the channel waits for X's reset instead of
    # calling again to be told 429, and the rest of the burst goes out after the reset.
    fake_x.set_rate_limit(POST_TWEET, 3, 900)
    due = start + timedelta(seconds=30)
    publications = [
        publication
        for _ in range(5)
        for publication in due_publications(session, [x_channel], due, start)
    ]
    worker = make_worker()
    assert worker.run_once(due) == 5

    assert len(fake_x.requests_to(POST_TWEET)) == 3  # none answered 429
    reread(session, x_channel, *publications)
    assert [p.status for p in publications] == ["published"] * 3 + ["scheduled"] * 2
    assert [p.attempts for p in publications[3:]] == [0, 0]  # given back, never tried
    reset = x_channel.rate_limited_until
    assert reset is not None and reset > due + timedelta(minutes=10)
    # The channel page says when the queue drains: at X's reset, not now.
    (panel,) = [p for p in queries.channel_panels(session, now=due) if p.channel == x_channel]
    assert panel.due_now == 2 and panel.drains_at == reset
    assert outbox.budget_used(session, channel=x_channel, now=due) == 3

    assert worker.run_once(reset - timedelta(seconds=1)) == 0
    fake_x.clock = lambda: reset.timestamp() + 1  # X's window has reset
    assert worker.run_once(reset + timedelta(seconds=1)) == 2
    reread(session, *publications)
    assert {p.status for p in publications} == {"published"}
    assert len(fake_x.tweets(username="herald_office")) == 5
    assert len(fake_x.requests_to(POST_TWEET)) == 5


def test_the_allowance_x_shows_bounds_the_channels_budget(
    session, make_worker, x_channel, fake_x, start
):
    # Herald's budget allows 50 per 15 minutes; X says, with each answer, that only 10 more are
    # allowed until its reset, which comes after Herald's window ends: the window keeps no more
    # room than X's.
    fake_x.set_rate_limit(POST_TWEET, 12, 3600)
    due = start + timedelta(seconds=30)
    due_publications(session, [x_channel], due, start)
    due_publications(session, [x_channel], due, start)
    make_worker().run_once(due)
    assert outbox.budget_used(session, channel=x_channel, now=due) == 50 - 10


def test_a_lane_longer_than_half_a_lease_renews_its_claims_and_sends_them_all(
    session, make_worker, x_channel, fake_x, start
):
    # Six posts of one channel go out one after the other, 0.4 s each: longer than half of a
    # 2-second lease. The batch renews its claims instead of leaving them to be reconciled.
    fake_x.latency = 0.4
    due = utcnow()
    publications = [
        publication
        for _ in range(6)
        for publication in due_publications(session, [x_channel], due, start)
    ]
    assert make_worker(lease_seconds=2).run_once() == 6
    reread(session, *publications)
    assert {p.status for p in publications} == {"published"}
    assert all([a.outcome for a in p.attempt_log] == ["published"] for p in publications)
    tweets = fake_x.tweets(username="herald_office")
    assert [t.posted_text for t in tweets] == [p.text for p in publications]  # in due order


def test_a_worker_takes_its_share_of_a_burst_as_the_workers_are_now(session, make_worker, start):
    # A worker that last counted its peers alone (their first beats came after its own) must
    # not take every channel's first post when a burst falls due: that split each channel over
    # several batches, each waiting for the one before.
    worker = make_worker("w1")
    assert worker.run_once(start) == 0
    for name in ("w2", "w3", "w4"):
        beat(session, kind="worker", name=name, now=start + timedelta(seconds=1))
    channels = [create_channel(session) for _ in range(8)]
    due = start + timedelta(seconds=2)
    for _ in range(2):
        due_publications(session, channels, due, start)
    assert worker.run_once(due) == 4  # 2 of the 8 channels, both posts of each
    mine = session.scalars(
        select(Publication.channel_id).where(Publication.status == "published")
    ).all()
    assert len(set(mine)) == 2


def test_telegram_flood_control_stops_the_channels_batch_until_retry_after(
    session, make_worker, telegram_channel, fake_telegram, start
):
    # Telegram's 429 says how long to wait (retry_after): the channel waits exactly that long,
    # the rest of its batch goes back unsent, and the refused call uses none of its budget.
    due = start + timedelta(seconds=2)
    publications = [
        p
        for index in range(4)
        for p in due_publications(session, [telegram_channel], due, start, title=f"Post {index}")
    ]
    fake_telegram.inject(telegram_faults.flood(retry_after=7))
    worker = make_worker()

    asked = utcnow()  # the adapter counts retry_after from the moment of the answer
    worker.run_once(due)
    answered = utcnow()

    assert len(fake_telegram.requests) - len(fake_telegram.requests_to("getMe")) == 1
    reread(session, telegram_channel, *publications)
    first, *rest = publications
    assert (first.status, first.last_error_kind) == ("failed", "rate_limited")
    assert {(p.status, p.attempts) for p in rest} == {("scheduled", 0)}
    assert telegram_channel.rate_limited_until == first.next_attempt_at
    assert asked + timedelta(seconds=7) <= first.next_attempt_at <= answered + timedelta(seconds=7)
    assert outbox.budget_used(session, channel=telegram_channel, now=due) == 0
    assert worker.run_once(first.next_attempt_at - timedelta(seconds=1)) == 0
    assert worker.run_once(first.next_attempt_at) == 4
    reread(session, *publications)
    assert {p.status for p in publications} == {"published"}
