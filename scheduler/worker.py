"""The outbox worker: claims due publications, publishes them, records what the platform said.

One pass (``Worker.run_once``) follows DESIGN.md's pipeline, one short transaction per step::

    claim (publishing or reconciling, with a lease)      -> commit
    each channel of the batch is a lane, its claims in due order; up to ``sends`` lanes at once:
        reconciling: find_published -> resolve_reconcile -> commit  (stop unless "retry")
        lease check; Telegram: mark_sending               -> commit
        the platform call, in the send pool               (no transaction open)
        failure: record_failure                           -> commit
    record_successes (the batch's, every second)          -> commit

Sending is concurrent, bookkeeping is not. Real platforms take 100–500 ms to answer, so a worker
that sent one post at a time spent its life waiting (400 posts due at once on four workers took
31 s against a platform answering in 300 ms). Now the platform calls of a batch run in a small
thread pool (``sends`` threads, made on first use), while every database step stays in the
worker's own thread with its one session, exactly as before: claims, reconciles, the Telegram
"sending begins" note, failures and the batch's successes. A channel's claims are sent one after
the other in due order (its posts never overtake each other, and a client, which is not
thread-safe, is used by one call at a time), different channels side by side. The claim gives a
channel's due posts to one worker at a time (``outbox.claims._claim_lanes``), so the order also
holds across workers. Why not asyncio (``tweepy.asynchronous.AsyncClient``): it needs aiohttp
and would be a second X adapter to keep equal to the first (classification, reconcile on a lost
answer, media upload); threads blocked on sockets cost little here, and the GIL is released
while they wait. A sandbox client writes through the worker's session, so it is called in the
worker's thread.

What keeps "exactly once" unchanged:

- Leases cover the whole batch in flight: a call starts only while more than half of its claim's
  lease is left (``lease_seconds`` 120 against a platform timeout of 10 s), so no other worker can
  take a claim over while its call is running. When half a lease has gone by before a lane's
  next call (a long lane, a slow platform), the batch's claims still held under this worker's
  name are renewed in one conditional UPDATE (``outbox.renew_claims``); a claim taken over
  meanwhile (the worker was stalled past its lease) fails that condition and is not sent.
- Successes are recorded together, once per batch (or every second, whichever comes first): a
  handful of statements for the batch instead of several per post. This is safe because of
  reconcile: a worker that dies before recording leaves claims whose lease expires, and whoever
  takes them finds the posts on the platform and records them, never sending twice — however
  many were in flight when it died. Where the platform cannot be asked (Telegram), a success is
  recorded as soon as it comes back, and each claim is marked before its call starts, so a crash
  leaves only the calls actually in flight for a person to check.
- A channel that answers 401 or 429 gets no further call in the batch: the rest of its lane is
  given back unsent (``outbox.release_unsent``) before the failure is recorded; its calls
  already in flight cannot exist, since a lane has one call at a time.
- No transaction is held open while a platform answers.

Which client serves a channel is not decided here: ``scheduler/`` may not import ``bots/``, so
the caller passes a factory (``herald worker`` passes ``bots.registry.client_for`` with the
application's configuration). Each ``Worker`` has its own clients and is driven by one thread;
``run_workers`` runs N of them as threads of one process. For more than a couple of cores'
worth of CPU, run more ``herald worker`` processes: claims are exclusive across processes and
machines.

What a burst taught (1,000 due at one instant on 200 channels, docs/benchmarks.md, round 2):

- Each worker takes its share of the channels something is due on, counting its peers from
  their heartbeats at every claim (once a second), not from its own last beat: a count a few
  seconds old made the first worker to wake take every channel's first post, so each channel
  was split over several batches, each waiting for the one before.
- The worker thread is the one that must not wait: it does the database work of up to
  ``sends`` lanes while their send threads wake up for answers. With Python's default GIL
  switch interval (5 ms) every round trip of the worker thread waited for the GIL behind those
  threads; worker processes use 0.5 ms (``GIL_SWITCH_SECONDS``).
- Successes are recorded after the lanes that just answered have their next call in flight,
  so the recording overlaps the platform's latency.

Between passes a worker sleeps until the next due instant the database knows of, at most a
second, and wakes at once when stopped, so a publication goes out well within a second of its
time.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
import threading
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, configure_mappers

from campaigns.db import utcnow
from campaigns.health.queries import live_workers
from campaigns.health.services import beat
from campaigns.social import outbox, queries, rules
from campaigns.social.checks import (
    ConnectionCheck,
    finish_connection_check,
    pending_connection_checks,
)
from campaigns.social.models import (
    Channel,
    Publication,
    PublicationStatus,
)
from campaigns.social.platform import (
    Allowance,
    ErrorKind,
    OutgoingPost,
    PlatformClient,
    PlatformError,
    PublishedPost,
)
from scheduler.clients import ChannelClients
from scheduler.passes import run_passes
from scheduler.transactions import Transactions

log = logging.getLogger(__name__)

ClientFactory = Callable[[Channel], PlatformClient]

# A worker sleeps at most this long between passes, and looks at "test connection" this often.
IDLE_SECONDS = 1.0
CHECK_INTERVAL = timedelta(seconds=1)
HEARTBEAT_INTERVAL = timedelta(seconds=5)
# After an unexpected error (the database went away), wait a little before trying again.
# Successes waiting to be recorded are recorded at least this often within a batch.
RECORD_EVERY = timedelta(seconds=1)
# How long a thread holding the GIL keeps it while another wants it (Python's default: 5 ms).
GIL_SWITCH_SECONDS = 0.0005
# A worker looks for missed windows and expired leases this often (not on every claim).
HOUSEKEEPING_EVERY = timedelta(seconds=1)


@dataclass(frozen=True)
class _Flight:
    """A claim whose platform call has started: the answer comes through ``future``."""

    publication: Publication
    client: PlatformClient
    future: Future[PublishedPost]


def _call(client: PlatformClient, outgoing: OutgoingPost) -> Future[PublishedPost]:
    """A platform call made here and now, as a finished future (the sandbox: it writes through
    the worker's own session, which no other thread may use)."""
    future: Future[PublishedPost] = Future()
    try:
        future.set_result(client.publish(outgoing))
    except Exception as error:  # raised again where the answer is read
        future.set_exception(error)
    return future


def worker_name(index: int = 0) -> str:
    """A worker id unique across machines and restarts: ``host:pid:thread``."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{index}"


class Worker:
    """One outbox worker: one thread, its own platform clients, one database session per pass.

    ``batch``: the most publications claimed per pass; when little is due, each worker takes
    its share of the channels, so that posts due together go out side by side. ``sends``: how
    many channels of the batch have a platform call in flight at once. ``lease_seconds``: how
    long a claim lasts before another worker may reconcile it; a call starts only while more
    than half of its claim's lease is left (the batch's claims are renewed when half is gone,
    and one taken over meanwhile is not sent), so a slow platform can never make two workers
    send the same publication.
    """

    def __init__(
        self,
        transactions: Transactions,
        client_factory: ClientFactory,
        *,
        worker_id: str,
        media_root: Path | str,
        batch: int = 50,
        sends: int = 50,
        lease_seconds: int = 120,
        policy: rules.RetryPolicy | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.transactions = transactions
        self.client_factory = client_factory
        self.worker_id = worker_id
        self.media_root = Path(media_root)
        self.batch = batch
        self.sends = max(1, sends)
        self.lease_seconds = lease_seconds
        self.policy = policy or rules.RetryPolicy()
        self.clock = clock
        self._clients = ChannelClients(client_factory)
        # Mappers are configured on first use, which was the first claim of a burst (0.3-0.6 s).
        configure_mappers()
        self._last_beat: datetime | None = None
        self._last_checks: datetime | None = None
        self._last_claim_at: datetime | None = None
        self._last_housekeeping: datetime | None = None
        self._workers = 1  # how many workers share the outbox (from their heartbeats)
        self._batch: list[Publication] = []  # the claims of the batch in hand
        # Each channel's claims of the batch in hand not started yet, in due order.
        self._lanes: dict[int, deque[Publication]] = {}
        self._send_pool: ThreadPoolExecutor | None = None
        # The platform's last word on each channel's rate limit in the batch in hand.
        self._allowances: dict[int, tuple[Channel, Allowance]] = {}

    # --- one pass --------------------------------------------------------------------------------

    def run_once(self, now: datetime | None = None) -> int:
        """Claim what is due and publish it; answer pending connection checks; beat.

        With ``now`` every step of the pass happens at that instant (tests drive time this way);
        without, each step reads the worker's clock. Returns how many claims were handled.
        """
        at: Callable[[], datetime] = (lambda: now) if now is not None else self.clock
        with self.transactions() as session:
            session.info["door"] = "worker"
            self._beat(session, at())
            self._last_claim_at = at()
            housekeeping = (
                self._last_housekeeping is None
                or self._last_claim_at - self._last_housekeeping >= HOUSEKEEPING_EVERY
                or now is not None
            )
            if housekeeping:
                self._last_housekeeping = self._last_claim_at
                # How many share what is due, as of now: a count kept from a beat up to five
                # seconds old made the first worker to wake at a burst take every channel's
                # first post (its share of one), splitting each channel over several batches.
                self._workers = max(1, live_workers(session, now=self._last_claim_at))
            claimed = outbox.claim_due_publications(
                session,
                worker_id=self.worker_id,
                now=self._last_claim_at,
                limit=self.batch,
                lease_seconds=self.lease_seconds,
                housekeeping=housekeeping,
                share_with=self._workers,
            )
            session.commit()
            self._send(session, claimed, at)
            self._answer_checks(session, at)
        return len(claimed)

    def _send(
        self, session: Session, claimed: Sequence[Publication], at: Callable[[], datetime]
    ) -> None:
        """Send a batch: each channel's claims one after the other in due order (a lane), up to
        ``sends`` channels at once; every database step in this thread, only the platform calls
        in the send pool. Successes are recorded together (see the module docstring)."""
        self._batch, self._lanes = list(claimed), {}
        for publication in claimed:
            self._lanes.setdefault(publication.channel_id, deque()).append(publication)
        ready = deque(self._lanes)  # channels whose next claim may start
        flying: dict[Future, _Flight] = {}
        sent: list[outbox.Sent] = []
        while ready or flying:
            while ready and len(flying) < self.sends:
                flight = self._start_next(session, self._lanes[ready.popleft()], at, sent)
                if flight is not None:
                    flying[flight.future] = flight
            if not flying:
                continue
            if sent and at() - sent[0].at >= RECORD_EVERY:
                # After the lanes that just answered have their next call in flight, so that
                # recording overlaps the platform's latency instead of delaying those calls.
                self._record(session, sent, at())
            done, _ = wait(
                flying, timeout=RECORD_EVERY.total_seconds(), return_when=FIRST_COMPLETED
            )
            for future in done:
                flight = flying.pop(future)
                self._land(session, flight, at, sent)
                ready.append(flight.publication.channel_id)
        self._record(session, sent, at())
        self._respect_allowances(session, at())

    def _wait_for_reset(
        self, session: Session, channel: Channel, allowance: Allowance, now: datetime
    ) -> None:
        """The platform's answer said the account may post no more before its reset: the
        channel waits until then, and the rest of its lane is given back unsent (the next call
        would only have been a 429)."""
        if outbox.respect_allowance(session, channel=channel, allowance=allowance, now=now):
            self._give_back_lane(
                session,
                channel.id,
                now,
                reason=f"rate_limited: the platform allows no more posts before "
                f"{allowance.reset_at:%Y-%m-%d %H:%M:%S} UTC",
            )
        session.commit()

    def _give_back_lane(
        self, session: Session, channel_id: int, now: datetime, *, reason: str
    ) -> None:
        """What is left of a channel's lane goes back unsent (its next call would only meet
        the same refusal)."""
        rest = list(self._lanes.get(channel_id, ()))
        if rest:
            outbox.release_unsent(session, rest, worker_id=self.worker_id, now=now, reason=reason)

    def _respect_allowances(self, session: Session, now: datetime) -> None:
        """The platform's last word on each channel's allowance, taken into its budget once
        per batch (``outbox.respect_allowance``)."""
        allowances, self._allowances = self._allowances, {}
        for channel, allowance in allowances.values():
            if allowance.remaining > 0:
                outbox.respect_allowance(session, channel=channel, allowance=allowance, now=now)
        if allowances:
            session.commit()

    def _start_next(
        self,
        session: Session,
        lane: deque[Publication],
        at: Callable[[], datetime],
        sent: list[outbox.Sent],
    ) -> _Flight | None:
        """Start sending the next claim of a channel's lane; None when the lane is done. A claim
        given back meanwhile is skipped; a sandbox post is sent here, in the worker's session."""
        while lane:
            publication = lane.popleft()
            if publication.status not in outbox.IN_FLIGHT:
                continue  # given back because its channel stopped earlier in the batch
            try:
                ready = self._prepare(session, publication, at)
                if ready is None:
                    continue
                client, outgoing = ready
                if getattr(client, "uses_caller_session", False):
                    self._land(
                        session, _Flight(publication, client, _call(client, outgoing)), at, sent
                    )
                    continue
                return _Flight(publication, client, self._pool().submit(client.publish, outgoing))
            except Exception:
                session.rollback()
                log.exception("worker %s: publication %s failed", self.worker_id, publication.id)
        return None

    def _prepare(
        self, session: Session, publication: Publication, at: Callable[[], datetime]
    ) -> tuple[PlatformClient, OutgoingPost] | None:
        """Everything before the platform call: the client, a reconcile if the claim's last
        lease ran out, the lease check, and (Telegram) the note that sending begins. None when
        the claim is not to be sent (found, held, failed, or too little lease left)."""
        outgoing = outbox.outgoing_post(publication, media_root=self.media_root)
        try:
            client = self._client(publication.channel, at())
        except PlatformError as error:  # e.g. credentials this server cannot decrypt
            self._record_error(session, publication, error, at())
            return None
        reconciling = publication.status == PublicationStatus.RECONCILING
        if reconciling and not self._reconcile(session, publication, client, outgoing, at):
            return None
        if at() >= publication.lease_until - timedelta(
            seconds=self.lease_seconds / 2
        ) and publication.id not in self._renew(session, at()):
            # Taken over meanwhile (this worker was stalled past its lease): no longer ours.
            log.warning("worker %s: lease of %s lost", self.worker_id, publication.id)
            return None
        if not getattr(client, "reconcilable", True):
            outbox.mark_sending(session, publication, worker_id=self.worker_id)
        session.commit()  # no transaction stays open while the platform answers
        return client, outgoing

    def _renew(self, session: Session, now: datetime) -> set[int]:
        """Half a lease has gone by: renew the batch's claims still in flight under this
        worker's name, in one statement (``outbox.renew_claims``); returns the ids renewed."""
        renewed = outbox.renew_claims(
            session,
            self._batch,
            worker_id=self.worker_id,
            now=now,
            lease_seconds=self.lease_seconds,
        )
        session.commit()
        return renewed

    def _land(
        self,
        session: Session,
        flight: _Flight,
        at: Callable[[], datetime],
        sent: list[outbox.Sent],
    ) -> None:
        """What the platform answered: a success waits in ``sent`` (recorded at once where the
        platform cannot be asked afterwards), a failure is recorded. An unexpected error leaves
        the claim to expire (it is then reconciled, never resent blindly)."""
        publication = flight.publication
        try:
            try:
                result = flight.future.result()
            except PlatformError as error:
                self._record_error(session, publication, error, at())
                return
            success = outbox.Sent(publication, result, at())
            if getattr(flight.client, "reconcilable", True):
                sent.append(success)
            else:
                self._record(session, [success], at())
            if result.allowance is not None:
                self._allowances[publication.channel_id] = (publication.channel, result.allowance)
                if result.allowance.remaining <= 0:
                    self._wait_for_reset(session, publication.channel, result.allowance, at())
        except Exception:
            session.rollback()
            log.exception("worker %s: publication %s failed", self.worker_id, publication.id)

    def _record(self, session: Session, sent: list[outbox.Sent], now: datetime) -> None:
        """Record the successes waiting in ``sent`` in one transaction, and forget them."""
        if sent:
            outbox.record_successes(session, sent, worker_id=self.worker_id, now=now)
            session.commit()
            sent.clear()

    def _pool(self) -> ThreadPoolExecutor:
        if self._send_pool is None:
            self._send_pool = ThreadPoolExecutor(
                max_workers=self.sends, thread_name_prefix=f"herald-send-{self.worker_id}"
            )
        return self._send_pool

    def _reconcile(
        self,
        session: Session,
        publication: Publication,
        client: PlatformClient,
        outgoing: OutgoingPost,
        at: Callable[[], datetime],
    ) -> bool:
        """True when the publication is not on the platform and this worker should send it."""
        reconcilable = getattr(client, "reconcilable", True)
        found = None
        if reconcilable:
            try:
                found = client.find_published(outgoing, since=outbox.reconcile_since(publication))
            except PlatformError as error:
                outbox.record_reconcile_failure(
                    session,
                    publication=publication,
                    worker_id=self.worker_id,
                    error=error,
                    now=at(),
                    policy=self.policy,
                )
                session.commit()
                return False
        decision = outbox.resolve_reconcile(
            session,
            publication=publication,
            worker_id=self.worker_id,
            found=found,
            now=at(),
            reconcilable=reconcilable,
        )
        session.commit()
        return decision == outbox.ReconcileDecision.RETRY

    def _record_error(
        self, session: Session, publication: Publication, error: PlatformError, now: datetime
    ) -> None:
        if error.kind in (ErrorKind.AUTH, ErrorKind.RATE_LIMITED):
            # One call told what the channel's state is: the rest of the batch for the channel
            # waits again, unsent, before the failure is recorded (a broken channel then holds
            # them with its queue, with one alert; a rate-limited one waits for the reset).
            self._give_back_lane(
                session, publication.channel_id, now, reason=f"{error.kind.value}: {error.message}"
            )
        if publication.status == PublicationStatus.RECONCILING:
            outbox.record_reconcile_failure(
                session,
                publication=publication,
                worker_id=self.worker_id,
                error=error,
                now=now,
                policy=self.policy,
            )
        else:
            outbox.record_failure(
                session,
                publication=publication,
                worker_id=self.worker_id,
                error=error,
                now=now,
                policy=self.policy,
            )
        session.commit()
        if error.kind == ErrorKind.AUTH:
            self._forget_client(publication.channel_id)

    # --- connection checks and heartbeats --------------------------------------------------------

    def _answer_checks(self, session: Session, at: Callable[[], datetime]) -> None:
        now = at()
        if self._last_checks is not None and now - self._last_checks < CHECK_INTERVAL:
            return
        self._last_checks = now
        for check in pending_connection_checks(session, limit=5):
            try:
                self._answer_check(session, check, at)
            except Exception:  # recording it failed: publishing goes on, the check stays pending
                session.rollback()
                log.exception("worker %s: connection check %s failed", self.worker_id, check.id)

    def _answer_check(
        self, session: Session, check: ConnectionCheck, at: Callable[[], datetime]
    ) -> None:
        account, error, limits = None, None, None
        # A fresh client: the point is to try the credentials as they are now.
        self._forget_client(check.channel_id)
        client = None
        try:
            client = self._client(check.channel, at())
            account = client.check_connection()
            # A platform whose limits vary by server (Mastodon) says what this one allows.
            read_limits = getattr(client, "platform_limits", None)
            if callable(read_limits):
                limits = read_limits()
        except PlatformError as failure:
            error = failure
        except ValueError as failure:  # a kind this server has no adapter for
            error = PlatformError(ErrorKind.REJECTED, str(failure))
        except Exception as failure:  # a bug or an answer nobody foresaw: this check fails alone
            log.exception("worker %s: connection check %s failed", self.worker_id, check.id)
            error = PlatformError(
                ErrorKind.TRANSIENT, f"The check failed unexpectedly ({type(failure).__name__})."
            )
        finally:
            if error is not None:
                self._forget_client(check.channel_id)
        finish_connection_check(
            session, check=check, now=at(), account=account, error=error, limits=limits
        )
        session.commit()

    def _beat(self, session: Session, now: datetime) -> None:
        """Say this worker is alive, and learn how many are (they share what is due)."""
        if self._last_beat is not None and now - self._last_beat < HEARTBEAT_INTERVAL:
            return
        beat(session, kind="worker", name=self.worker_id, now=now)
        self._workers = max(1, live_workers(session, now=now))
        self._last_beat = now

    # --- platform clients ------------------------------------------------------------------------

    def _client(self, channel: Channel, now: datetime) -> PlatformClient:
        return self._clients.get(channel, now)

    def _forget_client(self, channel_id: int) -> None:
        self._clients.forget(channel_id)

    def close(self) -> None:
        """Stop the send pool and release every platform client's connections."""
        if self._send_pool is not None:
            self._send_pool.shutdown(wait=True)
            self._send_pool = None
        self._clients.close()

    # --- the loop --------------------------------------------------------------------------------

    def seconds_to_wait(self, now: datetime) -> float:
        """How long to sleep after an idle pass: until the next due instant, at most a second.

        Something due that this worker could not claim (a paused channel, a spent budget, a
        rate limit) is looked at again after a second; something that fell due during the last
        pass, at once.
        """
        with self.transactions() as session:
            next_due = queries.next_due_at(session, now=now)
        if next_due is None:
            return IDLE_SECONDS
        if next_due > now:
            return min((next_due - now).total_seconds(), IDLE_SECONDS)
        if self._last_claim_at is not None and next_due > self._last_claim_at:
            return 0.0  # it fell due while the last pass was running
        return IDLE_SECONDS

    def run_forever(self, stop: threading.Event) -> None:
        """Work until ``stop`` is set; the batch in hand is finished first."""
        run_passes(self, stop, kind="worker", log=log)


def run_workers(
    transactions: Transactions,
    client_factory: ClientFactory,
    *,
    stop: threading.Event,
    concurrency: int = 1,
    media_root: Path | str,
    names: Sequence[str] | None = None,
    **options: Any,
) -> list[threading.Thread]:
    """Start ``concurrency`` workers, each in its own thread with its own clients; returns the
    threads (join them after setting ``stop``)."""
    # A worker thread does the database work of 50 lanes while 50 send threads wake up for
    # their answers: with the default switch interval (5 ms) each of its round trips waited up
    # to 5 ms to get the GIL back, and the burst's bookkeeping took twice as long (see
    # docs/benchmarks.md, "Burst publishing", round 2). The process is I/O-bound; a shorter
    # interval costs little.
    sys.setswitchinterval(GIL_SWITCH_SECONDS)
    names = list(names or [worker_name(index) for index in range(concurrency)])
    threads = []
    for name in names:
        worker = Worker(
            transactions, client_factory, worker_id=name, media_root=media_root, **options
        )
        thread = threading.Thread(
            target=worker.run_forever, args=(stop,), name=f"herald-worker-{name}", daemon=True
        )
        thread.start()
        threads.append(thread)
    return threads
