"""Outgoing webhooks: other systems of the office are told when something happens in Herald.

Why here, beside ``audit.py``, and not in an area: the events come from several areas (social:
a publication published, dead or held, a post cleared; press: coverage added; calendar: an event
changed or cancelled), and an area may only import those before it. Like the audit log, the
webhook outbox knows nothing of the areas (it imports only ``org``, for people), so every area
can call ``enqueue`` at the moment its state changes, in the same transaction: a change that is
rolled back sends nothing, a change that is committed has its deliveries committed with it.

Deliveries go out through the outbox's lease discipline (``campaigns.leases``), not a second
job queue: a worker claims due deliveries under a lease (``claim_due_deliveries``, FOR UPDATE
SKIP LOCKED on PostgreSQL, a conditional UPDATE everywhere), sends them with no transaction
open, and records each answer (``record_answer``) only while it still holds the claim. A worker
that dies mid-delivery leaves a claim whose lease runs out; the next claim takes it over and
sends it again. Delivery is therefore **at least once**: a receiver dedupes by the
``Herald-Delivery`` header (the same for every attempt of a delivery).

Each delivery is signed like Stripe's: ``Herald-Signature: t=<unix seconds>,v1=<hex
HMAC-SHA256 of "<t>.<body>" under the endpoint's secret>``. The timestamp is the moment of the
attempt, so a receiver refuses a replay older than a few minutes (``verify_signature``).
Secrets are generated here, shown once, and kept encrypted (Fernet under a key derived from the
application's secret, as channel credentials are).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random as random_module
import secrets
import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from campaigns import leases
from campaigns.audit import record_change, snapshot
from campaigns.db import Base, UTCDateTime
from campaigns.errors import Conflict, Invalid, NotFound
from campaigns.i18n import N_
from campaigns.org.models import Person
from campaigns.permissions import require


class EventType(StrEnum):
    PUBLICATION_PUBLISHED = "publication.published"
    PUBLICATION_DEAD = "publication.dead"
    PUBLICATION_HELD = "publication.held"
    POST_CLEARED = "post.cleared"
    COVERAGE_ADDED = "coverage.added"
    EVENT_CHANGED = "event.changed"
    EVENT_CANCELLED = "event.cancelled"
    PING = "ping"  # "send a test ping": to one endpoint, whatever it subscribes to


# What an endpoint may subscribe to, with the label an admin reads.
EVENT_LABELS: dict[str, str] = {
    EventType.PUBLICATION_PUBLISHED: N_("A publication was published"),
    EventType.PUBLICATION_DEAD: N_("A publication failed for good (dead)"),
    EventType.PUBLICATION_HELD: N_("A publication was held for a person to decide"),
    EventType.POST_CLEARED: N_("A post was cleared"),
    EventType.COVERAGE_ADDED: N_("Press coverage was added"),
    EventType.EVENT_CHANGED: N_("A calendar event changed"),
    EventType.EVENT_CANCELLED: N_("A calendar event was cancelled"),
}


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # waits for ``next_attempt_at``
    SENDING = "sending"  # claimed by ``claimed_by`` until ``lease_until``
    DELIVERED = "delivered"  # the receiver answered 2xx
    FAILED = "failed"  # gave up after MAX_ATTEMPTS; an admin may deliver it again


# Eight attempts over about a day: the waits after the 1st..7th failure (each ±20 %).
BACKOFF_SECONDS = (60, 300, 900, 3600, 3 * 3600, 6 * 3600, 12 * 3600)
MAX_ATTEMPTS = len(BACKOFF_SECONDS) + 1
LEASE_SECONDS = 60  # a send times out after TIMEOUT_SECONDS, well within a lease
TIMEOUT_SECONDS = 10.0
# A receiver refuses a signature older (or newer) than this: a replay.
SIGNATURE_TOLERANCE_SECONDS = 300
RESPONSE_KEPT_CHARS = 2000
KEEP_DAYS = 30  # delivered deliveries are kept this long in the log
SECRET_PREFIX = "whsec_"
_SALT = b"herald/webhooks/endpoint-secrets"
_INFO = b"herald webhook secrets v1"


class WebhookEndpoint(Base):
    """A URL of another system, the events it wants, and the secret its deliveries are signed
    with (encrypted)."""

    __tablename__ = "webhook_endpoints"
    __audit_type__ = "webhook_endpoint"
    __audit_exclude__ = ("secret_encrypted",)

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(String(200), default="")
    events: Mapped[list[str]] = mapped_column(JSON, default=list)
    secret_encrypted: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    @property
    def name(self) -> str:  # the audit log's label
        return self.description or self.url

    def __repr__(self) -> str:
        return f"<WebhookEndpoint {self.id} {self.url}>"


class WebhookDelivery(Base):
    """One event for one endpoint: the body as it is sent on every attempt, and where it is."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The receiver's dedup key (Herald-Delivery): the same on every attempt, unguessable.
    key: Mapped[str] = mapped_column(String(36), unique=True)
    endpoint_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[str] = mapped_column(String(36), index=True)
    event_type: Mapped[str] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # since created or redelivered
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(120))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str] = mapped_column(Text, default="")

    endpoint: Mapped[WebhookEndpoint] = relationship()
    attempt_log: Mapped[list[WebhookAttempt]] = relationship(
        order_by="WebhookAttempt.id", cascade="all, delete-orphan", passive_deletes=True
    )


