"""What the fake platform servers share: a threaded HTTP server on 127.0.0.1 that records every
request, keeps a fixed-window rate limit per route and account, and plays injected faults.

A platform fake subclasses ``FakeServer`` and says three things: which route a request is
(``route_for``), who is calling (``authenticate``), and what the platform answers (``handle``,
plus the shape of its error bodies). Everything else — recording, faults, rate limits, the
socket handling that keeps latency honest — lives here once.
"""

from __future__ import annotations

import contextlib
import json
import random
import signal
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

# A fault may delay a response to provoke a client timeout; tests keep that short, and the
# server never holds a thread longer than this, whatever a test asks.
MAX_FAULT_DELAY = 5.0
#: paths under this prefix control the fake itself (see ``FakeServer._control``)
CONTROL_PREFIX = "/_fake/"


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request."""

    filename: str | None
    content_type: str | None
    data: bytes


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the fake received it, before any fault or rate limit was applied."""

    method: str
    path: str
    route: str | None
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    json: Any
    form: dict[str, str]
    files: dict[str, UploadedFile]
    received_at: float

    def param(self, name: str) -> str | None:
        """A parameter from the form, the JSON body or the query string, in that order."""
        if name in self.form:
            return self.form[name]
        if isinstance(self.json, dict) and name in self.json:
            value = self.json[name]
            return value if isinstance(value, str) else json.dumps(value)
        values = self.query.get(name)
        return values[0] if values else None


@dataclass(frozen=True)
class Reply:
    """What a handler answers: a status, a JSON body (or bytes, sent as a file) and extra
    headers."""

    status: int
    body: Any
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Fault:
    """A misbehaviour to play instead of (or after) the normal answer.

    ``accept=False``: the request is not processed; after ``delay`` seconds the fake either drops
    the connection (``drop``) or answers ``status``/``body``/``headers``.
    ``accept=True``: the request is processed first (the post is created), then the fake waits
    ``delay`` and drops the connection or answers — with ``status`` when given, else normally.
    """

    status: int | None = None
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drop: bool = False
    accept: bool = False


@dataclass
class _Window:
    started_at: float
    count: int = 0


@dataclass(frozen=True)
class RateLimit:
    """``limit`` requests per ``window`` seconds, counted per route and account."""

    limit: int
    window: float


