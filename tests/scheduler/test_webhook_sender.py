"""The webhook sender against a real receiver on 127.0.0.1: signatures the receiver verifies,
retries after 500s, and nothing lost when a worker is killed mid-delivery."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from campaigns import webhooks
from campaigns.db import utcnow
from campaigns.webhooks import WebhookDelivery
from scheduler.transactions import Transactions
from scheduler.webhooks import WebhookSender
from tests import processes
from tests.factories import create_person
from tests.fakes.webhook_receiver import WebhookReceiver
from tests.social_factories import cleared_post

APP_SECRET = "test-application-secret"


@pytest.fixture
def transactions(database_url) -> Iterator[Transactions]:
    transactions = Transactions.for_url(database_url, door="worker")
    yield transactions
    transactions.engine.dispose()


def subscribed(session, now, url: str) -> tuple[int, str]:
    admin = create_person(session, role="admin")
    endpoint, secret = webhooks.create_endpoint(
        session,
        actor=admin,
        now=now,
        url=url,
        events=list(webhooks.EVENT_LABELS),
        app_secret=APP_SECRET,
    )
    return endpoint.id, secret


def the_delivery(session) -> WebhookDelivery:
    session.expire_all()
    return session.scalars(select(WebhookDelivery)).one()


def test_a_delivery_is_signed_so_the_receiver_can_verify_it(session, now, transactions):
    with WebhookReceiver() as receiver:
        receiver.clock = now.timestamp
        _, receiver.secret = subscribed(session, now, receiver.url)
        post = cleared_post(session, now=now)
        session.commit()
        sender = WebhookSender(transactions, worker_id="sender-1", app_secret=APP_SECRET)
        assert sender.run_once(now=now) == 1
        (request,) = receiver.received
    delivery = the_delivery(session)
    assert request.signed
    assert request.headers["Herald-Event"] == "post.cleared"
    assert request.headers["Herald-Delivery"] == delivery.key
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.body)["data"]["post"]["id"] == post.id
    assert (delivery.status, delivery.delivered_at, delivery.last_status_code) == (
        "delivered",
        now,
        200,
    )
    (attempt,) = delivery.attempt_log
    assert attempt.status_code == 200 and attempt.response_body == '{"ok": true}'
    assert attempt.duration_ms is not None


def test_a_receiver_with_another_secret_sees_a_bad_signature(session, now, transactions):
    with WebhookReceiver(secret="whsec_not-the-one") as receiver:
        receiver.clock = now.timestamp
        subscribed(session, now, receiver.url)
        cleared_post(session, now=now)
        session.commit()
        WebhookSender(transactions, worker_id="s", app_secret=APP_SECRET).run_once(now=now)
        (request,) = receiver.received
    assert not request.signed


def test_500s_are_retried_with_backoff_until_delivered(session, now, transactions):
    with WebhookReceiver() as receiver:
        _, receiver.secret = subscribed(session, now, receiver.url)
        receiver.answers.extend([500, 503])
        cleared_post(session, now=now)
        session.commit()
        sender = WebhookSender(transactions, worker_id="s", app_secret=APP_SECRET)
        at = now
        for _ in range(3):
            receiver.clock = at.timestamp
            assert sender.run_once(now=at) == 1
            assert sender.run_once(now=at) == 0  # not before its backoff
            at = the_delivery(session).next_attempt_at
        codes = [request.answered for request in receiver.received]
        keys = {request.headers["Herald-Delivery"] for request in receiver.received}
        signatures = {request.headers["Herald-Signature"] for request in receiver.received}
        assert all(request.signed for request in receiver.received)
    delivery = the_delivery(session)
    assert codes == [500, 503, 200]
    assert len(keys) == 1  # the receiver can tell it is the same delivery
    assert len(signatures) == 3  # each attempt signed at its own instant
    assert delivery.status == "delivered"
    assert [a.status_code for a in delivery.attempt_log] == [500, 503, 200]
    assert delivery.attempt_log[0].response_body.startswith("receiver says no")


def test_an_unreachable_receiver_is_retried_later(session, now, transactions):
    with WebhookReceiver() as receiver:
        url = receiver.url
    subscribed(session, now, url)  # nobody listens there any more
    cleared_post(session, now=now)
    session.commit()
    WebhookSender(transactions, worker_id="s", app_secret=APP_SECRET, timeout=2).run_once(now=now)
    delivery = the_delivery(session)
    assert delivery.status == "pending" and delivery.next_attempt_at > now
    assert delivery.last_status_code is None and "Connection" in delivery.last_error


def test_a_receiver_that_hangs_does_not_hold_up_the_others(session, now, transactions):
    with WebhookReceiver() as slow, WebhookReceiver() as quick:
        slow.clock = quick.clock = now.timestamp
        _, slow.secret = subscribed(session, now, slow.url)
        _, quick.secret = subscribed(session, now, quick.url)
        slow.hold.set()
        cleared_post(session, now=now)
        session.commit()
        sender = WebhookSender(transactions, worker_id="s", app_secret=APP_SECRET)
        passing = threading.Thread(target=sender.run_once, kwargs={"now": now})
        passing.start()
        try:
            assert slow.arrived.wait(30)
            assert quick.arrived.wait(30)  # while the slow one still has its request
            assert not slow.received
        finally:
            slow.release.set()
            passing.join(30)
            sender.close()
        assert len(quick.received) == len(slow.received) == 1
        assert quick.received[0].signed and slow.received[0].signed


KILLED_SENDER = textwrap.dedent(
    """
    import sys
    from scheduler.transactions import Transactions
    from scheduler.webhooks import WebhookSender

    url, secret = sys.argv[1], sys.argv[2]
    sender = WebhookSender(
        Transactions.for_url(url, door="worker"),
        worker_id="doomed",
        app_secret=secret,
        lease_seconds=30,
    )
    sender.run_once()
    """
)


def test_nothing_is_lost_when_a_worker_is_killed_mid_delivery(session, database_url, transactions):
    now = utcnow()
    with WebhookReceiver() as receiver:
        _, receiver.secret = subscribed(session, now, receiver.url)
        cleared_post(session, now=now)
        session.commit()
        receiver.hold.set()  # the first delivery stays in flight
        doomed = processes.start(
            [sys.executable, "-c", KILLED_SENDER, database_url, APP_SECRET],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            assert receiver.arrived.wait(60), doomed.stderr.read().decode() if doomed.stderr else ""
            doomed.kill()  # SIGKILL: no answer is ever recorded
            doomed.wait(10)
        finally:
            processes.stop(doomed)
            if doomed.stderr is not None:
                doomed.stderr.close()
        receiver.hold.clear()
        receiver.release.set()
        delivery = the_delivery(session)
        assert (delivery.status, delivery.claimed_by) == ("sending", "doomed")
        sender = WebhookSender(transactions, worker_id="survivor", app_secret=APP_SECRET)
        assert sender.run_once(now=now) == 0  # the lease still holds
        later = delivery.lease_until + timedelta(seconds=1)
        receiver.clock = later.timestamp
        assert sender.run_once(now=later) == 1
        keys = [request.headers["Herald-Delivery"] for request in receiver.received]
    delivery = the_delivery(session)
    assert delivery.status == "delivered"
    assert keys[-1] == delivery.key  # sent again, the same delivery: the receiver dedupes
    log = [(a.worker_id, a.status_code) for a in delivery.attempt_log]
    assert log == [("doomed", None), ("survivor", 200)]
    assert "lease ran out" in delivery.attempt_log[0].error


def test_delivered_deliveries_leave_the_log_after_30_days_failed_ones_stay(
    session, now, transactions
):
    from scheduler.jobs import forget_old_webhook_deliveries

    admin = create_person(session, role="admin")
    endpoint_id, _ = subscribed(session, now, "https://crm.office.example/")
    for status in ("delivered", "failed"):
        delivery = webhooks.send_test_ping(session, actor=admin, now=now, endpoint_id=endpoint_id)
        webhooks.claim_due_deliveries(session, worker_id="w", now=now)
        webhooks.record_answer(
            session, delivery_id=delivery.id, worker_id="w", now=now, status_code=200
        )
        delivery.status = status
    session.commit()
    assert forget_old_webhook_deliveries(transactions, now=now + timedelta(days=29)) == 0
    assert forget_old_webhook_deliveries(transactions, now=now + timedelta(days=31)) == 1
    session.expire_all()
    assert [d.status for d in session.scalars(select(WebhookDelivery))] == ["failed"]
