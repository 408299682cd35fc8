"""Campaign KPIs on a known data set, with exact numbers; "not available" is not 0."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from campaigns.metrics import queries
from campaigns.metrics.queries import Range
from campaigns.press.models import CoverageItem
from campaigns.social.models import PublicationStatus
from tests.metrics_factories import publication, published, snapshot
from tests.press_factories import create_outlet, create_trip
from tests.social_factories import create_campaign, create_channel, create_post

DECEMBER = Range(date(2026, 12, 1), date(2026, 12, 3), "Asia/Ho_Chi_Minh")
NOW = datetime(2026, 12, 10, tzinfo=UTC)


def _utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12 if day > 0 else 11, day if day > 0 else 30, hour, minute, tzinfo=UTC)


def _coverage(session, campaign, number: int, **fields) -> CoverageItem:
    item = CoverageItem(
        url=f"https://news.example/{number}",
        normalised_url=f"news.example/{number}",
        created_at=NOW,
        updated_at=NOW,
        **fields,
    )
    session.add(item)
    session.flush()
    return item


@pytest.fixture
def data(session):
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


def test_summary_adds_up_in_sql(session, data) -> None:
    summary = queries.summary(session, data, DECEMBER, now=NOW)
    figures = summary.figures
    assert figures.publications == 4
    assert figures.on_time == 3
    assert summary.posts == 2
    assert summary.due == 5
    assert figures.reach == queries.Measure(1500, 3, 4)
    assert figures.reach.partial
    assert figures.engagements == queries.Measure(80, 4, 4)
    assert not figures.engagements.partial
    # Only where both numbers exist: (50 + 10 + 0) / (1000 + 500 + 0).
    assert figures.rate.value == pytest.approx(0.04)
    assert figures.rate.available == 3
    assert figures.sandbox == 1 and summary.sandbox
    coverage = summary.coverage
    assert coverage.articles == 3
    assert coverage.reach == queries.Measure(15000, 2, 3)
    assert coverage.tone == {"positive": 1, "neutral": 1, "unknown": 1}
    progress = {line.key: line for line in summary.progress}
    assert progress["posts"].actual == 2 and progress["posts"].share == 0.5
    assert progress["impressions"].share == 1.5 and progress["impressions"].partial
    assert progress["engagements"].share == 0.8
    assert progress["coverage_articles"].share == 1.5
    assert progress["engagement_rate"].target is None
    assert progress["engagement_rate"].actual == pytest.approx(4.0)


def test_not_available_is_none_and_zero_is_zero(session, data) -> None:
    by_channel = {
        group.label: group.figures
        for group in queries.breakdown(session, data, DECEMBER, "channel")
    }
    assert by_channel["Telegram VI"].reach == queries.Measure(None, 0, 1)
    assert by_channel["Telegram VI"].rate.value is None
    assert by_channel["Sandbox"].reach == queries.Measure(0, 1, 1)
    assert by_channel["Sandbox"].sandbox == 1


def test_range_selection(session, data) -> None:
    first_day = Range(date(2026, 12, 1), date(2026, 12, 1), "Asia/Ho_Chi_Minh")
    summary = queries.summary(session, data, first_day, now=NOW)
    assert summary.figures.publications == 3
    assert summary.figures.reach.value == 1000
    assert summary.coverage.articles == 1
    # The same instants in UTC days: 30 November's sandbox post falls out, 4 December's is in.
    utc = Range(date(2026, 12, 1), date(2026, 12, 4), "UTC")
    assert queries.summary(session, data, utc, now=NOW).figures.reach.value == 1000 + 500 + 9999


def test_daily_series_on_the_ranges_clock(session, data) -> None:
    days = queries.daily(session, data, DECEMBER)
    assert [day.day for day in days] == DECEMBER.days()
    assert [day.publications for day in days] == [3, 0, 1]
    assert [day.reach.value for day in days] == [1000, None, 500]
    assert [day.engagements.value for day in days] == [70, None, 10]
    assert days[0].reach.partial


def test_breakdowns(session, data) -> None:
    by_language = {
        group.key: group.figures for group in queries.breakdown(session, data, DECEMBER, "language")
    }
    assert by_language["en"].reach.value == 1500 and by_language["en"].engagements.value == 60
    assert by_language["vi"].reach == queries.Measure(0, 1, 2)
    assert by_language["vi"].engagements.value == 20
    by_country = {
        g.key: g.figures.publications for g in queries.breakdown(session, data, DECEMBER, "country")
    }
    assert by_country == {"US": 1, "": 3}
    units = queries.breakdown(session, data, DECEMBER, "unit")
    assert sum(group.figures.publications for group in units) == 4


def test_top_posts(session, data) -> None:
    top = queries.top_posts(session, data, DECEMBER)
    assert [(post.title, post.engagements.value, post.reach.value) for post in top] == [
        ("Post A", 70, 1000),
        ("Post B", 10, 500),
    ]
    assert top[0].reach.partial and top[1].sandbox


def test_which_language_did_best_at_24h(session, data) -> None:
    comparisons = {c.title: c for c in queries.variant_comparison(session, data, DECEMBER)}
    a, b = comparisons["Post A"], comparisons["Post B"]
    # Post A: en 40 / 800 = 5 %; vi has no reach on Telegram, so en's rate wins.
    assert a.best == "en"
    assert [(v.language, v.reach, v.engagements) for v in a.variants] == [
        ("en", 800, 40),
        ("vi", None, 30),
    ]
    # Post B: en 4 / 400 = 1 %, vi 5 / 100 = 5 %.
    assert b.best == "vi"
    assert b.point == "24h"
    assert queries.variant_comparison(session, data, DECEMBER, point="1h") == []


def test_post_numbers_give_fixed_points(session, data) -> None:
    post = data.posts[0]
    numbers = queries.post_numbers(session, post)
    assert len(numbers) == 2
    en = next(n for n in numbers.values() if n.metrics.language == "en")
    assert set(en.points) == {"1h", "24h"}
    assert en.points["24h"].reach == 800
