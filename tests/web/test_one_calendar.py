"""One calendar on the web: press trips (and, when asked, publications) in the month, week and
agenda views and in the iCal feeds, each kind shown or hidden."""

from __future__ import annotations

from datetime import date, timedelta

import icalendar
import pytest

from campaigns.press import trips
from tests.factories import create_person, create_unit, login
from tests.press_factories import add_item, create_trip
from tests.social_factories import at_utc, create_channel, scheduled_post
from tests.web.test_calendar_views import cell
from web.feeds import routes as feed_routes
from web.feeds.routes import feed_url


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch, now, app):
    for module in ("web.calendar.routes", "web.main.routes"):
        monkeypatch.setattr(f"{module}.utcnow", lambda: now)
    monkeypatch.setattr(feed_routes, "utcnow", lambda: now)
    app.extensions["herald_feed_cache"].clear()
    app.extensions["herald_feed_fragments"].clear()


@pytest.fixture
def world(session, now):
    """A ministry hosting a trip on 9-11 December 2026, a field escort on another trip, and a
    publication on 10 December at 08:00 UTC (15:00 in Hanoi)."""
    host = create_unit(session, "press-dept", kind="ministry", timezone="Asia/Ho_Chi_Minh")
    editor = create_person(session, "editor", host)
    escort = create_person(session, "field", host)
    visible = create_trip(session, host, start=date(2026, 12, 9), days=3, title="Đoàn báo chí Pháp")
    staffed = create_trip(session, host, start=date(2026, 12, 10), days=1, title="Chuyến Hạ Long")
    add_item(session, staffed, escort=escort)
    channel = create_channel(session, owner_unit=host, name="MOFA X")
    post = scheduled_post(session, [channel], at_utc(2026, 12, 10, 8), now, title="Quốc khánh")
    session.commit()
    return {
        "editor": editor,
        "escort": escort,
        "visible": visible,
        "staffed": staffed,
        "post": post,
    }


def test_month_week_and_agenda_show_the_trips_a_person_may_see(client, world):
    login(client, world["editor"])
    month = client.get("/calendar/?date=2026-12-01")
    assert month.status_code == 200
    for day in ("2026-12-09", "2026-12-10", "2026-12-11"):
        assert "Đoàn báo chí Pháp" in cell(month.text, day)
    assert "Đoàn báo chí Pháp" not in cell(month.text, "2026-12-12")
    assert f"/press/trips/{world['visible'].id}" in cell(month.text, "2026-12-09")
    week = client.get("/calendar/week?date=2026-12-10")
    assert "Chuyến Hạ Long" in cell(week.text, "2026-12-10")
    agenda = client.get("/calendar/agenda?date=2026-12-08")
    assert "Đoàn báo chí Pháp" in agenda.text and "Press trip" in agenda.text
    # Publications only when asked for.
    assert "Quốc khánh" not in month.text


def test_field_staff_see_only_their_own_trip(client, world):
    login(client, world["escort"])
    month = client.get("/calendar/?date=2026-12-01")
    assert "Chuyến Hạ Long" in cell(month.text, "2026-12-10")
    assert "Đoàn báo chí Pháp" not in month.text


def test_each_kind_can_be_shown_or_hidden_and_the_choice_stays_in_links(client, world):
    login(client, world["editor"])
    only_posts = client.get("/calendar/?date=2026-12-01&show=publications")
    assert "Quốc khánh · MOFA X" in cell(only_posts.text, "2026-12-10")
    assert "Đoàn báo chí Pháp" not in only_posts.text
    assert "entry-holiday" not in only_posts.text
    # The pager and the day links keep the choice.
    assert "show=publications" in only_posts.text
    # The form's boxes: one ?show= per kind, and an empty one so that none ticked is heard.
    boxes = client.get("/calendar/week?date=2026-12-07&show=&show=trips&show=publications")
    assert "Chuyến Hạ Long" in boxes.text and "Quốc khánh" in boxes.text
    nothing = client.get("/calendar/?date=2026-12-01&show=")
    assert "Đoàn báo chí Pháp" not in nothing.text
    assert 'value="trips" checked' not in nothing.text
    default = client.get("/calendar/?date=2026-12-01")
    assert 'value="trips" checked' in default.text
    assert 'value="publications" checked' not in default.text


