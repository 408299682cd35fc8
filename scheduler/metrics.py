"""The metrics collector: takes the snapshots that are due, reading the platforms in batches.

One pass (``MetricsCollector.run_once``), one short transaction per step::

    plan_snapshots (every PLAN_EVERY)                              -> commit
    claim_due_snapshots (batches per channel, within read budgets) -> commit
    for each channel's batch, 100 posts per call:
        read the platform (no transaction open while it answers)
        record_readings / record_read_failure                      -> commit

The collector plans by itself (``campaigns.metrics.planning``: one anti-join that finds nothing
on most passes), so snapshots are planned wherever a worker runs, without the scheduler.

Like the outbox worker, it gets its platform clients from a factory the caller passes
(``scheduler/`` may not import ``bots/``): ``herald worker`` passes ``bots.registry.client_for``.
A client that cannot read metrics (Telegram) is never asked: Telegram snapshots record the
reaction counts the rollup holds (``campaigns.metrics.collection``). Each collector is driven by
one thread and keeps its own clients.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from campaigns.db import utcnow
from campaigns.metrics import collection, planning
from campaigns.metrics.collection import ClaimedSnapshot, MetricsReader, SnapshotBatch
from campaigns.social.models import Channel, ChannelKind
from campaigns.social.platform import ErrorKind, PlatformError
from scheduler.clients import ChannelClients
from scheduler.transactions import Transactions

log = logging.getLogger(__name__)

ClientFactory = Callable[[Channel], Any]

IDLE_SECONDS = 5.0
ERROR_PAUSE_SECONDS = 5.0
PLAN_EVERY = timedelta(seconds=30)
# X gives the author's private metrics for 30 days after posting only.
PRIVATE_METRICS_AGE = timedelta(days=29)


class MetricsCollector:
    """Plans, claims and takes metric snapshots; see the module docstring."""

    def __init__(
        self,
        transactions: Transactions,
        client_factory: ClientFactory,
        *,
        worker_id: str,
        batch: int = 1_000,
        lease_seconds: int = collection.LEASE_SECONDS,
        budgets: Mapping[str, tuple[int, int]] | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.transactions = transactions
        self.client_factory = client_factory
        self.worker_id = worker_id
        self.batch = batch
        self.lease_seconds = lease_seconds
        self.budgets = budgets
        self.clock = clock
        self._clients = ChannelClients(client_factory)
        self._planned_at: datetime | None = None
        #: platform calls made (benchmarks and tests read it)
        self.calls = 0

    def run_once(self, now: datetime | None = None) -> int:
        """Plan, claim what is due, read it, record it. With ``now`` every step happens at that
        instant (tests drive time this way). Returns how many snapshots were claimed."""
        at: Callable[[], datetime] = (lambda: now) if now is not None else self.clock
        with self.transactions() as session:
            session.info["door"] = "worker"
            start = at()
            if (
                now is not None
                or self._planned_at is None
                or start - self._planned_at >= PLAN_EVERY
            ):
                planning.plan_snapshots(session, now=start)
                session.commit()
                self._planned_at = start
            batches = collection.claim_due_snapshots(
                session,
                worker_id=self.worker_id,
                now=start,
                limit=self.batch,
                lease_seconds=self.lease_seconds,
                budgets=self.budgets,
            )
            session.commit()
            for batch in batches:
                try:
                    self._collect(session, batch, at)
                except Exception:
                    session.rollback()  # the claims expire and are taken again
                    log.exception("metrics %s: channel %s failed", self.worker_id, batch.channel_id)
        return sum(len(batch.snapshots) for batch in batches)

    def _collect(self, session: Session, batch: SnapshotBatch, at: Callable[[], datetime]) -> None:
        if batch.channel_kind == ChannelKind.TELEGRAM:
            results = collection.current_rollup_readings(session, batch.snapshots)
            collection.record_readings(
                session,
                snapshots=batch.snapshots,
                results=results,
                worker_id=self.worker_id,
                now=at(),
            )
            session.commit()
            return
        channel = session.get(Channel, batch.channel_id)
        chunks = batch.chunks()
        try:
            if channel is None:
                raise PlatformError(ErrorKind.TRANSIENT, "the channel is gone")
            client = self._client(channel, at())
            if not isinstance(client, MetricsReader):
                raise PlatformError(ErrorKind.REJECTED, f"{channel.kind} gives no metrics")
        except PlatformError as error:
            self._failed(session, batch, [s for chunk in chunks for s in chunk], error, at())
            return
        for index, chunk in enumerate(chunks):
            ids = list(dict.fromkeys(snapshot.platform_id or "" for snapshot in chunk))
            private = all(at() - s.published_at < PRIVATE_METRICS_AGE for s in chunk)
            session.commit()  # no transaction stays open while the platform answers
            try:
                self.calls += 1
                results = client.read_metrics(ids, at=at(), private=private)
            except PlatformError as error:
                rest = [s for later in chunks[index:] for s in later]
                self._failed(session, batch, rest, error, at())
                if error.kind == ErrorKind.AUTH:
                    self._forget_client(batch.channel_id)
                return
            collection.record_readings(
                session, snapshots=chunk, results=results, worker_id=self.worker_id, now=at()
            )
            session.commit()

    def _failed(
        self,
        session: Session,
        batch: SnapshotBatch,
        snapshots: list[ClaimedSnapshot],
        error: PlatformError,
        now: datetime,
    ) -> None:
        retry_at = collection.record_read_failure(
            session,
            channel_id=batch.channel_id,
            channel_kind=batch.channel_kind,
            snapshots=snapshots,
            error=error,
            worker_id=self.worker_id,
            now=now,
            budgets=self.budgets,
        )
        session.commit()
        log.warning(
            "metrics %s: channel %s could not be read (%s: %s); %d snapshot(s) wait until %s",
            self.worker_id,
            batch.channel_id,
            error.kind,
            error.message,
            len(snapshots),
            retry_at.isoformat(),
        )

    # --- platform clients ------------------------------------------------------------------------

    def _client(self, channel: Channel, now: datetime) -> Any:
        return self._clients.get(channel, now)

    def _forget_client(self, channel_id: int) -> None:
        self._clients.forget(channel_id)

    def close(self) -> None:
        self._clients.close()

    # --- the loop --------------------------------------------------------------------------------

    def seconds_to_wait(self, now: datetime) -> float:
        """Until the next snapshot may be claimed, at most ``IDLE_SECONDS`` (new publications
        are planned on the next pass)."""
        with self.transactions() as session:
            next_due = collection.next_due_at(session)
        if next_due is None or next_due <= now:
            return IDLE_SECONDS
        return min((next_due - now).total_seconds(), IDLE_SECONDS)

    def run_forever(self, stop: threading.Event) -> None:
        """Collect until ``stop`` is set."""
        log.info("metrics collector %s started", self.worker_id)
        try:
            while not stop.is_set():
                try:
                    if self.run_once() >= self.batch:
                        continue  # more is due: no pause
                    stop.wait(self.seconds_to_wait(self.clock()))
                except Exception:
                    log.exception("metrics %s: pass failed; trying again", self.worker_id)
                    stop.wait(ERROR_PAUSE_SECONDS)
        finally:
            self.close()
            log.info("metrics collector %s stopped", self.worker_id)


def start_metrics_collector(
    transactions: Transactions,
    client_factory: ClientFactory,
    *,
    stop: threading.Event,
    worker_id: str,
    **options: Any,
) -> threading.Thread:
    """The collector in a thread of its own (``herald worker``, ``herald demo``)."""
    collector = MetricsCollector(transactions, client_factory, worker_id=worker_id, **options)
    thread = threading.Thread(
        target=collector.run_forever, args=(stop,), name=f"herald-metrics-{worker_id}", daemon=True
    )
    thread.start()
    return thread
