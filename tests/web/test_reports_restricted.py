"""What measurement shows to field staff: only the coverage they may see, in the campaign
dashboard, its report and exports, the API summary and their unit's period report."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from campaigns.metrics import criteria
from campaigns.metrics.criteria import CriterionInput
from campaigns.press.models import CoverageItem, Trip
from tests.factories import bearer, create_person, create_unit, login
from tests.metrics_factories import known_campaign
from tests.press_factories import create_outlet, create_trip

DECEMBER = {"start": "2026-12-01", "end": "2026-12-03"}


def test_field_staff_see_no_trip_they_are_not_on_in_a_campaigns_figures(client, session):
    campaign = known_campaign(session)
    trip = session.scalars(select(Trip).where(Trip.campaign_id == campaign.id)).one()
    trip.title = "Secret trip title"
    field, coordinator = create_person(session, "field"), create_person(session, "coordinator")
    session.commit()

    login(client, field)
    assert client.get(f"/press/trips/{trip.id}").status_code == 404
    for path in ("", "/report", "/report.csv"):
        page = client.get(f"/reports/campaigns/{campaign.id}{path}", query_string=DECEMBER)
        assert page.status_code == 200
        assert "Secret trip title" not in page.get_data(as_text=True), path
    api = client.get(
        f"/api/v1/campaigns/{campaign.id}/summary",
        query_string=DECEMBER,
        headers=bearer(session, field),
    )
    assert api.get_json()["coverage"]["articles"] == 0

    # The coordinator, who sees every trip, still gets the whole picture (and the figures
    # cache keeps the two apart).
    client.get("/logout")
    login(client, coordinator)
    page = client.get(f"/reports/campaigns/{campaign.id}", query_string=DECEMBER)
    assert "Secret trip title" in page.get_data(as_text=True)


def test_a_unit_report_lists_to_field_staff_only_their_trips_coverage(client, session):
    host = create_unit(session, kind="ministry", country="VN", timezone="Asia/Ho_Chi_Minh")
    trip = create_trip(session, host=host, title="Hidden trip")
    outlet = create_outlet(session, name="Le Monde")
    session.add(
        CoverageItem(
            url="https://news.example/901",
            normalised_url="https://news.example/901",
            status="found",
            published_on=date(2026, 12, 2),
            trip_id=trip.id,
            outlet_id=outlet.id,
            headline="Confidential headline",
            created_at=datetime(2026, 12, 2, tzinfo=UTC),
            updated_at=datetime(2026, 12, 2, tzinfo=UTC),
        )
    )
    field = create_person(session, "field", unit=host)
    viewer = create_person(session, "viewer", unit=host)
    made = criteria.create_criteria_set(
        session,
        actor=None,
        now=datetime(2026, 1, 1, tzinfo=UTC),
        name="December",
        period_start=date(2026, 12, 1),
        period_end=date(2026, 12, 31),
        criteria=[CriterionInput("coverage_articles", 100, 1)],
    )
    session.commit()
    report = f"/reports/scores/sets/{made.id}/units/{host.id}/report"

    login(client, field)
    for path in ("", ".csv"):
        assert "Confidential headline" not in client.get(report + path).get_data(as_text=True)
    client.get("/logout")
    login(client, viewer)  # viewers may see the coverage list, so their report lists it
    assert "Confidential headline" in client.get(report).get_data(as_text=True)
