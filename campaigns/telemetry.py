"""What Herald's processes measure as they work: Prometheus metrics and one log line per
publication attempt.

The figures that the database already knows (publications by status, the queue, the snapshot
backlog, errors by kind) are read at scrape time (``campaigns.health.queries``), so every web
process agrees on them. What only the process doing the work sees lives here, in
``prometheus_client`` objects: how late each publication went out, the bot's updates. The web
adds its own request figures (``web/telemetry.py``). Several processes on one machine add their
figures up through ``PROMETHEUS_MULTIPROC_DIR`` (docs/operations.md, "Metrics").

The domain may import this module: it imports nothing from web/, bots/ or scheduler/.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from prometheus_client import Counter, Histogram

if TYPE_CHECKING:
    from campaigns.social.models import Publication

# Seconds between a publication's instant and the platform's acceptance: a burst's target is
# p99 <= 3 s and the last <= 5 s, a missed window is 30 min.
LATENESS_BUCKETS = (0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 30, 60, 300, 1800)

DISPATCH_LATENESS = Histogram(
    "herald_dispatch_lateness_seconds",
    "How late publications went out: from their scheduled instant to the platform's answer.",
    ["platform"],
    buckets=LATENESS_BUCKETS,
)
BOT_UPDATES = Counter(
    "herald_bot_updates",
    "Telegram updates the field bot received (messages, commands, buttons, reactions).",
)

publishing_log = logging.getLogger("herald.publishing")


def _milliseconds(start: datetime | None, end: datetime) -> float | None:
    return round((end - start).total_seconds() * 1000, 1) if start is not None else None


def log_attempt(
    *,
    publication_id: int,
    channel_id: int,
    platform: str,
    outcome: str,
    claimed_at: datetime | None,
    answered_at: datetime,
    error_kind: str | None = None,
) -> None:
    """One line per publication attempt, with ids only (never the text, never a credential).

    ``duration_ms`` runs from the claim to the platform's answer (what the worker spent on it,
    waiting behind the rest of its batch included).
    """
    publishing_log.info(
        "publication %s on channel %s (%s): %s%s",
        publication_id,
        channel_id,
        platform,
        outcome,
        f" ({error_kind})" if error_kind else "",
        extra={
            "event": "publication_attempt",
            "publication_id": publication_id,
            "channel_id": channel_id,
            "platform": platform,
            "outcome": outcome,
            "error_kind": error_kind,
            "duration_ms": _milliseconds(claimed_at, answered_at),
        },
    )


def observe_published(published: Iterable[tuple[Publication, datetime]]) -> None:
    """Publications a worker just recorded as published, each with the instant the platform
    accepted it: their lateness, and their attempt's log line."""
    for publication, answered_at in published:
        platform = publication.channel.kind
        lateness = (answered_at - publication.scheduled_at).total_seconds()
        DISPATCH_LATENESS.labels(platform=platform).observe(max(lateness, 0.0))
        log_attempt(
            publication_id=publication.id,
            channel_id=publication.channel_id,
            platform=platform,
            outcome="published",
            claimed_at=publication.claimed_at,
            answered_at=answered_at,
        )


def observe_failed(publication: Publication, *, error_kind: str, now: datetime) -> None:
    """A publication the platform refused or did not answer, after Herald decided what follows
    (its status: failed, dead, held, reconciling)."""
    log_attempt(
        publication_id=publication.id,
        channel_id=publication.channel_id,
        platform=publication.channel.kind,
        outcome=publication.status,
        claimed_at=publication.claimed_at,
        answered_at=now,
        error_kind=error_kind,
    )
