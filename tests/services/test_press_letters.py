"""The invitation and visa-support letters, read back from the PDF as a reader's viewer reads
them: every sentence and key message is there, names print in their own script, nothing runs
off the page, and a letter takes the pages it should."""

from __future__ import annotations

import unicodedata
from datetime import date
from logging import WARNING

import pypdfium2 as pdfium
import pytest

from campaigns.errors import Invalid
from campaigns.press import documents, services
from campaigns.press.typefaces import unprintable
from tests.factories import create_unit
from tests.press_factories import create_journalist, create_outlet, create_trip, invite

TODAY = date(2027, 8, 1)
MM = 72 / 25.4

# Key messages in the languages of the demo's audiences.
KEY_MESSAGES = [
    "Việt Nam: hòa bình, độc lập, hợp tác và phát triển bền vững",
    "An open, fast-growing economy that welcomes responsible investment",
    "Un partenaire fiable et engagé pour la paix dans la région",
    "ベトナムは地域の信頼できるパートナーです",
    "越南是本地区可靠的合作伙伴",
    "វៀតណាមជាដៃគូដែលគួរឱ្យទុកចិត្ត",
    "Вьетнам — надёжный партнёр в регионе",
    "베트남은 신뢰할 수 있는 동반자입니다",
]

# Latin name, name in its own script, country.
JOURNALISTS = [
    ("Tanaka Yuki", "田中 由紀", "JP"),
    ("Wang Xiaoming", "王小明", "CN"),
    ("Sok Dara", "សុខ ដារ៉ា", "KH"),
    ("Ivan Petrov", "Иван Петров", "RU"),
    ("Kim Minjun", "김민준", "KR"),
    ("Somchai Jaidee", "สมชาย ใจดี", "TH"),
    ("Claire Dubois", "", "FR"),
]


def _squeeze(text: str) -> str:
    """Text without whitespace, where wrapping moves line breaks, and without the control
    characters a viewer reports for glyphs that shaping adds (Khmer's split vowels)."""
    return "".join(
        character
        for character in text
        if not character.isspace() and unicodedata.category(character) != "Cc"
    )


class Printed:
    """A PDF as a viewer reads it: text per page, and where each character sits."""

    def __init__(self, body: bytes) -> None:
        document = pdfium.PdfDocument(body)
        self.pages = []
        self.outside: list[str] = []
        for page in document:
            width, height = page.get_size()
            textpage = page.get_textpage()
            self.pages.append(textpage.get_text_range())
            for index in range(textpage.count_chars()):
                character = textpage.get_text_range(index, 1)
                if not character.strip():
                    continue
                left, bottom, right, top = textpage.get_charbox(index)
                # Margins are 25 mm left and 18 mm right; allow 1 mm for a glyph's overhang.
                if left < 24 * MM or right > width - 17 * MM or bottom < 0 or top > height:
                    self.outside.append(character)

    @property
    def text(self) -> str:
        return _squeeze("".join(self.pages))


@pytest.fixture
def host(session):
    unit = create_unit(
        session,
        code="mofa-press",
        kind="ministry",
        country="VN",
        timezone="Asia/Ho_Chi_Minh",
        name_vi="Vụ Thông tin Báo chí, Bộ Ngoại giao",
        name_en="Press and Information Department, Ministry of Foreign Affairs",
    )
    return unit


def _letterhead(session, now, unit, **fields):
    values = {
        "address": "40 Trần Phú, Ba Đình, Hà Nội",
        "city": "Hà Nội",
        "phone": "+84 24 0000 0000",
        "email": "press@example.org",
        "website": "https://press.example.org",
        "signatory_name": "Nguyễn Thu Hà",
        "signatory_title_vi": "Vụ trưởng Vụ Thông tin Báo chí",
        "signatory_title_en": "Director-General, Press and Information Department",
    }
    values.update(fields)
    return services.save_letterhead(session, actor=None, now=now, unit=unit, **values)


def _render(invitation, kind, locale, letterhead):
    return Printed(
        documents.render_letter(
            invitation, kind=kind, locale=locale, letterhead=letterhead, today=TODAY
        )
    )


@pytest.mark.parametrize(("latin", "native", "country"), JOURNALISTS)
def test_an_invitation_prints_every_key_message_and_the_name_in_its_own_script(
    session, now, host, latin, native, country, caplog
):
    letterhead = _letterhead(session, now, host)
    trip = create_trip(session, host=host, title="Quốc khánh 2/9/2027", key_messages=KEY_MESSAGES)
    outlet = create_outlet(session, name="Tokyo Shimpo", country=country)
    journalist = create_journalist(
        session, outlet, name_latin=latin, name_native=native, country=country
    )
    invitation = invite(session, trip, journalist)

    for locale, motto in (("vi", "Độc lập – Tự do – Hạnh phúc"), ("en", "Independence")):
        printed = _render(invitation, "invitation", locale, letterhead)
        assert len(printed.pages) == 1
        assert printed.outside == []
        signer = "VỤ TRƯỞNG VỤ THÔNG TIN" if locale == "vi" else "DIRECTOR-GENERAL, PRESS"
        for expected in [*KEY_MESSAGES, latin, native, motto, signer, "Nguyễn Thu Hà"]:
            assert _squeeze(expected) in printed.text, (locale, expected)
        # The website is in the footer of the letter's only page, not on a page of its own.
        assert "press.example.org" in printed.pages[-1]
    # A character no font draws would print as an empty box (and still read back as text).
    assert [record.getMessage() for record in caplog.records if record.levelno >= WARNING] == []


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_a_visa_support_letter_names_the_journalist_in_both_scripts(session, now, host, locale):
    letterhead = _letterhead(session, now, host)
    trip = create_trip(session, host=host, key_messages=KEY_MESSAGES)
    journalist = create_journalist(
        session, create_outlet(session), name_latin="Tanaka Yuki", name_native="田中 由紀"
    )
    printed = _render(invite(session, trip, journalist), "visa-support", locale, letterhead)

    assert len(printed.pages) == 1 and printed.outside == []
    assert _squeeze("Tanaka Yuki (田中 由紀)") in printed.text
    assert "()" not in printed.text
    # A visa letter is for the consulate: it does not list the programme's messages.
    assert _squeeze(KEY_MESSAGES[3]) not in printed.text


