"""Operations on paths and assignments. Each is one transaction (or one per chunk for bulk work) and the
only way views, tasks and commands change assignments."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from dateutil.relativedelta import relativedelta
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import CoursePage
from people.models import Agent, Service
from progress.models import CourseCompletion, Enrollment
from progress.services import ProgressRefusedError, enroll_agents, renew_enrollment

from . import rules
from .models import MAX_RELATIVE_DAYS, AgentAssignment, Assignment, PathCompletion, PathStep, TrainingPath
from .signals import path_completed

CHUNK = 2000
logger = logging.getLogger(__name__)


class AssignmentError(Exception):
    """Refused, with messages in the user's language (by form field when known)."""

    def __init__(self, errors: dict[str, list[str]] | str):
        if isinstance(errors, str):
            errors = {"__all__": [errors]}
        super().__init__("; ".join(message for messages in errors.values() for message in messages))
        self.errors = errors


@dataclass
class Targets:
    agent_ids: list[int] = field(default_factory=list)
    service_ids: list[int] = field(default_factory=list)
    include_subservices: bool = True
    job_titles: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)

    def is_empty(self) -> bool:
        return not (self.agent_ids or self.service_ids or self.job_titles or self.categories or self.statuses)

    @classmethod
    def of(cls, assignment: Assignment) -> Targets:
        return cls(
            agent_ids=list(assignment.agents.values_list("pk", flat=True)),
            service_ids=list(assignment.services.values_list("pk", flat=True)),
            include_subservices=assignment.include_subservices,
            job_titles=list(assignment.job_titles),
            categories=list(assignment.categories),
            statuses=list(assignment.statuses),
        )


# --- targets --------------------------------------------------------------------------------------


def target_agents(organisation_id: int, targets: Targets) -> QuerySet[Agent]:
    """Active agents of the organisation matching any of the targets."""
    condition = Q()
    if targets.agent_ids:
        condition |= Q(pk__in=targets.agent_ids)
    if targets.service_ids:
        services = Service.objects.filter(organisation_id=organisation_id, pk__in=targets.service_ids)
        if targets.include_subservices:
            for service in services:
                condition |= Q(service__path__startswith=service.path, service__organisation_id=organisation_id)
        else:
            condition |= Q(service__in=services)
    if targets.job_titles:
        condition |= Q(job_title__in=targets.job_titles)
    if targets.categories:
        condition |= Q(category__in=targets.categories)
    if targets.statuses:
        condition |= Q(status__in=targets.statuses)
    if not condition:
        return Agent.objects.none()
    return Agent.objects.filter(condition, organisation_id=organisation_id, is_active=True)


def _validate(
    *, organisation_id: int, path: TrainingPath, targets: Targets, due_mode: str, due_date, due_days, today: date
) -> None:
    errors: dict[str, list[str]] = defaultdict(list)
    if path.organisation_id != organisation_id:
        errors["path"].append(_("Ce parcours n'appartient pas à votre organisation."))
    steps = list(path.steps.select_related("course"))
    if not any(step.required for step in steps):
        errors["path"].append(_("Ce parcours n'a aucune étape obligatoire : ajoutez-en une avant de l'assigner."))
    if any(not step.course.live for step in steps):
        errors["path"].append(_("Une étape du parcours est un cours non publié : retirez-la ou publiez le cours."))
    if targets.is_empty():
        errors["targets"].append(_("Choisissez au moins un agent, un service, un métier, une catégorie ou un statut."))
    if (
        targets.agent_ids
        and Agent.objects.filter(pk__in=targets.agent_ids).exclude(organisation_id=organisation_id).exists()
    ):
        errors["agents"].append(_("Un des agents choisis n'appartient pas à votre organisation."))
    if targets.service_ids:
        found = Service.objects.filter(pk__in=targets.service_ids)
        if found.exclude(organisation_id=organisation_id).exists() or found.count() != len(set(targets.service_ids)):
            errors["services"].append(_("Un des services choisis n'appartient pas à votre organisation."))
    if due_mode == Assignment.DueMode.DATE:
        if due_date is None:
            errors["due_date"].append(_("Indiquez la date d'échéance."))
        elif due_date <= today:
            errors["due_date"].append(_("La date d'échéance doit être dans le futur."))
    elif due_mode in (Assignment.DueMode.AFTER_ASSIGNMENT, Assignment.DueMode.AFTER_HIRE):
        if not isinstance(due_days, int) or not 1 <= due_days <= MAX_RELATIVE_DAYS:
            errors["due_days"].append(
                _("Le délai doit être compris entre 1 et %(max)s jours.") % {"max": MAX_RELATIVE_DAYS}
            )
    else:
        errors["due_mode"].append(_("Choisissez comment l'échéance est calculée."))
    if errors:
        raise AssignmentError(dict(errors))


