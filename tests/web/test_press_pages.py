import base64
import csv
import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from campaigns.press import coverage, feeds, itinerary, privacy
from campaigns.press.models import CoverageItem, IdentityDocument, ItineraryItem, Journalist, Trip
from tests.conftest import TEST_SECRET
from tests.factories import create_person, create_unit, login
from tests.press_factories import add_item, create_journalist, create_outlet, create_trip, invite


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def trip_setup(session):
    """A trip with two confirmed journalists, an escort, an item and some coverage."""
    host = create_unit(session, code="mofa-press", kind="ministry", country="VN",
                       timezone="Asia/Ho_Chi_Minh")  # fmt: skip
    escort = create_person(session, role="field", name="Vũ Mai Linh")
    trip_coordinator = create_person(session, role="editor", unit=host)
    trip = create_trip(session, host=host, coordinator_ids=[trip_coordinator.id])
    outlet = create_outlet(session, name="Le Monde")
    claire = create_journalist(session, outlet=outlet, name_latin="Claire Dubois")
    yuki = create_journalist(
        session, name_latin="Tanaka Yuki", name_native="田中 由紀", country="JP"
    )
    invitations = [invite(session, trip, claire), invite(session, trip, yuki)]
    item = add_item(session, trip, escort=escort, activity="Ba Đình Square")
    privacy.add_identity_document(
        session, actor=None, now=datetime(2026, 1, 1, tzinfo=UTC), journalist=claire, trip=trip,
        number="PASSPORT-123", nationality="FR",
    )  # fmt: skip
    coverage.record_coverage(
        session, actor=None, now=datetime(2026, 1, 1, tzinfo=UTC), status="found",
        data=coverage.CoverageInput(url="https://lemonde.fr/vn", trip_id=trip.id,
                                    journalist_id=claire.id, headline="Hanoi celebrates"),
    )  # fmt: skip
    session.commit()
    return {
        "trip": trip,
        "escort": escort,
        "trip_coordinator": trip_coordinator,
        "claire": claire,
        "invitations": invitations,
        "item": item,
    }


def test_every_press_page_opens_for_an_administrator(client, session, trip_setup):
    admin = create_person(session, role="admin")
    session.commit()
    login(client, admin)
    trip, claire = trip_setup["trip"], trip_setup["claire"]
    invitation, item = trip_setup["invitations"][0], trip_setup["item"]
    for url in (
        "/press/trips",
        "/press/trips/new",
        f"/press/trips/{trip.id}",
        f"/press/trips/{trip.id}/edit",
        f"/press/trips/{trip.id}/invitations/new",
        f"/press/trips/{trip.id}/items/new",
        f"/press/items/{item.id}/edit",
        f"/press/trips/{trip.id}/interviews/new",
        f"/press/invitations/{invitation.id}/logistics",
        f"/press/trips/{trip.id}/report",
        "/press/journalists",
        "/press/journalists/new",
        "/press/journalists/import",
        f"/press/journalists/{claire.id}",
        f"/press/journalists/{claire.id}/edit",
        "/press/outlets",
        "/press/outlets/new",
        "/press/coverage",
        f"/press/coverage/new?trip={trip.id}",
        "/press/letterheads/mofa-press",
        "/press/settings",
        "/",
    ):
        response = client.get(url)
        assert response.status_code == 200, (url, response.text[:2000])
    assert client.get("/press/").status_code == 302
    assert client.get("/section/press").status_code == 404


def test_the_trip_page_shows_clashes_and_the_letters(client, session, trip_setup):
    trip = trip_setup["trip"]
    add_item(session, trip, datetime(2027, 9, 10, 9, 0), activity="Late interview")  # noqa: DTZ001
    admin = create_person(session, role="admin")
    session.commit()
    login(client, admin)
    page = client.get(f"/press/trips/{trip.id}").text
    assert "Late interview" in page and "outside the trip dates" in page
    invitation = trip_setup["invitations"][0]
    response = client.get(f"/press/invitations/{invitation.id}/invitation.pdf?lang=vi")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF") and b"DejaVu" in response.data
    english = client.get(f"/press/invitations/{invitation.id}/visa-support.pdf?lang=en")
    assert english.status_code == 200 and english.data.startswith(b"%PDF")
    assert (
        client.get(f"/press/invitations/{invitation.id}/visa-support.pdf?lang=xx").status_code
        == 422
    )
    assert client.get(f"/press/invitations/{invitation.id}/other.pdf").status_code == 422


