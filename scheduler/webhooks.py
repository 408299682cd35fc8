"""The webhook sender: claims due deliveries and POSTs them, beside the publishing workers.

One pass, the outbox's discipline (``campaigns.webhooks``)::

    claim (sending, with a lease; expired leases taken over)   -> commit
    each delivery: sign with the endpoint's secret, POST       (no transaction open)
    record_answer (delivered / retry later / failed)           -> commit

A worker killed mid-delivery leaves its claims to run out; the next pass (any process) sends
them again: at least once, receivers dedupe by ``Herald-Delivery``. Deliveries run in their own
thread so that a slow receiver never holds up a post due now, and the POSTs of a batch go out
side by side (``sends`` at once, each sending thread with its own requests ``Session``), so
that one receiver timing out does not hold up the others' deliveries for the whole batch; every
database step stays in the sender's own thread. A batch of 20 at 8 at once, each at most
``timeout`` (10 s), ends well within the 60 s lease.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime

import requests

from campaigns import webhooks
from campaigns.db import utcnow
from campaigns.errors import Invalid
from scheduler.passes import run_passes
from scheduler.transactions import Transactions

log = logging.getLogger(__name__)

IDLE_SECONDS = 1.0


def _answered(answer: tuple) -> Future:
    future: Future = Future()
    future.set_result(answer)
    return future


class WebhookSender:
    """Claims due deliveries and sends them (``run_once``), or keeps doing so (``run_forever``)."""

    def __init__(
        self,
        transactions: Transactions,
        *,
        worker_id: str,
        app_secret: str,
        batch: int = 20,
        lease_seconds: int = webhooks.LEASE_SECONDS,
        timeout: float = webhooks.TIMEOUT_SECONDS,
        sends: int = 8,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.transactions = transactions
        self.worker_id = worker_id
        self.app_secret = app_secret
        self.batch = batch
        self.lease_seconds = lease_seconds
        self.timeout = timeout
        self.clock = clock
        self.sends = max(1, sends)
        self._posting: ThreadPoolExecutor | None = None
        self._local = threading.local()  # each sending thread's own requests.Session
        self._sessions: list[requests.Session] = []

    def run_once(self, now: datetime | None = None) -> int:
        """Send what is due; returns how many deliveries were tried. With ``now``, every step
        happens at that instant (tests drive time this way)."""
        at: Callable[[], datetime] = (lambda: now) if now is not None else self.clock
        with self.transactions() as session:
            claimed = webhooks.claim_due_deliveries(
                session,
                worker_id=self.worker_id,
                now=at(),
                limit=self.batch,
                lease_seconds=self.lease_seconds,
            )
            outgoing = []
            endpoint_ids = {delivery.id: delivery.endpoint_id for delivery in claimed}
            for delivery in claimed:
                try:
                    secret = webhooks.endpoint_secret(delivery.endpoint, app_secret=self.app_secret)
                except Invalid as error:
                    outgoing.append((delivery.id, delivery.endpoint.url, None, error.message))
                    continue
                headers = webhooks.delivery_headers(delivery, secret=secret, now=at())
                outgoing.append((delivery.id, delivery.endpoint.url, (headers, delivery.body), ""))
        answers = {
            delivery_id: (
                self._pool().submit(self._post, url, *request)
                if request is not None
                else _answered((None, "", problem, None))
            )
            for delivery_id, url, request, problem in outgoing
        }
        for delivery_id, _, _, _ in outgoing:
            status_code, body, error, duration_ms = answers[delivery_id].result()
            with self.transactions() as session:
                status = webhooks.record_answer(
                    session,
                    delivery_id=delivery_id,
                    worker_id=self.worker_id,
                    now=at(),
                    status_code=status_code,
                    response_body=body,
                    error=error,
                    duration_ms=duration_ms,
                )
            # The endpoint's id, not its address: an address may carry a token in its query.
            log.info(
                "webhook delivery %s (endpoint %s): %s (%s)",
                delivery_id,
                endpoint_ids[delivery_id],
                status_code or error,
                status or "taken over",
            )
        return len(outgoing)

    def _post(
        self, url: str, headers: dict[str, str], body: str
    ) -> tuple[int | None, str, str, int]:
        """One POST: (status code, the start of the answer, why there was none, milliseconds)."""
        started = time.perf_counter()
        try:
            response = self._http().post(
                url,
                data=body.encode(),
                headers=headers,
                timeout=self.timeout,
                allow_redirects=False,
            )
        except requests.RequestException as error:
            elapsed = int((time.perf_counter() - started) * 1000)
            return None, "", f"{type(error).__name__}: {error}"[:500], elapsed
        elapsed = int((time.perf_counter() - started) * 1000)
        return response.status_code, response.text[: webhooks.RESPONSE_KEPT_CHARS], "", elapsed

    def _http(self) -> requests.Session:
        http = getattr(self._local, "http", None)
        if http is None:
            http = self._local.http = requests.Session()
            self._sessions.append(http)
        return http

    def _pool(self) -> ThreadPoolExecutor:
        if self._posting is None:
            self._posting = ThreadPoolExecutor(
                max_workers=self.sends, thread_name_prefix=f"herald-webhooks-{self.worker_id}"
            )
        return self._posting

    def close(self) -> None:
        """Stop the sending threads and close their connections."""
        if self._posting is not None:
            self._posting.shutdown(wait=True)
            self._posting = None
        for http in self._sessions:
            http.close()
        self._sessions.clear()

    def seconds_to_wait(self, now: datetime) -> float:
        """Until the next pending delivery is due, at most a second."""
        with self.transactions() as session:
            next_due = webhooks.next_delivery_due_at(session)
        if next_due is None or next_due <= now:
            return IDLE_SECONDS if next_due is None else IDLE_SECONDS / 10
        return min((next_due - now).total_seconds(), IDLE_SECONDS)

    def run_forever(self, stop: threading.Event) -> None:
        """Work until ``stop`` is set; the batch in hand is finished first."""
        run_passes(self, stop, kind="webhook sender", log=log)


def start_webhook_sender(
    transactions: Transactions, *, stop: threading.Event, worker_id: str, app_secret: str
) -> threading.Thread:
    """Run a webhook sender in a thread of this process; returns the thread."""
    sender = WebhookSender(transactions, worker_id=worker_id, app_secret=app_secret)
    thread = threading.Thread(
        target=sender.run_forever, args=(stop,), name=f"herald-webhooks-{worker_id}", daemon=True
    )
    thread.start()
    return thread
