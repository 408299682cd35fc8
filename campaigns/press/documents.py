"""Letters generated for a participant: the invitation and the visa-support letter, as PDF in
Vietnamese or English, under the host unit's letterhead.

The layout follows Vietnamese administrative documents: the unit's name on the left and the
state's name and motto on the right, each wrapping in its own column; the body wraps and breaks
across pages; the closing, the signer's title and name stay together; the unit's contacts and
website sit in every page's footer. Names and key messages in any script print in their own
script (see ``typefaces``).

The texts live here, in both languages, because they are formal documents whose wording the
press department owns; the interface's translation catalogue is not the place for them.
Passport numbers are deliberately not printed: identity documents never leave Herald.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path
from tempfile import TemporaryDirectory

from babel.dates import format_date
from fpdf import FPDF

from campaigns.errors import Invalid
from campaigns.i18n import N_
from campaigns.press.models import Invitation, Journalist, Letterhead
from campaigns.press.typefaces import PRIMARY_FAMILY, fallbacks_for, install_fonts
from campaigns.timezones import country_names

LETTER_LOCALES = ("vi", "en")
logger = logging.getLogger(__name__)


class LetterKind(StrEnum):
    INVITATION = "invitation"
    VISA_SUPPORT = "visa-support"


@dataclass(frozen=True)
class _Wording:
    title: str
    greeting: str
    body: str
    closing: str
    date_line: str
    header: str
    motto: str
    messages_intro: str = ""
    after_messages: str = ""


_WORDING = {
    ("vi", LetterKind.INVITATION): _Wording(
        title="THƯ MỜI",
        greeting="Kính gửi {salutation} {name},",
        body=(
            "{unit} trân trọng kính mời {salutation} {name}, phóng viên {outlet}, sang Việt Nam "
            "tham dự chương trình báo chí “{trip}” từ ngày {start} đến ngày {end} tại {city}.\n\n"
            "Chương trình gồm các hoạt động thực địa, gặp gỡ và phỏng vấn với chủ đề: {theme}"
        ),
        messages_intro="Các thông điệp chính của chương trình:",
        after_messages=(
            "Ban tổ chức sẽ hỗ trợ thủ tục thị thực, đón tiếp, ăn ở và đi lại trong thời gian "
            "chương trình. Kính đề nghị {salutation} xác nhận tham dự trước ngày {reply_by}."
        ),
        closing="Trân trọng,",
        date_line="{city}, ngày {day} tháng {month} năm {year}",
        header="CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        motto="Độc lập – Tự do – Hạnh phúc",
    ),
    ("en", LetterKind.INVITATION): _Wording(
        title="LETTER OF INVITATION",
        greeting="Dear {name},",
        body=(
            "The {unit} has the honour to invite you, {name}, journalist with {outlet}, to "
            "Viet Nam for the press programme “{trip}” from {start} to {end} in {city}.\n\n"
            "The programme includes field visits, meetings and interviews on the theme: "
            "{theme}"
        ),
        messages_intro="The programme's key messages:",
        after_messages=(
            "The organisers will assist with the visa, and provide reception, accommodation and "
            "transport during the programme. Kindly confirm your participation by {reply_by}."
        ),
        closing="Yours sincerely,",
        date_line="{city}, {long_date}",
        header="SOCIALIST REPUBLIC OF VIET NAM",
        motto="Independence – Freedom – Happiness",
    ),
    ("vi", LetterKind.VISA_SUPPORT): _Wording(
        title="CÔNG HÀM ĐỀ NGHỊ CẤP THỊ THỰC",
        greeting="Kính gửi Cơ quan đại diện Việt Nam có thẩm quyền,",
        body=(
            "{unit} trân trọng đề nghị Quý Cơ quan xem xét cấp thị thực nhập cảnh Việt Nam cho:\n\n"
            "Họ và tên: {name}\nQuốc tịch: {country}\nCơ quan báo chí: {outlet}\n\n"
            "để tham dự chương trình báo chí “{trip}” từ ngày {start} đến ngày {end}. "
            "Thời gian lưu trú dự kiến từ ngày {start} đến ngày {end}.\n\n"
            "{unit} chịu trách nhiệm về chương trình làm việc của phóng viên trong thời gian "
            "tại Việt Nam."
        ),
        closing="Trân trọng,",
        date_line="{city}, ngày {day} tháng {month} năm {year}",
        header="CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        motto="Độc lập – Tự do – Hạnh phúc",
    ),
    ("en", LetterKind.VISA_SUPPORT): _Wording(
        title="VISA SUPPORT LETTER",
        greeting="To the competent diplomatic mission of Viet Nam,",
        body=(
            "The {unit} kindly requests that an entry visa to Viet Nam be granted to:\n\n"
            "Name: {name}\nNationality: {country}\nMedia outlet: {outlet}\n\n"
            "to take part in the press programme “{trip}” from {start} to {end}. "
            "The intended stay is from {start} to {end}.\n\n"
            "The {unit} is responsible for the journalist's programme while in Viet Nam."
        ),
        closing="Yours faithfully,",
        date_line="{city}, {long_date}",
        header="SOCIALIST REPUBLIC OF VIET NAM",
        motto="Independence – Freedom – Happiness",
    ),
}


# Page geometry in millimetres (A4), after the Vietnamese rules for administrative documents:
# 20-25 mm left, 15-20 mm right, 20-25 mm top and bottom.
_LEFT, _TOP, _RIGHT, _BOTTOM = 25, 20, 18, 22
_LINE = 6.0


@dataclass(frozen=True)
class _Letter:
    """Everything one letter prints, already in its language."""

    unit: str
    header: str
    motto: str
    date_line: str
    title: str
    greeting: str
    body: str
    messages_intro: str
    key_messages: tuple[str, ...]
    after_messages: str
    closing: str
    signatory_title: str
    signatory_name: str
    footer: tuple[str, ...]

    def text(self) -> str:
        return "\n".join(
            [
                self.unit.upper(),
                self.header,
                self.motto,
                self.date_line,
                self.title,
                self.greeting,
                self.body,
                self.messages_intro,
                *self.key_messages,
                self.after_messages,
                self.closing,
                self.signatory_title.upper(),
                self.signatory_name,
                *self.footer,
            ]
        )


class _LetterPage(FPDF):
    """A4 pages with the contact line and website in the footer, and from the second page on
    the page number at the top, as Vietnamese administrative documents number them."""

    footer_lines: tuple[str, ...] = ()

    def header(self) -> None:
        if self.page_no() > 1:
            self.set_font(PRIMARY_FAMILY, "", 10)
            self.set_y(10)
            self.cell(0, 5, str(self.page_no()), align="C")
            self.set_y(_TOP)

    def footer_height(self) -> float:
        """How much of the page's bottom the footer takes, wrapped lines included."""
        if not self.footer_lines:
            return 0
        self.set_font(PRIMARY_FAMILY, "", 8)
        width = self.w - self.l_margin - self.r_margin
        lines = sum(
            len(self.multi_cell(width, 4, line, dry_run=True, output="LINES"))
            for line in self.footer_lines
        )
        return 10 + 4 * lines

    def footer(self) -> None:
        if not self.footer_lines:
            return
        width = self.w - self.l_margin - self.r_margin
        self.set_y(self.h - self.footer_height() + 2)
        self.set_font(PRIMARY_FAMILY, "", 8)
        self.line(self.l_margin, self.get_y() - 1.5, self.w - self.r_margin, self.get_y() - 1.5)
        for line in self.footer_lines:
            self.multi_cell(width, 4, line, align="C", new_x="LMARGIN", new_y="NEXT")


