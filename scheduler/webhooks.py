"""The webhook sender: claims due deliveries and POSTs them, beside the publishing workers.

One pass, the outbox's discipline (``campaigns.webhooks``)::

    claim (sending, with a lease; expired leases taken over)   -> commit
    each delivery: sign with the endpoint's secret, POST       (no transaction open)
    record_answer (delivered / retry later / failed)           -> commit

A worker killed mid-delivery leaves its claims to run out; the next pass (any process) sends
them again: at least once, receivers dedupe by ``Herald-Delivery``. Deliveries run in their own
thread so that a slow receiver never holds up a post due now.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime

import requests

from campaigns import webhooks
from campaigns.db import utcnow
from campaigns.errors import Invalid
from scheduler.transactions import Transactions

log = logging.getLogger(__name__)

IDLE_SECONDS = 1.0
ERROR_PAUSE_SECONDS = 2.0


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
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.transactions = transactions
        self.worker_id = worker_id
        self.app_secret = app_secret
        self.batch = batch
        self.lease_seconds = lease_seconds
        self.timeout = timeout
        self.clock = clock
        self._http = requests.Session()

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
            for delivery in claimed:
                try:
                    secret = webhooks.endpoint_secret(delivery.endpoint, app_secret=self.app_secret)
                except Invalid as error:
                    outgoing.append((delivery.id, delivery.endpoint.url, None, error.message))
                    continue
                headers = webhooks.delivery_headers(delivery, secret=secret, now=at())
                outgoing.append((delivery.id, delivery.endpoint.url, (headers, delivery.body), ""))
        for delivery_id, url, request, problem in outgoing:
            answer = self._post(url, *request) if request is not None else (None, "", problem, None)
            status_code, body, error, duration_ms = answer
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
            log.info(
                "webhook delivery %s to %s: %s (%s)",
                delivery_id,
                url,
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
            response = self._http.post(
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

    def seconds_to_wait(self, now: datetime) -> float:
        """Until the next pending delivery is due, at most a second."""
        with self.transactions() as session:
            next_due = webhooks.next_delivery_due_at(session)
        if next_due is None or next_due <= now:
            return IDLE_SECONDS if next_due is None else IDLE_SECONDS / 10
        return min((next_due - now).total_seconds(), IDLE_SECONDS)

    def run_forever(self, stop: threading.Event) -> None:
        """Work until ``stop`` is set; the batch in hand is finished first."""
        log.info("webhook sender %s started", self.worker_id)
        try:
            while not stop.is_set():
                try:
                    if self.run_once():
                        continue
                    stop.wait(self.seconds_to_wait(self.clock()))
                except Exception:
                    log.exception("webhook sender %s: pass failed; trying again", self.worker_id)
                    stop.wait(ERROR_PAUSE_SECONDS)
        finally:
            self._http.close()
            log.info("webhook sender %s stopped", self.worker_id)


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
