"""The loop of a background sender (the outbox worker, the webhook sender): a pass, and when it
found nothing to do, a wait until the next thing falls due; a pass that fails is logged and
tried again after a pause, never ending the loop."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

ERROR_PAUSE_SECONDS = 2.0


class Sender(Protocol):
    worker_id: str
    clock: Callable[[], datetime]

    def run_once(self) -> object: ...

    def seconds_to_wait(self, now: datetime) -> float: ...

    def close(self) -> None: ...


def run_passes(sender: Sender, stop: threading.Event, *, kind: str, log: logging.Logger) -> None:
    """Run ``sender``'s passes until ``stop`` is set; the batch in hand is finished first.
    ``log`` is the sender's own logger, so that its lines name its module."""
    log.info("%s %s started", kind, sender.worker_id)
    try:
        while not stop.is_set():
            try:
                if sender.run_once():
                    continue
                stop.wait(sender.seconds_to_wait(sender.clock()))
            except Exception:
                log.exception("%s %s: pass failed; trying again", kind, sender.worker_id)
                stop.wait(ERROR_PAUSE_SECONDS)
    finally:
        sender.close()
        log.info("%s %s stopped", kind, sender.worker_id)