def test_the_letterhead_keeps_the_unit_and_the_motto_in_their_own_columns(session, now, host):
    letterhead = _letterhead(session, now, host)
    trip = create_trip(session, host=host)
    invitation = invite(session, trip, create_journalist(session, create_outlet(session)))
    body = documents.render_letter(
        invitation, kind="invitation", locale="vi", letterhead=letterhead, today=TODAY
    )
    page = pdfium.PdfDocument(body)[0]
    textpage = page.get_textpage()
    width, _ = page.get_size()
    text = textpage.get_text_range()
    boxes = [textpage.get_charbox(index) for index in range(textpage.count_chars())]

    def box_of(phrase: str) -> tuple[float, float, float, float]:
        start = text.index(phrase)
        found = [boxes[index] for index in range(start, start + len(phrase))]
        return (
            min(box[0] for box in found),
            min(box[1] for box in found),
            max(box[2] for box in found),
            max(box[3] for box in found),
        )

    unit = box_of("VỤ THÔNG TIN BÁO CHÍ")
    motto = box_of("Độc lập")
    address = box_of("40 Trần Phú")
    assert unit[2] < motto[0], "the unit's name stays left of the motto"
    assert unit[2] < width / 2 - 5 * MM
    # The contact line is in the footer, far below the letterhead, not printed over it.
    assert address[3] < motto[1] - 150 * MM


def test_hostile_letterheads_and_long_messages_wrap_and_keep_the_signature_together(
    session, now, host
):
    long_title = "Phó Vụ trưởng phụ trách " + "Vụ Thông tin Báo chí và Ngoại giao văn hóa " * 4
    letterhead = _letterhead(
        session,
        now,
        host,
        address="Số 40 đường Trần Phú, phường Điện Biên, quận Ba Đình, " * 5,
        website="https://press.example.org/" + "a" * 150,
        signatory_title_vi=long_title[:200],
    )
    messages = [
        f"Thông điệp {number}: " + "hợp tác, hữu nghị, phát triển " * 8 for number in range(8)
    ]
    trip = create_trip(session, host=host, key_messages=messages)
    journalist = create_journalist(
        session, create_outlet(session), name_latin="Tanaka Yuki", name_native="田中 由紀"
    )
    printed = _render(invite(session, trip, journalist), "invitation", "vi", letterhead)

    assert len(printed.pages) == 2
    assert printed.outside == []
    for message in messages:
        assert _squeeze(message) in printed.text
    # The closing, the signer's title and name are on one page.
    last = _squeeze(printed.pages[-1])
    assert _squeeze("Trân trọng") in last and _squeeze("Nguyễn Thu Hà") in last
    assert _squeeze(long_title[:200].upper()) in last
    assert "a" * 150 in _squeeze(printed.pages[0])  # the footer on every page
    assert "a" * 150 in last


def test_a_letter_without_a_letterhead_is_signed_for_the_unit(session, now, host):
    trip = create_trip(session, host=host)
    invitation = invite(session, trip, create_journalist(session, create_outlet(session)))
    printed = _render(invitation, "invitation", "en", None)
    assert len(printed.pages) == 1 and printed.outside == []
    assert _squeeze("PRESS AND INFORMATION DEPARTMENT") in printed.text
    assert "1August2027" in printed.text


def test_an_unknown_letter_or_language_is_refused(session, now, host):
    invitation = invite(
        session, create_trip(session, host=host), create_journalist(session, create_outlet(session))
    )
    with pytest.raises(Invalid):
        documents.render_letter(invitation, kind="other", locale="vi", letterhead=None, today=TODAY)
    with pytest.raises(Invalid):
        documents.render_letter(
            invitation, kind="invitation", locale="xx", letterhead=None, today=TODAY
        )


def test_the_fonts_cover_every_script_of_the_demo():
    sample = "".join(KEY_MESSAGES) + "".join(native for _, native, _ in JOURNALISTS)
    assert unprintable(sample, country="JP") == set()
    assert unprintable("Ελλάδα ภาษาไทย ພາສາລາວ မြန်မာ", country="FR") == set()
    assert unprintable("हिन्दी", country="IN") == set("हिन्दी")  # no Devanagari font yet


def test_a_name_no_font_can_print_is_reported_in_the_log(session, now, host, caplog):
    trip = create_trip(session, host=host)
    journalist = create_journalist(
        session, create_outlet(session), name_latin="Amit Kumar", name_native="अमित", country="IN"
    )
    printed = _render(invite(session, trip, journalist), "invitation", "en", None)
    assert "Amit Kumar" in printed.pages[0]
    assert any("no font draws" in record.getMessage() for record in caplog.records)
