"""Operations on an agent's learning: enrol, open and complete lessons, count time, react to quiz
results, complete courses. Each is one transaction; the rules themselves live in `rules.py`."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import FilteredRelation, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import CoursePage, LessonPage, LessonQuiz
from people.models import Agent
from quizzes.models import Attempt
from skills.services import EvidenceItem, record_evidence

from . import rules, xapi
from .models import CourseCompletion, Enrollment, LearningEvent, LessonProgress
from .permissions import can_follow
from .signals import course_completed, course_started


class ProgressRefusedError(Exception):
    """The operation is not allowed; `message` says why, in the user's language."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotFoundError(ProgressRefusedError):
    """No such lesson or course for this agent (unknown, unpublished or not visible to them)."""


@dataclass(frozen=True)
class LessonOutcome:
    progress: LessonProgress
    completion: CourseCompletion | None  # the course completion this step recorded, if any


# --- lookups --------------------------------------------------------------------------------------


def _agent(agent_id: int) -> Agent:
    return Agent.objects.select_related("user").get(pk=agent_id)


# Only the columns the services read: never a lesson's body or a course's description.
LESSON_FIELDS = ("id", "title", "path", "depth", "live", "url_path", "minutes", "completion_required")
COURSE_FIELDS = ("id", "title", "path", "depth", "live", "url_path", "duration_minutes", "certificate_on_completion")


def _course_of(lesson: LessonPage) -> CoursePage | None:
    return CoursePage.objects.live().filter(path=lesson.path[: -LessonPage.steplen]).only(*COURSE_FIELDS).first()


def _followable_lesson(agent: Agent, lesson_id: int) -> tuple[LessonPage, CoursePage]:
    lesson = LessonPage.objects.live().filter(pk=lesson_id).only(*LESSON_FIELDS).first()
    course = _course_of(lesson) if lesson is not None else None
    if lesson is None or course is None or not can_follow(agent.user, lesson):
        raise NotFoundError(_("Cette leçon n'existe pas ou ne vous est pas accessible."))
    return lesson, course


def _followable_course(agent: Agent, course_id: int) -> CoursePage:
    course = CoursePage.objects.live().filter(pk=course_id).only(*COURSE_FIELDS).first()
    if course is None or not can_follow(agent.user, course):
        raise NotFoundError(_("Ce cours n'existe pas ou ne vous est pas accessible."))
    return course


def course_rules(course: CoursePage) -> list[rules.LessonRule]:
    """The published lessons of a course as rules, in order (one query: each lesson joined to its
    required quizzes, one row per lesson and quiz, a lesson without one on a row of its own)."""
    rows = (
        LessonPage.objects.live()
        .child_of(course)
        .annotate(required_quiz=FilteredRelation("quiz_links", condition=Q(quiz_links__required=True)))
        .order_by("path", "required_quiz__quiz_id")
        .values_list("pk", "completion_required", "required_quiz__quiz_id")
    )
    lessons: dict[int, bool] = {}
    quizzes: dict[int, set[int]] = {}
    for lesson_id, required, quiz_id in rows:
        lessons.setdefault(lesson_id, required)
        if quiz_id is not None:
            quizzes.setdefault(lesson_id, set()).add(quiz_id)
    return [rules.LessonRule(pk, required, frozenset(quizzes.get(pk, ()))) for pk, required in lessons.items()]


@dataclass(frozen=True)
class Pass:
    """An agent's latest passing attempt at a quiz."""

    graded_at: datetime
    score: float | None
    quiz_title: str


def _passed_quizzes(agent_id: int, quiz_ids: set[int], since: datetime | None = None) -> dict[int, Pass]:
    """For each passed quiz, the latest passing attempt (since `since` for a renewed session)."""
    passed: dict[int, Pass] = {}
    if not quiz_ids:
        return passed
    attempts = Attempt.objects.filter(agent_id=agent_id, quiz_id__in=quiz_ids, state=Attempt.State.GRADED, passed=True)
    if since is not None:
        attempts = attempts.filter(graded_at__gte=since)
    for quiz_id, graded_at, score, title in attempts.order_by("graded_at").values_list(
        "quiz_id", "graded_at", "score", "quiz_title"
    ):
        passed[quiz_id] = Pass(graded_at, score, title)
    return passed