@dataclass(frozen=True)
class Preview:
    concerned: int
    already_completed: int
    already_assigned: int


def _completed_agents(agent_ids: list[int], required: set[int], since: date | None = None) -> set[int]:
    """Agents who completed every required course (completions before the assignment count)."""
    done: dict[int, set[int]] = defaultdict(set)
    completions = CourseCompletion.objects.filter(agent_id__in=agent_ids, course_id__in=required)
    if since is not None:
        completions = completions.filter(completed_at__date__gte=since)
    for agent_id, course_id in completions.values_list("agent_id", "course_id"):
        done[agent_id].add(course_id)
    return {
        agent_id
        for agent_id, courses in done.items()
        if rules.path_complete(required_course_ids=required, completed_course_ids=courses)
    }


def _validity_start(path: TrainingPath, today: date) -> date | None:
    """For recurring training, only completions still valid today count (none older than the validity)."""
    if not path.validity_months:
        return None
    return today - relativedelta(months=path.validity_months)


def _required_courses(path: TrainingPath) -> set[int]:
    return set(path.steps.filter(required=True).values_list("course_id", flat=True))


def preview_assignment(*, organisation_id: int, path_id: int, targets: Targets) -> Preview:
    """How many agents an assignment would reach, and how many already completed the path."""
    path = TrainingPath.objects.get(pk=path_id, organisation_id=organisation_id)
    agent_ids = list(target_agents(organisation_id, targets).values_list("pk", flat=True))
    required = _required_courses(path)
    completed = 0
    for start in range(0, len(agent_ids), CHUNK):
        completed += len(_completed_agents(agent_ids[start : start + CHUNK], required))
    assigned = (
        AgentAssignment.objects.filter(path=path, agent_id__in=agent_ids, cancelled_at__isnull=True)
        .values("agent_id")
        .distinct()
        .count()
    )
    return Preview(len(agent_ids), completed, assigned)


# --- creating and applying ------------------------------------------------------------------------


def create_assignment(
    *,
    organisation_id: int,
    path_id: int,
    targets: Targets,
    due_mode: str,
    due_date: date | None = None,
    due_days: int | None = None,
    live: bool = True,
    assigned_by_id: int | None = None,
    now: datetime | None = None,
) -> Assignment:
    """Record the assignment, then reach its agents in a Celery task (set-based, with progress)."""
    now = now or timezone.now()
    path = TrainingPath.objects.filter(pk=path_id).first()
    if path is None:
        raise AssignmentError({"path": [_("Ce parcours n'existe pas.")]})
    _validate(
        organisation_id=organisation_id,
        path=path,
        targets=targets,
        due_mode=due_mode,
        due_date=due_date,
        due_days=due_days,
        today=timezone.localdate(now),
    )
    with transaction.atomic():
        assignment = Assignment.objects.create(
            organisation_id=organisation_id,
            path=path,
            include_subservices=targets.include_subservices,
            job_titles=sorted(set(targets.job_titles)),
            categories=sorted(set(targets.categories)),
            statuses=sorted(set(targets.statuses)),
            due_mode=due_mode,
            due_date=due_date if due_mode == Assignment.DueMode.DATE else None,
            due_days=due_days if due_mode != Assignment.DueMode.DATE else None,
            live=live,
            assigned_by_id=assigned_by_id,
            assigned_at=now,
        )
        assignment.agents.set(targets.agent_ids)
        assignment.services.set(targets.service_ids)
        from .tasks import apply_assignment as apply_task

        transaction.on_commit(lambda: apply_task.delay(assignment.pk))
    return assignment


