"""The first walk: a coordinator signs in, switches the language, and sees the dashboard."""

from tests.e2e.conftest import sign_in


def test_coordinator_signs_in_switches_language_and_sees_dashboard(page, tmp_path):
    page.goto("/")
    # Signed out: the login page, in Vietnamese.
    assert page.locator("h1").inner_text() == "Đăng nhập vào Herald"
    assert page.locator("html").get_attribute("lang") == "vi"

    sign_in(page, "coordinator@example.org")
    assert "Nguyễn Thu Hà" in page.locator("h1").inner_text()
    nav = page.locator("nav.main-nav")
    for label in ("Lịch", "Chiến dịch", "Báo chí", "Kênh", "Báo cáo"):
        assert nav.get_by_text(label, exact=True).count() == 1

    page.click("button.lang[lang=en]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Good day" in page.locator("h1").inner_text()
    assert page.locator("nav.main-nav").get_by_text("Campaigns", exact=True).count() == 1

    # The choice is saved on the person: a new sign-in keeps English.
    page.click("text=Sign out")
    sign_in(page, "coordinator@example.org")
    assert page.locator("html").get_attribute("lang") == "en"
    page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
    assert (tmp_path / "dashboard.png").stat().st_size > 10_000

    # Back to Vietnamese, as the demo account started.
    page.click("button.lang[lang=vi]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "vi"
