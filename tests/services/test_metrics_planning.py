"""Snapshot planning: each published publication gets its rollup and its seven points, once;
nothing for publications that did not go out; what happens to snapshots of a publication that
stops being published."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from campaigns.metrics import rules
from campaigns.metrics.collection import claim_due_snapshots
from campaigns.metrics.models import MetricSnapshot, PublicationMetrics
from campaigns.metrics.planning import plan_snapshots
from campaigns.social.models import Publication, PublicationStatus
from tests.collection_factories import more_published, published
from tests.social_factories import at_utc, create_channel

AT = at_utc(2027, 3, 2, 9, 0)


def snapshots_of(session, publication_id):
    return session.scalars(
        select(MetricSnapshot)
        .where(MetricSnapshot.publication_id == publication_id)
        .order_by(MetricSnapshot.due_at)
    ).all()


def test_a_published_publication_gets_its_rollup_and_each_point_once(session):
    channel = create_channel(session, kind="sandbox", audience_countries=["FR"])
    publication = published(
        session, channel, at=AT, platform_id="41", published_at=AT + timedelta(minutes=3)
    )

    assert plan_snapshots(session, now=AT + timedelta(minutes=4)) == 1
    assert plan_snapshots(session, now=AT + timedelta(minutes=5)) == 0

    rollup = session.get(PublicationMetrics, publication.id)
    assert rollup.campaign_id == publication.post.campaign_id
    assert rollup.post_id == publication.post_id
    assert rollup.channel_id == channel.id
    assert rollup.unit_id == channel.owner_unit_id
    assert rollup.channel_kind == "sandbox"
    assert rollup.language == publication.variant.language
    assert rollup.audience_country == publication.audience_country
    assert rollup.scheduled_at == AT
    assert rollup.published_at == AT + timedelta(minutes=3)
    assert rollup.on_time is True
    assert rollup.sandbox is True
    assert rollup.status == rules.TrackingStatus.TRACKING
    assert rollup.reach is None  # not measured yet: "not available", never 0

    snapshots = snapshots_of(session, publication.id)
    assert [(s.point, s.due_at) for s in snapshots] == rules.plan(AT + timedelta(minutes=3))
    assert all(s.status == "planned" and s.not_before == s.due_at for s in snapshots)


def test_a_publication_that_went_out_late_is_not_on_time(session):
    channel = create_channel(session, kind="x")
    publication = published(
        session, channel, at=AT, platform_id="1", published_at=AT + timedelta(minutes=6)
    )
    plan_snapshots(session, now=AT + timedelta(hours=1))
    rollup = session.get(PublicationMetrics, publication.id)
    assert rollup.on_time is False
    assert rollup.sandbox is False


def test_nothing_is_planned_for_publications_that_did_not_go_out(session):
    channel = create_channel(session, kind="x")
    template = published(session, channel, at=AT, platform_id="1")
    ids = more_published(session, template, ["2", "3", "4", "5"])
    for publication_id, status in zip(ids, ["failed", "dead", "held", "scheduled"], strict=True):
        session.get(Publication, publication_id).status = status
    session.flush()

    assert plan_snapshots(session, now=AT + timedelta(hours=1)) == 1
    planned = session.scalars(select(PublicationMetrics.publication_id)).all()
    assert planned == [template.id]
    assert session.scalar(select(func.count()).select_from(MetricSnapshot)) == 7


def test_planning_a_backlog_goes_in_chunks_and_plans_each_point_once(session):
    channel = create_channel(session, kind="x")
    template = published(session, channel, at=AT, platform_id="0")
    more_published(session, template, [str(n) for n in range(1, 2_500)])

    assert plan_snapshots(session, now=AT, limit=1_200) == 1_200
    assert plan_snapshots(session, now=AT) == 1_300
    assert plan_snapshots(session, now=AT) == 0
    assert session.scalar(select(func.count()).select_from(MetricSnapshot)) == 2_500 * 7
    per_point = session.execute(
        select(MetricSnapshot.point, func.count()).group_by(MetricSnapshot.point)
    ).all()
    assert dict(per_point) == {name: 2_500 for name, _ in rules.POINTS}


def test_snapshots_of_a_publication_no_longer_published_are_skipped_not_taken(session):
    channel = create_channel(session, kind="sandbox")
    publication = published(session, channel, at=AT, platform_id="7")
    plan_snapshots(session, now=AT)
    publication.status = PublicationStatus.CANCELLED
    session.flush()

    batches = claim_due_snapshots(session, worker_id="w1", now=AT + timedelta(hours=2))

    assert batches == []
    statuses = {
        s.point: (s.status, s.skipped_reason) for s in snapshots_of(session, publication.id)
    }
    assert statuses["15m"] == ("skipped", "unpublished")
    assert statuses["1h"] == ("skipped", "unpublished")
    assert statuses["6h"] == ("planned", "")  # not due yet: decided when it is
