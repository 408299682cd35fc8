"""Pure rules for units and people: what a valid code, email, zone or password is."""

from __future__ import annotations

import re

from email_validator import EmailNotValidError, validate_email

from campaigns.i18n import N_
from campaigns.org.models import LOCALES, ROLES_NEEDING_UNIT, Role, UnitKind
from campaigns.timezones import is_country, is_zone

UNIT_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$")
MIN_PASSWORD_LENGTH = 10


def normalise_email(raw: str | None) -> tuple[str | None, str | None]:
    """Return ``(email, None)`` for a valid address (lower-cased) or ``(None, message)``."""
    raw = (raw or "").strip()
    if not raw:
        return None, N_("Enter an email address.")
    try:
        result = validate_email(raw, check_deliverability=False)
    except EmailNotValidError:
        return None, N_("This is not a valid email address.")
    return result.normalized.lower(), None


def check_text(value: str | None, *, max_length: int = 200) -> tuple[str, str | None]:
    value = (value or "").strip()
    if not value:
        return value, N_("This field cannot be empty.")
    if len(value) > max_length:
        return value, N_("This field is too long.")
    return value, None


def check_unit_fields(
    *, code: str, name_vi: str, name_en: str, kind: str, country: str, timezone: str
) -> tuple[dict[str, str], dict[str, str]]:
    """Clean the fields of a unit. Returns ``(cleaned values, field errors)``."""
    errors: dict[str, str] = {}
    cleaned: dict[str, str] = {}
    code = (code or "").strip().lower()
    if not UNIT_CODE.match(code):
        errors["code"] = N_("Use 3 to 40 lower-case letters, digits and dashes, e.g. mission-us.")
    cleaned["code"] = code
    for field in ("name_vi", "name_en"):
        cleaned[field], error = check_text({"name_vi": name_vi, "name_en": name_en}[field])
        if error:
            errors[field] = error
    if kind not in set(UnitKind):
        errors["kind"] = N_("Choose a kind of unit from the list.")
    cleaned["kind"] = kind
    country = (country or "").strip().upper()
    if not is_country(country):
        errors["country"] = N_("Use a two-letter ISO 3166 country code, e.g. VN or FR.")
    cleaned["country"] = country
    timezone = (timezone or "").strip()
    if not is_zone(timezone):
        errors["timezone"] = N_("Use an IANA time zone name, e.g. Asia/Ho_Chi_Minh.")
    cleaned["timezone"] = timezone
    return cleaned, errors


def check_person_fields(
    *, name: str, role: str, locale: str, timezone: str, has_unit: bool
) -> dict[str, str]:
    """Field errors for a person's name, role, locale and zone (email and unit are checked apart)."""
    errors: dict[str, str] = {}
    _, error = check_text(name)
    if error:
        errors["name"] = error
    if role not in set(Role):
        errors["role"] = N_("Choose a role from the list.")
    elif role in ROLES_NEEDING_UNIT and not has_unit:
        errors["unit"] = N_("Editors, field staff and viewers must belong to a unit.")
    if locale not in LOCALES:
        errors["locale"] = N_("Choose Vietnamese or English.")
    if not is_zone(timezone):
        errors["timezone"] = N_("Use an IANA time zone name, e.g. Asia/Ho_Chi_Minh.")
    return errors


def check_password(password: str | None) -> str | None:
    """A message when ``password`` is too weak, else None."""
    if not password or len(password) < MIN_PASSWORD_LENGTH:
        return N_("Use a password of at least 10 characters.")
    return None
