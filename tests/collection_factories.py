"""Factories for collection: published publications (one, or many at once) on a channel, without rollups (planning makes them)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from campaigns.social.models import Channel, Publication, PublicationStatus
from tests.social_factories import scheduled_post


def published(
    session: Session,
    channel: Channel,
    *,
    at: datetime,
    platform_id: str,
    published_at: datetime | None = None,
    **fields,
) -> Publication:
    """A cleared post scheduled on ``channel`` at ``at`` that went out at ``published_at``
    (default: on time) as ``platform_id``."""
    post = scheduled_post(session, [channel], at=at, now=at - timedelta(days=1), **fields)
    publication = post.publications[0]
    publication.status = PublicationStatus.PUBLISHED
    publication.platform_id = platform_id
    publication.published_at = published_at or at
    publication.url = f"https://example.org/{platform_id}"
    session.flush()
    return publication


def more_published(session: Session, template: Publication, platform_ids: list[str]) -> list[int]:
    """Copies of ``template`` (same post, variant, channel, instants), one per platform id, in
    one statement; returns their ids."""
    columns = {
        column.key: getattr(template, column.key)
        for column in Publication.__table__.columns
        if column.key != "id"
    }
    rows = [{**columns, "platform_id": platform_id} for platform_id in platform_ids]
    session.execute(insert(Publication), rows)
    session.flush()
    return list(
        session.scalars(select(Publication.id).where(Publication.platform_id.in_(platform_ids)))
    )
