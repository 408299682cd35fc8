"""The web's share of Herald's telemetry: request figures for /metrics, a request id, and one
log line per request when the logs are JSON (docs/operations.md, "Metrics" and "Logs").

Requests are labelled by their route's endpoint (``calendar.month``), never by their path: a
path carries ids and feed tokens, and one label per id would grow without bound.
"""

from __future__ import annotations

import logging
import os
import re
import time
import uuid
from collections.abc import Iterator

from flask import Flask, Response, g, request
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.multiprocess import MultiProcessCollector

from campaigns.health.queries import METRICS, Sample

REQUEST_DURATION = Histogram(
    "herald_http_request_duration_seconds",
    "Time to answer a request, by the route's endpoint and the method.",
    ["endpoint", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10),
)
REQUESTS = Counter(
    "herald_http_requests",
    "Requests answered, by the route's endpoint, the method and the status.",
    ["endpoint", "method", "status"],
)

request_log = logging.getLogger("herald.requests")

# A request id given by a proxy in front of Herald is kept when it looks like one.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def _endpoint() -> str:
    """The route's endpoint; "unmatched" for a path no route knows (a 404 by any other name)."""
    return request.url_rule.endpoint if request.url_rule is not None else "unmatched"


def _person_id() -> int | None:
    from web.security import actor

    try:
        person = actor()
    except Exception:  # a request that failed before its session could be read
        return None
    return person.id if person is not None else None


def init_app(app: Flask) -> None:
    json_logs = app.config.get("HERALD_LOG_FORMAT") == "json"

    @app.before_request
    def start_the_clock() -> None:
        g.request_started = time.perf_counter()
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex

    @app.after_request
    def measure(response: Response) -> Response:
        started = g.get("request_started")
        if started is None:  # a request another before_request answered first
            return response
        seconds = time.perf_counter() - started
        endpoint = _endpoint()
        REQUEST_DURATION.labels(endpoint=endpoint, method=request.method).observe(seconds)
        REQUESTS.labels(
            endpoint=endpoint, method=request.method, status=str(response.status_code)
        ).inc()
        response.headers.setdefault("X-Request-ID", g.request_id)
        if json_logs:
            request_log.info(
                "%s %s %s",
                request.method,
                endpoint,
                response.status_code,
                extra={
                    "event": "request",
                    "request_id": g.request_id,
                    "method": request.method,
                    "endpoint": endpoint,
                    "status": response.status_code,
                    "duration_ms": round(seconds * 1000, 1),
                    "person_id": _person_id(),
                },
            )
        return response


class _Figures:
    """The database's figures, read once per scrape, as Prometheus metric families."""

    def __init__(self, samples: list[Sample]) -> None:
        self.samples = samples

    def collect(self) -> Iterator[Metric]:
        for name, (kind, help_text) in METRICS.items():
            family_class = CounterMetricFamily if kind == "counter" else GaugeMetricFamily
            labelled = [sample for sample in self.samples if sample.name == name]
            label_names = [key for key, _ in labelled[0].labels] if labelled else []
            family = family_class(name, help_text, labels=label_names)
            for sample in labelled:
                family.add_metric([value for _, value in sample.labels], sample.value)
            yield family


class _ThisProcess:
    """This process's own metrics (the default registry), when processes do not share them."""

    def collect(self) -> Iterator[Metric]:
        return REGISTRY.collect()


def metrics_response(samples: list[Sample]) -> Response:
    """The Prometheus text of the database's figures and of the processes' own ones: every
    process on this machine that shares PROMETHEUS_MULTIPROC_DIR, or else this one alone."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        registry.register(_ThisProcess())
    registry.register(_Figures(samples))
    # The format the scraper asks for (Accept): OpenMetrics, or Prometheus text.
    encode, content_type = choose_encoder(request.headers.get("Accept", ""))
    return Response(encode(registry), content_type=content_type)
