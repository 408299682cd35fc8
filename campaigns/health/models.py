"""One row per running scheduler or worker, touched every few seconds while it lives."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from campaigns.db import Base, UTCDateTime


class ProcessKind(StrEnum):
    SCHEDULER = "scheduler"
    WORKER = "worker"


class Heartbeat(Base):
    """The last sign of life of one process (a worker thread counts as one: its worker id)."""

    __tablename__ = "heartbeats"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    # The scheduler's name or the worker's id (host:pid:n), unique among living and dead.
    name: Mapped[str] = mapped_column(String(100), unique=True)
    hostname: Mapped[str] = mapped_column(String(200))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)

    def __repr__(self) -> str:
        return f"<Heartbeat {self.kind} {self.name!r} {self.seen_at:%H:%M:%S}Z>"