def _format_date(day: date, locale: str) -> str:
    return format_date(day, "dd/MM/yyyy" if locale == "vi" else "d MMMM y", locale=locale)


def _name(journalist: Journalist) -> str:
    """The name as the journalist's page shows it; the part in their own script never wraps
    (a line break inside 田中 由紀 would make two names of one)."""
    native = journalist.name_native or ""
    return (
        journalist.display_name().replace(native, native.replace(" ", "\u00a0"))
        if native
        else journalist.display_name()
    )


def _compose(
    invitation: Invitation,
    wording: _Wording,
    kind: LetterKind,
    locale: str,
    letterhead: Letterhead | None,
    today: date,
) -> _Letter:
    trip, journalist = invitation.trip, invitation.journalist
    unit = trip.host_unit
    outlets = journalist.current_outlets(trip.start_date)
    city = (letterhead.city if letterhead and letterhead.city else "") or trip.city or "Hà Nội"
    values = {
        "salutation": "Ông/Bà",
        "name": _name(journalist),
        "outlet": ", ".join(outlet.name for outlet in outlets) or "—",
        "country": country_names(locale).get(journalist.country, journalist.country),
        "unit": unit.name(locale),
        "trip": trip.title,
        "start": _format_date(trip.start_date, locale),
        "end": _format_date(trip.end_date, locale),
        "city": trip.city or city,
        "theme": trip.theme or trip.title,
        "reply_by": _format_date(max(today, trip.start_date.replace(day=1)), locale),
    }
    messages = tuple(trip.key_messages or ()) if kind == LetterKind.INVITATION else ()
    signatory_title = ""
    if letterhead is not None:
        signatory_title = (
            letterhead.signatory_title_vi if locale == "vi" else letterhead.signatory_title_en
        )
    contact = ""
    if letterhead is not None:
        contact = " · ".join(
            part for part in (letterhead.address, letterhead.phone, letterhead.email) if part
        )
    website = letterhead.website if letterhead is not None else ""
    return _Letter(
        unit=unit.name(locale),
        header=wording.header,
        motto=wording.motto,
        date_line=wording.date_line.format(
            city=city,
            day=f"{today.day:02d}",
            month=f"{today.month:02d}",
            year=today.year,
            long_date=_format_date(today, locale),
        ),
        title=wording.title,
        greeting=wording.greeting.format(**values),
        body=wording.body.format(**values),
        messages_intro=wording.messages_intro if messages else "",
        key_messages=messages,
        after_messages=wording.after_messages.format(**values),
        closing=wording.closing,
        signatory_title=signatory_title or unit.name(locale),
        signatory_name=letterhead.signatory_name if letterhead is not None else "",
        footer=tuple(line for line in (contact, website) if line),
    )