def test_a_new_trip_with_dates_out_of_order_is_refused_next_to_the_field(client, session):
    create_unit(session, code="mofa-press", kind="ministry", country="VN")
    coordinator = create_person(session, role="coordinator")
    session.commit()
    login(client, coordinator)
    response = client.post(
        "/press/trips/new",
        data={
            "title": "National Day",
            "start_date": "2027-09-03",
            "end_date": "2027-08-30",
            "host_unit": "mofa-press",
            "timezone": "Asia/Ho_Chi_Minh",
            "currency": "VND",
        },
    )
    assert response.status_code == 422
    assert "The last day is before the first day." in response.text
    assert count(session, Trip) == 0
    response = client.post(
        "/press/trips/new",
        data={
            "title": "National Day",
            "start_date": "2027-08-30",
            "end_date": "2027-09-03",
            "host_unit": "mofa-press",
            "timezone": "Asia/Ho_Chi_Minh",
            "currency": "VND",
            "key_messages": "Peace\nOpen economy\n",
        },
    )
    assert response.status_code == 303
    assert session.scalars(select(Trip)).one().key_messages == ["Peace", "Open economy"]


def test_an_item_with_clashes_is_shown_before_saving_then_confirmed(client, session, trip_setup):
    trip, escort = trip_setup["trip"], trip_setup["escort"]
    admin = create_person(session, role="admin")
    session.commit()
    login(client, admin)
    item_start = trip_setup["item"].starts_at.astimezone(ZoneInfo(trip.timezone))
    data = {
        "activity": "Second visit",
        "starts_local": item_start.strftime("%Y-%m-%dT%H:%M"),
        "ends_local": item_start.replace(hour=item_start.hour + 1).strftime("%Y-%m-%dT%H:%M"),
        "timezone": trip.timezone,
        "escort": str(escort.id),
    }
    before = count(session, ItineraryItem)
    response = client.post(f"/press/trips/{trip.id}/items/new", data=data)
    assert response.status_code == 409
    assert "is booked twice" in response.text and "Save despite the clashes" in response.text
    assert count(session, ItineraryItem) == before
    response = client.post(
        f"/press/trips/{trip.id}/items/new", data={**data, "confirm_clashes": "y"}
    )
    assert response.status_code == 303
    assert count(session, ItineraryItem) == before + 1


def test_an_unknown_escort_is_refused_with_nothing_saved(client, session, trip_setup):
    trip = trip_setup["trip"]
    admin = create_person(session, role="admin")
    session.commit()
    login(client, admin)
    before = count(session, ItineraryItem)
    response = client.post(
        f"/press/trips/{trip.id}/items/new",
        data={
            "activity": "Visit",
            "starts_local": "2027-08-31T09:00",
            "ends_local": "2027-08-31T10:00",
            "timezone": trip.timezone,
            "escort": "999999",
        },
    )
    assert response.status_code == 422
    assert "There is no such person" in response.text
    assert count(session, ItineraryItem) == before


def test_a_visa_step_cannot_be_skipped_from_the_web(client, session, trip_setup):
    invitation = trip_setup["invitations"][0]
    admin = create_person(session, role="admin")
    session.commit()
    login(client, admin)
    response = client.post(
        f"/press/invitations/{invitation.id}/visa",
        data={"status": "granted"},
        follow_redirects=True,
    )
    assert "not possible from the current status" in response.text
    session.refresh(invitation)
    assert invitation.visa_status == "undecided"


