"""The X adapter's metrics lookup against the fake X: up to 100 ids per GET /2/tweets, the
numbers mapped onto the groups, posts X answers in ``errors`` as gone, and private metrics
asked only while X allows them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bots import x as x_adapter
from campaigns.metrics.rules import Gone, Reading
from campaigns.social.platform import ErrorKind, PlatformError
from tests.bots.conftest import X_TOKEN
from tests.fakes.x import GET_TWEETS, rate_limited, server_error

AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _forget_refusals():
    x_adapter._NO_PRIVATE_METRICS.clear()
    yield
    x_adapter._NO_PRIVATE_METRICS.clear()


def fields_asked(fake_x) -> list[set[str]]:
    return [
        set(request.query["tweet.fields"][0].split(","))
        for request in fake_x.requests_to(GET_TWEETS)
    ]


def test_numbers_come_back_as_the_groups_with_the_raw_metrics(fake_x, x_client):
    tweet = fake_x.add_tweet(X_TOKEN, "Hello")
    fake_x.set_metrics(
        tweet.id,
        impression_count=900,
        like_count=12,
        retweet_count=3,
        quote_count=2,
        reply_count=4,
        bookmark_count=1,
    )

    results = x_client.read_metrics([tweet.id], at=AT)

    reading = results[tweet.id]
    assert isinstance(reading, Reading)
    assert (reading.reach, reading.reactions, reading.redistribution) == (900, 12, 5)
    assert (reading.conversation, reading.saves, reading.engagements) == (4, 1, 22)
    assert reading.raw["public_metrics"]["like_count"] == 12
    assert reading.raw["non_public_metrics"]["impression_count"] == 900
    assert fields_asked(fake_x) == [{"public_metrics", "non_public_metrics", "organic_metrics"}]


def test_a_hundred_ids_in_one_call_and_no_more(fake_x, x_client):
    tweets = [fake_x.add_tweet(X_TOKEN, f"Tweet {n}") for n in range(100)]
    results = x_client.read_metrics([t.id for t in tweets], at=AT)
    assert len(results) == 100
    assert len(fake_x.requests_to(GET_TWEETS)) == 1
    with pytest.raises(ValueError):
        x_client.read_metrics([str(n) for n in range(101)], at=AT)


def test_deleted_and_protected_tweets_are_gone(fake_x, x_client):
    kept, deleted, protected = (fake_x.add_tweet(X_TOKEN, f"T{n}") for n in range(3))
    fake_x.delete_tweet(deleted.id)
    fake_x.protect_tweet(protected.id)

    results = x_client.read_metrics([kept.id, deleted.id, protected.id, "42"], at=AT)

    assert isinstance(results[kept.id], Reading)
    assert isinstance(results[deleted.id], Gone)
    assert "Could not find tweet" in results[deleted.id].reason
    assert isinstance(results[protected.id], Gone)
    assert "not authorized" in results[protected.id].reason
    assert isinstance(results["42"], Gone)


def test_a_refusal_of_private_metrics_falls_back_to_public_and_is_remembered(fake_x, make_x_client):
    fake_x.refuse_private_metrics = True
    tweet = fake_x.add_tweet(X_TOKEN, "Hello")
    fake_x.set_metrics(tweet.id, like_count=5)

    first = make_x_client().read_metrics([tweet.id], at=AT)
    second = make_x_client().read_metrics([tweet.id], at=AT)  # a new client of the account

    assert first[tweet.id].reactions == 5 and second[tweet.id].reactions == 5
    assert fields_asked(fake_x) == [
        {"public_metrics", "non_public_metrics", "organic_metrics"},
        {"public_metrics"},
        {"public_metrics"},
    ]


def test_private_metrics_are_not_asked_when_the_caller_says_so(fake_x, x_client):
    tweet = fake_x.add_tweet(X_TOKEN, "Hello")
    x_client.read_metrics([tweet.id], at=AT, private=False)
    assert fields_asked(fake_x) == [{"public_metrics"}]


def test_failures_are_classified(fake_x, x_client):
    tweet = fake_x.add_tweet(X_TOKEN, "Hello")
    fake_x.inject(server_error(503), route=GET_TWEETS)
    with pytest.raises(PlatformError) as outage:
        x_client.read_metrics([tweet.id], at=AT)
    assert outage.value.kind == ErrorKind.TRANSIENT

    fake_x.inject(rate_limited(reset_in=300), route=GET_TWEETS)
    with pytest.raises(PlatformError) as limited:
        x_client.read_metrics([tweet.id], at=AT)
    assert limited.value.kind == ErrorKind.RATE_LIMITED
    assert limited.value.retry_at is not None
