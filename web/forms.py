"""Helpers shared by the web forms: putting a domain error next to the fields it names."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import flash
from flask_babel import gettext
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice

from campaigns.errors import HeraldError, Invalid
from web.i18n import error_message, field_errors


def choices(pairs: Iterable[tuple[str, Any]]) -> list[SelectChoice]:
    """WTForms select options from (value, label) pairs."""
    return [SelectChoice(value=value, label=label) for value, label in pairs]


def show_domain_error(form: FlaskForm, error: HeraldError, aliases: dict[str, str] | None = None):
    """Attach each field error to its form field; what has no field becomes a flash message."""
    aliases = aliases or {}
    unplaced: list[str] = []
    for field_name, message in field_errors(error).items():
        field = getattr(form, aliases.get(field_name, field_name), None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [*field.errors, message]
        else:
            unplaced.append(message)
    if not getattr(error, "errors", None):
        flash(error_message(error), "error")
    elif unplaced:
        flash(" ".join(unplaced), "error")
    elif error.template == Invalid.FIELDS_MESSAGE:
        # Each field says what is wrong; the code's names for the fields mean nothing here.
        flash(gettext("Please correct the fields marked below."), "error")
    else:
        flash(error_message(error), "error")
