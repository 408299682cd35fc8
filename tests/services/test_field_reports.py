"""Field reports filed from the bot: on what one may see only, links logged as expected coverage
(deduplicated, answered only with what one may see), photos checked and kept, all audited."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select

from campaigns.errors import Invalid, NotFound
from campaigns.field import reports
from campaigns.field.models import FieldReport
from campaigns.field.reports import ReportTarget
from campaigns.org.models import AuditEntry
from campaigns.press import coverage
from campaigns.press.models import CoverageItem
from tests.factories import create_event, create_person, create_unit
from tests.press_factories import add_item, create_trip
from tests.social_factories import create_campaign

NOW = datetime(2027, 8, 31, 3, 0, tzinfo=UTC)  # the second day of the trips below


def jpeg(size: tuple[int, int] = (8, 6)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="JPEG")
    return buffer.getvalue()


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def escorted_trip(session, escort=None, **fields):
    trip = create_trip(session, start=date(2027, 8, 30), **fields)
    if escort is not None:
        add_item(session, trip, escort=escort)
    return trip


def file(session, actor, target, kind, **fields):
    return reports.file_report(session, actor=actor, now=NOW, target=target, kind=kind, **fields)


def test_an_escort_files_a_note_on_their_trip_audited_with_the_bots_door(session):
    session.info["door"] = "bot"
    escort = create_person(session, role="field")
    trip = escorted_trip(session, escort)

    filed = file(session, escort, ReportTarget("trip", trip.id), "note", text="  Arrived in Huế ")

    report = filed.report
    assert (report.kind, report.text, report.trip_id, report.created_by) == (
        "note", "Arrived in Huế", trip.id, escort,
    )  # fmt: skip
    entry = session.scalars(
        select(AuditEntry).where(AuditEntry.target_type == "field_report")
    ).one()
    assert (entry.door, entry.actor_id, entry.action, entry.target_id) == (
        "bot", escort.id, "create", report.id,
    )  # fmt: skip


def test_nobody_reports_on_what_they_may_not_see(session):
    escort = create_person(session, role="field")
    other_trip = escorted_trip(session)
    owner, elsewhere = create_unit(session), create_unit(session)
    restricted = create_event(session, owner=owner, visibility="restricted")
    stranger = create_person(session, role="editor", unit=elsewhere)

    with pytest.raises(NotFound):
        file(session, escort, ReportTarget("trip", other_trip.id), "note", text="x")
    with pytest.raises(NotFound):
        file(session, stranger, ReportTarget("event", restricted.id), "note", text="x")
    with pytest.raises(NotFound):
        file(session, escort, ReportTarget("planet", 1), "note", text="x")
    insider = create_person(session, role="editor", unit=owner)
    file(session, insider, ReportTarget("event", restricted.id), "note", text="seen")
    assert count(session, FieldReport) == 1


def test_a_link_on_a_trip_becomes_expected_coverage_reported_by_the_escort(session):
    escort = create_person(session, role="field")
    trip = escorted_trip(session, escort)

    filed = file(
        session, escort, ReportTarget("trip", trip.id), "link",
        url="https://www.lemonde.fr/vietnam/?utm_source=tg", text="Page 3",
    )  # fmt: skip

    item = filed.coverage
    assert filed.coverage_created and filed.report.coverage_id == item.id
    assert (item.status, item.trip, item.reported_by) == ("expected", trip, escort)
    assert (filed.report.url, filed.report.text) == (
        "https://www.lemonde.fr/vietnam/?utm_source=tg", "Page 3",
    )  # fmt: skip


def test_the_same_link_again_points_at_the_item_already_logged(session):
    escort, colleague = create_person(session, role="field"), create_person(session, role="field")
    trip = escorted_trip(session, escort)
    add_item(session, trip, escort=colleague, city="Huế")
    first = file(session, escort, ReportTarget("trip", trip.id), "link", url="https://nhk.jp/a")

    again = file(
        session, colleague, ReportTarget("trip", trip.id), "link", url="http://NHK.jp/a/#top"
    )

    assert not again.coverage_created and again.coverage is first.coverage
    assert again.report.coverage_id == first.coverage.id
    assert count(session, CoverageItem) == 1 and count(session, FieldReport) == 2


def test_a_link_already_logged_on_a_trip_one_may_not_see_is_not_handed_out(session):
    escort = create_person(session, role="field")
    mine, hidden = escorted_trip(session, escort), escorted_trip(session)
    coverage.record_coverage(
        session, actor=None, now=NOW,
        data=coverage.CoverageInput(url="https://asahi.com/secret", trip_id=hidden.id),
    )  # fmt: skip

    with pytest.raises(Invalid) as caught:
        file(session, escort, ReportTarget("trip", mine.id), "link", url="https://asahi.com/secret")

    assert caught.value.template == "Another coverage item already has this link."
    assert hidden.title not in caught.value.message
    assert count(session, FieldReport) == 0


@pytest.mark.parametrize("url", ["lemonde.fr/a", "ftp://lemonde.fr/a", "https://", ""])
def test_a_link_that_is_not_a_web_link_is_refused_with_nothing_saved(session, url):
    escort = create_person(session, role="field")
    trip = escorted_trip(session, escort)

    with pytest.raises(Invalid) as caught:
        file(session, escort, ReportTarget("trip", trip.id), "link", url=url)

    assert caught.value.errors == {"url": reports._NOT_A_LINK}
    assert count(session, FieldReport) == count(session, CoverageItem) == 0


def test_a_link_on_a_campaign_is_coverage_of_the_campaign_and_field_staff_keep_it_as_a_report(
    session,
):
    coordinator = create_person(session, role="coordinator")
    campaign = create_campaign(session)
    filed = file(
        session, coordinator, ReportTarget("campaign", campaign.id), "link", url="https://a.vn/1"
    )
    assert filed.coverage.campaign_id == campaign.id and filed.coverage.trip_id is None

    # Coverage outside a trip is the press desk's to log: the escort's link stays a report.
    escort = create_person(session, role="field")
    event = create_event(session)
    kept = file(session, escort, ReportTarget("event", event.id), "link", url="https://a.vn/2")
    assert kept.coverage is None and kept.report.url == "https://a.vn/2"
    assert kept.report.event_id == event.id and count(session, CoverageItem) == 1


def test_a_photo_is_checked_and_kept_by_its_content_under_the_media_folder(session, tmp_path):
    escort = create_person(session, role="field")
    trip = escorted_trip(session, escort)
    content = jpeg()

    filed = file(
        session, escort, ReportTarget("trip", trip.id), "photo",
        photo=content, text="The delegation at the Temple of Literature", media_root=tmp_path,
    )  # fmt: skip

    report = filed.report
    assert report.photo_path.endswith(".jpg") and (tmp_path / report.photo_path).read_bytes() == (
        content
    )
    assert reports.photo_type(report) == "image/jpeg"
    assert report.text == "The delegation at the Temple of Literature"


def test_a_photo_too_large_or_not_an_image_is_refused_with_nothing_saved(session, tmp_path):
    escort = create_person(session, role="field")
    target = ReportTarget("trip", escorted_trip(session, escort).id)

    with pytest.raises(Invalid) as too_large:
        file(session, escort, target, "photo", photo=b"\xff" * (reports.MAX_PHOTO_BYTES + 1),
             media_root=tmp_path)  # fmt: skip
    with pytest.raises(Invalid) as not_an_image:
        file(session, escort, target, "photo", photo=b"%PDF-1.4 not a photo", media_root=tmp_path)
    with pytest.raises(Invalid):
        file(session, escort, target, "note", text="   ")

    assert too_large.value.message == "This photo is larger than 5 MB."
    assert "not an image" in not_an_image.value.message
    assert count(session, FieldReport) == 0 and list(tmp_path.iterdir()) == []


def test_the_buttons_offer_what_one_may_see_and_runs_now_first(session):
    escort = create_person(session, role="field")
    running = escorted_trip(session, escort, title="Running now")
    escorted_trip(session, title="Not mine")
    soon = create_trip(session, start=date(2027, 9, 5), title="Starts soon")
    add_item(session, soon, escort=escort)
    long_ago = create_trip(session, start=date(2027, 6, 1), title="Long ago")
    add_item(session, long_ago, escort=escort)
    today = create_event(
        session, starts_local=datetime(2027, 8, 31, 9), ends_local=datetime(2027, 8, 31, 11),  # noqa: DTZ001
        timezone="Asia/Ho_Chi_Minh", title="Today's reception",
    )  # fmt: skip
    create_event(
        session, starts_local=datetime(2027, 10, 1, 9), ends_local=datetime(2027, 10, 1, 11),  # noqa: DTZ001
        timezone="Asia/Ho_Chi_Minh",
    )  # fmt: skip
    campaign = create_campaign(session, starts_on=date(2027, 8, 1), ends_on=date(2027, 9, 30))
    create_campaign(session, starts_on=date(2026, 1, 1), ends_on=date(2026, 2, 1))

    options = reports.report_targets(session, escort, now=NOW)

    assert [(o.target.kind, o.target.id) for o in options] == [
        ("trip", running.id), ("trip", soon.id), ("event", today.id), ("campaign", campaign.id),
    ]  # fmt: skip
    assert options[0].label == "Running now"


def test_the_buttons_are_bounded(session):
    coordinator = create_person(session, role="coordinator")
    for _ in range(6):
        create_trip(session, start=date(2027, 8, 30))

    options = reports.report_targets(session, coordinator, now=NOW, limit=3)

    assert len([o for o in options if o.target.kind == "trip"]) == 3


def test_reports_are_listed_newest_first_for_those_who_see_the_target(session):
    escort = create_person(session, role="field")
    trip = escorted_trip(session, escort)
    target = ReportTarget("trip", trip.id)
    first = file(session, escort, target, "note", text="first").report
    later = reports.file_report(
        session, actor=escort, now=NOW + timedelta(hours=1), target=target, kind="note",
        text="later",
    ).report  # fmt: skip

    assert reports.reports_about(session, escort, target) == [later, first]
    assert reports.get_report(session, first.id, actor=escort) is first
    outsider = create_person(session, role="field")
    with pytest.raises(NotFound):
        reports.reports_about(session, outsider, target)
    with pytest.raises(NotFound):
        reports.get_report(session, first.id, actor=outsider)
    with pytest.raises(NotFound):
        reports.get_report(session, 9999, actor=escort)


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("https://lemonde.fr/a great piece", ("https://lemonde.fr/a", "great piece")),
        ("www.lemonde.fr/a", ("www.lemonde.fr/a", "")),
        ("htps://oops", ("htps://oops", "")),
        ("The press conference ended at 11", None),
        ("", None),
    ],
)
def test_a_message_starting_with_a_link_is_read_as_a_link(message, expected):
    assert reports.split_link(message) == expected
