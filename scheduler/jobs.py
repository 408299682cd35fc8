"""The scheduler's jobs: each opens a transaction, calls one service with ``now``, commits."""

from __future__ import annotations

import logging
from datetime import datetime

from campaigns.calendar import services as calendar_services
from campaigns.db import utcnow
from scheduler.transactions import Transactions

log = logging.getLogger(__name__)


def plan_anniversaries(transactions: Transactions, now: datetime | None = None) -> int:
    """Create the planning tasks of anniversaries entering their lead time (exactly once)."""
    with transactions() as session:
        tasks = calendar_services.create_due_planning_tasks(session, now=now or utcnow())
        created = len(tasks)
    if created:
        log.info("created %d planning task(s)", created)
    return created
