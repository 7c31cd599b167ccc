"""The demo's learning history: built through the real services, dated in the past, loaded once."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from people.models import Agent
from progress.models import CourseCompletion, Enrollment, LearningEvent, LessonProgress
from quizzes.models import Attempt

pytestmark = pytest.mark.django_db

CAMILLE = "camille.martin@saint-aubin.example"
LOUIS = "louis.bernard@saint-aubin.example"


def _agent(email: str) -> Agent:
    return Agent.objects.get(user__email=email)


def _resumable(agent: Agent) -> list[Enrollment]:
    """Current enrolments without completion whose last opened lesson is not finished."""
    found = []
    for enrollment in Enrollment.objects.filter(agent=agent, archived_at__isnull=True, completion__isnull=True):
        last = LessonProgress.objects.filter(enrollment=enrollment).order_by("-last_visit_at").first()
        if last is not None and last.completed_at is None:
            found.append(enrollment)
    return found


def test_camille_has_a_course_to_resume_and_courses_completed_weeks_ago():
    """Camille resumes a course at an unfinished lesson and completed two courses 2 to 6 weeks ago, one
    quiz failed once then passed; her learning record holds every kind of statement."""
    call_command("load_demo", size="tiny", quiet_logins=True)
    now = timezone.now()
    camille = _agent(CAMILLE)

    assert _resumable(camille)
    completions = CourseCompletion.objects.filter(
        agent=camille, completed_at__lte=now - timedelta(days=14), completed_at__gte=now - timedelta(days=42)
    )
    assert completions.count() >= 2
    attempts = Attempt.objects.filter(agent=camille, state=Attempt.State.GRADED)
    assert attempts.filter(passed=False).exists()
    assert attempts.filter(passed=True).exists()
    retried = attempts.filter(passed=False).values_list("quiz_id", flat=True)
    assert attempts.filter(passed=True, quiz_id__in=retried, number=2).exists()
    verbs = set(LearningEvent.objects.filter(agent=camille).values_list("verb", flat=True))
    assert {"registered", "experienced", "completed", "passed", "failed"} <= verbs
    assert not LearningEvent.objects.filter(timestamp__gt=now).exists()


def test_louis_and_the_other_agents_have_varied_histories():
    """Louis has a course in progress; the other agents: most completed something, some are under way,
    some did nothing."""
    call_command("load_demo", size="tiny", quiet_logins=True)

    louis = _agent(LOUIS)
    assert _resumable(louis)
    assert not CourseCompletion.objects.filter(agent=louis).exists()
    others = Agent.objects.exclude(user__email__in=[CAMILLE, LOUIS])
    completed = others.filter(course_completions__isnull=False).distinct().count()
    # The demo paths enrol their agents too: "did nothing" is never having opened a lesson.
    idle = others.exclude(enrollments__lesson_progress__isnull=False).count()
    under_way = others.filter(
        enrollments__archived_at__isnull=True,
        enrollments__completion__isnull=True,
        enrollments__lesson_progress__isnull=False,
    )
    assert 0.4 <= completed / others.count() <= 0.8
    assert idle > 0
    assert under_way.exists()


def test_load_demo_again_adds_no_history():
    """A second load_demo (as `make run` does) records no enrolment, completion, attempt or event."""
    call_command("load_demo", size="tiny", quiet_logins=True)

    def counts():
        models = (Enrollment, CourseCompletion, LearningEvent, Attempt, LessonProgress)
        return {model.__name__: model.objects.count() for model in models}

    before = counts()
    call_command("load_demo", size="tiny", quiet_logins=True)
    assert counts() == before
    assert before["CourseCompletion"] > 0
