"""The scheduler's heartbeat and daily tidy-up jobs."""

from datetime import timedelta

from sqlalchemy import select

from campaigns.health.models import Heartbeat
from campaigns.health.queries import health_report
from campaigns.social.models import ChannelBudget
from scheduler.jobs import heartbeat, tidy_up
from scheduler.transactions import Transactions
from tests.social_factories import create_channel


def test_the_scheduler_beats_and_tidies_up(session, database_url, now):
    channel = create_channel(session, "sandbox")
    for ended_ago in (timedelta(days=3), timedelta(hours=1)):
        session.add(
            ChannelBudget(
                channel_id=channel.id,
                window_start=now - ended_ago - timedelta(minutes=1),
                window_end=now - ended_ago,
                capacity=10,
                used=3,
            )
        )
    session.commit()
    transactions = Transactions.for_url(database_url, door="scheduler")
    try:
        heartbeat(transactions, "scheduler:host:1", now=now - timedelta(days=2))
        heartbeat(transactions, "scheduler:host:2", now=now)
        assert health_report(session, now=now)["scheduler"]["alive"] is True

        assert tidy_up(transactions, now=now) == (1, 1)
    finally:
        transactions.engine.dispose()
    session.expire_all()
    assert session.scalars(select(Heartbeat.name)).all() == ["scheduler:host:2"]
    assert len(session.scalars(select(ChannelBudget)).all()) == 1
