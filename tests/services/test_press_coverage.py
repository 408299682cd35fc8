import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from campaigns.errors import Invalid, NotAllowed
from campaigns.press import coverage, queries, reports
from campaigns.press.models import CoverageItem
from tests.factories import create_person
from tests.press_factories import add_item, create_journalist, create_outlet, create_trip, invite


def count(session) -> int:
    return session.scalar(select(func.count()).select_from(CoverageItem))


def log(session, now, url, actor=None, status="found", **fields):
    return coverage.record_coverage(
        session,
        actor=actor,
        now=now,
        status=status,
        data=coverage.CoverageInput(url=url, **fields),
    )


def test_the_same_article_logged_twice_points_to_the_first_item(session, now):
    escort = create_person(session, role="field")
    colleague = create_person(session, role="field")
    trip = create_trip(session)
    add_item(session, trip, escort=escort)
    add_item(session, trip, escort=colleague, city="Huế")
    first, created = log(
        session, now, "https://www.lefigaro.fr/vietnam-2027/?utm_source=tg", actor=escort,
        trip_id=trip.id, status="expected",
    )  # fmt: skip
    assert created and first.status == "expected" and first.reported_by is escort
    again, created = log(
        session, now, "http://lefigaro.fr/vietnam-2027#top", actor=colleague, trip_id=trip.id
    )
    assert not created and again is first
    assert count(session) == 1


def test_a_link_that_is_not_http_is_refused_with_nothing_saved(session, now):
    with pytest.raises(Invalid) as caught:
        log(session, now, "javascript:alert(1)", tone="great", language="French")
    assert set(caught.value.errors) == {"url", "tone", "language"}
    assert count(session) == 0


def test_the_outlet_and_language_default_from_the_journalist(session, now):
    outlet = create_outlet(session, name="Asahi", country="JP", languages=["ja"])
    journalist = create_journalist(session, outlet=outlet)
    item, _ = log(session, now, "https://asahi.com/a", journalist_id=journalist.id)
    assert item.outlet is outlet and item.language == "ja"


def test_key_messages_come_from_the_trip(session, now):
    trip = create_trip(session, key_messages=["Open economy", "Peace"])
    with pytest.raises(Invalid) as caught:
        log(session, now, "https://x.example/1", trip_id=trip.id, key_messages=["Something else"])
    assert "key_messages" in caught.value.errors
    item, _ = log(session, now, "https://x.example/1", trip_id=trip.id, key_messages=["Peace"])
    assert item.key_messages == ["Peace"]


def test_field_staff_log_coverage_only_for_their_trips(session, now):
    escort = create_person(session, role="field")
    mine, other = create_trip(session), create_trip(session)
    add_item(session, mine, escort=escort)
    log(session, now, "https://x.example/mine", actor=escort, trip_id=mine.id)
    with pytest.raises(NotAllowed):
        log(session, now, "https://x.example/other", actor=escort, trip_id=other.id)
    assert [item.trip for item in queries.coverage_items(session, escort)] == [mine]


def test_field_staff_taken_off_a_trip_no_longer_see_even_their_own_reports_on_it(session, now):
    # Their report would name the trip they no longer work on.
    escort = create_person(session, role="field")
    trip = create_trip(session)
    item = add_item(session, trip, escort=escort)
    on_trip, _ = log(session, now, "https://x.example/on-trip", actor=escort, trip_id=trip.id)
    assert queries.coverage_items(session, escort) == [on_trip]

    item.escort_id = None
    session.flush()

    assert queries.coverage_items(session, escort) == []
    assert not queries.may_see_coverage(escort, on_trip)


def test_coverage_goes_expected_found_verified_without_skipping(session, now):
    item, _ = log(session, now, "https://x.example/a", status="expected")
    editor = create_person(session, role="editor")
    with pytest.raises(Invalid):
        coverage.change_coverage_status(
            session, actor=editor, now=now, item=item, status="verified"
        )
    coverage.change_coverage_status(session, actor=editor, now=now, item=item, status="found")
    coverage.change_coverage_status(session, actor=editor, now=now, item=item, status="verified")
    with pytest.raises(NotAllowed):
        coverage.change_coverage_status(
            session, actor=create_person(session, role="field"), now=now, item=item, status="found"
        )


def test_editing_a_link_onto_another_items_link_is_refused(session, now):
    log(session, now, "https://x.example/a")
    second, _ = log(session, now, "https://x.example/b")
    with pytest.raises(Invalid) as caught:
        coverage.update_coverage(
            session,
            actor=None,
            now=now,
            item=second,
            data=coverage.CoverageInput(url="https://www.x.example/a/"),
        )
    assert "url" in caught.value.errors
    assert second.url == "https://x.example/b"


def build_reported_trip(session, now):
    trip = create_trip(
        session, key_messages=["Open economy", "Peace"], budget_planned="900", budget_actual="1000"
    )
    le_monde = create_outlet(session, name="Le Monde", country="FR", estimated_reach=300)
    nhk = create_outlet(session, name="NHK", country="JP", languages=["ja"], estimated_reach=1000)
    claire = create_journalist(session, outlet=le_monde, name_latin="Claire Dubois")
    yuki = create_journalist(session, outlet=nhk, name_latin="Tanaka Yuki")
    for journalist in (claire, yuki):
        invite(session, trip, journalist)
    log(session, now, "https://lemonde.fr/1", trip_id=trip.id, journalist_id=claire.id,
        tone="positive", key_messages=["Peace"])  # fmt: skip
    log(session, now, "https://lemonde.fr/2", trip_id=trip.id, journalist_id=claire.id,
        tone="neutral", estimated_reach=50, key_messages=["Peace", "Open economy"])  # fmt: skip
    log(session, now, "https://nhk.jp/1", trip_id=trip.id, journalist_id=yuki.id, tone="positive")
    log(session, now, "https://nhk.jp/2", trip_id=trip.id, journalist_id=yuki.id, status="expected")
    return trip


