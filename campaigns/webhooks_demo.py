"""The demo's webhook endpoint: the department's press-monitoring system, subscribed to what
it follows, with a short delivery log (answers, one delivery that needed three attempts)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns import webhooks
from campaigns.org.models import Person, Role
from campaigns.press.models import CoverageItem
from campaigns.social.models import Publication, PublicationStatus
from campaigns.social.webhook_events import publication_data
from campaigns.webhooks import WebhookAttempt, WebhookDelivery, WebhookEndpoint

DEMO_URL = "https://monitoring.mofa-press.example/hooks/herald"


def load_webhooks_demo(session: Session, *, now: datetime, app_secret: str) -> None:
    """Create the demo endpoint and its log, unless it exists already."""
    if session.scalar(select(WebhookEndpoint.id).where(WebhookEndpoint.url == DEMO_URL)):
        return
    admin = session.scalar(select(Person).where(Person.role == Role.ADMIN).order_by(Person.id))
    if admin is None:
        return
    endpoint, _ = webhooks.create_endpoint(
        session,
        actor=admin,
        now=now - timedelta(days=20),
        url=DEMO_URL,
        description="Hệ thống theo dõi báo chí của Vụ (press monitoring)",
        events=[
            webhooks.EventType.PUBLICATION_PUBLISHED,
            webhooks.EventType.PUBLICATION_DEAD,
            webhooks.EventType.COVERAGE_ADDED,
            webhooks.EventType.EVENT_CANCELLED,
        ],
        app_secret=app_secret,
    )
    published = session.scalars(
        select(Publication)
        .where(Publication.status == PublicationStatus.PUBLISHED)
        .order_by(Publication.published_at.desc())
        .limit(3)
    ).all()
    coverage = session.scalars(select(CoverageItem).order_by(CoverageItem.id.desc()).limit(1)).all()
    history: list[tuple[str, dict, list[tuple[int, str, int]]]] = []
    for index, publication in enumerate(published):
        # The second one met the monitoring system during its nightly restart.
        answers = (
            [(503, "Service Unavailable", 12), (503, "Service Unavailable", 9)]
            if index == 1
            else []
        )
        history.append(
            (
                webhooks.EventType.PUBLICATION_PUBLISHED,
                publication_data(publication),
                [*answers, (200, '{"received": true}', 84 + index * 7)],
            )
        )
    for item in coverage:
        history.append(
            (
                webhooks.EventType.COVERAGE_ADDED,
                {"coverage": {"id": item.id, "url": item.url, "headline": item.headline}},
                [(202, "accepted", 41)],
            )
        )
    for number, (event_type, data, answers) in enumerate(history):
        at = now - timedelta(days=len(history) - number, hours=3)
        event_id = str(uuid.uuid4())
        delivery = WebhookDelivery(
            key=str(uuid.uuid4()),
            endpoint_id=endpoint.id,
            event_id=event_id,
            event_type=event_type,
            body=webhooks.event_body(event_id, event_type, at, data),
            status=webhooks.DeliveryStatus.DELIVERED,
            attempts=len(answers),
            next_attempt_at=at,
            created_at=at,
            last_status_code=answers[-1][0],
            last_error="",
        )
        session.add(delivery)
        session.flush()
        tried = at
        for attempt_number, (status_code, body, duration_ms) in enumerate(answers, start=1):
            session.add(
                WebhookAttempt(
                    delivery_id=delivery.id,
                    worker_id="demo-worker:1",
                    started_at=tried,
                    finished_at=tried + timedelta(milliseconds=duration_ms),
                    status_code=status_code,
                    response_body=body,
                    error="",
                    duration_ms=duration_ms,
                )
            )
            tried += timedelta(seconds=webhooks.BACKOFF_SECONDS[attempt_number - 1])
        delivery.delivered_at = tried
    session.flush()