class WebhookAttempt(Base):
    """One try at a delivery: who sent it, what came back (status, the start of the body), how
    long it took, or why there was no answer."""

    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True
    )
    worker_id: Mapped[str] = mapped_column(String(120))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status_code: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str] = mapped_column(Text, default="")
    duration_ms: Mapped[int | None] = mapped_column(Integer)


# --- secrets and signatures ----------------------------------------------------------------------


def _fernet(app_secret: str) -> Fernet:
    if not app_secret:
        raise ValueError("a secret key is required to encrypt or decrypt webhook secrets")
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=_INFO).derive(
        app_secret.encode("utf-8")
    )
    return Fernet(base64.urlsafe_b64encode(key))


def endpoint_secret(endpoint: WebhookEndpoint, *, app_secret: str) -> str:
    """The endpoint's signing secret in plain text, for the sender only. Raises Invalid when
    this server's secret key changed since (rotate the endpoint's secret)."""
    try:
        return _fernet(app_secret).decrypt(endpoint.secret_encrypted.encode("ascii")).decode()
    except InvalidToken:
        raise Invalid(
            N_("The endpoint's secret cannot be read with this server's secret key; rotate it."),
            field="secret",
        ) from None


def sign(secret: str, body: bytes, *, timestamp: int) -> str:
    """The ``Herald-Signature`` header of ``body`` sent at ``timestamp`` (Unix seconds)."""
    message = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify_signature(
    secret: str,
    header: str,
    body: bytes,
    *,
    now: datetime,
    tolerance_seconds: int = SIGNATURE_TOLERANCE_SECONDS,
) -> bool:
    """Whether ``header`` signs ``body`` under ``secret`` and was made within the tolerance of
    ``now`` (what a receiver does; the README shows the same in a few lines)."""
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(now.timestamp() - timestamp) > tolerance_seconds:
        return False
    expected = sign(secret, body, timestamp=timestamp).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


def delivery_headers(delivery: WebhookDelivery, *, secret: str, now: datetime) -> dict[str, str]:
    """The headers of one attempt: signature (of this instant), event type, delivery key."""
    return {
        "Content-Type": "application/json",
        "User-Agent": "Herald-Webhooks/1",
        "Herald-Signature": sign(secret, delivery.body.encode(), timestamp=int(now.timestamp())),
        "Herald-Event": delivery.event_type,
        "Herald-Delivery": delivery.key,
    }


# --- endpoints (admins) --------------------------------------------------------------------------


