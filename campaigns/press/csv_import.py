"""Journalists imported from a CSV file: a preview with row-level errors, then all or nothing."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.orm import Session

from campaigns.errors import Invalid
from campaigns.i18n import N_
from campaigns.org.models import Person
from campaigns.press import queries, rules
from campaigns.press.models import (
    Outlet,
)
from campaigns.press.services import (
    JournalistInput,
    add_affiliation,
    authorise,
    check_journalist,
    create_journalist,
    office_today,
)

MAX_CSV_BYTES = 2 * 1024 * 1024

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


@dataclass
class ImportRow:
    line: int
    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)


@dataclass
class ImportPreview:
    rows: list[ImportRow]
    created: int = 0

    @property
    def valid(self) -> bool:
        return bool(self.rows) and not any(row.errors for row in self.rows)

    @property
    def error_count(self) -> int:
        return sum(1 for row in self.rows if row.errors)


def _csv_date(raw: str) -> tuple[date | None, bool]:
    raw = (raw or "").strip()
    if not raw:
        return None, True
    try:
        return date.fromisoformat(raw), True
    except ValueError:
        return None, False


def _decode_csv(content: bytes) -> str:
    if not content.strip():
        raise Invalid(N_("The file is empty."), field="file")
    if len(content) > MAX_CSV_BYTES:
        raise Invalid(N_("The file is larger than 2 MB."), field="file")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid(
            N_("The file is not UTF-8 text. Save it as “CSV UTF-8” and try again."), field="file"
        ) from None


def import_journalists_csv(
    session: Session,
    *,
    actor: Person | None,
    now: datetime,
    content: bytes,
    apply: bool = False,
) -> ImportPreview:
    """Read journalists from CSV (UTF-8, header row with the names in ``CSV_COLUMNS``).

    Returns the rows with their errors. With ``apply`` and no errors at all, creates them
    (with an affiliation to the named outlet from today); with any error, creates nothing.
    Raises NotAllowed, or Invalid for a file that cannot be read at all (size, encoding,
    missing or unknown columns).
    """
    authorise(actor, "journalist.manage")
    text = _decode_csv(content)
    try:
        reader = csv.DictReader(io.StringIO(text))
        header = [name.strip() for name in (reader.fieldnames or [])]
    except csv.Error:
        raise Invalid(N_("The file is not valid CSV."), field="file") from None
    missing = [name for name in REQUIRED_CSV_COLUMNS if name not in header]
    unknown = [name for name in header if name not in CSV_COLUMNS]
    if missing or unknown:
        raise Invalid(
            N_(
                "Wrong columns. Missing: %(missing)s. Unknown: %(unknown)s. Expected: %(expected)s."
            ),
            field="file",
            missing=", ".join(missing) or "—",
            unknown=", ".join(unknown) or "—",
            expected=", ".join(CSV_COLUMNS),
        )
    outlets = {outlet.name.lower(): outlet for outlet in queries.list_outlets(session)}
    preview = ImportPreview(rows=[])
    prepared: list[tuple[JournalistInput, Outlet | None]] = []
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
            try:
                check_journalist(data)
            except Invalid as error:
                row.errors.update(error.errors)
            outlet_name = values.get("outlet", "")
            outlet = outlets.get(outlet_name.lower()) if outlet_name else None
            if outlet_name and outlet is None:
                row.errors["outlet"] = N_("There is no outlet with this name; add it first.")
            prepared.append((data, outlet))
    except csv.Error:
        raise Invalid(N_("The file is not valid CSV."), field="file") from None
    if not preview.rows:
        raise Invalid(N_("The file has a header but no rows."), field="file")
    if apply and preview.valid:
        today = office_today(now)
        for data, outlet in prepared:
            journalist = create_journalist(session, actor=actor, now=now, data=data)
            if outlet is not None:
                add_affiliation(
                    session,
                    actor=actor,
                    now=now,
                    journalist=journalist,
                    outlet=outlet,
                    starts_on=today,
                )
        preview.created = len(prepared)
    return preview
