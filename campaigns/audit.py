"""The generic audit log: any model with ``__audit_type__`` can be snapshotted and recorded.

Each entrypoint names its door once per transaction (``session.info["door"] = "web"``); the
audit entry takes it from there, so services need not pass it around.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import insert, inspect
from sqlalchemy.orm import Session

from campaigns.org.models import AuditEntry, Person

DOORS = ("web", "api", "cli", "bot", "scheduler", "worker", "demo", "system")


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [_json_value(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _json_value(item) for key, item in value.items()}
    return value


def snapshot(obj: Any) -> dict[str, Any]:
    """The object's column values as JSON-safe data, minus the fields it keeps secret."""
    excluded = set(getattr(obj, "__audit_exclude__", ()))
    excluded.update({"created_at", "updated_at"})
    mapper = inspect(obj).mapper
    return {
        column.key: _json_value(getattr(obj, column.key))
        for column in mapper.column_attrs
        if column.key not in excluded
    }


def label_of(obj: Any) -> str:
    for attribute in ("code", "email", "name", "title", "title_en", "title_vi", "key"):
        value = getattr(obj, attribute, None)
        if isinstance(value, str) and value:
            return value[:200]
    return f"#{getattr(obj, 'id', '?')}"


def change_values(
    session: Session,
    *,
    actor: Person | None,
    now: datetime,
    action: str,
    target: Any,
    before: dict[str, Any] | None = None,
    comment: str | None = None,
) -> dict[str, Any]:
    """The columns of one audit entry for ``target`` as it is now, against ``before``.

    ``target`` must have been flushed (it needs its id).
    """
    return {
        "occurred_at": now,
        "actor_id": actor.id if actor is not None else None,
        "door": session.info.get("door", "system"),
        "action": action,
        "target_type": target.__audit_type__,
        "target_id": target.id,
        "target_label": label_of(target),
        "comment": comment,
        "before": before,
        "after": None if action == "delete" else snapshot(target),
    }


def record_change(
    session: Session,
    *,
    actor: Person | None,
    now: datetime,
    action: str,
    target: Any,
    before: dict[str, Any] | None = None,
    comment: str | None = None,
) -> AuditEntry:
    """Write one audit entry for ``target`` as it is now, against the ``before`` snapshot.

    ``target`` must have been flushed (it needs its id).
    """
    entry = AuditEntry(
        **change_values(
            session,
            actor=actor,
            now=now,
            action=action,
            target=target,
            before=before,
            comment=comment,
        )
    )
    session.add(entry)
    return entry


def record_changes(session: Session, entries: list[dict[str, Any]]) -> None:
    """Write many audit entries (``change_values``) in one statement: for hot paths that change
    many objects at once, where building an ``AuditEntry`` object for each would cost more than
    the change itself."""
    if entries:
        session.execute(insert(AuditEntry), entries)
