"""The report writers: the same document as PDF, CSV and XLSX, "not available" never 0."""

import io
from datetime import date

import pypdfium2 as pdfium
from openpyxl import load_workbook

from campaigns.metrics import charts, exports


def _document() -> exports.Document:
    chart = charts.Chart(
        "Lượt tiếp cận theo ngày",
        "Reach per day",
        ["01/12", "02/12"],
        [charts.Series("Reach", [1500, None])],
        identifier="reach",
    )
    return exports.Document(
        "Báo cáo chiến dịch",
        locale="vi",
        figures=[
            exports.Figure("Tỷ lệ tương tác", exports.Percent(0.125)),
            exports.Figure("Lượt tiếp cận", None, "X"),
        ],
        blocks=[chart, exports.Table("Top", ["Bài", "Reach"], [["=cmd", 1234567]], note="n")],
        labels=exports.Labels(not_available="không có số liệu"),
    )


def test_pdf_prints_the_numbers_and_not_available() -> None:
    data = exports.document_pdf(_document())
    pdf = pdfium.PdfDocument(data)
    text = "".join(page.get_textpage().get_text_range() for page in pdf)
    pdf.close()
    assert "Báo cáo chiến dịch" in text
    assert "12,5 %" in text
    assert "1.234.567" in text and "1.500" in text
    assert "không có số liệu" in text


def test_csv_is_safe_and_keeps_not_available_apart_from_zero() -> None:
    text = exports.document_csv(_document()).decode("utf-8-sig")
    assert "'=cmd,1234567" in text
    assert "Lượt tiếp cận,không có số liệu,X" in text
    assert "02/12,không có số liệu" in text


def test_xlsx_keeps_numbers_as_numbers() -> None:
    book = load_workbook(io.BytesIO(exports.document_xlsx(_document())))
    figures = book.worksheets[0]
    assert figures["B3"].value == 0.125 and figures["B3"].number_format == "0.0%"
    assert figures["B4"].value == "không có số liệu"
    top = book.worksheets[2]
    assert top["A3"].value == "'=cmd" and top["B3"].value == 1234567


def test_format_cell() -> None:
    assert exports.format_cell(None, "en", "n/a") == "n/a"
    assert exports.format_cell(1234, "en", "n/a") == "1,234"
    assert exports.format_cell(date(2026, 12, 1), "en", "n/a") == "Dec 1, 2026"


def test_svg_is_accessible_and_breaks_at_gaps() -> None:
    chart = charts.Chart("T <x>", "D", ["a", "b", "c"], [charts.Series("s", [1, None, 2])])
    svg = charts.svg(chart)
    assert 'role="img"' in svg and "<title" in svg and "T &lt;x&gt;" in svg
    assert svg.count("<circle") == 2 and "<polyline" not in svg
