"""Helpers shared by the web forms: putting a domain error next to the fields it names."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import cache, lru_cache
from typing import Any

import wtforms
from flask import flash
from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms.fields.choices import SelectChoice

from campaigns.db import fits_integer
from campaigns.errors import HeraldError, Invalid
from campaigns.timezones import country_options
from web.i18n import error_message, field_errors


def choices(pairs: Iterable[tuple[str, Any]]) -> list[SelectChoice]:
    """WTForms select options from (value, label) pairs."""
    return [SelectChoice(value=value, label=label) for value, label in pairs]


@cache
def country_select_choices(locale: str) -> tuple[SelectChoice, ...]:
    """Every country as a select option, "Name (CODE)" in ``locale``, sorted by name. Made once
    per language: ~250 options built again for each form showed up in every profile of a page
    with a country list. WTForms only reads its choices, so they are shared."""
    return tuple(choices(country_options(locale)))


@lru_cache(maxsize=1024)
def _country_options_html(locale: str, every: str, selected: str | None) -> Markup:
    option = Markup('<option{} value="{}">{}</option>')
    return Markup("").join(
        option.format(Markup(" selected") if value == selected else "", value, label)
        for value, label in (("", every), *country_options(locale))
    )


def country_filter_options(every: str, selected: str | None) -> Markup:
    """The <option>s of a list's country filter: ``every`` (the label of no filter), then each
    country; ``selected`` chosen. Kept per language, label and value: a calendar view or the
    journalist list wrote ~250 options on each request (a sixth of a month view, profiled)."""
    return _country_options_html(str(get_locale() or "en"), str(every), selected)


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


# --- fields that keep out what the services' arithmetic cannot handle ------------------------
# A day at year 1 or 9999 overflows as soon as a day or a time zone offset is added to it; an
# integer beyond an INTEGER column is refused by PostgreSQL. Every form uses these in place of
# WTForms' own, so such input is a message next to the field, never a server error.

EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(2200, 12, 31)
DATE_OUT_OF_RANGE = _l("Use a date between 1900 and 2200.")


def _check_day(field, day: date | None) -> None:
    if day is not None and not EARLIEST_DAY <= day <= LATEST_DAY:
        field.data = None
        raise ValueError(str(DATE_OUT_OF_RANGE))


class DateField(wtforms.DateField):
    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        _check_day(self, self.data)


class DateTimeLocalField(wtforms.DateTimeLocalField):
    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        _check_day(self, self.data.date() if self.data else None)


class IntegerField(wtforms.IntegerField):
    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and not fits_integer(self.data):
            self.data = None
            raise ValueError(str(_l("This number is out of range.")))


def day_from_query(text: str | None) -> date | None:
    """A day given in a query string (``?date=2027-06-01``), or None when missing or unusable."""
    try:
        day = date.fromisoformat(text or "")
    except ValueError:
        return None
    return day if EARLIEST_DAY <= day <= LATEST_DAY else None
