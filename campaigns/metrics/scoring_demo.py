"""Scoring demo data: one effectiveness criteria set over the demo's measured weeks (the four
criteria of the issue), so the ranking, every unit's score and the unit period reports have
content on a fresh ``herald demo``. Idempotent: nothing is written when a set exists."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from campaigns.metrics.criteria import CriterionInput, create_criteria_set
from campaigns.metrics.models import CriteriaSet
from campaigns.metrics.scoring import (
    COVERAGE_ARTICLES,
    ENGAGEMENT_RATE,
    PLANNING_TASKS_ON_TIME,
    POSTS_ON_SCHEDULE,
)
from campaigns.timezones import to_zone

OFFICE_ZONE = "Asia/Ho_Chi_Minh"
# The demo campaign's history is five weeks long (campaigns.metrics.demo.WEEKS).
DAYS = 35


def load_scoring_demo(session: Session, *, now: datetime) -> CriteriaSet | None:
    """The demo criteria set, unless one exists."""
    if session.scalar(select(func.count()).select_from(CriteriaSet)):
        return None
    today = to_zone(now, OFFICE_ZONE).date()
    return create_criteria_set(
        session,
        actor=None,
        now=now,
        name="Hiệu quả thông tin đối ngoại – 5 tuần gần nhất",
        period_start=today - timedelta(days=DAYS),
        period_end=today,
        notes="Bộ tiêu chí mẫu: đăng đúng lịch 20 %, tỉ lệ tương tác 30 %, tin bài báo chí 30 %, "
        "nhiệm vụ chuẩn bị đúng hạn 20 %.",
        criteria=[
            CriterionInput(POSTS_ON_SCHEDULE, 20),
            CriterionInput(ENGAGEMENT_RATE, 30, 3),
            CriterionInput(COVERAGE_ARTICLES, 30, 5),
            CriterionInput(PLANNING_TASKS_ON_TIME, 20),
        ],
    )
