"""/metrics through prometheus-client: what the database says at scrape time, and what each
process measured (request latency by endpoint, dispatch lateness, platform errors, bot updates)."""

from __future__ import annotations

import logging
from datetime import timedelta

from prometheus_client.parser import text_string_to_metric_families

from campaigns.social import outbox
from campaigns.social.platform import ErrorKind, PlatformError, PublishedPost
from tests.social_factories import create_channel, scheduled_post

WORKER = "worker-metrics"


def _samples(client) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of /metrics by (name, labels), parsed as Prometheus itself would."""
    response = client.get("/metrics")
    assert response.status_code == 200
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.get_data(as_text=True))
        for sample in family.samples
    }


def _value(samples, name, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_requests_are_timed_by_endpoint_never_by_path(client, session):
    before = _samples(client)
    for number in (1, 2, 3):
        client.get(f"/units/no-such-unit-{number}")
    client.get("/no/route/here")
    after = _samples(client)

    count = "herald_http_request_duration_seconds_count"
    unit_page = {"endpoint": "main.unit_page", "method": "GET"}
    assert _value(after, count, **unit_page) - _value(before, count, **unit_page) == 3
    assert _value(after, count, endpoint="unmatched", method="GET") >= 1
    assert not [key for key in after if "no-such-unit" in str(key) or "/no/route" in str(key)]
    assert _value(after, "herald_http_requests_total", method="GET", status="200", endpoint="main.metrics") >= 1  # fmt: skip


def test_every_answer_carries_a_request_id_and_keeps_a_proxys(client):
    assert len(client.get("/healthz").headers["X-Request-ID"]) == 32
    given = client.get("/healthz", headers={"X-Request-ID": "edge-4f2a.9"})
    assert given.headers["X-Request-ID"] == "edge-4f2a.9"
    odd = client.get("/healthz", headers={"X-Request-ID": "<script>"})
    assert odd.headers["X-Request-ID"] != "<script>"


def test_publishing_shows_lateness_and_errors_by_kind(client, session, now, caplog):
    channel = create_channel(session, "sandbox")
    due = now + timedelta(minutes=1)
    first = scheduled_post(session, [channel], at=due, now=now).publications[0]
    second = scheduled_post(session, [channel], at=due, now=now).publications[0]
    session.commit()
    before = _samples(client)

    outbox.claim_due_publications(session, worker_id=WORKER, now=due)
    answered = due + timedelta(seconds=2)
    caplog.set_level(logging.INFO, logger="herald.publishing")
    outbox.record_successes(
        session, [outbox.Sent(first, PublishedPost("1", "u1"), answered)], worker_id=WORKER, now=answered
    )  # fmt: skip
    outbox.record_failure(
        session,
        publication=second,
        worker_id=WORKER,
        now=answered,
        error=PlatformError(ErrorKind.REJECTED, "duplicate content", status=403),
    )
    session.commit()
    after = _samples(client)

    bucket = "herald_dispatch_lateness_seconds_bucket"
    sandbox = {"platform": "sandbox"}
    assert _value(after, bucket, le="3.0", **sandbox) - _value(before, bucket, le="3.0", **sandbox) == 1  # fmt: skip
    assert _value(after, bucket, le="1.0", **sandbox) == _value(before, bucket, le="1.0", **sandbox)  # fmt: skip
    assert _value(after, "herald_platform_errors_total", kind="rejected") == 1
    assert _value(after, "herald_platform_errors_total", kind="transient") == 0
    assert _value(after, "herald_publications", status="dead") == 1
    attempts = [record for record in caplog.records if record.name == "herald.publishing"]
    assert [(r.publication_id, r.outcome, r.error_kind) for r in attempts] == [
        (first.id, "published", None),
        (second.id, "dead", "rejected"),
    ]
    assert attempts[0].channel_id == channel.id and attempts[0].platform == "sandbox"
    assert attempts[0].duration_ms == 2000.0
    assert "duplicate content" not in caplog.text  # the platform's message stays in Herald


def test_bot_updates_are_counted(client):
    import asyncio

    from bots.fieldbot import count_update

    before = _value(_samples(client), "herald_bot_updates_total")
    asyncio.run(count_update(None, None))  # type: ignore[arg-type]
    assert _value(_samples(client), "herald_bot_updates_total") == before + 1


_ANOTHER_PROCESS = """
from campaigns import telemetry
telemetry.BOT_UPDATES.inc(3)
"""

_SCRAPE = """
import sys
from tests.conftest import make_test_config
from web import create_app
app = create_app(make_test_config(sys.argv[1]))
with app.app_context():
    from web.extensions import db
    from flask_migrate import upgrade
    from web import MIGRATIONS_DIRECTORY
    upgrade(directory=MIGRATIONS_DIRECTORY)
print(app.test_client().get("/metrics").get_data(as_text=True))
"""


def test_processes_sharing_a_multiprocess_folder_add_up(tmp_path):
    """PROMETHEUS_MULTIPROC_DIR: what a bot or a worker counted shows in the web's /metrics."""
    import os
    import subprocess
    import sys

    folder = tmp_path / "prometheus"
    folder.mkdir()
    environment = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(folder)}
    for _ in range(2):
        subprocess.run([sys.executable, "-c", _ANOTHER_PROCESS], env=environment, check=True)
    scraped = subprocess.run(
        [sys.executable, "-c", _SCRAPE, f"sqlite:///{tmp_path / 'herald.db'}"],
        env=environment,
        check=True,
        capture_output=True,
        text=True,
    ).stdout

    assert "herald_bot_updates_total 6.0" in scraped.splitlines()
    assert "herald_publications_due 0.0" in scraped.splitlines()
