"""Field reports where people look: the trip, event and campaign pages list them newest first,
and a report's photo is served only to those who may see its trip."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from PIL import Image

from campaigns.field import reports
from campaigns.field.reports import ReportTarget
from tests.factories import create_event, create_person, login
from tests.press_factories import add_item, create_trip
from tests.social_factories import create_campaign

NOW = datetime(2027, 8, 31, 3, 0, tzinfo=UTC)


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), (0, 90, 0)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def reported_trip(session, app, tmp_path, monkeypatch):
    media = tmp_path / "media"
    monkeypatch.setitem(app.config, "HERALD_MEDIA_ROOT", str(media))
    escort = create_person(session, role="field", name="Vũ Mai Linh")
    trip = create_trip(session, start=date(2027, 8, 30), title="Press trip to Huế")
    add_item(session, trip, escort=escort)
    target = ReportTarget("trip", trip.id)
    photo = reports.file_report(
        session, actor=escort, now=NOW, target=target, kind="photo", photo=png(),
        text="At the Citadel", media_root=media,
    ).report  # fmt: skip
    reports.file_report(
        session, actor=escort, now=NOW + timedelta(hours=2), target=target, kind="note",
        text="Interviews moved to 15:00",
    )  # fmt: skip
    session.commit()
    return escort, trip, photo


def test_the_trip_page_lists_its_field_reports_newest_first(client, reported_trip):
    escort, trip, photo = reported_trip
    login(client, escort)

    page = client.get(f"/press/trips/{trip.id}").get_data(as_text=True)

    section = page[page.index('id="field-reports"') :]
    assert section.index("Interviews moved to 15:00") < section.index("At the Citadel")
    assert "Vũ Mai Linh" in section
    assert f'src="/field/reports/{photo.id}/photo"' in section


def test_the_photo_is_served_to_those_who_see_the_trip_only(client, session, reported_trip):
    escort, _, photo = reported_trip
    outsider = create_person(session, role="field")
    session.commit()

    assert client.get(f"/field/reports/{photo.id}/photo").status_code in (302, 401)
    login(client, escort)
    with client.get(f"/field/reports/{photo.id}/photo") as shown:
        assert (shown.status_code, shown.mimetype, shown.data) == (200, "image/png", png())
        assert "public" not in shown.headers["Cache-Control"]

    client.post("/logout")
    login(client, outsider)
    assert client.get(f"/field/reports/{photo.id}/photo").status_code == 404
    assert client.get(f"/press/trips/{reported_trip[1].id}").status_code == 404


def test_the_event_and_campaign_pages_show_theirs(client, session):
    coordinator = create_person(session, role="coordinator")
    event, campaign = create_event(session), create_campaign(session)
    for target, text in ((ReportTarget("event", event.id), "Hall full"),
                         (ReportTarget("campaign", campaign.id), "Posters up")):  # fmt: skip
        reports.file_report(
            session, actor=coordinator, now=NOW, target=target, kind="note", text=text
        )
    session.commit()
    login(client, coordinator)

    assert "Hall full" in client.get(f"/calendar/events/{event.id}").get_data(as_text=True)
    campaign_page = client.get(f"/social/campaigns/{campaign.id}").get_data(as_text=True)
    assert "Posters up" in campaign_page and "Hall full" not in campaign_page
