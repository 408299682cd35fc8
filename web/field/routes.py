"""The photos of field reports, for those who may see what a report is about: each is read
through ``load_for`` with the permission of its trip, event or campaign, never from a public
path."""

from __future__ import annotations

from flask import Blueprint, abort, send_from_directory
from flask_login import login_required

from campaigns.field.models import FieldReport
from campaigns.field.reports import photo_type
from web.campaigns.routes import media_root
from web.loading import load_for

blueprint = Blueprint("field", __name__, url_prefix="/field")


@blueprint.get("/reports/<int:report_id>/photo")
@login_required
def report_photo(report_id: int):
    report = load_for(None, FieldReport, report_id)
    if not report.photo_path:
        abort(404)
    response = send_from_directory(media_root(), report.photo_path, mimetype=photo_type(report))
    # The photo is as private as its trip or event: kept by no shared cache.
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
