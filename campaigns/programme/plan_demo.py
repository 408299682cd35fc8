"""Demo annual plans (journey 8): the plans for the coming year of the MOFA press department
(approved, then changed: version 2 shows what changed), the Cambodia embassy and Tay Ninh
province, who both plan a photo exhibition on Cambodia in the same month: one overlap to
resolve. Idempotent: a unit that has a plan for the year keeps it."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.org.models import Person, Unit
from campaigns.org.queries import person_by_email, unit_by_code
from campaigns.press.models import Trip
from campaigns.programme import plans
from campaigns.programme.plan_models import AnnualPlan
from campaigns.social.models import Campaign
from campaigns.timezones import to_zone

OFFICE_ZONE = "Asia/Ho_Chi_Minh"


def plan_year(today: date) -> int:
    """Plans are written in the last quarter for the year after; before that, this year's."""
    return today.year + 1 if today.month >= 10 else today.year


def load_plans_demo(session: Session, *, now: datetime) -> None:
    units = {
        code: unit_by_code(session, code) for code in ("mofa-press", "mission-kh", "prov-tayninh")
    }
    if any(unit is None for unit in units.values()):
        return
    year = plan_year(to_zone(now, OFFICE_ZONE).date())
    reviewer = person_by_email(session, "coordinator2@example.org")
    _ministry_plan(session, now=now, unit=units["mofa-press"], year=year, reviewer=reviewer)
    _embassy_plan(session, now=now, unit=units["mission-kh"], year=year)
    _province_plan(session, now=now, unit=units["prov-tayninh"], year=year)


def _exists(session: Session, unit: Unit, year: int) -> bool:
    found = session.scalar(
        select(AnnualPlan.id).where(AnnualPlan.unit_id == unit.id, AnnualPlan.year == year)
    )
    return found is not None


def _activity(session: Session, now: datetime, plan: AnnualPlan, **fields):
    return plans.add_activity(
        session, actor=None, now=now, plan=plan, fields=plans.ActivityFields(**fields)
    )


def _ministry_plan(
    session: Session, *, now: datetime, unit: Unit, year: int, reviewer: Person | None
) -> None:
    if _exists(session, unit, year):
        return
    plan = plans.create_plan(
        session,
        actor=None,
        now=now,
        unit=unit,
        year=year,
        fields=plans.PlanFields(
            title=f"Kế hoạch thông tin đối ngoại năm {year}",
            objectives=(
                "Quảng bá hình ảnh Việt Nam đổi mới, hội nhập; đưa thông tin chính thống về các "
                "sự kiện chính trị – đối ngoại lớn tới báo chí và công chúng nước ngoài."
            ),
            key_messages="Việt Nam là bạn, là đối tác tin cậy; môi trường đầu tư cởi mở.",
            themes=["national_image", "economy", "anniversary"],
            target_countries=["US", "FR", "JP", "KH"],
            target_audiences="Phóng viên nước ngoài thường trú; giới nghiên cứu; cộng đồng doanh nghiệp",
        ),
    )
    trip_activity = _activity(
        session,
        now,
        plan,
        title="Đoàn phóng viên nước ngoài đưa tin sự kiện đối ngoại lớn",
        kind="press_trip",
        country="VN",
        theme="national_image",
        audience="Phóng viên nước ngoài",
        starts_on=date(year, 8, 25),
        ends_on=date(year, 9, 5),
        lead_unit_code="mofa-press",
        supporting_unit_codes=["mission-us", "mission-fr"],
        budget_planned=850_000_000,
    )
    campaign_activity = _activity(
        session,
        now,
        plan,
        title="Chiến dịch truyền thông số dịp kỷ niệm quan hệ ngoại giao",
        kind="social_campaign",
        country="US",
        theme="anniversary",
        audience="Công chúng Hoa Kỳ trên mạng xã hội",
        starts_on=date(year, 1, 10),
        ends_on=date(year, 12, 20),
        lead_unit_code="mofa-press",
        supporting_unit_codes=["mission-us"],
        budget_planned=420_000_000,
    )
    # The press department's trip of the plan's year (the national day's), not last year's.
    trip = session.scalar(
        select(Trip)
        .where(
            Trip.host_unit_id == unit.id,
            Trip.start_date >= date(year, 1, 1),
            Trip.start_date <= date(year, 12, 31),
        )
        .order_by(Trip.start_date)
    )
    if trip is not None:
        plans.link_activity(
            session, actor=None, now=now, activity=trip_activity, kind="trip", target_id=trip.id
        )
    plans.add_indicator(
        session, actor=None, now=now, activity=trip_activity, measure="coverage_articles", target=30
    )
    campaign = session.scalar(
        select(Campaign).where(Campaign.owner_unit_id == unit.id).order_by(Campaign.id)
    )
    if campaign is not None:
        plans.link_activity(
            session,
            actor=None,
            now=now,
            activity=campaign_activity,
            kind="campaign",
            target_id=campaign.id,
        )
    plans.add_indicator(
        session, actor=None, now=now, activity=campaign_activity, measure="posts", target=120
    )
    plans.submit_plan(session, actor=None, now=now, plan=plan)
    plans.approve_plan(
        session,
        actor=reviewer,
        now=now - timedelta(days=3),
        plan=plan,
        comment="Đồng ý. Chú ý phối hợp với các địa phương.",
    )
    # Changed after approval: version 2 shows what changed, and waits for approval again.
    _activity(
        session,
        now,
        plan,
        title="Hội thảo quốc tế về hợp tác kinh tế",
        kind="conference",
        country="JP",
        theme="economy",
        starts_on=date(year, 10, 12),
        ends_on=date(year, 10, 13),
        lead_unit_code="mission-jp",
        supporting_unit_codes=["mofa-press"],
        budget_planned=300_000_000,
    )
    plans.update_activity(
        session,
        actor=None,
        now=now,
        activity=trip_activity,
        fields=plans.ActivityFields(
            title=trip_activity.title,
            kind="press_trip",
            country="VN",
            theme="national_image",
            audience=trip_activity.audience,
            starts_on=trip_activity.starts_on,
            ends_on=trip_activity.ends_on,
            lead_unit_code="mofa-press",
            supporting_unit_codes=["mission-us", "mission-fr"],
            budget_planned=950_000_000,
        ),
    )


