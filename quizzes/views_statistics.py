"""Item statistics of a quiz in the Wagtail admin, for trainers: the page and its CSV export.

URLs are not registered here. Add to quizzes/wagtail_hooks.py (Wagtail puts them under /admin/ and
wraps them in `require_admin_access`; these views check `is_trainer` themselves as well). Import the
views inside the hook, as `register_quiz_tool_urls` does: courses.blocks imports wagtail_hooks while
models load.

    @hooks.register("register_admin_urls")
    def register_quiz_statistics_urls():
        from . import views_statistics

        return [
            path("quiz/<int:pk>/statistiques/", views_statistics.quiz_statistics, name="quizzes_statistics"),
            path(
                "quiz/<int:pk>/statistiques.csv", views_statistics.quiz_statistics_csv, name="quizzes_statistics_csv"
            ),
        ]

and, so that trainers find the page, a button beside "Aperçu agent" in `QuizEditView.header_more_buttons`
(and a `ListingMenuItem` in `QuizIndexView.get_list_more_buttons`):

    Button(_("Statistiques"), url=reverse("quizzes_statistics", args=[self.object.pk]), icon_name="table", priority=7)

`?tentatives=toutes` counts every graded attempt instead of each agent's first one (Moodle's default).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _

from people.permissions import is_trainer

from .models import Quiz
from .statistics import ScoreBand, question_statistics, quiz_summary, statistics_csv_rows

ALL_ATTEMPTS_PARAMETER, ALL_ATTEMPTS_VALUE = "tentatives", "toutes"
CSV_DELIMITER = ";"  # what French Excel expects
BOM = "\ufeff"  # so that Excel reads the file as UTF-8 (accents)

# The bar chart's geometry, in SVG user units (the SVG scales to its container).
CHART_WIDTH, CHART_HEIGHT = 640, 300
CHART_LEFT, CHART_RIGHT, CHART_TOP, CHART_BOTTOM = 48, 12, 28, 56


def _quiz_for_trainer(request, pk: int) -> Quiz:
    if not is_trainer(request.user):
        raise PermissionDenied
    return get_object_or_404(Quiz, pk=pk)


def _all_attempts(request) -> bool:
    return request.GET.get(ALL_ATTEMPTS_PARAMETER) == ALL_ATTEMPTS_VALUE


# --- the chart ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    x: float
    y: float
    width: float
    height: float

    @property
    def centre(self) -> float:
        return round(self.x + self.width / 2, 1)

    @property
    def count_y(self) -> float:
        """Where the count is written, just above the bar."""
        return round(self.y - 6, 1)


@dataclass(frozen=True)
class Tick:
    value: int
    y: float


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    right: int  # x of the plot's right edge
    baseline: float  # y of the x axis
    bars: tuple[Bar, ...]
    ticks: tuple[Tick, ...]

    @property
    def tick_label_x(self) -> int:
        return self.left - 6

    @property
    def band_label_y(self) -> float:
        return self.baseline + 18

    @property
    def axis_label_y(self) -> int:
        return self.height - 8


def _tick_step(highest: int) -> int:
    """A round step giving at most five ticks above zero."""
    rough = max(1, math.ceil(highest / 5))
    magnitude = 10 ** (len(str(rough)) - 1)
    for multiple in (1, 2, 5, 10):
        if rough <= multiple * magnitude:
            return multiple * magnitude
    return 10 * magnitude


def score_chart(distribution: tuple[ScoreBand, ...]) -> Chart:
    """Bars for the score distribution, computed here so the template only draws."""
    plot_width = CHART_WIDTH - CHART_LEFT - CHART_RIGHT
    plot_height = CHART_HEIGHT - CHART_TOP - CHART_BOTTOM
    baseline = CHART_TOP + plot_height
    step = _tick_step(max((band.count for band in distribution), default=0))
    top_value = max(step, math.ceil(max((band.count for band in distribution), default=0) / step) * step)
    slot_width = plot_width / max(1, len(distribution))
    bar_width = slot_width * 0.7
    bars = []
    for index, band in enumerate(distribution):
        height = plot_height * band.count / top_value
        bars.append(
            Bar(
                label=band.label,
                count=band.count,
                x=round(CHART_LEFT + index * slot_width + (slot_width - bar_width) / 2, 1),
                y=round(baseline - height, 1),
                width=round(bar_width, 1),
                height=round(height, 1),
            )
        )
    ticks = tuple(
        Tick(value, round(baseline - plot_height * value / top_value, 1)) for value in range(0, top_value + 1, step)
    )
    return Chart(CHART_WIDTH, CHART_HEIGHT, CHART_LEFT, CHART_WIDTH - CHART_RIGHT, baseline, tuple(bars), ticks)


def discrimination_quality(value: float | None) -> str:
    """Moodle's reading of a discrimination index, in words (never colour alone)."""
    if value is None:
        return _("non calculable")
    if value < 0:
        return _("négative : question à revoir")
    if value < 20:
        return _("très faible")
    if value < 30:
        return _("faible")
    if value < 50:
        return _("correcte")
    return _("très bonne")


# --- views ----------------------------------------------------------------------------------------


def quiz_statistics(request, pk: int):
    quiz = _quiz_for_trainer(request, pk)
    all_attempts = _all_attempts(request)
    summary = quiz_summary(quiz.pk, all_attempts=all_attempts)
    questions = question_statistics(quiz.pk, all_attempts=all_attempts)
    csv_url = reverse("quizzes_statistics_csv", args=[quiz.pk])
    if all_attempts:
        csv_url += f"?{ALL_ATTEMPTS_PARAMETER}={ALL_ATTEMPTS_VALUE}"
    return TemplateResponse(
        request,
        "quizzes/admin/statistics.html",
        {
            "quiz": quiz,
            "summary": summary,
            "chart": score_chart(summary.distribution) if summary.attempts else None,
            "questions": [
                {"stats": item, "number": number, "quality": discrimination_quality(item.discrimination)}
                for number, item in enumerate(questions, start=1)
            ],
            "all_attempts": all_attempts,
            "all_attempts_parameter": ALL_ATTEMPTS_PARAMETER,
            "all_attempts_value": ALL_ATTEMPTS_VALUE,
            "csv_url": csv_url,
        },
    )


class _Echo:
    """A file-like object whose write() returns what it is given: csv.writer then yields lines."""

    def write(self, value: str) -> str:
        return value


def quiz_statistics_csv(request, pk: int):
    quiz = _quiz_for_trainer(request, pk)
    all_attempts = _all_attempts(request)
    writer = csv.writer(_Echo(), delimiter=CSV_DELIMITER)

    def lines() -> Iterator[str]:
        yield BOM
        for row in statistics_csv_rows(quiz.pk, all_attempts=all_attempts):
            yield writer.writerow(row)

    filename = f"statistiques-{slugify(quiz.title) or quiz.pk}{'-toutes-tentatives' if all_attempts else ''}.csv"
    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
