"""Pure rules of the press programme: state machines, links, clashes, local times."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from campaigns.errors import Invalid
from campaigns.i18n import N_
from campaigns.press.models import (
    CoverageStatus,
    InterviewStatus,
    InvitationStatus,
    ItemStatus,
    TripStatus,
    VisaStatus,
)
from campaigns.timezones import is_zone

# --- state machines ----------------------------------------------------------------------------

TRIP_TRANSITIONS: dict[str, frozenset[str]] = {
    TripStatus.DRAFT: frozenset({TripStatus.PLANNED, TripStatus.POSTPONED, TripStatus.CANCELLED}),
    TripStatus.PLANNED: frozenset(
        {TripStatus.INVITING, TripStatus.POSTPONED, TripStatus.CANCELLED}
    ),
    TripStatus.INVITING: frozenset(
        {TripStatus.CONFIRMED, TripStatus.POSTPONED, TripStatus.CANCELLED}
    ),
    TripStatus.CONFIRMED: frozenset(
        {TripStatus.IN_PROGRESS, TripStatus.POSTPONED, TripStatus.CANCELLED}
    ),
    TripStatus.IN_PROGRESS: frozenset({TripStatus.COMPLETED, TripStatus.CANCELLED}),
    TripStatus.COMPLETED: frozenset({TripStatus.COVERAGE_TRACKING}),
    TripStatus.COVERAGE_TRACKING: frozenset({TripStatus.CLOSED}),
    TripStatus.CLOSED: frozenset(),
    # A postponed trip is planned again once it has new dates.
    TripStatus.POSTPONED: frozenset({TripStatus.PLANNED, TripStatus.CANCELLED}),
    TripStatus.CANCELLED: frozenset(),
}

INVITATION_TRANSITIONS: dict[str, frozenset[str]] = {
    InvitationStatus.NOMINATED: frozenset(
        {InvitationStatus.SHORTLISTED, InvitationStatus.WITHDRAWN}
    ),
    InvitationStatus.SHORTLISTED: frozenset({InvitationStatus.INVITED, InvitationStatus.WITHDRAWN}),
    InvitationStatus.INVITED: frozenset(
        {
            InvitationStatus.ACCEPTED,
            InvitationStatus.DECLINED,
            InvitationStatus.NO_RESPONSE,
            InvitationStatus.WITHDRAWN,
        }
    ),
    # A late answer still counts.
    InvitationStatus.NO_RESPONSE: frozenset({InvitationStatus.ACCEPTED, InvitationStatus.DECLINED}),
    InvitationStatus.ACCEPTED: frozenset({InvitationStatus.CONFIRMED, InvitationStatus.WITHDRAWN}),
    InvitationStatus.CONFIRMED: frozenset({InvitationStatus.WITHDRAWN, InvitationStatus.REPLACED}),
    InvitationStatus.DECLINED: frozenset(),
    InvitationStatus.WITHDRAWN: frozenset(),
    InvitationStatus.REPLACED: frozenset(),
}

# Invitations that hold a seat on the trip (and can clash with another trip).
ACTIVE_INVITATIONS = frozenset(
    {
        InvitationStatus.NOMINATED,
        InvitationStatus.SHORTLISTED,
        InvitationStatus.INVITED,
        InvitationStatus.ACCEPTED,
        InvitationStatus.CONFIRMED,
    }
)
# Invitations whose journalist is actually coming.
TRAVELLING_INVITATIONS = frozenset({InvitationStatus.ACCEPTED, InvitationStatus.CONFIRMED})

VISA_TRANSITIONS: dict[str, frozenset[str]] = {
    VisaStatus.UNDECIDED: frozenset({VisaStatus.NOT_NEEDED, VisaStatus.LETTER_REQUESTED}),
    VisaStatus.NOT_NEEDED: frozenset({VisaStatus.LETTER_REQUESTED}),
    VisaStatus.LETTER_REQUESTED: frozenset({VisaStatus.LETTER_ISSUED}),
    VisaStatus.LETTER_ISSUED: frozenset({VisaStatus.APPLIED}),
    VisaStatus.APPLIED: frozenset({VisaStatus.GRANTED, VisaStatus.REFUSED}),
    VisaStatus.GRANTED: frozenset(),
    VisaStatus.REFUSED: frozenset(),
}

ITEM_TRANSITIONS: dict[str, frozenset[str]] = {
    ItemStatus.TENTATIVE: frozenset({ItemStatus.CONFIRMED, ItemStatus.CANCELLED}),
    ItemStatus.CONFIRMED: frozenset({ItemStatus.TENTATIVE, ItemStatus.DONE, ItemStatus.CANCELLED}),
    ItemStatus.DONE: frozenset(),
    ItemStatus.CANCELLED: frozenset({ItemStatus.TENTATIVE}),
}

INTERVIEW_TRANSITIONS: dict[str, frozenset[str]] = {
    InterviewStatus.REQUESTED: frozenset({InterviewStatus.APPROVED, InterviewStatus.DECLINED}),
    InterviewStatus.APPROVED: frozenset({InterviewStatus.SCHEDULED, InterviewStatus.DECLINED}),
    InterviewStatus.SCHEDULED: frozenset({InterviewStatus.DONE}),
    InterviewStatus.DECLINED: frozenset(),
    InterviewStatus.DONE: frozenset(),
}

COVERAGE_TRANSITIONS: dict[str, frozenset[str]] = {
    CoverageStatus.EXPECTED: frozenset({CoverageStatus.FOUND}),
    CoverageStatus.FOUND: frozenset({CoverageStatus.VERIFIED}),
    CoverageStatus.VERIFIED: frozenset(),
}


def next_states(machine: Mapping[str, frozenset[str]], current: str) -> list[str]:
    """The states reachable in one step, in the machine's declaration order."""
    allowed = machine.get(current, frozenset())
    return [state for state in machine if state in allowed]


