"""Claims under a lease, shared by every queue in the database (the outbox, import jobs).

A worker takes a row by one statement that only one transaction can win, and holds it until
``lease_until``; a worker that dies simply stops renewing, and once the lease has run out
another worker takes the row over. On PostgreSQL the candidates are read with
``SELECT ... FOR UPDATE SKIP LOCKED``, so concurrent workers pass over each other's rows instead
of queueing behind them; on SQLite (one writer at a time) the conditional ``UPDATE`` alone is
the claim.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, update
from sqlalchemy.orm import Session


def is_postgres(session: Session) -> bool:
    """Whether the session talks to PostgreSQL (row locks and upserts differ from SQLite)."""
    return session.get_bind().dialect.name == "postgresql"


def skip_locked(session: Session, statement: Select, *, of: Any) -> Select:
    """``FOR UPDATE SKIP LOCKED`` on PostgreSQL: rows of ``of`` another worker holds are passed
    over. On SQLite the statement is unchanged."""
    if is_postgres(session):
        return statement.with_for_update(skip_locked=True, of=of)
    return statement


def conditional_update(
    session: Session, model: Any, row_id: int, *, where: Sequence[Any], values: dict[str, Any]
) -> bool:
    """One UPDATE of ``model``'s row that only succeeds while ``where`` still holds: the atomic
    step of a claim, a renewal or a release. True when this transaction won it."""
    result = session.execute(
        update(model)
        .where(model.id == row_id, *where)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1