def _passes_since(enrollment: Enrollment) -> datetime | None:
    """Quizzes passed before a renewed session (recurring training) do not count for it."""
    renewed = Enrollment.objects.filter(
        agent_id=enrollment.agent_id, course_id=enrollment.course_id, archived_at__isnull=False
    ).exists()
    return enrollment.enrolled_at if renewed else None


# --- learning record ------------------------------------------------------------------------------


def record_event(
    *,
    agent: Agent,
    verb: str,
    activity: xapi.Activity,
    timestamp: datetime,
    result: xapi.Result | None = None,
    context: xapi.Context | None = None,
    key: str | None = None,
) -> LearningEvent | None:
    """Append one statement to the learning record; a keyed event is recorded once (None if it was)."""
    event = _new_event(
        agent=agent, verb=verb, activity=activity, timestamp=timestamp, result=result, context=context, key=key
    )
    if key is None:
        event.save()
        return event
    try:
        with transaction.atomic():
            event.save()
    except IntegrityError:
        return None
    return event


def _new_event(
    *,
    agent: Agent,
    verb: str,
    activity: xapi.Activity,
    timestamp: datetime,
    result: xapi.Result | None,
    context: xapi.Context | None,
    key: str | None,
) -> LearningEvent:
    event = LearningEvent(agent=agent, verb=verb, timestamp=timestamp, key=key)
    event.statement = xapi.build_statement(
        statement_id=event.id,
        site_url=settings.SITE_URL,
        actor_name=str(agent.pk),
        verb=verb,
        activity=activity,
        timestamp=timestamp,
        result=result,
        context=context,
    )
    event.object_id = event.statement["object"]["id"]
    return event


def _record_event_once(
    *,
    agent: Agent,
    verb: str,
    activity: xapi.Activity,
    timestamp: datetime,
    key: str,
    result: xapi.Result | None = None,
    context: xapi.Context | None = None,
) -> None:
    """`record_event` with a key, for callers that do not need to know whether it was new: one
    `INSERT … ON CONFLICT DO NOTHING` instead of an insert inside a savepoint (three statements)."""
    event = _new_event(
        agent=agent, verb=verb, activity=activity, timestamp=timestamp, result=result, context=context, key=key
    )
    LearningEvent.objects.bulk_create([event], ignore_conflicts=True)


def _course_activity(course: CoursePage | Enrollment) -> xapi.Activity:
    if isinstance(course, Enrollment):
        return xapi.Activity("course", course.course_id, course.course_title)
    return xapi.Activity("course", course.pk, course.title)


# --- enrolment ------------------------------------------------------------------------------------


def _enroll(agent: Agent, course: CoursePage, origin: str, now: datetime) -> tuple[Enrollment, bool]:
    enrollment = Enrollment.objects.filter(agent=agent, course=course, archived_at__isnull=True).first()
    if enrollment is not None:
        return enrollment, False
    try:
        with transaction.atomic():
            enrollment = Enrollment.objects.create(
                agent=agent, course=course, course_title=course.title, origin=origin, enrolled_at=now
            )
    except IntegrityError:  # enrolled at the same moment by another request
        return Enrollment.objects.get(agent=agent, course=course, archived_at__isnull=True), False
    record_event(
        agent=agent,
        verb="registered",
        activity=_course_activity(course),
        timestamp=now,
        context=xapi.Context(registration=enrollment.uuid),
        key=f"registered:{enrollment.uuid}",
    )
    return enrollment, True


def enroll(
    *, agent_id: int, course_id: int, origin: str = Enrollment.Origin.SELF, now: datetime | None = None
) -> Enrollment:
    """Enrol an agent in a course they can see; enrolling again returns the current enrolment."""
    now = now or timezone.now()
    with transaction.atomic():
        agent = _agent(agent_id)
        course = _followable_course(agent, course_id)
        enrollment, _created = _enroll(agent, course, origin, now)
    return enrollment


