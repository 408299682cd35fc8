"""Factories for annual plans: a unit tree with planners, a plan, an activity."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from campaigns.org.models import Unit
from campaigns.programme import plans
from campaigns.programme.plan_models import AnnualPlan, PlanActivity
from tests.factories import create_unit

NOW = datetime(2026, 12, 8, 3, 0, tzinfo=UTC)


def unit_tree(session: Session) -> dict[str, Unit]:
    """steering → ministry → mission-kh; steering → province; ministry → mission-fr."""
    steering = create_unit(session, kind="steering", country="VN", timezone="Asia/Ho_Chi_Minh")
    ministry = create_unit(session, kind="ministry", country="VN", parent_code=steering.code)
    province = create_unit(session, kind="province", country="VN", parent_code=steering.code)
    mission_kh = create_unit(session, country="KH", parent_code=ministry.code)
    mission_fr = create_unit(session, country="FR", parent_code=ministry.code)
    return {
        "steering": steering,
        "ministry": ministry,
        "province": province,
        "mission_kh": mission_kh,
        "mission_fr": mission_fr,
    }


def create_plan(session: Session, unit: Unit, year: int = 2027, **fields) -> AnnualPlan:
    values = {
        "title": f"Kế hoạch TTĐN {year}",
        "themes": ["friendship"],
        "target_countries": ["KH"],
    }
    values.update(fields)
    return plans.create_plan(
        session, actor=None, now=NOW, unit=unit, year=year, fields=plans.PlanFields(**values)
    )


def activity_fields(**fields) -> plans.ActivityFields:
    values = {
        "title": "Triển lãm ảnh Việt Nam – Campuchia",
        "kind": "photo_exhibition",
        "country": "KH",
        "theme": "friendship",
        "starts_on": date(2027, 6, 1),
        "ends_on": date(2027, 6, 30),
        "budget_planned": "150.000.000",
    }
    values.update(fields)
    return plans.ActivityFields(**values)


def add_activity(session: Session, plan: AnnualPlan, **fields) -> PlanActivity:
    return plans.add_activity(
        session, actor=None, now=NOW, plan=plan, fields=activity_fields(**fields)
    )
