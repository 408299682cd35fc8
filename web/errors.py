"""Every error ends as a friendly page (web) or a JSON body with a message (API); no tracebacks."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, jsonify, make_response, render_template, request
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed

from campaigns.errors import HeraldError, Invalid
from campaigns.i18n import N_
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


def in_api_names(error: Invalid, names: dict[str, str]) -> Invalid:
    """The same error, its fields named as the API's JSON keys (the services name them after
    their input classes: ``host_unit_code`` is the API's ``host_unit``)."""
    renamed = {names.get(name, name): text for name, text in error.errors.items()}
    return Invalid(error.template, errors=renamed, **error.params)


def _flatten_webargs(messages: dict[str, Any]) -> dict[str, Any]:
    """webargs nests errors by location ({"json": {"email": [...]}}); clients want the fields."""
    flat: dict[str, Any] = {}
    for location_errors in messages.values():
        if isinstance(location_errors, dict):
            flat.update(location_errors)
    return _plain(flat)


def _plain(value: Any) -> Any:
    """Marshmallow's messages with lazy (translated) strings turned into text for JSON."""
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _page(status: int, title: str, message: str):
    return render_template("error.html", status=status, title=title, message=message), status


def error_page(status: int, message: str):
    """The error page for ``status`` with a message that says what was wrong."""
    title = gettext(HTML_TITLES[status]) if status in HTML_TITLES else str(status)
    return _page(status, title, message)


HTML_TITLES = {
    400: N_("The request could not be understood"),
    403: N_("You cannot open this page"),
    404: N_("Page not found"),
    405: N_("This action is not available here"),
    413: N_("The upload is too large"),
    429: N_("Too many attempts"),
    500: N_("Something went wrong"),
}


HTML_MESSAGES = {
    400: N_("Please go back and try again."),
    403: N_("Your role does not give access to this page."),
    404: N_("The address may be mistyped, or the page has moved."),
    405: N_("This address does not accept this kind of request."),
    413: N_("The file is larger than Herald accepts."),
    429: N_("Please wait a moment and try again."),
}


def handle_http_exception(error: HTTPException):
    response = _http_error_response(error)
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        # RFC 9110: a 405 says which methods the address takes.
        response = make_response(response)
        response.headers["Allow"] = ", ".join(sorted(error.valid_methods))
    return response


def _http_error_response(error: HTTPException):
    if error.response is not None:
        # A response built on purpose (e.g. the login page telling how long to wait).
        return error.response
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
    title = gettext(HTML_TITLES[status]) if status in HTML_TITLES else error.name
    message = gettext(HTML_MESSAGES[status]) if status in HTML_MESSAGES else ""
    if wants_json():
        return json_error(status, message or title)
    return _page(status, title, message)


def handle_domain_error(error: HeraldError):
    db.session.rollback()
    if wants_json():
        return json_error(error.status, error_message(error), field_errors(error) or None)
    titles = {403: HTML_TITLES[403], 404: HTML_TITLES[404]}
    title = gettext(titles.get(error.status, N_("This could not be done")))
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
