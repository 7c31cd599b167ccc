"""The three HR exports as columns and rows: assignment status per agent, training hours over a
period, and the yearly training figures of the rapport social unique (RSU).

Sources read `values_list(...).iterator()` over the agents that `people.permissions` lets HR see, so
that memory stays flat whatever the size of the organisation; a row is a tuple of plain values (str,
int, float, date, None) that each writer formats for its target. Hours attested by course completions
and the time measured in lessons ("temps passé mesuré") are two figures, reported side by side and
never added up.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from django.db.models import Count, Exists, F, Func, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from people.models import Agent, Service
from progress.models import CourseCompletion, LessonProgress

from .. import rules
from ..models import AgentAssignment, ExportFile, TrainingPath

CHUNK = 2000
MAX_PERIOD_YEARS = 5
FIRST_YEAR = 2000

TEXT, DATE, HOURS, NUMBER, PERCENT = "text", "date", "hours", "number", "percent"


class ExportError(Exception):
    """The export cannot be made as asked; the message says why, in the user's language."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Column:
    label: str
    kind: str = TEXT
    width: int = 16


# --- parameters -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatusParameters:
    path_id: int | None = None
    service_id: int | None = None

    def as_json(self) -> dict:
        return {key: value for key, value in (("path", self.path_id), ("service", self.service_id)) if value}


@dataclass(frozen=True)
class HoursParameters:
    start: date
    end: date
    service_id: int | None = None

    def as_json(self) -> dict:
        data = {"start": self.start.isoformat(), "end": self.end.isoformat()}
        if self.service_id:
            data["service"] = self.service_id
        return data


@dataclass(frozen=True)
class SocialParameters:
    year: int

    def as_json(self) -> dict:
        return {"year": self.year}


Parameters = StatusParameters | HoursParameters | SocialParameters


def period_errors(start: date, end: date) -> list[str]:
    if end < start:
        return [_("La date de fin ne peut pas précéder la date de début.")]
    if end > start + relativedelta(years=MAX_PERIOD_YEARS):
        return [
            _("La période ne peut pas dépasser %(years)s ans : rapprochez la date de fin de la date de début.")
            % {"years": MAX_PERIOD_YEARS}
        ]
    return []


def year_errors(year: int, today: date) -> list[str]:
    if not FIRST_YEAR <= year <= today.year + 1:
        return [_("Indiquez une année entre %(first)s et %(last)s.") % {"first": FIRST_YEAR, "last": today.year + 1}]
    return []


def _int_or_none(value) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise ExportError(_("Les paramètres de l'export ne sont pas valides.")) from exc


def parameters_from_json(kind: str, data: dict, *, today: date) -> Parameters:
    """Read stored or query-string parameters back, checked again (they may have been tampered with)."""
    try:
        if kind == ExportFile.Kind.STATUS:
            return StatusParameters(_int_or_none(data.get("path")), _int_or_none(data.get("service")))
        if kind == ExportFile.Kind.HOURS:
            start, end = date.fromisoformat(data["start"]), date.fromisoformat(data["end"])
            errors = period_errors(start, end)
            if errors:
                raise ExportError(errors[0])
            return HoursParameters(start, end, _int_or_none(data.get("service")))
        if kind == ExportFile.Kind.SOCIAL:
            year = int(data["year"])
            errors = year_errors(year, today)
            if errors:
                raise ExportError(errors[0])
            return SocialParameters(year)
    except (KeyError, TypeError, ValueError) as exc:
        raise ExportError(_("Les paramètres de l'export ne sont pas valides.")) from exc
    raise ExportError(_("Cet export n'existe pas."))


def _service(organisation_id: int, service_id: int | None) -> Service | None:
    if service_id is None:
        return None
    service = Service.objects.filter(pk=service_id, organisation_id=organisation_id).first()
    if service is None:
        raise ExportError(_("Ce service n'appartient pas à votre organisation."))
    return service


