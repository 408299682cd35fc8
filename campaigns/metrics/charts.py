"""Charts drawn on the server, one model and two renderers: SVG for the web page and fpdf2's
own drawing primitives for the PDF.

Why our own small module rather than pygal: the charts Herald needs are a few lines and bars;
pygal's SVG leans on CSS and JavaScript tooltips, and fpdf2's SVG parser renders paths but not
``<text>`` with our typefaces, so its labels would not print in Vietnamese. Drawing the same
``Chart`` with fpdf2's lines, rectangles and cells prints every label in DejaVu (see
``press.typefaces``), and the SVG carries ``<title>`` / ``<desc>`` and ``role="img"``. Every
chart is also a table (``Chart.table``), so its numbers can be read without the picture.

A value of ``None`` is "not available": it leaves a gap, never a zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from fpdf import FPDF

# Colour-blind-safe (Okabe–Ito) colours, one per series.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000")


def short_labels(labels: Sequence[str], width: int) -> list[str]:
    """Labels short enough for an axis that still tell the bars apart: the words most labels
    share are dropped ("Embassy of Viet Nam in Cambodia – Sandbox" and "… in France – Sandbox"
    read "Cambodia" and "France"), then each is cut to ``width`` characters with an ellipsis.
    The full labels stay in the chart's table and in each bar's tooltip."""
    words = [str(label).split() for label in labels]
    if len(words) > 1:
        shared_by = max(2, -(-len(words) * 3 // 5))
        counts: dict[str, int] = {}
        for parts in words:
            for word in set(parts):
                counts[word] = counts.get(word, 0) + 1
        common = {word for word, count in counts.items() if count >= shared_by}
        words = [[w for w in parts if w not in common] or parts for parts in words]
    shortened = []
    for parts in words:
        text = " ".join(parts).strip(" –-—,:") or " ".join(parts)
        shortened.append(text if len(text) <= width else text[: width - 1].rstrip() + "…")
    return shortened


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]


@dataclass(frozen=True)
class Chart:
    """A line chart (a time series) or a bar chart (a breakdown): one label per x position and
    one or more series of values, ``None`` where a value is not available."""

    title: str
    description: str
    labels: Sequence[str]
    series: Sequence[Series]
    kind: str = "line"  # "line" or "bar"
    identifier: str = "chart"
    meta: dict = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not self.labels or all(
            value is None for series in self.series for value in series.values
        )

    def table(self, label_header: str):
        """The chart's numbers as an ``exports.Table``: one row per label, one column per
        series."""
        from campaigns.metrics.exports import Table

        rows = [
            [label, *(series.values[index] for series in self.series)]
            for index, label in enumerate(self.labels)
        ]
        return Table(self.title, [label_header, *(s.name for s in self.series)], rows)


def _maximum(chart: Chart) -> float:
    values = [v for s in chart.series for v in s.values if v is not None]
    top = max(values, default=0)
    return top if top > 0 else 1


def _nice(value: float) -> str:
    """A short axis label: 1,200 → 1.2k, 3,400,000 → 3.4M."""
    for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= limit:
            return f"{value / limit:.1f}".rstrip("0").rstrip(".") + suffix
    return f"{value:.0f}" if value == int(value) else f"{value:.2f}"


def _every(count: int, room: int) -> int:
    """Show every n-th x label so that at most ``room`` labels are printed."""
    return max(1, -(-count // max(1, room)))


# --- SVG -------------------------------------------------------------------------------------

_W, _H = 640, 260
_PAD_L, _PAD_R, _PAD_T, _PAD_B = 52, 12, 28, 44


def svg(chart: Chart) -> str:
    """The chart as an inline SVG element, accessible: ``role="img"``, ``<title>``, ``<desc>``
    (its ``aria-labelledby`` points at both)."""
    ident = escape(chart.identifier, quote=True)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_W} {_H}" role="img" '
        f'class="chart" data-chart="{ident}" aria-labelledby="{ident}-t {ident}-d" '
        f'font-family="sans-serif" font-size="11">',
        f'<title id="{ident}-t">{escape(chart.title)}</title>',
        f'<desc id="{ident}-d">{escape(chart.description)}</desc>',
        f'<rect x="0" y="0" width="{_W}" height="{_H}" fill="#fff"/>',
    ]
    plot_w, plot_h = _W - _PAD_L - _PAD_R, _H - _PAD_T - _PAD_B
    top = _maximum(chart)
    for step in range(5):
        value = top * step / 4
        y = _PAD_T + plot_h - plot_h * step / 4
        parts.append(
            f'<line x1="{_PAD_L}" y1="{y:.1f}" x2="{_W - _PAD_R}" y2="{y:.1f}" stroke="#ddd"/>'
            f'<text x="{_PAD_L - 4}" y="{y + 4:.1f}" text-anchor="end" fill="#444">'
            f"{_nice(value)}</text>"
        )
    count = max(1, len(chart.labels))
    slot = plot_w / count
    every = _every(count, 10)
    for index, label in enumerate(short_labels(chart.labels, 14)):
        if index % every == 0:
            x = _PAD_L + slot * (index + 0.5)
            parts.append(
                f'<text x="{x:.1f}" y="{_H - _PAD_B + 14}" text-anchor="middle" fill="#444">'
                f"{escape(label)}</text>"
            )
    for number, series in enumerate(chart.series):
        colour = PALETTE[number % len(PALETTE)]
        if chart.kind == "bar":
            width = slot * 0.8 / max(1, len(chart.series))
            for index, value in enumerate(series.values):
                if value is None:
                    continue
                height = plot_h * value / top
                x = _PAD_L + slot * index + slot * 0.1 + width * number
                parts.append(
                    f'<rect x="{x:.1f}" y="{_PAD_T + plot_h - height:.1f}" width="{width:.1f}" '
                    f'height="{height:.1f}" fill="{colour}"><title>{escape(str(chart.labels[index]))}'
                    f": {escape(_nice(value))}</title></rect>"
                )
        else:
            for run in _runs(series.values):
                points = " ".join(
                    f"{_PAD_L + slot * (i + 0.5):.1f},{_PAD_T + plot_h - plot_h * v / top:.1f}"
                    for i, v in run
                )
                if len(run) == 1:
                    x, y = points.split(",")
                    parts.append(f'<circle cx="{x}" cy="{y}" r="2.5" fill="{colour}"/>')
                else:
                    parts.append(
                        f'<polyline points="{points}" fill="none" stroke="{colour}" '
                        f'stroke-width="2"/>'
                    )
        legend_x = _PAD_L + number * 150
        parts.append(
            f'<rect x="{legend_x}" y="8" width="10" height="10" fill="{colour}"/>'
            f'<text x="{legend_x + 14}" y="17" fill="#222">{escape(series.name)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _runs(values: Sequence[float | None]) -> list[list[tuple[int, float]]]:
    """Consecutive available values: a line is broken where a value is not available."""
    runs: list[list[tuple[int, float]]] = []
    current: list[tuple[int, float]] = []
    for index, value in enumerate(values):
        if value is None:
            if current:
                runs.append(current)
            current = []
        else:
            current.append((index, value))
    if current:
        runs.append(current)
    return runs


# --- PDF -------------------------------------------------------------------------------------


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def draw(pdf: FPDF, chart: Chart, *, x: float, y: float, w: float, h: float, font: str) -> None:
    """Draw ``chart`` on the current page of ``pdf`` in the box (x, y, w, h), in millimetres,
    with fpdf2's primitives and the typeface ``font`` (already added to ``pdf``)."""
    left, bottom, top_pad = 16.0, 9.0, 8.0
    plot_x, plot_y = x + left, y + top_pad
    plot_w, plot_h = w - left - 2, h - top_pad - bottom
    top = _maximum(chart)
    pdf.set_font(font, "", 6.5)
    pdf.set_draw_color(221, 221, 221)
    pdf.set_line_width(0.2)
    pdf.set_text_color(68, 68, 68)
    for step in range(5):
        line_y = plot_y + plot_h - plot_h * step / 4
        pdf.line(plot_x, line_y, plot_x + plot_w, line_y)
        pdf.set_xy(x, line_y - 1.5)
        pdf.cell(left - 1, 3, _nice(top * step / 4), align="R")
    count = max(1, len(chart.labels))
    slot = plot_w / count
    every = _every(count, 8)
    for index, label in enumerate(short_labels(chart.labels, 12)):
        if index % every == 0:
            pdf.set_xy(plot_x + slot * index - 6 + slot / 2, plot_y + plot_h + 1)
            pdf.cell(12, 3, label, align="C")
    for number, series in enumerate(chart.series):
        colour = _rgb(PALETTE[number % len(PALETTE)])
        pdf.set_draw_color(*colour)
        pdf.set_fill_color(*colour)
        if chart.kind == "bar":
            width = slot * 0.8 / max(1, len(chart.series))
            for index, value in enumerate(series.values):
                if value is None or value <= 0:
                    continue
                height = plot_h * value / top
                bar_x = plot_x + slot * index + slot * 0.1 + width * number
                pdf.rect(bar_x, plot_y + plot_h - height, width, height, style="F")
        else:
            pdf.set_line_width(0.5)
            for run in _runs(series.values):
                points = [
                    (plot_x + slot * (i + 0.5), plot_y + plot_h - plot_h * v / top) for i, v in run
                ]
                if len(points) == 1:
                    pdf.circle(points[0][0], points[0][1], 0.8, style="F")
                else:
                    pdf.polyline(points)
            pdf.set_line_width(0.2)
        legend_x = x + left + number * 45
        pdf.rect(legend_x, y + 1.5, 2.5, 2.5, style="F")
        pdf.set_xy(legend_x + 3.5, y + 1)
        pdf.set_text_color(34, 34, 34)
        pdf.cell(40, 3.5, series.name[:40])
    pdf.set_draw_color(0, 0, 0)
    pdf.set_fill_color(255, 255, 255)
    pdf.set_text_color(0, 0, 0)
    pdf.set_xy(x, y + h)
