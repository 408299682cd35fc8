"""Import jobs: queued files claimed under a lease (the outbox's discipline), taken over when
a worker dies, given up after repeated deaths, and done in one transaction with their data."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from campaigns import imports
from campaigns.calendar import ics_jobs
from campaigns.calendar.models import Event
from campaigns.errors import Invalid, NotFound
from campaigns.org import import_jobs
from campaigns.org.import_jobs import ImportJob, LeaseLost
from campaigns.press import csv_import
from campaigns.press.models import Journalist
from tests.factories import create_person, create_unit

CSV = b"name_latin,country,email\nAnna Schmidt,DE,anna@example.de\nBob Lee,US,\n"


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def queue(session, now, actor=None, content=CSV, **options) -> ImportJob:
    return csv_import.queue_journalist_import(
        session, actor=actor, now=now, content=content, filename="people.csv", **options
    )


def test_a_queued_job_is_claimed_by_one_worker_only(session, now):
    job = queue(session, now)
    assert (job.status, job.total) == ("queued", 2)
    first = import_jobs.claim_import_job(session, worker_id="a", now=now)
    assert first is not None and first.id == job.id
    assert (first.status, first.claimed_by, first.attempts) == ("running", "a", 1)
    assert first.lease_until == now + timedelta(seconds=import_jobs.LEASE_SECONDS)
    assert import_jobs.claim_import_job(session, worker_id="b", now=now) is None


def test_a_dead_workers_job_is_taken_over_and_the_dead_worker_cannot_finish(session, now):
    job = queue(session, now)
    import_jobs.claim_import_job(session, worker_id="a", now=now)
    later = now + timedelta(seconds=import_jobs.LEASE_SECONDS - 1)
    # Progress renews the lease: still a's a little later.
    assert import_jobs.report_progress(
        session, job_id=job.id, worker_id="a", now=later, done=1, total=2
    )
    assert (
        import_jobs.claim_import_job(session, worker_id="b", now=later + timedelta(seconds=2))
        is None
    )
    expired = later + timedelta(seconds=import_jobs.LEASE_SECONDS + 1)
    taken = import_jobs.claim_import_job(session, worker_id="b", now=expired)
    assert taken is not None and (taken.claimed_by, taken.attempts, taken.done) == ("b", 2, 0)
    assert not import_jobs.report_progress(
        session, job_id=job.id, worker_id="a", now=expired, done=2, total=2
    )
    with pytest.raises(LeaseLost):
        imports.run_import_job(session, job=taken, worker_id="a", now=expired)


def test_a_job_that_kills_its_workers_is_given_up(session, now):
    job = queue(session, now)
    at = now
    for attempt in range(import_jobs.MAX_ATTEMPTS):
        assert import_jobs.claim_import_job(session, worker_id=f"w{attempt}", now=at) is not None
        at += timedelta(seconds=import_jobs.LEASE_SECONDS + 1)
    assert import_jobs.claim_import_job(session, worker_id="last", now=at) is None
    session.refresh(job)
    assert job.status == "failed"
    assert "stopped 3 times" in job.error["template"] % job.error["params"]
    assert count(session, Journalist) == 0


def test_a_small_import_runs_at_once_through_the_same_job(session, now):
    editor = create_person(session, role="editor")
    job = queue(session, now, actor=editor)
    assert imports.run_import_now(session, job_id=job.id, worker_id="web", now=now)
    session.refresh(job)
    assert job.status == "done"
    assert job.result["counts"] == {"created": 2}
    assert (job.done, job.total) == (2, 2)
    assert job.content == b""  # the file goes once imported; the report stays
    # Done jobs are never claimed again: a retry cannot import twice.
    later = now + timedelta(days=1)
    assert import_jobs.claim_import_job(session, worker_id="b", now=later) is None
    assert count(session, Journalist) == 2


def test_the_report_lists_updated_and_skipped_rows(session, now):
    job = queue(session, now)
    imports.run_import_now(session, job_id=job.id, worker_id="web", now=now)
    again = CSV + b"Anna S.,DE,ANNA@example.de\n"
    second = queue(session, now, content=again, on_match="update", choices={3: "skip"})
    imports.run_import_now(session, job_id=second.id, worker_id="web", now=now)
    session.refresh(second)
    assert second.result["counts"] == {"unchanged": 1, "skipped": 2}
    rows = [(row["where"]["params"]["line"], row["outcome"]) for row in second.result["rows"]]
    assert rows == [(2, "unchanged"), (3, "skipped"), (4, "skipped")]
    last = second.result["rows"][2]["message"]
    assert last["template"] == "skipped: the same journalist as line %(line)s"
    assert last["params"] == {"line": 2}
    assert count(session, Journalist) == 2


def test_a_file_with_row_errors_imports_nothing_and_reports_each_problem(session, now):
    job = queue(session, now, content=b"name_latin,country\nGood,FR\n,XX\n")
    imports.run_import_now(session, job_id=job.id, worker_id="web", now=now)
    session.refresh(job)
    assert job.status == "done"
    assert job.result["counts"] == {"problem": 1, "not_imported": 1}
    problems = {row["message"]["params"]["column"] for row in job.result["rows"]}
    assert problems == {"name_latin", "country"}
    assert {row["where"]["params"]["line"] for row in job.result["rows"]} == {3}
    assert count(session, Journalist) == 0


def test_an_unreadable_file_is_not_queued(session, now):
    with pytest.raises(Invalid) as caught:
        queue(session, now, content=b"name,country\nA,FR\n")
    assert "Wrong columns" in caught.value.message
    with pytest.raises(Invalid):
        queue(session, now, content=b"name_latin,country\n")
    assert count(session, ImportJob) == 0


def test_only_the_person_who_started_an_import_sees_it(session, now):
    editor = create_person(session, role="editor")
    other = create_person(session, role="editor")
    job = queue(session, now, actor=editor)
    assert import_jobs.get_import_job(session, job.id, actor=editor) is job
    with pytest.raises(NotFound):
        import_jobs.get_import_job(session, job.id, actor=other)


def test_a_job_whose_person_was_deleted_does_not_run_as_the_system(session, now):
    editor = create_person(session, role="editor")
    job = queue(session, now, actor=editor)
    job.created_by_id = None
    session.flush()
    session.expire(job)
    imports.run_import_now(session, job_id=job.id, worker_id="w", now=now)
    session.refresh(job)
    assert job.status == "failed" and "no longer exists" in job.error["template"]
    assert count(session, Journalist) == 0


ICS = b"""BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Test//EN\r
BEGIN:VEVENT\r
UID:in@example.org\r
DTSTART:20250310T090000Z\r
SUMMARY:Inside\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:out@example.org\r
DTSTART:20260310T090000Z\r
SUMMARY:Outside\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:nostart@example.org\r
SUMMARY:Somewhen\r
END:VEVENT\r
END:VCALENDAR\r
"""


def test_an_ics_job_reports_each_event_left_out(session, now):
    unit = create_unit(session)
    job = ics_jobs.queue_ics_import(
        session,
        actor=None,
        now=now,
        content=ICS,
        owner_unit_code=unit.code,
        since=date(2025, 3, 1),
        until=date(2025, 4, 30),
        visibility="internal",
        kind="other",
    )
    assert job.total == 3
    imports.run_import_now(session, job_id=job.id, worker_id="web", now=now)
    session.refresh(job)
    assert job.status == "done"
    assert job.result["counts"] == {"created": 1, "updated": 0, "unchanged": 0, "skipped": 2}
    reasons = {
        row["where"]["params"]["event"]: row["message"]["template"] for row in job.result["rows"]
    }
    assert reasons == {
        "Outside": "it lies outside the window (%(since)s – %(until)s)",
        "Somewhen": "it has no start (DTSTART)",
    }
    assert count(session, Event) == 1


def test_an_ics_job_is_refused_before_queueing_when_the_file_is_not_a_calendar(session, now):
    unit = create_unit(session)
    with pytest.raises(Invalid) as caught:
        ics_jobs.queue_ics_import(
            session,
            actor=None,
            now=now,
            content=b"hello",
            owner_unit_code=unit.code,
            since=date(2025, 3, 1),
            until=date(2025, 4, 30),
            visibility="internal",
            kind="other",
        )
    assert "not an iCalendar file" in caught.value.message
    assert count(session, ImportJob) == 0
