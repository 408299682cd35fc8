"""Journey 8 on the day: the organiser watches the national conference's board while the
embassy in Cambodia reports from its own site page; the board's totals and the site's row
change without the page being reloaded."""

from __future__ import annotations

from sqlalchemy import select

from campaigns.org.models import Unit
from campaigns.programme.conference_models import ConferenceSite
from tests.e2e.conftest import sign_in
from web.extensions import db


def _figure(page, name: str) -> int:
    text = page.locator(f"[data-total={name}]").inner_text()
    return int("".join(ch for ch in text if ch.isdigit()))


def test_the_board_updates_without_reload_when_a_site_reports(page, browser, live_server):
    live_server.app.config["HERALD_BOARD_POLL_MILLISECONDS"] = 300
    with live_server.app.app_context():
        site = db.session.scalar(
            select(ConferenceSite)
            .join(Unit, Unit.id == ConferenceSite.unit_id)
            .where(Unit.code == "mission-kh")
        )
        site_id, conference_id = site.id, site.conference_id
        already = site.connected_at is not None

    sign_in(page, "coordinator@example.org")
    page.click("nav.main-nav a[href='/conferences/']")
    page.click(f"a[href='/conferences/{conference_id}']")
    page.wait_for_url(f"**/conferences/{conference_id}")
    assert page.locator("#board tbody tr").count() == 76  # central + 63 provinces + 12 missions
    connected, delegates = _figure(page, "connected"), _figure(page, "delegates")
    page.evaluate("window.boardNeverReloaded = true")

    # The embassy's editor reports from the site's own page, in another browser.
    context = browser.new_context(base_url=live_server.url, locale="vi-VN")
    context.set_default_timeout(10_000)
    embassy = context.new_page()
    sign_in(embassy, "editor.kh@example.org")
    embassy.goto(f"/conferences/{conference_id}")
    embassy.wait_for_url(f"**/conferences/{conference_id}/sites/{site_id}")
    embassy.check("#attend-connected")
    embassy.fill("#attend-attendance", "47")
    embassy.click("#attendance-form button[type=submit]")
    embassy.wait_for_url(f"**/conferences/{conference_id}/sites/{site_id}")
    context.close()

    row = page.locator(f"#site-{site_id} [data-attendance]")
    row.filter(has_text="47").wait_for()
    page.wait_for_function(
        f"document.querySelector('[data-total=connected]').textContent.replace(/\\D/g, '')"
        f" === '{connected + (0 if already else 1)}'"
    )
    assert _figure(page, "delegates") > delegates
    assert page.evaluate("window.boardNeverReloaded") is True

    # Filtering keeps only the sites that answered nothing, and still refreshes.
    page.select_option("select[name=state]", "no_answer")
    page.click("#board-filters button[type=submit]")
    page.wait_for_url("**state=no_answer**")
    states = page.locator("#board tbody tr").evaluate_all(
        "rows => rows.map(row => row.dataset.state)"
    )
    assert states and set(states) == {"no_answer"}