def check_transition(
    machine: Mapping[str, frozenset[str]], current: str, target: str, *, field: str
) -> None:
    """Raise Invalid (on ``field``) unless ``current → target`` is one step of ``machine``."""
    if target not in machine:
        raise Invalid(N_("%(state)s is not a known state."), field=field, state=target)
    if target not in machine.get(current, frozenset()):
        # The pages offer only the possible steps; naming states here would show their codes.
        raise Invalid(
            N_(
                "This step is not possible from the current status: choose one of the next "
                "steps offered."
            ),
            field=field,
        )


# --- links -------------------------------------------------------------------------------------

_TRACKING_PARAMETERS = re.compile(r"^(utm_.*|fbclid|gclid|mc_cid|mc_eid|igshid|ref_src)$")


def normalise_url(raw: str | None) -> tuple[str, str | None]:
    """``(normalised, None)`` for an http(s) link, else ``(raw, message)``.

    Two links to one article compare equal: lower-case scheme and host, no ``www.``, no default
    port, no fragment, no tracking parameters, sorted query, no trailing slash.
    """
    value = (raw or "").strip()
    if not value:
        return value, N_("Enter the link to the article.")
    if len(value) > 2000:
        return value, N_("This link is too long.")
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return value, N_("Use a web link starting with http:// or https://.")
    host = parts.hostname.lower().removeprefix("www.")
    try:
        port = parts.port
    except ValueError:
        return value, N_("Use a web link starting with http:// or https://.")
    if port and port not in (80, 443):
        host = f"{host}:{port}"
    query = sorted(
        (key, item)
        for key, item in parse_qsl(parts.query, keep_blank_values=True)
        if not _TRACKING_PARAMETERS.match(key)
    )
    path = parts.path.rstrip("/") or ""
    # The scheme is left out on purpose: http and https copies of one article are one article.
    return urlunsplit(("", host, path, urlencode(query), "")).removeprefix("//"), None


# --- times -------------------------------------------------------------------------------------


