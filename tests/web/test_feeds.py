"""Calendar feeds over HTTP: signed links without a session, caching, 304s, 404s, the profile."""

from __future__ import annotations

from datetime import date, timedelta
from email.utils import format_datetime

import icalendar
import pytest
import recurring_ical_events

from campaigns.calendar import services
from campaigns.calendar.services import EventInput
from campaigns.org import services as org_services
from tests.factories import create_anniversary, create_person, create_unit, login
from tests.services.test_feeds import make_event, wall
from web.feeds import routes
from web.feeds.routes import feed_url


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch, now, app):
    """Feeds cover a window around today: pin today, and start every test with a cold cache."""
    monkeypatch.setattr(routes, "utcnow", lambda: now)
    app.extensions["herald_feed_cache"].clear()
    app.extensions["herald_feed_fragments"].clear()


def vevents(body: bytes) -> dict[str, icalendar.Event]:
    return {str(item["UID"]): item for item in icalendar.Calendar.from_ical(body).walk("VEVENT")}


def test_personal_feed_needs_no_session_and_is_a_calendar(client, session, now):
    owner = create_unit(session)
    event = make_event(session, owner, now=now, title="Đón đoàn phóng viên")
    person = create_person(session, "viewer", owner)
    session.commit()

    response = client.get(feed_url(person))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["ETag"]
    assert response.headers["Last-Modified"] == format_datetime(now, usegmt=True)
    assert "private" in response.headers["Cache-Control"]
    calendar = icalendar.Calendar.from_ical(response.data)
    assert event.uid in vevents(response.data)
    expanded = recurring_ical_events.of(calendar).between(date(2026, 12, 1), date(2026, 12, 31))
    assert [str(item["SUMMARY"]) for item in expanded] == ["Đón đoàn phóng viên"]
    assert str(calendar["X-WR-CALNAME"]).endswith(person.name)


def test_body_is_byte_identical_across_fetches_and_renders(client, app, session, now):
    owner = create_unit(session)
    make_event(session, owner, now=now, timezone="Europe/Paris")
    make_event(
        session,
        owner,
        now=now,
        all_day=True,
        starts_local=None,
        ends_local=None,
        start_date=date(2027, 2, 1),
        end_date=date(2027, 2, 2),
    )
    create_anniversary(session)
    person = create_person(session, "coordinator")
    session.commit()

    first = client.get(feed_url(person))
    second = client.get(feed_url(person))
    app.extensions["herald_feed_cache"].clear()
    from_fragments = client.get(feed_url(person))
    app.extensions["herald_feed_fragments"].clear()
    from_scratch = client.get(feed_url(person))
    assert first.data == second.data == from_fragments.data == from_scratch.data
    assert len({response.headers["ETag"] for response in (first, second, from_scratch)}) == 1


def test_conditional_get_answers_304_until_something_changes(client, session, now):
    owner = create_unit(session)
    event = make_event(session, owner, now=now)
    person = create_person(session, "viewer", owner)
    session.commit()
    url = feed_url(person)
    first = client.get(url)
    etag, last_modified = first.headers["ETag"], first.headers["Last-Modified"]

    by_etag = client.get(url, headers={"If-None-Match": etag})
    assert by_etag.status_code == 304 and by_etag.data == b""
    assert by_etag.headers["ETag"] == etag
    by_date = client.get(url, headers={"If-Modified-Since": last_modified})
    assert by_date.status_code == 304
    assert client.get(url, headers={"If-None-Match": '"something-else"'}).status_code == 200

    services.cancel_event(session, actor=None, now=now + timedelta(minutes=5), event=event)
    session.commit()
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert str(vevents(changed.data)[event.uid]["STATUS"]) == "CANCELLED"
    assert client.get(url, headers={"If-Modified-Since": last_modified}).status_code == 200


def test_sequence_rises_in_the_feed_after_a_time_change(client, session, now):
    owner = create_unit(session)
    event = make_event(session, owner, now=now)
    person = create_person(session, "coordinator")
    session.commit()
    before = vevents(client.get(feed_url(person)).data)[event.uid]
    data = EventInput(
        title=event.title,
        kind=event.kind,
        all_day=False,
        starts_local=wall("2026-12-03T15:00"),
        ends_local=wall("2026-12-03T17:00"),
        start_date=None,
        end_date=None,
        timezone=event.timezone,
        owner_unit_code=owner.code,
        visibility="internal",
    )
    services.update_event(
        session,
        actor=None,
        now=now + timedelta(hours=2),
        event=event,
        data=data,
        confirm_overlap=True,
    )
    session.commit()
    after = vevents(client.get(feed_url(person)).data)[event.uid]
    assert after.decoded("SEQUENCE") == before.decoded("SEQUENCE") + 1
    assert after.decoded("DTSTAMP") > before.decoded("DTSTAMP")