@dataclass(frozen=True)
class RateState:
    """Where a caller stands in its window once the current request is counted."""

    limit: int
    remaining: int
    reset_at: float
    exceeded: bool


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "HeraldFake/1.0"
    # An idle keep-alive connection is given up after this long, so no thread lingers.
    timeout = 30
    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        # Without this, Nagle's algorithm and delayed ACKs add ~40 ms to every request.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.fake._track(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.fake._untrack(self.connection)

    def do_GET(self) -> None:
        self.server.fake._dispatch(self)

    do_POST = do_GET
    do_PUT = do_GET
    do_DELETE = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.fake.verbose:
            super().log_message(format, *args)

    def read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def send_reply(self, reply: Reply, extra_headers: Mapping[str, str]) -> None:
        if isinstance(reply.body, bytes):  # a file, as given
            body, content_type = reply.body, "application/octet-stream"
        else:
            body = b"" if reply.body is None else json.dumps(reply.body).encode()
            content_type = "application/json; charset=utf-8"
        self.send_response(reply.status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in {**extra_headers, **reply.headers}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def drop_connection(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    # A burst opens hundreds of connections at once: the default backlog of 5 would make them
    # wait for SYN retries (1 s, 3 s, ...), and a benchmark would measure that.
    request_queue_size = 1024

    def __init__(self, address: tuple[str, int], fake: FakeServer) -> None:
        self.fake = fake
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that timed out or went away is what several tests are about; stay quiet.
        if self.fake.verbose:
            super().handle_error(request, client_address)


def parse_multipart(
    content_type: str, body: bytes
) -> tuple[dict[str, str], dict[str, UploadedFile]]:
    """Fields and files of a multipart/form-data body (the email parser; ``cgi`` is deprecated)."""
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    )
    fields: dict[str, str] = {}
    files: dict[str, UploadedFile] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        data = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        if filename is not None or part.get_content_type() != "text/plain":
            files[name] = UploadedFile(filename, part.get("Content-Type"), data)
        else:
            fields[name] = data.decode(part.get_content_charset() or "utf-8")
    return fields, files


class FakeServer:
    """A real HTTP server on 127.0.0.1 playing one platform. Use as a context manager or call
    ``start()``/``stop()``. Thread-safe: the worker processes of a benchmark may hammer it."""

    #: the routes that ``inject`` targets when no route is named (the "publish" calls)
    default_fault_routes: tuple[str, ...] = ()
    #: route -> RateLimit applied from the start; ``set_rate_limit`` changes it
    default_rate_limits: Mapping[str, RateLimit] = {}
    #: fault factories by name, for ``POST /_fake/faults`` (each module fills its own)
    fault_factories: Mapping[str, Callable[..., Fault]] = {}

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, verbose: bool = False) -> None:
        self.host = host
        self.port = port
        self.verbose = verbose
        #: seconds every platform answer takes, like a real platform across the internet (0: at
        #: once); benchmarks use it to see the pipeline against realistic latency
        self.latency = 0.0
        #: each answer's latency varies by up to this many seconds either way, uniformly (a
        #: burst against a real platform does not come back all at the same instant)
        self.jitter = 0.0
        self._random = random.Random(12)
        #: the clock of rate-limit windows and of created items; a test may replace it
        self.clock: Callable[[], float] = time.time
        self._lock = threading.RLock()
        self._requests: list[RecordedRequest] = []
        # (routes, fault) in the order injected; a request takes the first that names its route
        self._faults: deque[tuple[frozenset[str], Fault]] = deque()
        self._rate_limits: dict[str, RateLimit] = dict(self.default_rate_limits)
        self._windows: dict[tuple[str, str], _Window] = {}
        self._connections: set[socket.socket] = set()
        self._stopping = threading.Event()
        self._server: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> FakeServer:
        self._stopping.clear()
        self._server = _HTTPServer((self.host, self.port), self)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"{type(self).__name__}:{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._stopping.set()
        self._server.shutdown()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=2)
        self._server = None

    def __enter__(self) -> FakeServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def serve_until_interrupted(self) -> None:
        """Run in the foreground (the command line) until SIGTERM or SIGINT (Ctrl-C).

        Both are handled explicitly: a process started as a shell's background job inherits
        SIGINT ignored, and Python then never raises KeyboardInterrupt."""
        stopping = threading.Event()

        def ask_to_stop(signum: int, frame: object) -> None:
            stopping.set()

        signal.signal(signal.SIGTERM, ask_to_stop)
        signal.signal(signal.SIGINT, ask_to_stop)
        self.start()
        print(self.base_url, flush=True)
        try:
            while not stopping.wait(3600):
                pass
        finally:
            self.stop()

    # -- what tests use ----------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far, in order."""
        with self._lock:
            return list(self._requests)

    def requests_to(self, route: str) -> list[RecordedRequest]:
        return [request for request in self.requests if request.route == route]

    def inject(
        self, fault: Fault, *, times: int = 1, route: str | Iterable[str] | None = None
    ) -> None:
        """Play ``fault`` on the next ``times`` requests to ``route`` — one route or several
        (default: the publish routes, whichever of them is called) — then behave normally again.
        Faults queue up in the order injected: "503 twice then succeed" is
        ``inject(server_error(503), times=2)``."""
        routes = (route,) if isinstance(route, str) else tuple(route or self.default_fault_routes)
        if not routes:
            raise ValueError("name the route to inject the fault on")
        if fault.delay > MAX_FAULT_DELAY:
            raise ValueError(f"a fault delay is capped at {MAX_FAULT_DELAY} s")
        with self._lock:
            self._faults.extend([(frozenset(routes), fault)] * times)

    def pending_faults(self, route: str | None = None) -> int:
        with self._lock:
            return sum(1 for routes, _ in self._faults if route is None or route in routes)

    def set_rate_limit(self, route: str, limit: int, window: float) -> None:
        """Allow ``limit`` requests per ``window`` seconds on ``route`` (a rate bucket) for each
        account."""
        with self._lock:
            self._rate_limits[route] = RateLimit(limit, window)
            self._windows = {key: value for key, value in self._windows.items() if key[0] != route}

    def reset(self) -> None:
        """Forget requests, faults, rate-limit windows and platform state (between runs)."""
        with self._lock:
            self._requests.clear()
            self._faults.clear()
            self._windows.clear()
            self._rate_limits = dict(self.default_rate_limits)
            self.reset_state()

    # -- for subclasses ----------------------------------------------------------------------

    def reset_state(self) -> None:
        """Forget the platform's own state (posts, messages, accounts)."""

    def route_for(self, method: str, path: str) -> str | None:
        raise NotImplementedError

    def authenticate(self, request: RecordedRequest) -> tuple[str | None, Reply | None]:
        """The account the request acts for, or an error reply."""
        raise NotImplementedError

    def handle(self, request: RecordedRequest, account: str) -> Reply:
        raise NotImplementedError

    def not_found(self, request: RecordedRequest) -> Reply:
        return Reply(404, {"error": "not found"})

    def rate_limited_reply(self, state: RateState) -> Reply:
        raise NotImplementedError

    def rate_headers(self, state: RateState) -> dict[str, str]:
        return {}

    def rate_bucket(self, route: str) -> str:
        """The rate limit a route counts against (Telegram: all sends share one)."""
        return route

    def rate_key(self, request: RecordedRequest, account: str) -> str:
        """Whose budget the request spends (X: the account; Telegram: the bot in one chat)."""
        return account

    def faulted_reply(self, fault: Fault) -> Reply:
        return Reply(fault.status or 500, fault.body, fault.headers)

    def wait(self, seconds: float) -> None:
        """Sleep, but wake up at once when the server stops."""
        self._stopping.wait(min(seconds, MAX_FAULT_DELAY))

    def state(self) -> dict[str, Any]:
        """What the platform holds, as JSON (``GET /_fake/state``)."""
        return {}

    # -- control over HTTP, for a fake run from the command line ---------------------------

    def _control(self, handler: _Handler) -> Reply:
        """``GET /_fake/state``; ``POST /_fake/reset``; ``POST /_fake/faults`` with JSON
        ``{"fault": "server_error", "args": {"status": 503}, "times": 2, "route": null}``.
        Control requests are not recorded and meet no faults or rate limits."""
        path = urlsplit(handler.path).path.removeprefix(CONTROL_PREFIX)
        body = handler.read_body()
        if handler.command == "GET" and path == "state":
            with self._lock:
                return Reply(200, {**self.state(), "requests": len(self._requests)})
        if handler.command == "POST" and path == "reset":
            self.reset()
            return Reply(200, {"ok": True})
        if handler.command == "POST" and path == "faults":
            try:
                order = json.loads(body or b"{}")
                factory = self.fault_factories[order["fault"]]
                fault = factory(**order.get("args", {}))
                self.inject(fault, times=int(order.get("times", 1)), route=order.get("route"))
            except (ValueError, KeyError, TypeError) as error:
                return Reply(400, {"ok": False, "error": repr(error)})
            return Reply(200, {"ok": True, "pending": self.pending_faults()})
        return Reply(404, {"ok": False, "error": "unknown control request"})

    # -- internals ---------------------------------------------------------------------------

    def _track(self, connection: socket.socket) -> None:
        with self._lock:
            self._connections.add(connection)

    def _untrack(self, connection: socket.socket) -> None:
        with self._lock:
            self._connections.discard(connection)

    def _record(self, handler: _Handler) -> RecordedRequest:
        split = urlsplit(handler.path)
        body = handler.read_body()
        content_type = handler.headers.get("Content-Type", "")
        parsed_json: Any = None
        form: dict[str, str] = {}
        files: dict[str, UploadedFile] = {}
        if content_type.startswith("application/json") and body:
            try:
                parsed_json = json.loads(body)
            except ValueError:
                parsed_json = None
        elif content_type.startswith("application/x-www-form-urlencoded"):
            form = {key: values[0] for key, values in parse_qs(body.decode()).items()}
        elif content_type.startswith("multipart/form-data"):
            form, files = parse_multipart(content_type, body)
        request = RecordedRequest(
            method=handler.command,
            path=split.path,
            route=self.route_for(handler.command, split.path),
            query=parse_qs(split.query),
            headers=dict(handler.headers.items()),
            body=body,
            json=parsed_json,
            form=form,
            files=files,
            received_at=self.clock(),
        )
        with self._lock:
            self._requests.append(request)
        return request

    def _next_fault(self, route: str) -> Fault | None:
        with self._lock:
            for index, (routes, fault) in enumerate(self._faults):
                if route in routes:
                    del self._faults[index]
                    return fault
            return None

    def _count(self, route: str, account: str) -> RateState | None:
        with self._lock:
            rule = self._rate_limits.get(route)
            if rule is None:
                return None
            now = self.clock()
            window = self._windows.get((route, account))
            if window is None or now >= window.started_at + rule.window:
                window = self._windows[(route, account)] = _Window(started_at=now)
            exceeded = window.count >= rule.limit
            if not exceeded:
                window.count += 1
            return RateState(
                limit=rule.limit,
                remaining=max(rule.limit - window.count, 0),
                reset_at=window.started_at + rule.window,
                exceeded=exceeded,
            )

    def _dispatch(self, handler: _Handler) -> None:
        if handler.path.startswith(CONTROL_PREFIX):
            handler.send_reply(self._control(handler), {})
            return
        request = self._record(handler)
        if request.route is None:
            handler.send_reply(self.not_found(request), {})
            return
        fault = self._next_fault(request.route)
        if fault is not None and not fault.accept:
            self.wait(fault.delay)
            if fault.drop or self._stopping.is_set():
                handler.drop_connection()
            else:
                handler.send_reply(self.faulted_reply(fault), {})
            return
        account, refusal = self.authenticate(request)
        if refusal is not None or account is None:
            handler.send_reply(refusal or Reply(401, None), {})
            return
        state = self._count(self.rate_bucket(request.route), self.rate_key(request, account))
        headers = self.rate_headers(state) if state else {}
        if state is not None and state.exceeded:
            handler.send_reply(self.rate_limited_reply(state), headers)
            return
        reply = self.handle(request, account)
        if self.latency or self.jitter:
            with self._lock:
                spread = self._random.uniform(-self.jitter, self.jitter) if self.jitter else 0.0
            self.wait(max(0.0, self.latency + spread))
        if fault is not None:
            self.wait(fault.delay)
            if fault.drop or self._stopping.is_set():
                handler.drop_connection()
                return
            if fault.status is not None:
                reply = self.faulted_reply(fault)
        handler.send_reply(reply, headers)