def _validated_url(url: str) -> str:
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError on a bad port)
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise Invalid(N_("Enter an http:// or https:// address."), field="url")
    if parts.username is not None or parts.password is not None:
        raise Invalid(
            N_("Leave user names and passwords out of the address; deliveries are signed."),
            field="url",
        )
    if len(url) > 2000:
        raise Invalid(N_("The address is too long (2,000 characters at most)."), field="url")
    return url


def _validated_events(events: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(events or ()))
    unknown = [name for name in chosen if name not in EVENT_LABELS]
    if unknown:
        raise Invalid(N_("Unknown event: %(name)s."), field="events", name=unknown[0])
    if not chosen:
        raise Invalid(N_("Choose at least one event."), field="events")
    return sorted(chosen)


def _new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def create_endpoint(
    session: Session,
    *,
    actor: Person,
    now: datetime,
    url: str,
    events: Iterable[str],
    app_secret: str,
    description: str = "",
    active: bool = True,
) -> tuple[WebhookEndpoint, str]:
    """Add an endpoint; returns it and its secret in plain text (shown once, never again).
    Raises NotAllowed (admins only) or Invalid (a bad address, no or unknown events)."""
    require(actor, "webhooks.manage")
    secret = _new_secret()
    endpoint = WebhookEndpoint(
        url=_validated_url(url),
        events=_validated_events(events),
        description=(description or "").strip()[:200],
        secret_encrypted=_fernet(app_secret).encrypt(secret.encode()).decode("ascii"),
        active=bool(active),
        created_by_id=actor.id,
        created_at=now,
        updated_at=now,
    )
    session.add(endpoint)
    session.flush()
    record_change(session, actor=actor, now=now, action="create", target=endpoint)
    return endpoint, secret


def get_endpoint(session: Session, *, actor: Person | None, endpoint_id: int) -> WebhookEndpoint:
    """One endpoint. Raises NotAllowed (admins only) or NotFound."""
    require(actor, "webhooks.manage")
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise NotFound(N_("This webhook endpoint does not exist (any more)."))
    return endpoint


def list_endpoints(session: Session, *, actor: Person | None) -> list[WebhookEndpoint]:
    """Every endpoint, by address. Raises NotAllowed (admins only)."""
    require(actor, "webhooks.manage")
    return list(session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.url)))


def update_endpoint(
    session: Session,
    *,
    actor: Person,
    now: datetime,
    endpoint_id: int,
    url: str | None = None,
    events: Iterable[str] | None = None,
    description: str | None = None,
    active: bool | None = None,
) -> WebhookEndpoint:
    """Change an endpoint's address, events, description or active flag (what is given).
    Deliveries already queued keep going to it. Raises NotAllowed, NotFound or Invalid."""
    endpoint = get_endpoint(session, actor=actor, endpoint_id=endpoint_id)
    before = snapshot(endpoint)
    values: dict[str, Any] = {}
    if url is not None:
        values["url"] = _validated_url(url)
    if events is not None:
        values["events"] = _validated_events(events)
    if description is not None:
        values["description"] = description.strip()[:200]
    if active is not None:
        values["active"] = bool(active)
    for name, value in values.items():
        setattr(endpoint, name, value)
    endpoint.updated_at = now
    session.flush()
    record_change(session, actor=actor, now=now, action="update", target=endpoint, before=before)
    return endpoint


def rotate_secret(
    session: Session, *, actor: Person, now: datetime, endpoint_id: int, app_secret: str
) -> tuple[WebhookEndpoint, str]:
    """A new secret for the endpoint (the old one stops at once); returns it in plain text,
    shown once. Raises NotAllowed or NotFound."""
    endpoint = get_endpoint(session, actor=actor, endpoint_id=endpoint_id)
    secret = _new_secret()
    endpoint.secret_encrypted = _fernet(app_secret).encrypt(secret.encode()).decode("ascii")
    endpoint.updated_at = now
    session.flush()
    record_change(
        session, actor=actor, now=now, action="rotate_secret", target=endpoint, before=None
    )
    return endpoint, secret


