"""From competence gaps to courses and paths. `skills` knows levels and targets but not courses (it sits to
the left of them), so the step that names courses lives here.

The rule (`recommend`, pure): a course answers a gap when it trains that competence to a level above the
agent's current one. Among those, courses that do not overshoot the target come first, then the one
closest to the next level (a novice starts with a discovery course), then the shortest; courses already
completed are left out; three at most per gap. A path is proposed when its steps hold recommended
courses, the paths covering the most gaps first.

Without a target set by HR, an assessed competence below `REFERENCE_LEVEL` (2, the basic everyday
gestures of the CRCN's first stage) is still a gap to that level, so that a positioning test that finds
"not acquired" always leads somewhere. Gaps to HR's targets come first, widest first; these reference
gaps follow them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from courses.models import CourseCompetence, CoursePage
from people.models import Agent
from progress.models import CourseCompletion
from skills import rules as skill_rules
from skills import selectors as skill_selectors

from .models import PathStep, TrainingPath

REFERENCE_LEVEL = 2
PER_GAP = 3


@dataclass(frozen=True)
class CourseOption:
    course_id: int
    title: str
    minutes: int
    levels: Mapping[str, int]  # competence code → level the course trains to


@dataclass(frozen=True)
class Recommendation:
    gap: skill_rules.Gap
    courses: tuple[CourseOption, ...]


def recommend(
    gaps: Iterable[skill_rules.Gap],
    courses: Iterable[CourseOption],
    *,
    completed: frozenset[int] | set[int] = frozenset(),
    per_gap: int = PER_GAP,
) -> list[Recommendation]:
    """Courses for each gap (see the module's rule); gaps no course answers are kept with no course."""
    courses = [course for course in courses if course.course_id not in completed]
    found = []
    for gap in gaps:
        current = gap.level or 0
        useful = [course for course in courses if course.levels.get(gap.competence_code, 0) > current]
        useful.sort(
            key=lambda course: (
                course.levels[gap.competence_code] > gap.target,
                abs(course.levels[gap.competence_code] - (current + 1)),
                course.minutes,
                course.title.casefold(),
            )
        )
        found.append(Recommendation(gap, tuple(useful[:per_gap])))
    return found


def with_reference_gaps(
    gaps: list[skill_rules.Gap], levels: Mapping[str, int | None], targets: Mapping[str, int]
) -> list[skill_rules.Gap]:
    """The agent's gaps to their targets (as given), then assessed competences without target below the
    reference level, widest first."""
    extra = [
        skill_rules.Gap(code, level, REFERENCE_LEVEL)
        for code, level in levels.items()
        if level is not None and level < REFERENCE_LEVEL and code not in targets
    ]
    return [*gaps, *sorted(extra, key=lambda gap: (-gap.size, gap.competence_code))]


# --- queries --------------------------------------------------------------------------------------


def course_options(competence_codes: Iterable[str] | None = None) -> list[CourseOption]:
    """Live courses with the levels they train (two queries)."""
    links = CourseCompetence.objects.filter(course__live=True).values_list(
        "course_id", "competence__code", "target_level"
    )
    if competence_codes is not None:
        links = links.filter(course__competences__competence__code__in=list(competence_codes)).distinct()
    levels: dict[int, dict[str, int]] = {}
    for course_id, code, level in links:
        levels.setdefault(course_id, {})[code] = level
    courses = CoursePage.objects.live().filter(pk__in=levels).values_list("pk", "title", "duration_minutes")
    return [CourseOption(pk, title, minutes or 0, levels[pk]) for pk, title, minutes in courses]


@dataclass(frozen=True)
class PathOption:
    path: TrainingPath
    course_ids: frozenset[int]
    gaps_covered: int


def paths_for(organisation_id: int, recommendations: list[Recommendation]) -> list[PathOption]:
    """The organisation's paths whose steps hold recommended courses, covering the most gaps first."""
    by_course: dict[int, set[str]] = {}
    for item in recommendations:
        for course in item.courses:
            by_course.setdefault(course.course_id, set()).add(item.gap.competence_code)
    if not by_course:
        return []
    steps: dict[int, set[int]] = {}
    for path_id, course_id in PathStep.objects.filter(
        course_id__in=by_course,
        path__organisation_id=organisation_id,
        path__archived_at__isnull=True,
        path__single_course=False,
    ).values_list("path_id", "course_id"):
        steps.setdefault(path_id, set()).add(course_id)
    paths = TrainingPath.objects.in_bulk(list(steps))
    options = [
        PathOption(paths[path_id], frozenset(course_ids), len(set().union(*(by_course[pk] for pk in course_ids))))
        for path_id, course_ids in steps.items()
    ]
    return sorted(options, key=lambda option: (-option.gaps_covered, option.path.title.casefold()))


@dataclass(frozen=True)
class AgentRecommendations:
    items: list[Recommendation]
    paths: list[PathOption]
    courses: dict[int, CoursePage]  # the recommended course pages, for links and cards


def for_agent(agent: Agent, profile: list[skill_selectors.ProfileRow] | None = None) -> AgentRecommendations:
    """What the agent could follow next to close their gaps (fixed number of queries); pass the agent's
    profile when the caller already has it."""
    rows = profile if profile is not None else skill_selectors.agent_profile(agent)
    levels = {row.competence.code: row.level.level if row.level else None for row in rows}
    targets = {row.competence.code: row.target for row in rows if row.target is not None}
    gaps = with_reference_gaps(skill_rules.gaps(levels, targets), levels, targets)
    completed = set(
        CourseCompletion.objects.filter(agent=agent, course__isnull=False).values_list("course_id", flat=True)
    )
    items = recommend(gaps, course_options([gap.competence_code for gap in gaps]), completed=completed)
    course_ids = {course.course_id for item in items for course in item.courses}
    pages = CoursePage.objects.live().in_bulk(list(course_ids))
    return AgentRecommendations(items, paths_for(agent.organisation_id, items), pages)


def for_gap(*, competence_code: str, level: int | None, target: int) -> list[CourseOption]:
    """Courses to assign to agents below a target (the heatmap's "assign" step): those that lead from the
    lowest level concerned towards the target."""
    gap = skill_rules.Gap(competence_code, level, target)
    return list(recommend([gap], course_options([competence_code]), per_gap=10)[0].courses)
