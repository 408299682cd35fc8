"""The measurement demo: a fresh demo has a measured campaign with a published history on the
sandbox channels, snapshots taken with sandbox figures, and the future ones planned."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from campaigns.demo import load_demo_data
from campaigns.metrics import queries
from campaigns.metrics.demo import NAME_EN
from campaigns.metrics.models import MetricSnapshot, PublicationMetrics
from campaigns.metrics.sandbox import sandbox_reading
from campaigns.social.models import Campaign, Publication


def test_a_fresh_demo_has_a_measured_history_in_sandbox_figures(session, now):
    load_demo_data(session, now=now)
    session.flush()

    campaign = session.scalar(select(Campaign).where(Campaign.name_en == NAME_EN))
    rollups = session.scalars(
        select(PublicationMetrics).where(PublicationMetrics.campaign_id == campaign.id)
    ).all()
    assert len(rollups) >= 40
    assert all(rollup.sandbox and rollup.channel_kind == "sandbox" for rollup in rollups)
    assert {rollup.language for rollup in rollups} == {"vi", "en"}
    assert any(not rollup.on_time for rollup in rollups) and any(r.on_time for r in rollups)
    assert Counter(r.status for r in rollups)["done"] > 0
    assert all(rollup.reach and rollup.reach > 0 for rollup in rollups)

    snapshots = session.scalars(
        select(MetricSnapshot).where(MetricSnapshot.campaign_id == campaign.id)
    ).all()
    taken = [s for s in snapshots if s.status == "taken"]
    assert {s.point for s in taken} >= {"1h", "24h", "7d", "30d"}
    assert all(s.taken_at <= now and s.late_seconds is not None for s in taken)
    assert all(s.due_at > now for s in snapshots if s.status == "planned")
    sample = taken[0]
    publication = session.get(Publication, sample.publication_id)
    expected = sandbox_reading(
        publication.platform_id, published_at=publication.published_at, at=sample.taken_at
    )
    assert (sample.reach, sample.engagements) == (expected.reach, expected.engagements)
    assert sample.raw["sandbox"] is True
    # Last month's press tour was part of the campaign: its coverage shows on the dashboard.
    period = queries.default_range(campaign, "Asia/Ho_Chi_Minh", now.date())
    coverage = queries.coverage(session, campaign, period)
    assert coverage.articles > 0 and coverage.reach.value and len(coverage.tone) > 1


def test_the_measured_history_is_loaded_once(session, now):
    load_demo_data(session, now=now)
    session.flush()
    count = session.scalar(select(func.count()).select_from(MetricSnapshot))
    load_demo_data(session, now=now)
    session.flush()
    assert session.scalar(select(func.count()).select_from(MetricSnapshot)) == count
