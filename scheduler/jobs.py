"""The scheduler's jobs: each opens a transaction, calls one service with ``now``, commits."""

from __future__ import annotations

import logging
from datetime import datetime

from campaigns import webhooks
from campaigns.calendar import services as calendar_services
from campaigns.db import utcnow
from campaigns.health import services as health_services
from campaigns.press import privacy
from campaigns.programme import conferences
from campaigns.social import outbox
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


def purge_identity_documents(transactions: Transactions, now: datetime | None = None) -> int:
    """Delete journalists' identity documents past their retention period."""
    with transactions() as session:
        purged = privacy.purge_expired_identity_documents(session, now=now or utcnow())
    if purged:
        log.info("deleted %d identity document(s) past their retention", purged)
    return purged


def hold_missed_publications(transactions: Transactions, now: datetime | None = None) -> int:
    """Hold publications that missed their window, even while no worker runs."""
    with transactions() as session:
        held = outbox.hold_missed_publications(session, now=now or utcnow())
    if held:
        log.info("held %d publication(s) that missed their window", held)
    return held


def remind_conference_sites(transactions: Transactions, now: datetime | None = None) -> int:
    """Remind the people of conference sites that are not ready of the readiness deadline."""
    with transactions() as session:
        sent = conferences.send_readiness_reminders(session, now=now or utcnow())
    if sent:
        log.info("sent %d conference readiness reminder(s)", sent)
    return sent


def forget_old_webhook_deliveries(transactions: Transactions, now: datetime | None = None) -> int:
    """Delete delivered webhook deliveries past the log's retention (daily)."""
    with transactions() as session:
        forgotten = webhooks.forget_old_deliveries(session, now=now or utcnow())
    if forgotten:
        log.info("forgot %d delivered webhook deliveries", forgotten)
    return forgotten


def heartbeat(transactions: Transactions, name: str, now: datetime | None = None) -> None:
    """Tell /healthz the scheduler is alive."""
    with transactions() as session:
        health_services.beat(session, kind="scheduler", name=name, now=now or utcnow())


def tidy_up(transactions: Transactions, now: datetime | None = None) -> tuple[int, int]:
    """Forget rate-budget windows and heartbeats of processes long gone (daily)."""
    now = now or utcnow()
    with transactions() as session:
        budgets = outbox.prune_budgets(session, now=now)
        heartbeats = health_services.forget_heartbeats(session, now=now)
    log.info("tidied %d budget window(s) and %d heartbeat(s)", budgets, heartbeats)
    return budgets, heartbeats