def delete_endpoint(session: Session, *, actor: Person, now: datetime, endpoint_id: int) -> None:
    """Remove an endpoint and its delivery log. Raises NotAllowed or NotFound."""
    endpoint = get_endpoint(session, actor=actor, endpoint_id=endpoint_id)
    before = snapshot(endpoint)
    record_change(session, actor=actor, now=now, action="delete", target=endpoint, before=before)
    session.delete(endpoint)
    session.flush()


# --- events into deliveries ----------------------------------------------------------------------


def event_body(event_id: str, event_type: str, occurred_at: datetime, data: dict[str, Any]) -> str:
    """The JSON body of one event, exactly as it is signed and sent on every attempt."""
    return json.dumps(
        {
            "id": event_id,
            "type": event_type,
            "occurred_at": occurred_at.isoformat(),
            "data": data,
        },
        ensure_ascii=False,
        sort_keys=True,
        default=str,
    )


def enqueue_many(
    session: Session, events: Sequence[tuple[str, dict[str, Any]]], *, now: datetime
) -> int:
    """Queue each ``(event_type, data)`` for every active endpoint subscribed to its type, in
    the caller's transaction; returns how many deliveries were queued. ``data`` holds ids,
    public-safe fields and links (paths on Herald's base URL), never a secret."""
    if not events:
        return 0
    endpoints = session.execute(
        select(WebhookEndpoint.id, WebhookEndpoint.events)
        .where(WebhookEndpoint.active.is_(True))
        .order_by(WebhookEndpoint.id)
    ).all()
    if not endpoints:
        return 0
    rows = []
    for event_type, data in events:
        wanted = [row.id for row in endpoints if event_type in (row.events or ())]
        if not wanted:
            continue
        event_id = str(uuid.uuid4())
        body = event_body(event_id, event_type, now, data)
        rows += [
            _delivery_row(endpoint_id, event_id, event_type, body, now) for endpoint_id in wanted
        ]
    if rows:
        session.execute(WebhookDelivery.__table__.insert(), rows)
    return len(rows)


def _delivery_row(
    endpoint_id: int, event_id: str, event_type: str, body: str, now: datetime
) -> dict[str, Any]:
    return {
        "key": str(uuid.uuid4()),
        "endpoint_id": endpoint_id,
        "event_id": event_id,
        "event_type": event_type,
        "body": body,
        "status": DeliveryStatus.PENDING,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
        "last_error": "",
    }


def enqueue(session: Session, *, event_type: str, data: dict[str, Any], now: datetime) -> int:
    """Queue one event (``enqueue_many`` for one)."""
    return enqueue_many(session, [(event_type, data)], now=now)


def send_test_ping(
    session: Session, *, actor: Person, now: datetime, endpoint_id: int
) -> WebhookDelivery:
    """Queue a ``ping`` for one endpoint (active or not), to try its address and secret.
    Raises NotAllowed or NotFound."""
    endpoint = get_endpoint(session, actor=actor, endpoint_id=endpoint_id)
    event_id = str(uuid.uuid4())
    body = event_body(event_id, EventType.PING, now, {"endpoint": {"id": endpoint.id}})
    delivery = WebhookDelivery(**_delivery_row(endpoint.id, event_id, EventType.PING, body, now))
    session.add(delivery)
    session.flush()
    return delivery


def redeliver(
    session: Session,
    *,
    actor: Person,
    now: datetime,
    delivery_id: int,
    endpoint_id: int | None = None,
) -> WebhookDelivery:
    """Send a delivered or failed delivery (of ``endpoint_id``, when given) again, with the
    same body and ``Herald-Delivery`` key, and a fresh set of attempts. Raises NotAllowed,
    NotFound, or Conflict while it is still on its way."""
    require(actor, "webhooks.manage")
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None or endpoint_id not in (None, delivery.endpoint_id):
        raise NotFound(N_("This delivery does not exist (any more)."))
    if not leases.conditional_update(
        session,
        WebhookDelivery,
        delivery.id,
        where=[
            WebhookDelivery.status.in_([DeliveryStatus.DELIVERED, DeliveryStatus.FAILED]),
        ],
        values={
            "status": DeliveryStatus.PENDING,
            "attempts": 0,
            "next_attempt_at": now,
            "claimed_by": None,
            "lease_until": None,
        },
    ):
        raise Conflict(N_("This delivery is still on its way; wait for its answer."))
    session.refresh(delivery)
    return delivery


