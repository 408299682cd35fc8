"""Every error ends as a friendly page (web) or a JSON body with a message (API); no tracebacks."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from campaigns.errors import HeraldError
from web.extensions import db
from web.i18n import error_message, field_errors

log = logging.getLogger(__name__)


def wants_json() -> bool:
    return request.path.startswith("/api/")


def json_error(status: int, message: str, errors: dict[str, Any] | None = None):
    body: dict[str, Any] = {"code": status, "message": message}
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    return response


def _flatten_webargs(messages: dict[str, Any]) -> dict[str, Any]:
    """webargs nests errors by location ({"json": {"email": [...]}}); clients want the fields."""
    flat: dict[str, Any] = {}
    for location_errors in messages.values():
        if isinstance(location_errors, dict):
            flat.update(location_errors)
    return flat


def _page(status: int, title: str, message: str):
    return render_template("error.html", status=status, title=title, message=message), status


HTML_TITLES = {
    400: "The request could not be understood",
    403: "You cannot open this page",
    404: "Page not found",
    405: "This action is not available here",
    413: "The upload is too large",
    429: "Too many attempts",
    500: "Something went wrong",
}


def handle_http_exception(error: HTTPException):
    status = error.code or 500
    if wants_json():
        data = getattr(error, "data", None) or {}
        messages = data.get("messages")
        if messages:
            fields = _flatten_webargs(messages)
            return json_error(
                status,
                gettext("Invalid input: %(fields)s", fields=", ".join(sorted(fields))),
                fields,
            )
        return json_error(status, error.description or error.name)
    title = gettext(HTML_TITLES.get(status, error.name))
    if status == 404:
        message = gettext("The address may be mistyped, or the page has moved.")
    elif status == 403:
        message = gettext("Your role does not give access to this page.")
    else:
        message = gettext(error.description) if error.description else ""
    return _page(status, title, message)


def handle_domain_error(error: HeraldError):
    db.session.rollback()
    if wants_json():
        return json_error(error.status, error_message(error), field_errors(error) or None)
    titles = {403: HTML_TITLES[403], 404: HTML_TITLES[404]}
    title = gettext(titles.get(error.status, "This could not be done"))
    return _page(error.status, title, error_message(error))


def handle_csrf_error(error: CSRFError):
    if wants_json():
        return json_error(400, error.description)
    return _page(
        400,
        gettext("The form has expired"),
        gettext("Please go back, reload the page and try again."),
    )


def handle_unexpected(error: Exception):
    # The traceback goes to the log for the operators, never to the person.
    log.exception("unhandled error on %s %s", request.method, request.path)
    db.session.rollback()
    if isinstance(error, HTTPException):
        return handle_http_exception(error)
    if wants_json():
        return json_error(500, gettext("Something went wrong on our side. Please try again."))
    return _page(
        500,
        gettext(HTML_TITLES[500]),
        gettext("The error was logged. Please try again, or tell an administrator."),
    )


def register_error_handlers(app: Flask) -> None:
    # Registered after flask-smorest, whose handler would otherwise answer every page in JSON.
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(HeraldError, handle_domain_error)
    app.register_error_handler(InternalServerError, handle_unexpected)
    app.register_error_handler(Exception, handle_unexpected)