def renew_enrollment(
    *, agent_id: int, course_id: int, origin: str = Enrollment.Origin.ASSIGNMENT, now: datetime | None = None
) -> Enrollment:
    """Start a new session of a course (recurring training): a completed enrolment is archived with its
    completion kept, and a fresh one begins. An unfinished enrolment is kept as it is."""
    now = now or timezone.now()
    with transaction.atomic():
        agent = _agent(agent_id)
        course = _followable_course(agent, course_id)
        current = (
            Enrollment.objects.select_for_update(of=("self",))
            .filter(agent=agent, course=course, archived_at__isnull=True)
            .select_related("completion")
            .first()
        )
        if current is not None and not hasattr(current, "completion"):
            return current
        if current is not None:
            current.archived_at = now
            current.save(update_fields=["archived_at"])
        enrollment, _created = _enroll(agent, course, origin, now)
    return enrollment


def enroll_agents(
    *, agent_ids: list[int], course_id: int, origin: str = Enrollment.Origin.ASSIGNMENT, now: datetime | None = None
) -> int:
    """Enrol many agents at once (an assignment): set-based, those already enrolled are left as they are.
    Returns the number of new enrolments, each with its "registered" statement."""
    now = now or timezone.now()
    course = CoursePage.objects.live().filter(pk=course_id).first()
    if course is None:
        return 0
    created = 0
    for start in range(0, len(agent_ids), 2000):
        chunk = agent_ids[start : start + 2000]
        with transaction.atomic():
            enrolled = set(
                Enrollment.objects.filter(agent_id__in=chunk, course=course, archived_at__isnull=True).values_list(
                    "agent_id", flat=True
                )
            )
            new = [
                Enrollment(agent_id=agent_id, course=course, course_title=course.title, origin=origin, enrolled_at=now)
                for agent_id in chunk
                if agent_id not in enrolled
            ]
            Enrollment.objects.bulk_create(new, ignore_conflicts=True)
            fresh = list(
                Enrollment.objects.filter(
                    agent_id__in=[item.agent_id for item in new],
                    course=course,
                    archived_at__isnull=True,
                    enrolled_at=now,
                ).values_list("agent_id", "uuid")
            )
            events = []
            for agent_id, registration in fresh:
                event = LearningEvent(
                    agent_id=agent_id, verb="registered", timestamp=now, key=f"registered:{registration}"
                )
                event.statement = xapi.build_statement(
                    statement_id=event.id,
                    site_url=settings.SITE_URL,
                    actor_name=str(agent_id),
                    verb="registered",
                    activity=_course_activity(course),
                    timestamp=now,
                    context=xapi.Context(registration=registration),
                )
                event.object_id = event.statement["object"]["id"]
                events.append(event)
            LearningEvent.objects.bulk_create(events, ignore_conflicts=True)
            created += len(fresh)
    return created


# --- lessons --------------------------------------------------------------------------------------


def _progress_for(enrollment: Enrollment, lesson: LessonPage, now: datetime) -> tuple[LessonProgress, bool]:
    progress = LessonProgress.objects.select_for_update().filter(enrollment=enrollment, lesson=lesson).first()
    if progress is not None:
        return progress, False
    try:
        with transaction.atomic():
            return (
                LessonProgress.objects.create(enrollment=enrollment, lesson=lesson, started_at=now, last_visit_at=now),
                True,
            )
    except IntegrityError:
        return LessonProgress.objects.select_for_update().get(enrollment=enrollment, lesson=lesson), False


def open_lesson(*, agent_id: int, lesson_id: int, now: datetime | None = None) -> LessonProgress:
    """The agent opens a lesson: enrols them if needed, records the visit, starts a new timed view."""
    now = now or timezone.now()
    with transaction.atomic():
        agent = _agent(agent_id)
        lesson, course = _followable_lesson(agent, lesson_id)
        enrollment, _created = _enroll(agent, course, Enrollment.Origin.SELF, now)
        progress, created = _progress_for(enrollment, lesson, now)
        if enrollment.last_activity_at is None:
            values = {"agent_id": agent.pk, "course_id": course.pk}
            transaction.on_commit(lambda: course_started.send(sender=Enrollment, **values))
        if not created:
            progress.visits += 1
        progress.last_visit_at = now
        progress.view_token = secrets.token_hex(16)
        progress.view_seconds = 0
        progress.last_beat_at = now
        progress.save(update_fields=["visits", "last_visit_at", "view_token", "view_seconds", "last_beat_at"])
        Enrollment.objects.filter(pk=enrollment.pk).update(last_activity_at=now)
        if progress.completed_at is None:
            _complete_if_quizzes_passed(agent, enrollment, course, lesson, progress, now)
        record_event(
            agent=agent,
            verb="experienced",
            activity=xapi.Activity("lesson", lesson.pk, lesson.title),
            timestamp=now,
            context=xapi.Context(parents=(_course_activity(course),), registration=enrollment.uuid),
        )
    return progress


