"""Read queries of the HR dashboards and the manager's team page, built to keep query counts flat.

"Current" rows: for each (agent, path), the agent assignment that is neither cancelled nor renewed (a
renewed cycle replaces the completed one; a path is never given twice to the same agent).
Deactivated agents are left out. The status of a row is computed in the database (`status_expression`)
with the same precedence as `rules.status_of`: completed › overdue › in progress › not started.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Case, Count, DateField, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import TruncWeek
from django.utils.translation import gettext_lazy as _

from people.models import Agent, Service
from people.permissions import report_ids

from . import rules
from .models import AgentAssignment, NotificationLog, TrainingPath

# Display order of statuses: what needs attention first.
STATUS_ORDER = (rules.OVERDUE, rules.IN_PROGRESS, rules.NOT_STARTED, rules.COMPLETED)
STATUS_LABELS = {
    rules.COMPLETED: _("Terminé"),
    rules.IN_PROGRESS: _("En cours"),
    rules.NOT_STARTED: _("À faire"),
    rules.OVERDUE: _("En retard"),
}
CATEGORY_ORDER = ("A", "B", "C", "")
CATEGORY_LABELS = {
    "A": _("Catégorie A"),
    "B": _("Catégorie B"),
    "C": _("Catégorie C"),
    "": _("Sans catégorie"),
}
NO_CATEGORY = "none"  # the filter value for agents without a category


# --- status in the database -----------------------------------------------------------------------


def status_expression(today: date) -> Case:
    """The status of an agent assignment, as SQL (the precedence of `rules.status_of`)."""
    return Case(
        When(completed_at__isnull=False, then=Value(rules.COMPLETED)),
        When(due_date__lt=today, then=Value(rules.OVERDUE)),
        When(started_at__isnull=False, then=Value(rules.IN_PROGRESS)),
        default=Value(rules.NOT_STARTED),
    )


def status_rank_expression(today: date) -> Case:
    """0 for overdue, 1 in progress, 2 not started, 3 completed (for "overdue first" orderings)."""
    return Case(
        When(completed_at__isnull=False, then=Value(3)),
        When(due_date__lt=today, then=Value(0)),
        When(started_at__isnull=False, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )


def current_assignments(organisation_id: int) -> QuerySet[AgentAssignment]:
    """Each active agent's current agent assignment per path, within one organisation: neither cancelled
    nor replaced by a renewed cycle. `apply_assignment` never gives an agent a second live row for a
    path, so this is one row per (agent, path), read with a plain indexed filter."""
    return AgentAssignment.objects.filter(
        path__organisation_id=organisation_id,
        agent__organisation_id=organisation_id,
        agent__is_active=True,
        cancelled_at__isnull=True,
        renewed=False,
    )


def _status_counts(today: date) -> dict:
    """Conditional counts by status, to pass to `.annotate()` or `.aggregate()`."""
    open_ = Q(completed_at__isnull=True)
    return {
        "assigned": Count("pk"),
        "completed": Count("pk", filter=Q(completed_at__isnull=False)),
        "overdue": Count("pk", filter=open_ & Q(due_date__lt=today)),
        "in_progress": Count("pk", filter=open_ & Q(due_date__gte=today, started_at__isnull=False)),
        "not_started": Count("pk", filter=open_ & Q(due_date__gte=today, started_at__isnull=True)),
    }


@dataclass(frozen=True)
class Figures:
    assigned: int = 0
    completed: int = 0
    in_progress: int = 0
    not_started: int = 0
    overdue: int = 0

    @classmethod
    def of(cls, row: dict) -> Figures:
        return cls(
            assigned=row["assigned"],
            completed=row["completed"],
            in_progress=row["in_progress"],
            not_started=row["not_started"],
            overdue=row["overdue"],
        )

    def __add__(self, other: Figures) -> Figures:
        return Figures(
            assigned=self.assigned + other.assigned,
            completed=self.completed + other.completed,
            in_progress=self.in_progress + other.in_progress,
            not_started=self.not_started + other.not_started,
            overdue=self.overdue + other.overdue,
        )

    @property
    def rate(self) -> int:
        """Completion rate in whole percent, rounded down (100 only when everyone completed)."""
        return self.completed * 100 // self.assigned if self.assigned else 0

    def by_status(self) -> dict[str, int]:
        return {
            rules.COMPLETED: self.completed,
            rules.IN_PROGRESS: self.in_progress,
            rules.NOT_STARTED: self.not_started,
            rules.OVERDUE: self.overdue,
        }


# --- HR: every path ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PathOverview:
    path_id: int
    uuid: str
    title: str
    single_course: bool
    figures: Figures


def path_overview(organisation_id: int, today: date) -> list[PathOverview]:
    """Figures of every non-archived path of the organisation that has assignments (one query)."""
    rows = (
        current_assignments(organisation_id)
        .filter(path__archived_at__isnull=True)
        .values("path_id", "path__uuid", "path__title", "path__single_course")
        .annotate(**_status_counts(today))
        .order_by("path__title", "path_id")
    )
    return [
        PathOverview(
            path_id=row["path_id"],
            uuid=str(row["path__uuid"]),
            title=row["path__title"],
            single_course=row["path__single_course"],
            figures=Figures.of(row),
        )
        for row in rows
    ]


# --- HR: one path --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceRow:
    """A service with its own figures and its sub-services' (rolled up)."""

    service_id: int | None
    name: str
    full_name: str
    depth: int
    figures: Figures

    @property
    def parent_label(self) -> str:
        """The path above the service ("DST / "), for readers that do not see the indentation."""
        return self.full_name[: -len(self.name)] if self.full_name.endswith(self.name) else ""


