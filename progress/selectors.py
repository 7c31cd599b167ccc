"""Read queries of an agent's learning, with query counts that stay flat as their history grows."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import BooleanField, Exists, ExpressionWrapper, F, OuterRef, Q
from django.db.models.functions import Coalesce, Substr
from django.urls import reverse
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from courses.models import CourseCompetence, CoursePage, LessonPage, LessonQuiz, Level
from courses.selectors import page_url
from people.models import Agent

from . import rules
from .models import CourseCompletion, Enrollment, LessonProgress

SUGGESTIONS = 4


@dataclass
class CourseState:
    """Where an agent stands in one course, for the course and lesson pages."""

    enrollment: Enrollment | None = None
    completion: CourseCompletion | None = None
    done_ids: frozenset[int] = frozenset()
    percent: int = 0
    resume_lesson_id: int | None = None

    @property
    def enrolled(self) -> bool:
        return self.enrollment is not None

    @property
    def completed(self) -> bool:
        return self.completion is not None


def course_state(agent: Agent | None, course: CoursePage, lessons) -> CourseState:
    """`lessons`: the course outline's items (pk, required), in order. Two queries."""
    if agent is None:
        return CourseState()
    enrollment = (
        Enrollment.objects.filter(agent=agent, course=course, archived_at__isnull=True)
        .select_related("completion")
        .first()
    )
    if enrollment is None:
        return CourseState()
    rows = list(
        LessonProgress.objects.filter(enrollment=enrollment).values_list("lesson_id", "completed_at", "last_visit_at")
    )
    done = frozenset(lesson_id for lesson_id, completed_at, _visit in rows if completed_at is not None)
    last = max(rows, key=lambda row: row[2])[0] if rows else None
    lesson_ids = [item.pk for item in lessons]
    return CourseState(
        enrollment=enrollment,
        completion=getattr(enrollment, "completion", None),
        done_ids=done,
        percent=rules.progress_percent(
            required_lesson_ids=[item.pk for item in lessons if item.required], completed_lesson_ids=done
        ),
        resume_lesson_id=rules.resume_lesson(lesson_ids=lesson_ids, completed_lesson_ids=done, last_visited_id=last),
    )


def lesson_needs_quiz(lesson: LessonPage) -> bool:
    return LessonQuiz.objects.filter(lesson=lesson, required=True).exists()


@dataclass(frozen=True)
class CourseRef:
    """What Mon espace shows of a course, without loading its page."""

    pk: int
    title: str
    url: str


@dataclass
class CourseCard:
    """A course in progress on Mon espace. The labels are rendered here, once per card, as the template's
    `blocktranslate` would render them (same messages, values escaped): a template tag per card costs more
    than the rest of the card."""

    enrollment_id: int
    course: CourseRef
    percent: int
    done: int
    required: int
    resume_lesson_id: int | None
    resume_title: str
    last_activity: datetime
    resume_url: str = ""
    progress_label: str = ""
    next_step_label: str = ""


def _label(message: str, **values) -> SafeString:
    """`{% blocktranslate with … %}message{% endblocktranslate %}`: the translated message with its values
    localised and escaped, the message itself not escaped (as the tag does)."""
    return SafeString(gettext(message) % {key: conditional_escape(localize(value)) for key, value in values.items()})


# Page URLs without a `reverse()` per page: the URL of the site root once, then each page's path below it
# when that path is plain ASCII (which `reverse()` would neither reject nor quote); any other path goes
# through `page_url()` itself.
_PLAIN_PATH = re.compile(r"(?:[A-Za-z0-9_\-]+/)*")


def _page_url_maker() -> Callable[[str], str]:
    from wagtail.models import Site

    roots = [root.root_path for root in Site.get_site_root_paths()]
    base: list[str] = []

    def url(url_path: str) -> str:
        for root in roots:
            if url_path.startswith(root):
                rest = url_path[len(root) :]
                if not _PLAIN_PATH.fullmatch(rest):
                    return page_url(url_path)
                if not base:
                    base.append(reverse("wagtail_serve", args=("",)))
                return base[0] + rest
        return ""

    return url


def _resume_url_maker() -> Callable[[int], str]:
    """`reverse("progress:resume", args=[pk])` for many courses: reversed once with a marker number."""
    marker = "987654321"
    pattern = reverse("progress:resume", args=[int(marker)])
    before, _marker, after = pattern.partition(marker)
    return lambda pk: f"{before}{int(pk)}{after}"


@dataclass
class Overview:
    in_progress: list[CourseCard] = field(default_factory=list)
    completed: list[CourseCompletion] = field(default_factory=list)
    suggestions: list[CoursePage] = field(default_factory=list)

    @property
    def total_minutes(self) -> int:
        return sum(completion.duration_minutes for completion in self.completed)


