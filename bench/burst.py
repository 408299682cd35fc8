"""Benchmark: a burst — 1,000 publications due at the same instant on 200 channels, against a
platform that takes 300 ms (± 100 ms) to answer.

Run: .venv/bin/python bench/burst.py [--processes 2] [--threads 2] [--sends 50] [--batch 250]
     [--channels 200] [--per-channel 5] [--latency-ms 300] [--jitter-ms 100]
     [--database-url postgresql://postgres@127.0.0.1:5432/bench_burst]

Needs PostgreSQL (the database is emptied and migrated). The platform is the fake X server
(tests/fakes/x.py) in this process, on 127.0.0.1, one account per channel, answering every
request after ``--latency-ms`` ± ``--jitter-ms`` (uniform). The workers are real ``herald worker``
processes, the deployment docs/operations.md recommends for one 2-core machine by default
(two processes of two publishing threads, each thread with up to 50 platform calls in flight).

1. The pipeline: ``--channels`` × ``--per-channel`` publications due at one instant, a few
   seconds ahead, while the workers idle. Lateness = when the platform's answer came (the
   worker's clock) - the due instant. Checked from the fake's own record: every publication
   published exactly once, none lost, and each channel's posts created in due order.
2. The floor, same run, same fake: an ideal asyncio client (httpx, one client per account, no
   database, no bookkeeping, in a process of its own like the workers) posting the same number
   of texts all at once, unlimited concurrency; and the ordered floor: the same client, each account's posts one after the other
   (what any pipeline that keeps a channel's due order can at best do). The ratios are the
   floor's figure / the pipeline's.

Targets (issue #12): p99 lateness <= 3 s, the last <= 5 s, exactly once, in due order.
Bounded: gives up after two minutes; loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
from sqlalchemy import func, select

from bench.databases import prepare_postgres
from campaigns.db import utcnow
from campaigns.health.models import Heartbeat
from campaigns.social.models import Channel, Publication
from tests.fakes.x import POST_TWEET, FakeX
from tests.scheduler.dispatch_load import (
    check_exactly_once,
    due_publications,
    start_worker,
    stop_workers,
    x_channels,
)
from tests.social_factories import SECRET
from web import create_app
from web.cli import upgrade_database
from web.extensions import db

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/bench_burst"
TARGET_P99_S = 3.0
TARGET_LAST_S = 5.0
LEAD = timedelta(seconds=4)  # the burst falls due this long after it is written
GIVE_UP_S = 120


def _percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def _figures(samples: list[float]) -> str:
    return (
        f"p50 {statistics.median(samples):.2f} s, p99 {_percentile(samples, 0.99):.2f} s, "
        f"last {max(samples):.2f} s"
    )


# --- the pipeline ----------------------------------------------------------------------------


def _wait_for_workers(session, count: int, pause: threading.Event) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        session.expire_all()
        alive = session.scalar(
            select(func.count()).where(Heartbeat.seen_at > utcnow() - timedelta(seconds=30))
        )
        session.commit()
        if alive >= count:
            return
        pause.wait(0.2)
    sys.exit("the workers did not start (see their logs)")


def _wait_for(session, ids: list[int], pause: threading.Event) -> None:
    first, last = min(ids), max(ids)
    assert last - first + 1 == len(ids), "the publications were inserted as one run of ids"
    deadline = time.monotonic() + GIVE_UP_S
    while True:
        session.expire_all()
        published = session.scalar(
            select(func.count()).where(
                Publication.id.between(first, last), Publication.status == "published"
            )
        )
        session.commit()
        if published == len(ids):
            return
        if time.monotonic() > deadline:
            sys.exit(f"only {published} of {len(ids)} published within {GIVE_UP_S} s")
        pause.wait(0.25)


def out_of_order(session, fake: FakeX, ids: list[int]) -> int:
    """Channels whose posts the fake received in another order than their due order."""
    rows = session.execute(
        select(Publication.text, Publication.scheduled_at, Publication.id, Channel.handle)
        .join(Channel, Channel.id == Publication.channel_id)
        .where(Publication.id.in_(ids))
    ).all()
    due_order = {text: (scheduled_at, number) for text, scheduled_at, number, _ in rows}
    handles = {handle.removeprefix("@") for *_, handle in rows}
    wrong = 0
    for username in handles:
        received = [
            due_order[tweet.posted_text]
            for tweet in fake.tweets(username=username)
            if tweet.posted_text in due_order
        ]
        wrong += received != sorted(received)
    return wrong


def _cpu_seconds(pid: int) -> float:
    """User + system CPU a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def breakdown(fake: FakeX, texts: dict[str, tuple[str, float]], latency: float) -> str:
    """Where a lane's time goes, from the fake's own record of when each call arrived: the
    first call of each channel after the due instant, and each next call after the one before
    (the platform's latency plus everything between its answer and the next call)."""
    arrivals: dict[str, list[float]] = {}
    for request in fake.requests_to(POST_TWEET):
        text = (request.json or {}).get("text") if isinstance(request.json, dict) else None
        if text in texts:
            handle, due = texts[text]
            arrivals.setdefault(handle, []).append(request.received_at - due)
    firsts = [min(times) for times in arrivals.values()]
    steps = [
        later - earlier
        for times in arrivals.values()
        for earlier, later in zip(sorted(times), sorted(times)[1:], strict=False)
    ]
    return (
        f"first call of a channel after the due instant: p50 {statistics.median(firsts):.2f} s, "
        f"last {max(firsts):.2f} s; each next call of a lane after the one before: "
        f"mean {statistics.mean(steps):.2f} s (latency {latency:.2f} s + "
        f"{statistics.mean(steps) - latency:.2f} s), p99 {_percentile(steps, 0.99):.2f} s"
    )


