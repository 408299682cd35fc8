"""The outbox worker publishing on a Mastodon channel through the real Mastodon.py client and the
fake instance: one pass end to end, a dropped answer, a worker killed after posting, a rate
limit, and "test connection" keeping the instance's limits for the editor."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from functools import partial

import pytest

from bots.registry import client_for
from campaigns.db import utcnow
from campaigns.errors import Invalid
from campaigns.social import outbox, rules, scheduling, services
from campaigns.social.checks import request_connection_check
from campaigns.social.models import Publication
from scheduler.transactions import Transactions
from scheduler.worker import Worker
from tests.bots.conftest import png_bytes
from tests.factories import create_person
from tests.fakes.mastodon import POST_STATUS, FakeMastodon, accept_then_drop, rate_limited
from tests.social_factories import SECRET, cleared_post, create_channel, scheduled_post

MASTODON_TOKEN = "herald-worker-mastodon-token"
POLICY = rules.RetryPolicy(base_delay=timedelta(seconds=2), max_attempts=5)


@pytest.fixture
def fake_mastodon() -> Iterator[FakeMastodon]:
    with FakeMastodon() as fake:
        fake.add_account(MASTODON_TOKEN, username="herald_office", display_name="Herald")
        yield fake


@pytest.fixture
def config(fake_mastodon) -> dict:
    return {"SECRET_KEY": SECRET, "HERALD_PLATFORM_TIMEOUT": 2}


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
def mastodon_channel(session, fake_mastodon):
    return create_channel(
        session,
        kind="mastodon",
        handle="@herald_office@social.example",
        visibility="unlisted",
        owner=create_person(session, "coordinator"),
        credentials={"instance_url": fake_mastodon.base_url, "mastodon_token": MASTODON_TOKEN},
    )


@pytest.fixture
def start():
    # The fake stamps statuses with the real clock and reconcile searches from the first send.
    return utcnow().replace(microsecond=0)


def due_publications(session, channels, at, now, **fields) -> list[Publication]:
    post = scheduled_post(session, channels, at=at, now=now, **fields)
    session.commit()
    return list(post.publications)


def test_one_pass_publishes_on_mastodon_with_the_channels_visibility_and_a_key(
    session, make_worker, mastodon_channel, fake_mastodon, start
):
    due = start + timedelta(seconds=30)
    (publication,) = due_publications(session, [mastodon_channel], due, start)

    assert make_worker().run_once(due) == 1

    session.refresh(publication)
    (status,) = fake_mastodon.statuses(username="herald_office")
    assert (publication.status, publication.platform_id) == ("published", status.id)
    assert publication.url == f"https://social.example/@herald_office/{status.id}"
    assert (status.text, status.visibility, status.language) == (
        publication.text,
        "unlisted",
        "en",
    )
    (request,) = fake_mastodon.requests_to(POST_STATUS)
    assert request.headers["Idempotency-Key"].startswith(f"herald-publication-{publication.id}-")


def test_a_status_accepted_then_dropped_is_published_once(
    session, make_worker, mastodon_channel, fake_mastodon, start
):
    due = start + timedelta(seconds=30)
    (publication,) = due_publications(session, [mastodon_channel], due, start)
    fake_mastodon.inject(accept_then_drop())
    worker = make_worker()

    for seconds in (0, 5, 130):
        worker.run_once(due + timedelta(seconds=seconds))

    session.refresh(publication)
    (status,) = fake_mastodon.statuses()
    assert (publication.status, publication.platform_id) == ("published", status.id)


def test_a_worker_killed_after_posting_is_reconciled_not_sent_again(
    session, make_worker, mastodon_channel, fake_mastodon, config, start
):
    due = start + timedelta(seconds=30)
    (publication,) = due_publications(session, [mastodon_channel], due, start)
    (claimed,) = outbox.claim_due_publications(session, worker_id="killed", now=due)
    session.commit()
    client = client_for(claimed.channel, config=config)
    try:  # it posted, then died before recording anything
        client.publish(outbox.outgoing_post(claimed, media_root="/nonexistent"))
    finally:
        client.close()
    worker = make_worker("w2", lease_seconds=60)

    assert worker.run_once(due + timedelta(seconds=121)) == 1

    session.refresh(publication)
    (status,) = fake_mastodon.statuses()
    assert (publication.status, publication.platform_id) == ("published", status.id)
    assert [a.outcome for a in publication.attempt_log] == ["publishing", "reconciled_found"]
    assert len(fake_mastodon.requests_to(POST_STATUS)) == 1


def test_a_429_waits_until_the_instances_reset(
    session, make_worker, mastodon_channel, fake_mastodon, start
):
    due = start + timedelta(seconds=30)
    (publication,) = due_publications(session, [mastodon_channel], due, start)
    fake_mastodon.inject(rate_limited(reset_in=600))

    make_worker().run_once(due)

    session.refresh(publication)
    assert publication.status == "failed"
    assert publication.next_attempt_at > due + timedelta(minutes=8)
    assert fake_mastodon.statuses() == []


def test_test_connection_keeps_the_instances_limits_and_scheduling_follows_them(
    session, make_worker, mastodon_channel, fake_mastodon, start
):
    fake_mastodon.max_characters = 40
    check = request_connection_check(session, actor=None, now=utcnow(), channel=mastodon_channel)
    session.commit()

    make_worker().run_once(utcnow())

    session.refresh(check)
    session.refresh(mastodon_channel)
    assert (check.outcome, check.detail) == ("ok", "@herald_office")
    assert mastodon_channel.platform_limits["max_characters"] == 40
    assert mastodon_channel.platform_limits["characters_reserved_per_url"] == 23
    post = cleared_post(
        session, now=start, variants={"en": "A text of more than forty characters."}
    )
    post.variants[0].text = "x" * 41
    with pytest.raises(Invalid) as refused:
        scheduling.schedule_post(
            session,
            actor=None,
            now=start,
            post=post,
            data=scheduling.ScheduleInput(
                channel_ids=[mastodon_channel.id],
                local_time=(start + timedelta(hours=1)).time().replace(tzinfo=None),
                local_date=(start + timedelta(hours=1)).date(),
                zone="UTC",
            ),
        )
    assert "Too long for Mastodon: 41 of 40 characters." in str(refused.value)


def test_an_image_goes_out_with_its_alt_text(
    session, make_worker, mastodon_channel, fake_mastodon, start, tmp_path
):

    post = cleared_post(session, now=start, variants={"en": "The flag at dawn"})
    services.add_attachment(
        session,
        actor=post.author,
        now=start,
        post=post,
        language="en",
        filename="flag.png",
        content=png_bytes(),
        media_root=tmp_path,
        alt_text="  The national flag   raised at dawn ",
    )
    approver = create_person(session, "coordinator")  # the image sent it back to review
    services.approve_post(
        session, actor=approver, now=start, post=post, expected_version=post.version
    )
    due = start + timedelta(seconds=30)
    scheduling.schedule_post(
        session,
        actor=None,
        now=start,
        post=post,
        data=scheduling.ScheduleInput(
            channel_ids=[mastodon_channel.id],
            local_time=due.time().replace(tzinfo=None),
            local_date=due.date(),
            zone="UTC",
        ),
    )
    session.commit()

    assert make_worker().run_once(due) == 1

    (status,) = fake_mastodon.statuses()
    (media_id,) = status.media_ids
    assert fake_mastodon.media(media_id).description == "The national flag raised at dawn"
