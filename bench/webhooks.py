"""Benchmark: outgoing webhooks — what queueing costs the transaction that changes the state, and
how fast one sender delivers to receivers that take their time.

Run: .venv/bin/python bench/webhooks.py [--events 2000] [--deliveries 400] [--latency-ms 100]

SQLite in a temporary file (the schema from the models). Two figures:

1. Queueing: ``enqueue_many`` of ``--events`` events in batches of 50 (a worker's batch of
   successes), with no endpoint, and with 3 active endpoints subscribed: CPU microseconds per
   event (``time.process_time``). With no endpoint the cost is one SELECT per batch.
2. Sending: ``--deliveries`` pings spread over 4 endpoints on a local receiver
   (tests/fakes/webhook_receiver.py) answering after ``--latency-ms``; one ``WebhookSender`` pass
   after another until all are delivered, with 1 and with 8 POSTs at once. Deliveries/s, and
   the ratio between them.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

import campaigns.models  # noqa: E402, F401 (the whole schema)
from campaigns import webhooks  # noqa: E402
from campaigns.db import Base  # noqa: E402
from campaigns.org.models import Person, Role  # noqa: E402
from scheduler.transactions import Transactions  # noqa: E402
from scheduler.webhooks import WebhookSender  # noqa: E402
from tests.fakes.webhook_receiver import WebhookReceiver  # noqa: E402

SECRET = "bench-secret-key-that-is-long-enough-0123456789"
NOW = datetime(2026, 12, 8, 1, 0, tzinfo=UTC)


def _admin(session) -> Person:
    admin = Person(
        name="Bench admin",
        email=f"admin{time.monotonic_ns()}@example.org",
        role=Role.ADMIN,
        active=True,
        locale="en",
        timezone="UTC",
        password_hash="x",
        created_at=NOW,
        updated_at=NOW,
    )
    session.add(admin)
    session.flush()
    return admin


def queueing(transactions: Transactions, events: int, endpoints: int) -> float:
    with transactions() as session:
        admin = _admin(session)
        for number in range(endpoints):
            webhooks.create_endpoint(
                session,
                actor=admin,
                now=NOW,
                url=f"https://system{number}.office.example/hook",
                events=["publication.published"],
                app_secret=SECRET,
            )
    data = {"publication": {"id": 1, "status": "published", "url": "https://x.example/s/1"}}
    started = time.process_time()
    for _ in range(events // 50):
        with transactions() as session:
            webhooks.enqueue_many(session, [("publication.published", data)] * 50, now=NOW)
    return (time.process_time() - started) / events * 1e6


def sending(transactions: Transactions, deliveries: int, latency: float, sends: int) -> float:
    with WebhookReceiver() as receiver:
        receiver.clock = NOW.timestamp
        original = receiver._arrive

        def slow(handler, body):
            time.sleep(latency)
            original(handler, body)

        receiver._arrive = slow
        with transactions() as session:
            admin = _admin(session)
            ids = [
                webhooks.create_endpoint(
                    session,
                    actor=admin,
                    now=NOW,
                    url=receiver.url,
                    events=["post.cleared"],
                    app_secret=SECRET,
                )[0].id
                for _ in range(4)
            ]
            for number in range(deliveries):
                webhooks.send_test_ping(
                    session, actor=admin, now=NOW, endpoint_id=ids[number % len(ids)]
                )
        sender = WebhookSender(
            transactions, worker_id=f"bench-{sends}", app_secret=SECRET, sends=sends
        )
        started = time.perf_counter()
        while sender.run_once(now=NOW):
            pass
        elapsed = time.perf_counter() - started
        sender.close()
        with transactions() as session:
            delivered = session.scalar(
                select(func.count())
                .select_from(webhooks.WebhookDelivery)
                .where(
                    webhooks.WebhookDelivery.status == "delivered",
                    webhooks.WebhookDelivery.endpoint_id.in_(ids),
                )
            )
        assert delivered == deliveries, (delivered, deliveries)
    return deliveries / elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--deliveries", type=int, default=400)
    parser.add_argument("--latency-ms", type=float, default=100)
    options = parser.parse_args()
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as directory:
        for endpoints in (0, 3):
            url = f"sqlite:///{directory}/queue{endpoints}.db"
            transactions = Transactions.for_url(url, door="worker")
            Base.metadata.create_all(transactions.engine)
            per_event = queueing(transactions, options.events, endpoints)
            print(f"queueing, {endpoints} endpoint(s): {per_event:.0f} µs CPU per event")
            transactions.engine.dispose()
        rates = {}
        for sends in (1, 8):
            url = f"sqlite:///{directory}/send{sends}.db"
            transactions = Transactions.for_url(url, door="worker")
            Base.metadata.create_all(transactions.engine)
            rates[sends] = sending(
                transactions, options.deliveries, options.latency_ms / 1000, sends
            )
            print(
                f"sending {options.deliveries} at {options.latency_ms:.0f} ms per answer, "
                f"{sends} at once: {rates[sends]:.1f} deliveries/s"
            )
            transactions.engine.dispose()
        print(f"ratio 8 at once / 1 at once: x{rates[8] / rates[1]:.1f}")


if __name__ == "__main__":
    main()
