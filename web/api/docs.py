"""The API reference, served by Herald itself at /api/v1/docs: Swagger UI from the installed
``swagger-ui-bundle`` package (no CDN: an office's network may not reach one, and a page that
loads someone else's script is someone else's page), reading Herald's own OpenAPI document."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, render_template, send_from_directory, url_for
from swagger_ui_bundle import swagger_ui_path

blueprint = Blueprint("api_reference", __name__, url_prefix="/api/v1/docs")

SWAGGER_UI = Path(swagger_ui_path)
# What the page loads: nothing else of the package is served.
ASSETS = frozenset(
    {
        "swagger-ui.css",
        "swagger-ui-bundle.js",
        "swagger-ui-standalone-preset.js",
        "favicon-32x32.png",
        "favicon-16x16.png",
    }
)


@blueprint.get("")
def reference():
    """The page: Swagger UI's files, and Herald's script that points it at openapi.json."""
    return render_template(
        "api/docs.html",
        spec_url=url_for("api-docs.openapi_json"),
        asset=lambda name: url_for("api_reference.asset", filename=name),
    )


@blueprint.get("/assets/<path:filename>")
def asset(filename: str):
    if filename not in ASSETS:
        abort(404)
    return send_from_directory(SWAGGER_UI, filename, max_age=86400)
