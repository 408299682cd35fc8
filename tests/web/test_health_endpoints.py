"""/healthz (never fails while the database answers) and /metrics (Prometheus text)."""

from datetime import timedelta

from campaigns.db import utcnow
from campaigns.health.services import beat
from campaigns.social.models import ChannelHealth
from tests.social_factories import create_channel, scheduled_post


def test_healthz_without_scheduler_or_workers_is_200_and_degraded(client, session):
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.get_json()
    assert body["database"] == "ok" and body["status"] == "degraded"
    assert body["scheduler"]["alive"] is False
    assert body["workers"] == {"alive": 0, "stale": 0, "processes": []}


def test_healthz_is_ok_with_a_living_scheduler_and_worker_and_names_broken_channels(
    client, session
):
    now = utcnow()
    beat(session, kind="scheduler", name="scheduler:a:1", now=now)
    beat(session, kind="worker", name="a:2:0", now=now)
    beat(session, kind="worker", name="a:3:0", now=now - timedelta(minutes=2))
    session.commit()
    assert client.get("/healthz").get_json()["status"] == "ok"

    channel = create_channel(session, "x", name="Embassy X")
    channel.health = ChannelHealth.BROKEN
    channel.last_error = "Unauthorized: token abc revoked"
    channel.last_error_at = now
    session.commit()
    body = client.get("/healthz").get_json()

    assert body["status"] == "degraded"
    assert (body["workers"]["alive"], body["workers"]["stale"]) == (1, 1)
    assert [(c["name"], c["kind"]) for c in body["broken_channels"]] == [("Embassy X", "x")]
    assert "token abc" not in str(body)


def test_metrics_count_publications_workers_and_broken_channels(client, session):
    now = utcnow()
    channel = create_channel(session, "sandbox")
    earlier = now - timedelta(minutes=5)
    scheduled_post(session, [channel], at=now - timedelta(minutes=1), now=earlier)
    scheduled_post(session, [channel], at=now + timedelta(hours=1), now=earlier)
    beat(session, kind="worker", name="a:2:0", now=now)
    session.commit()

    response = client.get("/metrics")

    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    lines = response.get_data(as_text=True).splitlines()
    assert 'herald_publications{status="scheduled"} 2' in lines
    assert 'herald_publications{status="published"} 0' in lines
    assert "herald_publications_due 1" in lines
    assert "herald_workers_alive 1" in lines
    assert "herald_scheduler_alive 0" in lines
    assert "herald_channels_broken 0" in lines
    assert "# TYPE herald_publication_attempts_total counter" in lines
