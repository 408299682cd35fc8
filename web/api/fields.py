"""The API's schema base and field types: what every /api/v1 schema declares its fields with.

They refuse, with a field error in the reader's language, what the database could not hold or
the services could not use: numbers beyond an INTEGER column, dates outside 1900–2200, NUL
characters, unknown time zones, values of the wrong JSON type. And they document themselves
truthfully in the OpenAPI document (ranges, enums, nullable, money as a string).

Use it as ``from web.api import fields`` in place of marshmallow's module.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

import marshmallow
from flask_babel import lazy_gettext as _l
from marshmallow import fields as ma
from marshmallow import validate
from marshmallow.utils import missing

from campaigns.db import INTEGER_MAX
from campaigns.timezones import available_zones

EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2200, 12, 31)

# Marshmallow's own messages, in the reader's language (read when the error is raised).
COMMON_MESSAGES = {
    "required": _l("Missing data for required field."),
    "null": _l("Field may not be null."),
    "validator_failed": _l("Invalid value."),
}
TEXT_HAS_NUL = _l("This text contains a NUL character, which is not allowed.")
DATE_OUT_OF_RANGE = _l("Use a date between 1900 and 2200.")


class Schema(marshmallow.Schema):
    """Every API schema: unknown keys are refused, in the reader's language."""

    error_messages = {
        "unknown": _l("Unknown field."),
        "type": _l("Invalid input type."),
    }


Method = ma.Method
Function = ma.Function
Raw = ma.Raw


class Boolean(ma.Boolean):
    """true or false: a JSON number is not a boolean (query strings still say true/false)."""

    default_error_messages = {**COMMON_MESSAGES, "invalid": _l("Not a valid boolean.")}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, int | float) and not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return super()._deserialize(value, attr, data, **kwargs)


class List(ma.List):
    default_error_messages = {**COMMON_MESSAGES, "invalid": _l("Not a valid list.")}


class Dict(ma.Dict):
    default_error_messages = {**COMMON_MESSAGES, "invalid": _l("Not a valid mapping type.")}


class Nested(ma.Nested):
    default_error_messages = {**COMMON_MESSAGES, "type": _l("Invalid type.")}