# --- the sender's side ---------------------------------------------------------------------------


def next_attempt_after(
    attempts: int, now: datetime, *, random: Callable[[], float] = random_module.random
) -> datetime | None:
    """When to try again after ``attempts`` failed attempts; None once there were
    MAX_ATTEMPTS. The wait grows from a minute to twelve hours, ±20 % so that deliveries that
    failed together do not come back together."""
    if attempts >= MAX_ATTEMPTS:
        return None
    base = BACKOFF_SECONDS[min(attempts, len(BACKOFF_SECONDS)) - 1]
    return now + timedelta(seconds=base * (0.8 + 0.4 * random()))


def claim_due_deliveries(
    session: Session,
    *,
    worker_id: str,
    now: datetime,
    limit: int = 20,
    lease_seconds: int = LEASE_SECONDS,
) -> list[WebhookDelivery]:
    """Claim up to ``limit`` deliveries for ``worker_id`` under a lease: those due, and those
    whose lease ran out (their worker died mid-send: they are sent again, at least once; the
    dead worker's unfinished attempt is closed in the log). Each claim opens an attempt. The
    caller commits before sending."""
    expired = (WebhookDelivery.status == DeliveryStatus.SENDING) & (
        WebhookDelivery.lease_until < now
    )
    due = (WebhookDelivery.status == DeliveryStatus.PENDING) & (
        WebhookDelivery.next_attempt_at <= now
    )
    candidates = session.execute(
        leases.skip_locked(
            session,
            select(WebhookDelivery.id, WebhookDelivery.claimed_by, WebhookDelivery.lease_until)
            .where(or_(due, expired))
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
            .limit(limit),
            of=WebhookDelivery,
        )
    ).all()
    claimed = []
    until = now + timedelta(seconds=lease_seconds)
    for row in candidates:
        taken_over = row.claimed_by is not None
        where: list[Any] = (
            [
                WebhookDelivery.status == DeliveryStatus.SENDING,
                WebhookDelivery.claimed_by == row.claimed_by,
                WebhookDelivery.lease_until == row.lease_until,
            ]
            if taken_over
            else [due]
        )
        if not leases.conditional_update(
            session,
            WebhookDelivery,
            row.id,
            where=where,
            values={
                "status": DeliveryStatus.SENDING,
                "claimed_by": worker_id,
                "lease_until": until,
                "attempts": WebhookDelivery.attempts + (0 if taken_over else 1),
            },
        ):
            continue
        if taken_over:
            _close_attempts(
                session,
                row.id,
                worker_id=row.claimed_by,
                now=now,
                error="The worker stopped before an answer came (its lease ran out); sent again.",
            )
        session.execute(
            WebhookAttempt.__table__.insert(),
            [{"delivery_id": row.id, "worker_id": worker_id, "started_at": now, "error": ""}],
        )
        claimed.append(row.id)
    if not claimed:
        return []
    session.flush()
    deliveries = session.scalars(
        select(WebhookDelivery)
        .where(WebhookDelivery.id.in_(claimed))
        .order_by(WebhookDelivery.id)
        .execution_options(populate_existing=True)
    ).all()
    for delivery in deliveries:
        delivery.endpoint  # noqa: B018 (loaded now: the sender reads it with no transaction)
    return list(deliveries)


def _close_attempts(
    session: Session,
    delivery_id: int,
    *,
    worker_id: str,
    now: datetime,
    error: str = "",
    status_code: int | None = None,
    response_body: str = "",
    duration_ms: int | None = None,
) -> None:
    session.execute(
        update(WebhookAttempt)
        .where(
            WebhookAttempt.delivery_id == delivery_id,
            WebhookAttempt.worker_id == worker_id,
            WebhookAttempt.finished_at.is_(None),
        )
        .values(
            finished_at=now,
            error=error[:RESPONSE_KEPT_CHARS],
            status_code=status_code,
            response_body=response_body[:RESPONSE_KEPT_CHARS],
            duration_ms=duration_ms,
        )
        .execution_options(synchronize_session=False)
    )


