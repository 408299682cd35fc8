"""The import worker: claims import jobs and runs them, one at a time, in its own thread.

One job, three kinds of transaction::

    claim (running, with a lease)                         -> commit
    import the file + mark the job done (one transaction) -> commit   (all or nothing)
    progress, every few hundred rows, in a second session -> commit each (renews the lease)

A worker that dies mid-import leaves nothing of it behind; once its lease runs out, another
worker takes the job over and starts again from the file. Imports run beside the publishing
workers, never in their threads: a 20,000-row file must not hold up a post due now.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from campaigns import imports
from campaigns.db import utcnow
from campaigns.errors import Message
from campaigns.org.import_jobs import (
    LEASE_SECONDS,
    UNEXPECTED_FAILURE,
    ImportJob,
    LeaseLost,
    claim_import_job,
    fail_import_job,
    renew_import_lease,
    report_progress,
)
from scheduler.transactions import Transactions

log = logging.getLogger(__name__)

IDLE_SECONDS = 1.0
ERROR_PAUSE_SECONDS = 2.0


class ImportWorker:
    """Claims one import job at a time and runs it (``run_once``), or keeps doing so until
    stopped (``run_forever``)."""

    def __init__(
        self,
        transactions: Transactions,
        *,
        worker_id: str,
        lease_seconds: int = LEASE_SECONDS,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.transactions = transactions
        self.worker_id = worker_id
        self.lease_seconds = lease_seconds
        self.clock = clock

    def run_once(self, now: datetime | None = None) -> bool:
        """Claim a job and run it; False when there was none. With ``now``, every step happens
        at that instant (tests drive time this way)."""
        at: Callable[[], datetime] = (lambda: now) if now is not None else self.clock
        with self.transactions() as session:
            job = claim_import_job(
                session, worker_id=self.worker_id, now=at(), lease_seconds=self.lease_seconds
            )
            if job is None:
                return False
            job_id = job.id
        log.info("import worker %s: job %s (%s) started", self.worker_id, job_id, job.kind)
        try:
            with self.transactions() as session:
                dialect = session.get_bind().dialect.name
                if dialect == "sqlite":
                    self._take_write_lock(session, job_id, at())
                job = session.get(ImportJob, job_id)
                assert job is not None
                imports.run_import_job(
                    session,
                    job=job,
                    worker_id=self.worker_id,
                    now=at(),
                    progress=self._progress(job_id, at, dialect),
                )
        except LeaseLost:
            log.warning("import worker %s: job %s was taken over", self.worker_id, job_id)
        except Exception:
            log.exception("import worker %s: job %s failed", self.worker_id, job_id)
            with self.transactions() as session:
                fail_import_job(
                    session,
                    job_id=job_id,
                    worker_id=self.worker_id,
                    now=at(),
                    message=Message(UNEXPECTED_FAILURE, job=job_id),
                )
        finally:
            imports.forget_progress_here(job_id)
        log.info("import worker %s: job %s finished", self.worker_id, job_id)
        return True

    def _take_write_lock(self, session: Session, job_id: int, now: datetime) -> None:
        """SQLite: write first (renewing the lease), so the import's transaction holds the
        single write lock before it reads anything. A transaction that reads, then writes after
        another connection committed (a heartbeat, a login) fails at once with "database is
        locked": a WAL snapshot cannot become a writer. Others now wait for the import."""
        if not renew_import_lease(
            session,
            job_id=job_id,
            worker_id=self.worker_id,
            now=now,
            lease_seconds=self.lease_seconds,
        ):
            raise LeaseLost(job_id)

    def _progress(self, job_id: int, at: Callable[[], datetime], dialect: str) -> imports.Progress:
        """Where progress goes: a second session on PostgreSQL (which also renews the lease);
        this process's memory on SQLite, whose single writer is busy with the import."""

        def in_database(done: int, total: int) -> None:
            with self.transactions() as session:
                report_progress(
                    session,
                    job_id=job_id,
                    worker_id=self.worker_id,
                    now=at(),
                    done=done,
                    total=total,
                    lease_seconds=self.lease_seconds,
                )

        def here(done: int, total: int) -> None:
            imports.note_progress_here(job_id, done, total)

        return in_database if dialect == "postgresql" else here

    def run_forever(self, stop: threading.Event) -> None:
        """Work until ``stop`` is set; the job in hand is finished first."""
        log.info("import worker %s started", self.worker_id)
        while not stop.is_set():
            try:
                if self.run_once():
                    continue
                stop.wait(IDLE_SECONDS)
            except Exception:
                log.exception("import worker %s: pass failed; trying again", self.worker_id)
                stop.wait(ERROR_PAUSE_SECONDS)
        log.info("import worker %s stopped", self.worker_id)


def start_import_worker(
    transactions: Transactions, *, stop: threading.Event, worker_id: str
) -> threading.Thread:
    """Run an import worker in a thread of this process; returns the thread."""
    worker = ImportWorker(transactions, worker_id=worker_id)
    thread = threading.Thread(
        target=worker.run_forever, args=(stop,), name=f"herald-imports-{worker_id}", daemon=True
    )
    thread.start()
    return thread