@dataclass(frozen=True)
class CategoryRow:
    code: str
    label: str
    figures: Figures


@dataclass(frozen=True)
class Breakdown:
    services: list[ServiceRow]
    categories: list[CategoryRow]
    total: Figures


def path_breakdown(path: TrainingPath, organisation_id: int, today: date) -> Breakdown:
    """Figures of one path by service (rolled up through the tree, in tree order) and by category.

    Three queries whatever the size: counts per service, the organisation's services, counts per
    category. A parent's figures include every service below it; agents without a service get their
    own row at the end; services with nobody concerned below them are left out.
    """
    rows = current_assignments(organisation_id).filter(path=path)
    own: dict[int | None, Figures] = {
        row["agent__service_id"]: Figures.of(row)
        for row in rows.values("agent__service_id").annotate(**_status_counts(today)).order_by()
    }
    services = list(
        Service.objects.filter(organisation_id=organisation_id)
        .order_by("path")
        .values_list("pk", "path", "depth", "name", "full_name")
    )
    steplen = Service.steplen
    by_path: dict[str, Figures] = defaultdict(Figures)
    for pk, node_path, depth, _name, _full_name in services:
        figures = own.get(pk)
        if figures is None:
            continue
        for level in range(1, depth + 1):
            by_path[node_path[: level * steplen]] += figures
    service_rows = [
        ServiceRow(pk, name, full_name, depth, by_path[node_path])
        for pk, node_path, depth, name, full_name in services
        if node_path in by_path
    ]
    if None in own:
        label = str(_("Sans service"))
        service_rows.append(ServiceRow(None, label, label, 1, own[None]))

    per_category = {
        row["agent__category"]: Figures.of(row)
        for row in rows.values("agent__category").annotate(**_status_counts(today)).order_by()
    }
    categories = [
        CategoryRow(code, str(CATEGORY_LABELS[code]), per_category.get(code, Figures())) for code in CATEGORY_ORDER
    ]
    total = sum((row.figures for row in categories), Figures())
    return Breakdown(services=service_rows, categories=categories, total=total)


@dataclass(frozen=True)
class TrendPoint:
    week: date  # the Monday of the week
    assigned: int  # cumulative, at the end of that week
    completed: int  # cumulative, at the end of that week


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def completion_trend(path: TrainingPath, organisation_id: int, today: date, weeks: int = 12) -> list[TrendPoint]:
    """Cumulative assignments and completions at the end of each of the last `weeks` weeks (two queries:
    counts grouped by week in the database, accumulated here)."""
    rows = current_assignments(organisation_id).filter(path=path)
    assigned_per_week = dict(
        rows.annotate(week=TruncWeek("assigned_on", output_field=DateField()))
        .values("week")
        .annotate(count=Count("pk"))
        .order_by()
        .values_list("week", "count")
    )
    completed_per_week = dict(
        rows.filter(completed_at__isnull=False)
        .annotate(week=TruncWeek("completed_at", output_field=DateField()))
        .values("week")
        .annotate(count=Count("pk"))
        .order_by()
        .values_list("week", "count")
    )
    last = _monday(today)
    points = []
    for offset in range(weeks - 1, -1, -1):
        week = last - timedelta(weeks=offset)
        points.append(
            TrendPoint(
                week=week,
                assigned=sum(count for start, count in assigned_per_week.items() if _as_date(start) <= week),
                completed=sum(count for start, count in completed_per_week.items() if _as_date(start) <= week),
            )
        )
    return points