def _complete_if_quizzes_passed(agent, enrollment, course, lesson, progress, now) -> None:
    """A lesson whose required quizzes the agent already passed (the same quiz in another course) is
    complete as soon as it is opened."""
    quiz_ids = set(LessonQuiz.objects.filter(lesson=lesson, required=True).values_list("quiz_id", flat=True))
    if not quiz_ids:
        return
    lessons = course_rules(course)
    rule = next((item for item in lessons if item.pk == lesson.pk), None)
    if rule is None:
        return
    passed = _passed_quizzes(agent.pk, quiz_ids, since=_passes_since(enrollment))
    if rules.lesson_complete(lesson=rule, marked_done=False, passed_quiz_ids=passed):
        _mark_complete(agent, enrollment, course, lesson, progress, now)
        _complete_course_if_done(agent, enrollment, course, lessons, now)


def record_heartbeat(
    *, agent_id: int, lesson_id: int, view_token: str, seconds: object, now: datetime | None = None
) -> int:
    """Add visible time to the agent's current view of a lesson; returns the seconds credited.

    Beats of an old view, of another agent or with absurd values credit nothing.
    """
    now = now or timezone.now()
    if not isinstance(view_token, str) or not view_token:
        return 0
    with transaction.atomic():
        progress = (
            LessonProgress.objects.select_for_update(of=("self",))
            .select_related("lesson")
            .filter(
                enrollment__agent_id=agent_id,
                enrollment__archived_at__isnull=True,
                lesson_id=lesson_id,
                view_token=view_token,
            )
            .first()
        )
        if progress is None or progress.lesson is None:
            return 0
        credit = rules.credited_seconds(
            claimed=seconds,
            now=now,
            last_beat_at=progress.last_beat_at,
            view_started_at=progress.last_visit_at,
            view_seconds=progress.view_seconds,
            view_cap=rules.max_view_seconds(progress.lesson.minutes),
        )
        if credit <= 0:
            return 0
        progress.seconds_spent += credit
        progress.view_seconds += credit
        progress.last_beat_at = now
        progress.save(update_fields=["seconds_spent", "view_seconds", "last_beat_at"])
    return credit


def complete_lesson(*, agent_id: int, lesson_id: int, now: datetime | None = None) -> LessonOutcome:
    """The agent marks a lesson done. Refused for a lesson whose required quiz decides instead."""
    now = now or timezone.now()
    with transaction.atomic():
        agent = _agent(agent_id)
        lesson, course = _followable_lesson(agent, lesson_id)
        lessons = course_rules(course)
        rule = next(item for item in lessons if item.pk == lesson.pk)
        if not rules.may_mark_done(rule):
            raise ProgressRefusedError(_("Cette leçon se termine en réussissant son quiz."))
        enrollment = (
            Enrollment.objects.select_for_update().filter(agent=agent, course=course, archived_at__isnull=True).first()
        )
        if enrollment is None:
            enrollment, _created = _enroll(agent, course, Enrollment.Origin.SELF, now)
        progress, _created = _progress_for(enrollment, lesson, now)
        _mark_complete(agent, enrollment, course, lesson, progress, now)
        completion = _complete_course_if_done(agent, enrollment, course, lessons, now)
    return LessonOutcome(progress, completion)


def _mark_complete(
    agent: Agent, enrollment: Enrollment, course: CoursePage, lesson: LessonPage, progress: LessonProgress, now
) -> None:
    if progress.completed_at is not None:
        return
    progress.completed_at = now
    progress.save(update_fields=["completed_at"])
    Enrollment.objects.filter(pk=enrollment.pk).update(last_activity_at=now)
    _record_event_once(
        agent=agent,
        verb="completed",
        activity=xapi.Activity("lesson", lesson.pk, lesson.title),
        timestamp=now,
        result=xapi.Result(completion=True, duration_seconds=progress.seconds_spent),
        context=xapi.Context(parents=(_course_activity(course),), registration=enrollment.uuid),
        key=f"lesson-completed:{progress.pk}",
    )


