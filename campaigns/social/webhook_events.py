"""What the social area tells other systems (``campaigns.webhooks``): a publication published,
dead or held, a post cleared. Called where the state changes, in the same transaction.

The data are ids, statuses, public links and the post's working title, never a text under
review, a credential or a platform's error message (only its class).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from campaigns import webhooks
from campaigns.social.models import Post, Publication
from campaigns.social.notifications import post_link


def publication_data(publication: Publication) -> dict[str, Any]:
    """A publication as a webhook tells it (its columns only: nothing more is loaded)."""
    return {
        "publication": {
            "id": publication.id,
            "post_id": publication.post_id,
            "channel_id": publication.channel_id,
            "status": publication.status,
            "scheduled_at": publication.scheduled_at,
            "published_at": publication.published_at,
            "url": publication.url,
            "platform_id": publication.platform_id,
            "held_reason": publication.held_reason,
            "error_kind": publication.last_error_kind,
        },
        "links": {"post": post_link(publication.post_id)},
    }


def publications_changed(
    session: Session, event_type: str, publications: Sequence[Publication], *, now: datetime
) -> None:
    """Queue ``event_type`` for each of ``publications`` (one statement for them all)."""
    webhooks.enqueue_many(
        session, [(event_type, publication_data(p)) for p in publications], now=now
    )


def post_cleared(session: Session, post: Post, *, now: datetime) -> None:
    """Queue ``post.cleared`` for ``post``."""
    webhooks.enqueue(
        session,
        event_type=webhooks.EventType.POST_CLEARED,
        data={
            "post": {
                "id": post.id,
                "title": post.title,
                "campaign_id": post.campaign_id,
                "status": post.status,
                "version": post.version,
                "cleared_at": post.approved_at,
                "cleared_by_id": post.approved_by_id,
            },
            "links": {"post": post_link(post)},
        },
        now=now,
    )
