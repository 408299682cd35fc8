"""IANA zones and country codes: validation and conversion, pure functions."""

from __future__ import annotations

import re
import zoneinfo
from datetime import datetime
from functools import cache

from babel import Locale


@cache
def available_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def is_zone(name: str | None) -> bool:
    """True when ``name`` is an IANA zone name this machine knows (``Asia/Ho_Chi_Minh``)."""
    return bool(name) and name in available_zones()


def zone(name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name)


def to_zone(instant: datetime, name: str) -> datetime:
    """The same instant shown on the wall clock of zone ``name``."""
    return instant.astimezone(zoneinfo.ZoneInfo(name))


_COUNTRY_CODE = re.compile(r"^[A-Z]{2}$")


@cache
def country_names(locale: str = "en") -> dict[str, str]:
    """ISO 3166-1 alpha-2 codes and their names in ``locale`` (from CLDR, through Babel)."""
    territories = Locale.parse(locale).territories
    return {
        code: name
        for code, name in territories.items()
        if _COUNTRY_CODE.match(code) and code not in {"ZZ", "XA", "XB", "EU", "EZ", "UN", "QO"}
    }


@cache
def country_options(locale: str = "en") -> tuple[tuple[str, str], ...]:
    """(code, "Name (CODE)") of every country, sorted by name in ``locale``: the options of
    every country list (a page may show several; sorting ~250 names each time showed up in
    the profiles)."""
    return tuple(
        sorted(
            ((code, f"{name} ({code})") for code, name in country_names(locale).items()),
            key=lambda item: item[1],
        )
    )


def is_country(code: str | None) -> bool:
    return bool(code) and code in country_names("en")