def _complete_course_if_done(
    agent: Agent, enrollment: Enrollment, course: CoursePage, lessons: list[rules.LessonRule], now: datetime
) -> CourseCompletion | None:
    done = set(
        LessonProgress.objects.filter(enrollment=enrollment, completed_at__isnull=False).values_list(
            "lesson_id", flat=True
        )
    )
    if not all(lesson.pk in done for lesson in lessons if lesson.required):
        return None  # the usual case: lessons remain, no need to look further
    if CourseCompletion.objects.filter(enrollment=enrollment).exists():
        return None
    quiz_ids = set().union(*(lesson.required_quiz_ids for lesson in lessons)) if lessons else set()
    passed = _passed_quizzes(agent.pk, quiz_ids, since=_passes_since(enrollment)) if quiz_ids else {}
    if not rules.course_complete(lessons=lessons, completed_lesson_ids=done, passed_quiz_ids=passed):
        return None
    score = rules.deciding_score([(passed[quiz_id].graded_at, passed[quiz_id].score) for quiz_id in quiz_ids])
    deciding = max((passed[quiz_id] for quiz_id in quiz_ids), key=lambda item: item.graded_at, default=None)
    links = list(course.competences.select_related("competence").order_by("sort_order"))
    completion = CourseCompletion.objects.create(
        enrollment=enrollment,
        agent=agent,
        course=course,
        completed_at=now,
        course_title=course.title,
        duration_minutes=course.duration_minutes,
        competences=[
            {"code": link.competence.code, "name": link.competence.name, "level": link.target_level} for link in links
        ],
        score=score,
        quiz_title=deciding.quiz_title if deciding else "",
    )
    _record_event_once(
        agent=agent,
        verb="completed",
        activity=_course_activity(course),
        timestamp=now,
        result=xapi.Result(
            completion=True,
            success=True,
            score_percent=score,
            duration_seconds=course.duration_minutes * 60,
        ),
        context=xapi.Context(registration=enrollment.uuid),
        key=f"course-completed:{completion.uuid}",
    )
    record_evidence(
        agent_id=agent.pk,
        items=[EvidenceItem(link.competence.code, link.target_level) for link in links],
        source="course",
        source_ref=f"course:{course.pk}",
        label=course.title,
        observed_at=now,
    )
    values = {"completion_id": completion.pk, "agent_id": agent.pk, "course_id": course.pk}
    transaction.on_commit(lambda: course_completed.send(sender=CourseCompletion, **values))
    return completion


# --- quiz results ---------------------------------------------------------------------------------


def _quiz_context(enrollment: Enrollment | None, lesson: LessonPage | None) -> xapi.Context:
    parents = []
    if lesson is not None:
        parents.append(xapi.Activity("lesson", lesson.pk, lesson.title))
    if enrollment is not None and enrollment.course_id:
        parents.append(_course_activity(enrollment))
    return xapi.Context(parents=tuple(parents), registration=enrollment.uuid if enrollment else None)


def _lessons_holding(agent_id: int, quiz_id: int) -> list[tuple[LessonPage, Enrollment]]:
    """Live lessons holding the quiz, in courses the agent is enrolled in now."""
    lessons = list(
        LessonPage.objects.live()
        .filter(quiz_links__quiz_id=quiz_id)
        .only("pk", "path", "title")
        .order_by("path")
        .distinct()
    )
    if not lessons:
        return []
    course_paths = {lesson.path[: -LessonPage.steplen] for lesson in lessons}
    enrollments = {
        enrollment.course.path: enrollment
        for enrollment in Enrollment.objects.filter(
            agent_id=agent_id, archived_at__isnull=True, course__path__in=course_paths
        ).select_related("course")
    }
    return [
        (lesson, enrollments[lesson.path[: -LessonPage.steplen]])
        for lesson in lessons
        if lesson.path[: -LessonPage.steplen] in enrollments
    ]


