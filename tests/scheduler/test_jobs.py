"""The scheduler's jobs run in their own transactions and are safe to run again."""

from datetime import UTC, date, datetime

from sqlalchemy import func, select

from campaigns.calendar.models import PlanningTask
from scheduler.jobs import plan_anniversaries
from scheduler.transactions import Transactions
from tests.factories import create_anniversary, create_unit


def test_planning_job_creates_each_task_once(session, database_url):
    unit = create_unit(session, code="mission-kh", country="KH", timezone="Asia/Phnom_Penh")
    create_anniversary(
        session, origin_date=date(1967, 6, 24), partner_country="KH", owner_unit_code=unit.code
    )
    session.commit()
    six_months_before = datetime(2026, 12, 27, 2, 0, tzinfo=UTC)  # 60th falls on 24 Jun 2027
    transactions = Transactions.for_url(database_url, door="scheduler")

    assert plan_anniversaries(transactions, now=six_months_before) == 1
    assert plan_anniversaries(transactions, now=six_months_before) == 0

    task = session.scalars(select(PlanningTask)).one()
    assert task.occurrence_date == date(2027, 6, 24)
    assert task.years == 60 and task.tier == "major"
    assert session.scalar(select(func.count()).select_from(PlanningTask)) == 1
    transactions.engine.dispose()
