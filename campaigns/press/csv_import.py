"""Journalists imported from a CSV file: a preview with row-level errors and the rows that match
journalists Herald knows (update, skip or create each), then all or nothing."""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from campaigns.audit import change_values, record_changes, snapshot
from campaigns.errors import Invalid, Message
from campaigns.i18n import N_
from campaigns.org.import_jobs import ImportJob, ImportReport, queue_import_job
from campaigns.org.models import Person
from campaigns.press import queries, rules
from campaigns.press.models import Affiliation, Journalist, Outlet
from campaigns.press.services import (
    JournalistInput,
    authorise,
    check_journalist,
    office_today,
)
from campaigns.spreadsheets import open_csv

# --- CSV import --------------------------------------------------------------------------------

CSV_COLUMNS = (
    "name_latin",
    "name_native",
    "country",
    "languages",
    "beats",
    "email",
    "phone",
    "outlet",
    "press_card_number",
    "press_card_expires_on",
    "consent_basis",
    "consent_on",
    "notes",
)
REQUIRED_CSV_COLUMNS = ("name_latin", "country")


class RowAction(StrEnum):
    """What the import does with a row."""

    CREATE = "create"
    UPDATE = "update"
    SKIP = "skip"


@dataclass(frozen=True)
class Match:
    """The journalist already in Herald that a row describes, and how it was recognised."""

    journalist_id: int
    name: str
    by: str  # "email", or "name_outlet" (same Latin name, working for the same outlet)


@dataclass
class ImportRow:
    line: int
    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    match: Match | None = None
    # The line of an earlier row of the same file describing the same journalist.
    duplicate_of: int | None = None
    action: str = RowAction.CREATE
    # After applying: created, updated, unchanged or skipped.
    outcome: str = ""

    @property
    def choices(self) -> tuple[str, ...]:
        """The actions a person may choose for this row."""
        if self.errors:
            return (RowAction.SKIP,)
        if self.match is not None:
            return (RowAction.UPDATE, RowAction.SKIP, RowAction.CREATE)
        if self.duplicate_of is not None:
            return (RowAction.SKIP, RowAction.CREATE)
        return (RowAction.CREATE, RowAction.SKIP)

    @property
    def needs_choice(self) -> bool:
        """Whether the preview asks about this row: it matches a known journalist or repeats
        an earlier row (any other row is created unless the person skips it)."""
        return not self.errors and (self.match is not None or self.duplicate_of is not None)


@dataclass
class ImportPreview:
    rows: list[ImportRow]
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0

    @property
    def valid(self) -> bool:
        return bool(self.rows) and not any(row.errors for row in self.rows)

    @property
    def error_count(self) -> int:
        return sum(1 for row in self.rows if row.errors)

    @property
    def matched_count(self) -> int:
        return sum(1 for row in self.rows if row.match is not None)

    @property
    def duplicate_count(self) -> int:
        return sum(1 for row in self.rows if row.duplicate_of is not None)

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if not row.errors and row.action == action)


def _csv_date(raw: str) -> tuple[date | None, bool]:
    raw = (raw or "").strip()
    if not raw:
        return None, True
    try:
        return date.fromisoformat(raw), True
    except ValueError:
        return None, False


def _open_csv(content: bytes) -> tuple[csv.DictReader, list[str]]:
    """A reader of the file's rows and its header. Raises Invalid for a file that cannot be
    read at all (size, encoding, missing or unknown columns)."""
    return open_csv(content, columns=CSV_COLUMNS, required=REQUIRED_CSV_COLUMNS)


def _known_journalists(
    session: Session, today: date
) -> tuple[dict[str, Match], dict[tuple[str, int], Match]]:
    """Journalists in Herald by email, and by (Latin name, outlet they work for today)."""
    by_email: dict[str, Match] = {}
    for journalist_id, name, email in session.execute(
        select(Journalist.id, Journalist.name_latin, Journalist.email)
        .where(Journalist.erased_at.is_(None), Journalist.email != "")
        .order_by(Journalist.id)
    ):
        by_email.setdefault(email.strip().lower(), Match(journalist_id, name, "email"))
    by_name: dict[tuple[str, int], Match] = {}
    for journalist_id, name, outlet_id in session.execute(
        select(Journalist.id, Journalist.name_latin, Affiliation.outlet_id)
        .join(Affiliation, Affiliation.journalist_id == Journalist.id)
        .where(
            Journalist.erased_at.is_(None),
            Affiliation.starts_on <= today,
            or_(Affiliation.ends_on.is_(None), Affiliation.ends_on >= today),
        )
        .order_by(Journalist.id)
    ):
        by_name.setdefault((_name_key(name), outlet_id), Match(journalist_id, name, "name_outlet"))
    return by_email, by_name


