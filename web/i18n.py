"""Interface language and time zone per person, and translation of domain messages."""

from __future__ import annotations

from datetime import datetime

from flask import Flask, current_app, session
from flask_babel import Babel, format_datetime, get_locale, gettext
from flask_login import current_user

from campaigns.errors import HeraldError, Message
from campaigns.timezones import available_zones
from web.labels import (
    AUDIT_DOOR_LABELS,
    AUDIT_TARGET_LABELS,
    ROLE_LABELS,
    UNIT_KIND_LABELS,
    audit_action_label,
)

LANGUAGES = {"vi": "Tiếng Việt", "en": "English"}


def select_locale() -> str:
    if current_user.is_authenticated:
        return current_user.locale
    chosen = session.get("locale")
    if chosen in LANGUAGES:
        return chosen
    # Vietnamese first: a visitor who has not chosen sees the Vietnamese interface.
    return "vi"


def select_timezone() -> str:
    if current_user.is_authenticated:
        return current_user.timezone
    return current_app.config["HERALD_TIMEZONE"]


def translate(template: str, params: dict | None = None) -> str:
    """A domain message template in the reader's language, with its parameters filled in
    (parameters that are messages themselves are translated too)."""
    return gettext(template, **{name: _in_words(value) for name, value in (params or {}).items()})


def _in_words(value: object) -> object:
    return translate(value.template, value.params) if isinstance(value, Message) else value


def error_message(error: HeraldError) -> str:
    return translate(error.template, error.params)


def field_errors(error: HeraldError) -> dict[str, str]:
    return {
        field: _in_words(message) if isinstance(message, Message) else translate(message)
        for field, message in getattr(error, "errors", {}).items()
    }


def local_datetime(instant: datetime | None, format: str = "medium") -> str:
    """An instant on the reader's wall clock (their zone), in their language."""
    if instant is None:
        return ""
    return format_datetime(instant, format)


def init_app(app: Flask, babel: Babel) -> None:
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    app.jinja_env.filters["local_datetime"] = local_datetime
    app.jinja_env.globals["LANGUAGES"] = LANGUAGES
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["ROLE_NAMES"] = ROLE_LABELS
    app.jinja_env.globals["UNIT_KINDS"] = UNIT_KIND_LABELS
    app.jinja_env.globals["AUDIT_TARGETS"] = AUDIT_TARGET_LABELS
    app.jinja_env.globals["AUDIT_DOORS"] = AUDIT_DOOR_LABELS
    app.jinja_env.globals["audit_action_label"] = audit_action_label
    app.jinja_env.globals["ZONES"] = sorted(available_zones())
