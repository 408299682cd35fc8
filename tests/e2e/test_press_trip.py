"""Journey 2 in the browser: a press officer records two journalists, builds a small trip with an
itinerary, and downloads the invitation letter as PDF. Selectors avoid interface wording, which
changes with the person's language."""

from datetime import date, timedelta

import pypdfium2

from tests.e2e.conftest import sign_in


def submit(page) -> None:
    page.click("main form button[type=submit].primary")
    page.wait_for_load_state()


def add_journalist(page, name: str, country: str) -> None:
    page.goto("/press/journalists/new")
    page.fill("input[name=name_latin]", name)
    page.select_option("select[name=country]", country)
    page.fill("input[name=languages]", "en")
    submit(page)
    assert name in page.locator("h1").inner_text()


def test_a_press_officer_builds_a_trip_and_downloads_the_invitation_letter(page, tmp_path):
    sign_in(page, "coordinator@example.org")
    add_journalist(page, "Claire Dubois-Test", "FR")
    add_journalist(page, "Tanaka Yuki-Test", "JP")

    start = date.today() + timedelta(days=30)  # noqa: DTZ011 (the live server's own clock)
    page.goto("/press/trips/new")
    page.fill("input[name=title]", "Browser test trip")
    page.fill("input[name=start_date]", start.isoformat())
    page.fill("input[name=end_date]", (start + timedelta(days=2)).isoformat())
    page.select_option("select[name=host_unit]", "mofa-press")
    submit(page)
    assert page.locator("h1").inner_text() == "Browser test trip"
    trip_url = page.url

    for name in ("Claire Dubois-Test", "Tanaka Yuki-Test"):
        page.click("a[href$='/invitations/new']")
        page.select_option(
            "select[name=journalist]", label=f"{name} · {'FR' if 'Claire' in name else 'JP'}"
        )
        submit(page)
        assert page.url.startswith(trip_url)
    participants = page.locator("#participants tbody tr")
    assert participants.count() == 2

    page.click("a[href$='/items/new']")
    page.fill("input[name=activity]", "Visit to the Temple of Literature")
    day_two = (start + timedelta(days=1)).isoformat()
    page.fill("input[name=starts_local]", f"{day_two}T09:00")
    page.fill("input[name=ends_local]", f"{day_two}T11:00")
    submit(page)
    assert "Visit to the Temple of Literature" in page.locator("#itinerary").inner_text()
    assert page.locator("#clashes").count() == 0

    # Each participant's invitation in both languages, as the browser downloads it, rendered
    # to images: every page carries print, and nothing runs past the paper's margins.
    for row in range(2):
        for language in ("vi", "en"):
            link = page.locator(f"#participants a[href*='/invitation.pdf?lang={language}']")
            with page.expect_download() as download_info:
                link.nth(row).click()
            download = download_info.value
            assert download.suggested_filename.endswith(f"-{language}.pdf")
            path = tmp_path / download.suggested_filename
            download.save_as(path)
            content = path.read_bytes()
            assert content.startswith(b"%PDF") and len(content) > 5_000
            assert_printed_within_margins(path)
    page.screenshot(path=str(tmp_path / "trip.png"), full_page=True)


def assert_printed_within_margins(path, margin_mm: float = 10.0, footer_mm: float = 5.0) -> None:
    """Render every page of the PDF at 72 dpi: each has ink, all of it inside the margins (the
    footer's contact line may come within ``footer_mm`` of the bottom edge, which office
    printers still print)."""
    document = pypdfium2.PdfDocument(str(path))
    try:
        for number, pdf_page in enumerate(document, start=1):
            image = pdf_page.render(scale=1).to_pil().convert("L")
            ink = image.point(lambda value: 255 if value < 200 else 0).getbbox()
            assert ink is not None, f"page {number} of {path.name} is blank"
            margin = margin_mm / 25.4 * 72
            width, height = image.size
            left, top, right, bottom = ink
            assert left >= margin and right <= width - margin, (path.name, number, ink)
            footer = footer_mm / 25.4 * 72
            assert top >= margin and bottom <= height - footer, (path.name, number, ink)
    finally:
        document.close()