def test_restricted_event_never_reaches_an_outsider_or_the_public(client, session, now):
    owner, outside = create_unit(session), create_unit(session)
    secret = make_event(
        session, owner, now=now, title="Chuẩn bị chuyến thăm cấp cao", visibility="restricted"
    )
    public = make_event(session, owner, now=now, title="Họp báo", visibility="public")
    outsider = create_person(session, "editor", outside)
    member = create_person(session, "editor", owner)
    session.commit()

    for url in (
        feed_url(outsider),
        feed_url(outsider, "unit", unit_code=owner.code),
        feed_url(outsider, "kind", event_kind=secret.kind),
        feed_url(None, "public"),
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert secret.uid not in vevents(response.data)
        assert "chuyến thăm cấp cao" not in response.data.decode()
    assert set(vevents(client.get(feed_url(None, "public")).data)) == {public.uid}
    assert secret.uid in vevents(client.get(feed_url(member)).data)


def test_public_feed_has_public_events_and_milestones(client, session, now):
    owner = create_unit(session)
    public = make_event(session, owner, now=now, visibility="public")
    internal = make_event(session, owner, now=now, visibility="internal")
    anniversary = create_anniversary(session)
    session.commit()
    response = client.get("/feeds/public.ics?lang=en")
    assert response.status_code == 200
    assert "public" in response.headers["Cache-Control"]
    items = vevents(response.data)
    assert public.uid in items and internal.uid not in items
    milestone = items[f"{anniversary.uid}-2027"]
    assert str(milestone["SUMMARY"]).startswith("32nd anniversary")


def test_anniversaries_feed_has_all_day_milestones_with_their_tier(client, session, now):
    anniversary = create_anniversary(session, origin_date=date(1997, 7, 12))
    owner = create_unit(session)
    make_event(session, owner, now=now)
    person = create_person(session, "viewer", owner, locale="en")
    session.commit()
    items = vevents(client.get(feed_url(person, "anniversaries")).data)
    assert all(uid.startswith(anniversary.uid) for uid in items)
    milestone = items[f"{anniversary.uid}-2027"]
    assert milestone["DTSTART"].params["VALUE"] == "DATE"
    assert milestone.decoded("DTEND") - milestone.decoded("DTSTART") == timedelta(days=1)
    assert str(milestone["SUMMARY"]).startswith("30th anniversary")
    assert "Major milestone" in [str(value) for value in milestone["CATEGORIES"].cats]


@pytest.mark.parametrize(
    "url",
    [
        "/feeds/{good}/units/no-such-unit.ics",
        "/feeds/{good}/kinds/party.ics",
        "/feeds/{forged}/personal.ics",
        "/feeds/{other}/personal.ics",
        "/feeds/not-a-token/personal.ics",
        "/feeds/99999-abc/personal.ics",
    ],
)
def test_unknown_feeds_and_bad_tokens_get_404(client, session, url):
    person = create_person(session, "viewer")
    other = create_person(session, "viewer")
    session.commit()
    good = feed_url(person).split("/")[2]
    forged = good[:-2] + ("AA" if not good.endswith("AA") else "BB")
    # A real signature presented under another person's id.
    other_token = f"{other.id}-{good.split('-', 1)[1]}"
    response = client.get(url.format(good=good, forged=forged, other=other_token))
    assert response.status_code == 404


def test_reset_links_revokes_the_old_ones(client, session):
    person = create_person(session, "editor")
    session.commit()
    old = feed_url(person)
    assert client.get(old).status_code == 200
    login(client, person)
    response = client.post("/feeds/reset")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/profile#feeds")
    session.refresh(person)
    assert client.get(old).status_code == 404
    assert client.get(feed_url(person)).status_code == 200


def test_reset_needs_a_signed_in_person(client):
    response = client.post("/feeds/reset")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_deactivated_person_gets_404(client, session, now):
    person = create_person(session, "editor")
    session.commit()
    url = feed_url(person)
    assert client.get(url).status_code == 200
    org_services.update_person(
        session,
        actor=None,
        now=now,
        person=person,
        name=person.name,
        email=person.email,
        role=person.role,
        unit_code=person.unit.code,
        locale=person.locale,
        timezone=person.timezone,
        active=False,
    )
    session.commit()
    assert client.get(url).status_code == 404


def test_profile_offers_every_feed_as_webcal_and_https_with_copy_buttons(client, session, app):
    unit = create_unit(session)
    person = create_person(session, "editor", unit)
    session.commit()
    login(client, person)
    page = client.get("/profile").get_data(as_text=True)
    personal = feed_url(person, external=True)
    assert personal.startswith(app.config["HERALD_BASE_URL"])
    webcal = "webcal://" + personal.split("://", 1)[1]
    assert f'href="{personal}"' in page and f'href="{webcal}"' in page
    assert 'data-copy="#feed-personal-webcal"' in page
    assert 'data-copy="#feed-personal-https"' in page
    assert feed_url(person, "unit", external=True, unit_code=unit.code) in page
    assert feed_url(person, "kind", external=True, event_kind="diplomatic") in page
    assert feed_url(None, "public", external=True) in page
    assert 'action="/feeds/reset"' in page
    assert client.get(personal.removeprefix(app.config["HERALD_BASE_URL"])).status_code == 200
