"""Pure rules of annual plans: amounts in đồng, windows that overlap, and what changed between
two versions of a plan."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from campaigns.db import BIGINT_MAX
from campaigns.i18n import N_

FIRST_YEAR, LAST_YEAR = 2000, 2100
_GROUPING = re.compile(r"[\s.,_\u00a0\u202f]")


def parse_amount(text: str | int | None) -> tuple[int, str | None]:
    """Whole đồng from what a person typed (``1.250.000.000``, ``1,250,000,000``, ``1250000000``,
    or nothing for 0): ``(amount, None)`` or ``(0, message)``. VND has no minor unit."""
    if isinstance(text, int):
        digits = str(text)
    else:
        digits = _GROUPING.sub("", (text or "").strip().removesuffix("₫").removesuffix("VND"))
    if not digits:
        return 0, None
    if not digits.isdigit():
        return 0, N_("Give the amount in whole đồng, digits only (e.g. 150000000).")
    amount = int(digits)
    if amount > BIGINT_MAX:
        return 0, N_("This number is out of range.")
    return amount, None


def windows_overlap(first: tuple[date, date], second: tuple[date, date]) -> bool:
    """Inclusive windows ``(starts_on, ends_on)`` that share at least one day."""
    return first[0] <= second[1] and second[0] <= first[1]


def parse_day(text: str | None) -> date | None:
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError:
        return None


# --- what changed between two versions -----------------------------------------------------------

PLAN_FIELDS = (
    "title",
    "objectives",
    "key_messages",
    "themes",
    "target_countries",
    "target_audiences",
)
ACTIVITY_FIELDS = (
    "title",
    "kind",
    "country",
    "theme",
    "audience",
    "starts_on",
    "ends_on",
    "lead_unit",
    "supporting_units",
    "budget_planned",
)


@dataclass(frozen=True)
class Change:
    """One difference: ``where`` is the plan or an activity's title, ``field`` the field's key
    (``added`` / ``removed`` for a whole activity)."""

    where: str
    field: str
    before: Any
    after: Any


def plan_changes(before: dict[str, Any], after: dict[str, Any]) -> list[Change]:
    """The differences between two snapshots of a plan (``plans.plan_snapshot``): the plan's
    own fields, then activities added, removed or changed (matched by id)."""
    changes = [
        Change("", field, before.get(field), after.get(field))
        for field in PLAN_FIELDS
        if before.get(field) != after.get(field)
    ]
    old = {item["id"]: item for item in before.get("activities", [])}
    new = {item["id"]: item for item in after.get("activities", [])}
    for key, item in new.items():
        if key not in old:
            changes.append(Change(item["title"], "added", None, item))
            continue
        for field in ACTIVITY_FIELDS:
            if old[key].get(field) != item.get(field):
                changes.append(Change(item["title"], field, old[key].get(field), item.get(field)))
    for key, item in old.items():
        if key not in new:
            changes.append(Change(item["title"], "removed", item, None))
    return changes