def pipeline(session, fake: FakeX, channels, count: int, pause: threading.Event) -> list[float]:
    """Lateness of each of ``count`` publications due at one instant, in seconds."""
    now = utcnow()
    due = (now + LEAD).replace(microsecond=0)
    ids = due_publications(
        session, channels, count, due_at=due, tag="burst", now=now - timedelta(hours=1)
    )
    session.commit()
    _wait_for(session, ids, pause)
    result = check_exactly_once(session, fake, ids)
    assert not result.duplicated, f"{len(result.duplicated)} publications sent twice"
    assert (result.published, result.tweets, result.missing, result.mismatched) == (
        count,
        count,
        0,
        0,
    ), result
    wrong = out_of_order(session, fake, ids)
    assert wrong == 0, f"{wrong} channels' posts went out of due order"
    rows = session.execute(
        select(Publication.scheduled_at, Publication.published_at, Publication.text, Channel.handle)
        .join(Channel, Channel.id == Publication.channel_id)
        .where(Publication.id.in_(ids))
    ).all()
    pipeline.texts = {text: (handle, scheduled.timestamp()) for scheduled, _, text, handle in rows}
    return [(published - scheduled).total_seconds() for scheduled, published, _, _ in rows]


# --- the floor -------------------------------------------------------------------------------


async def _floor(base_url: str, tokens: list[str], per_token: int, ordered: bool) -> list[float]:
    """Seconds from the start to each answer: every account's posts at once (or, ``ordered``,
    each account's one after the other), one httpx client per account, nothing else."""
    clients = {
        token: httpx.AsyncClient(
            base_url=base_url,
            headers={"Authorization": f'OAuth oauth_token="{token}"'},
            limits=httpx.Limits(max_connections=None, max_keepalive_connections=None),
            timeout=30,
            trust_env=False,
        )
        for token in tokens
    }
    label = "ordered" if ordered else "ideal"
    began = time.perf_counter()
    answered: list[float] = []

    async def post(token: str, number: int) -> None:
        response = await clients[token].post(
            "/2/tweets",
            content=json.dumps({"text": f"Floor {label}: {token} post {number}"}),
            headers={"Content-Type": "application/json"},
        )
        response.raise_for_status()
        answered.append(time.perf_counter() - began)

    async def account(token: str) -> None:
        for number in range(per_token):
            await post(token, number)

    if ordered:
        await asyncio.gather(*(account(token) for token in tokens))
    else:
        await asyncio.gather(
            *(post(token, number) for token in tokens for number in range(per_token))
        )
    for client in clients.values():
        await client.aclose()
    return answered


def _floor_process(base_url: str, tokens: list[str], per_token: int, ordered: bool, out) -> None:
    out.put(asyncio.run(_floor(base_url, tokens, per_token, ordered)))