def _lessons_by_course(course_paths: set[str]) -> dict[str, list[tuple[int, str, bool]]]:
    """The live lessons of these courses, (pk, title, required) in order, in one query: lessons are
    the children of their course, so their path starts with the course's path."""
    if not course_paths:
        return {}
    length = len(next(iter(course_paths)))
    lessons = (
        LessonPage.objects.live()
        .annotate(parent_path=Substr("path", 1, length))
        .filter(parent_path__in=course_paths, depth=length // LessonPage.steplen + 1)
        .order_by("path")
        .values_list("parent_path", "pk", "title", "completion_required")
    )
    grouped: dict[str, list[tuple[int, str, bool]]] = {}
    for parent_path, pk, title, required in lessons:
        grouped.setdefault(parent_path, []).append((pk, title, required))
    return grouped


def learner_overview(agent: Agent) -> Overview:
    """Mon espace: courses in progress with where to resume, completed courses, suggestions.

    Five queries whatever the number of enrolments, and no page object built per course."""
    enrollments = list(
        Enrollment.objects.filter(agent=agent, archived_at__isnull=True, course__live=True)
        .exclude(Exists(CourseCompletion.objects.filter(enrollment=OuterRef("pk"))))
        .order_by(Coalesce("last_activity_at", "enrolled_at").desc())
        .values_list(
            "pk", "enrolled_at", "last_activity_at", "course_id", "course__title", "course__url_path", "course__path"
        )
    )
    lessons = _lessons_by_course({row[6] for row in enrollments})
    # Whether each lesson is done as a boolean computed by the database: no date to decode per row.
    progress: dict[int, list[tuple[int, bool, datetime]]] = {}
    for enrollment_id, lesson_id, is_done, last_visit_at in (
        LessonProgress.objects.filter(enrollment_id__in=[row[0] for row in enrollments])
        .annotate(is_done=ExpressionWrapper(Q(completed_at__isnull=False), output_field=BooleanField()))
        .values_list("enrollment_id", "lesson_id", "is_done", "last_visit_at")
    ):
        progress.setdefault(enrollment_id, []).append((lesson_id, is_done, last_visit_at))
    page_url_of, resume_url_of = _page_url_maker(), _resume_url_maker()
    cards = []
    for enrollment_id, enrolled_at, last_activity_at, course_id, title, url_path, course_path in enrollments:
        course_lessons = lessons.get(course_path, [])
        rows = progress.get(enrollment_id, [])
        done = {lesson_id for lesson_id, is_done, _visit in rows if is_done}
        last = max(rows, key=lambda row: row[2])[0] if rows else None
        required = [pk for pk, _title, is_required in course_lessons if is_required]
        resume = rules.resume_lesson(
            lesson_ids=[pk for pk, _title, _required in course_lessons], completed_lesson_ids=done, last_visited_id=last
        )
        resume_title = next((title for pk, title, _required in course_lessons if pk == resume), "")
        done_required = len(done.intersection(required))
        cards.append(
            CourseCard(
                enrollment_id=enrollment_id,
                course=CourseRef(course_id, title, page_url_of(url_path)),
                percent=rules.progress_percent(required_lesson_ids=required, completed_lesson_ids=done),
                done=done_required,
                required=len(required),
                resume_lesson_id=resume,
                resume_title=resume_title,
                last_activity=last_activity_at or enrolled_at,
                resume_url=resume_url_of(course_id),
                progress_label=_label(
                    "%(done)s leçon(s) sur %(total)s terminée(s)", done=done_required, total=len(required)
                ),
                next_step_label=_label("Prochaine étape : %(title)s", title=resume_title) if resume_title else "",
            )
        )
    completed = list(
        CourseCompletion.objects.filter(agent=agent)
        .annotate(course_live=F("course__live"), course_url_path=F("course__url_path"))
        .only("id", "course_id", "course_title", "completed_at", "duration_minutes")
        .order_by("-completed_at")
    )
    for completion in completed:
        completion.url = page_url_of(completion.course_url_path) if completion.course_live else ""
    return Overview(in_progress=cards, completed=completed, suggestions=suggested_courses(agent))


def agent_audiences(agent: Agent) -> list[str]:
    codes = ["all_staff"]
    if agent.status == Agent.Status.ELU:
        codes.append("elected_officials")
    return codes


def suggested_courses(agent: Agent, limit: int = SUGGESTIONS) -> list[CoursePage]:
    """Courses the agent has not taken: first those sharing a CRCN domain with what they already
    followed, then those written for their audience, easier levels first. One query."""
    taken = Enrollment.objects.filter(agent=agent, course=OuterRef("pk"))
    followed_domains = CourseCompetence.objects.filter(course__enrollments__agent=agent).values("competence__domain_id")
    level_rank = {Level.DECOUVERTE: 0, Level.INTERMEDIAIRE: 1, Level.AVANCE: 2}
    courses = (
        CoursePage.objects.live()
        .exclude(Exists(taken))
        .annotate(
            near=Exists(
                CourseCompetence.objects.filter(course=OuterRef("pk"), competence__domain_id__in=followed_domains)
            ),
            for_me=Exists(
                CoursePage.audiences.through.objects.filter(
                    coursepage=OuterRef("pk"), audience__code__in=agent_audiences(agent)
                )
            ),
        )
        .order_by("-near", "-for_me", "title")
        .only("id", "title", "summary", "duration_minutes", "level", "url_path", "path", "depth")[: limit * 3]
    )
    ranked = sorted(courses, key=lambda course: (not course.near, not course.for_me, level_rank.get(course.level, 9)))
    return ranked[:limit]


def training_record(agent: Agent) -> list[CourseCompletion]:
    """Every completed course of the agent, newest first (the livret)."""
    return list(CourseCompletion.objects.filter(agent=agent).order_by("-completed_at"))