def render_letter(
    invitation: Invitation,
    *,
    kind: str,
    locale: str,
    letterhead: Letterhead | None,
    today: date,
) -> bytes:
    """The letter for one participant as PDF bytes. Raises Invalid for an unknown kind or
    language."""
    if kind not in set(LetterKind):
        raise Invalid(N_("There is no such letter."), field="kind")
    if locale not in LETTER_LOCALES:
        raise Invalid(N_("Letters are written in Vietnamese or English."), field="lang")
    letter = _compose(
        invitation,
        _WORDING[(locale, LetterKind(kind))],
        LetterKind(kind),
        locale,
        letterhead,
        today,
    )
    pdf = _LetterPage(format="A4")
    pdf.set_title(f"{letter.title} - {invitation.journalist.name_latin}")
    pdf.set_author(letter.unit)
    pdf.set_creator("Herald")
    with TemporaryDirectory(prefix="herald-letter-") as workdir:
        unprintable = install_fonts(
            pdf,
            letter.text(),
            fallbacks=fallbacks_for(invitation.journalist.country),
            workdir=Path(workdir),
        )
        if unprintable:
            logger.warning(
                "Letter for invitation %s: no font draws %s",
                invitation.id,
                "".join(sorted(unprintable)),
            )
        pdf.footer_lines = letter.footer
        _lay_out(pdf, letter)
        return bytes(pdf.output())


