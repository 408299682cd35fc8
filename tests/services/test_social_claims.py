"""Claim exclusivity and the shared rate budget with concurrent claimers.

On PostgreSQL several connections claim at the same moment (``FOR UPDATE SKIP LOCKED`` plus
conditional updates and an atomic budget upsert). On SQLite, where one worker runs, interleaved
sessions check the same guarantees without true parallelism.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from campaigns.social import outbox
from campaigns.social.models import Publication
from campaigns.social.platform import PublishedPost
from tests.social_factories import create_channel, scheduled_post
from web.extensions import db


def _many_due(session, now, due, *, channels, per_channel):
    for channel in channels:
        for _ in range(per_channel):
            scheduled_post(session, [channel], at=due, now=now, misfire_window_minutes=600)
    session.commit()


def _sent(session, ids, worker_id, now):
    """The platform took the claimed posts (a channel's next claim waits for its last one)."""
    publications = [session.get(Publication, publication_id) for publication_id in ids]
    outbox.record_successes(
        session,
        [outbox.Sent(p, PublishedPost(f"id-{p.id}", "u"), now) for p in publications],
        worker_id=worker_id,
        now=now,
    )


def _claim_in_own_session(engine, worker_id, due, results, barrier, errors):
    try:
        barrier.wait(timeout=30)
        empty = 0
        while True:
            with Session(engine) as session, session.begin():
                session.info["door"] = "worker"
                claimed = outbox.claim_due_publications(
                    session, worker_id=worker_id, now=due, limit=3, lease_seconds=600
                )
                ids = [publication.id for publication in claimed]
            with Session(engine) as session, session.begin():
                session.info["door"] = "worker"
                _sent(session, ids, worker_id, due)
            if not ids:
                # Nothing for this worker now: a channel another worker is claiming or sending is
                # left to it (a lane). Give up once several tries in a row found nothing.
                empty += 1
                if empty >= 20:
                    return
                time.sleep(0.01)
                continue
            empty = 0
            results.extend((worker_id, publication_id) for publication_id in ids)
    except Exception as error:  # reported to the test thread below
        errors.append(error)


def test_concurrent_claimers_never_share_a_row_nor_exceed_a_budget(session, now):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("true concurrency needs PostgreSQL (HERALD_TEST_DATABASE_URL)")
    due = now + timedelta(minutes=1)
    tight = create_channel(session, rate_limit_posts=7, rate_window_seconds=3600)
    roomy = [create_channel(session) for _ in range(3)]
    _many_due(session, now, due, channels=[tight, *roomy], per_channel=12)
    results: list[tuple[str, int]] = []
    errors: list[Exception] = []
    workers = 4
    barrier = threading.Barrier(workers)
    threads = [
        threading.Thread(
            target=_claim_in_own_session,
            args=(db.engine, f"worker-{n}", due, results, barrier, errors),
        )
        for n in range(workers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    claimed_ids = [publication_id for _, publication_id in results]
    assert len(claimed_ids) == len(set(claimed_ids)), "a publication was claimed twice"
    session.expire_all()
    by_channel = Counter(
        session.get(Publication, publication_id).channel_id for publication_id in claimed_ids
    )
    assert by_channel[tight.id] == 7
    assert all(by_channel[channel.id] == 12 for channel in roomy)
    assert outbox.budget_used(session, channel=tight, now=due) == 7
    assert len({worker for worker, _ in results}) > 1


def test_interleaved_claimers_never_share_a_row_nor_exceed_a_budget(session, now):
    due = now + timedelta(minutes=1)
    tight = create_channel(session, rate_limit_posts=5, rate_window_seconds=3600)
    roomy = create_channel(session)
    _many_due(session, now, due, channels=[tight, roomy], per_channel=6)
    seen: list[int] = []
    with Session(db.engine) as first, Session(db.engine) as second:
        for turn in range(10):
            worker = first if turn % 2 == 0 else second
            with worker.begin():
                claimed = outbox.claim_due_publications(
                    worker, worker_id=f"worker-{turn % 2}", now=due, limit=2, lease_seconds=600
                )
                seen.extend(publication.id for publication in claimed)
            with worker.begin():
                _sent(worker, [p.id for p in claimed], f"worker-{turn % 2}", due)
    assert len(seen) == len(set(seen)) == 5 + 6
    session.expire_all()
    assert outbox.budget_used(session, channel=tight, now=due) == 5
