"""Use cases of anniversaries: creating and editing them, the shipped dataset and CSV imports,
the lead times per tier, and the planning tasks occurrences cause.

Every service takes the session, the acting person (``None`` for the system: CLI, demo,
scheduler) and ``now``; it flushes, never commits. ``campaigns.calendar.services`` re-exports
them, so every door finds the calendar's use cases in one place.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from importlib import resources
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from campaigns.audit import record_change, snapshot
from campaigns.calendar import queries, rules
from campaigns.calendar.models import Anniversary, AnniversaryCategory, PlanningTask, Setting, Tier
from campaigns.errors import Conflict, Invalid, Message
from campaigns.i18n import N_
from campaigns.org.models import Person
from campaigns.org.queries import unit_by_code
from campaigns.org.rules import check_text
from campaigns.permissions import require
from campaigns.timezones import is_country


def _authorise(actor: Person | None, action: str, target: object = None) -> None:
    if actor is not None:
        require(actor, action, target)


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # What was left out, and why (``ics_import.SkippedEvent``: the event's name and a message).
    skipped: list[Any] = field(default_factory=list)


# --- anniversaries -----------------------------------------------------------------------------


@dataclass(kw_only=True)
class AnniversaryInput:
    """What a person enters for an anniversary: a solar origin date or a lunar month and day."""

    title_vi: str
    title_en: str
    category: str
    origin_date: date | None = None
    lunar_month: int | None = None
    lunar_day: int | None = None
    origin_year: int | None = None  # lunar anniversaries: the first year, for ordinals
    partner_country: str | None = None
    owner_unit_code: str | None = None
    notes: str = ""
    source: str = ""


def _clean_anniversary(session: Session, data: AnniversaryInput) -> dict[str, Any]:
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    for name in ("title_vi", "title_en"):
        values[name], error = check_text(getattr(data, name), max_length=300)
        if error:
            errors[name] = error
    if data.category not in set(AnniversaryCategory):
        errors["category"] = N_("Choose a category from the list.")
    values["category"] = data.category
    lunar = data.lunar_month is not None or data.lunar_day is not None
    if data.origin_date is not None and lunar:
        errors["origin_date"] = N_("Give either a solar date or a lunar month and day, not both.")
    elif data.origin_date is None and not lunar:
        errors["origin_date"] = N_("Give the solar date, or a lunar month and day.")
    elif lunar:
        if data.lunar_month is None or not 1 <= data.lunar_month <= 12:
            errors["lunar_month"] = N_("A lunar month is between 1 and 12.")
        if data.lunar_day is None or not 1 <= data.lunar_day <= 30:
            errors["lunar_day"] = N_("A lunar day is between 1 and 30.")
        if data.origin_year is not None and not 1 <= data.origin_year <= 9999:
            errors["origin_year"] = N_("Enter a year such as 1975.")
    values.update(
        origin_date=data.origin_date,
        lunar_month=data.lunar_month if lunar else None,
        lunar_day=data.lunar_day if lunar else None,
        origin_year=data.origin_year if lunar else None,
    )
    country = (data.partner_country or "").strip().upper() or None
    if country is not None and not is_country(country):
        errors["partner_country"] = N_("Use a two-letter ISO 3166 country code, e.g. VN or FR.")
    elif country is None and data.category == AnniversaryCategory.DIPLOMATIC_RELATIONS:
        errors["partner_country"] = N_("Diplomatic relations need the partner country.")
    values["partner_country"] = country
    if data.owner_unit_code:
        owner = unit_by_code(session, data.owner_unit_code)
        if owner is None:
            errors["owner_unit_code"] = N_("There is no unit with this code.")
        else:
            values["owner_unit_id"] = owner.id
    values["notes"] = (data.notes or "").strip()
    values["source"] = (data.source or "").strip()
    if len(values["notes"]) > 5000 or len(values["source"]) > 2000:
        errors["notes" if len(values["notes"]) > 5000 else "source"] = N_("This field is too long.")
    if errors:
        raise Invalid.from_fields(errors)
    return values


def create_anniversary(
    session: Session,
    *,
    actor: Person | None,
    now: datetime,
    data: AnniversaryInput,
    dataset_key: str | None = None,
) -> Anniversary:
    """Add an anniversary. Raises NotAllowed or Invalid."""
    _authorise(actor, "anniversary.manage")
    values = _clean_anniversary(session, data)
    values.setdefault("owner_unit_id", None)
    key = f"dataset-{dataset_key}" if dataset_key else uuid.uuid4().hex
    anniversary = Anniversary(
        uid=f"anniversary-{key}@herald",
        dataset_key=dataset_key,
        active=True,
        created_at=now,
        updated_at=now,
        **values,
    )
    session.add(anniversary)
    session.flush()
    record_change(session, actor=actor, now=now, action="create", target=anniversary)
    return anniversary


def _change_anniversary(
    session: Session,
    *,
    actor: Person | None,
    now: datetime,
    anniversary: Anniversary,
    values: dict[str, Any],
) -> bool:
    before = snapshot(anniversary)
    for key, value in values.items():
        setattr(anniversary, key, value)
    session.flush()
    if snapshot(anniversary) == before:
        return False
    anniversary.updated_at = now
    record_change(session, actor=actor, now=now, action="update", target=anniversary, before=before)
    return True


def update_anniversary(
    session: Session,
    *,
    actor: Person | None,
    now: datetime,
    anniversary: Anniversary,
    data: AnniversaryInput,
) -> Anniversary:
    """Change an anniversary (an empty owner unit code removes the owner). Raises NotAllowed
    or Invalid."""
    _authorise(actor, "anniversary.manage", anniversary)
    values = _clean_anniversary(session, data)
    values.setdefault("owner_unit_id", None)
    _change_anniversary(session, actor=actor, now=now, anniversary=anniversary, values=values)
    return anniversary


def assign_anniversary_owner(
    session: Session,
    *,
    actor: Person | None,
    now: datetime,
    anniversary: Anniversary,
    owner_unit_code: str | None,
) -> Anniversary:
    """Make a unit responsible for an anniversary (its planning tasks go to that unit); an
    empty code removes the owner. Raises NotAllowed or Invalid (unknown unit)."""
    _authorise(actor, "anniversary.manage", anniversary)
    owner = None
    if owner_unit_code:
        owner = unit_by_code(session, owner_unit_code)
        if owner is None:
            raise Invalid(N_("There is no unit with this code."), field="owner_unit_code")
    _change_anniversary(
        session,
        actor=actor,
        now=now,
        anniversary=anniversary,
        values={"owner_unit_id": owner.id if owner is not None else None},
    )
    return anniversary


DATASET_COLUMNS = (
    "key",
    "category",
    "title_vi",
    "title_en",
    "origin_date",
    "lunar_month",
    "lunar_day",
    "origin_year",
    "partner_country",
    "source",
    "notes",
)
CSV_COLUMNS = (*DATASET_COLUMNS, "owner_unit")
MAX_CSV_BYTES = 2 * 1024 * 1024
MAX_CSV_ROWS = 5000
_KEY = re.compile(r"^[a-z0-9][a-z0-9._-]{0,79}$")


def _csv_rows(content: bytes) -> list[tuple[int, dict[str, str] | None]]:
    """The non-empty rows of a CSV file with their line numbers; None for a row with more
    values than the header has columns. Raises Invalid for a file that cannot be read."""
    if len(content) > MAX_CSV_BYTES:
        raise Invalid(
            N_("The file is larger than 2 MB."),
            errors={"file": N_("The file is larger than 2 MB.")},
        )
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        message = N_("The file is not UTF-8 text. Save the spreadsheet as CSV UTF-8.")
        raise Invalid(message, errors={"file": message}) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [name for name in ("category", "title_vi", "title_en") if name not in header]
    unknown = [name for name in header if name not in CSV_COLUMNS]
    if missing or unknown:
        if missing and unknown:
            template = N_(
                "The columns are wrong: %(missing)s missing, %(unknown)s unknown. "
                "Expected: %(expected)s."
            )
        elif missing:
            template = N_("The columns are wrong: %(missing)s missing. Expected: %(expected)s.")
        else:
            template = N_("The columns are wrong: %(unknown)s unknown. Expected: %(expected)s.")
        params = {
            "missing": ", ".join(missing),
            "unknown": ", ".join(unknown),
            "expected": ", ".join(CSV_COLUMNS),
        }
        raise Invalid(template, errors={"file": Message(template, **params)}, **params)
    reader.fieldnames = header
    rows = []
    try:
        for row in reader:
            if None in row:  # DictReader files surplus values under the key None
                rows.append((reader.line_num, None))
            elif any((value or "").strip() for value in row.values()):
                rows.append((reader.line_num, {k: (v or "").strip() for k, v in row.items()}))
            if len(rows) > MAX_CSV_ROWS:
                message = N_("The file has more than 5,000 rows.")
                raise Invalid(message, errors={"file": message})
    except csv.Error as error:
        message = N_("The file is not valid CSV (line %(line)s).")
        raise Invalid(
            message, errors={"file": message % {"line": reader.line_num}}, line=reader.line_num
        ) from error
    return rows


def _row_input(row: dict[str, str]) -> tuple[AnniversaryInput, dict[str, str]]:
    """The row as an AnniversaryInput, and the problems reading its numbers and dates (column
    -> message template)."""
    problems = {}

    def number(name: str) -> int | None:
        text = row.get(name, "")
        if not text:
            return None
        if not text.isdigit():
            problems[name] = N_("not a whole number")
            return None
        return int(text)

    origin = None
    if row.get("origin_date"):
        try:
            origin = date.fromisoformat(row["origin_date"])
        except ValueError:
            problems["origin_date"] = N_("not a date (write YYYY-MM-DD)")
    data = AnniversaryInput(
        title_vi=row.get("title_vi", ""),
        title_en=row.get("title_en", ""),
        category=row.get("category", ""),
        origin_date=origin,
        lunar_month=number("lunar_month"),
        lunar_day=number("lunar_day"),
        origin_year=number("origin_year"),
        partner_country=row.get("partner_country") or None,
        owner_unit_code=row.get("owner_unit") or None,
        notes=row.get("notes", ""),
        source=row.get("source", ""),
    )
    return data, problems


def _import_anniversary_rows(
    session: Session,
    *,
    actor: Person | None,
    now: datetime,
    rows: list[tuple[int, dict[str, str] | None]],
    require_source: bool,
) -> ImportResult:
    """Validate every row, then create or update; all or nothing. Rows match existing
    anniversaries by ``key`` (dataset_key), or without a key by English title and category."""
    problems: dict[str, str] = {}
    prepared = []
    keys_seen: set[str] = set()
    for line, row in rows:
        if row is None:
            problems[f"row {line}"] = Message(
                N_("Row %(line)s: more values than columns."), line=line
            )
            continue
        data, row_problems = _row_input(row)
        key = row.get("key") or None
        if key is not None and not _KEY.match(key):
            row_problems["key"] = N_("use lower-case letters, digits, dots and dashes")
        elif key is not None and key in keys_seen:
            row_problems["key"] = N_("used by an earlier row")
        if key:
            keys_seen.add(key)
        if require_source and not data.source:
            row_problems["source"] = N_("every row needs its source")
        try:
            values = _clean_anniversary(session, data)
        except Invalid as invalid:
            row_problems = {**invalid.errors, **row_problems}
        for column, problem in row_problems.items():
            problems[f"row {line} {column}"] = Message(
                N_("Row %(line)s, %(column)s: %(problem)s"),
                line=line,
                column=column,
                problem=problem if isinstance(problem, Message) else Message(problem),
            )
        if not row_problems:
            prepared.append((key, data, values))
    if problems:
        raise Invalid(
            N_("Nothing was imported: correct the rows listed below and import the file again."),
            errors=problems,
        )
    result = ImportResult()
    with session.begin_nested():
        for key, data, values in prepared:
            if key is not None:
                anniversary = session.scalar(
                    select(Anniversary).where(Anniversary.dataset_key == key)
                )
            else:
                anniversary = session.scalar(
                    select(Anniversary).where(
                        Anniversary.dataset_key.is_(None),
                        Anniversary.title_en == values["title_en"],
                        Anniversary.category == values["category"],
                    )
                )
            if anniversary is None:
                create_anniversary(session, actor=actor, now=now, data=data, dataset_key=key)
                result.created += 1
            elif _change_anniversary(
                session, actor=actor, now=now, anniversary=anniversary, values=values
            ):
                result.updated += 1
            else:
                result.unchanged += 1
    return result


def import_anniversaries_csv(
    session: Session, *, actor: Person | None, now: datetime, content: bytes
) -> ImportResult:
    """Create or update anniversaries from a CSV file (UTF-8, a header row; columns as in
    ``CSV_COLUMNS``: category, title_vi and title_en required; an empty owner_unit keeps the
    owner). All rows are checked first: one bad row and nothing is imported.

    Raises NotAllowed, or Invalid whose ``errors`` map "row N column" to what is wrong there.
    """
    _authorise(actor, "anniversary.manage")
    rows = _csv_rows(content)
    return _import_anniversary_rows(session, actor=actor, now=now, rows=rows, require_source=False)


def dataset_bytes() -> bytes:
    """The anniversary dataset that ships with Herald (campaigns/data/anniversaries.csv)."""
    return resources.files("campaigns").joinpath("data/anniversaries.csv").read_bytes()


def import_anniversary_dataset(
    session: Session, *, actor: Person | None, now: datetime
) -> ImportResult:
    """Load Herald's anniversary dataset (national days, diplomatic relations, memberships;
    every row with its source). Loading it again changes nothing; owner units set locally are
    kept. Raises NotAllowed (or Invalid if the shipped file is broken)."""
    _authorise(actor, "anniversary.manage")
    rows = _csv_rows(dataset_bytes())
    return _import_anniversary_rows(session, actor=actor, now=now, rows=rows, require_source=True)


# --- lead times and planning tasks -------------------------------------------------------------

LEAD_TIMES_KEY = "calendar.lead_times"
MAX_LEAD_DAYS = 730


def lead_times(session: Session) -> dict[Tier, int]:
    """Days before an occurrence that its planning task appears, per tier."""
    setting = session.scalar(select(Setting).where(Setting.key == LEAD_TIMES_KEY))
    stored = setting.value if setting is not None and isinstance(setting.value, dict) else {}
    return {
        tier: int(stored.get(tier.value, days)) for tier, days in rules.DEFAULT_LEAD_TIMES.items()
    }


def set_lead_times(
    session: Session,
    *,
    actor: Person | None,
    now: datetime,
    major: int,
    round: int,
    regular: int,
) -> dict[Tier, int]:
    """Set the lead times (days, 1 to 730) of the three tiers. Raises NotAllowed or Invalid."""
    _authorise(actor, "settings.manage")
    values = {Tier.MAJOR: major, Tier.ROUND: round, Tier.REGULAR: regular}
    errors = {
        tier.value: N_("Enter a number of days between 1 and 730.")
        for tier, days in values.items()
        if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= MAX_LEAD_DAYS
    }
    if errors:
        raise Invalid.from_fields(errors)
    stored = {tier.value: days for tier, days in values.items()}
    setting = session.scalar(select(Setting).where(Setting.key == LEAD_TIMES_KEY))
    if setting is None:
        setting = Setting(key=LEAD_TIMES_KEY, value=stored, updated_at=now)
        session.add(setting)
        session.flush()
        record_change(session, actor=actor, now=now, action="create", target=setting)
    elif setting.value != stored:
        before = snapshot(setting)
        setting.value = stored
        setting.updated_at = now
        session.flush()
        record_change(session, actor=actor, now=now, action="update", target=setting, before=before)
    return dict(values)


def _existing_tasks(session: Session, since: date, until: date) -> set[tuple[int, date]]:
    rows = session.execute(
        select(PlanningTask.anniversary_id, PlanningTask.occurrence_date).where(
            PlanningTask.occurrence_date.between(since, until)
        )
    )
    return {(anniversary_id, day) for anniversary_id, day in rows}


def create_due_planning_tasks(session: Session, *, now: datetime) -> list[PlanningTask]:
    """Create the planning task of every occurrence that has entered its tier's lead time
    (counted in days at the office, Asia/Ho_Chi_Minh), for the anniversary's owner unit.

    Each occurrence gets its task exactly once: existing tasks are skipped, and a task another
    process inserted in the meantime is caught by the unique constraint inside a savepoint,
    so the caller's transaction stays usable. Returns the tasks created by this call.
    """
    today = rules.office_today(now)
    leads = lead_times(session)
    horizon = today + timedelta(days=max(leads.values()))
    anniversaries = queries.list_anniversaries(session)
    existing = _existing_tasks(session, today, horizon)
    created = []
    for occurrence in rules.occurrences_between(anniversaries, today, horizon):
        key = (occurrence.anniversary_id, occurrence.date)
        if key in existing or not rules.is_due(occurrence, today, leads):
            continue
        task = PlanningTask(
            anniversary_id=occurrence.anniversary_id,
            occurrence_date=occurrence.date,
            years=occurrence.years,
            tier=occurrence.tier,
            unit_id=occurrence.owner_unit_id,
            title_vi=occurrence.planning_title("vi"),
            title_en=occurrence.planning_title("en"),
            status="open",
            created_at=now,
        )
        try:
            with session.begin_nested():
                session.add(task)
                session.flush()
                record_change(session, actor=None, now=now, action="create", target=task)
        except IntegrityError:
            continue  # created by a concurrent run between our check and our insert
        existing.add(key)
        created.append(task)
    return created


def complete_planning_task(
    session: Session, *, actor: Person | None, now: datetime, task: PlanningTask
) -> PlanningTask:
    """Mark a planning task done. Raises NotAllowed or Conflict (already done)."""
    _authorise(actor, "planning_task.complete", task)
    if task.status == "done":
        raise Conflict(N_("This task is already done."))
    before = snapshot(task)
    task.status = "done"
    task.done_at = now
    task.done_by_id = actor.id if actor is not None else None
    session.flush()
    record_change(session, actor=actor, now=now, action="complete", target=task, before=before)
    return task
