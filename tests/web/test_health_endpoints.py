"""/healthz (never fails while the database answers) and /metrics (Prometheus text)."""

from datetime import timedelta

import pytest

from campaigns.db import utcnow
from campaigns.health.services import beat
from campaigns.org import telegram_links
from campaigns.social.models import ChannelHealth
from tests.factories import create_person, login
from tests.social_factories import create_channel, scheduled_post
from web.config import parse_networks

HEALTH_TOKEN = "health-token-for-the-monitoring-0123456789"
METRICS_TOKEN = "metrics-token-for-prometheus-0123456789"
OUTSIDE = {"REMOTE_ADDR": "203.0.113.9"}


@pytest.fixture
def monitored(make_app):
    """A client of an app with monitoring tokens; its healthz detail needs the health token."""
    application = make_app(
        HERALD_HEALTH_TOKEN=HEALTH_TOKEN,
        HERALD_METRICS_TOKEN=METRICS_TOKEN,
        HERALD_METRICS_ALLOW=parse_networks("10.1.0.0/16, 192.0.2.7"),
    )
    return application.test_client()


class _Detailed:
    """``client.get`` with the health token: the full report."""

    def __init__(self, client):
        self.client = client

    def get(self, path, **kwargs):
        headers = {"Authorization": f"Bearer {HEALTH_TOKEN}"}
        return self.client.get(path, headers=headers, **kwargs)


@pytest.fixture
def detailed(monitored):
    return _Detailed(monitored)


def test_healthz_without_scheduler_or_workers_is_200_and_degraded(detailed, session):
    response = detailed.get("/healthz")

    assert response.status_code == 200
    body = response.get_json()
    assert body["database"] == "ok" and body["status"] == "degraded"
    assert body["scheduler"]["alive"] is False
    assert body["workers"] == {"alive": 0, "stale": 0, "processes": []}
    assert body["telegram_bot"] is None  # no field bot has started yet


def test_healthz_detail_names_the_field_bot_that_started_last(detailed, monitored, session):
    started = utcnow()
    telegram_links.record_bot_identity(
        session, telegram_id=1, username="old_herald_bot", now=started - timedelta(days=3)
    )
    telegram_links.record_bot_identity(
        session, telegram_id=2, username="herald_field_bot", now=started
    )
    session.commit()

    body = detailed.get("/healthz").get_json()

    assert body["telegram_bot"] == {
        "username": "herald_field_bot",
        "started_at": started.isoformat(),
    }
    assert "herald_field_bot" not in monitored.get("/healthz").get_data(as_text=True)


def test_healthz_is_ok_with_a_living_scheduler_and_worker_and_names_broken_channels(
    detailed, session
):
    client = detailed
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
    assert 'herald_publications{status="scheduled"} 2.0' in lines
    assert 'herald_publications{status="published"} 0.0' in lines
    assert "herald_publications_due 1.0" in lines
    assert "herald_workers_alive 1.0" in lines
    assert "herald_scheduler_alive 0.0" in lines
    assert "herald_channels_broken 0.0" in lines
    assert "herald_import_jobs_waiting 0.0" in lines
    assert "herald_metric_snapshots_due 0.0" in lines
    assert "# TYPE herald_publication_attempts_total counter" in lines
    assert 'herald_platform_errors_total{kind="auth"} 0.0' in lines


def test_healthz_tells_anyone_only_the_status(monitored, session):
    now = utcnow()
    beat(session, kind="scheduler", name="scheduler:host-a:1", now=now)
    channel = create_channel(session, "x", name="Embassy X")
    channel.health = ChannelHealth.BROKEN
    session.commit()

    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": HEALTH_TOKEN}):
        response = monitored.get("/healthz", headers=headers)
        assert response.status_code == 200
        assert response.get_json() == {"status": "degraded"}
        assert "host-a" not in response.text and "Embassy X" not in response.text
    assert response.headers["Cache-Control"] == "no-store"


def test_healthz_detail_for_signed_in_admins_only(client, session):
    admin = create_person(session, role="admin")
    coordinator = create_person(session, role="coordinator")
    session.commit()

    login(client, coordinator)
    assert set(client.get("/healthz").get_json()) == {"status"}
    client.post("/logout")
    login(client, admin)
    assert {"database", "scheduler", "workers", "status"} <= set(client.get("/healthz").get_json())


def test_healthz_without_a_configured_token_gives_no_detail_to_an_empty_bearer(client):
    response = client.get("/healthz", headers={"Authorization": "Bearer "})

    assert set(response.get_json()) == {"status"}


def test_metrics_from_outside_need_the_token_or_an_allowed_address(monitored, session):
    refused = monitored.get("/metrics", environ_base=OUTSIDE)
    wrong = monitored.get(
        "/metrics", environ_base=OUTSIDE, headers={"Authorization": "Bearer nope"}
    )
    with_token = monitored.get(
        "/metrics", environ_base=OUTSIDE, headers={"Authorization": f"Bearer {METRICS_TOKEN}"}
    )
    allowed_network = monitored.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.200.3"})
    allowed_address = monitored.get("/metrics", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    loopback_not_listed = monitored.get("/metrics")

    assert (refused.status_code, wrong.status_code) == (403, 403)
    assert "herald_" not in refused.text
    assert with_token.status_code == allowed_network.status_code == 200
    assert allowed_address.status_code == 200
    assert loopback_not_listed.status_code == 403


def test_metrics_answer_loopback_by_default(client, session):
    assert client.get("/metrics").status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200
    assert client.get("/metrics", environ_base=OUTSIDE).status_code == 403


def test_a_bad_allow_list_stops_the_start_with_a_clear_message():
    from web.config import ConfigurationError

    with pytest.raises(ConfigurationError, match="HERALD_METRICS_ALLOW"):
        parse_networks("10.0.0.0/8, intranet")


def test_api_answers_are_never_cached(client, session):
    person = create_person(session)
    session.commit()

    refused = client.get("/api/v1/me")
    openapi = client.get("/api/v1/openapi.json")
    login(client, person)
    signed_in = client.get("/api/v1/me")

    for response in (refused, openapi, signed_in):
        assert response.headers["Cache-Control"] == "no-store"
