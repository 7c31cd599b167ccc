"""Query counts of Mon espace, a course page and a lesson page stay flat as an agent's history grows."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from courses.factories import CoursePageFactory, LessonPageFactory
from people.factories import AgentFactory
from progress import services
from progress.models import CourseCompletion, Enrollment

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent():
    return AgentFactory()


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent.user)
    return client


@pytest.fixture
def target():
    """The course and lesson whose pages are measured; the agent is midway through it."""
    course = CoursePageFactory(title="Cours mesuré", competences=(("4.1", 2), ("4.2", 3)))
    lessons = [LessonPageFactory(parent=course, title=f"Leçon mesurée {number}") for number in range(4)]
    return course, lessons


def add_history(agent, count: int, start: int = 0) -> None:
    """`count` enrolments of three-lesson courses, built through the services: a third completed, a third
    with one lesson done, a third only opened."""
    base = timezone.now() - timedelta(days=30)
    for number in range(start, start + count):
        course = CoursePageFactory(title=f"Historique {number:02d}", competences=(("4.1", 2), ("2.4", 3)))
        lessons = [LessonPageFactory(parent=course) for _lesson in range(3)]
        now = base + timedelta(hours=number)
        if number % 3 == 0:
            for lesson in lessons:
                services.complete_lesson(agent_id=agent.pk, lesson_id=lesson.pk, now=now)
        elif number % 3 == 1:
            services.open_lesson(agent_id=agent.pk, lesson_id=lessons[0].pk, now=now)
            services.complete_lesson(agent_id=agent.pk, lesson_id=lessons[0].pk, now=now)
            services.open_lesson(agent_id=agent.pk, lesson_id=lessons[1].pk, now=now + timedelta(minutes=5))
        else:
            services.open_lesson(agent_id=agent.pk, lesson_id=lessons[1].pk, now=now)


def start_target(agent, target) -> None:
    _course, lessons = target
    services.complete_lesson(agent_id=agent.pk, lesson_id=lessons[0].pk)
    services.open_lesson(agent_id=agent.pk, lesson_id=lessons[1].pk)


def queries_for(client, url) -> int:
    """The queries of one request, after a first request has filled the caches."""
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_history_is_built_as_intended(agent, target):
    """The helper gives 12 enrolments, 4 of them completed (plus the measured course)."""
    start_target(agent, target)
    add_history(agent, 12)
    assert Enrollment.objects.filter(agent=agent).count() == 13
    assert CourseCompletion.objects.filter(agent=agent).count() == 4


def test_mon_espace_query_count_does_not_grow_with_the_enrolments(agent_client, agent, target):
    """Mon espace costs as many queries with 12 enrolments as with 3."""
    start_target(agent, target)
    add_history(agent, 3)
    url = reverse("home:dashboard")
    with_three = queries_for(agent_client, url)
    add_history(agent, 9, start=3)
    assert Enrollment.objects.filter(agent=agent).count() == 13
    assert queries_for(agent_client, url) == with_three


def test_course_page_query_count_does_not_grow_with_the_enrolments(agent_client, agent, target):
    """A course page the agent is following costs as many queries with 12 other enrolments as with 3."""
    course, _lessons = target
    start_target(agent, target)
    add_history(agent, 3)
    with_three = queries_for(agent_client, course.url)
    add_history(agent, 9, start=3)
    assert queries_for(agent_client, course.url) == with_three


def test_lesson_page_query_count_does_not_grow_with_the_enrolments(agent_client, agent, target):
    """A lesson page (which records the visit) costs as many queries with 12 other enrolments as with 3."""
    _course, lessons = target
    start_target(agent, target)
    add_history(agent, 3)
    with_three = queries_for(agent_client, lessons[1].url)
    add_history(agent, 9, start=3)
    assert queries_for(agent_client, lessons[1].url) == with_three


def test_completed_course_page_query_count_does_not_grow_with_the_enrolments(agent_client, agent, target):
    """The page of a completed course costs as many queries with 12 other enrolments as with 3."""
    course, lessons = target
    for lesson in lessons:
        services.complete_lesson(agent_id=agent.pk, lesson_id=lesson.pk)
    add_history(agent, 3)
    with_three = queries_for(agent_client, course.url)
    add_history(agent, 9, start=3)
    assert queries_for(agent_client, course.url) == with_three
