"""The agent's side of assignments: what is assigned to them, step by step, for Mon espace; and the
order a path may impose on its steps."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Q
from django.utils import timezone

from courses.models import CoursePage
from people.models import Agent
from progress.models import CourseCompletion

from . import rules
from .models import AgentAssignment, PathStep

RECENT = timedelta(days=90)  # completed paths stay on Mon espace this long


@dataclass
class StepView:
    course_id: int
    title: str
    url: str | None
    minutes: int
    required: bool
    done: bool
    locked: bool


@dataclass
class AssignedPath:
    item: AgentAssignment
    status: str
    steps: list[StepView] = field(default_factory=list)

    @property
    def done_count(self) -> int:
        return sum(1 for step in self.steps if step.required and step.done)

    @property
    def required_count(self) -> int:
        return sum(1 for step in self.steps if step.required)

    @property
    def percent(self) -> int:
        return self.done_count * 100 // self.required_count if self.required_count else 0


def _completed_courses(agent: Agent, items: list[AgentAssignment]) -> dict[int, set[int]]:
    """Per agent assignment, the step courses completed (since the cycle began for renewals)."""
    completions = list(
        CourseCompletion.objects.filter(agent=agent, course_id__isnull=False).values_list("course_id", "completed_at")
    )
    done: dict[int, set[int]] = {}
    for item in items:
        since = item.assigned_on if item.cycle > 1 else None
        done[item.pk] = {
            course_id
            for course_id, completed_at in completions
            if since is None or timezone.localdate(completed_at) >= since
        }
    return done


def assigned_paths(agent: Agent, today: date) -> list[AssignedPath]:
    """Open assignments first (overdue, then by due date), then those completed in the last 90 days.
    Four queries whatever the number of assignments (one when there is none)."""
    items = list(
        AgentAssignment.objects.filter(agent=agent, cancelled_at__isnull=True, assignment__ended_at__isnull=True)
        .filter(Q(completed_at__isnull=True) | Q(completed_at__date__gte=today - RECENT))
        .exclude(renewed=True)
        .select_related("path")
        .order_by("completed_at", "due_date")
    )
    if not items:  # nothing assigned: no step, course or completion to read
        return []
    steps_by_path: dict[int, list[PathStep]] = {}
    for step in PathStep.objects.filter(path_id__in={item.path_id for item in items}).order_by("position", "pk"):
        steps_by_path.setdefault(step.path_id, []).append(step)
    course_ids = {step.course_id for steps in steps_by_path.values() for step in steps}
    courses = {
        course.pk: course
        for course in CoursePage.objects.filter(pk__in=course_ids).only(
            "id", "title", "duration_minutes", "url_path", "live", "path", "depth"
        )
    }
    done = _completed_courses(agent, items)
    result = []
    for item in items:
        views, blocked = [], False
        for step in steps_by_path.get(item.path_id, []):
            course = courses.get(step.course_id)
            if course is None:
                continue
            is_done = step.course_id in done[item.pk]
            views.append(
                StepView(
                    course_id=course.pk,
                    title=course.title,
                    url=course.url if course.live else None,
                    minutes=course.duration_minutes,
                    required=step.required,
                    done=is_done,
                    locked=blocked and item.path.enforce_order,
                )
            )
            if step.required and not is_done:
                blocked = True
        status = rules.status_of(
            completed_at=item.completed_at, started_at=item.started_at, due_date=item.due_date, today=today
        )
        result.append(AssignedPath(item=item, status=status, steps=views))
    order = {rules.OVERDUE: 0, rules.IN_PROGRESS: 1, rules.NOT_STARTED: 2, rules.COMPLETED: 3}
    return sorted(result, key=lambda view: (order[view.status], view.item.due_date))


def locked_course_reason(agent: Agent, course_id: int) -> str | None:
    """The title of the step to finish first, when a path with an enforced order holds this course
    after an unfinished required step; None when the course is open."""
    items = list(
        AgentAssignment.objects.filter(
            agent=agent,
            completed_at__isnull=True,
            cancelled_at__isnull=True,
            path__enforce_order=True,
            path__steps__course_id=course_id,
        ).select_related("path")
    )
    if not items:
        return None
    done = _completed_courses(agent, items)
    for item in items:
        for step in item.path.steps.select_related("course").order_by("position", "pk"):
            if step.course_id == course_id:
                break
            if step.required and step.course_id not in done[item.pk]:
                return step.course.title
    return None