def _lay_out(pdf: _LetterPage, letter: _Letter) -> None:
    pdf.set_margins(_LEFT, _TOP, _RIGHT)
    pdf.add_page()
    pdf.set_auto_page_break(True, margin=max(_BOTTOM, pdf.footer_height() + 6))
    width = pdf.w - pdf.l_margin - pdf.r_margin
    _letterhead(pdf, letter, width)

    pdf.ln(8)
    pdf.set_font(PRIMARY_FAMILY, "B", 13)
    pdf.multi_cell(width, 7, letter.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(5)
    pdf.set_font(PRIMARY_FAMILY, "", 11)
    _paragraphs(pdf, width, letter.greeting, align="L")
    _paragraphs(pdf, width, letter.body)
    if letter.key_messages:
        _paragraphs(pdf, width, letter.messages_intro, align="L")
        for message in letter.key_messages:
            pdf.cell(6, _LINE, "•")
            pdf.multi_cell(width - 6, _LINE, message, align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
    _paragraphs(pdf, width, letter.after_messages)
    _signature(pdf, letter, width)


def _letterhead(pdf: FPDF, letter: _Letter, width: float) -> None:
    """The unit on the left and the state's name and motto on the right, each wrapping in its
    own column, a short rule under each, and the place and date under the motto."""
    left_width, right_width = width * 0.42, width * 0.58
    right_x = pdf.l_margin + left_width
    top = pdf.get_y()

    pdf.set_font(PRIMARY_FAMILY, "B", 10)
    pdf.multi_cell(left_width, 5, letter.unit.upper(), align="C", new_x="LEFT", new_y="NEXT")
    _rule_under(pdf, pdf.l_margin, left_width, 22)
    left_bottom = pdf.get_y()

    pdf.set_xy(right_x, top)
    pdf.set_font(PRIMARY_FAMILY, "B", 10)
    pdf.multi_cell(right_width, 5, letter.header, align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_font(PRIMARY_FAMILY, "B", 11)
    pdf.multi_cell(right_width, 6, letter.motto, align="C", new_x="LEFT", new_y="NEXT")
    _rule_under(pdf, right_x, right_width, min(pdf.get_string_width(letter.motto), right_width))
    pdf.set_font(PRIMARY_FAMILY, "", 10)
    pdf.multi_cell(right_width, 5, letter.date_line, align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_xy(pdf.l_margin, max(left_bottom, pdf.get_y()))


def _rule_under(pdf: FPDF, x: float, column: float, length: float) -> None:
    y = pdf.get_y() + 1
    start = x + (column - length) / 2
    pdf.line(start, y, start + length, y)
    pdf.set_y(y + 2.5)
    pdf.set_x(x)


def _paragraphs(pdf: FPDF, width: float, text: str, align: str = "J") -> None:
    for paragraph in text.split("\n\n"):
        if paragraph.strip():
            pdf.multi_cell(width, _LINE, paragraph, align=align, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2.5)


def _signature(pdf: FPDF, letter: _Letter, width: float) -> None:
    """The closing, the signer's title, room to sign and the signer's name, on one page: when
    they do not fit under the body, they start the next page together."""
    column = width * 0.55
    x = pdf.l_margin + width - column

    def block(dry_run: bool) -> float:
        height = 0.0
        pdf.set_font(PRIMARY_FAMILY, "", 11)
        height += pdf.multi_cell(
            width, _LINE, letter.closing, dry_run=dry_run, output="HEIGHT", new_x="LMARGIN"
        )
        height += 4
        if not dry_run:
            pdf.ln(4)
            pdf.set_x(x)
        pdf.set_font(PRIMARY_FAMILY, "B", 11)
        height += pdf.multi_cell(
            column,
            _LINE,
            letter.signatory_title.upper(),
            align="C",
            dry_run=dry_run,
            output="HEIGHT",
            new_x="LEFT",
        )
        height += 24
        if not dry_run:
            pdf.ln(24)
            pdf.set_x(x)
        if letter.signatory_name:
            height += pdf.multi_cell(
                column,
                _LINE,
                letter.signatory_name,
                align="C",
                dry_run=dry_run,
                output="HEIGHT",
                new_x="LMARGIN",
            )
        return height

    pdf.ln(2)
    if pdf.will_page_break(block(dry_run=True)):
        pdf.add_page()
    block(dry_run=False)
