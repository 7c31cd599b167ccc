"""An agent's "livret individuel de formation" as a PDF, drawn with ReportLab.

A pure renderer: the caller gathers the data into a `TrainingRecord` (no database access here) and
gets back `(filename, content_type, bytes)`. The bundled DejaVu fonts (static/fonts) cover French and
the other Latin alphabets; `register_fonts()`, `FONT` and `FONT_BOLD` are shared with other PDFs.
"""

from __future__ import annotations

import datetime
import io
import re
import threading
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import partial
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.text import slugify
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

FONT = "CapSans"
FONT_BOLD = "CapSans-Bold"
CONTENT_TYPE = "application/pdf"

MARGIN = 18 * mm
FOOTER_SIZE = 8
ACCENT = colors.HexColor("#000091")  # the French State's "bleu France"
MUTED = colors.HexColor("#555555")

_fonts_lock = threading.Lock()
_fonts_registered = False
_covered: frozenset[int] = frozenset()  # code points drawn by both fonts
# Control characters: line breaks and tabs become spaces (footer lines cannot break), the others are dropped.
_BREAKS = re.compile(r"[\t\n\r\x0b\x0c\x85\u2028\u2029]")
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def register_fonts() -> None:
    """Register CapSans and CapSans-Bold (DejaVu Sans) with ReportLab, once per process."""
    global _fonts_registered, _covered
    if _fonts_registered:
        return
    with _fonts_lock:
        if _fonts_registered:
            return
        font_dir = settings.BASE_DIR / "static" / "fonts"
        regular = TTFont(FONT, str(font_dir / "DejaVuSans.ttf"))
        bold = TTFont(FONT_BOLD, str(font_dir / "DejaVuSans-Bold.ttf"))
        pdfmetrics.registerFont(regular)
        pdfmetrics.registerFont(bold)
        pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD)
        # Beyond the BMP ReportLab writes a broken ToUnicode entry, so those are treated as missing too.
        _covered = frozenset(c for c in regular.face.charToGlyph.keys() & bold.face.charToGlyph.keys() if c <= 0xFFFF)
        _fonts_registered = True


@dataclass(frozen=True)
class RecordCompetence:
    code: str
    name: str
    level: int


@dataclass(frozen=True)
class RecordLine:
    title: str
    completed_at: datetime.date
    minutes: int
    competences: tuple[RecordCompetence, ...] = ()
    score: Decimal | None = None  # percent, of the deciding quiz


@dataclass(frozen=True)
class TrainingRecord:
    agent_name: str
    organisation: str
    service: str
    job_title: str
    issued_at: datetime.datetime  # aware
    lines: tuple[RecordLine, ...]
    site_name: str = "Cap Numérique"

    @property
    def total_minutes(self) -> int:
        return sum(line.minutes for line in self.lines)


def format_minutes(minutes: int) -> str:
    """A duration in French: "45 min", "1 h", "1 h 30", "2 h 05"."""
    hours, rest = divmod(max(0, int(minutes)), 60)
    if not hours:
        return _("%(minutes)d min") % {"minutes": rest}
    if not rest:
        return _("%(hours)d h") % {"hours": hours}
    return _("%(hours)d h %(minutes)02d") % {"hours": hours, "minutes": rest}


def _plain(value: object) -> str:
    """`value` as NFC text on one line, without control characters."""
    return _CONTROL_CHARS.sub("", _BREAKS.sub(" ", unicodedata.normalize("NFC", str(value))))


def clean_text(value: object) -> str:
    """Text the fonts can draw: `_plain`, with U+FFFD (�) for each character that has no glyph."""
    register_fonts()  # fills `_covered`
    return "".join(char if ord(char) in _covered else "\ufffd" for char in _plain(value))


def _text(value: object) -> str:
    """Learner- or HR-provided text made literal for Paragraph's mini-markup."""
    return escape(clean_text(value))


def _nobreak(text: str) -> str:
    return text.replace(" ", "\xa0")


def _local(moment: datetime.datetime) -> datetime.datetime:
    """`moment` in the site's time zone (a naive datetime is taken as already local)."""
    return timezone.localtime(moment) if timezone.is_aware(moment) else moment


def _format_score(score: Decimal) -> str:
    rounded = Decimal(score).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    if rounded == rounded.to_integral_value():
        return number_format(rounded, decimal_pos=0)
    return number_format(rounded, decimal_pos=1)


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("cap-body", fontName=FONT, fontSize=10, leading=13)
    return {
        "title": ParagraphStyle("cap-title", base, fontName=FONT_BOLD, fontSize=18, leading=22, textColor=ACCENT),
        "body": base,
        "name": ParagraphStyle("cap-name", base, fontName=FONT_BOLD, fontSize=13, leading=16, spaceAfter=2),
        "summary": ParagraphStyle("cap-summary", base, fontName=FONT_BOLD, spaceBefore=8, spaceAfter=8),
        "cell": ParagraphStyle("cap-cell", base, fontSize=9, leading=11.5),
        "small": ParagraphStyle("cap-small", base, fontSize=8, leading=10, textColor=MUTED, spaceBefore=2),
        "head": ParagraphStyle("cap-head", base, fontName=FONT_BOLD, fontSize=9, leading=11, textColor=colors.white),
    }


def filename_for(record: TrainingRecord) -> str:
    """ASCII-safe download name: livret-formation-<agent>-<YYYY-MM-DD>.pdf."""
    slug = slugify(record.agent_name)[:80].strip("-") or "agent"
    return f"livret-formation-{slug}-{_local(record.issued_at).date().isoformat()}.pdf"


