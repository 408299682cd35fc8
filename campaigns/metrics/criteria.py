"""Effectiveness criteria sets: define, change and delete them (administrators), and read them.

A set is valid as a whole or not at all: every problem of the form is reported at once, under
the name of the field it concerns (``criteria-2-weight``), and nothing is saved.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from campaigns.audit import change_values, snapshot
from campaigns.errors import Invalid, Message, NotFound
from campaigns.i18n import N_
from campaigns.metrics.models import CriteriaSet, Criterion
from campaigns.metrics.scoring import MEASURES
from campaigns.org.models import AuditEntry, Person
from campaigns.permissions import require

EARLIEST = date(1900, 1, 1)
LATEST = date(2200, 12, 31)
NAME_LENGTH = 200
# Numeric(14, 4): ten digits before the point.
LARGEST_TARGET = 9_999_999_999

MISSING_NAME = N_("Give the criteria set a name.")
NAME_TOO_LONG = N_("The name is too long (at most %(count)s characters).")
MISSING_DATE = N_("Give a date (YYYY-MM-DD).")
DATE_OUT_OF_RANGE = N_("Use a date between 1900 and 2200.")
PERIOD_BACKWARDS = N_("The period must end on or after the day it starts.")
NO_CRITERIA = N_("Add at least one criterion.")
UNKNOWN_MEASURE = N_("Choose a measure from the list.")
REPEATED_MEASURE = N_("Each measure may appear only once in a set.")
BAD_WEIGHT = N_("The weight is a whole number of percent from 1 to 100.")
WEIGHTS_NOT_100 = N_("The weights must add up to exactly 100 (they add up to %(total)s).")
MISSING_TARGET = N_("This measure is scored against a target: give a target greater than 0.")
BAD_TARGET = N_(
    "The target is a number greater than 0 and at most 9999999999, written without thousands"
    " separators (2.5 or 2,5 for two and a half)."
)


@dataclass(frozen=True)
class CriterionInput:
    """One row of the form as the door read it: ``weight`` and ``target`` are what the person
    typed (text, a number or None)."""

    measure: str
    weight: Any = None
    target: Any = None


def _weight(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str):
        text = value.strip()
        if not text.isascii() or not text.isdigit() or len(text) > 3:
            return None
        value = int(text)
    if isinstance(value, int) and 1 <= value <= 100:
        return value
    return None


def _target(value: Any) -> float | None:
    """A positive finite number, or None for anything else (including nothing)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        # A decimal comma (2,5) is read as a point; but "1,000" could be a thousand or one,
        # so digits grouped by commas, or commas and points together, are refused.
        if ("," in text and "." in text) or _GROUPED.match(text):
            return None
        text = text.replace(",", ".")
        if not text or len(text) > 30 or not text.isascii():
            return None
        try:
            value = float(text)
        except ValueError:
            return None
    if not isinstance(value, int | float):
        return None
    number = float(value)
    if not math.isfinite(number) or number > LARGEST_TARGET:
        return None
    number = round(number, 4)  # as stored: a target that rounds to 0 is no target
    return number if number > 0 else None


_GROUPED = re.compile(r"^\d{1,3}(,\d{3})+$")