def _in_subtree(agents: QuerySet[Agent], service: Service | None) -> QuerySet[Agent]:
    if service is None:
        return agents
    return agents.filter(service__path__startswith=service.path, service__organisation_id=service.organisation_id)


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The period from the start of `start` to the end of `end`, in local time (end excluded)."""
    return (
        timezone.make_aware(datetime.combine(start, time.min)),
        timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min)),
    )


def _sql_total(queryset: QuerySet, function: str, field: str) -> Coalesce:
    """SUM or COUNT of a correlated subquery (one row, no GROUP BY), 0 when nothing matches."""
    total = queryset.order_by().annotate(total=Func(F(field), function=function, output_field=IntegerField()))
    return Coalesce(Subquery(total.values("total")[:1]), 0)


def _hours(minutes: int) -> float:
    return round(minutes / 60, 2)


def _local_date(value: datetime | None) -> date | None:
    return timezone.localdate(value) if value is not None else None


def _agent_name(last: str, first: str, email: str) -> tuple[str, str]:
    return (last or ("" if first else email), first)


# --- 1. assignment status per agent ---------------------------------------------------------------


def status_columns() -> list[Column]:
    return [
        Column(_("Nom"), width=20),
        Column(_("Prénom"), width=18),
        Column(_("Matricule"), width=12),
        Column(_("Service"), width=36),
        Column(_("Catégorie"), width=10),
        Column(_("Statut"), width=14),
        Column(_("Parcours"), width=36),
        Column(_("Assigné le"), DATE, 12),
        Column(_("À terminer avant le"), DATE, 12),
        Column(_("Avancement"), width=14),
        Column(_("Terminé le"), DATE, 12),
    ]


def status_rows(
    *, agents: QuerySet[Agent], parameters: StatusParameters, organisation_id: int, today: date
) -> Iterator[tuple]:
    """One row per current assignment of an active agent (renewed cycles and cancelled ones left out)."""
    service = _service(organisation_id, parameters.service_id)
    if (
        parameters.path_id
        and not TrainingPath.objects.filter(pk=parameters.path_id, organisation_id=organisation_id).exists()
    ):
        raise ExportError(_("Ce parcours n'appartient pas à votre organisation."))
    scope = _in_subtree(agents.filter(organisation_id=organisation_id, is_active=True), service)
    items = AgentAssignment.objects.filter(agent__in=scope, cancelled_at__isnull=True, renewed=False)
    if parameters.path_id:
        items = items.filter(path_id=parameters.path_id)
    values = items.order_by("agent__user__last_name", "agent__user__first_name", "agent_id", "path__title", "pk")
    values = values.values_list(
        "agent__user__last_name",
        "agent__user__first_name",
        "agent__user__email",
        "agent__matricule",
        "agent__service__full_name",
        "agent__category",
        "agent__status",
        "path__title",
        "assigned_on",
        "due_date",
        "started_at",
        "completed_at",
    )
    statuses = {value: str(label) for value, label in Agent.Status.choices}
    states = {
        rules.NOT_STARTED: _("Non commencé"),
        rules.IN_PROGRESS: _("En cours"),
        rules.COMPLETED: _("Terminé"),
        rules.OVERDUE: _("En retard"),
    }

    def rows() -> Iterator[tuple]:
        for (
            last,
            first,
            email,
            matricule,
            service_name,
            category,
            status,
            title,
            assigned,
            due,
            started,
            done,
        ) in values.iterator(chunk_size=CHUNK):
            state = rules.status_of(completed_at=done, started_at=started, due_date=due, today=today)
            yield (
                *_agent_name(last, first, email),
                matricule,
                service_name or "",
                category,
                statuses.get(status, status),
                title,
                assigned,
                due,
                states[state],
                _local_date(done),
            )

    return rows()


# --- 2. training hours per agent over a period ----------------------------------------------------


def hours_columns() -> list[Column]:
    return [
        Column(_("Nom"), width=20),
        Column(_("Prénom"), width=18),
        Column(_("Matricule"), width=12),
        Column(_("Service"), width=36),
        Column(_("Catégorie"), width=10),
        Column(_("Statut"), width=14),
        Column(_("Cours terminés"), NUMBER, 10),
        Column(_("Heures attestées"), HOURS, 12),
        Column(_("Temps passé mesuré (heures)"), HOURS, 16),
    ]


def hours_rows(*, agents: QuerySet[Agent], parameters: HoursParameters, organisation_id: int) -> Iterator[tuple]:
    """One row per agent (active or not) with a course completed or time measured in the period.

    Attested hours are the durations recorded by the completions dated in the period; measured time is
    the time counted in the lessons last visited in the period."""
    service = _service(organisation_id, parameters.service_id)
    start_at, end_at = _bounds(parameters.start, parameters.end)
    completions = CourseCompletion.objects.filter(
        agent_id=OuterRef("pk"), completed_at__gte=start_at, completed_at__lt=end_at
    )
    visits = LessonProgress.objects.filter(
        enrollment__agent_id=OuterRef("pk"), last_visit_at__gte=start_at, last_visit_at__lt=end_at, seconds_spent__gt=0
    )
    scope = _in_subtree(agents.filter(organisation_id=organisation_id), service)
    values = (
        scope.filter(Exists(completions) | Exists(visits))
        .annotate(
            courses=_sql_total(completions, "COUNT", "pk"),
            minutes=_sql_total(completions, "SUM", "duration_minutes"),
            seconds=_sql_total(visits, "SUM", "seconds_spent"),
        )
        .order_by("user__last_name", "user__first_name", "pk")
        .values_list(
            "user__last_name",
            "user__first_name",
            "user__email",
            "matricule",
            "service__full_name",
            "category",
            "status",
            "courses",
            "minutes",
            "seconds",
        )
    )
    statuses = {value: str(label) for value, label in Agent.Status.choices}

    def rows() -> Iterator[tuple]:
        for last, first, email, matricule, service_name, category, status, courses, minutes, seconds in values.iterator(
            chunk_size=CHUNK
        ):
            yield (
                *_agent_name(last, first, email),
                matricule,
                service_name or "",
                category,
                statuses.get(status, status),
                courses,
                _hours(minutes),
                round(seconds / 3600, 2),
            )

    return rows()


# --- 3. yearly figures for the rapport social unique ---------------------------------------------


@dataclass
class Figures:
    headcount: int = 0
    trained: int = 0
    minutes: int = 0

    def add(self, other: Figures) -> None:
        self.headcount += other.headcount
        self.trained += other.trained
        self.minutes += other.minutes


def social_columns() -> list[Column]:
    return [
        Column(_("Ventilation"), width=16),
        Column(_("Groupe"), width=36),
        Column(_("Effectif"), NUMBER, 10),
        Column(_("Agents formés"), NUMBER, 12),
        Column(_("Part d'agents formés (%)"), PERCENT, 14),
        Column(_("Heures de formation attestées"), HOURS, 16),
    ]


def social_groups(
    *, agents: QuerySet[Agent], year: int, organisation_id: int
) -> dict[tuple[str, str, str | None], Figures]:
    """Figures per (category, status, top-level service path) in one grouped query.

    Headcount: the agents active today who had arrived by the end of the year, plus anyone trained that
    year (who may have left since). Trained: at least one course completed in the year."""
    start_at, end_at = _bounds(date(year, 1, 1), date(year, 12, 31))
    completions = CourseCompletion.objects.filter(
        agent_id=OuterRef("pk"), completed_at__gte=start_at, completed_at__lt=end_at
    )
    present = Q(is_active=True) & (Q(hire_date__isnull=True) | Q(hire_date__lte=date(year, 12, 31)))
    grouped = (
        agents.filter(organisation_id=organisation_id)
        .filter(present | Exists(completions))
        .annotate(
            root=Substr("service__path", 1, Service.steplen),
            is_trained=Exists(completions),
            year_minutes=_sql_total(completions, "SUM", "duration_minutes"),
        )
        .order_by()
        .values("category", "status", "root")
        .annotate(headcount=Count("pk"), trained=Count("pk", filter=Q(is_trained=True)), minutes=Sum("year_minutes"))
    )
    return {
        (row["category"] or "", row["status"], row["root"]): Figures(
            row["headcount"], row["trained"], row["minutes"] or 0
        )
        for row in grouped
    }


def social_rows(*, agents: QuerySet[Agent], parameters: SocialParameters, organisation_id: int) -> list[tuple]:
    """Rows by category, by status and by top-level service (sub-services rolled up), then the total:
    the groups of each breakdown add up to the total."""
    groups = social_groups(agents=agents, year=parameters.year, organisation_id=organisation_id)
    by_category = {value: Figures() for value, _label in Agent.Category.choices}
    by_status = {value: Figures() for value, _label in Agent.Status.choices}
    roots = list(
        Service.objects.filter(organisation_id=organisation_id, depth=1).order_by("name").values_list("path", "name")
    )
    by_service: dict[str | None, Figures] = {path: Figures() for path, _name in roots}
    by_service[None] = Figures()
    total = Figures()
    for (category, status, root), figures in groups.items():
        by_category.setdefault(category if category in by_category else "", Figures()).add(figures)
        by_status[status if status in by_status else Agent.Status.OTHER].add(figures)
        by_service[root if root in by_service else None].add(figures)
        total.add(figures)

    def row(axis: str, label: str, figures: Figures) -> tuple:
        rate = round(100 * figures.trained / figures.headcount, 1) if figures.headcount else 0.0
        return (axis, label, figures.headcount, figures.trained, rate, _hours(figures.minutes))

    category_axis, status_axis, service_axis = _("Catégorie"), _("Statut"), _("Service")
    rows = [
        row(category_axis, str(label) if value else _("Sans catégorie"), by_category[value])
        for value, label in Agent.Category.choices
    ]
    rows += [row(status_axis, str(label), by_status[value]) for value, label in Agent.Status.choices]
    rows += [row(service_axis, name, by_service[path]) for path, name in roots]
    if by_service[None].headcount:
        rows.append(row(service_axis, _("Sans service"), by_service[None]))
    rows.append(row(_("Total"), _("Tous les agents"), total))
    return rows


# --- the three exports, by kind -------------------------------------------------------------------


def table(
    kind: str, *, agents: QuerySet[Agent], parameters: Parameters, organisation_id: int, today: date
) -> tuple[list[Column], Iterable[tuple]]:
    """The columns and rows of one export (labels in the active language, rows read lazily)."""
    if kind == ExportFile.Kind.STATUS:
        rows = status_rows(agents=agents, parameters=parameters, organisation_id=organisation_id, today=today)
        return status_columns(), rows
    if kind == ExportFile.Kind.HOURS:
        return hours_columns(), hours_rows(agents=agents, parameters=parameters, organisation_id=organisation_id)
    if kind == ExportFile.Kind.SOCIAL:
        return social_columns(), social_rows(agents=agents, parameters=parameters, organisation_id=organisation_id)
    raise ExportError(_("Cet export n'existe pas."))


def filename_stem(kind: str, parameters: Parameters, today: date) -> str:
    if isinstance(parameters, HoursParameters):
        return f"heures-formation-{parameters.start:%Y-%m-%d}-au-{parameters.end:%Y-%m-%d}"
    if isinstance(parameters, SocialParameters):
        return f"rsu-formation-{parameters.year}"
    return f"avancement-parcours-{today:%Y-%m-%d}"


def sheet_title(kind: str) -> str:
    return {
        ExportFile.Kind.STATUS: _("Avancement"),
        ExportFile.Kind.HOURS: _("Heures de formation"),
        ExportFile.Kind.SOCIAL: _("Rapport social unique"),
    }.get(kind, _("Export"))