def test_the_trip_report_adds_up_found_coverage(session, now):
    trip = build_reported_trip(session, now)
    report = reports.trip_report(session, trip)
    assert report.articles == 3 and report.expected == 1
    assert report.reach == 300 + 50 + 1000
    assert [(row.label, row.articles) for row in report.by_journalist] == [
        ("Claire Dubois", 2),
        ("Tanaka Yuki", 1),
    ]
    assert [(row.label, row.articles, row.reach) for row in report.by_country] == [
        ("FR", 2, 350),
        ("JP", 1, 1000),
    ]
    assert report.tone == {"positive": 2, "neutral": 1, "negative": 0, "unknown": 0}
    assert [(row.label, row.articles) for row in report.key_messages] == [
        ("Open economy", 1),
        ("Peace", 2),
    ]
    # The actual budget wins over the planned one.
    assert report.cost_per_article == Decimal("333.33")


def test_the_report_exports_as_csv_and_xlsx(session, now):
    trip = build_reported_trip(session, now)
    report = reports.trip_report(session, trip)
    text = reports.report_csv(report).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == [trip.title]
    assert ["Cost per article", "333.33"] in rows
    assert ["Claire Dubois", "2", "350"] in rows
    workbook = load_workbook(io.BytesIO(reports.report_xlsx(report)))
    assert workbook.sheetnames[:3] == ["Summary", "By journalist", "By country"]
    assert workbook["Articles"].max_row == 4


def test_the_workbook_holds_figures_amounts_and_days_the_readers_spreadsheet_formats(session, now):
    trip = build_reported_trip(session, now)
    for item in queries.coverage_of_trip(session, trip):
        item.published_on = date(2027, 9, 5)
    session.flush()
    workbook = load_workbook(io.BytesIO(reports.report_xlsx(reports.trip_report(session, trip))))
    summary = {row[0].value: row[1] for row in workbook["Summary"].iter_rows(min_row=2)}
    # Numbers, not text: the spreadsheet groups digits the reader's way (1.350 / 1,350).
    assert summary["Estimated reach"].value == 1350
    assert summary["Estimated reach"].number_format == "#,##0"
    assert summary["Cost per article"].value == pytest.approx(333.33)
    assert summary["Cost per article"].number_format == "#,##0"  # the đồng has no cents
    published = workbook["Articles"]["A2"]
    assert published.value.date() == date(2027, 9, 5)  # a date cell, not text
    assert published.number_format == "mm-dd-yy"  # Excel's date format that follows the locale


def test_a_headline_is_never_a_spreadsheet_formula(session, now):
    trip = create_trip(session)
    log(session, now, "https://x.example/f", trip_id=trip.id, headline='=HYPERLINK("x")')
    text = reports.report_csv(reports.trip_report(session, trip)).decode("utf-8-sig")
    assert "'=HYPERLINK" in text


def test_no_cell_of_the_exports_is_a_formula_the_trip_title_included(session, now):
    trip = create_trip(session, title='=HYPERLINK("http://evil.example","Report")')
    outlet = create_outlet(session, name="@Outlet", country="FR", estimated_reach=10)
    journalist = create_journalist(session, outlet=outlet, name_latin="+Claire")
    invite(session, trip, journalist)
    log(session, now, "https://x.example/g", trip_id=trip.id, journalist_id=journalist.id,
        headline="-1+2", tone="positive")  # fmt: skip
    report = reports.trip_report(session, trip)

    rows = list(csv.reader(io.StringIO(reports.report_csv(report).decode("utf-8-sig"))))
    workbook = load_workbook(io.BytesIO(reports.report_xlsx(report)))
    xlsx_cells = [cell.value for sheet in workbook for row in sheet.iter_rows() for cell in row]

    assert rows[0] == ['\'=HYPERLINK("http://evil.example","Report")']
    for cell in [cell for row in rows for cell in row] + xlsx_cells:
        if isinstance(cell, str):
            assert not cell.startswith(("=", "+", "-", "@")), cell
    assert "'+Claire" in [cell for row in rows for cell in row]


def test_articles_count_for_the_campaign_of_their_trip(session, now):
    from datetime import date

    from campaigns.social.models import Campaign

    owner = create_person(session, role="coordinator")
    campaign = Campaign(
        name_vi="Quốc khánh", name_en="National Day", starts_on=date(2027, 8, 1),
        ends_on=date(2027, 9, 30), owner_unit_id=create_trip(session).host_unit_id,
        created_by_id=owner.id, created_at=now, updated_at=now,
    )  # fmt: skip
    session.add(campaign)
    session.flush()
    trip = create_trip(session, campaign_id=campaign.id)
    item, _ = log(session, now, "https://x.example/c1", trip_id=trip.id)
    assert item.campaign is campaign
    log(session, now, "https://x.example/c2", status="expected", trip_id=trip.id)
    log(session, now, "https://x.example/c3", campaign_id=campaign.id)
    assert queries.coverage_articles_for_campaign(session, campaign.id) == 2
    with pytest.raises(Invalid) as caught:
        log(session, now, "https://x.example/c4", campaign_id=987654)
    assert "campaign_id" in caught.value.errors
