"""Import jobs of every area, run the same way by a worker and by a request.

Above the areas (like ``campaigns.demo``): it knows which area imports which kind of file, so
that ``campaigns.org.import_jobs`` (the queue) needs to know none of them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from campaigns.calendar import ics_jobs
from campaigns.errors import HeraldError, Message
from campaigns.org.import_jobs import (
    NOBODY_LEFT,
    ImportJob,
    LeaseLost,
    claim_import_job,
    fail_import_job,
    finish_import_job,
)
from campaigns.press import csv_import
from campaigns.social import bulk

RUNNERS = {
    csv_import.JOB_KIND: csv_import.run_journalist_import,
    ics_jobs.JOB_KIND: ics_jobs.run_ics_import,
    bulk.JOB_KIND: bulk.run_bulk_posts,
}

Progress = Callable[[int, int], None]


def run_import_job(
    session: Session,
    *,
    job: ImportJob,
    worker_id: str,
    now: datetime,
    progress: Progress | None = None,
) -> None:
    """Import a job this worker holds, in ``session``, and mark it done in the same
    transaction: the caller commits once, so the data and ``done`` land together or not at all.

    A file the area refuses as a whole (Invalid, NotAllowed: the person lost the right
    meanwhile) fails the job with the reason and imports nothing. Raises LeaseLost when the job
    was taken over (roll back), and lets unexpected errors through (roll back, then
    ``fail_import_job`` with ``UNEXPECTED_FAILURE``).
    """
    runner = RUNNERS[job.kind]
    actor = job.created_by
    if actor is None and not job.params.get("by_system"):
        _fail(session, job, worker_id, now, Message(NOBODY_LEFT))
        return
    try:
        with session.begin_nested():
            report = runner(
                session,
                actor=actor,
                now=now,
                content=job.content,
                params=job.params,
                progress=progress,
            )
    except HeraldError as error:
        _fail(session, job, worker_id, now, Message(error.template, **error.params))
        return
    finish_import_job(session, job=job, worker_id=worker_id, now=now, report=report)


def _fail(session: Session, job: ImportJob, worker_id: str, now: datetime, message: str) -> None:
    if not fail_import_job(session, job_id=job.id, worker_id=worker_id, now=now, message=message):
        raise LeaseLost(job.id)


def run_import_now(session: Session, *, job_id: int, worker_id: str, now: datetime) -> bool:
    """Claim a job just queued and run it in this transaction (a small file, imported while
    the person waits). False when a worker took it first."""
    job = claim_import_job(session, worker_id=worker_id, now=now, job_id=job_id)
    if job is None:
        return False
    run_import_job(session, job=job, worker_id=worker_id, now=now)
    return True


# --- progress that SQLite cannot write ---------------------------------------------------------

# SQLite has one writer: while a worker's import holds the write lock, no other connection can
# record its progress. There the progress of the jobs running in this process (``herald demo``
# serves the page and runs the worker) is kept here; PostgreSQL writes it to the job's row.
_progress_here: dict[int, tuple[int, int]] = {}
_progress_lock = threading.Lock()


def note_progress_here(job_id: int, done: int, total: int) -> None:
    with _progress_lock:
        _progress_here[job_id] = (done, total)


def forget_progress_here(job_id: int) -> None:
    with _progress_lock:
        _progress_here.pop(job_id, None)


def progress_of(job: ImportJob) -> tuple[int, int]:
    """How far a job is: (rows or events done, total), from its row or from this process."""
    with _progress_lock:
        here = _progress_here.get(job.id)
    if here is not None and not job.finished and here[0] > job.done:
        return here
    return job.done, job.total
