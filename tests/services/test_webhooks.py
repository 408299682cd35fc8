"""Outgoing webhooks: endpoints (admins only), an event queued for the endpoints that want it at
the moment the state changes and never for a change rolled back, signatures, the backoff
schedule, giving up after the last attempt, redelivering by hand, and claims under a lease."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from campaigns import webhooks
from campaigns.calendar import services as calendar_services
from campaigns.errors import Conflict, Invalid, NotAllowed
from campaigns.org.models import AuditEntry
from campaigns.press import coverage
from campaigns.social import outbox
from campaigns.social.platform import ErrorKind, PlatformError, PublishedPost
from campaigns.webhooks import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from tests.factories import create_person
from tests.social_factories import cleared_post, create_channel, create_event, scheduled_post

APP_SECRET = "test-application-secret"
ALL = list(webhooks.EVENT_LABELS)


def endpoint(session, now, events=ALL, **fields):
    admin = create_person(session, role="admin")
    made, secret = webhooks.create_endpoint(
        session,
        actor=admin,
        now=now,
        url=fields.pop("url", "https://crm.office.example/herald"),
        events=events,
        app_secret=APP_SECRET,
        **fields,
    )
    return made, secret, admin


def deliveries(session, event_type=None):
    statement = select(WebhookDelivery).order_by(WebhookDelivery.id)
    if event_type:
        statement = statement.where(WebhookDelivery.event_type == event_type)
    return list(session.scalars(statement))


def body(delivery):
    return json.loads(delivery.body)


# --- endpoints ---------------------------------------------------------------------------------


def test_an_admin_adds_an_endpoint_whose_secret_is_shown_once_and_kept_encrypted(session, now):
    made, secret, _ = endpoint(session, now, events=["post.cleared"], description="CRM")
    assert secret.startswith("whsec_") and len(secret) > 40
    assert secret not in made.secret_encrypted
    assert webhooks.endpoint_secret(made, app_secret=APP_SECRET) == secret
    entry = session.scalars(
        select(AuditEntry).where(AuditEntry.target_type == "webhook_endpoint")
    ).one()
    assert "secret_encrypted" not in entry.after and secret not in json.dumps(entry.after)
    with pytest.raises(Invalid):
        webhooks.endpoint_secret(made, app_secret="another server's key")


@pytest.mark.parametrize(
    "url",
    [
        "ftp://files.office.example/in",
        "javascript:alert(1)",
        "https://user:pass@crm.office.example/hook",
        "https://",
        "not a url",
        "http://crm.example:99999/",
    ],
)
def test_an_address_that_is_not_plain_http_or_carries_credentials_is_refused(session, now, url):
    with pytest.raises(Invalid):
        endpoint(session, now, url=url)
    assert session.scalar(select(func.count()).select_from(WebhookEndpoint)) == 0


def test_internal_addresses_are_allowed_offices_run_their_own_systems(session, now):
    made, _, _ = endpoint(session, now, url="http://10.0.4.12:8080/herald")
    assert made.url == "http://10.0.4.12:8080/herald"


def test_events_must_be_known_and_at_least_one(session, now):
    with pytest.raises(Invalid):
        endpoint(session, now, events=[])
    with pytest.raises(Invalid):
        endpoint(session, now, events=["post.deleted"])


def test_only_admins_manage_endpoints(session, now):
    coordinator = create_person(session, role="coordinator")
    with pytest.raises(NotAllowed):
        webhooks.create_endpoint(
            session,
            actor=coordinator,
            now=now,
            url="https://crm.office.example/",
            events=ALL,
            app_secret=APP_SECRET,
        )
    made, _, _ = endpoint(session, now)
    for call in (
        lambda: webhooks.list_endpoints(session, actor=coordinator),
        lambda: webhooks.update_endpoint(
            session, actor=coordinator, now=now, endpoint_id=made.id, active=False
        ),
        lambda: webhooks.rotate_secret(
            session, actor=coordinator, now=now, endpoint_id=made.id, app_secret=APP_SECRET
        ),
        lambda: webhooks.endpoint_deliveries(session, actor=coordinator, endpoint_id=made.id),
    ):
        with pytest.raises(NotAllowed):
            call()
    assert made.active


def test_rotating_the_secret_replaces_it(session, now):
    made, old, admin = endpoint(session, now)
    _, new = webhooks.rotate_secret(
        session, actor=admin, now=now, endpoint_id=made.id, app_secret=APP_SECRET
    )
    assert new != old
    assert webhooks.endpoint_secret(made, app_secret=APP_SECRET) == new


# --- events ------------------------------------------------------------------------------------


def test_a_cleared_post_is_told_to_subscribed_active_endpoints_only(session, now):
    wants, _, admin = endpoint(session, now, events=["post.cleared"])
    endpoint(session, now, events=["coverage.added"])
    asleep, _, _ = endpoint(session, now, events=["post.cleared"])
    webhooks.update_endpoint(session, actor=admin, now=now, endpoint_id=asleep.id, active=False)
    post = cleared_post(session, title="Tết greetings", now=now)
    (delivery,) = deliveries(session)
    assert (delivery.endpoint_id, delivery.event_type, delivery.status) == (
        wants.id,
        "post.cleared",
        "pending",
    )
    data = body(delivery)
    assert data["type"] == "post.cleared" and data["occurred_at"] == now.isoformat()
    assert data["data"]["post"]["id"] == post.id
    assert data["data"]["post"]["title"] == "Tết greetings"
    assert data["data"]["links"]["post"] == f"/social/posts/{post.id}"


def test_nothing_is_queued_for_a_change_that_is_rolled_back(session, now):
    endpoint(session, now)
    session.commit()
    cleared_post(session)
    assert deliveries(session, "post.cleared")
    session.rollback()
    assert deliveries(session) == []


def test_publication_published_dead_and_held_are_each_told(session, now):
    endpoint(session, now)
    due = now + timedelta(minutes=1)
    channel = create_channel(session)
    first = scheduled_post(session, [channel], at=due, now=now).publications[0]
    second = scheduled_post(session, [channel], at=due, now=now).publications[0]
    third = scheduled_post(
        session, [channel], at=due, now=now, misfire_window_minutes=30
    ).publications[0]
    outbox.claim_due_publications(session, worker_id="w", now=due, limit=2)
    outbox.record_success(
        session,
        publication=first,
        worker_id="w",
        result=PublishedPost(platform_id="17", url="https://x.example/s/17"),
        now=due,
    )
    outbox.record_failure(
        session,
        publication=second,
        worker_id="w",
        now=due,
        error=PlatformError(ErrorKind.REJECTED, "duplicate content, token abc", status=403),
    )
    outbox.hold_missed_publications(session, now=due + timedelta(hours=1))
    (published,) = deliveries(session, "publication.published")
    assert body(published)["data"]["publication"]["id"] == first.id
    assert body(published)["data"]["publication"]["url"] == "https://x.example/s/17"
    (dead,) = deliveries(session, "publication.dead")
    assert body(dead)["data"]["publication"]["id"] == second.id
    assert body(dead)["data"]["publication"]["error_kind"] == "rejected"
    assert "token abc" not in dead.body  # the platform's message stays inside Herald
    (held,) = deliveries(session, "publication.held")
    assert body(held)["data"]["publication"]["id"] == third.id
    assert body(held)["data"]["publication"]["held_reason"] == "missed_window"


def test_coverage_added_is_told_once_per_article(session, now):
    endpoint(session, now, events=["coverage.added"])
    for _ in range(2):  # the same link twice is one item
        coverage.record_coverage(
            session,
            actor=None,
            now=now,
            status="found",
            data=coverage.CoverageInput(url="https://www.lefigaro.fr/vietnam-2027/"),
        )
    (delivery,) = deliveries(session)
    assert body(delivery)["data"]["coverage"]["url"] == "https://www.lefigaro.fr/vietnam-2027/"


def test_an_event_changed_then_cancelled(session, now):
    endpoint(session, now, events=["event.changed", "event.cancelled"])
    event = create_event(session, title="Visit of the Foreign Minister")
    calendar_services.postpone_event(session, actor=None, now=now, event=event)
    calendar_services.cancel_event(session, actor=None, now=now, event=event)
    changed, cancelled = deliveries(session)
    assert (changed.event_type, cancelled.event_type) == ("event.changed", "event.cancelled")
    assert body(changed)["data"]["event"]["status"] == "postponed"
    assert body(cancelled)["data"]["event"]["title"] == "Visit of the Foreign Minister"


def test_a_restricted_event_is_told_without_its_details(session, now):
    endpoint(session, now, events=["event.cancelled"])
    event = create_event(session, title="Secret talks", visibility="restricted", location="X")
    calendar_services.cancel_event(session, actor=None, now=now, event=event)
    (delivery,) = deliveries(session)
    assert "Secret talks" not in delivery.body
    assert body(delivery)["data"]["event"]["id"] == event.id


# --- signing -----------------------------------------------------------------------------------


def test_a_signature_covers_the_body_and_the_instant(session, now):
    payload = b'{"id": "e1"}'
    header = webhooks.sign("whsec_x", payload, timestamp=int(now.timestamp()))
    assert webhooks.verify_signature("whsec_x", header, payload, now=now)
    assert not webhooks.verify_signature("whsec_x", header, payload + b" ", now=now)
    assert not webhooks.verify_signature("whsec_y", header, payload, now=now)
    assert not webhooks.verify_signature(
        "whsec_x", header, payload, now=now + timedelta(minutes=6)
    )  # a replay
    assert not webhooks.verify_signature("whsec_x", "garbage", payload, now=now)


# --- the delivery outbox -----------------------------------------------------------------------


def test_the_backoff_grows_to_about_a_day_then_gives_up():
    from datetime import UTC, datetime

    start = datetime(2026, 1, 1, tzinfo=UTC)
    waits = [
        webhooks.next_attempt_after(n, start, random=lambda: 0.5) - start
        for n in range(1, webhooks.MAX_ATTEMPTS)
    ]
    assert waits == sorted(waits) and waits[0] == timedelta(minutes=1)
    assert timedelta(hours=20) < sum(waits, timedelta()) < timedelta(hours=26)
    assert webhooks.next_attempt_after(webhooks.MAX_ATTEMPTS, start) is None
    low = webhooks.next_attempt_after(1, start, random=lambda: 0.0) - start
    high = webhooks.next_attempt_after(1, start, random=lambda: 0.999) - start
    assert timedelta(seconds=47) < low < high < timedelta(seconds=73)  # jitter


def _pinged(session, now):
    made, _, admin = endpoint(session, now)
    delivery = webhooks.send_test_ping(session, actor=admin, now=now, endpoint_id=made.id)
    return made, admin, delivery


def test_a_claim_is_exclusive_and_a_dead_workers_claim_is_taken_over_after_its_lease(session, now):
    _, _, delivery = _pinged(session, now)
    (claimed,) = webhooks.claim_due_deliveries(session, worker_id="a", now=now, lease_seconds=60)
    assert (claimed.id, claimed.status, claimed.attempts) == (delivery.id, "sending", 1)
    assert webhooks.claim_due_deliveries(session, worker_id="b", now=now) == []
    later = now + timedelta(seconds=61)
    (again,) = webhooks.claim_due_deliveries(session, worker_id="b", now=later)
    assert (again.claimed_by, again.attempts) == ("b", 1)  # the same attempt, sent again
    log = session.scalars(select(WebhookAttempt).order_by(WebhookAttempt.id)).all()
    assert [(a.worker_id, a.finished_at is not None) for a in log] == [("a", True), ("b", False)]
    assert "lease ran out" in log[0].error
    # The dead worker's late answer no longer counts.
    assert (
        webhooks.record_answer(
            session, delivery_id=delivery.id, worker_id="a", now=later, status_code=200
        )
        is None
    )
    assert webhooks.record_answer(
        session, delivery_id=delivery.id, worker_id="b", now=later, status_code=204
    ) == ("delivered")


def test_failures_are_retried_with_backoff_then_failed_and_redelivered_by_hand(session, now):
    _, admin, delivery = _pinged(session, now)
    at = now
    for number in range(1, webhooks.MAX_ATTEMPTS + 1):
        (claimed,) = webhooks.claim_due_deliveries(session, worker_id="w", now=at)
        assert claimed.attempts == number
        status = webhooks.record_answer(
            session,
            delivery_id=delivery.id,
            worker_id="w",
            now=at,
            status_code=500,
            response_body="boom " * 1000,
            duration_ms=12,
            random=lambda: 0.5,
        )
        if number < webhooks.MAX_ATTEMPTS:
            assert status == "pending"
            assert webhooks.claim_due_deliveries(session, worker_id="w", now=at) == []
            at = delivery.next_attempt_at
    assert status == "failed"
    assert delivery.last_status_code == 500 and delivery.last_error == "HTTP 500"
    attempts = delivery.attempt_log
    assert len(attempts) == webhooks.MAX_ATTEMPTS
    assert attempts[0].status_code == 500
    assert len(attempts[0].response_body) == webhooks.RESPONSE_KEPT_CHARS
    assert attempts[0].duration_ms == 12
    assert webhooks.claim_due_deliveries(session, worker_id="w", now=at + timedelta(days=9)) == []
    webhooks.redeliver(session, actor=admin, now=at, delivery_id=delivery.id)
    (claimed,) = webhooks.claim_due_deliveries(session, worker_id="w", now=at)
    assert (claimed.id, claimed.attempts) == (delivery.id, 1)
    with pytest.raises(Conflict):  # still on its way
        webhooks.redeliver(session, actor=admin, now=at, delivery_id=delivery.id)


def test_no_answer_at_all_is_retried_like_an_error(session, now):
    _, _, delivery = _pinged(session, now)
    webhooks.claim_due_deliveries(session, worker_id="w", now=now)
    status = webhooks.record_answer(
        session,
        delivery_id=delivery.id,
        worker_id="w",
        now=now,
        status_code=None,
        error="ConnectTimeout: timed out",
    )
    assert status == "pending" and delivery.last_error == "ConnectTimeout: timed out"


def test_deleting_an_endpoint_removes_its_log(session, now):
    made, admin, _ = _pinged(session, now)
    webhooks.delete_endpoint(session, actor=admin, now=now, endpoint_id=made.id)
    assert deliveries(session) == []


def test_the_demo_shows_an_endpoint_with_a_believable_log_once(session, now):
    from campaigns.demo import load_demo_data

    load_demo_data(session, now=now, app_secret=APP_SECRET)
    load_demo_data(session, now=now, app_secret=APP_SECRET)
    (made,) = session.scalars(select(WebhookEndpoint)).all()
    log = deliveries(session)
    assert {d.event_type for d in log} >= {"publication.published", "coverage.added"}
    assert all(d.status == "delivered" and d.endpoint_id == made.id for d in log)
    assert any([a.status_code for a in d.attempt_log] == [503, 503, 200] for d in log)
    assert webhooks.endpoint_secret(made, app_secret=APP_SECRET).startswith("whsec_")
