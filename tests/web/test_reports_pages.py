"""The Reports section, a campaign's dashboard and its report in every format, and the
campaign figures of the API: the numbers of the known data set, and who may open them."""

from __future__ import annotations

import io

import pypdfium2 as pdfium
import pytest
from openpyxl import load_workbook

from tests.factories import bearer, create_person, login
from tests.metrics_factories import known_campaign

DECEMBER = {"start": "2026-12-01", "end": "2026-12-03"}


@pytest.fixture
def campaign(session):
    campaign = known_campaign(session)
    session.commit()
    return campaign


@pytest.fixture
def viewer(session, campaign):
    # Figures are shown to everyone who may see the campaign, in Ha Noi's days here.
    person = create_person(session, "viewer", timezone="Asia/Ho_Chi_Minh")
    session.commit()
    return person


def test_the_reports_section_lists_campaign_reports(client, session, campaign, viewer):
    login(client, viewer)
    page = client.get("/reports/")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert f"/reports/campaigns/{campaign.id}" in body
    assert "Not built yet" not in body
    # The old address of the section leads there.
    assert client.get("/section/reports").headers["Location"].endswith("/reports/")


def test_the_dashboard_shows_figures_charts_and_not_available(client, campaign, viewer):
    login(client, viewer)
    page = client.get(f"/reports/campaigns/{campaign.id}", query_string=DECEMBER)
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert body.count('<svg xmlns="http://www.w3.org/2000/svg"') == 3
    assert "<title" in body and 'role="img"' in body
    assert "3 / 5" in body  # on time / due
    assert "1,500" in body and "from 3 of 4 publications" in body
    assert "not available" in body
    assert "sandbox" in body.lower()
    assert "Telegram gives bots no views" in body
    assert "Post A" in body


def test_a_range_ending_before_it_starts_says_so(client, campaign, viewer):
    login(client, viewer)
    page = client.get(
        f"/reports/campaigns/{campaign.id}",
        query_string={"start": "2026-12-03", "end": "2026-12-01"},
    )
    assert page.status_code == 200
    assert "The range ends before it starts." in page.get_data(as_text=True)
    assert (
        client.get(
            f"/reports/campaigns/{campaign.id}", query_string={"start": "2026-13-45"}
        ).status_code
        == 200
    )


def test_the_report_as_pdf_holds_the_numbers(client, campaign, viewer):
    login(client, viewer)
    answer = client.get(
        f"/reports/campaigns/{campaign.id}/report.pdf", query_string={**DECEMBER, "lang": "vi"}
    )
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    pdf = pdfium.PdfDocument(answer.data)
    text = "".join(page.get_textpage().get_text_range() for page in pdf)
    pdf.close()
    assert "1.500" in text  # reach, Vietnamese grouping
    assert "15.000" in text  # reach of coverage
    assert "4,0 %" in text  # engagement rate
    assert "Post A" in text


def test_the_report_as_xlsx_and_csv(client, campaign, viewer):
    login(client, viewer)
    answer = client.get(
        f"/reports/campaigns/{campaign.id}/report.xlsx", query_string={**DECEMBER, "lang": "en"}
    )
    book = load_workbook(io.BytesIO(answer.data))
    figures = {row[0]: row[1] for row in book.worksheets[0].iter_rows(min_row=3, values_only=True)}
    assert figures["Reach"] == 1500
    assert figures["Engagements"] == 80
    assert figures["Engagement rate"] == pytest.approx(0.04)
    csv = client.get(
        f"/reports/campaigns/{campaign.id}/report.csv", query_string={**DECEMBER, "lang": "en"}
    ).data.decode("utf-8-sig")
    assert "Reach,1500,from 3 of 4 publications" in csv
    assert "Telegram VI,1,1,not available,20" in csv


def test_the_printable_report_in_a_chosen_language(client, campaign, viewer):
    login(client, viewer)
    page = client.get(
        f"/reports/campaigns/{campaign.id}/report", query_string={**DECEMBER, "lang": "en"}
    )
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Campaign report" in body and "Progress against targets" in body
    assert client.get(f"/reports/campaigns/{campaign.id}/report.doc").status_code == 404


def test_who_may_not_see_the_campaign_gets_nothing(client, session, campaign):
    unknown = campaign.id + 1000
    person = create_person(session, "viewer")
    session.commit()
    assert client.get(f"/reports/campaigns/{campaign.id}").status_code in (302, 401)
    assert client.get(f"/reports/campaigns/{campaign.id}/report.pdf").status_code in (302, 401)
    login(client, person)
    assert client.get(f"/reports/campaigns/{unknown}").status_code == 404
    assert client.get(f"/reports/campaigns/{unknown}/report.xlsx").status_code == 404
    person.active = False
    session.commit()
    assert client.get(f"/reports/campaigns/{campaign.id}").status_code != 200


