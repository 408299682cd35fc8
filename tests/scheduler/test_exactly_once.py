"""The concurrency proof (PostgreSQL only): four real ``herald worker`` processes, 2,000
publications due at once on ten X accounts of the fake server; every one is published exactly
once, none lost — then the same again while workers are killed with SIGKILL at random moments.

"Exactly once" is read from the fake X's own record: one tweet per publication text, whatever
the workers did.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from campaigns.db import utcnow
from campaigns.health.models import Heartbeat
from campaigns.social.models import Publication
from tests.fakes.x import FakeX
from tests.scheduler.dispatch_load import (
    check_exactly_once,
    count_published,
    due_publications,
    reconciled,
    start_worker,
    stop_workers,
    x_channels,
)

pytestmark = pytest.mark.postgres_only

WORKERS = 4
PUBLICATIONS = 2_000
CHANNELS = 10
KILLS = 10
LEASE_SECONDS = 5
DEADLINE = timedelta(seconds=150)
SLOW_ANSWER = 0.005  # seconds the fake X takes to answer while workers are being killed


@pytest.fixture(autouse=True)
def _postgres_only(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("the concurrency proof needs PostgreSQL (HERALD_TEST_DATABASE_URL)")


@pytest.fixture
def fake_x() -> Iterator[FakeX]:
    with FakeX() as fake:
        yield fake


def wait_for_all(session, ids, pause: threading.Event) -> None:
    deadline = utcnow() + DEADLINE
    while count_published(session, ids) < len(ids):
        assert utcnow() < deadline, f"only {count_published(session, ids)} of {len(ids)} out"
        pause.wait(0.25)


def claims_of(session, ids, pid: int) -> int:
    """How many of these publications the worker process ``pid`` holds in flight now."""
    session.expire_all()
    held = session.scalar(
        select(func.count())
        .select_from(Publication)
        .where(
            Publication.id.in_(ids),
            Publication.status == "publishing",
            Publication.claimed_by.like(f"%:{pid}:%"),
        )
    )
    session.commit()
    return held


def working(session, workers) -> list[int]:
    """Which of ``workers`` (their indexes) are running and have beaten, i.e. are at work."""
    session.expire_all()
    beating = set(session.scalars(select(Heartbeat.pid)))
    session.commit()
    return [
        index
        for index, process in enumerate(workers)
        if process.poll() is None and process.pid in beating
    ]


def assert_exactly_once(session, fake_x, ids) -> None:
    result = check_exactly_once(session, fake_x, ids)
    assert result.duplicated == [], f"{len(result.duplicated)} publications sent twice"
    assert (result.published, result.tweets, result.missing) == (len(ids), len(ids), 0)
    assert result.mismatched == 0


def test_four_workers_publish_2000_at_once_exactly_once_even_when_killed(
    session, database_url, fake_x, tmp_path
):
    channels = x_channels(session, fake_x, CHANNELS, prefix="proof")
    session.commit()
    pause = threading.Event()
    logs = tmp_path / "workers"
    workers = [
        start_worker(
            database_url, fake_x.base_url, log_path=logs / f"w{n}.log", lease_seconds=LEASE_SECONDS
        )
        for n in range(WORKERS)
    ]
    try:
        # 1. Everything due at the same instant.
        now = utcnow()
        ids = due_publications(
            session, channels, PUBLICATIONS, due_at=now, tag="calm", now=now - timedelta(hours=1)
        )
        session.commit()
        started = utcnow()
        wait_for_all(session, ids, pause)
        calm_seconds = (utcnow() - started).total_seconds()
        assert_exactly_once(session, fake_x, ids)

        # 2. The same while workers die mid-work: SIGKILL at random moments, a replacement each
        # time; the claims of the dead expire and are reconciled before anything is resent.
        # The fake answers a little slower, so that the work lasts long enough for ten kills to
        # land while posts are in flight; only a worker already at work (it has beaten) is
        # killed, never a replacement still starting up.
        fake_x.latency = SLOW_ANSWER
        now = utcnow()
        ids = due_publications(
            session, channels, PUBLICATIONS, due_at=now, tag="kill", now=now - timedelta(hours=1)
        )
        session.commit()
        chooser = random.Random(4)
        busy_seconds = calm_seconds + PUBLICATIONS * SLOW_ANSWER / WORKERS
        moments = sorted(chooser.uniform(0.5, 0.8 * busy_seconds) for _ in range(KILLS))
        started = utcnow()
        for number, moment in enumerate(moments):
            pause.wait(max(0.0, moment - (utcnow() - started).total_seconds()))
            while not (at_work := working(session, workers)):
                assert utcnow() - started < DEADLINE, "no worker came back to work"
                pause.wait(0.05)
            victim = chooser.choice(at_work)
            workers[victim].kill()
            workers[victim].wait()
            workers[victim] = start_worker(
                database_url,
                fake_x.base_url,
                log_path=logs / f"replacement{number}.log",
                lease_seconds=LEASE_SECONDS,
            )
        wait_for_all(session, ids, pause)
        assert_exactly_once(session, fake_x, ids)
        assert reconciled(session, ids) >= 1  # some kills did catch claims in flight
    finally:
        stop_workers(workers)


BURST_CHANNELS = 80
BURST_PER_CHANNEL = 5
BURST_LATENCY = 0.2  # seconds the fake X takes to answer, give or take BURST_JITTER
BURST_JITTER = 0.1


def test_a_burst_sent_concurrently_is_published_exactly_once_when_a_worker_is_killed(
    session, database_url, fake_x, tmp_path
):
    # Every worker thread has dozens of posts in flight at once (one per channel): a worker
    # killed with SIGKILL mid-burst leaves many claims whose posts may or may not be out. Each
    # is reconciled by whoever takes it after the lease, found or sent — never twice, none lost.
    fake_x.latency, fake_x.jitter = BURST_LATENCY, BURST_JITTER
    channels = x_channels(session, fake_x, BURST_CHANNELS, prefix="burst")
    session.commit()
    pause = threading.Event()
    logs = tmp_path / "workers"

    def worker(name: str):
        return start_worker(
            database_url,
            fake_x.base_url,
            log_path=logs / f"{name}.log",
            lease_seconds=LEASE_SECONDS,
            concurrency=2,
            batch=250,
            sends=50,
        )

    workers = [worker("w0"), worker("w1")]
    try:
        while len(working(session, workers)) < 2:
            pause.wait(0.1)
        now = utcnow()
        count = BURST_CHANNELS * BURST_PER_CHANNEL
        ids = due_publications(
            session, channels, count, due_at=now, tag="burst", now=now - timedelta(hours=1)
        )
        session.commit()
        started = utcnow()
        # Kill one worker once the burst is well under way, while posts are in flight.
        while len(fake_x.tweets()) < count // 4:
            assert utcnow() - started < DEADLINE, "the burst did not start"
            pause.wait(0.02)
        victim = workers[0].pid
        workers[0].kill()
        workers[0].wait()
        in_flight = claims_of(session, ids, victim)
        workers[0] = worker("replacement")
        wait_for_all(session, ids, pause)
        assert_exactly_once(session, fake_x, ids)
        # Whatever the dead worker held was taken over after its lease, not just resent. (On a
        # loaded machine the other worker may have done most of the burst: the kill then finds
        # nothing in flight, and exactly-once above is all there is to check.)
        if in_flight:
            assert reconciled(session, ids) >= 1
    finally:
        stop_workers(workers)