class String(ma.String):
    """Text without NUL characters; ``max_length`` when its column has one."""

    default_error_messages = {**COMMON_MESSAGES, "invalid": _l("Not a valid string.")}

    def __init__(self, *args: Any, max_length: int | None = None, **kwargs: Any) -> None:
        validators = list(_as_list(kwargs.pop("validate", None)))
        if max_length is not None:
            validators.append(
                validate.Length(
                    max=max_length,
                    error=_l("This text is too long (at most {max} characters)."),
                )
            )
        super().__init__(*args, validate=validators, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if "\x00" in text:
            raise marshmallow.ValidationError(str(TEXT_HAS_NUL))
        return text


class Timezone(String):
    """An IANA time zone name such as ``Europe/Paris``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("metadata", {}).setdefault("example", "Europe/Paris")
        super().__init__(*args, max_length=64, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        zone = super()._deserialize(value, attr, data, **kwargs)
        if zone not in _known_zones():
            raise marshmallow.ValidationError(
                str(_l("Not a known time zone (use an IANA name such as Europe/Paris)."))
            )
        return zone


def OneOf(values, **kwargs: Any) -> String:
    """A string among ``values`` (enum members or strings); documented as an enum."""
    choices = [getattr(value, "value", value) for value in values]
    return String(
        validate=validate.OneOf(choices, error=_l("Must be one of: {choices}.")), **kwargs
    )


class Integer(ma.Integer):
    """A whole number an INTEGER column can hold (``minimum``/``maximum`` narrow it)."""

    default_error_messages = {
        **COMMON_MESSAGES,
        "invalid": _l("Not a valid integer."),
        "too_large": _l("Number too large."),
    }

    def __init__(
        self, *args: Any, minimum: int = -INTEGER_MAX - 1, maximum: int = INTEGER_MAX, **kwargs
    ) -> None:
        validators = [
            *_as_list(kwargs.pop("validate", None)),
            validate.Range(
                min=minimum,
                max=maximum,
                error=_l("Must be between {min} and {max}."),
            ),
        ]
        super().__init__(*args, validate=validators, **kwargs)


def Id(**kwargs: Any) -> Integer:
    """The id of a row: a positive INTEGER."""
    return Integer(minimum=1, **kwargs)


class Money(ma.Decimal):
    """An amount with at most 12 digits before the point and 2 after, written as a string
    (``"1500000.50"``); a JSON number is accepted on input too."""

    default_error_messages = {
        **COMMON_MESSAGES,
        "invalid": _l("Not a valid amount (e.g. 1500000.50)."),
        "special": _l("Not a valid amount (e.g. 1500000.50)."),
    }

    def __init__(self, **kwargs: Any) -> None:
        metadata = {"type": "string", "format": "decimal", "pattern": r"^-?\d{1,12}(\.\d{1,2})?$"}
        metadata.update(kwargs.pop("metadata", {}))
        super().__init__(places=None, as_string=True, metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise self.make_error("invalid")
        amount = super()._deserialize(value, attr, data, **kwargs)
        try:
            fits = abs(amount) < Decimal(10) ** 12 and amount == amount.quantize(Decimal("0.01"))
        except InvalidOperation:
            fits = False
        if not fits:
            raise self.make_error("invalid")
        return amount


def _check_year(value: dt.date) -> None:
    day = value.date() if isinstance(value, dt.datetime) else value
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise marshmallow.ValidationError(str(DATE_OUT_OF_RANGE))


class Date(ma.Date):
    """A day between 1900 and 2200."""

    default_error_messages = {**COMMON_MESSAGES, "invalid": _l("Not a valid date.")}

    def _deserialize(self, value, attr, data, **kwargs):
        day = super()._deserialize(value, attr, data, **kwargs)
        _check_year(day)
        return day


class AwareDateTime(ma.AwareDateTime):
    """An instant with its offset, between 1900 and 2200."""

    default_error_messages = {
        **COMMON_MESSAGES,
        "invalid": _l("Not a valid datetime."),
        "invalid_awareness": _l("Give the time with its offset (e.g. 2027-06-01T09:00:00+07:00)."),
    }

    def _deserialize(self, value, attr, data, **kwargs):
        instant = super()._deserialize(value, attr, data, **kwargs)
        _check_year(instant)
        return instant


class NaiveDateTime(ma.NaiveDateTime):
    """A wall-clock time without offset (``2027-09-01T09:00``), between 1900 and 2200."""

    WALL_CLOCK = {
        # Not an RFC 3339 "date-time": that one carries an offset.
        "format": "local-date-time",
        "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?$",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["metadata"] = {**self.WALL_CLOCK, **kwargs.get("metadata", {})}
        super().__init__(*args, **kwargs)

    default_error_messages = {
        **COMMON_MESSAGES,
        "invalid": _l("Not a valid datetime."),
        "invalid_awareness": _l(
            "Give a wall-clock time without an offset (e.g. 2027-09-01T09:00)."
        ),
    }

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            # An offset is refused rather than silently dropped.
            try:
                parsed = dt.datetime.fromisoformat(value)
            except ValueError:
                parsed = None
            if parsed is not None and parsed.tzinfo is not None:
                raise self.make_error("invalid_awareness")
        moment = super()._deserialize(value, attr, data, **kwargs)
        _check_year(moment)
        return moment


class WallOrAwareDateTime(ma.DateTime):
    """An ISO 8601 time with or without an offset (kept as given), between 1900 and 2200."""

    default_error_messages = {**COMMON_MESSAGES, "invalid": _l("Not a valid datetime.")}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise self.make_error("invalid")
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError as error:
            raise self.make_error("invalid") from error
        _check_year(moment)
        return moment


class Time(ma.Time):
    default_error_messages = {**COMMON_MESSAGES, "invalid": _l("Not a valid time.")}


class _Computed:
    """Dumped as ``getter(obj)``; read, validated and documented as the field it extends."""

    def __init__(self, *args: Any, getter: Callable[[Any], Any], **kwargs: Any) -> None:
        self._getter = getter
        super().__init__(*args, **kwargs)

    def get_value(self, obj, attr, accessor=None, default=missing):
        return self._getter(obj)


class ComputedString(_Computed, String):
    """A string read from the object by ``getter`` (a unit's code, say)."""


class ComputedList(_Computed, List):
    """A list read from the object by ``getter`` (ids, codes)."""


@functools.cache
def _known_zones() -> frozenset[str]:
    return available_zones()


def _as_list(validators) -> list:
    if validators is None:
        return []
    if callable(validators):
        return [validators]
    return list(validators)


class ComputedBoolean(_Computed, Boolean):
    """A boolean read from the object by ``getter``."""


class ComputedNaiveDateTime(_Computed, NaiveDateTime):
    """A wall-clock time read from the object by ``getter``."""


class ComputedInteger(_Computed, Integer):
    """A whole number read from the object by ``getter``."""
