"""Read queries of an agent's learning, with query counts that stay flat as their history grows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import reduce
from operator import or_

from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Coalesce

from courses.models import CourseCompetence, CoursePage, LessonPage, LessonQuiz, Level
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


@dataclass
class CourseCard:
    """A course in progress on Mon espace."""

    enrollment: Enrollment
    course: CoursePage
    percent: int
    done: int
    required: int
    resume_lesson_id: int | None
    resume_title: str

    @property
    def last_activity(self) -> datetime:
        return self.enrollment.last_activity_at or self.enrollment.enrolled_at


@dataclass
class Overview:
    in_progress: list[CourseCard] = field(default_factory=list)
    completed: list[CourseCompletion] = field(default_factory=list)
    suggestions: list[CoursePage] = field(default_factory=list)

    @property
    def total_minutes(self) -> int:
        return sum(completion.duration_minutes for completion in self.completed)


def _lessons_by_course(courses: list[CoursePage]) -> dict[str, list[LessonPage]]:
    if not courses:
        return {}
    steplen = LessonPage.steplen
    lessons = (
        LessonPage.objects.live()
        .filter(reduce(or_, (Q(path__startswith=course.path, depth=course.depth + 1) for course in courses)))
        .order_by("path")
        .only("id", "title", "path", "depth", "completion_required")
    )
    grouped: dict[str, list[LessonPage]] = {}
    for lesson in lessons:
        grouped.setdefault(lesson.path[:-steplen], []).append(lesson)
    return grouped


def learner_overview(agent: Agent) -> Overview:
    """Mon espace: courses in progress with where to resume, completed courses, suggestions.

    Five queries whatever the number of enrolments."""
    enrollments = list(
        Enrollment.objects.filter(agent=agent, archived_at__isnull=True, course__live=True)
        .exclude(Exists(CourseCompletion.objects.filter(enrollment=OuterRef("pk"))))
        .select_related("course")
        .order_by(Coalesce("last_activity_at", "enrolled_at").desc())
    )
    lessons = _lessons_by_course([enrollment.course for enrollment in enrollments])
    progress: dict[int, list[tuple[int, datetime | None, datetime]]] = {}
    for enrollment_id, lesson_id, completed_at, last_visit_at in LessonProgress.objects.filter(
        enrollment_id__in=[enrollment.pk for enrollment in enrollments]
    ).values_list("enrollment_id", "lesson_id", "completed_at", "last_visit_at"):
        progress.setdefault(enrollment_id, []).append((lesson_id, completed_at, last_visit_at))
    cards = []
    for enrollment in enrollments:
        course_lessons = lessons.get(enrollment.course.path, [])
        rows = progress.get(enrollment.pk, [])
        done = {lesson_id for lesson_id, completed_at, _visit in rows if completed_at is not None}
        last = max(rows, key=lambda row: row[2])[0] if rows else None
        required = [lesson.pk for lesson in course_lessons if lesson.completion_required]
        resume = rules.resume_lesson(
            lesson_ids=[lesson.pk for lesson in course_lessons], completed_lesson_ids=done, last_visited_id=last
        )
        titles = {lesson.pk: lesson.title for lesson in course_lessons}
        cards.append(
            CourseCard(
                enrollment=enrollment,
                course=enrollment.course,
                percent=rules.progress_percent(required_lesson_ids=required, completed_lesson_ids=done),
                done=len(done & set(required)),
                required=len(required),
                resume_lesson_id=resume,
                resume_title=titles.get(resume, ""),
            )
        )
    completed = list(CourseCompletion.objects.filter(agent=agent).select_related("course").order_by("-completed_at"))
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
