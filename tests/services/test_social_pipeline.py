"""The outbox end to end with the real X adapter (tweepy) on the fake X server: the worker loop
of ``campaigns.social.outbox``'s docstring, one transaction per step, as a worker will run it.

Exactly once is checked on the fake's own record: one tweet per publication, whatever happened.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from bots.registry import client_for
from campaigns.db import utcnow
from campaigns.social import outbox, rules
from campaigns.social.platform import PlatformError
from tests.fakes.x import FakeX, accept_then_drop, server_error
from tests.social_factories import SECRET, create_channel, scheduled_post

TOKEN = "2000-herald-pipeline-token"
POLICY = rules.RetryPolicy(base_delay=timedelta(seconds=2), max_attempts=5)


@pytest.fixture
def fake_x() -> Iterator[FakeX]:
    with FakeX() as fake:
        fake.add_account(TOKEN, username="herald_office", name="Herald Office")
        yield fake


@pytest.fixture
def x_channel(session, fake_x):
    return create_channel(
        session,
        kind="x",
        handle="@herald_office",
        credentials={
            "consumer_key": "ck",
            "consumer_secret": "cs",
            "access_token": TOKEN,
            "access_token_secret": "ats",
        },
    )


def work_once(session, *, worker_id, now, config, media_root, crash_after_publish=False):
    """One pass of a worker: claim, commit, then for each claim publish (or reconcile) and
    record, each in its own transaction."""
    claimed = outbox.claim_due_publications(session, worker_id=worker_id, now=now)
    session.commit()
    for publication in claimed:
        outgoing = outbox.outgoing_post(publication, media_root=media_root)
        client = client_for(publication.channel, config=config)
        try:
            if publication.status == "reconciling":
                found = client.find_published(outgoing, since=outbox.reconcile_since(publication))
                decision = outbox.resolve_reconcile(
                    session, publication=publication, worker_id=worker_id, found=found, now=now
                )
                session.commit()
                if decision != outbox.ReconcileDecision.RETRY:
                    continue
            try:
                result = client.publish(outgoing)
            except PlatformError as error:
                outbox.record_failure(
                    session,
                    publication=publication,
                    worker_id=worker_id,
                    error=error,
                    now=now,
                    policy=POLICY,
                    random=lambda: 0.0,
                )
            else:
                if crash_after_publish:
                    session.rollback()
                    return claimed
                outbox.record_success(
                    session, publication=publication, worker_id=worker_id, result=result, now=now
                )
            session.commit()
        finally:
            client.close()
    return claimed


@pytest.fixture
def config(fake_x):
    return {
        "SECRET_KEY": SECRET,
        "HERALD_X_API_BASE": fake_x.base_url,
        "HERALD_PLATFORM_TIMEOUT": 2,
    }


@pytest.fixture
def start():
    # The fake stamps tweets with the real clock; reconcile searches from the first send on.
    return utcnow().replace(microsecond=0)


def _due_publication(session, x_channel, start):
    post = scheduled_post(session, [x_channel], at=start + timedelta(seconds=30), now=start)
    session.commit()
    return post.publications[0], start + timedelta(seconds=30)


def test_two_503_answers_then_published_once_with_three_attempts(
    session, x_channel, fake_x, config, start, tmp_path
):
    publication, due = _due_publication(session, x_channel, start)
    fake_x.inject(server_error(503), times=2)
    clock = due
    for _ in range(3):
        work_once(session, worker_id="w1", now=clock, config=config, media_root=tmp_path)
        clock += timedelta(seconds=10)
    session.refresh(publication)
    assert publication.status == "published"
    assert [(a.outcome, a.http_status) for a in publication.attempt_log] == [
        ("failed", 503),
        ("failed", 503),
        ("published", None),
    ]
    (tweet,) = fake_x.tweets(username="herald_office")
    assert publication.platform_id == tweet.id
    assert publication.url.endswith(f"/status/{tweet.id}")


def test_a_connection_dropped_after_the_post_was_accepted_is_not_sent_twice(
    session, x_channel, fake_x, config, start, tmp_path
):
    publication, due = _due_publication(session, x_channel, start)
    fake_x.inject(accept_then_drop())
    # The adapter looks for the tweet at once; were X still silent, the outbox would reconcile
    # on the next pass. Either way: one tweet, recorded as published.
    for seconds in (0, 5):
        work_once(
            session,
            worker_id="w1",
            now=due + timedelta(seconds=seconds),
            config=config,
            media_root=tmp_path,
        )
    session.refresh(publication)
    (tweet,) = fake_x.tweets(username="herald_office")
    assert (publication.status, publication.platform_id) == ("published", tweet.id)


def test_a_worker_that_dies_after_publishing_is_reconciled_by_another(
    session, x_channel, fake_x, config, start, tmp_path
):
    publication, due = _due_publication(session, x_channel, start)
    work_once(
        session,
        worker_id="w1",
        now=due,
        config=config,
        media_root=tmp_path,
        crash_after_publish=True,
    )
    assert len(fake_x.tweets(username="herald_office")) == 1
    # Nothing happens while w1's lease runs; then w2 finds the tweet instead of sending again.
    assert (
        work_once(
            session,
            worker_id="w2",
            now=due + timedelta(seconds=60),
            config=config,
            media_root=tmp_path,
        )
        == []
    )
    work_once(
        session,
        worker_id="w2",
        now=due + timedelta(seconds=121),
        config=config,
        media_root=tmp_path,
    )
    session.refresh(publication)
    (tweet,) = fake_x.tweets(username="herald_office")
    assert (publication.status, publication.platform_id) == ("published", tweet.id)
    assert [a.outcome for a in publication.attempt_log] == ["publishing", "reconciled_found"]


def test_a_worker_that_dies_before_publishing_is_retried_after_reconcile(
    session, x_channel, fake_x, config, start, tmp_path
):
    publication, due = _due_publication(session, x_channel, start)
    outbox.claim_due_publications(session, worker_id="w1", now=due)
    session.commit()  # w1 dies here, before calling X
    work_once(
        session,
        worker_id="w2",
        now=due + timedelta(seconds=121),
        config=config,
        media_root=tmp_path,
    )
    session.refresh(publication)
    assert publication.status == "published"
    assert len(fake_x.tweets(username="herald_office")) == 1
    assert publication.attempts == 2


def test_a_revoked_token_breaks_the_channel(session, x_channel, fake_x, config, start, tmp_path):
    publication, due = _due_publication(session, x_channel, start)
    fake_x.revoke(TOKEN)
    work_once(session, worker_id="w1", now=due, config=config, media_root=tmp_path)
    session.refresh(publication)
    session.refresh(x_channel)
    assert (publication.status, publication.held_reason) == ("held", "channel_broken")
    assert x_channel.health == "broken"
    assert fake_x.tweets(username="herald_office") == []
