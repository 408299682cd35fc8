"""Calendar feeds in the domain: what each feed carries, its iCalendar text, its links."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events
from sqlalchemy import select

from campaigns.calendar import services
from campaigns.calendar.feed_links import (
    feed_token_person_id,
    person_for_feed_token,
    reset_feed_links,
    sign_feed_token,
    verify_feed_token,
)
from campaigns.calendar.feeds import (
    Feed,
    FeedKind,
    data_version,
    feed_contents,
    feed_window,
)
from campaigns.calendar.ical import FeedContents, render_feed, vtimezone
from campaigns.calendar.models import Event
from campaigns.calendar.services import EventInput
from campaigns.errors import NotAllowed, NotFound
from campaigns.org.models import AuditEntry
from tests.factories import create_anniversary, create_event, create_person, create_unit

SECRET = "a-secret-key-for-feed-tests-0123456789abcdef"
TODAY = date(2026, 11, 22)
SINCE, UNTIL = feed_window(TODAY)
ZONE = "Asia/Ho_Chi_Minh"


def wall(text: str) -> datetime:
    """A naive wall-clock time, as event forms give it (the zone travels separately)."""
    return datetime.fromisoformat(text)


def make_event(session, owner, *, now, **fields) -> Event:
    """An event of ``owner`` on 3 Dec 2026, 09:00-11:30 in Hanoi, changed at ``now``."""
    values = {
        "starts_local": wall("2026-12-03T09:00"),
        "ends_local": wall("2026-12-03T11:30"),
        "timezone": ZONE,
        "visibility": "internal",
    }
    values.update(fields)
    return create_event(session, owner, now=now, **values)


def parse(body: bytes) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(body)


def vevents(body: bytes) -> dict[str, icalendar.Event]:
    return {str(item["UID"]): item for item in parse(body).walk("VEVENT")}


def build(session, feed: Feed, viewer) -> bytes:
    contents = feed_contents(session, feed, viewer=viewer, since=SINCE, until=UNTIL, zone=ZONE)
    return render_feed(contents, name="Herald", locale=feed.locale)


PERSONAL = Feed(FeedKind.PERSONAL, locale="vi")
PUBLIC = Feed(FeedKind.PUBLIC, locale="vi")


# --- the window ----------------------------------------------------------------------------------


def test_window_is_twelve_months_back_and_twenty_four_ahead_in_whole_months():
    assert feed_window(date(2026, 11, 22)) == (date(2025, 11, 1), date(2028, 11, 30))
    assert feed_window(date(2026, 1, 1)) == (date(2025, 1, 1), date(2028, 1, 31))
    assert feed_window(date(2026, 12, 31)) == (date(2025, 12, 1), date(2028, 12, 31))


# --- who sees what -------------------------------------------------------------------------------


def test_restricted_event_reaches_only_the_people_who_may_see_it(session, now):
    owner, audience, outside = create_unit(session), create_unit(session), create_unit(session)
    secret = make_event(
        session,
        owner,
        now=now,
        title="Chuẩn bị chuyến thăm cấp cao",
        visibility="restricted",
        audience_codes=[audience.code],
    )
    internal = make_event(session, owner, now=now, title="Họp giao ban")
    public = make_event(session, owner, now=now, title="Họp báo quốc tế", visibility="public")
    outsider = create_person(session, "editor", outside)
    member = create_person(session, "viewer", owner)
    audience_member = create_person(session, "field", audience)
    coordinator = create_person(session, "coordinator")

    assert set(vevents(build(session, PERSONAL, outsider))) == {internal.uid, public.uid}
    for person in (member, audience_member, coordinator):
        assert secret.uid in vevents(build(session, PERSONAL, person))
    assert set(vevents(build(session, PUBLIC, None))) == {public.uid}
    unit_feed = Feed(FeedKind.UNIT, locale="vi", unit_code=owner.code)
    assert secret.uid not in vevents(build(session, unit_feed, outsider))
    kind_feed = Feed(FeedKind.EVENT_KIND, locale="vi", event_kind="diplomatic")
    assert secret.uid not in vevents(build(session, kind_feed, outsider))
    assert secret.title not in build(session, PERSONAL, outsider).decode()


def test_inactive_person_gets_nothing(session, now):
    person = create_person(session, "coordinator")
    person.active = False
    with pytest.raises(NotAllowed):
        build(session, PERSONAL, person)
    with pytest.raises(NotAllowed):
        build(session, Feed(FeedKind.ANNIVERSARIES), None)


def test_unit_and_kind_feeds_are_narrowed(session, now):
    first, second = create_unit(session), create_unit(session)
    talks = make_event(session, first, now=now, kind="diplomatic")
    festival = make_event(session, second, now=now, kind="cultural")
    ours = create_anniversary(session, owner_unit_code=first.code)
    theirs = create_anniversary(
        session, title_en="Another", title_vi="Khác", origin_date=date(1973, 9, 21)
    )
    coordinator = create_person(session, "coordinator")

    unit_feed = vevents(build(session, Feed(FeedKind.UNIT, unit_code=first.code), coordinator))
    assert talks.uid in unit_feed and festival.uid not in unit_feed
    assert any(uid.startswith(ours.uid) for uid in unit_feed)
    assert not any(uid.startswith(theirs.uid) for uid in unit_feed)

    kind_feed = vevents(
        build(session, Feed(FeedKind.EVENT_KIND, event_kind="cultural"), coordinator)
    )
    assert set(kind_feed) == {festival.uid}

    only_anniversaries = vevents(build(session, Feed(FeedKind.ANNIVERSARIES), coordinator))
    assert talks.uid not in only_anniversaries and festival.uid not in only_anniversaries
    assert {uid.rsplit("-", 1)[0] for uid in only_anniversaries} == {ours.uid, theirs.uid}

    with pytest.raises(NotFound):
        build(session, Feed(FeedKind.UNIT, unit_code="no-such-unit"), coordinator)
    with pytest.raises(NotFound):
        build(session, Feed(FeedKind.EVENT_KIND, event_kind="party"), coordinator)


# --- the iCalendar text --------------------------------------------------------------------------


def test_feed_parses_and_expands_with_every_property_a_calendar_app_needs(session, now):
    owner = create_unit(session)
    paris = make_event(
        session,
        owner,
        now=now,
        title="Tọa đàm, Paris; phiên 1",
        description="Dòng một\nDòng hai",
        location="Paris",
        timezone="Europe/Paris",
        starts_local=wall("2026-12-03T09:00"),
        ends_local=wall("2026-12-03T11:00"),
        tags=["báo chí"],
    )
    hanoi = make_event(session, owner, now=now, title="Họp Hà Nội")
    festival = make_event(
        session,
        owner,
        now=now,
        title="Tuần văn hóa",
        all_day=True,
        starts_local=None,
        ends_local=None,
        start_date=date(2027, 3, 1),
        end_date=date(2027, 3, 3),
        kind="cultural",
    )
    anniversary = create_anniversary(session)
    person = create_person(session, "coordinator")

    body = build(session, PERSONAL, person)
    calendar = parse(body)
    items = vevents(body)

    first = items[paris.uid]
    assert str(first["SUMMARY"]) == "Tọa đàm, Paris; phiên 1"
    assert str(first["DESCRIPTION"]) == "Dòng một\nDòng hai"
    assert first["DTSTART"].params["TZID"] == "Europe/Paris"
    assert first.decoded("DTSTART") == datetime(2026, 12, 3, 9, tzinfo=ZoneInfo("Europe/Paris"))
    assert first.decoded("DTEND").astimezone(UTC) == datetime(2026, 12, 3, 10, tzinfo=UTC)
    assert first.decoded("DTSTAMP") == paris.updated_at == first.decoded("LAST-MODIFIED")
    assert first.decoded("SEQUENCE") == paris.sequence
    assert "báo chí" in [str(value) for value in first["CATEGORIES"].cats]
    assert "VALARM" not in body.decode()

    zones_used = {
        item["DTSTART"].params["TZID"]
        for item in calendar.walk("VEVENT")
        if "TZID" in item["DTSTART"].params
    }
    assert zones_used == {"Europe/Paris", "Asia/Ho_Chi_Minh"}
    assert {str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")} == zones_used
    assert items[hanoi.uid].decoded("DTSTART").astimezone(UTC) == datetime(
        2026, 12, 3, 2, tzinfo=UTC
    )

    multi_day = items[festival.uid]
    assert multi_day["DTSTART"].params["VALUE"] == "DATE"
    assert multi_day.decoded("DTSTART") == date(2027, 3, 1)
    assert multi_day.decoded("DTEND") == date(2027, 3, 4)  # exclusive: the day after the last

    occurrence_uid = f"{anniversary.uid}-2027"
    milestone = items[occurrence_uid]
    assert str(milestone["SUMMARY"]).startswith("32 năm")
    assert milestone.decoded("DTSTART") == date(2027, 7, 12)
    assert milestone.decoded("DTEND") == date(2027, 7, 13)
    assert "regular" in [str(value) for value in milestone["CATEGORIES"].cats]

    expanded = recurring_ical_events.of(calendar).between(SINCE, UNTIL + timedelta(days=1))
    assert {str(item["UID"]) for item in expanded} == set(items)


def test_milestone_summaries_and_tiers(session, now):
    anniversary = create_anniversary(session, origin_date=date(1995, 7, 12))
    person = create_person(session, "viewer", locale="en")
    feed = Feed(FeedKind.ANNIVERSARIES, locale="en")
    contents = feed_contents(
        session, feed, viewer=person, since=date(2025, 1, 1), until=date(2025, 12, 31), zone=ZONE
    )
    body = render_feed(contents, name="x", locale="en", labels={"major": "Major milestone"})
    milestone = vevents(body)[f"{anniversary.uid}-2025"]
    assert str(milestone["SUMMARY"]).startswith("30th anniversary")
    assert str(milestone["DESCRIPTION"]).startswith("30 năm")  # the other language
    assert "Major milestone" in [str(value) for value in milestone["CATEGORIES"].cats]


def test_cancelled_event_stays_with_status_cancelled_and_a_higher_sequence(session, now):
    owner = create_unit(session)
    event = make_event(session, owner, now=now)
    person = create_person(session, "coordinator")
    before = vevents(build(session, PERSONAL, person))[event.uid]
    services.cancel_event(session, actor=None, now=now + timedelta(hours=1), event=event)
    after = vevents(build(session, PERSONAL, person))[event.uid]
    assert str(after["STATUS"]) == "CANCELLED"
    assert after.decoded("SEQUENCE") > before.decoded("SEQUENCE")
    assert after.decoded("DTSTAMP") > before.decoded("DTSTAMP")


def test_sequence_rises_when_the_time_changes(session, now):
    owner = create_unit(session)
    event = make_event(session, owner, now=now)
    person = create_person(session, "coordinator")
    before = vevents(build(session, PERSONAL, person))[event.uid]
    data = EventInput(
        title=event.title,
        kind=event.kind,
        all_day=False,
        starts_local=wall("2026-12-04T14:00"),
        ends_local=wall("2026-12-04T16:00"),
        start_date=None,
        end_date=None,
        timezone=ZONE,
        owner_unit_code=owner.code,
        visibility="internal",
    )
    services.update_event(
        session,
        actor=None,
        now=now + timedelta(hours=1),
        event=event,
        data=data,
        confirm_overlap=True,
    )
    after = vevents(build(session, PERSONAL, person))[event.uid]
    assert after.decoded("SEQUENCE") == before.decoded("SEQUENCE") + 1
    assert str(after["UID"]) == str(before["UID"])
    assert after.decoded("DTSTART").astimezone(UTC) == datetime(2026, 12, 4, 7, tzinfo=UTC)


def test_same_data_gives_the_same_bytes(session, now):
    owner = create_unit(session)
    make_event(session, owner, now=now, timezone="Europe/Paris")
    make_event(
        session,
        owner,
        now=now,
        all_day=True,
        starts_local=None,
        ends_local=None,
        start_date=date(2027, 1, 5),
        end_date=None,
    )
    create_anniversary(session)
    person = create_person(session, "coordinator")
    first = build(session, PERSONAL, person)
    session.expire_all()
    assert build(session, PERSONAL, person) == first


class FragmentDict(dict):
    """The smallest FragmentStore: what the web keeps in a bounded LRU."""

    def put(self, key, value, size):
        self[key] = value


def test_event_fragments_are_reused_until_the_event_changes(session, now):
    owner = create_unit(session)
    event = make_event(session, owner, now=now, timezone="Europe/Paris")
    make_event(session, owner, now=now)
    person = create_person(session, "coordinator")
    store = FragmentDict()
    contents = feed_contents(session, PERSONAL, viewer=person, since=SINCE, until=UNTIL, zone=ZONE)
    plain = render_feed(contents, name="x", locale="vi")
    assert render_feed(contents, name="x", locale="vi", fragments=store) == plain
    assert len(store) == 2
    assert render_feed(contents, name="x", locale="vi", fragments=store) == plain

    services.cancel_event(session, actor=None, now=now + timedelta(hours=1), event=event)
    contents = feed_contents(session, PERSONAL, viewer=person, since=SINCE, until=UNTIL, zone=ZONE)
    changed = render_feed(contents, name="x", locale="vi", fragments=store)
    assert str(vevents(changed)[event.uid]["STATUS"]) == "CANCELLED"
    assert changed == render_feed(contents, name="x", locale="vi")
    assert b"Europe/Paris" in changed  # its VTIMEZONE, known from the cached fragment's zones


def test_data_version_moves_with_any_change(session, now):
    owner = create_unit(session)
    event = make_event(session, owner, now=now)
    version = data_version(session)
    assert version.changed_at == now
    services.cancel_event(session, actor=None, now=now + timedelta(minutes=1), event=event)
    changed = data_version(session)
    assert changed.fingerprint != version.fingerprint
    assert changed.changed_at == now + timedelta(minutes=1)
    session.delete(session.get(Event, event.id))
    session.flush()
    assert data_version(session).fingerprint != changed.fingerprint


def test_calendar_name_is_one_line(session):
    body = render_feed(FeedContents(), name="Herald:\r\n Sở Ngoại vụ\nTP. Hồ Chí Minh", locale="vi")
    calendar = parse(body)
    assert str(calendar["NAME"]) == "Herald: Sở Ngoại vụ TP. Hồ Chí Minh"
    assert str(calendar["X-WR-CALNAME"]) == str(calendar["NAME"])


def _transient_event(**fields) -> Event:
    values = {
        "id": 1,
        "uid": "transient@herald.test",
        "title": "Sự kiện",
        "description": "",
        "translations": {},
        "kind": "other",
        "all_day": False,
        "timezone": "Europe/Paris",
        "location": "",
        "visibility": "internal",
        "status": "confirmed",
        "tags": [],
        "sequence": 0,
        "created_at": datetime(2026, 1, 1, tzinfo=UTC),
        "updated_at": datetime(2026, 1, 2, tzinfo=UTC),
    }
    values.update(fields)
    return Event(**values)


def test_time_repeated_when_clocks_go_back_keeps_its_instant():
    # 25 Oct 2026, Paris: 02:30 happens twice, at 00:30 and at 01:30 UTC. Written as a local
    # time, the second would be read back as the first.
    first = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    second = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    body = render_feed(
        FeedContents(
            events=[
                _transient_event(id=1, uid="first@t", starts_at=first, ends_at=second),
                _transient_event(
                    id=2, uid="second@t", starts_at=second, ends_at=second + timedelta(hours=1)
                ),
            ]
        ),
        name="x",
        locale="vi",
    )
    items = vevents(body)
    assert items["first@t"].decoded("DTSTART").astimezone(UTC) == first
    assert items["second@t"].decoded("DTSTART").astimezone(UTC) == second
    assert items["first@t"].decoded("DTEND").astimezone(UTC) == second


@pytest.mark.parametrize("year", [1954, 1975, 2045, 2071])
def test_vtimezone_covers_historical_and_distant_dates(year):
    """icalendar's default VTIMEZONE stops at 1970-2038; a feed's zones cover its own times."""
    instant = datetime(year, 7, 1, 8, tzinfo=UTC)
    body = render_feed(
        FeedContents(
            events=[_transient_event(starts_at=instant, ends_at=instant + timedelta(hours=1))]
        ),
        name="x",
        locale="vi",
    )
    (timezone,) = parse(body).walk("VTIMEZONE")
    wall = instant.astimezone(ZoneInfo("Europe/Paris")).replace(tzinfo=None)
    from_vtimezone = wall.replace(tzinfo=timezone.to_tz()).utcoffset()
    assert from_vtimezone == instant.astimezone(ZoneInfo("Europe/Paris")).utcoffset()
    assert vtimezone("Europe/Paris", year, year) in body


def test_long_lines_fold_at_75_octets_without_breaking_characters():
    title = "Kỷ niệm ngày thiết lập quan hệ ngoại giao; đoàn đại biểu, phóng viên \\ " * 6
    body = render_feed(
        FeedContents(
            events=[
                _transient_event(
                    title=title, starts_at=datetime(2026, 12, 1, tzinfo=UTC), ends_at=None
                )
            ]
        ),
        name="x",
        locale="vi",
    )
    for line in body.split(b"\r\n"):
        assert len(line) <= 75
        line.decode()  # each physical line is whole UTF-8
    assert str(vevents(body)["transient@herald.test"]["SUMMARY"]) == title


# --- feed links ----------------------------------------------------------------------------------


def test_feed_token_is_signed_with_the_secret_and_the_feed_key():
    token = sign_feed_token(SECRET, 42, "key-1")
    assert feed_token_person_id(token) == 42
    assert verify_feed_token(SECRET, token, 42, "key-1")
    assert not verify_feed_token(SECRET, token, 42, "key-2")
    assert not verify_feed_token("another-secret-key-0123456789abcdefgh", token, 42, "key-1")
    assert not verify_feed_token(SECRET, token, 43, "key-1")
    forged = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert not verify_feed_token(SECRET, forged, 42, "key-1")
    for malformed in ("", "42", "-abc", "x-abc", "42-", "1" * 20 + "-abc"):
        assert feed_token_person_id(malformed) is None


def test_token_finds_its_active_person_only(session, now):
    person = create_person(session, "viewer")
    token = sign_feed_token(SECRET, person.id, person.feed_key)
    assert person_for_feed_token(session, secret=SECRET, token=token) is person
    assert person_for_feed_token(session, secret=SECRET, token=token + "x") is None
    assert person_for_feed_token(session, secret=SECRET, token=f"{person.id + 1000}-x") is None
    person.active = False
    assert person_for_feed_token(session, secret=SECRET, token=token) is None


def test_reset_feed_links_revokes_old_tokens_and_is_audited(session, now):
    person = create_person(session, "viewer")
    old_key = person.feed_key
    old_token = sign_feed_token(SECRET, person.id, old_key)
    reset_feed_links(session, actor=person, now=now)
    assert person.feed_key != old_key
    assert person_for_feed_token(session, secret=SECRET, token=old_token) is None
    new_token = sign_feed_token(SECRET, person.id, person.feed_key)
    assert person_for_feed_token(session, secret=SECRET, token=new_token) is person
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "feed_links_reset")).one()
    assert entry.actor_id == person.id and entry.target_id == person.id
    assert entry.occurred_at == now
    assert old_key not in str(entry.before) and person.feed_key not in str(entry.after)
