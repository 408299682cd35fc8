"""Benchmark: metric collection — 10,000 due snapshots against a fake X answering in 100 ms.

Run: .venv/bin/python bench/collect.py [--items 10000] [--channels 10] [--collectors 1]
     [--platform-latency-ms 100]
     [--database-url postgresql://postgres@127.0.0.1:5432/bench_collect]

Needs PostgreSQL (the database is emptied and migrated); the platform is the fake X server
(tests/fakes/x.py) in this process, on 127.0.0.1, one account per channel, every answer delayed
by ``--platform-latency-ms``.

``--items`` tweets are published on ``--channels`` X channels 15 minutes ago, so each has its
"15m" snapshot due now. Planning (rollups and the seven snapshots of every publication) is
timed first; then ``--collectors`` metrics collectors (``scheduler.metrics.MetricsCollector``,
the thread ``herald worker`` runs; each its own thread with its own clients) claim, read
(``GET /2/tweets``, 100 ids per call, through tweepy) and record until every due snapshot is
taken. Timed from the first claim to the last snapshot recorded in the database.

``--plan-only --items 100000``: planning a backlog of 100,000 publications (700,000 snapshots).

Target (issue #10): all 10,000 taken within 60 s, 100 ids per call.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import threading
import time
from datetime import timedelta
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select

from bench.databases import prepare_postgres
from bots.registry import client_for
from campaigns.db import utcnow
from campaigns.metrics.models import MetricSnapshot
from campaigns.metrics.planning import plan_snapshots
from scheduler.metrics import MetricsCollector
from scheduler.transactions import Transactions
from tests.collection_factories import more_published, published
from tests.fakes.x import GET_TWEETS, FakeX
from tests.scheduler.dispatch_load import x_channels
from tests.social_factories import SECRET
from web import create_app
from web.cli import upgrade_database
from web.extensions import db

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/bench_collect"
TARGET_SECONDS = 60.0


def _publish(session, fake: FakeX, channels, items: int, published_at) -> None:
    """``items`` tweets on the fake, spread over the channels, each a published publication."""
    per_channel = [
        items // len(channels) + (i < items % len(channels)) for i in range(len(channels))
    ]
    for index, (channel, count) in enumerate(zip(channels, per_channel, strict=True)):
        if not count:
            continue
        token = f"bench-token-{index}"
        tweets = [fake.add_tweet(token, f"Tweet {index}-{n}") for n in range(count)]
        for n, tweet in enumerate(tweets):
            tweet.metrics.update(impression_count=1000 + n, like_count=n % 50)
        first = published(session, channel, at=published_at, platform_id=tweets[0].id)
        more_published(session, first, [tweet.id for tweet in tweets[1:]])
    session.commit()


def _due(session, now) -> int:
    count = session.scalar(
        select(func.count())
        .select_from(MetricSnapshot)
        .where(MetricSnapshot.status == "planned", MetricSnapshot.not_before <= now)
    )
    session.commit()
    return count or 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=10_000, help="due snapshots")
    parser.add_argument("--channels", type=int, default=10)
    parser.add_argument("--collectors", type=int, default=1, help="collector threads")
    parser.add_argument("--platform-latency-ms", type=float, default=100)
    parser.add_argument(
        "--plan-only", action="store_true", help="time planning only (e.g. --items 100000)"
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("HERALD_BENCH_DATABASE_URL", DEFAULT_DATABASE_URL),
    )
    options = parser.parse_args()
    url = prepare_postgres(options.database_url, bench="collect.py")
    app = create_app(
        {"TESTING": True, "SECRET_KEY": SECRET, "SQLALCHEMY_DATABASE_URI": url, "SERVER_NAME": None}
    )
    upgrade_database(app)
    print(
        f"machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}; load average {os.getloadavg()[0]:.1f}; "
        f"the fake X answers in {options.platform_latency_ms:g} ms"
    )
    config = {
        "SECRET_KEY": SECRET,
        "HERALD_PLATFORM_TIMEOUT": 10,
    }
    with FakeX() as fake, app.app_context():
        session = db.session
        session.info["door"] = "system"
        channels = x_channels(session, fake, options.channels, prefix="bench")
        session.commit()
        published_at = utcnow() - timedelta(minutes=15, seconds=5)
        _publish(session, fake, channels, options.items, published_at)

        started = time.perf_counter()
        planned = plan_snapshots(session, now=utcnow(), limit=options.items)
        session.commit()
        planning_seconds = time.perf_counter() - started
        print(
            f"planning:   {planned} publications, {planned * 7} snapshots: "
            f"{planning_seconds:.2f} s ({planned / planning_seconds:.0f} publications/s)"
        )
        due = _due(session, utcnow())
        if options.plan_only:
            return

        fake.latency = options.platform_latency_ms / 1000
        config["HERALD_X_API_BASE"] = fake.base_url
        transactions = Transactions.for_url(url, door="worker")
        collectors = [
            MetricsCollector(
                transactions,
                partial(client_for, config=config),
                worker_id=f"bench-collector-{n}",
            )
            for n in range(options.collectors)
        ]
        stop = threading.Event()

        def run(collector: MetricsCollector) -> None:
            while not stop.is_set() and collector.run_once():
                pass

        started = time.perf_counter()
        threads = [threading.Thread(target=run, args=(c,)) for c in collectors]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(600)
        elapsed = time.perf_counter() - started
        stop.set()
        for collector in collectors:
            collector.close()
        left = _due(session, utcnow() - timedelta(seconds=1))
        taken = session.scalar(
            select(func.count()).select_from(MetricSnapshot).where(MetricSnapshot.status == "taken")
        )
        late = session.scalars(
            select(MetricSnapshot.late_seconds).where(MetricSnapshot.status == "taken")
        ).all()
        session.commit()
        lookups = fake.requests_to(GET_TWEETS)
        ids_per_call = [len(request.query["ids"][0].split(",")) for request in lookups]
        verdict = "within" if elapsed <= TARGET_SECONDS and not left else "NOT within"
        print(
            f"collection: {taken} of {due} due snapshots taken by {options.collectors} "
            f"collector(s) in {elapsed:.2f} s ({taken / elapsed:.0f} snapshots/s); "
            f"{len(lookups)} GET /2/tweets calls, ids per call: max {max(ids_per_call, default=0)},"
            f" mean {sum(ids_per_call) / max(len(ids_per_call), 1):.1f}; "
            f"{len(lookups) / elapsed:.1f} calls/s; late by at most {max(late, default=0)} s; "
            f"{left} still due; {verdict} the {TARGET_SECONDS:.0f} s target"
        )
        transactions.engine.dispose()
    with app.app_context():
        db.engine.dispose()


if __name__ == "__main__":
    main()
