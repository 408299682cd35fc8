"""Who may do what: one function family used by every door (web, API, bot, scheduler).

``can(actor, action, target)`` answers; ``require`` raises ``NotAllowed``. Actions are strings
named ``area.verb``; targets are domain objects (a Unit, a Person) or None for area-wide actions.
"""

from __future__ import annotations

from typing import Any

from campaigns.errors import NotAllowed
from campaigns.i18n import N_
from campaigns.org.models import Person, Role, Unit

# Area-wide actions and the roles that hold them, whatever the target.
_GLOBAL: dict[str, frozenset[str]] = {
    "dashboard.view": frozenset(Role),
    "profile.manage": frozenset(Role),
    "units.list": frozenset(Role),
    "people.list": frozenset(Role),
    "unit.manage": frozenset({Role.ADMIN}),
    "person.manage": frozenset({Role.ADMIN}),
    "audit.view": frozenset({Role.ADMIN}),
    "settings.manage": frozenset({Role.ADMIN}),
}

# Roles that see every unit; the others see their own unit only.
_SEES_ALL_UNITS = frozenset({Role.ADMIN, Role.COORDINATOR})


def _unit_of(target: Any) -> Unit | None:
    if isinstance(target, Unit):
        return target
    return getattr(target, "unit", None)


def in_own_unit(actor: Person, target: Any) -> bool:
    unit = _unit_of(target)
    return unit is not None and actor.unit_id is not None and unit.id == actor.unit_id


def can(actor: Person | None, action: str, target: Any = None) -> bool:
    """True when ``actor`` may perform ``action`` on ``target``."""
    if actor is None or not actor.active:
        return False
    role = actor.role
    if action in ("unit.view", "person.view"):
        if role in _SEES_ALL_UNITS:
            return True
        if isinstance(target, Person) and target.id == actor.id:
            return True
        return in_own_unit(actor, target)
    if action == "person.self":
        return isinstance(target, Person) and target.id == actor.id
    allowed = _GLOBAL.get(action)
    if allowed is None:
        raise KeyError(f"unknown action {action!r}")
    return role in allowed


def require(actor: Person | None, action: str, target: Any = None) -> None:
    """Raise ``NotAllowed`` unless ``can(actor, action, target)``."""
    if not can(actor, action, target):
        raise NotAllowed(N_("You are not allowed to do this."))


def sees_all_units(actor: Person) -> bool:
    return actor.role in _SEES_ALL_UNITS