def local_to_utc(wall: datetime, zone: str, *, field: str) -> datetime:
    """A naive wall-clock time in ``zone`` as an aware UTC instant. Raises Invalid when the
    zone is unknown or the time does not exist there (skipped by a DST change)."""
    if not is_zone(zone):
        raise Invalid(N_("Use an IANA time zone name, e.g. Asia/Ho_Chi_Minh."), field="timezone")
    tz = ZoneInfo(zone)
    local = wall.replace(tzinfo=tz)
    round_trip = local.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
    if round_trip != wall.replace(tzinfo=None):
        raise Invalid(
            N_("This time does not exist in %(zone)s (the clocks change)."), field=field, zone=zone
        )
    return local.astimezone(UTC)


def overlaps(a_start: Any, a_end: Any, b_start: Any, b_end: Any) -> bool:
    """Half-open intervals [start, end) overlap (instants), or inclusive ranges (dates)."""
    if isinstance(a_start, datetime):
        return a_start < b_end and b_start < a_end
    return a_start <= b_end and b_start <= a_end


def local_dates(starts_at: datetime, ends_at: datetime, zone: str) -> tuple[date, date]:
    """The local days an item occupies (an item ending at midnight ends the day before)."""
    tz = ZoneInfo(zone)
    first = starts_at.astimezone(tz).date()
    last_instant = ends_at.astimezone(tz)
    last = last_instant.date()
    if last_instant.time() == datetime.min.time() and last > first:
        last = date.fromordinal(last.toordinal() - 1)
    return first, last


def outside_trip(
    starts_at: datetime, ends_at: datetime, zone: str, start_date: date, end_date: date
) -> bool:
    first, last = local_dates(starts_at, ends_at, zone)
    return first < start_date or last > end_date


def same_city(city: str, location: str) -> bool:
    """True when ``city`` names the place in ``location`` (case- and accent-insensitive)."""
    city_key = _fold(city)
    return bool(city_key) and city_key in _fold(location)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", (text or "").replace("Đ", "D").replace("đ", "d"))
    # Spaces go too: "Hanoi" and "Hà Nội" name one city.
    return "".join(
        char for char in decomposed if not unicodedata.combining(char) and char.isalnum()
    ).lower()


# --- clashes -----------------------------------------------------------------------------------


class ClashKind:
    JOURNALIST_ON_TWO_TRIPS = "journalist_on_two_trips"
    STAFF_DOUBLE_BOOKED = "staff_double_booked"
    OUTSIDE_TRIP_DATES = "outside_trip_dates"
    NATIONAL_EVENT = "national_event"


@dataclass(frozen=True)
class Clash:
    """One problem in a trip's plan, explained in a message template with its parameters."""

    kind: str
    message: str
    params: dict[str, Any] = field(default_factory=dict)
    item_id: int | None = None


def clash_sort_key(clash: Clash) -> tuple[str, int]:
    return clash.kind, clash.item_id or 0


def unique_clashes(clashes: Iterable[Clash]) -> list[Clash]:
    seen: list[Clash] = []
    for clash in clashes:
        if clash not in seen:
            seen.append(clash)
    return sorted(seen, key=clash_sort_key)


# --- small field helpers -----------------------------------------------------------------------

LANGUAGE_TAG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


def split_list(value: str | Iterable[str] | None) -> list[str]:
    """``"en, fr"`` or ``["en", " fr"]`` → ``["en", "fr"]`` without empties or repeats."""
    if value is None:
        return []
    items = value.replace(";", ",").split(",") if isinstance(value, str) else value
    cleaned: list[str] = []
    for item in items:
        item = (item or "").strip()
        if item and item not in cleaned:
            cleaned.append(item)
    return cleaned


def check_languages(tags: list[str]) -> str | None:
    if any(not LANGUAGE_TAG.match(tag) for tag in tags):
        return N_("Use language tags such as vi, en, fr or zh-Hant, separated by commas.")
    return None
