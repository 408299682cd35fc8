"""Connected sites from a CSV file: one row per unit, its chair, contact, attendance and zone.

A row naming a unit that already has a site updates that site; the others add one. Every row's
errors are listed (messages the doors translate); with any error, nothing changes.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.audit import record_change
from campaigns.errors import Invalid
from campaigns.i18n import N_
from campaigns.org.models import Person, Unit
from campaigns.permissions import require
from campaigns.programme.conference_models import Conference, ConferenceSite
from campaigns.programme.conferences import SiteInput, build_site, check_site, forget_site_units
from campaigns.spreadsheets import open_csv

SITE_COLUMNS = (
    "unit_code",
    "chair_name",
    "chair_title",
    "technical_contact",
    "expected_attendance",
    "timezone",
)
REQUIRED_COLUMNS = ("unit_code",)


@dataclass
class SiteRow:
    line: int
    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    action: str = "create"  # create | update


@dataclass
class SiteImport:
    rows: list[SiteRow]
    applied: bool = False

    @property
    def valid(self) -> bool:
        return all(not row.errors for row in self.rows)

    @property
    def error_count(self) -> int:
        return sum(1 for row in self.rows if row.errors)


def import_sites_csv(
    session: Session,
    *,
    actor: Person | None,
    now: datetime,
    conference: Conference,
    content: bytes,
    apply: bool = True,
) -> SiteImport:
    """Read sites from CSV (UTF-8, a header naming columns of ``SITE_COLUMNS``; ``unit_code``
    is required). Returns every row with its errors; with ``apply`` and no error, adds or
    updates the sites. Raises NotAllowed, or Invalid for a file that cannot be read at all."""
    if actor is not None:
        require(actor, "conference.manage", conference)
    reader, _ = open_csv(content, columns=SITE_COLUMNS, required=REQUIRED_COLUMNS)
    units = {unit.code.lower(): unit for unit in session.scalars(select(Unit))}
    existing = {
        site.unit_id: site
        for site in session.scalars(
            select(ConferenceSite).where(ConferenceSite.conference_id == conference.id)
        )
    }
    result = SiteImport(rows=[])
    seen: dict[int, int] = {}
    prepared: list[tuple[Unit, dict[str, object]]] = []
    try:
        for raw in reader:
            values = {
                (key or "").strip(): (value or "").strip()
                for key, value in raw.items()
                if not isinstance(value, list)
            }
            row = SiteRow(line=reader.line_num, values=values)
            result.rows.append(row)
            if None in raw:
                row.errors["file"] = N_("This row has more cells than the header.")
                continue
            code = values.get("unit_code", "")
            unit = units.get(code.lower()) if code else None
            if not code:
                row.errors["unit_code"] = N_("Give the unit's code.")
            elif unit is None:
                row.errors["unit_code"] = N_("There is no unit with this code.")
            elif unit.id in seen:
                row.errors["unit_code"] = N_("This unit is already on an earlier row of the file.")
            cleaned, errors = check_site(
                SiteInput(
                    chair_name=values.get("chair_name", ""),
                    chair_title=values.get("chair_title", ""),
                    technical_contact=values.get("technical_contact", ""),
                    expected_attendance=values.get("expected_attendance", ""),
                    timezone=values.get("timezone", ""),
                ),
                default_zone=unit.timezone if unit is not None else "UTC",
            )
            row.errors.update(errors)
            if unit is None or row.errors:
                continue
            seen[unit.id] = row.line
            row.action = "update" if unit.id in existing else "create"
            prepared.append((unit, cleaned))
    except csv.Error:
        raise Invalid(N_("The file is not valid CSV."), field="file") from None
    if not result.rows:
        raise Invalid(N_("The file has a header but no rows."), field="file")
    if not apply or not result.valid:
        return result
    for unit, cleaned in prepared:
        site = existing.get(unit.id)
        if site is None:
            session.add(build_site(conference, unit, now, **cleaned))
        else:
            for name, value in cleaned.items():
                setattr(site, name, value)
            site.updated_at = now
    session.flush()
    forget_site_units(conference)
    record_change(
        session,
        actor=actor,
        now=now,
        action="import_sites",
        target=conference,
        comment=f"{len(prepared)} row(s)",
    )
    result.applied = True
    return result
