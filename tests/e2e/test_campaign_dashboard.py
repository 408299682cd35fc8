"""A coordinator opens the measured demo campaign from the Reports section: its dashboard shows
the server-drawn charts (with their numbers as a table), the progress cards and the sandbox
note, and the report for leadership opens as a printable page with a PDF beside it."""

from __future__ import annotations

from sqlalchemy import select

from campaigns.metrics.demo import NAME_EN
from campaigns.social.models import Campaign
from tests.e2e.conftest import sign_in
from web.extensions import db


def test_a_campaign_dashboard_shows_its_charts(page, live_server):
    with live_server.app.app_context():
        campaign_id = db.session.scalar(select(Campaign.id).where(Campaign.name_en == NAME_EN))
    sign_in(page, "coordinator@example.org")
    page.click("nav.main-nav a[href='/reports/']")
    page.click(f"#campaign-{campaign_id} a[href='/reports/campaigns/{campaign_id}']")
    page.wait_for_url(f"**/reports/campaigns/{campaign_id}")

    charts = page.locator("svg.chart")
    assert charts.count() == 3
    daily = page.locator("svg[data-chart=chart-daily-reach]")
    assert daily.get_attribute("role") == "img"
    assert daily.locator("title").count() >= 1
    # The demo has measured publications: the reach line is drawn, bars stand.
    assert daily.locator("polyline, circle").count() >= 1, page.locator("#kpis").inner_text()
    assert page.locator("svg[data-chart=chart-daily-publications] rect[fill='#0072B2']").count() > 0
    assert page.locator("#kpis .kpi").count() >= 6
    assert page.locator(".sandbox-note").count() >= 1

    # The numbers behind a chart, readable as a table.
    numbers = page.locator("#chart-daily-reach details.chart-numbers")
    numbers.locator("summary").click()
    assert numbers.locator("tbody tr").count() > 7

    # A narrower range: the form keeps it.
    start = page.locator("input[name=start]").input_value()
    page.fill("input[name=end]", start)
    page.click("#range button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("input[name=end]").input_value() == start
    assert page.locator("svg.chart").count() == 3

    page.goto(f"/reports/campaigns/{campaign_id}/report")
    assert page.locator("article.report-document svg.chart").count() == 3
    assert page.locator("a[data-format=pdf]").count() == 1
    answer = page.request.get(f"/reports/campaigns/{campaign_id}/report.pdf")
    assert answer.ok and answer.body()[:4] == b"%PDF"
