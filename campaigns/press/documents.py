"""Letters generated for a participant: the invitation and the visa-support letter, as PDF in
Vietnamese or English, under the host unit's letterhead.

The texts live here, in both languages, because they are formal documents whose wording the
press department owns; the interface's translation catalogue is not the place for them.
Passport numbers are deliberately not printed: identity documents never leave Herald.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path

from fpdf import FPDF

from campaigns.errors import Invalid
from campaigns.i18n import N_
from campaigns.press.models import Invitation, Letterhead
from campaigns.timezones import country_names

FONTS = Path(__file__).parent / "fonts"
LETTER_LOCALES = ("vi", "en")


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


_WORDING = {
    ("vi", LetterKind.INVITATION): _Wording(
        title="THƯ MỜI",
        greeting="Kính gửi {salutation} {name},",
        body=(
            "{unit} trân trọng kính mời {salutation} {name}, phóng viên {outlet}, sang Việt Nam "
            "tham dự chương trình báo chí “{trip}” từ ngày {start} đến ngày {end} tại {city}.\n\n"
            "Chương trình gồm các hoạt động thực địa, gặp gỡ và phỏng vấn với chủ đề: {theme}\n\n"
            "Ban tổ chức sẽ hỗ trợ thủ tục thị thực, đón tiếp, ăn ở và đi lại trong thời gian "
            "chương trình. Kính đề nghị {salutation} xác nhận tham dự trước ngày {reply_by}."
        ),
        closing="Trân trọng,",
        date_line="{city}, ngày {day} tháng {month} năm {year}",
        header="CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        motto="Độc lập - Tự do - Hạnh phúc",
    ),
    ("en", LetterKind.INVITATION): _Wording(
        title="LETTER OF INVITATION",
        greeting="Dear {name},",
        body=(
            "The {unit} has the honour to invite you, {name}, journalist with {outlet}, to "
            "Viet Nam for the press programme “{trip}” from {start} to {end} in {city}.\n\n"
            "The programme includes field visits, meetings and interviews on the theme: "
            "{theme}\n\n"
            "The organisers will assist with the visa, and provide reception, accommodation and "
            "transport during the programme. Kindly confirm your participation by {reply_by}."
        ),
        closing="Yours sincerely,",
        date_line="{city}, {long_date}",
        header="SOCIALIST REPUBLIC OF VIET NAM",
        motto="Independence - Freedom - Happiness",
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
        motto="Độc lập - Tự do - Hạnh phúc",
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
        motto="Independence - Freedom - Happiness",
    ),
}


def _english_date(day: date) -> str:
    return day.strftime("%-d %B %Y")


def _format_date(day: date, locale: str) -> str:
    return day.strftime("%d/%m/%Y") if locale == "vi" else _english_date(day)


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
    wording = _WORDING[(locale, LetterKind(kind))]
    trip, journalist = invitation.trip, invitation.journalist
    unit = trip.host_unit
    outlets = journalist.current_outlets(trip.start_date)
    city = (letterhead.city if letterhead and letterhead.city else "") or trip.city or "Hà Nội"
    values = {
        "salutation": "Ông/Bà",
        "name": journalist.display_name(),
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

    pdf = FPDF(format="A4")
    pdf.set_title(f"{wording.title} - {journalist.name_latin}")
    pdf.set_author(unit.name(locale))
    pdf.set_creator("Herald")
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_margins(22, 18, 22)
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin

    # Letterhead: the unit on the left, the state header on the right.
    top = pdf.get_y()
    pdf.set_font("DejaVu", "B", 9)
    pdf.multi_cell(width * 0.45, 5, unit.name(locale).upper(), align="C")
    if letterhead is not None:
        pdf.set_font("DejaVu", "", 8)
        contact = " · ".join(
            part for part in (letterhead.address, letterhead.phone, letterhead.email) if part
        )
        if contact:
            pdf.multi_cell(width * 0.45, 4, contact, align="C")
    left_bottom = pdf.get_y()
    pdf.set_xy(pdf.l_margin + width * 0.45, top)
    pdf.set_font("DejaVu", "B", 9)
    pdf.multi_cell(width * 0.55, 5, wording.header, align="C")
    pdf.set_x(pdf.l_margin + width * 0.45)
    pdf.set_font("DejaVu", "", 9)
    pdf.multi_cell(width * 0.55, 5, wording.motto, align="C")
    pdf.set_y(max(left_bottom, pdf.get_y()) + 4)
    pdf.set_font("DejaVu", "", 10)
    pdf.cell(
        width,
        6,
        wording.date_line.format(
            city=city,
            day=f"{today.day:02d}",
            month=f"{today.month:02d}",
            year=today.year,
            long_date=_english_date(today),
        ),
        align="R",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(6)
    pdf.set_font("DejaVu", "B", 14)
    pdf.cell(width, 10, wording.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("DejaVu", "", 11)
    pdf.multi_cell(width, 6, wording.greeting.format(**values))
    pdf.ln(2)
    pdf.multi_cell(width, 6, wording.body.format(**values))
    if trip.key_messages and kind == LetterKind.INVITATION:
        pdf.ln(2)
        for message in trip.key_messages:
            pdf.multi_cell(width, 6, f"• {message}")
    pdf.ln(8)
    pdf.multi_cell(width, 6, wording.closing)
    pdf.ln(14)
    if letterhead is not None and letterhead.signatory_name:
        pdf.set_font("DejaVu", "B", 11)
        pdf.multi_cell(width, 6, letterhead.signatory_name)
        pdf.set_font("DejaVu", "", 10)
        title = letterhead.signatory_title_vi if locale == "vi" else letterhead.signatory_title_en
        if title:
            pdf.multi_cell(width, 5, title)
    if letterhead is not None and letterhead.website:
        pdf.set_y(-20)
        pdf.set_font("DejaVu", "", 8)
        pdf.cell(width, 5, letterhead.website, align="C")
    return bytes(pdf.output())
