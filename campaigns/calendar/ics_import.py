"""Reading an uploaded iCalendar file into plain event values, refusing hostile input.

Everything here happens before the database is touched. A file Herald cannot read at all (too
large, not UTF-8, not iCalendar, more instances in the window than Herald imports at once) is
refused whole. An event Herald will not import (no start, outside the window, a recurrence it
cannot expand, a second event with the same UID, a NUL character) is left out and reported with
its reason, and the rest of the file is imported.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events
from recurring_ical_events.errors import BadRuleStringFormat, PeriodEndBeforeStart

from campaigns.calendar.models import EventStatus
from campaigns.errors import Invalid, Message
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


@dataclass(frozen=True)
class SkippedEvent:
    """An event of the file that was not imported, and why (a message to translate)."""

    event: str
    reason: Message


@dataclass
class ReadCalendar:
    """What a file holds for the window: the events to import and those left out."""

    events: list[ImportedEvent] = field(default_factory=list)
    skipped: list[SkippedEvent] = field(default_factory=list)


def _refuse(message: str, **params: Any) -> Invalid:
    """An Invalid about the uploaded file, its text shown next to the file field (as a message
    with its parameters, so that it is translated like the error itself)."""
    return Invalid(message, errors={"file": Message(message, **params)}, **params)


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


_CHECKED_TEXT = ("UID", "SUMMARY", "DESCRIPTION", "LOCATION", "STATUS", "RECURRENCE-ID")


def _first_problem(component: Any, seen: set[tuple[str, str]]) -> Message | None:
    """Why this event cannot be imported at all, or None. ``seen`` collects the (UID,
    RECURRENCE-ID) pairs of the events kept so far, to spot a second event with the same."""
    start = component.get("DTSTART")
    if start is None or not isinstance(getattr(start, "dt", None), date):
        return Message(N_("it has no start (DTSTART)"))
    if any("\x00" in str(component.get(name) or "") for name in _CHECKED_TEXT):
        return Message(N_("it contains a NUL character, which Herald does not store"))
    rules = component.get("RRULE")
    for rule in rules if isinstance(rules, list) else [rules] if rules is not None else []:
        if (
            not isinstance(rule, icalendar.vRecur)
            or str((rule.get("FREQ") or [""])[0]).upper() not in _FREQUENCY_SECONDS
        ):
            return Message(N_("its repeat rule (RRULE) cannot be read"))
    recurrence = component.get("RECURRENCE-ID")
    key = (
        _external_uid(component),
        _recurrence_key(recurrence.dt) if recurrence is not None else "",
    )
    if key in seen:
        return Message(N_("another event in the file has the same UID"))
    seen.add(key)
    return None


def _leave_out(calendar: Any, left_out: set[int]) -> None:
    calendar.subcomponents[:] = [c for c in calendar.subcomponents if id(c) not in left_out]


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


def _check_rules(
    events: list[Any], window_start: datetime, window_end: datetime
) -> dict[int, Message]:
    """The recurring events Herald will not expand, by ``id(component)``, with the reason: one
    that repeats more often in the window than Herald imports at once, and then the most costly
    ones until the rest can be walked within ``MAX_RULE_STEPS`` together."""
    refused: dict[int, Message] = {}
    costs: list[tuple[int, Any]] = []
    for component in events:
        rules = component.get("RRULE")
        if rules is None:
            continue
        start = component["DTSTART"].dt
        exdates = component.get("EXDATE") or []
        excluded = sum(
            len(item.dts) for item in (exdates if isinstance(exdates, list) else [exdates])
        )
        steps = 0
        for rule in rules if isinstance(rules, list) else [rules]:
            steps += rule_steps(rule, start, window_end)
            inside = instances_in_window(rule, start, window_start, window_end)
            if inside is not None and inside > MAX_INSTANCES + excluded:
                refused[id(component)] = Message(
                    N_(
                        "it repeats about %(count)s times in the window; Herald imports at "
                        "most %(limit)s events at once"
                    ),
                    count=f"{inside:,}",
                    limit=f"{MAX_INSTANCES:,}",
                )
        if id(component) not in refused:
            costs.append((steps, component))
    total = sum(steps for steps, _ in costs)
    for steps, component in sorted(costs, key=lambda item: -item[0]):
        if total <= MAX_RULE_STEPS:
            break
        refused[id(component)] = Message(
            N_(
                "it repeats too often to expand (about %(count)s times up to the end of the "
                "window; Herald expands at most %(limit)s)"
            ),
            count=f"{steps:,}",
            limit=f"{MAX_RULE_STEPS:,}",
        )
        total -= steps
    return refused


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


def check_file(content: bytes) -> Any:
    """The calendar of a file Herald can read (size, encoding, iCalendar syntax). Raises
    Invalid under the field ``file`` otherwise."""
    return _parse(_decode(content))


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


_EXPANSION_ERRORS = (
    BadRuleStringFormat,
    PeriodEndBeforeStart,
    ValueError,  # recurring_ical_events' and icalendar's errors (broken properties) too
    TypeError,
)


def read_ics(content: bytes, *, since: date, until: date, default_zone: str) -> ReadCalendar:
    """The events of an iCalendar file that touch [since, until], recurring ones expanded, and
    the events left out with the reason for each (outside the window, no start, a recurrence
    Herald cannot expand, the same UID twice, a NUL character).

    Floating times and dates are read on the wall clock of ``default_zone``. Raises Invalid
    (with a message under the field ``file``) for a file Herald will not read at all.
    """
    calendar = _parse(_decode(content))
    window_start = datetime.combine(since, time.min)
    window_end = datetime.combine(until + timedelta(days=1), time.min)
    read = ReadCalendar()
    try:
        components = list(calendar.walk("VEVENT"))
        kept, refused, seen = [], {}, set()
        for component in components:
            problem = _first_problem(component, seen)
            if problem is None:
                kept.append(component)
            else:
                refused[id(component)] = problem
        refused.update(_check_rules(kept, window_start, window_end))
        kept = [component for component in kept if id(component) not in refused]
        _leave_out(calendar, set(refused))
        found = _expand_skipping_broken(
            calendar, kept, refused, window_start, window_end, default_zone
        )
    except _EXPANSION_ERRORS as error:
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
    found_uids = {uid for uid, _ in found}
    outside = Message(
        N_("it lies outside the window (%(since)s – %(until)s)"),
        since=since.isoformat(),
        until=until.isoformat(),
    )
    for component in components:
        reason = refused.get(id(component))
        if reason is None and _external_uid(component) not in found_uids:
            reason = outside
        if reason is not None:
            read.skipped.append(SkippedEvent(_event_name(component), reason))
    read.events = sorted(
        found.values(),
        key=lambda item: item.starts_at or datetime.combine(item.start_date, time.min, UTC),
    )
    return read


def _expand_skipping_broken(
    calendar: Any,
    kept: list[Any],
    refused: dict[int, Message],
    window_start: datetime,
    window_end: datetime,
    default_zone: str,
) -> dict[tuple[str, str], ImportedEvent]:
    """``_expand``; when the library fails on some recurrence, each recurring event is tried
    alone and those it fails on are left out (with the reason) before expanding again."""
    try:
        return _expand(calendar, kept, window_start, window_end, default_zone)
    except _EXPANSION_ERRORS:
        pass
    timezones = [c for c in calendar.subcomponents if c.name == "VTIMEZONE"]
    for component in kept:
        if not any(key in component for key in ("RRULE", "RDATE", "EXDATE")):
            continue
        alone = icalendar.Calendar()
        alone.subcomponents[:] = [*timezones, component]
        try:
            recurring_ical_events.of(alone).between(window_start, window_end)
        except _EXPANSION_ERRORS as error:
            refused[id(component)] = Message(
                N_("its recurrence cannot be expanded: %(problem)s"), problem=str(error)[:200]
            )
    kept[:] = [component for component in kept if id(component) not in refused]
    _leave_out(calendar, set(refused))
    return _expand(calendar, kept, window_start, window_end, default_zone)


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