def _as_date(value) -> date:
    """TruncWeek gives a date, or on some back ends a datetime."""
    return value.date() if hasattr(value, "date") and callable(value.date) else value


# --- HR: the drill-down list ---------------------------------------------------------------------


@dataclass
class AgentFilters:
    q: str = ""
    service: Service | None = None
    status: str = ""
    category: str = ""  # "A", "B", "C", NO_CATEGORY or "" for any
    sort: str = "name"  # name, due, status


SORTS = {
    "name": ("agent__user__last_name", "agent__user__first_name", "pk"),
    "due": ("due_date", "agent__user__last_name", "agent__user__first_name", "pk"),
    "status": ("status_rank", "due_date", "agent__user__last_name", "agent__user__first_name", "pk"),
}


def path_agent_rows(
    path: TrainingPath, organisation_id: int, today: date, filters: AgentFilters | None = None
) -> QuerySet[AgentAssignment]:
    """The agents concerned by a path, with `status` annotated, filtered and sorted (paginate it)."""
    filters = filters or AgentFilters()
    rows = (
        current_assignments(organisation_id)
        .filter(path=path)
        .select_related("agent__user", "agent__service")
        .annotate(status=status_expression(today), status_rank=status_rank_expression(today))
    )
    if filters.q:
        terms = Q()
        for word in filters.q.split()[:5]:
            terms &= (
                Q(agent__user__first_name__icontains=word)
                | Q(agent__user__last_name__icontains=word)
                | Q(agent__user__email__icontains=word)
                | Q(agent__matricule__iexact=word)
            )
        rows = rows.filter(terms)
    if filters.service is not None:
        rows = rows.filter(
            agent__service__path__startswith=filters.service.path,
            agent__service__organisation_id=organisation_id,
        )
    if filters.status in STATUS_LABELS:
        rows = rows.filter(status=filters.status)
    if filters.category == NO_CATEGORY:
        rows = rows.filter(agent__category="")
    elif filters.category in CATEGORY_ORDER and filters.category:
        rows = rows.filter(agent__category=filters.category)
    return rows.order_by(*SORTS.get(filters.sort, SORTS["name"]))


# --- managers ------------------------------------------------------------------------------------


@dataclass
class TeamMember:
    agent: Agent
    assignments: list[AgentAssignment] = field(default_factory=list)

    @property
    def overdue(self) -> int:
        return sum(1 for item in self.assignments if item.status == rules.OVERDUE)

    @property
    def open(self) -> int:
        return sum(1 for item in self.assignments if item.status != rules.COMPLETED)


def team_rows(manager_agent: Agent, today: date) -> list[TeamMember]:
    """The manager's active direct and indirect reports, each with their current assignments (open and
    completed, `status` annotated, overdue first); people with overdue training first, then by name.
    Queries: one per level of hierarchy (`report_ids`), then two."""
    ids = report_ids(manager_agent)
    if not ids:
        return []
    members = {
        agent.pk: TeamMember(agent)
        for agent in Agent.objects.filter(pk__in=ids, is_active=True).select_related("user", "service")
    }
    items = (
        current_assignments(manager_agent.organisation_id)
        .filter(agent_id__in=list(members))
        .select_related("path")
        .annotate(status=status_expression(today), status_rank=status_rank_expression(today))
        .order_by("status_rank", "due_date", "path__title", "pk")
    )
    for item in items:
        members[item.agent_id].assignments.append(item)
    return sorted(
        members.values(),
        key=lambda member: (
            -member.overdue,
            -member.open,
            member.agent.user.last_name.lower(),
            member.agent.user.first_name.lower(),
            member.agent.pk,
        ),
    )


def reminded_today(item_ids: list[int], today: date) -> set[int]:
    """Which of these agent assignments a manager already reminded today (one query)."""
    if not item_ids:
        return set()
    return set(
        NotificationLog.objects.filter(
            agent_assignment_id__in=item_ids, kind=NotificationLog.Kind.MANUAL, day=today
        ).values_list("agent_assignment_id", flat=True)
    )
