"""Posts from a file: upload, preview with each row's problems per column, confirm (all or
nothing), and the template to start from."""

from __future__ import annotations

import base64
import binascii

from flask import Response, flash, redirect, render_template, request
from flask_login import login_required

from campaigns.db import utcnow
from campaigns.errors import Conflict, Invalid, NotAllowed
from campaigns.permissions import require
from campaigns.social import bulk
from campaigns.spreadsheets import csv_bytes
from web.campaigns import forms
from web.campaigns.routes import blueprint
from web.extensions import db
from web.forms import show_domain_error
from web.i18n import error_message, translate
from web.imports.routes import start as start_import
from web.security import actor

# The preview shows this many rows (those with problems first); the counts cover all.
PREVIEW_ROWS = 500


def _in_words(message) -> str:
    return translate(message.template, message.params)


@blueprint.get("/bulk/template.csv")
@login_required
def bulk_template():
    require(actor(), "post.bulk")
    return Response(
        csv_bytes(bulk.TEMPLATE_ROWS),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="herald-posts.csv"'},
    )


@blueprint.route("/bulk", methods=["GET", "POST"])
@login_required
def bulk_posts():
    require(actor(), "post.bulk")
    form = forms.BulkPostsForm()
    preview = None
    if form.validate_on_submit():
        confirming = bool(form.content.data) and "confirm" in request.form
        try:
            if confirming:
                content = base64.b64decode(form.content.data.encode(), validate=True)
            else:
                upload = form.file.data
                content = upload.read(bulk.MAX_BYTES + 1) if upload else b""
                form.filename.data = (upload.filename or "")[:255] if upload else ""
        except (binascii.Error, ValueError):
            content = b""
        filename = form.filename.data or ""
        try:
            if confirming:
                # A small file is created at once, a big one by a worker: the same report.
                job = bulk.queue_bulk_posts(
                    db.session, actor=actor(), now=utcnow(), content=content, filename=filename
                )
                db.session.commit()
                return redirect(start_import(job), code=303)
            preview = bulk.preview_bulk_posts(
                db.session, actor=actor(), now=utcnow(), content=content, filename=filename
            )
        except NotAllowed:
            raise
        except (Invalid, Conflict) as error:
            db.session.rollback()
            if confirming:
                flash(error_message(error), "error")
            show_domain_error(form, error, aliases={"file": "file"})
        else:
            form.content.data = base64.b64encode(content).decode()
    status = 422 if form.errors or (preview is not None and not preview.valid) else 200
    rows = []
    if preview is not None:
        rows = sorted(preview.rows, key=lambda row: (not row.errors, row.line))[:PREVIEW_ROWS]
    return render_template(
        "campaigns/bulk.html",
        form=form,
        preview=preview,
        rows=rows,
        unlisted=max(0, len(preview.rows) - PREVIEW_ROWS) if preview else 0,
        columns=bulk.COLUMNS,
        max_rows=bulk.MAX_ROWS,
        in_words=_in_words,
    ), status
