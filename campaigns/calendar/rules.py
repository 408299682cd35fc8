"""Pure calendar rules: anniversary arithmetic (occurrences, ordinals, tiers), wall clocks in
IANA zones, and the spans events cover. No database, no clock: everything is passed in."""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol

from campaigns.calendar import lunar
from campaigns.calendar.models import Tier
from campaigns.errors import Invalid
from campaigns.i18n import N_
from campaigns.timezones import zone as zone_info

# The zone whose calendar day decides when a planning task is due (the office's own).
OFFICE_ZONE = "Asia/Ho_Chi_Minh"
DEFAULT_LEAD_TIMES: dict[Tier, int] = {Tier.MAJOR: 180, Tier.ROUND: 90, Tier.REGULAR: 30}
# Lunar dates are computed for these years only; beyond them the astronomy drifts.
LUNAR_YEARS = range(1800, 2201)

_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


# --- anniversaries -----------------------------------------------------------------------------


def tier_for(years: int | None) -> Tier:
    """major for multiples of 10 or 25 years, round for other multiples of 5, else regular."""
    if not years or years < 0:
        return Tier.REGULAR
    if years % 10 == 0 or years % 25 == 0:
        return Tier.MAJOR
    if years % 5 == 0:
        return Tier.ROUND
    return Tier.REGULAR


def ordinal_en(number: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st, 102nd ..."""
    if 10 <= number % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def format_day(day: date, locale: str) -> str:
    """``12/07/2025`` in Vietnamese, ``12 Jul 2025`` otherwise (no locale tables needed)."""
    if locale == "vi":
        return day.strftime("%d/%m/%Y")
    return f"{day.day} {_MONTHS_EN[day.month - 1]} {day.year}"


@dataclass(frozen=True)
class AnniversaryOccurrence:
    """One anniversary in one year: its solar date, how many years it marks, and its tier."""

    anniversary_id: int
    uid: str
    title_vi: str
    title_en: str
    category: str
    date: date
    years: int | None
    tier: Tier
    country: str | None
    owner_unit_id: int | None
    # The (lunar) year this occurrence belongs to; equals date.year for solar anniversaries.
    cycle_year: int | None = None

    def title(self, locale: str) -> str:
        return self.title_vi if locale == "vi" else self.title_en

    def label(self, locale: str) -> str:
        """The occurrence as people say it: "30 năm Ngày ..." / "30th anniversary of ..."."""
        if not self.years:
            return self.title(locale)
        if locale == "vi":
            return f"{self.years} năm {self.title_vi}"
        return f"{ordinal_en(self.years)} anniversary of {self.title_en}"

    @property
    def occurrence_uid(self) -> str:
        """Stable per occurrence: the anniversary's UID and the year the occurrence belongs to."""
        return f"{self.uid}-{self.cycle_year or self.date.year}"

    def planning_title(self, locale: str) -> str:
        """The title of the planning task this occurrence causes."""
        if locale == "vi":
            what = f"kỷ niệm {self.label('vi')}" if self.years else self.title_vi
            return f"Chuẩn bị {what} — {format_day(self.date, 'vi')}"
        what = f"the {self.label('en')}" if self.years else self.title_en
        return f"Prepare {what} — {format_day(self.date, 'en')}"


class AnniversaryLike(Protocol):
    id: int
    uid: str
    title_vi: str
    title_en: str
    category: str
    origin_date: date | None
    lunar_month: int | None
    lunar_day: int | None
    origin_year: int | None
    partner_country: str | None
    owner_unit_id: int | None


def _first_year(anniversary: AnniversaryLike) -> int | None:
    if anniversary.origin_date is not None:
        return anniversary.origin_date.year
    return anniversary.origin_year


def occurrence_date(anniversary: AnniversaryLike, year: int) -> date | None:
    """The solar date of the anniversary in ``year``, or None when there is none.

    Solar: the origin's day in ``year`` (29 February falls on 28 February in common years).
    Lunar: the lunar month/day in the lunar year whose Tết falls in ``year`` (so a 12th-month
    date may land in January of the next solar year). None for the origin year itself and
    earlier (the origin is not an anniversary), and outside the years lunar dates are known.
    """
    first = _first_year(anniversary)
    if first is not None and year <= first:
        return None
    origin = anniversary.origin_date
    if origin is not None:
        if origin.month == 2 and origin.day == 29 and not calendar.isleap(year):
            return date(year, 2, 28)
        return origin.replace(year=year)
    if anniversary.lunar_month and anniversary.lunar_day and year in LUNAR_YEARS:
        return lunar.solar_date(year, anniversary.lunar_month, anniversary.lunar_day)
    return None


def occurrence_in(anniversary: AnniversaryLike, year: int) -> AnniversaryOccurrence | None:
    """The anniversary's occurrence for (lunar or solar) ``year``, with its ordinal and tier."""
    day = occurrence_date(anniversary, year)
    if day is None:
        return None
    first = _first_year(anniversary)
    years = year - first if first is not None else None
    return AnniversaryOccurrence(
        anniversary_id=anniversary.id,
        uid=anniversary.uid,
        title_vi=anniversary.title_vi,
        title_en=anniversary.title_en,
        category=anniversary.category,
        date=day,
        years=years,
        tier=tier_for(years),
        country=anniversary.partner_country,
        owner_unit_id=anniversary.owner_unit_id,
        cycle_year=year,
    )


def occurrences_between(
    anniversaries: Iterable[AnniversaryLike], since: date, until: date
) -> list[AnniversaryOccurrence]:
    """Every occurrence dated in [since, until] (inclusive), sorted by (date, title_en)."""
    found = []
    for anniversary in anniversaries:
        # A lunar year's late months reach into the next solar year, so look one year back.
        for year in range(since.year - 1, until.year + 1):
            occurrence = occurrence_in(anniversary, year)
            if occurrence is not None and since <= occurrence.date <= until:
                found.append(occurrence)
    found.sort(key=lambda occurrence: (occurrence.date, occurrence.title_en))
    return found


def office_today(now: datetime, zone: str = OFFICE_ZONE) -> date:
    """The calendar day it is at the office at instant ``now``."""
    return now.astimezone(zone_info(zone)).date()


def is_due(occurrence: AnniversaryOccurrence, today: date, lead_times: dict[Tier, int]) -> bool:
    """True once ``today`` is within the occurrence's lead time (and it has not passed)."""
    days_left = (occurrence.date - today).days
    return 0 <= days_left <= lead_times[occurrence.tier]


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day when it is shorter)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# --- wall clocks and spans ---------------------------------------------------------------------