def _name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def _has_nul(values: dict[str, str]) -> list[str]:
    return [name for name, value in values.items() if "\x00" in value]


def import_journalists_csv(
    session: Session,
    *,
    actor: Person | None,
    now: datetime,
    content: bytes,
    apply: bool = False,
    on_match: str = RowAction.UPDATE,
    choices: dict[int, str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportPreview:
    """Read journalists from CSV (UTF-8, header row with the names in ``CSV_COLUMNS``).

    Returns the rows with their errors and what will happen to each: a row describing a
    journalist Herald already knows (same email, else same Latin name at the same outlet) is
    matched to that record and by default ``on_match`` (update, skip or create); a row
    repeating an earlier row of the file is skipped by default; the others are created.
    ``choices`` (line -> action) overrides the default of a row where that choice is offered.

    With ``apply`` and no errors at all, does it: creates (with an affiliation to the named
    outlet from today), updates (the cells the file fills in; the outlet is added) or skips
    each row; with any error, changes nothing. Raises NotAllowed, or Invalid for a file that
    cannot be read at all (size, encoding, missing or unknown columns).
    """
    authorise(actor, "journalist.manage")
    reader, header = _open_csv(content)
    if on_match not in set(RowAction):
        on_match = RowAction.UPDATE
    today = office_today(now)
    outlets = {outlet.name.lower(): outlet for outlet in queries.list_outlets(session)}
    by_email, by_name = _known_journalists(session, today)
    preview = ImportPreview(rows=[])
    prepared: dict[int, Prepared] = {}
    first_line: dict[tuple[str, ...], int] = {}
    try:
        for raw in reader:
            values = {
                (key or "").strip(): (value or "").strip()
                for key, value in raw.items()
                if not isinstance(value, list)
            }
            row = ImportRow(line=reader.line_num, values=values)
            preview.rows.append(row)
            if None in raw:
                row.errors["file"] = N_("This row has more cells than the header.")
                continue
            for name in _has_nul(values):
                row.errors[name] = N_("This cell contains a NUL character; remove it.")
            expires_on, ok_expiry = _csv_date(values.get("press_card_expires_on", ""))
            consent_on, ok_consent = _csv_date(values.get("consent_on", ""))
            if not ok_expiry:
                row.errors["press_card_expires_on"] = N_("Write dates as YYYY-MM-DD.")
            if not ok_consent:
                row.errors["consent_on"] = N_("Write dates as YYYY-MM-DD.")
            data = JournalistInput(
                name_latin=values.get("name_latin", ""),
                name_native=values.get("name_native", ""),
                country=values.get("country", ""),
                languages=rules.split_list(values.get("languages", "")),
                beats=rules.split_list(values.get("beats", "")),
                email=values.get("email", ""),
                phone=values.get("phone", ""),
                press_card_number=values.get("press_card_number", ""),
                press_card_expires_on=expires_on,
                consent_basis=values.get("consent_basis", ""),
                consent_on=consent_on,
                notes=values.get("notes", ""),
            )
            cleaned: dict[str, Any] = {}
            try:
                cleaned = check_journalist(data)
            except Invalid as error:
                row.errors.update(error.errors)
            outlet_name = values.get("outlet", "")
            outlet = outlets.get(outlet_name.lower()) if outlet_name else None
            if outlet_name and outlet is None:
                row.errors["outlet"] = N_("There is no outlet with this name; add it first.")
            if row.errors:
                row.action = RowAction.SKIP
                continue
            prepared[row.line] = (data, cleaned, outlet)
            _match(row, by_email, by_name, first_line, outlet)
            row.action = (
                RowAction.SKIP
                if row.duplicate_of is not None
                else on_match
                if row.match is not None
                else RowAction.CREATE
            )
            chosen = (choices or {}).get(row.line)
            if chosen in row.choices:
                row.action = chosen
    except csv.Error:
        raise Invalid(N_("The file is not valid CSV."), field="file") from None
    if not preview.rows:
        raise Invalid(N_("The file has a header but no rows."), field="file")
    if apply and preview.valid:
        _apply(
            session,
            actor=actor,
            now=now,
            preview=preview,
            prepared=prepared,
            header=header,
            progress=progress,
        )
    return preview


def _match(
    row: ImportRow,
    by_email: dict[str, Match],
    by_name: dict[tuple[str, int], Match],
    first_line: dict[tuple[str, ...], int],
    outlet: Outlet | None,
) -> None:
    """Find the known journalist the row describes, and an earlier row of the file that
    describes the same person (same email, else same name at the same outlet)."""
    email = row.values.get("email", "").strip().lower()
    name = _name_key(row.values.get("name_latin", ""))
    if email:
        row.match = by_email.get(email)
    if row.match is None and outlet is not None:
        row.match = by_name.get((name, outlet.id))
    keys = []
    if email:
        keys.append(("email", email))
    if outlet is not None:
        keys.append(("name_outlet", name, str(outlet.id)))
    for key in keys:
        if key in first_line:
            row.duplicate_of = first_line[key]
            break
    for key in keys:
        first_line.setdefault(key, row.line)


def _merged_input(
    journalist: Journalist, data: JournalistInput, header: list[str]
) -> JournalistInput:
    """The record with what the file says: a column the file has and a row fills in replaces
    the record's value; an empty cell keeps it."""

    def pick(name: str) -> Any:
        given = getattr(data, name)
        return (
            given if name in header and given not in ("", [], None) else getattr(journalist, name)
        )

    return JournalistInput(**{name: pick(name) for name in JournalistInput.__dataclass_fields__})


# A row ready to apply: what it says, the same checked by ``check_journalist``, its outlet.
Prepared = tuple[JournalistInput, dict[str, Any], Outlet | None]
# Rows are written this many at a time: one flush and one audit statement per batch, not per
# row (a 20,000-row file is otherwise minutes of round trips).
BATCH = 500


def _apply(
    session: Session,
    *,
    actor: Person | None,
    now: datetime,
    preview: ImportPreview,
    prepared: dict[int, Prepared],
    header: list[str],
    progress: Callable[[int, int], None] | None,
) -> None:
    """Create, update or skip each row, a batch at a time; the audit log gets an entry for
    every journalist and affiliation created and every record changed, as the single-record
    services write them."""
    today = office_today(now)
    wanted = sorted(
        {row.match.journalist_id for row in preview.rows if row.match and row.action == "update"}
    )
    known: dict[int, Journalist] = {}
    for start in range(0, len(wanted), BATCH):
        for journalist in session.scalars(
            select(Journalist)
            .where(Journalist.id.in_(wanted[start : start + BATCH]))
            .options(selectinload(Journalist.affiliations))
        ):
            known[journalist.id] = journalist
    total = len(preview.rows)
    for start in range(0, total, BATCH):
        if progress is not None:
            progress(start, total)
        batch = preview.rows[start : start + BATCH]
        created: list[Journalist] = []
        affiliations: list[Affiliation] = []
        changed: list[tuple[Journalist, dict[str, Any]]] = []
        for row in batch:
            data, cleaned, outlet = prepared[row.line]
            if row.action == RowAction.SKIP:
                row.outcome = "skipped"
                preview.skipped += 1
            elif row.action == RowAction.UPDATE and row.match is not None:
                journalist = known[row.match.journalist_id]
                before = snapshot(journalist)
                for key, value in check_journalist(_merged_input(journalist, data, header)).items():
                    setattr(journalist, key, value)
                joins = outlet is not None and outlet not in journalist.current_outlets(today)
                if joins:
                    affiliations.append(
                        Affiliation(journalist=journalist, outlet=outlet, role="", starts_on=today)
                    )
                edited = snapshot(journalist) != before
                if edited:
                    journalist.updated_at = now
                    changed.append((journalist, before))
                row.outcome = "updated" if joins or edited else "unchanged"
            else:
                journalist = Journalist(**cleaned, created_at=now, updated_at=now)
                created.append(journalist)
                if outlet is not None:
                    affiliations.append(
                        Affiliation(journalist=journalist, outlet=outlet, role="", starts_on=today)
                    )
                row.outcome = "created"
        session.add_all(created)
        session.add_all(affiliations)
        session.flush()
        record_changes(
            session,
            [
                *(
                    change_values(session, actor=actor, now=now, action="create", target=item)
                    for item in (*created, *affiliations)
                ),
                *(
                    change_values(
                        session,
                        actor=actor,
                        now=now,
                        action="update",
                        target=journalist,
                        before=before,
                    )
                    for journalist, before in changed
                ),
            ],
        )
    for row in preview.rows:
        if row.outcome == "created":
            preview.created += 1
        elif row.outcome == "updated":
            preview.updated += 1
        elif row.outcome == "unchanged":
            preview.unchanged += 1


# --- as a background job -----------------------------------------------------------------------

JOB_KIND = "journalists_csv"


def queue_journalist_import(
    session: Session,
    *,
    actor: Person | None,
    now: datetime,
    content: bytes,
    filename: str = "",
    on_match: str = RowAction.UPDATE,
    choices: dict[int, str] | None = None,
) -> ImportJob:
    """Queue a file for a worker, with what the person chose for matched and repeated rows
    (``import_journalists_csv`` says what they mean). Only the file as a whole is checked here,
    quickly: the worker checks each row again, and imports nothing when one has errors.
    Raises NotAllowed, or Invalid (a file that cannot be read, or that has no rows)."""
    authorise(actor, "journalist.manage")
    reader, _ = _open_csv(content)
    try:
        rows = sum(1 for _ in reader)
    except csv.Error:
        raise Invalid(N_("The file is not valid CSV."), field="file") from None
    if not rows:
        raise Invalid(N_("The file has a header but no rows."), field="file")
    return queue_import_job(
        session,
        actor=actor,
        now=now,
        kind=JOB_KIND,
        content=content,
        filename=filename,
        params={
            "on_match": on_match if on_match in set(RowAction) else RowAction.UPDATE,
            "choices": {str(line): action for line, action in (choices or {}).items()},
        },
        total=rows,
    )


_OUTCOME_MESSAGES = {
    "updated": N_("updated the record of %(name)s"),
    "unchanged": N_("same as the record of %(name)s; nothing to change"),
    "skipped": N_("skipped"),
}


def run_journalist_import(
    session: Session,
    *,
    actor: Person | None,
    now: datetime,
    content: bytes,
    params: dict[str, Any],
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """A queued import, done: the report of what happened to each row. With any row in error
    (an outlet deleted since the preview), nothing is imported and those rows are reported."""
    choices = {}
    for line, action in (params.get("choices") or {}).items():
        if str(line).isdigit():
            choices[int(line)] = str(action)
    preview = import_journalists_csv(
        session,
        actor=actor,
        now=now,
        content=content,
        apply=True,
        on_match=str(params.get("on_match") or RowAction.UPDATE),
        choices=choices,
        progress=progress,
    )
    report = ImportReport()
    applied = preview.valid
    for row in preview.rows:
        where = Message(N_("line %(line)s"), line=row.line)
        name = row.values.get("name_latin", "")
        if row.errors:
            for number, (column, problem) in enumerate(row.errors.items()):
                report.add_row(
                    where,
                    "problem",
                    Message(
                        N_("%(column)s: %(problem)s"),
                        column=column,
                        problem=problem if isinstance(problem, Message) else Message(problem),
                    ),
                    counted=number == 0,
                )
            continue
        if not applied:
            report.count("not_imported")
            continue
        if row.outcome == "created":
            report.count("created")
        elif row.outcome == "skipped" and row.duplicate_of is not None:
            report.add_row(
                where,
                "skipped",
                Message(N_("skipped: the same journalist as line %(line)s"), line=row.duplicate_of),
            )
        else:
            matched = row.match.name if row.match is not None else name
            report.add_row(
                where, row.outcome, Message(_OUTCOME_MESSAGES[row.outcome], name=matched)
            )
    return report
