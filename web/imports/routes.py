"""Import jobs seen by the person who started them: a page with a progress bar (polling a small
JSON status) that becomes the report when the job is done."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from campaigns import imports
from campaigns.calendar.ics_jobs import JOB_KIND as ICS_JOB
from campaigns.db import utcnow
from campaigns.org.import_jobs import ImportJob
from campaigns.press.csv_import import JOB_KIND as JOURNALISTS_JOB
from campaigns.social.bulk import JOB_KIND as POSTS_JOB
from web.extensions import db
from web.i18n import translate
from web.loading import load_for

blueprint = Blueprint("imports", __name__, url_prefix="/imports")

# A file this small is imported while the person waits (a second or two); larger ones go to a
# worker. Both take the same path (``campaigns.imports``) and end on the same report.
INLINE_ROWS = 300

TITLES = {
    JOURNALISTS_JOB: _l("Import of journalists"),
    ICS_JOB: _l("Import of calendar events"),
    POSTS_JOB: _l("Posts from a file"),
}
OUTCOMES = {
    "created": _l("Created"),
    "updated": _l("Updated"),
    "unchanged": _l("Unchanged"),
    "skipped": _l("Skipped"),
    "problem": _l("Rows with problems"),
    "not_imported": _l("Not imported (other rows have problems)"),
}
STATUSES = {
    "queued": _l("Waiting for a worker"),
    "running": _l("Importing"),
    "done": _l("Done"),
    "failed": _l("Failed"),
}


def in_words(message: dict[str, Any] | None) -> str:
    """A message of a report (``message_as_json``) in the reader's language."""
    if not message:
        return ""
    params = {
        name: in_words(value) if isinstance(value, dict) and "template" in value else value
        for name, value in (message.get("params") or {}).items()
    }
    return translate(message["template"], params)


def start(job: ImportJob) -> str:
    """After queueing ``job`` (committed): a small one is imported now; the page to go to."""
    if job.total <= INLINE_ROWS and not job.params.get("repeats"):
        imports.run_import_now(db.session, job_id=job.id, worker_id="web", now=utcnow())
        db.session.commit()
    return url_for("imports.job_page", job_id=job.id)


def _back(job: ImportJob) -> str:
    if job.kind == ICS_JOB:
        return url_for("calendar.agenda", date=job.params.get("since"))
    if job.kind == POSTS_JOB:
        return url_for("campaigns.bulk_posts")
    return url_for("press.journalists")


@blueprint.get("/<int:job_id>")
@login_required
def job_page(job_id: int):
    job = load_for(None, ImportJob, job_id)
    done, total = imports.progress_of(job)
    return render_template(
        "imports/job.html",
        job=job,
        title=TITLES.get(job.kind, job.kind),
        status=STATUSES.get(job.status, job.status),
        done=done,
        total=total,
        outcomes=OUTCOMES,
        in_words=in_words,
        back=_back(job),
    )


@blueprint.get("/<int:job_id>/status")
@login_required
def job_status(job_id: int):
    job = load_for(None, ImportJob, job_id)
    done, total = imports.progress_of(job)
    return jsonify(
        status=job.status,
        label=str(STATUSES.get(job.status, job.status)),
        done=done,
        total=total,
        finished=job.finished,
    )
