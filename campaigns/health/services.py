"""Processes say they are alive; old signs of life are forgotten."""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from campaigns.health.models import Heartbeat, ProcessKind

# A process that has not beaten for this long is gone; its row is only history.
FORGET_AFTER = timedelta(days=1)


def beat(
    session: Session,
    *,
    kind: str,
    name: str,
    now: datetime,
    hostname: str | None = None,
    pid: int | None = None,
) -> Heartbeat:
    """Record that the process ``name`` (a scheduler or a worker) is alive at ``now``.

    The first beat of a process (or of a new process reusing the name) sets ``started_at``.
    Raises ValueError for a kind Herald does not run.
    """
    kind = ProcessKind(kind).value
    hostname = hostname if hostname is not None else socket.gethostname()
    pid = pid if pid is not None else os.getpid()
    heartbeat = session.scalar(select(Heartbeat).where(Heartbeat.name == name))
    if heartbeat is None:
        heartbeat = Heartbeat(kind=kind, name=name, started_at=now)
        session.add(heartbeat)
    elif heartbeat.pid != pid or heartbeat.hostname != hostname:
        heartbeat.started_at = now
    heartbeat.kind = kind
    heartbeat.hostname = hostname[:200]
    heartbeat.pid = pid
    heartbeat.seen_at = now
    session.flush()
    return heartbeat


def forget_heartbeats(
    session: Session, *, now: datetime, older_than: timedelta = FORGET_AFTER
) -> int:
    """Delete the rows of processes not seen for ``older_than`` (a scheduler job calls this)."""
    result = session.execute(delete(Heartbeat).where(Heartbeat.seen_at < now - older_than))
    return result.rowcount or 0