def target_text(target: float | None) -> str:
    """A stored target as a form shows it back: plain digits, no exponent, no trailing zeros
    (1234567, 2.5), so that saving the form unchanged stores the same number."""
    if target is None:
        return ""
    text = format(Decimal(repr(float(target))), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _day(value: Any, name: str, errors: dict[str, str]) -> date | None:
    if value is None or value == "":
        errors[name] = MISSING_DATE
        return None
    if isinstance(value, datetime) or not isinstance(value, date):
        errors[name] = MISSING_DATE
        return None
    if not EARLIEST <= value <= LATEST:
        errors[name] = DATE_OUT_OF_RANGE
        return None
    return value


def validate(
    *, name: Any, period_start: Any, period_end: Any, notes: Any, criteria: list[CriterionInput]
) -> tuple[dict[str, Any], list[tuple[str, int, float | None]]]:
    """The set's fields and its criteria as (measure, weight, target), or Invalid naming every
    field that is wrong."""
    errors: dict[str, str] = {}
    name = (name or "").strip() if isinstance(name, str) else ""
    if not name:
        errors["name"] = MISSING_NAME
    elif len(name) > NAME_LENGTH:
        errors["name"] = Message(NAME_TOO_LONG, count=NAME_LENGTH)
    start = _day(period_start, "period_start", errors)
    end = _day(period_end, "period_end", errors)
    if start and end and end < start:
        errors["period_end"] = PERIOD_BACKWARDS
    rows: list[tuple[str, int, float | None]] = []
    seen: dict[str, int] = {}
    weights_valid = True
    if not criteria:
        errors["criteria"] = NO_CRITERIA
    for index, row in enumerate(criteria):
        prefix = f"criteria-{index}"
        measure = MEASURES.get(row.measure) if isinstance(row.measure, str) else None
        if measure is None:
            errors[f"{prefix}-measure"] = UNKNOWN_MEASURE
        elif measure.key in seen:
            errors[f"{prefix}-measure"] = REPEATED_MEASURE
        else:
            seen[measure.key] = index
        weight = _weight(row.weight)
        if weight is None:
            errors[f"{prefix}-weight"] = BAD_WEIGHT
            weights_valid = False
        target = None
        if measure is not None and measure.needs_target:
            empty = row.target is None or (isinstance(row.target, str) and not row.target.strip())
            target = _target(row.target)
            if target is None:
                errors[f"{prefix}-target"] = MISSING_TARGET if empty else BAD_TARGET
        if measure is not None and weight is not None:
            rows.append((measure.key, weight, target))
    if criteria and weights_valid:
        total = sum(_weight(row.weight) or 0 for row in criteria)
        if total != 100:
            errors["criteria"] = Message(WEIGHTS_NOT_100, total=total)
    if errors:
        raise Invalid.from_fields(errors)
    fields = {
        "name": name,
        "period_start": start,
        "period_end": end,
        "notes": notes.strip() if isinstance(notes, str) else "",
    }
    return fields, rows


def _audited(criteria_set: CriteriaSet) -> dict[str, Any]:
    """The set with its criteria, as the audit log keeps it."""
    values = snapshot(criteria_set)
    values["criteria"] = [
        {"measure": c.measure, "weight": c.weight, "target": c.target}
        for c in criteria_set.criteria
    ]
    return values


def _audit(
    session: Session,
    *,
    actor: Person | None,
    now: datetime,
    action: str,
    criteria_set: CriteriaSet,
    before: dict[str, Any] | None = None,
) -> None:
    values = change_values(
        session, actor=actor, now=now, action=action, target=criteria_set, before=before
    )
    if action != "delete":
        values["after"] = _audited(criteria_set)
    session.add(AuditEntry(**values))


def _apply(
    criteria_set: CriteriaSet, fields: dict[str, Any], rows: list[tuple[str, int, float | None]]
) -> None:
    for key, value in fields.items():
        setattr(criteria_set, key, value)
    # Replace the rows in place: same measure keeps its row (and id), the others go.
    existing = {criterion.measure: criterion for criterion in criteria_set.criteria}
    kept = []
    for position, (measure, weight, target) in enumerate(rows):
        criterion = existing.pop(measure, None) or Criterion(measure=measure)
        criterion.position, criterion.weight, criterion.target = position, weight, target
        kept.append(criterion)
    criteria_set.criteria = kept


def create_criteria_set(
    session: Session,
    *,
    actor: Person | None,
    now: datetime,
    name: Any,
    period_start: Any,
    period_end: Any,
    notes: Any = "",
    criteria: list[CriterionInput],
) -> CriteriaSet:
    """Define a criteria set with its weighted criteria. Raises NotAllowed (administrators
    only), Invalid (every wrong field at once; nothing is saved)."""
    if actor is not None:
        require(actor, "criteria.manage")
    fields, rows = validate(
        name=name, period_start=period_start, period_end=period_end, notes=notes, criteria=criteria
    )
    criteria_set = CriteriaSet(
        created_by_id=actor.id if actor is not None else None, created_at=now, updated_at=now
    )
    _apply(criteria_set, fields, rows)
    session.add(criteria_set)
    session.flush()
    _audit(session, actor=actor, now=now, action="create", criteria_set=criteria_set)
    return criteria_set


def update_criteria_set(
    session: Session,
    *,
    actor: Person | None,
    now: datetime,
    criteria_set: CriteriaSet,
    name: Any,
    period_start: Any,
    period_end: Any,
    notes: Any = "",
    criteria: list[CriterionInput],
) -> CriteriaSet:
    """Change a set and its criteria as a whole. Raises NotAllowed, Invalid (nothing changes)."""
    if actor is not None:
        require(actor, "criteria.manage")
    fields, rows = validate(
        name=name, period_start=period_start, period_end=period_end, notes=notes, criteria=criteria
    )
    before = _audited(criteria_set)
    _apply(criteria_set, fields, rows)
    criteria_set.updated_at = now
    session.flush()
    _audit(session, actor=actor, now=now, action="update", criteria_set=criteria_set, before=before)
    return criteria_set


def delete_criteria_set(
    session: Session, *, actor: Person | None, now: datetime, criteria_set: CriteriaSet
) -> None:
    """Delete a set and its criteria (scores are computed, never stored, so nothing else goes).
    Raises NotAllowed."""
    if actor is not None:
        require(actor, "criteria.manage")
    before = _audited(criteria_set)
    _audit(session, actor=actor, now=now, action="delete", criteria_set=criteria_set, before=before)
    session.delete(criteria_set)
    session.flush()


def list_criteria_sets(session: Session, *, actor: Person) -> list[CriteriaSet]:
    """Every set, the latest period first. Raises NotAllowed."""
    require(actor, "criteria.view")
    return list(
        session.scalars(
            select(CriteriaSet)
            .options(selectinload(CriteriaSet.criteria))
            .order_by(CriteriaSet.period_end.desc(), CriteriaSet.id.desc())
        )
    )


def get_criteria_set(session: Session, set_id: int, *, actor: Person) -> CriteriaSet:
    """One set with its criteria. Raises NotAllowed, NotFound."""
    require(actor, "criteria.view")
    criteria_set = session.get(CriteriaSet, set_id, options=[selectinload(CriteriaSet.criteria)])
    if criteria_set is None:
        raise NotFound(N_("There is no such criteria set."))
    return criteria_set
