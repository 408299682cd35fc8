"""A system of the office that receives Herald's webhooks: a real HTTP server on 127.0.0.1.

It checks each delivery's signature the way the README tells a receiver to (its own few lines,
not Herald's code), records what came, and answers what the test asks: a queue of status codes
(500, 500, 200...), or, with ``hold``, keeps the request waiting until released (a worker can be
killed while its delivery is in flight).
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TOLERANCE_SECONDS = 300


def verify(secret: str, header: str, body: bytes, *, now: float) -> bool:
    """The README's recipe: ``t=<unix>,v1=<hex HMAC-SHA256 of "t.body">``, within 5 minutes."""
    fields = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    if not fields.get("t", "").isdigit() or abs(now - int(fields["t"])) > TOLERANCE_SECONDS:
        return False
    expected = hmac.new(secret.encode(), fields["t"].encode() + b"." + body, hashlib.sha256)
    return hmac.compare_digest(expected.hexdigest(), fields.get("v1", ""))


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    signed: bool  # the signature verified against the receiver's secret at arrival
    answered: int


class WebhookReceiver:
    """``with WebhookReceiver(secret) as receiver:`` — ``receiver.url`` takes deliveries."""

    def __init__(self, secret: str = "") -> None:
        self.secret = secret
        self.received: list[Received] = []
        self.answers: deque[int] = deque()  # answered in turn; 200 once empty
        self.hold = threading.Event()  # set: requests wait for ``release`` before answering
        self.release = threading.Event()
        self.arrived = threading.Event()  # set when a request has arrived
        self.clock = time.time
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            disable_nagle_algorithm = True  # no 40 ms Nagle/delayed-ACK stall per answer

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                receiver._arrive(self, body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/hooks/herald"

    def _arrive(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        signed = verify(
            self.secret, handler.headers.get("Herald-Signature", ""), body, now=self.clock()
        )
        with self._lock:
            status = self.answers.popleft() if self.answers else 200
        self.arrived.set()
        if self.hold.is_set():
            self.release.wait(10)
        with self._lock:
            self.received.append(
                Received(handler.path, dict(handler.headers.items()), body, signed, status)
            )
        payload = b'{"ok": true}' if status < 300 else b"receiver says no: " + b"x" * 5000
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)

    def __enter__(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()
