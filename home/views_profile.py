"""Mes compétences: the signed-in agent's digital-skills profile — levels and targets (chart and table),
what to follow next, the evidence behind each level, volunteering as a référent, and the privacy of
their positioning tests. Thin: selectors from skills and paths, shaped for the template."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import render
from django.utils.translation import gettext as _

from courses.models import CoursePage
from paths import recommendations
from paths.models import TrainingPath
from people import permissions
from people.models import Agent
from progress.models import Enrollment
from quizzes.models import Attempt, QuizKind
from skills import charts
from skills import selectors as skill_selectors
from skills.models import Champion, Competence, Domain, Evidence, Level, measured_level_label
from skills.selectors import ProfileRow

EVIDENCE_SHOWN = 100


def level_label(level: int | None) -> str:
    """A measured level in words: "4 — Indépendant", "0 — Non acquis", "Non évalué"."""
    return measured_level_label(level, none=_("Non évalué"))


def target_label(level: int | None) -> str:
    if not level:
        return "—"
    return str(Level(level).label) if level in Level.values else str(level)


def source_label(source: str) -> str:
    return str(Evidence.Source(source).label) if source in Evidence.Source.values else source


def _origin(source: str, label: str) -> str:
    """Where a level comes from; the positioning test's own title would only repeat its source."""
    if not label or source == Evidence.Source.POSITIONING:
        return source_label(source)
    return f"{source_label(source)} : {label}"


@dataclass(frozen=True)
class TableRow:
    competence: Competence
    level: int | None
    level_label: str
    origin: str  # "Test de positionnement", "Cours terminé : Cybersécurité au quotidien"
    observed_at: datetime | None
    target: int | None
    target_label: str
    status: str  # "below", "reached" or "" (no target)
    can_be_champion: bool
    is_champion: bool


@dataclass
class DomainGroup:
    domain: Domain
    rows: list[TableRow] = field(default_factory=list)


def _table(rows: list[ProfileRow], champion_ids: set[int]) -> list[DomainGroup]:
    groups: dict[int, DomainGroup] = {}
    for row in rows:
        level = row.level.level if row.level else None
        status = ("below" if row.below_target else "reached") if row.target else ""
        group = groups.setdefault(row.competence.domain_id, DomainGroup(row.competence.domain))
        group.rows.append(
            TableRow(
                competence=row.competence,
                level=level,
                level_label=level_label(level),
                origin=_origin(row.level.source, row.level.label) if row.level else "",
                observed_at=row.level.observed_at if row.level else None,
                target=row.target,
                target_label=target_label(row.target),
                status=status,
                can_be_champion=row.can_be_champion,
                is_champion=row.competence.pk in champion_ids,
            )
        )
    return sorted(groups.values(), key=lambda group: group.domain.code)


@dataclass(frozen=True)
class CourseLink:
    page: CoursePage
    minutes: int
    enrolled: bool


@dataclass(frozen=True)
class GapView:
    competence: Competence | None
    code: str
    level_label: str
    target_label: str
    courses: list[CourseLink]


def _recommendations(agent: Agent, rows: list[ProfileRow]) -> tuple[list[GapView], list]:
    competences = {row.competence.code: row.competence for row in rows}
    found = recommendations.for_agent(agent, rows)
    enrolled = set(
        Enrollment.objects.filter(agent=agent, archived_at__isnull=True, course_id__in=list(found.courses)).values_list(
            "course_id", flat=True
        )
    )
    gaps = [
        GapView(
            competence=competences.get(item.gap.competence_code),
            code=item.gap.competence_code,
            level_label=level_label(item.gap.level),
            target_label=target_label(item.gap.target),
            courses=[
                CourseLink(found.courses[option.course_id], option.minutes, option.course_id in enrolled)
                for option in item.courses
                if option.course_id in found.courses
            ],
        )
        for item in found.items
    ]
    steps = dict(
        TrainingPath.objects.filter(pk__in=[option.path.pk for option in found.paths])
        .annotate(n=Count("steps"))
        .values_list("pk", "n")
    )
    paths = [{"path": option.path, "steps": steps.get(option.path.pk, 0)} for option in found.paths]
    return gaps, paths


def positioning_attempts(agent: Agent):
    """The agent's finished positioning tests, newest first (the quiz may since have been deleted)."""
    return Attempt.objects.filter(
        agent=agent, snapshot__kind=QuizKind.POSITIONING, state=Attempt.State.GRADED
    ).order_by("-submitted_at", "-pk")


@login_required
def skills_profile(request):
    """Mes compétences numériques: levels, targets, recommendations, evidence, référents, privacy."""
    agent = permissions.agent_of(request.user)
    if agent is None:
        return render(request, "home/skills_profile.html", {"agent": None})
    rows = skill_selectors.agent_profile(agent)
    champion_ids = set(Champion.objects.filter(agent=agent).values_list("competence_id", flat=True))
    table = _table(rows, champion_ids)
    gaps, paths = _recommendations(agent, rows)
    attempts = list(positioning_attempts(agent))
    assessed = sum(1 for row in rows if row.level is not None)
    chart_rows = [
        charts.ChartRow(row.competence.code, row.competence.name, row.level.level if row.level else None, row.target)
        for row in rows
    ]
    evidence = list(skill_selectors.agent_evidence(agent)[:EVIDENCE_SHOWN])
    for item in evidence:
        item.what = _origin(item.source, item.label)
    return render(
        request,
        "home/skills_profile.html",
        {
            "agent": agent,
            "groups": table,
            "chart": charts.profile_chart(chart_rows),
            "assessed": assessed,
            "below": sum(1 for row in rows if row.below_target),
            "has_targets": any(row.target for row in rows),
            "gaps": gaps,
            "paths": paths,
            "evidence": evidence,
            "more_evidence": len(evidence) == EVIDENCE_SHOWN,
            "attempts": attempts,
            "last_attempt": attempts[0] if attempts else None,
            "champion_rows": [row for group in table for row in group.rows if row.can_be_champion or row.is_champion],
        },
    )
