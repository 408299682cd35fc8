"""Reading an uploaded iCalendar file into plain event values, refusing hostile input.

Everything here happens before the database is touched, so a refused file leaves nothing
behind: too large, not UTF-8, not iCalendar, an event without a start, a rule that repeats
too often to expand, or more instances in the window than Herald imports at once.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events
from recurring_ical_events.errors import BadRuleStringFormat, PeriodEndBeforeStart

from campaigns.calendar.models import EventStatus
from campaigns.errors import Invalid
from campaigns.i18n import N_

MAX_ICS_BYTES = 5 * 1024 * 1024
MAX_INSTANCES = 5000
# Expanding a rule walks it from its first date, so what matters is how many steps lie between
# DTSTART and the window's end (an hourly rule from 1990 is 300,000 steps even for one week).
MAX_RULE_STEPS = 200_000
MAX_WINDOW_DAYS = 5 * 366
# The window is expanded chunk by chunk: about DENSE_CHUNK instances at a time at most.
MIN_CHUNK, MAX_CHUNK, DENSE_CHUNK = timedelta(hours=1), timedelta(days=31), 1000

_FREQUENCY_SECONDS = {
    "SECONDLY": 1,
    "MINUTELY": 60,
    "HOURLY": 3600,
    "DAILY": 86400,
    "WEEKLY": 7 * 86400,
    "MONTHLY": 28 * 86400,
    "YEARLY": 365 * 86400,
}
_FREQUENCY_ORDER = list(_FREQUENCY_SECONDS)
_STATUSES = {"CANCELLED": EventStatus.CANCELLED, "CONFIRMED": EventStatus.CONFIRMED}


@dataclass(frozen=True)
class ImportedEvent:
    """One event (or one instance of a recurring event) read from a file."""

    external_uid: str
    # The instance's RECURRENCE-ID ("20250303T090000Z", "20250303"); "" for a single event.
    external_recurrence: str
    title: str
    description: str
    location: str
    all_day: bool
    starts_at: datetime | None
    ends_at: datetime | None
    start_date: date | None
    end_date: date | None  # inclusive
    timezone: str
    status: str


def _refuse(message: str, **params: Any) -> Invalid:
    """An Invalid about the uploaded file, its text shown next to the file field."""
    return Invalid(message, errors={"file": message % params if params else message}, **params)


def _decode(content: bytes) -> str:
    if len(content) > MAX_ICS_BYTES:
        raise _refuse(
            N_("The file is %(size)s MB; Herald imports calendars of up to %(limit)s MB."),
            size=f"{len(content) / 1024 / 1024:.1f}",
            limit=MAX_ICS_BYTES // 1024 // 1024,
        )
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise _refuse(
            N_(
                "The file is not UTF-8 text (byte %(position)s cannot be read); iCalendar files "
                "are UTF-8. Export the calendar again."
            ),
            position=error.start,
        ) from None
    if not text.lstrip().upper().startswith("BEGIN:VCALENDAR"):
        raise _refuse(N_("This is not an iCalendar file: it does not begin with BEGIN:VCALENDAR."))
    return text


def _parse(text: str) -> icalendar.Calendar:
    try:
        calendar = icalendar.Calendar.from_ical(text)
    except (ValueError, KeyError, IndexError, TypeError) as error:
        raise _refuse(
            N_("The calendar cannot be read: %(problem)s"), problem=str(error)[:200]
        ) from None
    if calendar.name != "VCALENDAR":
        raise _refuse(N_("This is not an iCalendar file: it does not begin with BEGIN:VCALENDAR."))
    return calendar


def _event_name(component: Any) -> str:
    return str(component.get("SUMMARY") or component.get("UID") or "?")[:80]


def _naive(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    return datetime.combine(value, time.min)


def _check_starts(events: list[Any]) -> None:
    for component in events:
        start = component.get("DTSTART")
        if start is None or not isinstance(getattr(start, "dt", None), date):
            raise _refuse(
                N_("The event “%(event)s” has no start (DTSTART); nothing was imported."),
                event=_event_name(component),
            )


def _rule_parts(rule: Any) -> tuple[str, int, Any, int | None, bool]:
    frequency = str((rule.get("FREQ") or [""])[0]).upper()
    interval = max(1, int((rule.get("INTERVAL") or [1])[0] or 1))
    until = (rule.get("UNTIL") or [None])[0]
    count = (rule.get("COUNT") or [None])[0]
    by_parts = any(str(key).upper().startswith("BY") for key in rule)
    return frequency, interval, until, int(count) if count is not None else None, by_parts


def _periods(frequency: str, interval: int, first: datetime, last: datetime) -> int:
    span = (last - first).total_seconds()
    if span < 0:
        return 0
    return math.floor(span / (_FREQUENCY_SECONDS[frequency] * interval)) + 1


def rule_steps(rule: Any, start: date | datetime, window_end: datetime) -> int:
    """An upper bound of the steps needed to walk ``rule`` from ``start`` to ``window_end``."""
    frequency, interval, until, count, by_parts = _rule_parts(rule)
    if frequency not in _FREQUENCY_SECONDS:
        return 1
    end = min(window_end, _naive(until)) if until is not None else window_end
    periods = max(1, _periods(frequency, interval, _naive(start), end))
    level = _FREQUENCY_ORDER.index(frequency)

    def size(part: str) -> int:
        return len(rule.get(part) or [])

    factor = 1
    for part, finer_than in (("BYSECOND", 0), ("BYMINUTE", 1), ("BYHOUR", 2)):
        if level > finer_than and size(part):
            factor *= size(part)
    day_parts = any(size(part) for part in ("BYDAY", "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO"))
    if frequency == "WEEKLY" and size("BYDAY"):
        factor *= min(7, size("BYDAY"))
    elif frequency == "MONTHLY" and day_parts:
        factor *= 31
    elif frequency == "YEARLY":
        if size("BYYEARDAY") or size("BYWEEKNO"):
            factor *= 366
        elif size("BYMONTH"):
            factor *= size("BYMONTH") * (31 if day_parts else 1)
        elif day_parts:
            factor *= 366
    steps = periods * factor
    if count is not None and not by_parts:
        steps = min(steps, max(1, count))
    return steps


def instances_in_window(
    rule: Any, start: date | datetime, window_start: datetime, window_end: datetime
) -> int | None:
    """How many times a rule without BY parts (one instance per period) fires in the window;
    None for rules whose BY parts make that a guess."""
    frequency, interval, until, count, by_parts = _rule_parts(rule)
    if frequency not in _FREQUENCY_SECONDS or by_parts:
        return None
    first = _naive(start)
    end = min(window_end, _naive(until)) if until is not None else window_end
    before = _periods(frequency, interval, first, window_start) if first < window_start else 0
    # The window's end is exclusive.
    inside = _periods(
        frequency, interval, max(first, window_start), end - timedelta(microseconds=1)
    )
    if count is not None:
        inside = max(0, min(inside, count - before))
    return inside


def _check_rules(events: list[Any], window_start: datetime, window_end: datetime) -> None:
    total, worst, worst_steps = 0, None, 0
    for component in events:
        rules = component.get("RRULE")
        if rules is None:
            continue
        start = component["DTSTART"].dt
        exdates = component.get("EXDATE") or []
        excluded = sum(
            len(item.dts) for item in (exdates if isinstance(exdates, list) else [exdates])
        )
        for rule in rules if isinstance(rules, list) else [rules]:
            steps = rule_steps(rule, start, window_end)
            total += steps
            if steps > worst_steps:
                worst, worst_steps = component, steps
            inside = instances_in_window(rule, start, window_start, window_end)
            if inside is not None and inside > MAX_INSTANCES + excluded:
                raise _refuse(
                    N_(
                        "The event “%(event)s” repeats about %(count)s times in the window; "
                        "Herald imports at most %(limit)s events at once. Nothing was imported."
                    ),
                    event=_event_name(component),
                    count=f"{inside:,}",
                    limit=f"{MAX_INSTANCES:,}",
                )
    if total > MAX_RULE_STEPS:
        raise _refuse(
            N_(
                "The event “%(event)s” repeats too often to expand (about %(count)s times "
                "up to the end of the window; Herald expands at most %(limit)s). Nothing was "
                "imported."
            ),
            event=_event_name(worst),
            count=f"{worst_steps:,}",
            limit=f"{MAX_RULE_STEPS:,}",
        )


def _recurrence_key(value: date | datetime) -> str:
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        return value.strftime("%Y%m%dT%H%M%S")
    return value.strftime("%Y%m%d")


def _external_uid(component: Any) -> str:
    uid = str(component.get("UID") or "").strip()
    if not uid:
        # No UID: derive one from what identifies the event, so a re-import still matches.
        seed = f"{component['DTSTART'].to_ical()!r}|{component.get('SUMMARY')}"
        return "no-uid-" + hashlib.sha256(seed.encode()).hexdigest()[:40]
    if len(uid) > 255:
        return "long-uid-" + hashlib.sha256(uid.encode()).hexdigest()
    return uid


def _zone_name(value: datetime, default_zone: str) -> str:
    zone = value.tzinfo
    if isinstance(zone, ZoneInfo):
        return zone.key
    if value.utcoffset() == timedelta(0):
        return "UTC"
    return default_zone


def _as_imported(component: Any, recurrence: str, default_zone: str) -> ImportedEvent:
    start = component["DTSTART"].dt
    end_property = component.get("DTEND")
    end = end_property.dt if end_property is not None else None
    common = {
        "external_uid": _external_uid(component),
        "external_recurrence": recurrence,
        "title": str(component.get("SUMMARY") or "").strip()[:300] or "(untitled)",
        "description": str(component.get("DESCRIPTION") or "")[:20000],
        "location": str(component.get("LOCATION") or "").strip()[:300],
        "status": _STATUSES.get(str(component.get("STATUS") or "").upper(), EventStatus.PLANNED),
    }
    if not isinstance(start, datetime):
        last = end - timedelta(days=1) if isinstance(end, date) and end > start else start
        if isinstance(last, datetime):
            last = last.date()
        return ImportedEvent(
            **common,
            all_day=True,
            starts_at=None,
            ends_at=None,
            start_date=start,
            end_date=last,
            timezone=default_zone,
        )
    zone = _zone_name(start, default_zone)
    if start.tzinfo is None:  # floating time: the owner unit's wall clock
        start = start.replace(tzinfo=ZoneInfo(default_zone))
    if not isinstance(end, datetime):
        end = start
    elif end.tzinfo is None:
        end = end.replace(tzinfo=ZoneInfo(default_zone))
    starts_at = start.astimezone(UTC)
    return ImportedEvent(
        **common,
        all_day=False,
        starts_at=starts_at,
        ends_at=max(end.astimezone(UTC), starts_at),
        start_date=None,
        end_date=None,
        timezone=zone,
    )


def check_window(since: date | None, until: date | None) -> dict[str, str]:
    """Field errors for an import window (empty when it is fine)."""
    errors = {}
    if since is None:
        errors["since"] = N_("Enter the first day to import.")
    if until is None:
        errors["until"] = N_("Enter the last day to import.")
    if since and until:
        if until < since:
            errors["until"] = N_("The last day comes before the first.")
        elif (until - since).days > MAX_WINDOW_DAYS:
            errors["until"] = N_("Import at most five years at once.")
    return errors


def read_ics(content: bytes, *, since: date, until: date, default_zone: str) -> list[ImportedEvent]:
    """The events of an iCalendar file that touch [since, until], recurring ones expanded.

    Floating times and dates are read on the wall clock of ``default_zone``. Raises Invalid
    (with a message under the field ``file``) for anything Herald will not import.
    """
    calendar = _parse(_decode(content))
    window_start = datetime.combine(since, time.min)
    window_end = datetime.combine(until + timedelta(days=1), time.min)
    try:
        components = list(calendar.walk("VEVENT"))
        _check_starts(components)
        _check_rules(components, window_start, window_end)
        found = _expand(calendar, components, window_start, window_end, default_zone)
    except (
        BadRuleStringFormat,
        PeriodEndBeforeStart,
        ValueError,  # recurring_ical_events' and icalendar's errors (broken properties) too
        TypeError,
    ) as error:
        raise _refuse(
            N_("The calendar cannot be read: %(problem)s"), problem=str(error)[:200]
        ) from None
    if len(found) > MAX_INSTANCES:
        raise _refuse(
            N_(
                "The file holds more than %(limit)s events between %(since)s and %(until)s; "
                "import a shorter window. Nothing was imported."
            ),
            limit=f"{MAX_INSTANCES:,}",
            since=since.isoformat(),
            until=until.isoformat(),
        )
    return sorted(
        found.values(),
        key=lambda item: item.starts_at or datetime.combine(item.start_date, time.min, UTC),
    )


def _drop_single_events_outside(
    calendar: Any, window_start: datetime, window_end: datetime
) -> None:
    """Leave out events that do not repeat and lie well outside the window: a long history
    then costs its parsing only, not its expansion. (The margin covers any zone's offset.)"""
    margin = timedelta(days=2)
    kept = []
    for component in calendar.subcomponents:
        if component.name == "VEVENT" and not any(
            key in component for key in ("RRULE", "RDATE", "RECURRENCE-ID")
        ):
            start = _naive(component["DTSTART"].dt)
            end_property, duration = component.get("DTEND"), component.get("DURATION")
            end = _naive(end_property.dt) if end_property is not None else start
            if duration is not None and isinstance(duration.dt, timedelta):
                end = max(end, start + duration.dt)
            if end < window_start - margin or start > window_end + margin:
                continue
        kept.append(component)
    calendar.subcomponents[:] = kept


def _expand(
    calendar: Any,
    components: list[Any],
    window_start: datetime,
    window_end: datetime,
    default_zone: str,
) -> dict[tuple[str, str], ImportedEvent]:
    """Instances in the window, keyed by (UID, recurrence). Stops soon after the cap: the
    window is walked in chunks that shrink where instances are dense."""
    recurring = {
        _external_uid(component)
        for component in components
        if any(key in component for key in ("RRULE", "RDATE", "RECURRENCE-ID"))
    }
    _drop_single_events_outside(calendar, window_start, window_end)
    query = recurring_ical_events.of(calendar)
    found: dict[tuple[str, str], ImportedEvent] = {}
    chunk_start, chunk = window_start, timedelta(days=1)
    while chunk_start < window_end and len(found) <= MAX_INSTANCES:
        chunk_end = min(chunk_start + chunk, window_end)
        instances = query.between(chunk_start, chunk_end)
        for component in instances:
            uid = _external_uid(component)
            recurrence = ""
            if uid in recurring and component.get("RECURRENCE-ID") is not None:
                recurrence = _recurrence_key(component["RECURRENCE-ID"].dt)
            if (uid, recurrence) not in found:
                found[uid, recurrence] = _as_imported(component, recurrence, default_zone)
        if len(instances) < DENSE_CHUNK // 4:
            chunk = min(chunk * 2, MAX_CHUNK)
        elif len(instances) > DENSE_CHUNK:
            chunk = max(chunk / 2, MIN_CHUNK)
        chunk_start = chunk_end
    return found