def test_event_filters_leave_trips_out_and_a_unit_filter_keeps_its_trips(client, session, world):
    other = create_unit(session, "mission-jp", kind="mission")
    create_trip(session, other, start=date(2026, 12, 9), days=1, title="Japan trip")
    session.commit()
    login(client, world["editor"])
    by_kind = client.get("/calendar/?date=2026-12-01&kind=diplomatic")
    assert "Đoàn báo chí Pháp" not in by_kind.text
    by_unit = client.get("/calendar/?date=2026-12-01&unit=mission-jp")
    assert "Japan trip" in by_unit.text and "Đoàn báo chí Pháp" not in by_unit.text
    unknown = client.get("/calendar/?date=2026-12-01&unit=nowhere&show=nonsense")
    assert unknown.status_code == 200


def vevents(body: bytes) -> dict[str, icalendar.Event]:
    return {str(item["UID"]): item for item in icalendar.Calendar.from_ical(body).walk("VEVENT")}


def test_personal_feed_carries_the_trips_of_the_people_concerned(client, session, world):
    escort_feed = vevents(client.get(feed_url(world["escort"])).data)
    assert f"herald-trip-{world['staffed'].id}" in escort_feed
    assert f"herald-trip-{world['visible'].id}" not in escort_feed
    editor_feed = vevents(client.get(feed_url(world["editor"])).data)
    trip = editor_feed[f"herald-trip-{world['visible'].id}"]
    assert str(trip["SUMMARY"]) == "Đoàn báo chí Pháp"
    assert trip["DTSTART"].dt == date(2026, 12, 9)
    assert str(trip["CATEGORIES"].cats[0]) == "Press trips"
    # Someone of another unit, on no trip, is not concerned.
    outsider = create_person(session, "editor")
    session.commit()
    assert not any(
        uid.startswith("herald-trip-") for uid in vevents(client.get(feed_url(outsider)).data)
    )


def test_feed_options_leave_trips_out_or_add_publications(client, world):
    editor = world["editor"]
    without = vevents(client.get(feed_url(editor, trips="0")).data)
    assert not any(uid.startswith("herald-trip-") for uid in without)
    assert not any(uid.startswith("herald-publication-") for uid in without)
    with_posts = vevents(client.get(feed_url(editor, publications="1")).data)
    (publication,) = [v for uid, v in with_posts.items() if uid.startswith("herald-publication-")]
    assert str(publication["SUMMARY"]) == "Quốc khánh · MOFA X"


def test_the_profile_offers_the_personal_feed_with_publications(client, app, world):
    login(client, world["editor"])
    page = client.get("/profile").text
    assert feed_url(world["editor"], external=True, publications="1") in page
    assert "with your publications" in page


def test_unit_feed_carries_the_trips_the_unit_hosts(client, session, world):
    elsewhere = create_trip(session, start=date(2026, 12, 20), title="Elsewhere")
    session.commit()
    found = vevents(client.get(feed_url(world["editor"], "unit", unit_code="press-dept")).data)
    assert f"herald-trip-{world['visible'].id}" in found
    assert f"herald-trip-{elsewhere.id}" not in found


def test_a_changed_trip_changes_the_feed_and_keeps_its_uid(client, session, now, world):
    url = feed_url(world["editor"])
    first = client.get(url)
    etag = first.headers["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304

    trips.change_trip_status(
        session, actor=None, now=now + timedelta(minutes=5), trip=world["visible"], status="planned"
    )
    session.commit()
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    uid = f"herald-trip-{world['visible'].id}"
    assert uid in vevents(changed.data)
    assert int(vevents(changed.data)[uid]["SEQUENCE"]) > int(vevents(first.data)[uid]["SEQUENCE"])
