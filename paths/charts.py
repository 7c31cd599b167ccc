"""Server-rendered SVG charts for the dashboards: pure functions, plain values in, markup out.

Every chart has `role="img"`, a `<title>` and a `<desc>` named by `aria-labelledby`, and is readable in
black and white: each status has a fill pattern as well as a colour (solid, stripes, dots, cross-hatch)
and a legend in words. The page shows the same figures in a table right after the chart. Every text
that comes from data is escaped; the result is marked safe for templates.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from . import rules
from .selectors import STATUS_LABELS

FONT = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif"'
TEXT = "#1e1e1e"
MUTED = "#4d4d4d"
GRID = "#d0d0d0"

# Status order in a bar, and how each one is drawn: colour (checked against white: 4.5:1 or more) and a
# pattern so that colour is never the only cue.
BAR_STATUSES = (rules.COMPLETED, rules.IN_PROGRESS, rules.NOT_STARTED, rules.OVERDUE)
STATUS_STYLE = {
    rules.COMPLETED: {"colour": "#18753c", "pattern": "solid"},
    rules.IN_PROGRESS: {"colour": "#0b5cad", "pattern": "stripes"},
    rules.NOT_STARTED: {"colour": "#4d4d4d", "pattern": "dots"},
    rules.OVERDUE: {"colour": "#b60000", "pattern": "hatch"},
}


def status_labels() -> dict[str, str]:
    return {status: str(label) for status, label in STATUS_LABELS.items()}


def number(value: int) -> str:
    """55000 → "55 000" (narrow no-break space)."""
    return f"{value:,}".replace(",", "\u202f")


def percent(value: int) -> str:
    return f"{value}\u202f%"


def _safe_id(value: str) -> str:
    return re.sub(r"[^a-zA-Z0-9_-]", "-", value) or "chart"


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _open_svg(chart_id: str, width: int, height: int, title: str, description: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'width="100%" style="max-width: {width}px; height: auto;" role="img" focusable="false" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]


def _patterns(chart_id: str) -> str:
    """One fill per status; ids are prefixed by the chart id (several charts share a page)."""
    defs = ["<defs>"]
    for status in BAR_STATUSES:
        style = STATUS_STYLE[status]
        colour = style["colour"]
        pattern_id = f"{chart_id}-{status}"
        if style["pattern"] == "stripes":
            defs.append(
                f'<pattern id="{pattern_id}" width="8" height="8" patternUnits="userSpaceOnUse" '
                f'patternTransform="rotate(45)"><rect width="8" height="8" fill="{colour}"/>'
                f'<rect width="3" height="8" fill="#ffffff"/></pattern>'
            )
        elif style["pattern"] == "dots":
            defs.append(
                f'<pattern id="{pattern_id}" width="6" height="6" patternUnits="userSpaceOnUse">'
                f'<rect width="6" height="6" fill="#ffffff"/><circle cx="3" cy="3" r="1.3" fill="{colour}"/></pattern>'
            )
        elif style["pattern"] == "hatch":
            defs.append(
                f'<pattern id="{pattern_id}" width="8" height="8" patternUnits="userSpaceOnUse">'
                f'<rect width="8" height="8" fill="{colour}"/>'
                f'<path d="M0 0L8 8M8 0L0 8" stroke="#ffffff" stroke-width="1.5"/></pattern>'
            )
    defs.append("</defs>")
    return "".join(defs)


def _fill(chart_id: str, status: str) -> str:
    style = STATUS_STYLE[status]
    return style["colour"] if style["pattern"] == "solid" else f"url(#{chart_id}-{status})"


def _legend(chart_id: str, y: int) -> list[str]:
    parts = [f'<g class="chart-legend" {FONT} font-size="14" fill="{TEXT}">']
    x = 0
    for status in BAR_STATUSES:
        label = status_labels()[status]
        parts.append(
            f'<rect x="{x}" y="{y}" width="16" height="16" fill="{_fill(chart_id, status)}" '
            f'stroke="{STATUS_STYLE[status]["colour"]}"/>'
            f'<text x="{x + 22}" y="{y + 13}">{escape(label)}</text>'
        )
        x += 30 + 8 * len(label)
    parts.append("</g>")
    return parts


@dataclass(frozen=True)
class Bar:
    """One bar: a label (a service, a category), counts by status, an indentation level for trees."""

    label: str
    counts: Mapping[str, int]
    indent: int = 0


def stacked_bar_chart(bars: Sequence[Bar], *, chart_id: str, title: str, description: str) -> SafeString:
    """Horizontal bars, one per row, each split by status in proportion of the row's total (completed,
    in progress, not started, overdue); the completion rate is written at the end of each bar."""
    chart_id = _safe_id(chart_id)
    label_width, bar_x, bar_width, row_height, bar_height, top = 230, 240, 380, 30, 18, 40
    width = bar_x + bar_width + 70
    height = top + row_height * max(len(bars), 1) + 10
    parts = _open_svg(chart_id, width, height, title, description)
    parts.append(_patterns(chart_id))
    parts.extend(_legend(chart_id, 4))
    parts.append(f'<g {FONT} font-size="14" fill="{TEXT}">')
    labels = status_labels()
    for index, bar in enumerate(bars):
        y = top + index * row_height
        indent = min(bar.indent, 6) * 12
        limit = max(8, (label_width - indent) // 8)
        total = sum(bar.counts.get(status, 0) for status in BAR_STATUSES)
        parts.append("<g>")
        parts.append(f"<title>{escape(bar.label)}</title>")
        parts.append(f'<text x="{indent}" y="{y + bar_height - 4}">{escape(_shorten(bar.label, limit))}</text>')
        parts.append(
            f'<rect x="{bar_x}" y="{y}" width="{bar_width}" height="{bar_height}" fill="none" stroke="{GRID}"/>'
        )
        x = float(bar_x)
        for status in BAR_STATUSES:
            count = bar.counts.get(status, 0)
            if not count or not total:
                continue
            segment = bar_width * count / total
            parts.append(
                f'<rect x="{x:.2f}" y="{y}" width="{segment:.2f}" height="{bar_height}" '
                f'fill="{_fill(chart_id, status)}" stroke="#ffffff" stroke-width="1">'
                f"<title>{escape(bar.label)} — {escape(labels[status])} : {number(count)}</title></rect>"
            )
            x += segment
        completed = bar.counts.get(rules.COMPLETED, 0)
        end = percent(completed * 100 // total) if total else "—"
        parts.append(f'<text x="{bar_x + bar_width + 8}" y="{y + bar_height - 4}">{end}</text>')
        parts.append("</g>")
    parts.append("</g></svg>")
    return mark_safe("".join(parts))  # every data text above is escaped


@dataclass(frozen=True)
class Series:
    """A line: `done` is drawn solid green with round markers, `total` dashed grey with square ones."""

    label: str
    values: Sequence[int]
    kind: str = "done"


SERIES_STYLE = {
    "done": {"colour": "#18753c", "dash": "", "marker": "circle", "width": 3},
    "total": {"colour": "#4d4d4d", "dash": ' stroke-dasharray="6 4"', "marker": "square", "width": 2},
}


def _nice_max(value: int) -> int:
    """A round upper bound for a four-step axis: 0 → 4, 7 → 8, 23 → 24, 180 → 200, 1000 → 1000."""
    if value <= 4:
        return 4
    raw = value / 4
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 3, 4, 5, 6, 8, 10):
        step = factor * magnitude
        if step >= raw and float(step).is_integer():
            return int(step) * 4
    return -(-value // 4) * 4


def _marker(shape: str, x: float, y: float, colour: str) -> str:
    if shape == "square":
        return (
            f'<rect x="{x - 4:.2f}" y="{y - 4:.2f}" width="8" height="8" '
            f'fill="#ffffff" stroke="{colour}" stroke-width="2"/>'
        )
    return f'<circle cx="{x:.2f}" cy="{y:.2f}" r="4.5" fill="{colour}"/>'


def line_chart(
    x_labels: Sequence[str], series: Sequence[Series], *, chart_id: str, title: str, description: str
) -> SafeString:
    """Lines over time on a shared vertical scale from zero, with a legend and the last value of each
    line written at its end."""
    chart_id = _safe_id(chart_id)
    left, right, top, plot_height, width = 56, 90, 40, 220, 720
    plot_width = width - left - right
    height = top + plot_height + 44
    peak = max((value for line in series for value in line.values), default=0)
    ceiling = _nice_max(peak)
    count = max(len(x_labels), 1)

    def x_at(index: int) -> float:
        return left + (plot_width * index / (count - 1) if count > 1 else plot_width / 2)

    def y_at(value: int) -> float:
        return top + plot_height - plot_height * value / ceiling

    parts = _open_svg(chart_id, width, height, title, description)
    parts.append(f'<g {FONT} font-size="14" fill="{TEXT}">')
    # Legend.
    x = left
    for line in series:
        style = SERIES_STYLE.get(line.kind, SERIES_STYLE["done"])
        parts.append(
            f'<line x1="{x}" y1="12" x2="{x + 28}" y2="12" stroke="{style["colour"]}" '
            f'stroke-width="{style["width"]}"{style["dash"]}/>'
            + _marker(style["marker"], x + 14, 12, style["colour"])
            + f'<text x="{x + 36}" y="17">{escape(line.label)}</text>'
        )
        x += 56 + 8 * len(line.label)
    # Horizontal grid and vertical scale.
    for step in range(5):
        value = ceiling * step // 4
        y = y_at(value)
        parts.append(
            f'<line x1="{left}" y1="{y:.2f}" x2="{left + plot_width}" y2="{y:.2f}" stroke="{GRID}"/>'
            f'<text x="{left - 8}" y="{y + 4:.2f}" text-anchor="end" fill="{MUTED}">{number(value)}</text>'
        )
    # Time axis: every label when they fit, else one in two counted from the last (always shown).
    every = 1 if count <= 8 else 2
    for index, label in enumerate(x_labels):
        if (count - 1 - index) % every:
            continue
        parts.append(
            f'<text x="{x_at(index):.2f}" y="{top + plot_height + 20}" text-anchor="middle" '
            f'fill="{MUTED}">{escape(label)}</text>'
        )
    # Lines, markers and end values (an end value is moved up when it would cover another one).
    taken: list[float] = []
    for line in series:
        style = SERIES_STYLE.get(line.kind, SERIES_STYLE["done"])
        points = [(x_at(index), y_at(value)) for index, value in enumerate(line.values)]
        if not points:
            continue
        coordinates = " ".join(f"{px:.2f},{py:.2f}" for px, py in points)
        parts.append(
            f'<polyline points="{coordinates}" fill="none" stroke="{style["colour"]}" '
            f'stroke-width="{style["width"]}"{style["dash"]} stroke-linejoin="round"/>'
        )
        parts.extend(_marker(style["marker"], px, py, style["colour"]) for px, py in points)
        last_x, last_y = points[-1]
        label_y = last_y + 4
        while any(abs(label_y - other) < 15 for other in taken):
            label_y -= 15
        taken.append(label_y)
        parts.append(f'<text x="{last_x + 10:.2f}" y="{label_y:.2f}">{number(line.values[-1])}</text>')
    parts.append("</g></svg>")
    return mark_safe("".join(parts))  # every data text above is escaped
