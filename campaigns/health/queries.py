"""What /healthz and /metrics say about Herald's processes and channels."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from campaigns.health.models import Heartbeat, ProcessKind
from campaigns.metrics.collection import count_due_snapshots
from campaigns.org.import_jobs import waiting_import_jobs
from campaigns.org.models import TelegramBot
from campaigns.social.models import Publication, PublicationAttempt, PublicationStatus
from campaigns.social.platform import ErrorKind
from campaigns.social.queries import broken_channels, count_due

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


def live_workers(session: Session, *, now: datetime) -> int:
    """How many outbox workers beat within ``ALIVE_WITHIN``."""
    return (
        session.scalar(
            select(func.count()).where(
                Heartbeat.kind == ProcessKind.WORKER.value,
                Heartbeat.seen_at >= now - ALIVE_WITHIN,
            )
        )
        or 0
    )


# One round trip for both kinds of process; statements built once: /healthz is polled often,
# by load balancers too, and building a statement cost more than running it (profiled).
_HEARTBEATS = (
    select(Heartbeat)
    .where(Heartbeat.kind.in_((ProcessKind.SCHEDULER.value, ProcessKind.WORKER.value)))
    .order_by(Heartbeat.seen_at.desc(), Heartbeat.id)
)
_LATEST_TELEGRAM_BOT = select(TelegramBot).order_by(TelegramBot.started_at.desc()).limit(1)


def health_report(session: Session, *, now: datetime) -> dict[str, Any]:
    """The state of the database, the scheduler, the workers and the channels, as JSON data.

    ``scheduler.alive``: a scheduler beat within 30 s; ``workers.alive`` / ``workers.stale``:
    how many workers beat within 30 s / before that (forgotten after a day). Broken channels
    are named with when they broke, not with the platform's message (which may say too much on
    a public endpoint). ``telegram_bot``: the field bot that started last (its @username and
    when), or None before any has run. Raises whatever the database raises when it does not answer.
    """
    beats = session.scalars(_HEARTBEATS)
    schedulers, workers = [], []
    for row in beats:
        (schedulers if row.kind == ProcessKind.SCHEDULER.value else workers).append(
            _describe(row, now)
        )
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
        "telegram_bot": _telegram_bot(session),
    }


def _telegram_bot(session: Session) -> dict[str, Any] | None:
    bot = session.scalar(_LATEST_TELEGRAM_BOT)
    if bot is None:
        return None
    return {"username": bot.username, "started_at": bot.started_at.isoformat()}


@dataclass(frozen=True)
class Sample:
    """One Prometheus sample: a metric's name, its labels and its value."""

    name: str
    value: int
    labels: tuple[tuple[str, str], ...] = ()


# name -> (type, help): what /metrics declares before the samples.
METRICS = {
    "herald_publications": ("gauge", "Publications by status."),
    "herald_publications_due": (
        "gauge",
        "The queue: publications due now and not published (or whose lease ran out).",
    ),
    "herald_publication_attempts_total": ("counter", "Publishing attempts by outcome."),
    "herald_platform_errors_total": (
        "counter",
        "Platform failures by kind (transient, rate_limited, auth, rejected), from the attempt log.",
    ),
    "herald_workers_alive": ("gauge", "Workers that beat within the last 30 seconds."),
    "herald_scheduler_alive": ("gauge", "1 when the scheduler beat within the last 30 seconds."),
    "herald_channels_broken": ("gauge", "Channels marked broken (credentials refused)."),
    "herald_import_jobs_waiting": ("gauge", "Import jobs queued and not yet claimed by a worker."),
    "herald_metric_snapshots_due": (
        "gauge",
        "Metric snapshots due and not taken yet (a platform outage, a spent read budget, or no"
        " worker running).",
    ),
}


def runtime_metrics(session: Session, *, now: datetime) -> list[Sample]:
    """The figures /metrics exposes, read from the database (so every web process agrees)."""
    report = health_report(session, now=now)
    by_status = dict(
        session.execute(select(Publication.status, func.count()).group_by(Publication.status)).all()
    )
    by_outcome = dict(
        session.execute(
            select(PublicationAttempt.outcome, func.count()).group_by(PublicationAttempt.outcome)
        ).all()
    )
    by_error_kind = dict(
        session.execute(
            select(PublicationAttempt.error_kind, func.count())
            .where(PublicationAttempt.error_kind.is_not(None))
            .group_by(PublicationAttempt.error_kind)
        ).all()
    )
    samples = [
        Sample("herald_publications", by_status.get(status, 0), (("status", status),))
        for status in PublicationStatus
    ]
    samples.append(Sample("herald_publications_due", count_due(session, now=now)))
    samples += [
        Sample("herald_publication_attempts_total", count, (("outcome", outcome),))
        for outcome, count in sorted(by_outcome.items())
    ]
    samples += [
        Sample("herald_platform_errors_total", by_error_kind.get(kind, 0), (("kind", kind),))
        for kind in ErrorKind
    ]
    samples += [
        Sample("herald_workers_alive", report["workers"]["alive"]),
        Sample("herald_scheduler_alive", 1 if report["scheduler"]["alive"] else 0),
        Sample("herald_channels_broken", len(report["broken_channels"])),
        Sample("herald_import_jobs_waiting", waiting_import_jobs(session)),
        Sample("herald_metric_snapshots_due", count_due_snapshots(session, now=now)),
    ]
    return samples