def _embassy_plan(session: Session, *, now: datetime, unit: Unit, year: int) -> None:
    if _exists(session, unit, year):
        return
    plan = plans.create_plan(
        session,
        actor=None,
        now=now,
        unit=unit,
        year=year,
        fields=plans.PlanFields(
            title=f"Kế hoạch thông tin đối ngoại năm {year} của Đại sứ quán tại Campuchia",
            objectives="Củng cố tình hữu nghị Việt Nam – Campuchia; hỗ trợ cộng đồng người Việt.",
            themes=["friendship", "community", "culture"],
            target_countries=["KH"],
            target_audiences="Công chúng, báo chí và giới trẻ Campuchia; cộng đồng người Việt",
        ),
    )
    _activity(
        session,
        now,
        plan,
        title="Triển lãm ảnh “Việt Nam – Campuchia: tình hữu nghị vững bền”",
        kind="photo_exhibition",
        country="KH",
        theme="friendship",
        audience="Công chúng Phnôm Pênh",
        starts_on=date(year, 6, 10),
        ends_on=date(year, 6, 24),
        lead_unit_code="mission-kh",
        budget_planned=180_000_000,
    )
    _activity(
        session,
        now,
        plan,
        title="Giao lưu báo chí Việt Nam – Campuchia",
        kind="media_cooperation",
        country="KH",
        theme="friendship",
        starts_on=date(year, 3, 5),
        ends_on=date(year, 3, 6),
        lead_unit_code="mission-kh",
        budget_planned=60_000_000,
    )


def _province_plan(session: Session, *, now: datetime, unit: Unit, year: int) -> None:
    if _exists(session, unit, year):
        return
    plan = plans.create_plan(
        session,
        actor=None,
        now=now,
        unit=unit,
        year=year,
        fields=plans.PlanFields(
            title=f"Kế hoạch thông tin đối ngoại tỉnh Tây Ninh năm {year}",
            objectives="Quảng bá tiềm năng hợp tác biên giới và du lịch của Tây Ninh.",
            themes=["friendship", "economy", "culture"],
            target_countries=["KH"],
            target_audiences="Các tỉnh giáp biên của Campuchia; nhà đầu tư",
        ),
    )
    _activity(
        session,
        now,
        plan,
        title="Triển lãm ảnh Tây Ninh – Campuchia: láng giềng hữu nghị",
        kind="photo_exhibition",
        country="KH",
        theme="friendship",
        audience="Tỉnh Svay Rieng, Campuchia",
        starts_on=date(year, 6, 15),
        ends_on=date(year, 6, 30),
        lead_unit_code="prov-tayninh",
        supporting_unit_codes=["mission-kh"],
        budget_planned=120_000_000,
    )
    _activity(
        session,
        now,
        plan,
        title="Hội chợ thương mại biên giới Mộc Bài",
        kind="cultural_event",
        country="KH",
        theme="economy",
        starts_on=date(year, 11, 20),
        ends_on=date(year, 11, 24),
        lead_unit_code="prov-tayninh",
        budget_planned=250_000_000,
    )
    plans.submit_plan(session, actor=None, now=now, plan=plan)
