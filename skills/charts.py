"""The agent's skills profile as a server-rendered SVG chart: a pure function, plain values in, markup out.

One horizontal bar per competence on the 0–8 CRCN scale, the level written in words beside it ("non
évalué" and no bar when nothing measured it yet) and, where HR expects a level, a target marker: a dashed
vertical line ending in a diamond, so it reads by its shape, not its colour. Bars below their target are
cross-hatched, the others solid with a dark outline; the legend says it in words. The chart has
`role="img"`, a `<title>` and a `<desc>` that sums it up; the page shows the same figures in a table right
after it. Every text is escaped and the result is marked safe for templates.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .rules import MAX_LEVEL, is_below_target

FONT = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif"'
TEXT = "#1e1e1e"
MUTED = "#4d4d4d"
GRID = "#d0d0d0"
BAR = "#0b5cad"  # the site's blue: 6.7:1 against white
BAR_EDGE = "#063a6e"
BELOW = "#b34000"  # orange-brown, 5.2:1 against white, always with its hatch
TARGET = "#1e1e1e"

# Geometry, in SVG user units (the SVG scales to its container through its viewBox): narrow enough
# that the text stays readable on a 360 px phone.
LABEL_X, BAR_X, STEP = 0, 40, 34
BAR_END = BAR_X + STEP * MAX_LEVEL
VALUE_X = BAR_END + 12
WIDTH = VALUE_X + 176
LEGEND_ROW, AXIS_SPACE, ROW, BAR_HEIGHT, DOMAIN_GAP = 24, 36, 30, 16, 10
CHAR = 8  # a generous width of one character at 14 units, to lay out the legend
ZERO_BAR = 3  # a measured level 0 still shows a stub, unlike "not assessed"


@dataclass(frozen=True)
class ChartRow:
    """One competence: its code and name, the agent's level (None: not assessed) and target (None: none)."""

    code: str
    name: str
    level: int | None
    target: int | None = None

    @property
    def below_target(self) -> bool:
        return is_below_target(self.level, self.target)


def _safe_id(value: str) -> str:
    return re.sub(r"[^a-zA-Z0-9_-]", "-", value) or "chart"


def _domain(code: str) -> str:
    return code.split(".", 1)[0]


def description(rows: Sequence[ChartRow]) -> str:
    """What the chart says, in one or two sentences (also read by screen readers)."""
    assessed = sum(1 for row in rows if row.level is not None)
    below = sum(1 for row in rows if row.below_target)
    with_target = sum(1 for row in rows if row.target)
    parts = [
        ngettext(
            "%(assessed)s compétence évaluée sur %(total)s, sur une échelle de 0 à 8.",
            "%(assessed)s compétences évaluées sur %(total)s, sur une échelle de 0 à 8.",
            assessed,
        )
        % {"assessed": assessed, "total": len(rows)}
    ]
    if with_target:
        parts.append(
            ngettext(
                "%(count)s compétence sous le niveau attendu.",
                "%(count)s compétences sous le niveau attendu.",
                below,
            )
            % {"count": below}
            if below
            else _("Tous les niveaux attendus sont atteints.")
        )
    else:
        parts.append(_("Aucun niveau attendu n'est fixé pour votre métier ou votre service."))
    return " ".join(parts)


def _defs(chart_id: str) -> str:
    return (
        "<defs>"
        f'<pattern id="{chart_id}-below" width="8" height="8" patternUnits="userSpaceOnUse">'
        f'<rect width="8" height="8" fill="#ffffff"/>'
        f'<path d="M0 0L8 8M8 0L0 8" stroke="{BELOW}" stroke-width="2"/></pattern>'
        "</defs>"
    )


def _diamond(x: float, y: float, size: float = 5) -> str:
    return (
        f'<path d="M{x:.1f} {y - size:.1f}L{x + size:.1f} {y:.1f}L{x:.1f} {y + size:.1f}L{x - size:.1f} {y:.1f}Z" '
        f'fill="{TARGET}"/>'
    )


def _target_marker(x: float, top: float, bottom: float) -> str:
    return (
        f'<g class="target-marker">'
        f'<line x1="{x:.1f}" y1="{top:.1f}" x2="{x:.1f}" y2="{bottom:.1f}" stroke="#ffffff" stroke-width="5"/>'
        f'<line x1="{x:.1f}" y1="{top:.1f}" x2="{x:.1f}" y2="{bottom:.1f}" stroke="{TARGET}" '
        f'stroke-width="2.5" stroke-dasharray="4 2"/>{_diamond(x, top)}</g>'
    )