def assign_course(*, organisation_id: int, course_id: int, assigned_by_id: int | None = None, **kwargs) -> Assignment:
    """A single course assigned on its own: a one-step path kept out of the path library."""
    course = CoursePage.objects.live().filter(pk=course_id).first()
    if course is None:
        raise AssignmentError({"course": [_("Ce cours n'existe pas ou n'est pas publié.")]})
    with transaction.atomic():
        path = TrainingPath.objects.filter(
            organisation_id=organisation_id, single_course=True, steps__course=course
        ).first()
        if path is None:
            path = TrainingPath.objects.create(
                organisation_id=organisation_id,
                single_course=True,
                title=course.title,
                description=course.summary,
                created_by_id=assigned_by_id,
            )
            PathStep.objects.create(path=path, course=course, required=True)
    return create_assignment(organisation_id=organisation_id, path_id=path.pk, assigned_by_id=assigned_by_id, **kwargs)


def _due_for(assignment: Assignment, assigned_on: date, hire_date: date | None) -> date:
    return rules.due_date_for(
        mode=assignment.due_mode,
        assigned_on=assigned_on,
        fixed_date=assignment.due_date,
        days=assignment.due_days,
        hire_date=hire_date,
    )


def apply_assignment(*, assignment_id: int, agent_ids: list[int] | None = None, now: datetime | None = None) -> int:
    """Give the assignment to its target agents (or to `agent_ids` among them): one row per agent, due
    dates computed per agent, enrolments in the path's courses, earlier completions counted. Set-based
    and idempotent: agents who already have it are left as they are. Returns the number reached."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    assignment = Assignment.objects.select_related("path").get(pk=assignment_id)
    if assignment.ended_at is not None:
        return 0
    agents = target_agents(assignment.organisation_id, Targets.of(assignment))
    if agent_ids is not None:
        agents = agents.filter(pk__in=agent_ids)
    rows = list(agents.order_by("pk").values_list("pk", "hire_date"))
    if agent_ids is None:
        Assignment.objects.filter(pk=assignment.pk).update(total=len(rows), processed=0)
    path = assignment.path
    steps = list(path.steps.order_by("position", "pk"))
    required = {step.course_id for step in steps if step.required}
    reached = 0
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        ids = [agent_id for agent_id, _hire in chunk]
        with transaction.atomic():
            # Agents who have it already, or who have the same path through another assignment (one
            # current row per agent and path: one set of reminders, one figure in the dashboards).
            existing = set(
                AgentAssignment.objects.filter(agent_id__in=ids)
                .filter(Q(assignment=assignment) | Q(path=path, cancelled_at__isnull=True, renewed=False))
                .values_list("agent_id", flat=True)
            )
            new = [
                AgentAssignment(
                    assignment=assignment,
                    agent_id=agent_id,
                    path=path,
                    cycle=1,
                    assigned_on=today,
                    due_date=_due_for(assignment, today, hire_date),
                )
                for agent_id, hire_date in chunk
                if agent_id not in existing
            ]
            AgentAssignment.objects.bulk_create(new, ignore_conflicts=True)
            new_ids = [item.agent_id for item in new]
            # Agents who already opened a step's course are in progress from the start.
            AgentAssignment.objects.filter(assignment=assignment, agent_id__in=new_ids, started_at__isnull=True).filter(
                Exists(
                    Enrollment.objects.filter(
                        agent_id=OuterRef("agent_id"),
                        course_id__in=[step.course_id for step in steps],
                        last_activity_at__isnull=False,
                    )
                )
            ).update(started_at=now)
            for step in steps:
                enroll_agents(agent_ids=new_ids, course_id=step.course_id, now=now)
            for agent_id in _completed_agents(new_ids, required, since=_validity_start(path, today)):
                _complete(assignment_agent_filter={"assignment": assignment, "agent_id": agent_id}, now=now)
            reached += len(new)
            if agent_ids is None:
                Assignment.objects.filter(pk=assignment.pk).update(processed=min(start + CHUNK, len(rows)))
    if agent_ids is None:
        Assignment.objects.filter(pk=assignment.pk).update(state=Assignment.State.READY, error="")
    return reached


# --- completion -----------------------------------------------------------------------------------


def _complete(*, assignment_agent_filter: dict, now: datetime) -> PathCompletion | None:
    """Record a path completion once for an open agent assignment, then announce it after commit."""
    item = (
        AgentAssignment.objects.select_for_update(of=("self",))
        .select_related("path")
        .filter(completed_at__isnull=True, cancelled_at__isnull=True, **assignment_agent_filter)
        .order_by("-cycle")
        .first()
    )
    if item is None:
        return None
    path = item.path
    steps = list(path.steps.select_related("course").order_by("position", "pk"))
    completions = {
        completion.course_id: completion
        for completion in CourseCompletion.objects.filter(
            agent_id=item.agent_id, course_id__in=[step.course_id for step in steps]
        ).order_by("completed_at")
    }
    competences: dict[str, dict] = {}
    for completion in completions.values():
        for competence in completion.competences:
            known = competences.get(competence["code"])
            if known is None or competence.get("level", 0) > known.get("level", 0):
                competences[competence["code"]] = competence
    item.completed_at = now
    required_done = [
        completions[step.course_id].completed_at for step in steps if step.required and step.course_id in completions
    ]
    valid_from = timezone.localdate(max(required_done)) if required_done else timezone.localdate(now)
    item.expires_on = rules.expiry_date(valid_from, path.validity_months)
    item.save(update_fields=["completed_at", "expires_on"])
    try:
        with transaction.atomic():
            completion = PathCompletion.objects.create(
                agent_assignment=item,
                agent_id=item.agent_id,
                path=path,
                completed_at=now,
                path_title=path.title,
                duration_minutes=sum(completion.duration_minutes for completion in completions.values()),
                courses=[
                    {
                        "title": completions[step.course_id].course_title,
                        "completed_at": completions[step.course_id].completed_at.isoformat(),
                        "minutes": completions[step.course_id].duration_minutes,
                    }
                    for step in steps
                    if step.course_id in completions
                ],
                competences=sorted(competences.values(), key=lambda item: item["code"]),
            )
    except IntegrityError:
        return None
    values = {"path_completion_id": completion.pk, "agent_id": item.agent_id, "path_id": path.pk}
    transaction.on_commit(lambda: path_completed.send(sender=PathCompletion, **values))
    return completion


def record_course_completion(*, agent_id: int, course_id: int, now: datetime | None = None) -> list[PathCompletion]:
    """A course was completed: complete the agent's open assignments whose required steps are all done
    (for a renewed cycle, only completions since the renewal count)."""
    now = now or timezone.now()
    done = []
    open_items = (
        AgentAssignment.objects.filter(
            agent_id=agent_id, completed_at__isnull=True, cancelled_at__isnull=True, path__steps__course_id=course_id
        )
        .select_related("path")
        .distinct()
    )
    for item in open_items:
        required = _required_courses(item.path)
        since = item.assigned_on if item.cycle > 1 else None
        if agent_id in _completed_agents([agent_id], required, since=since):
            with transaction.atomic():
                completion = _complete(assignment_agent_filter={"pk": item.pk}, now=now)
            if completion is not None:
                done.append(completion)
    return done


def mark_started(*, agent_id: int, course_id: int, now: datetime | None = None) -> int:
    return AgentAssignment.objects.filter(
        agent_id=agent_id,
        started_at__isnull=True,
        completed_at__isnull=True,
        cancelled_at__isnull=True,
        path__steps__course_id=course_id,
    ).update(started_at=now or timezone.now())


# --- rules that keep running ----------------------------------------------------------------------


def apply_live_rules(*, organisation_id: int, agent_ids: list[int] | None = None, now: datetime | None = None) -> int:
    """Live assignments reach agents who joined a target since (import, creation, transfer)."""
    reached = 0
    live = Assignment.objects.filter(
        organisation_id=organisation_id, live=True, ended_at__isnull=True, state=Assignment.State.READY
    )
    for assignment in live:
        targets = target_agents(organisation_id, Targets.of(assignment))
        if agent_ids is not None:
            targets = targets.filter(pk__in=agent_ids)
        missing = list(
            targets.exclude(
                pk__in=AgentAssignment.objects.filter(assignment=assignment).values("agent_id")
            ).values_list("pk", flat=True)
        )
        if missing:
            reached += apply_assignment(assignment_id=assignment.pk, agent_ids=missing, now=now)
    return reached


def renew_expired(*, now: datetime | None = None) -> int:
    """Recurring training: a completion whose validity has run out opens a new cycle with a new due date
    and fresh enrolments in the path's courses."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    renewed = 0
    expired = AgentAssignment.objects.filter(
        expires_on__lte=today, renewed=False, cancelled_at__isnull=True, assignment__ended_at__isnull=True
    ).select_related("assignment", "path")
    for item in expired.iterator(chunk_size=500):
        with transaction.atomic():
            claimed = AgentAssignment.objects.filter(pk=item.pk, renewed=False).update(renewed=True)
            if not claimed:
                continue
            AgentAssignment.objects.get_or_create(
                assignment=item.assignment,
                agent_id=item.agent_id,
                cycle=item.cycle + 1,
                defaults={
                    "path": item.path,
                    "assigned_on": today,
                    "due_date": rules.renewal_due_date(today, item.assignment.due_days),
                },
            )
            for course_id in item.path.steps.values_list("course_id", flat=True):
                try:
                    renew_enrollment(agent_id=item.agent_id, course_id=course_id, now=now)
                except ProgressRefusedError:  # a course unpublished since: the path page says so
                    logger.info("Course %s of path %s not renewed: not followable", course_id, item.path_id)
            renewed += 1
    return renewed


