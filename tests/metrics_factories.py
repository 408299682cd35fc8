"""Factories for measurement: a published publication with its rollup, and its snapshots,
written directly (collection is another area's job; these tests read what it leaves)."""

from __future__ import annotations

import hashlib
import itertools
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from campaigns.metrics.models import MetricSnapshot, PublicationMetrics
from campaigns.metrics.rules import POINT_DELAYS, SnapshotStatus
from campaigns.social.models import Channel, Post, Publication, PublicationStatus

_sequence = itertools.count(1)
_NOW = datetime(2026, 1, 1, tzinfo=UTC)


def publication(
    session: Session,
    post: Post,
    channel: Channel,
    scheduled_at: datetime,
    *,
    language: str = "en",
    status: str = PublicationStatus.SCHEDULED,
    published_at: datetime | None = None,
    country: str | None = None,
) -> Publication:
    """A publication row of ``post``'s ``language`` variant on ``channel``."""
    variant = post.variant(language)
    assert variant is not None, f"post has no {language} variant"
    number = next(_sequence)
    row = Publication(
        post_id=post.id,
        variant_id=variant.id,
        channel_id=channel.id,
        scheduled_at=scheduled_at,
        audience_zone="UTC",
        audience_country=country,
        misfire_deadline=scheduled_at,
        status=status,
        text=variant.text,
        fingerprint=hashlib.sha256(f"{number}".encode()).hexdigest(),
        published_at=published_at,
        platform_id=str(number) if published_at else None,
        created_at=_NOW,
        updated_at=_NOW,
    )
    session.add(row)
    session.flush()
    return row


def published(
    session: Session,
    post: Post,
    channel: Channel,
    published_at: datetime,
    *,
    language: str = "en",
    country: str | None = None,
    on_time: bool = True,
    sandbox: bool | None = None,
    **numbers: int | None,
) -> PublicationMetrics:
    """A published publication and its rollup with the latest ``numbers`` (reach, reactions,
    redistribution, conversation, saves, engagements; missing ones are not available)."""
    row = publication(
        session,
        post,
        channel,
        published_at,
        language=language,
        status=PublicationStatus.PUBLISHED,
        published_at=published_at,
        country=country,
    )
    metrics = PublicationMetrics(
        publication_id=row.id,
        campaign_id=post.campaign_id,
        post_id=post.id,
        channel_id=channel.id,
        unit_id=channel.owner_unit_id,
        channel_kind=channel.kind,
        language=language,
        audience_country=country,
        scheduled_at=published_at,
        published_at=published_at,
        on_time=on_time,
        sandbox=channel.kind == "sandbox" if sandbox is None else sandbox,
        measured_at=published_at,
        raw={},
        **numbers,
    )
    session.add(metrics)
    session.flush()
    return metrics


def snapshot(
    session: Session,
    metrics: PublicationMetrics,
    point: str,
    *,
    status: str = SnapshotStatus.TAKEN,
    late_seconds: int = 0,
    **numbers: int | None,
) -> MetricSnapshot:
    due = metrics.published_at + POINT_DELAYS[point]
    row = MetricSnapshot(
        publication_id=metrics.publication_id,
        campaign_id=metrics.campaign_id,
        channel_id=metrics.channel_id,
        point=point,
        due_at=due,
        not_before=due,
        status=status,
        taken_at=due if status == SnapshotStatus.TAKEN else None,
        late_seconds=late_seconds if status == SnapshotStatus.TAKEN else None,
        raw={},
        **numbers,
    )
    session.add(row)
    session.flush()
    return row