def local_instant(wall: datetime, zone: str, *, field: str = "starts_local") -> datetime:
    """The aware UTC instant of wall-clock time ``wall`` in ``zone``.

    Raises Invalid for a time that does not exist there (skipped by a DST change). A time that
    happens twice (clocks turned back) means the first of the two, as calendar programs do.
    """
    tz = zone_info(zone)
    if wall.tzinfo is not None:
        return wall.astimezone(UTC)
    candidate = wall.replace(tzinfo=tz, fold=0)
    back_on_the_wall = candidate.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
    if back_on_the_wall != wall:
        message = N_(
            "%(time)s does not exist in %(zone)s: the clocks skip it. Choose another time."
        )
        text = wall.strftime("%Y-%m-%d %H:%M")
        raise Invalid(
            message, errors={field: message % {"time": text, "zone": zone}}, time=text, zone=zone
        )
    return candidate.astimezone(UTC)


def local_day_bounds(since: date, until: date, zone: str) -> tuple[datetime, datetime]:
    """UTC instants of the start of local day ``since`` and the end of local day ``until``."""
    tz = zone_info(zone)
    start = datetime.combine(since, time.min, tzinfo=tz).astimezone(UTC)
    end = datetime.combine(until + timedelta(days=1), time.min, tzinfo=tz).astimezone(UTC)
    return start, end


class EventLike(Protocol):
    all_day: bool
    starts_at: datetime | None
    ends_at: datetime | None
    start_date: date | None
    end_date: date | None
    timezone: str


def event_span(event: EventLike | Any) -> tuple[datetime, datetime]:
    """The UTC instants an event covers, end exclusive. All-day events cover their days on the
    wall clock of their own zone; an event without duration covers one minute."""
    if event.all_day:
        start, end = local_day_bounds(
            event.start_date, event.end_date or event.start_date, event.timezone
        )
    else:
        start = event.starts_at
        end = event.ends_at or start
    return start, max(end, start + timedelta(minutes=1))


def event_start(event: EventLike | Any) -> datetime:
    """``event_span(event)[0]`` without computing the end: what lists of events sort by."""
    if event.all_day:
        return datetime.combine(
            event.start_date, time.min, tzinfo=zone_info(event.timezone)
        ).astimezone(UTC)
    return event.starts_at


def spans_overlap(first: tuple[datetime, datetime], second: tuple[datetime, datetime]) -> bool:
    return first[0] < second[1] and second[0] < first[1]


# What changes an event's SEQUENCE (RFC 5545 §3.8.7.4): its time, its place, its status.
SEQUENCE_FIELDS = (
    "all_day",
    "starts_at",
    "ends_at",
    "start_date",
    "end_date",
    "timezone",
    "location",
    "status",
)


def sequence_changes(before: dict[str, Any], after: dict[str, Any]) -> bool:
    """True when time, place or status differs between two snapshots of an event."""
    return any(before.get(field) != after.get(field) for field in SEQUENCE_FIELDS)
