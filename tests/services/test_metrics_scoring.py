"""Unit scoring against a criteria set: exact numbers and their explanation on a known data set
(tests/score_world.py), the ranking, no data, and who may see what."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from campaigns.errors import NotAllowed, NotFound
from campaigns.metrics import criteria, scoring
from campaigns.metrics.criteria import CriterionInput
from campaigns.metrics.scoring import Period
from campaigns.metrics.unit_report import coverage_lines
from campaigns.press.models import CoverageItem, CoverageStatus
from tests import metrics_factories
from tests.factories import create_person
from tests.press_factories import create_outlet
from tests.score_world import NOW, ZONE, build
from tests.social_factories import create_campaign, create_channel, create_post


def _by_measure(score):
    return {criterion.measure.key: criterion for criterion in score.criteria}


def _inputs(criterion):
    return {item.key: item.value for item in criterion.inputs}


def test_a_units_score_and_its_explanation(session):
    world = build(session)
    score = scoring.unit_score(
        session,
        actor=world.editor_alpha,
        criteria_set=world.criteria_set,
        unit=world.alpha,
        zone=ZONE,
        now=NOW,
    )
    by_measure = _by_measure(score)

    on_schedule = by_measure["posts_on_schedule"]
    assert _inputs(on_schedule) == {"on_time": 3, "late": 1, "missed": 1, "due": 5}
    assert on_schedule.achieved == pytest.approx(0.6)
    assert (on_schedule.weight, on_schedule.target, on_schedule.points) == (20, None, 12.0)
    assert "÷" in on_schedule.measure.formula

    rate = by_measure["engagement_rate"]
    assert _inputs(rate) == {"engagements": 200, "reach": 5000, "measured": 3, "published": 4}
    assert rate.achieved == pytest.approx(4.0)
    assert rate.ratio == pytest.approx(0.8)
    assert (rate.weight, rate.target, rate.points) == (30, 5.0, 24.0)

    coverage = by_measure["coverage_articles"]
    assert _inputs(coverage) == {"articles": 3}
    assert (coverage.ratio, coverage.points) == (0.75, 22.5)

    tasks = by_measure["planning_tasks_on_time"]
    assert _inputs(tasks) == {"on_time": 1, "late": 1, "open": 1, "due": 3}
    assert tasks.points == 6.67

    assert score.total == 65.17
    assert [c.measure.key for c in score.criteria] == [
        "posts_on_schedule",
        "engagement_rate",
        "coverage_articles",
        "planning_tasks_on_time",
    ]


def test_no_data_earns_no_points_and_says_so(session):
    world = build(session)
    score = scoring.unit_score(
        session,
        actor=world.admin,
        criteria_set=world.criteria_set,
        unit=world.beta,
        zone=ZONE,
        now=NOW,
    )
    by_measure = _by_measure(score)
    assert by_measure["posts_on_schedule"].no_data
    assert by_measure["posts_on_schedule"].note == scoring.NO_DATA
    assert by_measure["engagement_rate"].no_data
    assert by_measure["engagement_rate"].note == scoring.NO_REACH
    # Zero articles is a measurement, not a lack of data.
    assert not by_measure["coverage_articles"].no_data
    assert by_measure["coverage_articles"].achieved == 0
    assert score.total == 0


def test_ranking_orders_every_unit_with_shared_ranks(session):
    world = build(session)
    ranked = scoring.ranking(
        session, actor=world.coordinator, criteria_set=world.criteria_set, zone=ZONE, now=NOW
    )
    totals = {score.unit.code: (score.rank, score.total) for score in ranked}
    assert totals["alpha"] == (1, 65.17)
    assert totals["gamma"] == (2, 50.0)
    # Every other unit (beta and the factories' own) scores 0 and shares rank 3.
    assert totals["beta"] == (3, 0.0)
    assert {rank for code, (rank, total) in totals.items() if total == 0} == {3}
    assert ranked[0].unit.code == "alpha"


def test_ranking_and_unit_scores_agree(session):
    world = build(session)
    ranked = scoring.ranking(
        session, actor=world.admin, criteria_set=world.criteria_set, zone=ZONE, now=NOW
    )
    for entry in ranked:
        alone = scoring.unit_score(
            session,
            actor=world.admin,
            criteria_set=world.criteria_set,
            unit=entry.unit,
            zone=ZONE,
            now=NOW,
        )
        assert alone.total == entry.total
        assert [c.inputs for c in alone.criteria] == [c.inputs for c in entry.criteria]


def test_other_measures_against_targets(session):
    world = build(session)
    criteria.update_criteria_set(
        session,
        actor=world.admin,
        now=NOW,
        criteria_set=world.criteria_set,
        name="Volume",
        period_start=date(2026, 3, 1),
        period_end=date(2026, 3, 31),
        criteria=[
            CriterionInput("posts_published", 25, "8"),
            CriterionInput("reach", 25, "2500"),
            CriterionInput("engagements", 25, "400"),
            CriterionInput("trips_held", 25, "1"),
        ],
    )
    score = scoring.unit_score(
        session,
        actor=world.admin,
        criteria_set=world.criteria_set,
        unit=world.alpha,
        zone=ZONE,
        now=NOW,
    )
    by_measure = _by_measure(score)
    assert by_measure["posts_published"].achieved == 4
    assert by_measure["posts_published"].points == 12.5
    assert by_measure["reach"].achieved == 5000  # above target: full marks, never more
    assert by_measure["reach"].points == 25
    assert by_measure["engagements"].achieved == 210
    assert by_measure["engagements"].points == 13.13
    assert by_measure["trips_held"].achieved == 0  # its trip is a draft
    assert score.total == 50.63


def test_an_editor_sees_only_their_own_units_score(session):
    world = build(session)
    with pytest.raises(NotAllowed):
        scoring.unit_score(
            session,
            actor=world.editor_beta,
            criteria_set=world.criteria_set,
            unit=world.alpha,
            zone=ZONE,
            now=NOW,
        )
    for person in (world.editor_alpha, world.viewer_alpha):
        with pytest.raises(NotAllowed):
            scoring.ranking(
                session, actor=person, criteria_set=world.criteria_set, zone=ZONE, now=NOW
            )
    own = scoring.own_unit_score(
        session, actor=world.viewer_alpha, criteria_set=world.criteria_set, zone=ZONE, now=NOW
    )
    assert own.unit.code == "alpha" and own.total == 65.17


def test_a_person_without_a_unit_has_no_own_score(session):
    world = build(session)
    admin = create_person(session, "coordinator")
    with pytest.raises(NotFound):
        scoring.own_unit_score(
            session, actor=admin, criteria_set=world.criteria_set, zone=ZONE, now=NOW
        )


def test_a_planning_task_whose_day_has_not_come_is_not_due_yet(session):
    world = build(session)
    score = scoring.unit_score(
        session,
        actor=world.admin,
        criteria_set=world.criteria_set,
        unit=world.alpha,
        zone=ZONE,
        now=datetime(2026, 3, 7, 3, 0, tzinfo=UTC),
    )
    tasks = _by_measure(score)["planning_tasks_on_time"]
    # 1 and 5 March are due (one on time, one late); 8 March has not come.
    assert _inputs(tasks) == {"on_time": 1, "late": 1, "open": 0, "due": 2}
    assert tasks.points == 10.0
    # The publication held on 10 March is not due yet either.
    assert _inputs(_by_measure(score)["posts_on_schedule"])["missed"] == 0


def test_a_ranking_reuses_its_numbers_for_the_cache_lifetime_only(session):
    world = build(session)
    cache = scoring.FiguresCache(seconds=60)

    def alpha_total(now):
        ranked = scoring.ranking(
            session,
            actor=world.admin,
            criteria_set=world.criteria_set,
            zone=ZONE,
            now=now,
            cache=cache,
        )
        return next(score.total for score in ranked if score.unit.code == "alpha")

    assert alpha_total(NOW) == 65.17
    metrics_factories.published(
        session,
        create_post(session, campaign=create_campaign(session, owner_unit=world.alpha)),
        create_channel(session, owner_unit=world.alpha),
        datetime(2026, 3, 20, 9, tzinfo=UTC),
        reach=100_000,
        engagements=0,
    )
    assert alpha_total(NOW + timedelta(seconds=30)) == 65.17  # the same numbers, reused
    # A changed weight applies at once: only the numbers are kept.
    world.criteria_set.criteria[0].weight = 10
    world.criteria_set.criteria[2].weight = 40
    assert alpha_total(NOW + timedelta(seconds=31)) == 6 + 24 + 30 + 6.67
    # After a minute, the new publication counts (one more on time, the rate falls).
    assert alpha_total(NOW + timedelta(seconds=61)) != 66.67


def test_the_unit_report_reckons_an_articles_reach_as_the_campaign_report_does(session):
    # An article without its own estimate counts its outlet's, in the lines and the total.
    world = build(session)
    campaign = create_campaign(session, owner_unit=world.alpha)
    outlet = create_outlet(session, estimated_reach=2_000_000)
    session.add(
        CoverageItem(
            url="https://news.example/outlet-only",
            normalised_url="https://news.example/outlet-only",
            status=CoverageStatus.FOUND,
            published_on=date(2026, 3, 10),
            campaign_id=campaign.id,
            outlet_id=outlet.id,
            headline="Known only by its outlet",
            created_at=NOW,
            updated_at=NOW,
        )
    )
    session.flush()

    lines, count, reach = coverage_lines(
        session, world.alpha, Period(date(2026, 3, 10), date(2026, 3, 10), ZONE)
    )

    assert count == 1 and reach == 2_000_000
    assert [line.reach for line in lines] == [2_000_000]