def record_answer(
    session: Session,
    *,
    delivery_id: int,
    worker_id: str,
    now: datetime,
    status_code: int | None,
    response_body: str = "",
    error: str = "",
    duration_ms: int | None = None,
    random: Callable[[], float] = random_module.random,
) -> str | None:
    """What the receiver answered (or why there was no answer): 2xx -> delivered; anything
    else -> tried again after a backoff, failed after MAX_ATTEMPTS. Only while ``worker_id``
    still holds the claim (a claim taken over is only logged). Returns the new status, or None
    when the claim was no longer this worker's."""
    _close_attempts(
        session,
        delivery_id,
        worker_id=worker_id,
        now=now,
        error=error,
        status_code=status_code,
        response_body=response_body,
        duration_ms=duration_ms,
    )
    delivery = session.get(WebhookDelivery, delivery_id, populate_existing=True)
    if delivery is None:
        return None
    ok = status_code is not None and 200 <= status_code < 300
    values: dict[str, Any] = {
        "claimed_by": None,
        "lease_until": None,
        "last_status_code": status_code,
        "last_error": "" if ok else (error or f"HTTP {status_code}")[:RESPONSE_KEPT_CHARS],
    }
    if ok:
        values.update(status=DeliveryStatus.DELIVERED, delivered_at=now)
    else:
        retry_at = next_attempt_after(delivery.attempts, now, random=random)
        if retry_at is None:
            values["status"] = DeliveryStatus.FAILED
        else:
            values.update(status=DeliveryStatus.PENDING, next_attempt_at=retry_at)
    if not leases.conditional_update(
        session,
        WebhookDelivery,
        delivery_id,
        where=[
            WebhookDelivery.status == DeliveryStatus.SENDING,
            WebhookDelivery.claimed_by == worker_id,
        ],
        values=values,
    ):
        return None
    session.refresh(delivery)
    return delivery.status


def forget_old_deliveries(session: Session, *, now: datetime, keep_days: int = KEEP_DAYS) -> int:
    """Delete delivered deliveries (and their attempts) older than ``keep_days``; failed ones
    stay until an administrator sends them again or deletes the endpoint. Returns how many."""
    old = session.scalars(
        select(WebhookDelivery.id).where(
            WebhookDelivery.status == DeliveryStatus.DELIVERED,
            WebhookDelivery.created_at < now - timedelta(days=keep_days),
        )
    ).all()
    if old:
        session.execute(
            WebhookAttempt.__table__.delete().where(WebhookAttempt.delivery_id.in_(old))
        )
        session.execute(WebhookDelivery.__table__.delete().where(WebhookDelivery.id.in_(old)))
    return len(old)


def next_delivery_due_at(session: Session) -> datetime | None:
    """The earliest instant a pending delivery falls due (the sender sleeps until then)."""
    return session.scalar(
        select(WebhookDelivery.next_attempt_at)
        .where(WebhookDelivery.status == DeliveryStatus.PENDING)
        .order_by(WebhookDelivery.next_attempt_at)
        .limit(1)
    )


# --- reads (admins) ------------------------------------------------------------------------------


def endpoint_deliveries(
    session: Session,
    *,
    actor: Person | None,
    endpoint_id: int,
    status: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[WebhookDelivery]:
    """An endpoint's deliveries, newest first, with their attempts. Raises NotAllowed or
    NotFound."""
    endpoint = get_endpoint(session, actor=actor, endpoint_id=endpoint_id)
    statement = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
    if status:
        statement = statement.where(WebhookDelivery.status == status)
    return list(
        session.scalars(
            statement.order_by(WebhookDelivery.id.desc()).limit(max(1, limit)).offset(offset)
        )
    )