def floor(fake: FakeX, tokens: list[str], per_token: int, *, ordered: bool) -> list[float]:
    """The floor in a process of its own, as the workers are (this one serves the fake)."""
    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    child = context.Process(
        target=_floor_process, args=(fake.base_url, tokens, per_token, ordered, out)
    )
    child.start()
    answered = out.get(timeout=GIVE_UP_S)
    child.join()
    return answered


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--processes", type=int, default=2, help="herald worker processes")
    parser.add_argument("--threads", type=int, default=2, help="--concurrency of each process")
    parser.add_argument("--sends", type=int, default=50, help="--sends of each process")
    parser.add_argument("--batch", type=int, default=250, help="--batch of each process")
    parser.add_argument("--channels", type=int, default=200)
    parser.add_argument("--per-channel", type=int, default=5)
    parser.add_argument("--latency-ms", type=float, default=300)
    parser.add_argument("--jitter-ms", type=float, default=100)
    parser.add_argument("--logs", help="keep the workers' logs in this directory")
    parser.add_argument(
        "--skip-floor",
        action="store_true",
        help="the pipeline alone (the floors and ratios are what the figures are read against)",
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("HERALD_BENCH_DATABASE_URL", DEFAULT_DATABASE_URL),
    )
    options = parser.parse_args()
    count = options.channels * options.per_channel
    url = prepare_postgres(options.database_url, bench="burst.py")
    app = create_app(
        {"TESTING": True, "SECRET_KEY": SECRET, "SQLALCHEMY_DATABASE_URI": url, "SERVER_NAME": None}
    )
    upgrade_database(app)
    pause = threading.Event()
    print(
        f"machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}; load average {os.getloadavg()[0]:.1f}; "
        f"the fake X answers in {options.latency_ms:g} ± {options.jitter_ms:g} ms"
    )
    with FakeX() as fake, app.app_context(), tempfile.TemporaryDirectory() as scratch:
        logs = options.logs or scratch
        fake.latency = options.latency_ms / 1000
        fake.jitter = options.jitter_ms / 1000
        session = db.session
        session.info["door"] = "system"
        channels = x_channels(session, fake, options.channels, prefix="burst")
        session.commit()
        workers = [
            start_worker(
                url,
                fake.base_url,
                log_path=Path(logs) / f"worker{n}.log",
                concurrency=options.threads,
                batch=options.batch,
                sends=options.sends,
            )
            for n in range(options.processes)
        ]
        try:
            _wait_for_workers(session, options.processes * options.threads, pause)
            cpu_before = [_cpu_seconds(worker.pid) for worker in workers]
            fake_before = time.process_time()
            late = pipeline(session, fake, channels, count, pause)
            fake_cpu = time.process_time() - fake_before
            workers_cpu = sum(_cpu_seconds(w.pid) for w in workers) - sum(cpu_before)
        except BaseException:
            for log in sorted(Path(logs).glob("*.log")):
                print(f"--- {log.name}\n{log.read_text()[-3000:]}", file=sys.stderr)
            raise
        finally:
            stop_workers(workers)
        deployment = (
            f"{options.processes} × herald worker --concurrency {options.threads} "
            f"--sends {options.sends} --batch {options.batch}"
        )
        p99, last = _percentile(late, 0.99), max(late)
        verdict = "met" if p99 <= TARGET_P99_S and last <= TARGET_LAST_S else "MISSED"
        print(
            f"pipeline:   {count} publications due at once on {options.channels} channels, "
            f"{deployment}: {_figures(late)}; exactly once, each channel in due order "
            f"(target p99 <= {TARGET_P99_S:.0f} s, last <= {TARGET_LAST_S:.0f} s: {verdict})"
        )
        print(f"            {breakdown(fake, pipeline.texts, options.latency_ms / 1000)}")
        print(
            f"            CPU during the burst: workers {workers_cpu:.1f} s, this process "
            f"(the fake X, polling) {fake_cpu:.1f} s"
        )
        if options.skip_floor:
            return
        tokens = [f"burst-token-{index}" for index in range(options.channels)]
        ideal = floor(fake, tokens, options.per_channel, ordered=False)
        print(f"floor:      ideal asyncio client, all {count} at once: {_figures(ideal)}")
        ordered = floor(fake, tokens, options.per_channel, ordered=True)
        print(
            f"            ordered floor, each account's posts one after the other: "
            f"{_figures(ordered)}"
        )
        print(
            f"ratios:     ideal / pipeline: p99 {_percentile(ideal, 0.99) / p99:.2f}, "
            f"last {max(ideal) / last:.2f}; ordered floor / pipeline: "
            f"p99 {_percentile(ordered, 0.99) / p99:.2f}, last {max(ordered) / last:.2f}"
        )
    with app.app_context():
        db.engine.dispose()


if __name__ == "__main__":
    main()
