"""What /healthz and /metrics say about Herald's processes and channels."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from campaigns.health.models import Heartbeat, ProcessKind
from campaigns.social.queries import broken_channels

# The scheduler and workers beat every few seconds; silence this long means stopped or stuck.
ALIVE_WITHIN = timedelta(seconds=30)


def _describe(heartbeat: Heartbeat, now: datetime) -> dict[str, Any]:
    return {
        "name": heartbeat.name,
        "hostname": heartbeat.hostname,
        "pid": heartbeat.pid,
        "started_at": heartbeat.started_at.isoformat(),
        "seen_at": heartbeat.seen_at.isoformat(),
        "alive": now - heartbeat.seen_at <= ALIVE_WITHIN,
    }


def heartbeats(session: Session, *, kind: str) -> list[Heartbeat]:
    """The known processes of ``kind``, most recently seen first."""
    return list(
        session.scalars(
            select(Heartbeat)
            .where(Heartbeat.kind == ProcessKind(kind).value)
            .order_by(Heartbeat.seen_at.desc(), Heartbeat.id)
        )
    )


def health_report(session: Session, *, now: datetime) -> dict[str, Any]:
    """The state of the database, the scheduler, the workers and the channels, as JSON data.

    ``scheduler.alive``: a scheduler beat within 30 s; ``workers.alive`` / ``workers.stale``:
    how many workers beat within 30 s / before that (forgotten after a day). Broken channels
    are named with when they broke, not with the platform's message (which may say too much on
    a public endpoint). Raises whatever the database raises when it does not answer.
    """
    session.execute(text("SELECT 1"))
    schedulers = [_describe(row, now) for row in heartbeats(session, kind=ProcessKind.SCHEDULER)]
    workers = [_describe(row, now) for row in heartbeats(session, kind=ProcessKind.WORKER)]
    alive_workers = [worker for worker in workers if worker["alive"]]
    return {
        "database": "ok",
        "scheduler": {
            "alive": any(scheduler["alive"] for scheduler in schedulers),
            "seen_at": schedulers[0]["seen_at"] if schedulers else None,
            "name": schedulers[0]["name"] if schedulers else None,
        },
        "workers": {
            "alive": len(alive_workers),
            "stale": len(workers) - len(alive_workers),
            "processes": workers,
        },
        "broken_channels": [
            {
                "id": channel.id,
                "kind": channel.kind,
                "name": channel.name,
                "since": channel.last_error_at.isoformat() if channel.last_error_at else None,
            }
            for channel in broken_channels(session)
        ],
    }
