"""Shared set-up of the certificate tests: an organisation, an agent, a course that gives a certificate,
and helpers that complete courses through the progress services (with their on-commit signals run)."""

from __future__ import annotations

import pytest

from certificates import services
from certificates.models import Certificate
from courses.factories import CoursePageFactory, LessonPageFactory
from people.factories import AgentFactory, OrganisationFactory, UserFactory
from progress import services as progress_services
from progress.models import CourseCompletion


@pytest.fixture
def town():
    return OrganisationFactory(slug="saint-aubin", name="Commune de Saint-Aubin")


@pytest.fixture
def other_town():
    return OrganisationFactory(slug="autre-ville", name="Autre Ville")


def make_agent(organisation, first_name="Camille", last_name="Martin", **kwargs):
    user = UserFactory(first_name=first_name, last_name=last_name)
    return AgentFactory(user=user, organisation=organisation, **kwargs)


@pytest.fixture
def agent(town):
    return make_agent(town)


def make_course(title="Cybersécurité au quotidien", lessons=2, **kwargs):
    """A published course of `lessons` required lessons (90 minutes and one competence by default)."""
    kwargs.setdefault("duration_minutes", 90)
    kwargs.setdefault("competences", (("4.1", 2),))
    course = CoursePageFactory(title=title, **kwargs)
    for _ in range(lessons):
        LessonPageFactory(parent=course)
    return course


@pytest.fixture
def course():
    return make_course()


def complete(agent, course, callbacks=None, now=None) -> CourseCompletion:
    """Complete every lesson of the course; with `callbacks` (django_capture_on_commit_callbacks) the
    on-commit work runs (signal, certificate task, render, e-mail), without it nothing after commit does."""
    lessons = list(course.lessons())
    if callbacks is None:
        for lesson in lessons:
            progress_services.complete_lesson(agent_id=agent.pk, lesson_id=lesson.pk, now=now)
    else:
        with callbacks(execute=True):
            for lesson in lessons:
                progress_services.complete_lesson(agent_id=agent.pk, lesson_id=lesson.pk, now=now)
    return CourseCompletion.objects.get(agent=agent, course=course)


def certify(agent, course, callbacks) -> Certificate:
    """The live certificate of a course completed (and rendered) through the real chain."""
    completion = complete(agent, course, callbacks)
    return Certificate.objects.get(course_completion=completion, replaced_at__isnull=True)


def pending_certificate(agent, course, now=None) -> Certificate:
    """A certificate issued (at `now`) but not rendered: no on-commit work runs, so it stays pending."""
    completion = complete(agent, course, now=now)
    return services.issue_course_certificate(completion_id=completion.pk, now=now)
