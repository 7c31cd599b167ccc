"""Rows for the export tests, created directly (no Wagtail pages): assignments, completions, lesson time."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.utils import timezone

from paths.models import AgentAssignment, Assignment, TrainingPath
from progress.models import CourseCompletion, Enrollment, LessonProgress


def local(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    """An aware datetime in the project's time zone (Europe/Paris)."""
    return timezone.make_aware(datetime(year, month, day, hour, minute))


def training_path(organisation, title: str = "Cybersécurité au quotidien") -> TrainingPath:
    return TrainingPath.objects.create(organisation=organisation, title=title)


def assign(
    agent,
    path: TrainingPath,
    *,
    assigned_on: date,
    due_date: date,
    started_at: datetime | None = None,
    completed_at: datetime | None = None,
    **extra,
) -> AgentAssignment:
    assignment = Assignment.objects.create(
        organisation_id=path.organisation_id,
        path=path,
        assigned_at=timezone.make_aware(datetime.combine(assigned_on, datetime.min.time())),
        state=Assignment.State.READY,
    )
    return AgentAssignment.objects.create(
        assignment=assignment,
        agent=agent,
        path=path,
        assigned_on=assigned_on,
        due_date=due_date,
        started_at=started_at,
        completed_at=completed_at,
        **extra,
    )


def complete(agent, *, minutes: int, at: datetime, title: str = "Cours") -> CourseCompletion:
    """A course completion with its (archived-style) enrolment, as history keeps it."""
    enrollment = Enrollment.objects.create(
        agent=agent, course=None, course_title=title, enrolled_at=at - timedelta(days=1), archived_at=at
    )
    return CourseCompletion.objects.create(
        enrollment=enrollment, agent=agent, completed_at=at, course_title=title, duration_minutes=minutes
    )


def spend(agent, *, seconds: int, last_visit: datetime, title: str = "Cours suivi") -> LessonProgress:
    """Time measured in one lesson, last visited at `last_visit`."""
    enrollment = Enrollment.objects.create(
        agent=agent, course=None, course_title=title, enrolled_at=last_visit - timedelta(days=1), archived_at=last_visit
    )
    return LessonProgress.objects.create(
        enrollment=enrollment,
        lesson=None,
        started_at=last_visit - timedelta(hours=1),
        last_visit_at=last_visit,
        seconds_spent=seconds,
    )
