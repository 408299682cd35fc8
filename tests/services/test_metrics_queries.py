"""Campaign KPIs on a known data set, with exact numbers; "not available" is not 0."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from campaigns.metrics import queries
from campaigns.metrics.queries import Range
from campaigns.org.models import Unit
from tests.metrics_factories import known_campaign, published, snapshot
from tests.social_factories import create_campaign, create_channel, create_post

DECEMBER = Range(date(2026, 12, 1), date(2026, 12, 3), "Asia/Ho_Chi_Minh")
NOW = datetime(2026, 12, 10, tzinfo=UTC)


@pytest.fixture
def data(session):
    return known_campaign(session)


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
    trip, direct = coverage.by_trip
    assert (trip.articles, trip.reach.value) == (1, 5000) and trip.trip_id is not None
    assert direct.trip_id is None and direct.articles == 2
    assert direct.reach == queries.Measure(10000, 1, 2)
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


def test_the_overview_in_one_pass_equals_the_separate_queries(session, data) -> None:
    everything = queries.overview(session, data, DECEMBER)
    assert everything.total == queries.summary(session, data, DECEMBER, now=NOW).figures
    assert everything.days == queries.daily(session, data, DECEMBER)
    for by in (*queries.BREAKDOWNS, "kind"):
        assert everything.groups[by] == queries.breakdown(session, data, DECEMBER, by), by
    assert everything.top == queries.top_posts(session, data, DECEMBER)
    assert everything.posts == 2
    empty = Range(date(2030, 1, 1), date(2030, 1, 2), "Asia/Ho_Chi_Minh")
    nothing = queries.overview(session, data, empty)
    assert nothing.total.publications == 0 and nothing.total.reach.value is None
    assert nothing.posts == 0 and nothing.top == [] and nothing.groups["channel"] == []


def test_the_report_reuses_figures_for_a_minute_and_targets_at_once(session, data) -> None:
    from datetime import timedelta

    from campaigns.metrics import reports
    from campaigns.metrics.scoring import FiguresCache
    from tests.metrics_factories import published

    cache = FiguresCache(60)
    first = reports.campaign_report(session, data, DECEMBER, now=NOW, cache=cache)
    assert first.summary.figures.publications == 4
    post = data.posts[0]
    channel = post.publications[0].channel
    published(session, post, channel, datetime(2026, 12, 2, 5, tzinfo=UTC), reach=1)
    data.kpi_targets = {"posts": 1}
    again = reports.campaign_report(session, data, DECEMBER, now=NOW, cache=cache)
    assert again.summary.figures.publications == 4  # the same figures, a moment later
    assert {line.key: line.target for line in again.summary.progress}["posts"] == 1
    later = reports.campaign_report(
        session, data, DECEMBER, now=NOW + timedelta(seconds=61), cache=cache
    )
    assert later.summary.figures.publications == 5


def _fresh_campaign(session):
    campaign = create_campaign(session)
    x = create_channel(session, "x", name="X")
    telegram = create_channel(session, "telegram", name="Telegram", language="vi")
    return campaign, x, telegram, lambda title: create_post(session, campaign, title=title)


def test_a_language_is_judged_on_publications_that_give_both_numbers(session) -> None:
    # en went out on X (50 of 1,000) and on Telegram (500 reactions, no reach); vi on X only
    # (100 of 1,000). Telegram's engagements must not inflate en's rate: vi did better.
    campaign, x, telegram, new_post = _fresh_campaign(session)
    post = new_post("Both languages")
    at = datetime(2026, 12, 1, 2, tzinfo=UTC)
    en_x = published(session, post, x, at, reach=1000, engagements=50)
    en_telegram = published(session, post, telegram, at, engagements=500)
    vi_x = published(session, post, x, at, language="vi", reach=1000, engagements=100)
    snapshot(session, en_x, "24h", reach=1000, engagements=50)
    snapshot(session, en_telegram, "24h", engagements=500)
    snapshot(session, vi_x, "24h", reach=1000, engagements=100)

    (comparison,) = queries.variant_comparison(session, campaign, DECEMBER)

    assert comparison.best == "vi"
    en = next(result for result in comparison.variants if result.language == "en")
    assert (en.reach, en.engagements, en.rate) == (1000, 550, 0.05)


def test_a_fixed_point_taken_long_after_its_instant_is_left_out_of_comparisons(session) -> None:
    # After an outage the 24 h point was taken a week late: it holds a later value.
    campaign, x, _, new_post = _fresh_campaign(session)
    post = new_post("After the outage")
    at = datetime(2026, 12, 1, 2, tzinfo=UTC)
    en = published(session, post, x, at, reach=1000, engagements=50)
    vi = published(session, post, x, at, language="vi", reach=1000, engagements=10)
    snapshot(session, en, "24h", reach=900, engagements=45, late_seconds=7 * 86400)
    snapshot(session, vi, "24h", reach=100, engagements=2, late_seconds=60)

    assert queries.variant_comparison(session, campaign, DECEMBER) == []


def test_on_time_never_exceeds_due_at_the_start_of_a_range(session) -> None:
    # Scheduled 23:58 on 30 November in Ha Noi, out at 00:01 on 1 December: in the range.
    campaign, x, _, new_post = _fresh_campaign(session)
    metrics = published(
        session, new_post("Just before midnight"), x, datetime(2026, 11, 30, 17, 1, tzinfo=UTC)
    )
    metrics.scheduled_at = datetime(2026, 11, 30, 16, 58, tzinfo=UTC)
    session.flush()

    summary = queries.summary(session, campaign, DECEMBER, now=NOW)

    assert (summary.figures.on_time, summary.due) == (1, 1)


def test_units_are_named_in_the_readers_language(session, data) -> None:
    for groups in (
        queries.breakdown(session, data, DECEMBER, "unit"),
        queries.overview(session, data, DECEMBER).groups["unit"],
    ):
        for group in groups:
            unit = session.get(Unit, int(group.key))
            assert (group.label_in("en"), group.label_in("vi")) == (unit.name_en, unit.name_vi)


def test_the_default_range_of_a_very_long_campaign_is_its_last_400_days(session) -> None:
    campaign = create_campaign(session)
    campaign.starts_on, campaign.ends_on = date(1900, 1, 1), date(2200, 12, 31)

    period = queries.default_range(campaign, "Asia/Ho_Chi_Minh", date(2026, 12, 7))

    assert period.end == date(2026, 12, 7)
    assert len(period.days()) == queries.MAX_RANGE_DAYS