def test_the_escort_delays_an_item_by_thirty_minutes_from_the_trip_page(
    client, session, trip_setup
):
    trip, escort, item = trip_setup["trip"], trip_setup["escort"], trip_setup["item"]
    starts_at = item.starts_at
    login(client, escort)
    assert "Delay 30 min" in client.get(f"/press/trips/{trip.id}").text
    response = client.post(
        f"/press/items/{item.id}/delay", data={"delay-minutes": "30"}, follow_redirects=True
    )
    assert "Ba Đình Square was delayed by 30 minutes" in response.text
    session.refresh(item)
    assert item.starts_at == starts_at + timedelta(minutes=30)


# --- restricted records: who sees what --------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "sees_passport"),
    [
        ("admin", True),
        ("trip_coordinator", True),
        ("coordinator", False),
        ("editor", False),
        ("viewer", False),
    ],
)
def test_identity_documents_show_only_to_admins_and_trip_coordinators(
    client, session, trip_setup, who, sees_passport
):
    person = trip_setup.get(who) or create_person(session, role=who)
    session.commit()
    login(client, person)
    claire = trip_setup["claire"]
    page = client.get(f"/press/journalists/{claire.id}")
    assert page.status_code == 200
    assert ("PASSPORT-123" in page.text) is sees_passport
    document = session.scalars(select(IdentityDocument)).one()
    deleted = client.post(f"/press/identity/{document.id}/delete")
    assert (deleted.status_code == 303) is sees_passport
    assert (count(session, IdentityDocument) == 0) is sees_passport


def test_field_staff_see_only_their_trips_and_no_journalist_records(client, session, trip_setup):
    escort = trip_setup["escort"]
    other_trip = create_trip(session, title="Another trip")
    stranger = create_person(session, role="field")
    session.commit()
    login(client, escort)
    listing = client.get("/press/trips").text
    assert trip_setup["trip"].title in listing and "Another trip" not in listing
    assert client.get(f"/press/trips/{trip_setup['trip'].id}").status_code == 200
    assert client.get(f"/press/trips/{other_trip.id}").status_code == 404
    assert client.get("/press/journalists").status_code == 403
    assert client.get(f"/press/journalists/{trip_setup['claire'].id}").status_code == 403
    client.post("/logout")
    login(client, stranger)
    assert client.get(f"/press/trips/{trip_setup['trip'].id}").status_code == 404
    assert client.get("/press/coverage").text.count("lemonde.fr/vn") == 0


def test_the_escort_logs_coverage_for_their_trip_and_duplicates_point_back(
    client, session, trip_setup
):
    escort, trip = trip_setup["escort"], trip_setup["trip"]
    session.commit()
    login(client, escort)
    response = client.post(
        "/press/coverage/new",
        data={"url": "https://www.lemonde.fr/vn/?utm_source=x", "trip": str(trip.id)},
        follow_redirects=True,
    )
    assert "already recorded" in response.text
    assert count(session, CoverageItem) == 1
    response = client.post("/press/coverage/new", data={"url": "ftp://x", "trip": str(trip.id)})
    assert response.status_code == 422 and "http://" in response.text


