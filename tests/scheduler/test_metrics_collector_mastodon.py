"""The metrics collector reading a Mastodon channel's statuses through the real client and the
fake instance: favourites, boosts and replies recorded as the snapshot's groups, a deleted status
marked so, and the read budget spent per call."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import partial

import pytest
from sqlalchemy import select

from bots.registry import client_for
from campaigns.db import utcnow
from campaigns.metrics import collection
from campaigns.metrics.models import MetricSnapshot, PublicationMetrics
from campaigns.social.models import ChannelKind
from scheduler.metrics import MetricsCollector
from scheduler.transactions import Transactions
from tests.collection_factories import more_published, published
from tests.factories import create_person
from tests.fakes.mastodon import GET_STATUS, FakeMastodon
from tests.social_factories import SECRET, create_channel

TOKEN = "herald-metrics-mastodon-token"


@pytest.fixture
def fake_mastodon() -> Iterator[FakeMastodon]:
    with FakeMastodon() as fake:
        fake.add_account(TOKEN, username="herald_office")
        yield fake


@pytest.fixture
def transactions(database_url) -> Iterator[Transactions]:
    transactions = Transactions.for_url(database_url, door="worker")
    yield transactions
    transactions.engine.dispose()


@pytest.fixture
def collector(transactions) -> Iterator[MetricsCollector]:
    config = {"SECRET_KEY": SECRET, "HERALD_PLATFORM_TIMEOUT": 2}
    collector = MetricsCollector(transactions, partial(client_for, config=config), worker_id="m1")
    yield collector
    collector.close()


def snapshot(session, publication_id, point):
    session.expire_all()
    return session.scalar(
        select(MetricSnapshot).where(
            MetricSnapshot.publication_id == publication_id, MetricSnapshot.point == point
        )
    )


def test_a_due_point_records_favourites_boosts_and_replies(session, fake_mastodon, collector):
    start = utcnow().replace(microsecond=0)
    channel = create_channel(
        session,
        kind="mastodon",
        owner=create_person(session, "coordinator"),
        credentials={"instance_url": fake_mastodon.base_url, "mastodon_token": TOKEN},
    )
    live = fake_mastodon.add_status(TOKEN, "Live", created_at=datetime.now(UTC))
    gone = fake_mastodon.add_status(TOKEN, "Gone", created_at=datetime.now(UTC))
    fake_mastodon.set_metrics(live.id, favourites_count=9, reblogs_count=4, replies_count=2)
    fake_mastodon.delete_status(gone.id)
    first = published(session, channel, at=start, platform_id=live.id)
    (second,) = more_published(session, first, [gone.id])
    session.commit()

    taken = collector.run_once(now=start + timedelta(minutes=15, seconds=5))

    assert taken == 2
    reading = snapshot(session, first.id, "15m")
    assert reading.status == "taken"
    assert (reading.reach, reading.reactions, reading.redistribution, reading.conversation) == (
        None,
        9,
        4,
        2,
    )
    assert reading.engagements == 15
    assert reading.raw == {"favourites_count": 9, "reblogs_count": 4, "replies_count": 2}
    point = snapshot(session, second, "15m")
    assert (point.status, point.skipped_reason) == ("skipped", "deleted")
    rollup = session.get(PublicationMetrics, second)
    assert rollup.status == "deleted"
    assert rollup.gone_reason == "The status is not on the instance any more."
    assert len(fake_mastodon.requests_to(GET_STATUS)) == 2
    calls, window = collection.READ_BUDGETS[ChannelKind.MASTODON]
    used = collection.read_budget_used(
        session, channel_id=channel.id, window_seconds=window, now=start + timedelta(minutes=15)
    )
    assert used == calls == 1