def test_the_post_page_shows_fixed_points_and_why_not_available(client, session, campaign):
    coordinator = create_person(session, "coordinator")
    session.commit()
    login(client, coordinator)
    post = next(post for post in campaign.posts if post.title == "Post A")
    body = client.get(f"/social/posts/{post.id}").get_data(as_text=True)
    assert 'id="numbers"' in body
    assert "at 24 h" in body and "at 1 h" in body and "at 7 d" in body
    assert "not measured yet" in body
    assert "Telegram gives bots no views and no forwards" in body


def test_the_api_gives_summary_series_and_top_posts(client, session, campaign, viewer):
    headers = bearer(session, viewer)
    base = f"/api/v1/campaigns/{campaign.id}"
    summary = client.get(f"{base}/summary", query_string=DECEMBER, headers=headers).get_json()
    assert summary["publications"] == 4 and summary["on_time"] == 3 and summary["due"] == 5
    assert summary["reach"] == {"value": 1500, "available": 3, "total": 4, "partial": True}
    assert summary["engagement_rate"]["value"] == pytest.approx(0.04)
    assert summary["sandbox_publications"] == 1
    assert summary["coverage"]["articles"] == 3
    series = client.get(f"{base}/timeseries", query_string=DECEMBER, headers=headers).get_json()
    assert [day["reach"]["value"] for day in series] == [1000, None, 500]
    top = client.get(
        f"{base}/top-posts", query_string={**DECEMBER, "limit": 1}, headers=headers
    ).get_json()
    assert [post["title"] for post in top] == ["Post A"]


def test_the_api_refuses_bad_ranges_and_strangers(client, session, campaign, viewer):
    headers = bearer(session, viewer)
    base = f"/api/v1/campaigns/{campaign.id}"
    wrong = client.get(
        f"{base}/summary",
        query_string={"start": "2026-12-03", "end": "2026-12-01"},
        headers=headers,
    )
    assert wrong.status_code == 422 and "message" in wrong.get_json()
    too_long = client.get(
        f"{base}/timeseries",
        query_string={"start": "1900-01-01", "end": "2200-01-01"},
        headers=headers,
    )
    assert too_long.status_code == 422
    assert client.get(f"{base}/summary").status_code == 401
    missing = client.get(f"/api/v1/campaigns/{campaign.id + 1000}/summary", headers=headers)
    assert missing.status_code == 404 and "message" in missing.get_json()
    assert (
        "/api/v1/campaigns/{campaign_id}/summary"
        in client.get("/api/v1/openapi.json").get_json()["paths"]
    )


def test_targets_for_engagement_rate_and_coverage_reach(client, session):
    from sqlalchemy import select

    from campaigns.social.models import Campaign
    from tests.factories import create_unit

    create_unit(session, code="mofa-kpi", kind="ministry", country="VN")
    coordinator = create_person(session, "coordinator")
    session.commit()
    login(client, coordinator)
    data = {"name_vi": "Chiến dịch KPI", "name_en": "KPI campaign", "starts_on": "2027-01-01",
            "ends_on": "2027-06-30", "owner_unit_code": "mofa-kpi", "target_countries": ["VN"],
            "languages": "vi, en", "kpi_engagement_rate": "2.5", "kpi_coverage_reach": "300000"}  # fmt: skip
    for wrong in ("NaN", "Infinity", "101", "-1"):
        refused = client.post("/social/campaigns/new", data={**data, "kpi_engagement_rate": wrong})
        assert refused.status_code == 422, wrong
    assert client.post("/social/campaigns/new", data=data).status_code == 303
    campaign = session.scalar(select(Campaign).where(Campaign.name_en == "KPI campaign"))
    assert campaign.kpi_targets == {"engagement_rate": 250, "coverage_reach": 300000}
    edit = client.get(f"/social/campaigns/{campaign.id}/edit").get_data(as_text=True)
    assert 'value="2.50"' in edit and "300000" in edit
    page = client.get(f"/reports/campaigns/{campaign.id}").get_data(as_text=True)
    assert "target 2.5" in page and "target 300,000" in page
    headers = bearer(session, coordinator)
    wrong = client.patch(
        f"/api/v1/campaigns/{campaign.id}",
        json={"kpi_targets": {"engagement_rate": 10001}},
        headers=headers,
    )
    assert wrong.status_code == 422
