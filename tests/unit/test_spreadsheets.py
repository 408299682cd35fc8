"""No cell Herald exports is ever read as a formula by a spreadsheet."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import Workbook

from campaigns.spreadsheets import csv_bytes, safe_cell


@pytest.mark.parametrize(
    "text",
    [
        '=HYPERLINK("http://evil.example","Click")',
        "+1+2",
        "-2+3",
        "@SUM(A1:A2)",
        "\t=1+1",
        "\r=1+1",
        "\n=1+1",
        "  =1+1",
        "＝1+1",
        "=cmd|' /C calc'!A0",
    ],
)
def test_text_that_would_start_a_formula_is_quoted(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["Hà Nội", "Le Monde", "a=b", "", 5, -12, 3.5, None])
def test_everything_else_is_left_alone(value):
    assert safe_cell(value) == value


def test_every_cell_of_every_row_is_made_safe():
    data = csv_bytes([["=1+1"], ["title", "@x"], [], ["-5", -5]])

    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows == [["'=1+1"], ["title", "'@x"], [], ["'-5", "-5"]]


def test_control_characters_no_spreadsheet_can_hold_are_dropped():
    cell = safe_cell("Bad\x0btitle\x00 with\ttab")
    assert cell == "Badtitle with\ttab"
    Workbook().active.append([cell])  # openpyxl accepts it
