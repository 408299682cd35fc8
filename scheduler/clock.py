"""The clock process: waits for the scheduler lock, then runs Herald's periodic jobs.

APScheduler only wakes the system up; what is due is decided by rows in the database, so a
restart loses nothing and APScheduler keeps no job store of its own (an in-memory one).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from scheduler import jobs
from scheduler.lock import SchedulerLock
from scheduler.transactions import Transactions

log = logging.getLogger(__name__)

PLANNING_INTERVAL_MINUTES = 60
HEARTBEAT_SECONDS = 5
LOCK_RETRY_SECONDS = 5.0


def scheduler_name() -> str:
    """The scheduler's name in the heartbeats: one per host and process."""
    return f"scheduler:{socket.gethostname()[:60]}:{os.getpid()}"


def _add_jobs(scheduler: BaseScheduler, transactions: Transactions) -> None:
    # (job, its interval, its arguments after the transactions): each runs at start, then on
    # its interval, one at a time, missed runs coalesced into one.
    every = [
        (jobs.plan_anniversaries, {"minutes": PLANNING_INTERVAL_MINUTES}, ()),
        (jobs.heartbeat, {"seconds": HEARTBEAT_SECONDS}, (scheduler_name(),)),
        (jobs.hold_missed_publications, {"minutes": 1}, ()),
        (jobs.purge_identity_documents, {"hours": 24}, ()),
        (jobs.remind_conference_sites, {"minutes": 10}, ()),
        (jobs.forget_old_webhook_deliveries, {"hours": 24}, ()),
        (jobs.tidy_up, {"hours": 24}, ()),
    ]
    for job, interval, arguments in every:
        scheduler.add_job(
            job,
            "interval",
            **interval,
            args=[transactions, *arguments],
            id=job.__name__,
            next_run_time=datetime.now(UTC),
            coalesce=True,
            max_instances=1,
        )


def wait_for_lock(lock: SchedulerLock, stop: threading.Event) -> bool:
    """Block until this process holds the scheduler lock (False if asked to stop first)."""
    announced = False
    while not stop.is_set():
        if lock.acquire():
            log.info("scheduler lock acquired")
            return True
        if not announced:
            log.info("another scheduler is running; waiting to take over")
            announced = True
        stop.wait(LOCK_RETRY_SECONDS)
    return False


#: Something only the lock holder runs, beside the jobs, until the event is set (the CLI
#: passes the Telegram reaction pollers: one poller per bot token across all processes).
Singleton = Callable[[threading.Event], object]


def run_forever(database_url: str, lock_file: Path, *, singleton: Singleton | None = None) -> None:
    """``herald scheduler``: the single clock process (a second one waits for the lock)."""
    transactions = Transactions.for_url(database_url, door="scheduler")
    lock = SchedulerLock(transactions.engine, lock_file)
    if not wait_for_lock(lock, threading.Event()):
        return
    scheduler = BlockingScheduler(timezone=UTC)
    _add_jobs(scheduler, transactions)
    stop = threading.Event()
    if singleton is not None:
        singleton(stop)
    try:
        scheduler.start()
    finally:
        stop.set()
        lock.release()


def start_in_background(
    database_url: str, lock_file: Path, *, singleton: Singleton | None = None
) -> BackgroundScheduler | None:
    """For ``herald demo``: the same jobs in a thread of the web process, if the lock is free."""
    transactions = Transactions.for_url(database_url, door="scheduler")
    lock = SchedulerLock(transactions.engine, lock_file)
    if not lock.acquire():
        log.warning("another scheduler holds the lock; the demo runs without its own")
        return None
    scheduler = BackgroundScheduler(timezone=UTC, daemon=True)
    _add_jobs(scheduler, transactions)
    scheduler.start()
    if singleton is not None:
        singleton(threading.Event())
    return scheduler