def end_assignment(*, assignment_id: int, organisation_id: int, now: datetime | None = None) -> Assignment:
    """Stop a live rule and cancel what agents have not completed yet."""
    now = now or timezone.now()
    with transaction.atomic():
        assignment = Assignment.objects.select_for_update().get(pk=assignment_id, organisation_id=organisation_id)
        if assignment.ended_at is None:
            assignment.ended_at = now
            assignment.live = False
            assignment.save(update_fields=["ended_at", "live"])
            AgentAssignment.objects.filter(assignment=assignment, completed_at__isnull=True).update(cancelled_at=now)
    return assignment


# --- recovering from a lost worker ----------------------------------------------------------------

# Assignment has no last-progress timestamp, only its creation time (`assigned_at`): the threshold must
# outlast a whole run (hard time limit 15 min, CELERY_TASK_TIME_LIMIT) so a run still going is left alone.
STUCK_AFTER = timedelta(minutes=20)


def requeue_stuck_assignments(*, now: datetime | None = None, older_than: timedelta = STUCK_AFTER) -> list[int]:
    """Assignments still being created long after they were made (a worker killed mid-run, a lost
    message) are applied again once the transaction commits. Safe: apply_assignment is idempotent (agents
    who have it already are skipped), so a run that finally finishes, or a redelivery, changes nothing.
    An ended assignment is left alone (apply_assignment does nothing for it), and so is a failed one
    (no attempt counter to stop an endless loop). Returns the ids re-queued."""
    from .tasks import apply_assignment as apply_task

    now = now or timezone.now()
    ids = list(
        Assignment.objects.filter(
            state=Assignment.State.PENDING, ended_at__isnull=True, assigned_at__lt=now - older_than
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:1000]
    )
    for assignment_id in ids:
        transaction.on_commit(lambda assignment_id=assignment_id: apply_task.delay(assignment_id))
    return ids
