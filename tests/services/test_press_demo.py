from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from campaigns.demo import load_demo_data
from campaigns.org.queries import person_by_email
from campaigns.press import queries, reports
from campaigns.press.demo import load_press_demo
from campaigns.press.models import CoverageItem, Invitation, Journalist, Trip
from campaigns.press.rules import ClashKind


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_the_press_demo_walks_journey_two_and_loads_once(session):
    now = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
    load_demo_data(session, now=now)
    load_press_demo(session, now=now)
    load_press_demo(session, now=now)
    assert count(session, Journalist) == 8
    assert count(session, Trip) == 3
    national_day = session.scalars(select(Trip).where(Trip.title.like("Quốc khánh%"))).one()
    assert national_day.start_date == date(2027, 8, 30) and national_day.end_date == date(
        2027, 9, 3
    )
    assert national_day.status == "inviting"
    statuses = [invitation.status for invitation in national_day.invitations]
    assert len(statuses) == 8
    assert sum(status not in ("nominated", "withdrawn") for status in statuses) == 6
    kinds = {clash.kind for clash in queries.trip_clashes(session, national_day)}
    assert {ClashKind.STAFF_DOUBLE_BOOKED, ClashKind.OUTSIDE_TRIP_DATES} <= kinds
    field_officer = person_by_email(session, "field.paris@example.org")
    assert national_day in queries.visible_trips(session, field_officer)
    past = session.scalars(select(Trip).where(Trip.status == "coverage_tracking")).one()
    report = reports.trip_report(session, past)
    assert report.articles == 17 and len(report.by_language) == 4
    assert report.expected == 1 and report.cost_per_article is not None
    assert count(session, CoverageItem) == 18
    assert count(session, Invitation) == 17
    # Journey 4: the Paris officer escorts a visit under way, its next items in the coming hours.
    paris = session.scalars(select(Trip).where(Trip.status == "in_progress")).one()
    assert paris.timezone == "Europe/Paris" and paris in queries.visible_trips(
        session, field_officer
    )
    upcoming = sorted(item.starts_at for item in paris.items if item.starts_at > now)
    assert len(upcoming) == 3
    assert timedelta(minutes=30) <= upcoming[0] - now <= timedelta(hours=2)
    assert all(item.escort_id == field_officer.id for item in paris.items)


def test_the_demo_after_the_national_day_plans_for_next_year(session):
    now = datetime(2027, 8, 31, 3, 0, tzinfo=UTC)
    load_demo_data(session, now=now)
    load_press_demo(session, now=now)
    trip = session.scalars(select(Trip).where(Trip.title.like("Quốc khánh%"))).one()
    assert trip.start_date == date(2028, 8, 30)