def _swatch(kind: str, chart_id: str, x: int, y: int) -> str:
    if kind == "target":
        return _target_marker(x + 9, y + 2, y + 16)
    fill, edge = (f"url(#{chart_id}-below)", BELOW) if kind == "below" else (BAR, BAR_EDGE)
    return f'<rect x="{x}" y="{y}" width="18" height="14" fill="{fill}" stroke="{edge}" stroke-width="1.5"/>'


def _legend(chart_id: str) -> tuple[list[str], int]:
    """The three keys, in words, wrapped on as many lines as the width needs; returns them and their height."""
    keys = [("reached", _("Niveau mesuré")), ("below", _("Sous le niveau attendu")), ("target", _("Niveau attendu"))]
    parts = [f'<g class="chart-legend" font-size="14" fill="{TEXT}">']
    x, y = 0, 4
    for kind, label in keys:
        needed = 24 + CHAR * len(label)
        if x and x + needed > WIDTH:
            x, y = 0, y + LEGEND_ROW
        parts.append(_swatch(kind, chart_id, x, y))
        parts.append(f'<text x="{x + 24}" y="{y + 12}">{escape(label)}</text>')
        x += needed + 16
    parts.append("</g>")
    return parts, y + LEGEND_ROW


def _axis(top: int, height: int) -> list[str]:
    parts = [f'<g class="chart-axis" font-size="12" fill="{MUTED}">']
    for level in range(MAX_LEVEL + 1):
        x = BAR_X + STEP * level
        parts.append(
            f'<line x1="{x}" y1="{top - 8}" x2="{x}" y2="{height - 6}" stroke="{GRID}"/>'
            f'<text x="{x}" y="{top - 14}" text-anchor="middle">{level}</text>'
        )
    parts.append(f'<text x="{VALUE_X}" y="{top - 14}">{escape(_("Niveau"))}</text>')
    parts.append("</g>")
    return parts


def _value_text(row: ChartRow) -> str:
    level = _("non évalué") if row.level is None else str(row.level)
    if row.target:
        return _("%(level)s (attendu %(target)s)") % {"level": level, "target": row.target}
    return level


def _tooltip(row: ChartRow) -> str:
    level = _("non évalué") if row.level is None else _("niveau %(level)s") % {"level": row.level}
    text = f"{row.code} {row.name} : {level}"
    if row.target:
        text += " — " + _("niveau attendu %(target)s") % {"target": row.target}
    return text


def profile_chart(
    rows: Sequence[ChartRow], *, chart_id: str = "skills-profile", title: str | None = None
) -> SafeString:
    """Horizontal bars of an agent's levels, one row per competence, grouped by domain (see the module)."""
    chart_id = _safe_id(chart_id)
    title = title if title is not None else _("Mes niveaux par compétence numérique")
    legend, legend_height = _legend(chart_id)
    top = legend_height + AXIS_SPACE
    domains = len({_domain(row.code) for row in rows})
    height = top + ROW * max(len(rows), 1) + DOMAIN_GAP * max(domains - 1, 0) + 8
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart skills-chart" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" style="max-width: {WIDTH}px; height: auto;" role="img" focusable="false" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description(rows))}</desc>',
        _defs(chart_id),
        f"<g {FONT}>",
        *legend,
        *_axis(top, height),
        f'<g font-size="14" fill="{TEXT}">',
    ]
    y = top
    previous = None
    for row in rows:
        if previous is not None and _domain(row.code) != previous:
            y += DOMAIN_GAP
        previous = _domain(row.code)
        parts.append(f"<g><title>{escape(_tooltip(row))}</title>")
        parts.append(f'<text x="{LABEL_X}" y="{y + BAR_HEIGHT - 3}" font-weight="600">{escape(row.code)}</text>')
        if row.level is not None:
            width = max(STEP * min(max(row.level, 0), MAX_LEVEL), ZERO_BAR)
            fill, edge = (f"url(#{chart_id}-below)", BELOW) if row.below_target else (BAR, BAR_EDGE)
            parts.append(
                f'<rect class="bar" x="{BAR_X}" y="{y}" width="{width}" height="{BAR_HEIGHT}" '
                f'fill="{fill}" stroke="{edge}" stroke-width="1.5"/>'
            )
        if row.target:
            x = BAR_X + STEP * min(row.target, MAX_LEVEL)
            parts.append(_target_marker(x, y - 3, y + BAR_HEIGHT + 3))
        style = ' font-style="italic" fill="' + MUTED + '"' if row.level is None else ""
        parts.append(f'<text x="{VALUE_X}" y="{y + BAR_HEIGHT - 3}"{style}>{escape(_value_text(row))}</text>')
        parts.append("</g>")
        y += ROW
    parts.append("</g></g></svg>")
    return mark_safe("".join(parts))  # every text above is escaped
