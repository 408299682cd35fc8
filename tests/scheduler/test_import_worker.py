"""The import worker: a large file is imported in the background, all or nothing, never twice,
with progress written beside the import."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from campaigns import imports
from campaigns.health.services import beat
from campaigns.org import import_jobs
from campaigns.org.import_jobs import ImportJob
from campaigns.org.models import AuditEntry
from campaigns.press import csv_import
from campaigns.press.models import Journalist
from scheduler.imports import ImportWorker
from scheduler.transactions import Transactions
from tests.factories import create_person


@pytest.fixture
def transactions(database_url) -> Iterator[Transactions]:
    transactions = Transactions.for_url(database_url, door="worker")
    yield transactions
    transactions.engine.dispose()


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def big_csv(rows: int) -> bytes:
    lines = ["name_latin,country,email,beats"]
    lines += [f"Journalist {n},FR,journalist{n}@example.org,politics" for n in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def queued(session, now, content: bytes) -> int:
    editor = create_person(session, role="editor")
    job = csv_import.queue_journalist_import(
        session, actor=editor, now=now, content=content, filename="big.csv"
    )
    session.commit()
    return job.id


def test_a_big_file_is_imported_by_the_worker_with_progress(
    session, now, transactions, monkeypatch
):
    job_id = queued(session, now, big_csv(3000))
    seen: list[tuple[int, int]] = []
    original = imports.note_progress_here

    def noting(job, done, total):
        seen.append((done, total))
        original(job, done, total)

    monkeypatch.setattr(imports, "note_progress_here", noting)
    worker = ImportWorker(transactions, worker_id="w1")
    assert worker.run_once(now) is True
    assert worker.run_once(now) is False  # nothing left
    session.expire_all()
    job = session.get(ImportJob, job_id)
    assert job.status == "done"
    assert job.result["counts"] == {"created": 3000}
    assert (job.done, job.total) == (3000, 3000)
    assert count(session, Journalist) == 3000
    if session.get_bind().dialect.name == "sqlite":
        # SQLite's single writer is busy with the import: progress went through memory.
        assert seen == [(n, 3000) for n in range(0, 3000, 500)]
        assert imports.progress_of(job) == (3000, 3000)  # forgotten once done


def test_a_failure_mid_import_leaves_nothing_and_fails_the_job(
    session, now, transactions, monkeypatch
):
    job_id = queued(session, now, big_csv(1200))
    calls = []
    original = csv_import.record_changes

    def failing_on_the_second_batch(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return original(*args, **kwargs)

    monkeypatch.setattr(csv_import, "record_changes", failing_on_the_second_batch)
    assert ImportWorker(transactions, worker_id="w1").run_once(now)
    session.expire_all()
    job = session.get(ImportJob, job_id)
    assert job.status == "failed"
    assert job.error["template"] == import_jobs.UNEXPECTED_FAILURE
    assert count(session, Journalist) == 0


def test_a_job_taken_over_from_a_dead_worker_is_imported_once(session, now, transactions):
    job_id = queued(session, now, big_csv(50))
    with transactions() as worker_session:  # the first worker claims, then dies
        assert import_jobs.claim_import_job(worker_session, worker_id="dead", now=now)
    assert not ImportWorker(transactions, worker_id="w2").run_once(now + timedelta(seconds=10))
    expired = now + timedelta(seconds=import_jobs.LEASE_SECONDS + 1)
    assert ImportWorker(transactions, worker_id="w2").run_once(expired)
    # The dead worker comes back and tries to finish what it had: it no longer holds the job.
    with pytest.raises(import_jobs.LeaseLost), transactions() as late:
        job = late.get(ImportJob, job_id)
        imports.run_import_job(late, job=job, worker_id="dead", now=expired)
    session.expire_all()
    job = session.get(ImportJob, job_id)
    assert (job.status, job.attempts, job.claimed_by) == ("done", 2, "w2")
    assert count(session, Journalist) == 50


def test_a_person_who_lost_the_right_meanwhile_gets_a_failed_job(session, now, transactions):
    job_id = queued(session, now, big_csv(5))
    job = session.get(ImportJob, job_id)
    job.created_by.role = "viewer"
    session.commit()
    assert ImportWorker(transactions, worker_id="w1").run_once(now)
    session.expire_all()
    job = session.get(ImportJob, job_id)
    assert job.status == "failed" and job.error["template"]
    assert count(session, Journalist) == 0


def test_a_second_import_updates_and_audits_each_change(session, now, transactions):
    queued(session, now, big_csv(3))
    assert ImportWorker(transactions, worker_id="w1").run_once(now)
    second = queued(session, now, big_csv(3).replace(b"politics", b"culture"))
    assert ImportWorker(transactions, worker_id="w1").run_once(now)
    session.expire_all()
    assert session.get(ImportJob, second).result["counts"] == {"updated": 3}
    assert count(session, Journalist) == 3
    assert {j.beats[0] for j in session.scalars(select(Journalist))} == {"culture"}
    updates = session.scalars(
        select(AuditEntry).where(
            AuditEntry.action == "update", AuditEntry.target_type == "journalist"
        )
    ).all()
    assert len(updates) == 3
    assert updates[0].before["beats"] == ["politics"] and updates[0].after["beats"] == ["culture"]


def test_on_sqlite_a_write_elsewhere_during_the_import_waits_instead_of_breaking_it(
    session, now, transactions, database_url, monkeypatch
):
    """A heartbeat written while the import reads its rows: on SQLite the import holds the
    write lock from its first statement, so the heartbeat waits; without that the import's
    first INSERT fails with "database is locked" and the job with it."""
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's single writer")
    job_id = queued(session, now, big_csv(50))
    other = Transactions.for_url(database_url, door="worker")
    written: list[str] = []

    def beat_elsewhere() -> None:
        with other() as elsewhere:
            beat(elsewhere, kind="worker", name="publisher", now=now)
        written.append("beat")

    threads: list[threading.Thread] = []
    original = csv_import._known_journalists

    def reading(*args, **kwargs):
        thread = threading.Thread(target=beat_elsewhere)
        thread.start()
        threads.append(thread)
        thread.join(0.5)  # it waits for the import's lock
        return original(*args, **kwargs)

    monkeypatch.setattr(csv_import, "_known_journalists", reading)
    assert ImportWorker(transactions, worker_id="w1").run_once(now)
    threads[0].join()
    other.engine.dispose()
    session.expire_all()
    assert session.get(ImportJob, job_id).status == "done"
    assert written == ["beat"]
    assert count(session, Journalist) == 50