def test_exports_never_carry_identity_documents(client, session, trip_setup):
    admin = create_person(session, role="admin")
    session.commit()
    login(client, admin)
    claire, trip = trip_setup["claire"], trip_setup["trip"]
    exported = client.get(f"/press/journalists/{claire.id}/export.json")
    assert exported.status_code == 200 and exported.json["name_latin"] == "Claire Dubois"
    assert "PASSPORT-123" not in exported.text
    report_csv = client.get(f"/press/trips/{trip.id}/report.csv")
    rows = list(csv.reader(io.StringIO(report_csv.data.decode("utf-8-sig"))))
    assert ["Articles", "1"] in rows and "PASSPORT-123" not in report_csv.text
    xlsx = client.get(f"/press/trips/{trip.id}/report.xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    editor = create_person(session, role="editor")
    session.commit()
    client.post("/logout")
    login(client, editor)
    assert client.get(f"/press/journalists/{claire.id}/export.json").status_code == 403


def test_erasure_from_the_web(client, session, trip_setup):
    coordinator = create_person(session, role="coordinator")
    session.commit()
    login(client, coordinator)
    claire = trip_setup["claire"]
    response = client.post(f"/press/journalists/{claire.id}/erase", follow_redirects=True)
    assert "erased on request" in response.text
    session.refresh(claire)
    assert claire.erased_at is not None and "Claire" not in claire.name_latin


# --- CSV import ---------------------------------------------------------------------------------


def test_csv_import_previews_with_row_errors_then_imports(client, session):
    editor = create_person(session, role="editor")
    create_outlet(session, name="Le Monde")
    session.commit()
    login(client, editor)
    bad = b"name_latin,country,outlet\nClaire Dubois,FR,Le Monde\n,XX,Nowhere\n"
    response = client.post(
        "/press/journalists/import",
        data={"file": (io.BytesIO(bad), "journalists.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "1 row has errors" in response.text and "Nowhere" in response.text
    assert count(session, Journalist) == 0
    wrong = client.post(
        "/press/journalists/import",
        data={"file": (io.BytesIO(b"nom,pays\nA,FR\n"), "x.csv")},
        content_type="multipart/form-data",
    )
    assert wrong.status_code == 422 and "Wrong columns" in wrong.text
    good = b"name_latin,country,outlet\nClaire Dubois,FR,Le Monde\nTanaka Yuki,JP,\n"
    preview = client.post(
        "/press/journalists/import",
        data={"file": (io.BytesIO(good), "journalists.csv")},
        content_type="multipart/form-data",
    )
    assert preview.status_code == 200 and count(session, Journalist) == 0
    assert "2 rows are ready to import" in preview.text and "Import 2 journalists" in preview.text
    response = client.post(
        "/press/journalists/import",
        data={"content": base64.b64encode(good).decode(), "confirm": "1"},
    )
    assert response.status_code == 303
    assert count(session, Journalist) == 2


# --- feeds --------------------------------------------------------------------------------------


def test_the_staff_feed_needs_a_valid_link_and_follows_a_delay(client, session, trip_setup):
    trip, escort, item = trip_setup["trip"], trip_setup["escort"], trip_setup["item"]
    token = feeds.staff_feed_token(TEST_SECRET, trip, escort)
    url = f"/press/feeds/trips/{trip.id}/{token}.ics"
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.data)
    [event] = calendar.walk("VEVENT")
    assert str(event["summary"]) == "Ba Đình Square" and event["sequence"] == 0
    assert "Escort: Vũ Mai Linh" in str(event["description"])
    assert b"PASSPORT" not in response.data and b"VTIMEZONE" in response.data
    assert response.last_modified == item.updated_at.replace(microsecond=0)
    assert client.get(url, headers={"If-None-Match": response.headers["ETag"]}).status_code == 304
    itinerary.delay_itinerary_item(
        session, actor=escort, now=datetime(2027, 8, 30, tzinfo=UTC), item=item, minutes=30
    )
    session.commit()
    moved = Calendar.from_ical(client.get(url).data)
    assert moved.walk("VEVENT")[0]["sequence"] == 1
    assert client.get(f"/press/feeds/trips/{trip.id}/{escort.id}-forged.ics").status_code == 404
    stranger = create_person(session, role="field")
    session.commit()
    other = feeds.staff_feed_token(TEST_SECRET, trip, stranger)
    assert client.get(f"/press/feeds/trips/{trip.id}/{other}.ics").status_code == 404


def test_a_journalist_feed_holds_only_their_items_without_staff(client, session, trip_setup):
    trip = trip_setup["trip"]
    claire_invitation, yuki_invitation = trip_setup["invitations"]
    add_item(
        session,
        trip,
        datetime(2027, 8, 31, 14, 0),  # noqa: DTZ001
        activity="Interview for Yuki",
        participant_ids=[yuki_invitation.id],
    )
    session.commit()
    token = feeds.journalist_feed_token(TEST_SECRET, claire_invitation)
    response = client.get(f"/press/feeds/invitations/{claire_invitation.id}/{token}.ics")
    assert response.status_code == 200
    summaries = [str(c["summary"]) for c in Calendar.from_ical(response.data).walk("VEVENT")]
    assert summaries == ["Ba Đình Square"]
    assert b"Escort" not in response.data
    wrong = client.get(f"/press/feeds/invitations/{yuki_invitation.id}/{token}.ics")
    assert wrong.status_code == 404


def test_retention_setting_is_for_administrators(client, session):
    coordinator = create_person(session, role="coordinator")
    admin = create_person(session, role="admin")
    session.commit()
    login(client, coordinator)
    assert client.get("/press/settings").status_code == 403
    client.post("/logout")
    login(client, admin)
    assert client.post("/press/settings", data={"days": "0"}).status_code == 422
    assert client.post("/press/settings", data={"days": "14"}).status_code == 303
    assert privacy.identity_retention_days(session) == 14


def test_coverage_can_point_at_an_interview_of_its_trip(client, session, trip_setup):
    trip, claire = trip_setup["trip"], trip_setup["claire"]
    interview = itinerary.request_interview(
        session, actor=None, now=datetime(2026, 1, 1, tzinfo=UTC), trip=trip, journalist=claire,
        interviewee="Deputy Minister",
    )  # fmt: skip
    admin = create_person(session, role="admin")
    session.commit()
    login(client, admin)
    page = client.get(f"/press/coverage/new?trip={trip.id}")
    assert "Deputy Minister · Claire Dubois" in page.text
    assert 'name="interview"' not in client.get("/press/coverage/new").text
    response = client.post(
        "/press/coverage/new",
        data={"url": "https://lemonde.fr/interview", "trip": str(trip.id),
              "interview": str(interview.id), "journalist": str(claire.id)},
    )  # fmt: skip
    assert response.status_code == 303
    item = session.scalars(select(CoverageItem).where(CoverageItem.url.contains("interview"))).one()
    assert item.interview_id == interview.id


def test_moving_a_trip_outside_its_itinerary_asks_first(client, session, trip_setup):
    trip = trip_setup["trip"]
    admin = create_person(session, role="admin")
    session.commit()
    login(client, admin)
    data = {
        "title": trip.title,
        "start_date": "2027-10-01",
        "end_date": "2027-10-03",
        "host_unit": trip.host_unit.code,
        "timezone": trip.timezone,
        "currency": "VND",
    }
    response = client.post(f"/press/trips/{trip.id}/edit", data=data)
    assert response.status_code == 409 and "Ba Đình Square" in response.text
    session.refresh(trip)
    assert trip.start_date.isoformat() == "2027-08-30"
    confirmed = client.post(f"/press/trips/{trip.id}/edit", data={**data, "confirm_clashes": "y"})
    assert confirmed.status_code == 303
    session.refresh(trip)
    assert trip.start_date.isoformat() == "2027-10-01"


def test_the_journalist_list_comes_a_page_at_a_time(client, session, monkeypatch):
    """A big office keeps thousands of journalists: the list loads one page, in name order,
    with the filters kept from page to page (language and beat too)."""
    from web.press import journalist_views

    monkeypatch.setattr(journalist_views, "JOURNALISTS_PER_PAGE", 2)
    for name in ("Anna", "Boris", "Chloé", "Dario", "Emma"):
        create_journalist(session, name_latin=name, languages=["de" if name == "Dario" else "fr"])
    coordinator = create_person(session, role="coordinator")
    session.commit()
    login(client, coordinator)

    first = client.get("/press/journalists").text
    assert "Anna" in first and "Boris" in first and "Chloé" not in first
    assert "Page 1 of 3" in first and "page=2" in first
    last = client.get("/press/journalists?page=3").text
    assert "Emma" in last and "Anna" not in last and "page=2" in last
    beyond = client.get("/press/journalists?page=99")
    assert beyond.status_code == 200 and "No journalist matches these filters." in beyond.text

    french = client.get("/press/journalists?language=fr&page=2").text
    assert "Chloé" in french and "Emma" in french and "Dario" not in french
    assert "Page 2 of 2" in french and "language=fr" in french
