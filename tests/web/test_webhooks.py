"""Webhook endpoints on the web (/admin/webhooks) and the API (/api/v1/webhooks): administrators
only; a secret shown once; a bad address is a message and changes nothing; the delivery log
shows each attempt's answer; a failed delivery is sent again by hand."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from campaigns import webhooks
from campaigns.webhooks import WebhookDelivery, WebhookEndpoint
from tests.conftest import TEST_SECRET
from tests.factories import bearer, create_person, login
from tests.web.test_permission_matrix import ADMIN, Route

ROLES = ("admin", "coordinator", "editor", "field", "viewer")

# Who may use each route: administrators only, every other role is refused (403).
ROUTES = [
    Route("webhooks.endpoints", "GET", "/admin/webhooks/", ADMIN),
    Route("webhooks.new_endpoint", "GET", "/admin/webhooks/new", ADMIN),
    Route("webhooks.new_endpoint", "POST", "/admin/webhooks/new", ADMIN),
    Route("webhooks.edit_endpoint", "GET", "/admin/webhooks/{endpoint}/edit", ADMIN),
    Route("webhooks.edit_endpoint", "POST", "/admin/webhooks/{endpoint}/edit", ADMIN),
    Route("webhooks.endpoint_page", "GET", "/admin/webhooks/{endpoint}", ADMIN),
    Route("webhooks.rotate_secret", "POST", "/admin/webhooks/{endpoint}/rotate", ADMIN),
    Route("webhooks.ping", "POST", "/admin/webhooks/{endpoint}/ping", ADMIN),
    Route("webhooks.delete_endpoint", "POST", "/admin/webhooks/{endpoint}/delete", ADMIN),
    Route("webhooks.redeliver", "POST", "/admin/webhooks/{endpoint}/deliveries/{delivery}/redeliver", ADMIN),
    Route("api_webhooks.Endpoints", "GET", "/api/v1/webhooks/endpoints", ADMIN, api=True),
    Route("api_webhooks.Endpoints", "POST", "/api/v1/webhooks/endpoints", ADMIN, api=True),
    Route("api_webhooks.EndpointById", "GET", "/api/v1/webhooks/endpoints/{endpoint}", ADMIN, api=True),
    Route("api_webhooks.EndpointById", "PATCH", "/api/v1/webhooks/endpoints/{endpoint}", ADMIN, api=True),
    Route("api_webhooks.EndpointById", "DELETE", "/api/v1/webhooks/endpoints/{endpoint}", ADMIN, api=True),
    Route("api_webhooks.EndpointSecret", "POST", "/api/v1/webhooks/endpoints/{endpoint}/secret", ADMIN, api=True),
    Route("api_webhooks.EndpointPing", "POST", "/api/v1/webhooks/endpoints/{endpoint}/ping", ADMIN, api=True),
    Route("api_webhooks.EndpointDeliveries", "GET", "/api/v1/webhooks/endpoints/{endpoint}/deliveries", ADMIN, api=True),
    Route("api_webhooks.Redeliver", "POST", "/api/v1/webhooks/endpoints/{endpoint}/deliveries/{delivery}/redeliver", ADMIN, api=True),
]  # fmt: skip


def make_endpoint(session, now, admin=None, **fields):
    admin = admin or create_person(session, role="admin")
    endpoint, secret = webhooks.create_endpoint(
        session,
        actor=admin,
        now=now,
        url=fields.pop("url", "https://crm.office.example/herald"),
        events=fields.pop("events", ["post.cleared"]),
        app_secret=TEST_SECRET,
        **fields,
    )
    return endpoint, secret


def failed_delivery(session, now, endpoint, admin):
    delivery = webhooks.send_test_ping(session, actor=admin, now=now, endpoint_id=endpoint.id)
    session.flush()
    delivery.status = "failed"
    delivery.attempts = webhooks.MAX_ATTEMPTS
    session.flush()
    return delivery


def endpoints_count(session) -> int:
    return session.scalar(select(func.count()).select_from(WebhookEndpoint))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", ROUTES, ids=lambda route: f"{route.method} {route.path}")
def test_only_administrators_reach_the_webhook_pages_and_operations(
    client, session, now, route, role
):
    admin = create_person(session, role="admin")
    person = admin if role == "admin" else create_person(session, role=role)
    endpoint, _ = make_endpoint(session, now, admin)
    delivery = failed_delivery(session, now, endpoint, admin)
    headers = bearer(session, person) if route.api else {}
    session.commit()
    path = route.path.format(endpoint=endpoint.id, delivery=delivery.id)
    if route.api:
        body = {} if route.method in ("POST", "PATCH") else None
        response = client.open(path, method=route.method, headers=headers, json=body)
    else:
        login(client, person)
        response = client.open(path, method=route.method, data={})
    if role not in route.allowed:
        assert response.status_code == 403, response.text[:300]
        session.expire_all()
        assert endpoints_count(session) == 1
        assert session.get(WebhookDelivery, delivery.id).status == "failed"
    else:
        assert response.status_code not in (401, 403, 404), response.text[:300]
        assert response.status_code < 500


def test_an_admin_adds_an_endpoint_and_sees_its_secret_once(client, session, now):
    admin = create_person(session, role="admin")
    session.commit()
    login(client, admin)
    response = client.post(
        "/admin/webhooks/new",
        data={
            "url": "https://crm.office.example/herald",
            "description": "Press office CRM",
            "events": ["publication.published", "coverage.added"],
            "active": "y",
        },
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    endpoint = session.scalars(select(WebhookEndpoint)).one()
    secret = webhooks.endpoint_secret(endpoint, app_secret=TEST_SECRET)
    assert secret in response.text
    assert endpoint.events == ["coverage.added", "publication.published"]
    page = client.get(f"/admin/webhooks/{endpoint.id}")
    assert page.status_code == 200 and secret not in page.text
    assert "Press office CRM" in client.get("/admin/webhooks/").text


@pytest.mark.parametrize(
    ("url", "events"),
    [
        ("ftp://files.office.example/", ["post.cleared"]),
        ("https://user:secret@crm.office.example/", ["post.cleared"]),
        ("https://crm.office.example/", []),
        ("https://crm.office.example/", ["post.deleted"]),
    ],
)
def test_a_bad_endpoint_is_a_message_next_to_the_field_and_nothing_is_saved(
    client, session, now, url, events
):
    admin = create_person(session, role="admin")
    session.commit()
    login(client, admin)
    response = client.post("/admin/webhooks/new", data={"url": url, "events": events})
    assert response.status_code == 422
    assert 'role="alert"' in response.text
    assert endpoints_count(session) == 0


def test_editing_with_a_bad_address_changes_nothing(client, session, now):
    endpoint, _ = make_endpoint(session, now)
    admin = create_person(session, role="admin")
    session.commit()
    login(client, admin)
    response = client.post(
        f"/admin/webhooks/{endpoint.id}/edit",
        data={"url": "gopher://old.example/", "events": ["event.changed"], "active": "y"},
    )
    assert response.status_code == 422
    session.refresh(endpoint)
    assert (endpoint.url, endpoint.events) == (
        "https://crm.office.example/herald",
        ["post.cleared"],
    )


def test_the_delivery_log_shows_each_answer_and_a_failed_delivery_goes_again(client, session, now):
    admin = create_person(session, role="admin")
    endpoint, _ = make_endpoint(session, now, admin)
    delivery = webhooks.send_test_ping(session, actor=admin, now=now, endpoint_id=endpoint.id)
    webhooks.claim_due_deliveries(session, worker_id="w", now=now)
    webhooks.record_answer(
        session,
        delivery_id=delivery.id,
        worker_id="w",
        now=now,
        status_code=502,
        response_body="upstream is down",
        duration_ms=31,
    )
    delivery.status = "failed"
    session.commit()
    login(client, admin)
    page = client.get(f"/admin/webhooks/{endpoint.id}").text
    assert "HTTP 502" in page and "upstream is down" in page and "31 ms" in page
    response = client.post(f"/admin/webhooks/{endpoint.id}/deliveries/{delivery.id}/redeliver")
    assert response.status_code == 302
    session.refresh(delivery)
    assert (delivery.status, delivery.attempts) == ("pending", 0)
    # Again while it is waiting: a message, no change.
    response = client.post(
        f"/admin/webhooks/{endpoint.id}/deliveries/{delivery.id}/redeliver", follow_redirects=True
    )
    assert "still on its way" in response.text


def test_a_test_ping_is_queued_for_the_endpoint(client, session, now):
    admin = create_person(session, role="admin")
    endpoint, _ = make_endpoint(session, now, admin, active=False)
    session.commit()
    login(client, admin)
    client.post(f"/admin/webhooks/{endpoint.id}/ping")
    (delivery,) = session.scalars(select(WebhookDelivery)).all()
    assert (delivery.endpoint_id, delivery.event_type) == (endpoint.id, "ping")


# --- the API -----------------------------------------------------------------------------------


def test_the_api_creates_lists_patches_rotates_and_deletes_endpoints(client, session, now):
    admin = create_person(session, role="admin")
    headers = bearer(session, admin)
    session.commit()
    created = client.post(
        "/api/v1/webhooks/endpoints",
        headers=headers,
        json={"url": "https://crm.office.example/h", "events": ["event.cancelled"]},
    )
    assert created.status_code == 201, created.text
    endpoint_id = created.json["id"]
    secret = created.json["secret"]
    assert secret.startswith("whsec_")
    listed = client.get("/api/v1/webhooks/endpoints", headers=headers).json
    assert [item["id"] for item in listed] == [endpoint_id]
    assert "secret" not in listed[0]
    patched = client.patch(
        f"/api/v1/webhooks/endpoints/{endpoint_id}", headers=headers, json={"active": False}
    )
    assert patched.status_code == 200 and patched.json["active"] is False
    rotated = client.post(f"/api/v1/webhooks/endpoints/{endpoint_id}/secret", headers=headers)
    assert rotated.status_code == 200 and rotated.json["secret"] not in ("", secret)
    ping = client.post(f"/api/v1/webhooks/endpoints/{endpoint_id}/ping", headers=headers)
    assert ping.status_code == 202 and ping.json["event_type"] == "ping"
    log = client.get(f"/api/v1/webhooks/endpoints/{endpoint_id}/deliveries", headers=headers)
    assert [item["key"] for item in log.json] == [ping.json["key"]]
    deleted = client.delete(f"/api/v1/webhooks/endpoints/{endpoint_id}", headers=headers)
    assert deleted.status_code == 204
    assert endpoints_count(session) == 0


@pytest.mark.parametrize(
    "body",
    [
        {"url": "file:///etc/passwd", "events": ["post.cleared"]},
        {"url": "https://a:b@crm.example/", "events": ["post.cleared"]},
        {"url": "https://crm.example/", "events": ["nope"]},
        {"url": "https://crm.example/", "events": []},
        {"url": 12, "events": "post.cleared"},
        {"events": ["post.cleared"]},
    ],
)
def test_the_api_refuses_a_bad_endpoint_with_a_message(client, session, body):
    admin = create_person(session, role="admin")
    headers = bearer(session, admin)
    session.commit()
    response = client.post("/api/v1/webhooks/endpoints", headers=headers, json=body)
    assert response.status_code == 422, response.text
    assert response.json.get("message")
    assert endpoints_count(session) == 0


def test_redelivering_another_endpoints_delivery_is_not_found(client, session, now):
    admin = create_person(session, role="admin")
    mine, _ = make_endpoint(session, now, admin)
    theirs, _ = make_endpoint(session, now, admin)
    delivery = failed_delivery(session, now, theirs, admin)
    headers = bearer(session, admin)
    session.commit()
    response = client.post(
        f"/api/v1/webhooks/endpoints/{mine.id}/deliveries/{delivery.id}/redeliver",
        headers=headers,
    )
    assert response.status_code == 404
    session.refresh(delivery)
    assert delivery.status == "failed"