def record_attempt_started(*, attempt_id: int) -> None:
    attempt = Attempt.objects.select_related("agent").filter(pk=attempt_id).first()
    if attempt is None or attempt.quiz_id is None:
        return
    with transaction.atomic():
        holders = _lessons_holding(attempt.agent_id, attempt.quiz_id)
        lesson, enrollment = holders[0] if holders else (None, None)
        record_event(
            agent=attempt.agent,
            verb="attempted",
            activity=xapi.Activity("quiz", attempt.quiz_id, attempt.quiz_title),
            timestamp=attempt.started_at,
            context=_quiz_context(enrollment, lesson),
            key=f"attempt-started:{attempt.pk}",
        )


def record_attempt_graded(*, attempt_id: int) -> list[CourseCompletion]:
    """Record an attempt's answers and result, complete the lessons whose required quiz it passed and
    the courses that completes. Safe to run twice for the same attempt."""
    attempt = Attempt.objects.select_related("agent").filter(pk=attempt_id, state=Attempt.State.GRADED).first()
    if attempt is None or attempt.quiz_id is None:
        return []
    when = attempt.graded_at or attempt.submitted_at or timezone.now()
    completions = []
    with transaction.atomic():
        holders = _lessons_holding(attempt.agent_id, attempt.quiz_id)
        lesson, enrollment = holders[0] if holders else (None, None)
        context = _quiz_context(enrollment, lesson)
        _record_answers(attempt, context, when)
        record_event(
            agent=attempt.agent,
            # A positioning test (passed None) is completed, neither passed nor failed.
            verb="completed" if attempt.passed is None else "passed" if attempt.passed else "failed",
            activity=xapi.Activity("quiz", attempt.quiz_id, attempt.quiz_title),
            timestamp=when,
            result=xapi.Result(
                score_percent=attempt.score,
                success=None if attempt.passed is None else attempt.passed,
                completion=True,
                duration_seconds=int((when - attempt.started_at).total_seconds()),
            ),
            context=context,
            key=f"attempt-result:{attempt.pk}",
        )
        if attempt.passed:
            for held_lesson, held_enrollment in holders:
                completion = _complete_from_quiz(attempt.agent, held_lesson, held_enrollment, when)
                if completion is not None:
                    completions.append(completion)
    return completions


def _record_answers(attempt: Attempt, context: xapi.Context, when: datetime) -> None:
    fractions = dict(attempt.responses.values_list("slot", "fraction"))
    for slot, question in enumerate(attempt.questions):
        kind = question.get("type")
        if kind not in xapi.INTERACTION_TYPES:
            continue
        fraction = fractions.get(slot)
        record_event(
            agent=attempt.agent,
            verb="answered",
            activity=xapi.Activity(
                "question",
                question["question_id"],
                question.get("name") or attempt.quiz_title,
                interaction_type=xapi.INTERACTION_TYPES[kind],
            ),
            timestamp=when,
            result=xapi.Result(
                score_percent=None if fraction is None else round(fraction * 100, 2),
                success=None if fraction is None else fraction >= 1,
            ),
            context=xapi.Context(
                parents=(xapi.Activity("quiz", attempt.quiz_id, attempt.quiz_title),),
                registration=context.registration,
            ),
            key=f"answered:{attempt.pk}:{slot}",
        )


def _complete_from_quiz(agent: Agent, lesson: LessonPage, enrollment: Enrollment, when: datetime):
    enrollment = Enrollment.objects.select_for_update(of=("self",)).select_related("course").get(pk=enrollment.pk)
    course = enrollment.course
    if course is None or not course.live:
        return None
    lessons = course_rules(course)
    rule = next((item for item in lessons if item.pk == lesson.pk), None)
    if rule is None:
        return None
    if rule.required_quiz_ids:
        passed = _passed_quizzes(agent.pk, set(rule.required_quiz_ids), since=_passes_since(enrollment))
        if rules.lesson_complete(lesson=rule, marked_done=False, passed_quiz_ids=passed):
            progress, _created = _progress_for(enrollment, lesson, when)
            _mark_complete(agent, enrollment, course, lesson, progress, when)
    return _complete_course_if_done(agent, enrollment, course, lessons, when)
