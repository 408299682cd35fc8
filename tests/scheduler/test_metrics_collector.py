"""The metrics collector against the fake X (the real tweepy client) and the sandbox, time
driven by ``now``: batches of 100 ids, the read budget, posts X says are gone, outages that
delay a snapshot (which then says how late it was), rate limits, revoked credentials, a worker
that died holding a claim, and Telegram snapshots recording the reactions collected so far."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from functools import partial

import pytest
from sqlalchemy import select

from bots.registry import client_for
from campaigns.db import utcnow
from campaigns.metrics import collection
from campaigns.metrics.models import MetricSnapshot, PublicationMetrics
from campaigns.metrics.planning import plan_snapshots
from campaigns.metrics.sandbox import sandbox_reading
from campaigns.social.models import SandboxPost
from scheduler.metrics import MetricsCollector
from scheduler.transactions import Transactions
from tests.collection_factories import more_published, published
from tests.factories import create_person
from tests.fakes.x import GET_TWEETS, FakeX, rate_limited, server_error
from tests.social_factories import SECRET, create_channel

X_TOKEN = "4000-herald-metrics-token"


@pytest.fixture
def fake_x() -> Iterator[FakeX]:
    with FakeX() as fake:
        fake.add_account(X_TOKEN, username="herald_office", name="Herald Office")
        yield fake


@pytest.fixture
def config(fake_x) -> dict:
    return {
        "SECRET_KEY": SECRET,
        "HERALD_X_API_BASE": fake_x.base_url,
        "HERALD_PLATFORM_TIMEOUT": 2,
    }


@pytest.fixture
def transactions(database_url) -> Iterator[Transactions]:
    transactions = Transactions.for_url(database_url, door="worker")
    yield transactions
    transactions.engine.dispose()


@pytest.fixture
def make_collector(transactions, config) -> Iterator:
    collectors: list[MetricsCollector] = []

    def make(worker_id: str = "m1", **options) -> MetricsCollector:
        collector = MetricsCollector(
            transactions, partial(client_for, config=config), worker_id=worker_id, **options
        )
        collectors.append(collector)
        return collector

    yield make
    for collector in collectors:
        collector.close()


@pytest.fixture
def start():
    return utcnow().replace(microsecond=0)


@pytest.fixture
def x_channel(session):
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


def tweets_on(session, fake_x, channel, count, *, at):
    """``count`` tweets on the fake X, each a published publication of ``channel``."""
    tweets = [fake_x.add_tweet(X_TOKEN, f"Tweet {n}") for n in range(count)]
    first = published(session, channel, at=at, platform_id=tweets[0].id)
    ids = [first.id]
    if count > 1:
        ids += more_published(session, first, [tweet.id for tweet in tweets[1:]])
    session.commit()
    return tweets, ids


def snapshot(session, publication_id, point):
    session.expire_all()
    return session.scalar(
        select(MetricSnapshot).where(
            MetricSnapshot.publication_id == publication_id, MetricSnapshot.point == point
        )
    )


def lookups(fake_x):
    return [request.query["ids"][0].split(",") for request in fake_x.requests_to(GET_TWEETS)]


def test_a_due_point_is_read_100_ids_per_call_and_recorded(
    session, fake_x, x_channel, make_collector, start
):
    tweets, ids = tweets_on(session, fake_x, x_channel, 250, at=start)
    fake_x.set_metrics(
        tweets[0].id,
        impression_count=1200,
        like_count=30,
        retweet_count=4,
        quote_count=1,
        reply_count=5,
        bookmark_count=2,
    )
    collector = make_collector()

    taken = collector.run_once(now=start + timedelta(minutes=15, seconds=20))

    assert taken == 250
    calls = lookups(fake_x)
    assert [len(call) for call in calls] == [100, 100, 50]
    assert sorted(i for call in calls for i in call) == sorted(t.id for t in tweets)
    first = snapshot(session, ids[0], "15m")
    assert first.status == "taken"
    assert (first.reach, first.reactions, first.redistribution, first.conversation) == (
        1200,
        30,
        5,
        5,
    )
    assert first.saves == 2
    assert first.engagements == 30 + 5 + 5 + 2
    assert first.late_seconds == 20
    assert first.raw["public_metrics"]["impression_count"] == 1200
    rollup = session.get(PublicationMetrics, ids[0])
    assert rollup.reach == 1200 and rollup.status == "tracking"
    assert snapshot(session, ids[0], "1h").status == "planned"
    assert collector.run_once(now=start + timedelta(minutes=16)) == 0  # nothing twice


def test_the_read_budget_holds_a_batch_until_the_next_window(
    session, fake_x, x_channel, make_collector, start
):
    tweets_on(session, fake_x, x_channel, 250, at=start)
    collector = make_collector(budgets={"x": (2, 900)})
    due = start + timedelta(minutes=15)

    assert collector.run_once(now=due) == 200
    assert collector.run_once(now=due + timedelta(seconds=1)) == 0  # budget spent
    assert len(lookups(fake_x)) == 2
    session.expire_all()
    waiting = session.scalars(
        select(MetricSnapshot).where(
            MetricSnapshot.point == "15m", MetricSnapshot.status == "planned"
        )
    ).all()
    assert len(waiting) == 50

    assert collector.run_once(now=due + timedelta(minutes=15)) == 50
    assert len(lookups(fake_x)) == 3


def test_posts_x_says_are_gone_are_marked_deleted_and_never_asked_again(
    session, fake_x, x_channel, make_collector, start
):
    tweets, ids = tweets_on(session, fake_x, x_channel, 3, at=start)
    fake_x.delete_tweet(tweets[1].id)
    fake_x.protect_tweet(tweets[2].id)
    collector = make_collector()

    collector.run_once(now=start + timedelta(minutes=15))

    session.expire_all()
    deleted = session.get(PublicationMetrics, ids[1])
    assert deleted.status == "deleted"
    assert "Could not find tweet" in deleted.gone_reason
    protected = session.get(PublicationMetrics, ids[2])
    assert protected.status == "deleted"
    assert "not authorized" in protected.gone_reason
    for publication_id in ids[1:]:
        points = session.scalars(
            select(MetricSnapshot).where(MetricSnapshot.publication_id == publication_id)
        ).all()
        assert {(s.status, s.skipped_reason) for s in points} == {("skipped", "deleted")}
    assert snapshot(session, ids[0], "15m").status == "taken"

    collector.run_once(now=start + timedelta(days=31))
    assert lookups(fake_x)[-1] == [tweets[0].id]  # the gone ones are not asked again
    assert session.get(PublicationMetrics, ids[0]).status == "done"


def test_an_outage_delays_the_point_which_then_says_how_late_it_was(
    session, fake_x, x_channel, make_collector, start
):
    _, ids = tweets_on(session, fake_x, x_channel, 1, at=start)
    fake_x.inject(server_error(503), times=2, route=GET_TWEETS)
    collector = make_collector()
    due = start + timedelta(minutes=15)

    collector.run_once(now=due)
    first = snapshot(session, ids[0], "15m")
    assert (first.status, first.attempts) == ("planned", 1)
    assert first.not_before == due + timedelta(minutes=1)
    assert first.claimed_by is None
    assert "Service Unavailable" in first.last_error or "503" in first.last_error

    assert collector.run_once(now=due + timedelta(seconds=30)) == 0  # backing off
    collector.run_once(now=due + timedelta(minutes=1))
    second = snapshot(session, ids[0], "15m")
    assert (second.status, second.attempts) == ("planned", 2)
    assert second.not_before == due + timedelta(minutes=3)

    collector.run_once(now=due + timedelta(minutes=3))
    taken = snapshot(session, ids[0], "15m")
    assert taken.status == "taken"
    assert taken.taken_at == due + timedelta(minutes=3)
    assert taken.late_seconds == 180


def test_a_rate_limit_waits_for_the_reset_and_spends_the_window(
    session, fake_x, x_channel, make_collector, start
):
    _, ids = tweets_on(session, fake_x, x_channel, 1, at=start)
    fake_x.inject(rate_limited(reset_in=1800), route=GET_TWEETS)
    collector = make_collector()
    due = start + timedelta(minutes=15)

    collector.run_once(now=due)

    waiting = snapshot(session, ids[0], "15m")
    assert waiting.status == "planned" and waiting.attempts == 0
    assert abs((waiting.not_before - (utcnow() + timedelta(seconds=1800))).total_seconds()) < 5
    used = collection.read_budget_used(
        session, channel_id=x_channel.id, window_seconds=900, now=due
    )
    assert used == collection.READ_BUDGETS["x"][0]


def test_revoked_credentials_wait_long_instead_of_asking_again_and_again(
    session, fake_x, x_channel, make_collector, start
):
    _, ids = tweets_on(session, fake_x, x_channel, 1, at=start)
    fake_x.revoke(X_TOKEN)
    collector = make_collector()
    due = start + timedelta(minutes=15)

    collector.run_once(now=due)
    for minutes in range(1, 10):
        collector.run_once(now=due + timedelta(minutes=minutes))

    waiting = snapshot(session, ids[0], "15m")
    assert waiting.status == "planned"
    assert waiting.not_before == due + collection.AUTH_BACKOFF
    assert len(lookups(fake_x)) == 1


def test_a_claim_whose_worker_died_is_taken_over_once_its_lease_ran_out(
    session, fake_x, x_channel, make_collector, start
):
    _, ids = tweets_on(session, fake_x, x_channel, 5, at=start)
    due = start + timedelta(minutes=15)
    plan_snapshots(session, now=due)
    dead = collection.claim_due_snapshots(session, worker_id="dead", now=due, lease_seconds=120)
    session.commit()
    assert sum(len(batch.snapshots) for batch in dead) == 5
    collector = make_collector("m2", lease_seconds=120)

    assert collector.run_once(now=due + timedelta(seconds=60)) == 0
    assert collector.run_once(now=due + timedelta(seconds=121)) == 5
    taken = snapshot(session, ids[0], "15m")
    assert taken.status == "taken" and taken.late_seconds == 121


def test_sandbox_channels_are_read_from_their_own_deterministic_figures(
    session, make_collector, start
):
    channel = create_channel(session, kind="sandbox")
    post = SandboxPost(
        channel_id=channel.id, text="hi", media=[], fingerprint="f", published_at=start
    )
    session.add(post)
    session.flush()
    publication = published(session, channel, at=start, platform_id=str(post.id))
    session.commit()
    collector = make_collector()

    collector.run_once(now=start + timedelta(hours=1))
    collector.run_once(now=start + timedelta(hours=6))

    hour = snapshot(session, publication.id, "1h")
    six = snapshot(session, publication.id, "6h")
    expected = sandbox_reading(str(post.id), published_at=start, at=start + timedelta(hours=1))
    assert hour.reach == expected.reach and hour.reactions == expected.reactions
    assert hour.raw["sandbox"] is True
    assert six.reach > hour.reach
    assert session.get(PublicationMetrics, publication.id).sandbox is True


def test_telegram_snapshots_record_the_reactions_collected_so_far(session, make_collector, start):
    channel = create_channel(session, kind="telegram", handle="@herald_news")
    publication = published(session, channel, at=start, platform_id="17")
    session.commit()
    collector = make_collector()

    collector.run_once(now=start + timedelta(minutes=15))
    assert snapshot(session, publication.id, "15m").reactions is None  # none reported yet

    collection.record_reaction_counts(
        session,
        chat_id=-1001234,
        chat_username="Herald_News",
        message_id=17,
        reactions={"👍": 4, "❤": 2},
        now=start + timedelta(minutes=20),
    )
    session.commit()
    collector.run_once(now=start + timedelta(hours=1))

    hour = snapshot(session, publication.id, "1h")
    assert hour.status == "taken"
    assert hour.reactions == 6
    assert hour.reach is None and hour.redistribution is None  # the Bot API gives neither
    assert hour.raw["reactions"] == {"👍": 4, "❤": 2}


def test_the_collector_thread_plans_and_takes_what_is_due_until_stopped(
    session, fake_x, x_channel, transactions, config
):
    import threading

    from scheduler.metrics import start_metrics_collector

    published_at = utcnow() - timedelta(minutes=16)
    _, ids = tweets_on(session, fake_x, x_channel, 3, at=published_at)
    stop = threading.Event()
    thread = start_metrics_collector(
        transactions, partial(client_for, config=config), stop=stop, worker_id="loop"
    )
    try:
        taken = threading.Event()
        for _ in range(200):
            points = [snapshot(session, i, "15m") for i in ids]
            if all(point is not None and point.status == "taken" for point in points):
                taken.set()
                break
            session.rollback()
            taken.wait(0.05)
        assert taken.is_set(), "the collector did not take the due snapshots"
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive()
    assert snapshot(session, ids[0], "1h").status == "planned"


def test_a_post_left_out_of_the_answer_is_asked_again_later_and_later(
    session, fake_x, x_channel, make_collector, start
):
    # Neither data nor an error: not a deletion, and not worth a read every minute for ever.
    tweets, ids = tweets_on(session, fake_x, x_channel, 1, at=start)
    fake_x.leave_out(tweets[0].id)
    collector = make_collector()
    due = start + timedelta(minutes=15)
    waits = []
    at = due
    for _ in range(4):
        collector.run_once(now=at)
        point = snapshot(session, ids[0], "15m")
        assert point.status == "planned"
        waits.append(point.not_before - at)
        at = point.not_before
    assert waits == [timedelta(minutes=minutes) for minutes in (1, 2, 4, 8)]
    assert len(fake_x.requests_to(GET_TWEETS)) == 4
