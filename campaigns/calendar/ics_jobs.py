"""An .ics import as a background job: queued by the page that received the file, done by a
worker, reported event by event (what was left out and why)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from campaigns.calendar import ics_import
from campaigns.calendar.services import check_import_settings, import_ics
from campaigns.errors import Message
from campaigns.i18n import N_
from campaigns.org.import_jobs import ImportJob, ImportReport, queue_import_job
from campaigns.org.models import Person

JOB_KIND = "calendar_ics"


def queue_ics_import(
    session: Session,
    *,
    actor: Person | None,
    now: datetime,
    content: bytes,
    filename: str = "",
    owner_unit_code: str,
    since: date | None,
    until: date | None,
    visibility: str,
    kind: str,
) -> ImportJob:
    """Check the settings and that the file is an iCalendar file Herald can read, and queue it
    for a worker. Raises NotAllowed, or Invalid (fields, or the file as a whole)."""
    owner = check_import_settings(
        session,
        actor=actor,
        owner_unit_code=owner_unit_code,
        since=since,
        until=until,
        visibility=visibility,
        kind=kind,
    )
    assert since is not None and until is not None
    calendar = ics_import.check_file(content)
    events = list(calendar.walk("VEVENT"))
    return queue_import_job(
        session,
        actor=actor,
        now=now,
        kind=JOB_KIND,
        content=content,
        filename=filename,
        params={
            "owner_unit_code": owner.code,
            "since": since.isoformat(),
            "until": until.isoformat(),
            "visibility": visibility,
            "kind": kind,
            # A repeating event may stand for thousands: such a file is never imported inline.
            "repeats": any("RRULE" in event or "RDATE" in event for event in events),
        },
        total=len(events),
    )


def run_ics_import(
    session: Session,
    *,
    actor: Person | None,
    now: datetime,
    content: bytes,
    params: dict[str, Any],
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """A queued .ics import, done: counts, and each event left out with its reason."""
    result = import_ics(
        session,
        actor=actor,
        now=now,
        content=content,
        owner_unit_code=str(params.get("owner_unit_code") or ""),
        since=date.fromisoformat(params["since"]),
        until=date.fromisoformat(params["until"]),
        visibility=str(params.get("visibility") or ""),
        kind=str(params.get("kind") or ""),
        progress=progress,
    )
    report = ImportReport()
    report.count("created", result.created)
    report.count("updated", result.updated)
    report.count("unchanged", result.unchanged)
    for skipped in result.skipped:
        report.add_row(
            Message(N_("event “%(event)s”"), event=skipped.event), "skipped", skipped.reason
        )
    return report
