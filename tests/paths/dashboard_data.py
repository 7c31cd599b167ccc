"""Test data for the dashboards and the team page: paths and agent assignments in a chosen status,
written directly (fast, for volume); the services are exercised in their own tests."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from paths import rules
from paths.models import AgentAssignment, Assignment, TrainingPath


def make_path(organisation, title: str = "Cybersécurité au quotidien", **kwargs) -> TrainingPath:
    return TrainingPath.objects.create(organisation=organisation, title=title, **kwargs)


def make_assignment(path: TrainingPath, assigned_on: date | None = None) -> Assignment:
    when = assigned_on or timezone.localdate()
    return Assignment.objects.create(
        organisation_id=path.organisation_id,
        path=path,
        due_mode=Assignment.DueMode.AFTER_ASSIGNMENT,
        due_days=30,
        assigned_at=timezone.make_aware(datetime.combine(when, time(9))),
        state=Assignment.State.READY,
    )


def at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(10)))


def give(
    assignment: Assignment,
    agent,
    status: str,
    *,
    today: date | None = None,
    cycle: int = 1,
    assigned_on: date | None = None,
    completed_on: date | None = None,
    cancelled: bool = False,
    renewed: bool = False,
) -> AgentAssignment:
    """One agent assignment in `status` (a value of paths.rules) as seen on `today`."""
    today = today or timezone.localdate()
    assigned_on = assigned_on or today - timedelta(days=20)
    due = today - timedelta(days=3) if status == rules.OVERDUE else today + timedelta(days=10)
    started = status in (rules.IN_PROGRESS, rules.COMPLETED, rules.OVERDUE)
    return AgentAssignment.objects.create(
        assignment=assignment,
        agent=agent,
        path=assignment.path,
        cycle=cycle,
        assigned_on=assigned_on,
        due_date=due,
        started_at=at(assigned_on) if started else None,
        completed_at=at(completed_on or today - timedelta(days=1)) if status == rules.COMPLETED else None,
        cancelled_at=timezone.now() if cancelled else None,
        renewed=renewed,
    )
