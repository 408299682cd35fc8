"""Import jobs: a large file is imported by a worker, not by the request that uploaded it.

The job row holds the file, what the person chose, the progress and, at the end, the report.
Workers claim jobs with the outbox's lease discipline (``campaigns.leases``): a job is taken by
one conditional UPDATE, held until ``lease_until``, renewed with each progress report, and taken
over by another worker once a dead worker's lease has run out.

What makes an import all or nothing, and never twice: the data of an import and the job's
``done`` are written in one transaction (``finish_import_job``, conditional on still holding the
claim). A worker that dies mid-import leaves nothing behind and a job still ``running``; whoever
takes it over starts again from the file. A worker that lost its claim cannot finish, so its
transaction is rolled back. Progress is written apart from the import's transaction (another
session), so the page can show it while the data is not committed yet.

Which area imports what is decided above the areas (``campaigns.imports``): this module only
keeps the queue, so that press and calendar can both use it (org imports no other area).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from campaigns import leases
from campaigns.db import Base, UTCDateTime
from campaigns.errors import Message, NotFound
from campaigns.i18n import N_
from campaigns.org.models import Person

# A claim lasts this long unless renewed by a progress report; a worker that died holds a job
# no longer than this.
LEASE_SECONDS = 300
# A job whose worker died this often is given up: the file itself may be what kills workers.
MAX_ATTEMPTS = 3
# The report lists this many rows (counts stay exact): enough to act on, small enough to show.
MAX_REPORTED_ROWS = 1000


class ImportJobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ImportJob(Base):
    """One uploaded file being imported (journalists from CSV, events from .ics)."""

    __tablename__ = "import_jobs"
    __table_args__ = (Index("ix_import_jobs_status_created_at", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default=ImportJobStatus.QUEUED)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    filename: Mapped[str] = mapped_column(String(255), default="")
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    # What the person chose (window, unit, what to do with matched rows...), as JSON.
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(120))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The report (``ImportReport.as_json``) once done; the reason (a message) once failed.
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    created_by: Mapped[Person | None] = relationship()

    @property
    def finished(self) -> bool:
        return self.status in (ImportJobStatus.DONE, ImportJobStatus.FAILED)

    def __repr__(self) -> str:
        return f"<ImportJob {self.id} {self.kind} {self.status}>"


UNEXPECTED_FAILURE = N_(
    "The import failed unexpectedly; nothing was imported. Tell an administrator (import %(job)s)."
)
NOBODY_LEFT = N_("The person who started this import no longer exists; nothing was imported.")


class LeaseLost(Exception):
    """This worker no longer holds the job (its lease ran out and another took it over)."""


# --- the report --------------------------------------------------------------------------------


def message_as_json(message: str) -> dict[str, Any]:
    """A message (a template with parameters, themselves maybe messages) as JSON, so that the
    page translates it for whoever reads the report."""
    if isinstance(message, Message):
        return {
            "template": message.template,
            "params": {
                name: message_as_json(value) if isinstance(value, Message) else value
                for name, value in message.params.items()
            },
        }
    return {"template": str(message), "params": {}}


@dataclass
class ImportReport:
    """What an import did: counts per outcome, and the rows worth a look with what happened."""

    counts: dict[str, int] = field(default_factory=dict)
    rows: list[dict[str, Any]] = field(default_factory=list)
    more_rows: int = 0

    def count(self, outcome: str, number: int = 1) -> None:
        self.counts[outcome] = self.counts.get(outcome, 0) + number

    def add_row(
        self, where: str, outcome: str, message: str | None = None, *, counted: bool = True
    ) -> None:
        """Count ``outcome`` and list the row (``where``: "line 12", an event's name); a row
        with several problems is listed once per problem and ``counted`` once."""
        if counted:
            self.count(outcome)
        if len(self.rows) >= MAX_REPORTED_ROWS:
            self.more_rows += 1
            return
        self.rows.append(
            {
                "where": message_as_json(where),
                "outcome": outcome,
                "message": message_as_json(message) if message is not None else None,
            }
        )

    def as_json(self) -> dict[str, Any]:
        return {"counts": self.counts, "rows": self.rows, "more_rows": self.more_rows}


# --- the queue ---------------------------------------------------------------------------------


def queue_import_job(
    session: Session,
    *,
    actor: Person | None,
    now: datetime,
    kind: str,
    content: bytes,
    filename: str = "",
    params: dict[str, Any] | None = None,
    total: int = 0,
) -> ImportJob:
    """Queue a file for a worker. The area's service checks the permission and the file first."""
    params = dict(params or {})
    # Who started it is who it runs as; a job without that person runs as the system only
    # when the system queued it (a person deleted meanwhile does not make it the system's).
    params["by_system"] = actor is None
    job = ImportJob(
        kind=kind,
        status=ImportJobStatus.QUEUED,
        created_by_id=actor.id if actor is not None else None,
        filename=(filename or "")[:255],
        content=content,
        params=params,
        total=total,
        done=0,
        attempts=0,
        created_at=now,
    )
    session.add(job)
    session.flush()
    return job


def _give_up(session: Session, job: ImportJob, now: datetime) -> None:
    leases.conditional_update(
        session,
        ImportJob,
        job.id,
        where=[ImportJob.status == ImportJobStatus.RUNNING, ImportJob.claimed_by == job.claimed_by],
        values={
            "status": ImportJobStatus.FAILED,
            "finished_at": now,
            "lease_until": None,
            "content": b"",
            "error": message_as_json(
                Message(
                    N_(
                        "The import stopped %(count)s times without finishing; nothing was "
                        "imported. Try a smaller file, or tell an administrator."
                    ),
                    count=job.attempts,
                )
            ),
        },
    )


def claim_import_job(
    session: Session,
    *,
    worker_id: str,
    now: datetime,
    lease_seconds: int = LEASE_SECONDS,
    job_id: int | None = None,
) -> ImportJob | None:
    """Claim the oldest waiting job (or the one given), or one whose worker's lease ran out;
    flush. None when there is nothing to do. No two workers ever hold the same job; a job taken
    over ``MAX_ATTEMPTS`` times is given up (failed) rather than tried again."""
    statement = (
        select(ImportJob)
        .where(
            or_(
                ImportJob.status == ImportJobStatus.QUEUED,
                (ImportJob.status == ImportJobStatus.RUNNING) & (ImportJob.lease_until < now),
            )
        )
        .order_by(ImportJob.created_at, ImportJob.id)
        .limit(5)
    )
    if job_id is not None:
        statement = statement.where(ImportJob.id == job_id)
    for job in session.scalars(leases.skip_locked(session, statement, of=ImportJob)).all():
        if job.status == ImportJobStatus.RUNNING and job.attempts >= MAX_ATTEMPTS:
            _give_up(session, job, now)
            continue
        won = leases.conditional_update(
            session,
            ImportJob,
            job.id,
            where=[
                ImportJob.status == job.status,
                ImportJob.attempts == job.attempts,
            ],
            values={
                "status": ImportJobStatus.RUNNING,
                "claimed_by": worker_id,
                "lease_until": now + timedelta(seconds=lease_seconds),
                "attempts": ImportJob.attempts + 1,
                "started_at": func.coalesce(ImportJob.started_at, now),
                "done": 0,
            },
        )
        if won:
            session.refresh(job)
            return job
    session.flush()
    return None


def _held_by(worker_id: str) -> list[Any]:
    return [ImportJob.status == ImportJobStatus.RUNNING, ImportJob.claimed_by == worker_id]


def report_progress(
    session: Session,
    *,
    job_id: int,
    worker_id: str,
    now: datetime,
    done: int,
    total: int,
    lease_seconds: int = LEASE_SECONDS,
) -> bool:
    """Record how far the import is, and renew the lease. Written in its own short transaction
    (the caller's second session), apart from the import's data. False when the claim is lost."""
    return leases.conditional_update(
        session,
        ImportJob,
        job_id,
        where=_held_by(worker_id),
        values={
            "done": done,
            "total": total,
            "lease_until": now + timedelta(seconds=lease_seconds),
        },
    )


def renew_import_lease(
    session: Session, *, job_id: int, worker_id: str, now: datetime, lease_seconds: int
) -> bool:
    """Extend this worker's claim on a job; False when it no longer holds it."""
    return leases.conditional_update(
        session,
        ImportJob,
        job_id,
        where=_held_by(worker_id),
        values={"lease_until": now + timedelta(seconds=lease_seconds)},
    )


def finish_import_job(
    session: Session, *, job: ImportJob, worker_id: str, now: datetime, report: ImportReport
) -> None:
    """Mark the job done with its report, in the transaction that holds the import's data.
    Raises LeaseLost when another worker took the job over: the caller rolls everything back."""
    total = sum(report.counts.values())
    won = leases.conditional_update(
        session,
        ImportJob,
        job.id,
        where=_held_by(worker_id),
        values={
            "status": ImportJobStatus.DONE,
            "result": report.as_json(),
            # The file is not needed once imported (nothing retries a finished job); the
            # report stays.
            "content": b"",
            "done": total,
            "total": total,
            "finished_at": now,
            "lease_until": None,
        },
    )
    if not won:
        raise LeaseLost(job.id)
    session.flush()


def fail_import_job(
    session: Session, *, job_id: int, worker_id: str | None, now: datetime, message: str
) -> bool:
    """Mark the job failed with ``message`` (what the person can do about it). ``worker_id``
    None fails it whoever holds it (a refusal found before any worker ran)."""
    where = _held_by(worker_id) if worker_id is not None else []
    return leases.conditional_update(
        session,
        ImportJob,
        job_id,
        where=where,
        values={
            "status": ImportJobStatus.FAILED,
            "error": message_as_json(message),
            "content": b"",
            "finished_at": now,
            "lease_until": None,
        },
    )


def get_import_job(session: Session, job_id: int, *, actor: Person | None) -> ImportJob:
    """A job, for the person who started it (or the system). Raises NotFound otherwise."""
    job = session.get(ImportJob, job_id)
    if job is None or (actor is not None and job.created_by_id != actor.id):
        raise NotFound(N_("There is no such import."))
    return job


def waiting_import_jobs(session: Session) -> int:
    """How many jobs wait for a worker (for /healthz and /metrics)."""
    return (
        session.scalar(
            select(func.count())
            .select_from(ImportJob)
            .where(ImportJob.status == ImportJobStatus.QUEUED)
        )
        or 0
    )
