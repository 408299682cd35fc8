"""Factories for measurement: a published publication with its rollup, and its snapshots,
written directly (collection is another area's job; these tests read what it leaves)."""

from __future__ import annotations

import hashlib
import itertools
from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from campaigns.metrics.models import MetricSnapshot, PublicationMetrics
from campaigns.metrics.rules import POINT_DELAYS, SnapshotStatus
from campaigns.press.models import CoverageItem
from campaigns.social.models import Campaign, Channel, Post, Publication, PublicationStatus
from tests.press_factories import create_outlet, create_trip
from tests.social_factories import create_campaign, create_channel, create_post

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


# --- a known data set: the numbers tests/services/test_metrics_queries.py checks ---------------

KNOWN_NOW = datetime(2026, 12, 10, tzinfo=UTC)


def _utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12 if day > 0 else 11, day if day > 0 else 30, hour, minute, tzinfo=UTC)


def _coverage(session: Session, campaign: Campaign, number: int, **fields) -> CoverageItem:
    item = CoverageItem(
        url=f"https://news.example/{number}",
        normalised_url=f"news.example/{number}",
        created_at=KNOWN_NOW,
        updated_at=KNOWN_NOW,
        **fields,
    )
    session.add(item)
    session.flush()
    return item


def known_campaign(session: Session) -> Campaign:
    """Four publications in the range (one on sandbox, one on Telegram without reach), one
    outside it, coverage through the campaign and through its trip."""
    campaign = create_campaign(
        session,
        kpi_targets={"posts": 4, "impressions": 1000, "engagements": 100, "coverage_articles": 2},
    )
    x = create_channel(session, "x", name="X EN")
    telegram = create_channel(session, "telegram", name="Telegram VI", language="vi")
    sandbox = create_channel(session, "sandbox", name="Sandbox")
    post_a = create_post(session, campaign, title="Post A")
    post_b = create_post(session, campaign, title="Post B")
    post_c = create_post(session, campaign, title="Post C")
    # 09:00 on 1 December in Ha Noi.
    p1 = published(session, post_a, x, _utc(1, 2), country="US", reach=1000, engagements=50)
    p2 = published(session, post_a, telegram, _utc(1, 2), language="vi", engagements=20)
    # 01:00 on 3 December in Ha Noi (still 2 December in UTC): late.
    p3 = published(session, post_b, x, _utc(2, 18), on_time=False, reach=500, engagements=10)
    # 00:30 on 1 December in Ha Noi (30 November in UTC): a sandbox zero is a number.
    p5 = published(session, post_b, sandbox, _utc(0, 17, 30), language="vi", reach=0, engagements=0)
    # 08:00 on 4 December in Ha Noi: outside the range.
    published(session, post_c, x, _utc(4, 1), reach=9999, engagements=999)
    # Due in the range but not published (held), and one cancelled, which is not due.
    publication(session, post_c, x, _utc(2, 3), status=PublicationStatus.HELD)
    publication(session, post_c, telegram, _utc(2, 3), language="vi", status="cancelled")
    snapshot(session, p1, "24h", reach=800, engagements=40)
    snapshot(session, p2, "24h", engagements=30)
    snapshot(session, p3, "24h", reach=400, engagements=4)
    snapshot(session, p5, "24h", reach=100, engagements=5)
    snapshot(session, p1, "1h", reach=10, engagements=1)
    trip = create_trip(session)
    trip.campaign_id = campaign.id
    outlet = create_outlet(session, estimated_reach=5000)
    _coverage(
        session,
        campaign,
        1,
        campaign_id=campaign.id,
        status="found",
        published_on=date(2026, 12, 2),
        estimated_reach=10000,
        tone="positive",
    )
    _coverage(
        session,
        campaign,
        2,
        trip_id=trip.id,
        outlet_id=outlet.id,
        status="verified",
        published_on=date(2026, 12, 3),
        tone="neutral",
    )
    _coverage(
        session,
        campaign,
        3,
        campaign_id=campaign.id,
        status="expected",
        published_on=date(2026, 12, 2),
        estimated_reach=7,
    )
    _coverage(
        session,
        campaign,
        4,
        campaign_id=campaign.id,
        status="found",
        published_on=date(2026, 12, 1),
    )
    _coverage(
        session,
        campaign,
        5,
        campaign_id=campaign.id,
        status="found",
        published_on=date(2026, 12, 9),
        estimated_reach=1,
    )
    session.flush()
    return campaign
