"""Calendar-feed links: signed per-person tokens, and resetting them.

A feed link carries ``<person id>-<signature>``, the signature being an HMAC of the person's id
and their ``feed_key`` under the application's secret key. Nothing is stored per link: a new
``feed_key`` ("reset my feed links") makes every old signature wrong, and so does a new secret.
Calendar apps fetch feeds without a session, so the token is the only credential they carry.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime

from sqlalchemy.orm import Session

from campaigns.audit import record_change, snapshot
from campaigns.db import parse_id
from campaigns.org.models import Person
from campaigns.permissions import require
from campaigns.signing import link_signature


def _signature(secret: str, person_id: int, feed_key: str) -> str:
    return link_signature(secret, "herald-calendar-feed", person_id, feed_key)


def sign_feed_token(secret: str, person_id: int, feed_key: str) -> str:
    """The token that goes into a person's feed URLs."""
    if not secret:
        raise ValueError("a secret key is required to sign feed links")
    return f"{person_id}-{_signature(secret, person_id, feed_key)}"


def feed_token_person_id(token: str) -> int | None:
    """Whose token this claims to be (unverified), or None when it is not shaped like one."""
    person_id, separator, signature = token.partition("-")
    if not separator or not signature:
        return None
    return parse_id(person_id)


def verify_feed_token(secret: str, token: str, person_id: int, feed_key: str) -> bool:
    """True when ``token`` was signed for this person and this feed key (constant-time)."""
    if not secret or feed_token_person_id(token) != person_id:
        return False
    return hmac.compare_digest(
        token.encode(), sign_feed_token(secret, person_id, feed_key).encode()
    )


def person_for_feed_token(session: Session, *, secret: str, token: str) -> Person | None:
    """The active person a feed token belongs to; None for a forged, revoked or dead token."""
    person_id = feed_token_person_id(token)
    if person_id is None:
        return None
    person = session.get(Person, person_id)
    if person is None or not person.active:
        return None
    if not verify_feed_token(secret, token, person.id, person.feed_key):
        return None
    return person


def reset_feed_links(session: Session, *, actor: Person, now: datetime) -> Person:
    """Give the actor a new feed key: every feed link they handed out stops working (404).

    Raises NotAllowed when the actor may not use feeds.
    """
    require(actor, "feeds.use")
    before = snapshot(actor)
    actor.feed_key = secrets.token_urlsafe(24)
    actor.updated_at = now
    session.flush()
    # The key itself stays out of the audit log (Person.__audit_exclude__); the entry says when.
    record_change(
        session,
        actor=actor,
        now=now,
        action="feed_links_reset",
        target=actor,
        before=before,
        comment="calendar feed links reset",
    )
    return actor