def _identity(record: TrainingRecord, styles: dict[str, ParagraphStyle]) -> list:
    flowables = [Paragraph(_text(record.agent_name), styles["name"])]
    for template, value in (
        (_("Organisation : %(value)s"), record.organisation),
        (_("Service : %(value)s"), record.service),
        (_("Fonction : %(value)s"), record.job_title),
    ):
        if value.strip():
            flowables.append(Paragraph(_text(template % {"value": value}), styles["body"]))
    issued = date_format(_local(record.issued_at), "j F Y")
    flowables.append(Paragraph(escape(_("Édité le %(date)s") % {"date": issued}), styles["body"]))
    return flowables


def _line_row(line: RecordLine, styles: dict[str, ParagraphStyle]) -> list:
    title = [Paragraph(_text(line.title), styles["cell"])]
    if line.score is not None:
        score = _("Quiz final : %(score)s %%") % {"score": _format_score(line.score)}
        title.append(Paragraph(escape(score), styles["small"]))
    competences = "<br/>".join(
        _text(_("%(code)s %(name)s (niveau %(level)d)") % {"code": c.code, "name": c.name, "level": c.level})
        for c in line.competences
    )
    return [
        Paragraph(escape(date_format(line.completed_at, "SHORT_DATE_FORMAT")), styles["cell"]),
        title,
        Paragraph(_nobreak(format_minutes(line.minutes)), styles["cell"]),
        Paragraph(competences or "—", styles["cell"]),
    ]


def _lines_table(record: TrainingRecord, styles: dict[str, ParagraphStyle]) -> Table:
    header = [
        Paragraph(escape(label), styles["head"])
        for label in (_("Date"), _("Formation"), _("Durée"), _("Compétences (CRCN)"))
    ]
    rows = [header] + [_line_row(line, styles) for line in record.lines]
    table = Table(
        rows,
        colWidths=[23 * mm, 64 * mm, 17 * mm, 70 * mm],
        repeatRows=1,
        splitInRow=1,  # a row taller than a page (absurdly long title) is split rather than failing
        hAlign="LEFT",
    )
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), ACCENT),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#F2F2F9")]),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#BBBBCC")),
                ("FONTNAME", (0, 0), (-1, -1), FONT),  # the cells are Paragraphs; this keeps Helvetica out
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
                ("LEFTPADDING", (0, 0), (-1, -1), 4),
                ("RIGHTPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    return table


def _fit(text: str, width: float, font: str, size: float) -> str:
    """`text` shortened with an ellipsis so that it fits `width` points (footer lines cannot wrap)."""
    if pdfmetrics.stringWidth(text, font, size) <= width:
        return text
    low, high = 0, len(text)  # longest prefix that fits with the ellipsis, by bisection
    while low < high:
        middle = (low + high + 1) // 2
        if pdfmetrics.stringWidth(text[:middle] + "…", font, size) <= width:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + "…"


def _draw_footer(canvas, doc, record: TrainingRecord) -> None:
    """Two footer lines on every page: who the record belongs to with the page number, then what it lists."""
    width = doc.pagesize[0] - doc.leftMargin - doc.rightMargin
    site = clean_text(record.site_name)
    page_line = _("%(site)s — livret de formation de %(name)s — page %(page)d")
    fixed = page_line % {"site": site, "name": "", "page": doc.page}
    name_room = width - pdfmetrics.stringWidth(fixed, FONT, FOOTER_SIZE)
    name = _fit(clean_text(record.agent_name), name_room, FONT, FOOTER_SIZE)
    about = _("Ce livret recense les formations terminées sur la plateforme %(site)s.") % {"site": site}
    canvas.saveState()
    canvas.setStrokeColor(colors.HexColor("#BBBBCC"))
    canvas.setLineWidth(0.4)
    canvas.line(doc.leftMargin, 15 * mm, doc.leftMargin + width, 15 * mm)
    canvas.setFillColor(MUTED)
    canvas.setFont(FONT, FOOTER_SIZE)
    canvas.drawString(doc.leftMargin, 11 * mm, page_line % {"site": site, "name": name, "page": doc.page})
    canvas.drawString(doc.leftMargin, 7.5 * mm, _fit(about, width, FONT, FOOTER_SIZE))
    canvas.restoreState()


def render_training_record(record: TrainingRecord) -> tuple[str, str, bytes]:
    """Render the record; returns (filename, "application/pdf", PDF bytes)."""
    register_fonts()
    styles = _styles()
    title = _("Livret individuel de formation")
    site = _plain(record.site_name)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 4 * mm,  # room for the two footer lines
        title=f"{title} — {_plain(record.agent_name)}",
        author=site,
        subject=_("Formations terminées sur la plateforme %(site)s") % {"site": site},
        creator=site,
        lang=get_language() or settings.LANGUAGE_CODE,
        initialFontName=FONT,  # otherwise the canvas references a non-embedded Helvetica
    )
    story = [Paragraph(escape(title), styles["title"]), Spacer(1, 5 * mm), *_identity(record, styles)]
    if record.lines:
        summary = ngettext(
            "%(count)d formation suivie, %(duration)s de formation",
            "%(count)d formations suivies, %(duration)s de formation",
            len(record.lines),
        ) % {"count": len(record.lines), "duration": _nobreak(format_minutes(record.total_minutes))}
        story += [Paragraph(escape(summary), styles["summary"]), _lines_table(record, styles)]
    else:
        story += [Spacer(1, 6 * mm), Paragraph(escape(_("Aucune formation terminée pour l'instant.")), styles["body"])]
    footer = partial(_draw_footer, record=record)
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return filename_for(record), CONTENT_TYPE, buffer.getvalue()
