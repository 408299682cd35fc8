"""The scheduler's jobs run in their own transactions and are safe to run again."""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from campaigns.calendar.models import PlanningTask
from campaigns.press import privacy
from campaigns.press.models import IdentityDocument
from scheduler.jobs import hold_missed_publications, plan_anniversaries, purge_identity_documents
from scheduler.transactions import Transactions
from tests.factories import create_anniversary, create_unit
from tests.press_factories import create_journalist, create_trip
from tests.social_factories import create_channel, scheduled_post


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


def test_retention_job_deletes_identity_documents_past_their_time(session, database_url):
    recorded = datetime(2026, 11, 1, tzinfo=UTC)
    trip = create_trip(session, start=date(2026, 11, 1), days=3)
    privacy.add_identity_document(
        session,
        actor=None,
        now=recorded,
        journalist=create_journalist(session),
        trip=trip,
        number="P1234567",
        nationality="FR",
    )
    session.commit()
    transactions = Transactions.for_url(database_url, door="scheduler")
    days = privacy.identity_retention_days(session)
    still_kept = datetime(2026, 11, 3, 12, tzinfo=UTC) + timedelta(days=days - 1)
    assert purge_identity_documents(transactions, now=still_kept) == 0
    assert purge_identity_documents(transactions, now=still_kept + timedelta(days=2)) == 1
    assert session.scalars(select(IdentityDocument)).first() is None
    transactions.engine.dispose()


def test_missed_publications_are_held_even_while_no_worker_runs(session, database_url, now):
    due = now + timedelta(hours=1)
    post = scheduled_post(session, [create_channel(session)], at=due, now=now)
    session.commit()
    transactions = Transactions.for_url(database_url, door="scheduler")
    assert hold_missed_publications(transactions, now=due + timedelta(minutes=29)) == 0
    assert hold_missed_publications(transactions, now=due + timedelta(minutes=31)) == 1
    session.expire_all()
    (publication,) = post.publications
    assert (publication.status, publication.held_reason) == ("held", "missed_window")
    transactions.engine.dispose()


def test_the_clock_runs_each_job_at_start_then_on_its_interval():
    from apscheduler.schedulers.background import BackgroundScheduler

    from scheduler.clock import _add_jobs

    clock = BackgroundScheduler(timezone=UTC)
    _add_jobs(clock, transactions=object())
    intervals = {job.id: job.trigger.interval for job in clock.get_jobs()}
    assert intervals == {
        "plan_anniversaries": timedelta(hours=1),
        "heartbeat": timedelta(seconds=5),
        "hold_missed_publications": timedelta(minutes=1),
        "purge_identity_documents": timedelta(days=1),
        "remind_conference_sites": timedelta(minutes=10),
        "forget_old_webhook_deliveries": timedelta(days=1),
        "tidy_up": timedelta(days=1),
    }
    assert all(job.coalesce and job.max_instances == 1 for job in clock.get_jobs())
    assert all(job.next_run_time <= datetime.now(UTC) for job in clock.get_jobs())
