"""Quiet days: dates the office marks as sensitive (national mourning, anniversaries of
painful events), when nothing should be published without a second thought; and how close
two publications of one channel may be (the office-wide default of the clash interval)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from campaigns.audit import record_change, snapshot
from campaigns.calendar.models import QuietDay, Setting
from campaigns.errors import Invalid, NotFound
from campaigns.i18n import N_
from campaigns.org.models import Person
from campaigns.org.queries import unit_by_code
from campaigns.permissions import require
from campaigns.timezones import is_zone

CLASH_INTERVAL_KEY = "social.clash_interval_minutes"
DEFAULT_CLASH_INTERVAL = 30  # minutes
MAX_CLASH_INTERVAL = 24 * 60
MAX_QUIET_DAYS = 31  # one stretch; a longer one is more likely a typing slip
OFFICE_ZONE = "Asia/Ho_Chi_Minh"


@dataclass
class QuietDayInput:
    start_date: date | None
    end_date: date | None
    reason: str
    unit_code: str = ""  # empty: the whole office
    timezone: str = ""  # empty: the unit's, else the office's


def _authorise(actor: Person | None) -> None:
    if actor is not None:
        require(actor, "quiet_day.manage")


def _cleaned(session: Session, data: QuietDayInput) -> dict:
    errors: dict[str, str] = {}
    reason = " ".join((data.reason or "").split())
    if not reason:
        errors["reason"] = N_("Say why the day is quiet: people who schedule will read it.")
    if data.start_date is None:
        errors["start_date"] = N_("Enter the first quiet day.")
    end = data.end_date or data.start_date
    if data.start_date is not None and end is not None:
        if end < data.start_date:
            errors["end_date"] = N_("The last day cannot be before the first.")
        elif (end - data.start_date).days >= MAX_QUIET_DAYS:
            errors["end_date"] = N_("A quiet stretch is at most 31 days: add several.")
    unit = None
    if (data.unit_code or "").strip():
        unit = unit_by_code(session, data.unit_code)
        if unit is None:
            errors["unit_code"] = N_("There is no unit with this code.")
    zone = (data.timezone or "").strip() or (unit.timezone if unit else OFFICE_ZONE)
    if not is_zone(zone):
        errors["timezone"] = N_("Choose a time zone from the list.")
    if errors:
        raise Invalid.from_fields(errors)
    return {
        "start_date": data.start_date,
        "end_date": end,
        "reason": reason,
        "unit_id": unit.id if unit else None,
        "timezone": zone,
    }


def create_quiet_day(
    session: Session, *, actor: Person | None, now: datetime, data: QuietDayInput
) -> QuietDay:
    """Mark days as quiet for one unit's channels or the whole office. Raises NotAllowed,
    Invalid."""
    _authorise(actor)
    quiet = QuietDay(
        **_cleaned(session, data),
        created_by_id=actor.id if actor else None,
        created_at=now,
        updated_at=now,
    )
    session.add(quiet)
    session.flush()
    record_change(session, actor=actor, now=now, action="create", target=quiet)
    return quiet


def delete_quiet_day(
    session: Session, *, actor: Person | None, now: datetime, quiet_day: QuietDay
) -> None:
    """Take days off the quiet list. Raises NotAllowed."""
    _authorise(actor)
    record_change(
        session, actor=actor, now=now, action="delete", target=quiet_day, before=snapshot(quiet_day)
    )
    session.delete(quiet_day)
    session.flush()


def get_quiet_day(session: Session, quiet_day_id: int) -> QuietDay:
    """The quiet day with this id. Raises NotFound."""
    found = session.get(QuietDay, quiet_day_id)
    if found is None:
        raise NotFound(N_("There is no such quiet day."))
    return found


def list_quiet_days(session: Session, *, since: date | None = None) -> list[QuietDay]:
    """Quiet days ending on or after ``since`` (every one without it), by first day."""
    query = (
        select(QuietDay)
        .options(selectinload(QuietDay.unit))
        .order_by(QuietDay.start_date, QuietDay.id)
    )
    if since is not None:
        query = query.where(QuietDay.end_date >= since)
    return list(session.scalars(query))


def quiet_days_around(
    session: Session, *, first: date, last: date, unit_ids: set[int]
) -> list[QuietDay]:
    """Quiet days of the whole office or of one of ``unit_ids`` that may cover a local day in
    [first, last] (a day either side, for the quiet days' own clocks). One query."""
    return list(
        session.scalars(
            select(QuietDay)
            .where(
                QuietDay.start_date <= last + timedelta(days=1),
                QuietDay.end_date >= first - timedelta(days=1),
                or_(QuietDay.unit_id.is_(None), QuietDay.unit_id.in_(unit_ids or {0})),
            )
            .order_by(QuietDay.start_date, QuietDay.id)
        )
    )


def clash_interval(session: Session) -> int:
    """The office-wide clash interval in minutes (channels without their own use it)."""
    setting = session.scalar(select(Setting).where(Setting.key == CLASH_INTERVAL_KEY))
    value = setting.value if setting is not None else None
    return (
        value if isinstance(value, int) and not isinstance(value, bool) else DEFAULT_CLASH_INTERVAL
    )


def set_clash_interval(
    session: Session, *, actor: Person | None, now: datetime, minutes: int
) -> int:
    """Set the office-wide clash interval (0 to 1,440 minutes; 0: no interval warnings).
    Raises NotAllowed or Invalid."""
    _authorise(actor)
    if (
        not isinstance(minutes, int)
        or isinstance(minutes, bool)
        or not (0 <= minutes <= MAX_CLASH_INTERVAL)
    ):
        raise Invalid(N_("Enter a number of minutes between 0 and 1440."), field="minutes")
    setting = session.scalar(select(Setting).where(Setting.key == CLASH_INTERVAL_KEY))
    if setting is None:
        setting = Setting(key=CLASH_INTERVAL_KEY, value=minutes, updated_at=now)
        session.add(setting)
        session.flush()
        record_change(session, actor=actor, now=now, action="create", target=setting)
    elif setting.value != minutes:
        before = snapshot(setting)
        setting.value = minutes
        setting.updated_at = now
        session.flush()
        record_change(session, actor=actor, now=now, action="update", target=setting, before=before)
    return minutes
