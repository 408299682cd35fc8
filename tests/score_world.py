"""A known data set for unit scoring, with the numbers every test of scoring expects.

Period: March 2026 on Hanoi's wall clock (UTC+7), so it runs from 28 Feb 17:00 UTC to
31 Mar 17:00 UTC. ``NOW`` is 10 April 2026, after the period (as for the web tests, which run at today's date).

Unit A ("alpha"):
- publications scheduled in March: 4 published (3 on time, 1 late; one of them at 01:00 on
  1 March in Hanoi, 18:00 UTC the day before) and 1 held → 3 on time of 5 due = 60 %;
- engagement rate over the 3 with reach and engagements: (50 + 90 + 60) ÷ (1,000 + 3,000 +
  1,000) = 4 % against a target of 5 % → 0.8; the late one (reach not available) counts nowhere;
- one more published at 00:30 on 1 April in Hanoi: outside the period;
- coverage: 2 found articles of its campaign, 1 verified article of its trip that is also of its
  campaign (counted once), 1 still expected (not counted) → 3 articles against 4 → 0.75;
- planning tasks in March: 1 done on time, 1 done late, 1 open after its day, 1 whose day has
  is in April → 1 of 3 = 33.3 %.
Points: 20 × 0.6 = 12; 30 × 0.8 = 24; 30 × 0.75 = 22.5; 20 × 1/3 = 6.67 → 65.17.

Unit C ("gamma"): 1 publication on time, reach 100, engagements 10 (rate 10 % ≥ 5 %): 20 + 30;
no coverage (0 of 4: 0 points), no planning task due (no data: 0 points) → 50.

Unit B ("beta"): nothing at all → 0 (no data everywhere, 0 coverage articles).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from campaigns.calendar.models import PlanningTask
from campaigns.metrics import criteria
from campaigns.metrics.criteria import CriterionInput
from campaigns.metrics.models import CriteriaSet
from campaigns.org.models import Person, Unit
from campaigns.press.models import CoverageItem, CoverageStatus
from campaigns.social.models import PublicationStatus
from tests import metrics_factories
from tests.factories import create_anniversary, create_person, create_unit
from tests.press_factories import create_trip
from tests.social_factories import create_campaign, create_channel, create_post

NOW = datetime(2026, 4, 10, 3, 0, tzinfo=UTC)
ZONE = "Asia/Ho_Chi_Minh"
_CREATED = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass
class World:
    alpha: Unit
    beta: Unit
    gamma: Unit
    admin: Person
    coordinator: Person
    editor_alpha: Person
    editor_beta: Person
    viewer_alpha: Person
    criteria_set: CriteriaSet


def at(year, month, day, hour=0, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def _coverage(session, number, status, published_on, campaign=None, trip=None):
    session.add(
        CoverageItem(
            url=f"https://news.example/{number}",
            normalised_url=f"https://news.example/{number}",
            status=status,
            published_on=published_on,
            campaign_id=campaign.id if campaign else None,
            trip_id=trip.id if trip else None,
            headline=f"Article {number}",
            estimated_reach=1000 * number,
            created_at=_CREATED,
            updated_at=_CREATED,
        )
    )


def _task(session, unit, anniversary, day, done_at=None):
    session.add(
        PlanningTask(
            anniversary_id=anniversary.id,
            occurrence_date=day,
            tier="major",
            unit_id=unit.id,
            title_vi=f"Chuẩn bị {day}",
            title_en=f"Prepare {day}",
            status="done" if done_at else "open",
            created_at=_CREATED,
            done_at=done_at,
        )
    )


def build(session: Session) -> World:
    alpha = create_unit(session, "alpha", name_en="Alpha mission", name_vi="Cơ quan Alpha")
    beta = create_unit(session, "beta", name_en="Beta mission", name_vi="Cơ quan Beta")
    gamma = create_unit(session, "gamma", name_en="Gamma mission", name_vi="Cơ quan Gamma")
    admin = create_person(session, "admin")
    coordinator = create_person(session, "coordinator")
    editor_alpha = create_person(session, "editor", unit=alpha)
    editor_beta = create_person(session, "editor", unit=beta)
    viewer_alpha = create_person(session, "viewer", unit=alpha)

    campaign_a = create_campaign(session, owner_unit=alpha)
    post_a = create_post(session, campaign=campaign_a, author=editor_alpha)
    channel_a = create_channel(session, owner_unit=alpha)
    publish = metrics_factories.published
    publish(session, post_a, channel_a, at(2026, 3, 2, 9), reach=1000, engagements=50)
    publish(session, post_a, channel_a, at(2026, 3, 5, 9), reach=3000, engagements=90)
    publish(session, post_a, channel_a, at(2026, 3, 6, 9), on_time=False, engagements=10)
    publish(session, post_a, channel_a, at(2026, 2, 28, 18), reach=1000, engagements=60)
    publish(session, post_a, channel_a, at(2026, 3, 31, 17, 30), reach=9000, engagements=900)
    metrics_factories.publication(
        session, post_a, channel_a, at(2026, 3, 10, 9), status=PublicationStatus.HELD
    )
    metrics_factories.publication(
        session, post_a, channel_a, at(2026, 3, 11, 9), status=PublicationStatus.CANCELLED
    )

    trip_a = create_trip(session, host=alpha, start=date(2026, 3, 1), days=3)
    _coverage(session, 1, CoverageStatus.FOUND, date(2026, 3, 3), campaign=campaign_a)
    _coverage(session, 2, CoverageStatus.FOUND, date(2026, 3, 31), campaign=campaign_a)
    _coverage(
        session, 3, CoverageStatus.VERIFIED, date(2026, 3, 4), campaign=campaign_a, trip=trip_a
    )
    _coverage(session, 4, CoverageStatus.EXPECTED, date(2026, 3, 4), campaign=campaign_a)
    _coverage(session, 5, CoverageStatus.FOUND, date(2026, 4, 1), campaign=campaign_a)

    anniversary = create_anniversary(session)
    # Done at 23:00 on 1 March in Hanoi (16:00 UTC): on its day, on time.
    _task(session, alpha, anniversary, date(2026, 3, 1), done_at=at(2026, 3, 1, 16))
    # Done at 08:00 on 6 March in Hanoi (01:00 UTC), the day after: late.
    _task(session, alpha, anniversary, date(2026, 3, 5), done_at=at(2026, 3, 6, 1))
    _task(session, alpha, anniversary, date(2026, 3, 8))  # open after its day
    _task(session, alpha, anniversary, date(2026, 4, 2))  # after the period

    campaign_c = create_campaign(session, owner_unit=gamma)
    post_c = create_post(session, campaign=campaign_c, author=create_person(session, unit=gamma))
    channel_c = create_channel(session, owner_unit=gamma)
    publish(session, post_c, channel_c, at(2026, 3, 15, 9), reach=100, engagements=10)

    criteria_set = criteria.create_criteria_set(
        session,
        actor=admin,
        now=NOW,
        name="Effectiveness, March 2026",
        period_start=date(2026, 3, 1),
        period_end=date(2026, 3, 31),
        notes="",
        criteria=[
            CriterionInput("posts_on_schedule", 20),
            CriterionInput("engagement_rate", 30, 5),
            CriterionInput("coverage_articles", 30, 4),
            CriterionInput("planning_tasks_on_time", 20),
        ],
    )
    session.flush()
    return World(
        alpha,
        beta,
        gamma,
        admin,
        coordinator,
        editor_alpha,
        editor_beta,
        viewer_alpha,
        criteria_set,
    )
