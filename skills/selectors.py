"""Read queries of the skills room, shared by the agent's profile, HR pages and the gap assignment of
`paths`. Query counts stay flat as the organisation grows: levels are aggregated by the database, and
Python only combines the groups it returns (services × job titles × competences × levels)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Count, F, FilteredRelation, Q, QuerySet

from people.models import Agent, Service

from . import rules
from .models import Champion, Competence, CompetenceLevel, Evidence, Target

Group = tuple[int | None, str]  # (service id, job title): agents who share their targets
LEVELS = range(rules.MIN_LEVEL, rules.MAX_LEVEL + 1)


# --- targets --------------------------------------------------------------------------------------


@dataclass
class TargetBook:
    """Every target of an organisation, able to say which levels apply to an agent."""

    by_job: dict[str, dict[int, int]] = field(default_factory=dict)
    by_service: dict[int, dict[int, int]] = field(default_factory=dict)
    service_paths: dict[int, str] = field(default_factory=dict)
    _cache: dict[Group, dict[int, int]] = field(default_factory=dict)

    def for_group(self, service_id: int | None, job_title: str) -> dict[int, int]:
        """competence id → level expected of an agent of this service and job (the highest applies)."""
        key = (service_id, job_title)
        if key not in self._cache:
            candidates: dict[int, list[int]] = defaultdict(list)
            for competence_id, level in self.by_job.get(job_title.strip(), {}).items():
                candidates[competence_id].append(level)
            path = self.service_paths.get(service_id, "") if service_id else ""
            for target_service_id, levels in self.by_service.items():
                target_path = self.service_paths.get(target_service_id)
                if path and target_path and path.startswith(target_path):
                    for competence_id, level in levels.items():
                        candidates[competence_id].append(level)
            self._cache[key] = {
                competence_id: rules.effective_target(levels) for competence_id, levels in candidates.items()
            }
        return self._cache[key]


def target_book(organisation_id: int, service_paths: dict[int, str] | None = None) -> TargetBook:
    """Two queries (one if the service paths are given)."""
    if service_paths is None:
        service_paths = dict(Service.objects.filter(organisation_id=organisation_id).values_list("pk", "path"))
    book = TargetBook(service_paths=service_paths)
    for job_title, service_id, competence_id, level in Target.objects.filter(
        organisation_id=organisation_id
    ).values_list("job_title", "service_id", "competence_id", "level"):
        if service_id:
            book.by_service.setdefault(service_id, {})[competence_id] = level
        else:
            book.by_job.setdefault(job_title, {})[competence_id] = level
    return book


def agent_targets(agent: Agent) -> dict[int, int]:
    """competence id → level expected of this agent."""
    return target_book(agent.organisation_id).for_group(agent.service_id, agent.job_title)


def organisation_targets(organisation_id: int) -> QuerySet[Target]:
    return Target.objects.filter(organisation_id=organisation_id).select_related("competence", "service")


def job_titles(organisation_id: int) -> list[str]:
    """The job titles in use among the organisation's agents, and those that already have targets."""
    used = set(
        Agent.objects.filter(organisation_id=organisation_id, is_active=True)
        .exclude(job_title="")
        .values_list("job_title", flat=True)
        .distinct()
    )
    used |= set(
        Target.objects.filter(organisation_id=organisation_id).exclude(job_title="").values_list("job_title", flat=True)
    )
    return sorted(used, key=str.casefold)


# --- the agent's profile --------------------------------------------------------------------------


@dataclass(frozen=True)
class ProfileRow:
    competence: Competence
    level: CompetenceLevel | None
    target: int | None

    @property
    def below_target(self) -> bool:
        return rules.is_below_target(self.level.level if self.level else None, self.target)

    @property
    def can_be_champion(self) -> bool:
        return self.level is not None and self.level.level >= rules.CHAMPION_LEVEL


def agent_profile(agent: Agent) -> list[ProfileRow]:
    """One row per CRCN competence: the agent's level (with its source and date) and their target."""
    levels = {level.competence_id: level for level in CompetenceLevel.objects.filter(agent=agent)}
    targets = agent_targets(agent)
    return [
        ProfileRow(competence, levels.get(competence.pk), targets.get(competence.pk))
        for competence in Competence.objects.select_related("domain").order_by("code")
    ]


def agent_gaps(agent: Agent) -> list[rules.Gap]:
    """The agent's gaps to their targets, widest first (competence codes)."""
    rows = agent_profile(agent)
    return rules.gaps(
        {row.competence.code: row.level.level if row.level else None for row in rows},
        {row.competence.code: row.target for row in rows if row.target is not None},
    )


def agent_evidence(agent: Agent) -> QuerySet[Evidence]:
    return (
        Evidence.objects.filter(agent=agent).select_related("competence").order_by("-observed_at", "competence__code")
    )


# --- the service heatmap --------------------------------------------------------------------------


@dataclass
class HeatmapRow:
    label: str
    service: Service | None
    has_children: bool
    agents: int = 0
    cells: list[rules.CellFigures] = field(default_factory=list)
    direct: bool = False  # agents attached to the parent service itself, not to a child


@dataclass
class Heatmap:
    parent: Service | None
    ancestors: list[Service]
    competences: list[Competence]
    rows: list[HeatmapRow]
    total: HeatmapRow


def service_heatmap(*, organisation_id: int, parent: Service | None = None) -> Heatmap:
    """Services (the children of `parent`, or the top of the tree) × competences: mean level, share of
    agents below target. Each row rolls up its whole sub-tree. Six queries, whatever the size."""
    services = list(
        Service.objects.filter(organisation_id=organisation_id).order_by("path").values("pk", "path", "depth", "name")
    )
    paths = {row["pk"]: row["path"] for row in services}
    book = target_book(organisation_id, paths)
    competences = list(Competence.objects.select_related("domain").order_by("code"))
    agents = Agent.objects.filter(organisation_id=organisation_id, is_active=True)
    levels = CompetenceLevel.objects.filter(agent__organisation_id=organisation_id, agent__is_active=True)
    if parent is not None:
        agents = agents.filter(service__path__startswith=parent.path)
        levels = levels.filter(agent__service__path__startswith=parent.path)
        children = [row for row in services if row["depth"] == parent.depth + 1 and row["path"].startswith(parent.path)]
    else:
        children = [row for row in services if row["depth"] == 1]
    objects = Service.objects.in_bulk([row["pk"] for row in children] + ([parent.pk] if parent else []))
    rows = [
        HeatmapRow(
            label=row["name"],
            service=objects[row["pk"]],
            has_children=any(other["path"].startswith(row["path"]) and other["pk"] != row["pk"] for other in services),
        )
        for row in children
    ]
    leftover = HeatmapRow(
        label=parent.name if parent else "",
        service=parent,
        has_children=False,
        direct=True,
    )
    child_paths = [(index, row["path"]) for index, row in enumerate(children)]

    def row_of(service_id: int | None) -> HeatmapRow:
        path = paths.get(service_id, "") if service_id else ""
        for index, child_path in child_paths:
            if path.startswith(child_path):
                return rows[index]
        return leftover

    group_sizes = {
        (service_id, job): count
        for service_id, job, count in agents.order_by().values_list("service_id", "job_title").annotate(n=Count("pk"))
    }
    # One column per level rather than a group per level: PostgreSQL then hash-aggregates some
    # thousands of groups in memory instead of sorting every (agent, competence) row.
    per_level = {f"level_{level}": Count("pk", filter=Q(level=level)) for level in LEVELS}
    histograms: dict[tuple[Group, int], dict[int, int]] = {}
    for row in (
        levels.order_by()
        .values("agent__service_id", "agent__job_title", "competence_id")
        .annotate(**per_level)
        .values_list("agent__service_id", "agent__job_title", "competence_id", *per_level)
    ):
        service_id, job, competence_id, *counts = row
        histograms[((service_id, job), competence_id)] = {
            level: count for level, count in zip(LEVELS, counts, strict=True) if count
        }

    inputs: dict[int, dict[int, list]] = defaultdict(lambda: defaultdict(list))  # id(row) → competence → groups
    all_rows = [*rows, leftover]
    total_inputs: dict[int, list] = defaultdict(list)
    for group, size in group_sizes.items():
        row = row_of(group[0])
        row.agents += size
        targets = book.for_group(*group)
        for competence in competences:
            histogram = histograms.get((group, competence.pk), {})
            item = (targets.get(competence.pk), histogram, size - sum(histogram.values()))
            inputs[id(row)][competence.pk].append(item)
            total_inputs[competence.pk].append(item)
    for row in all_rows:
        row.cells = [rules.cell_figures(inputs[id(row)][competence.pk]) for competence in competences]
    total = HeatmapRow(label="", service=parent, has_children=False, agents=sum(group_sizes.values()))
    total.cells = [rules.cell_figures(total_inputs[competence.pk]) for competence in competences]
    shown = rows + ([leftover] if leftover.agents else [])
    ancestors = list(parent.get_ancestors()) if parent is not None else []
    return Heatmap(parent=parent, ancestors=ancestors, competences=competences, rows=shown, total=total)


@dataclass(frozen=True)
class CellAgent:
    agent_id: int
    name: str
    service: str
    job_title: str
    level: int | None
    target: int | None

    @property
    def below_target(self) -> bool:
        return rules.is_below_target(self.level, self.target)


@dataclass(frozen=True)
class CellCounts:
    agents: int
    assessed: int
    below: int  # not assessed counts as below


@dataclass(frozen=True)
class CellPage:
    """The figures of one heatmap cell and one page of its agents (a Django `Page` of `CellAgent`)."""

    counts: CellCounts
    page: Page


CELL_ORDER = ("user__last_name", "user__first_name", "pk")
CELL_COLUMNS = (
    "pk",
    "user__last_name",
    "user__first_name",
    "user__email",
    "service__full_name",
    "service_id",
    "job_title",
    "cell_level__level",
)


def _with_level(agents: QuerySet[Agent], competence: Competence) -> QuerySet[Agent]:
    """Each agent with their level on the competence as `cell_level__level` (None: not assessed): a LEFT
    JOIN, which PostgreSQL hashes once, rather than a subquery run for every agent."""
    return agents.annotate(
        cell_level=FilteredRelation("competence_levels", condition=Q(competence_levels__competence=competence))
    )


def _cell_scope(*, organisation_id: int, competence: Competence, service: Service | None) -> QuerySet[Agent]:
    """The active agents of the sub-tree (the whole organisation without one), with their level."""
    agents = Agent.objects.filter(organisation_id=organisation_id, is_active=True)
    if service is not None:
        agents = agents.filter(service__path__startswith=service.path)
    return _with_level(agents, competence)


def _below_target(book: TargetBook, competence_id: int, job_titles: Iterable[str]) -> Q | None:
    """A filter on `_cell_scope` keeping the agents below their target (None: nobody has one).

    The target that applies is the highest of the job's and the services' (`rules.effective_target`), so
    an agent is below it exactly when below the job's target or below the target of their service and the
    services above it. Grouped by level, that is at most eight terms whatever the number of agents."""
    services_at: dict[int, list[int]] = defaultdict(list)
    jobs_at: dict[int, list[str]] = defaultdict(list)
    for service_id in book.service_paths:
        level = book.for_group(service_id, "").get(competence_id)  # "": no job target
        if level:
            services_at[level].append(service_id)
    for job_title in job_titles:
        level = book.for_group(None, job_title).get(competence_id)  # None: no service target
        if level:
            jobs_at[level].append(job_title)
    found = None
    for level in sorted(services_at.keys() | jobs_at.keys()):
        concerned = Q()
        if services_at[level]:
            concerned |= Q(service_id__in=services_at[level])
        if jobs_at[level]:
            concerned |= Q(job_title__in=jobs_at[level])
        term = concerned & (Q(cell_level__level__isnull=True) | Q(cell_level__level__lt=level))
        found = term if found is None else found | term
    return found


def _only_below(agents: QuerySet[Agent], book: TargetBook, competence_id: int) -> QuerySet[Agent]:
    """The agents of a `_cell_scope` below their target (one query for the job titles in use)."""
    job_titles = list(agents.order_by().values_list("job_title", flat=True).distinct())
    condition = _below_target(book, competence_id, job_titles)
    return agents.filter(condition) if condition is not None else agents.none()


def _cell_agent(row: tuple, book: TargetBook, competence_id: int) -> CellAgent:
    pk, last, first, email, service_name, service_id, job_title, level = row
    target = book.for_group(service_id, job_title).get(competence_id)
    return CellAgent(pk, f"{first} {last}".strip() or email, service_name or "", job_title, level, target)


@dataclass
class _SortedCell:
    """The agents of a cell sorted by name, already counted, for a Paginator. A page is one query: the
    ids of the page are sorted and sliced first on narrow rows, then only they are read in full."""

    listed: QuerySet[Agent]  # from _cell_scope, filtered or not
    total: int
    book: TargetBook
    competence: Competence

    def __len__(self) -> int:
        return self.total

    def __getitem__(self, index: slice) -> list[CellAgent]:
        if not isinstance(index, slice):
            raise TypeError("a page is a slice")
        start, stop, _step = index.indices(self.total)
        if start >= stop:
            return []
        ids = self.listed.order_by(*CELL_ORDER).values("pk")[start:stop]
        rows = _with_level(Agent.objects.filter(pk__in=ids), self.competence)
        return [
            _cell_agent(row, self.book, self.competence.pk)
            for row in rows.order_by(*CELL_ORDER).values_list(*CELL_COLUMNS)
        ]


def cell_page(
    *,
    organisation_id: int,
    competence: Competence,
    service: Service | None = None,
    below_only: bool = False,
    page_number: int | str | None = None,
    per_page: int = 50,
) -> CellPage:
    """The figures of one heatmap cell (active agents of a sub-tree, the whole organisation without one,
    on one competence) and one page of its agents, or of those below target, sorted by name. Four
    queries, whatever the size: targets (two), the agents counted by service, job and level, the page.
    An invalid or out-of-range page number gives the first or the last page, as `Paginator.get_page`."""
    book = target_book(organisation_id)
    agents = _cell_scope(organisation_id=organisation_id, competence=competence, service=service)
    total = assessed = below = 0
    job_titles = set()
    for service_id, job_title, level, count in (
        agents.order_by().values_list("service_id", "job_title", "cell_level__level").annotate(n=Count("pk"))
    ):
        job_titles.add(job_title)
        total += count
        assessed += count if level is not None else 0
        if rules.is_below_target(level, book.for_group(service_id, job_title).get(competence.pk)):
            below += count
    listed = agents
    if below_only:
        condition = _below_target(book, competence.pk, job_titles)
        listed = agents.filter(condition) if condition is not None else agents.none()
    rows = _SortedCell(listed=listed, total=below if below_only else total, book=book, competence=competence)
    page = Paginator(rows, per_page).get_page(page_number)
    return CellPage(counts=CellCounts(agents=total, assessed=assessed, below=below), page=page)


def cell_agents(
    *, organisation_id: int, competence: Competence, service: Service | None = None, below_only: bool = False
) -> list[CellAgent]:
    """The active agents of a service sub-tree (the whole organisation without one) with their level and
    target on one competence, sorted by name; with `below_only`, those below target only (filtered by the
    database). Three queries, four with `below_only`. A page of them: `cell_page`."""
    book = target_book(organisation_id)
    agents = _cell_scope(organisation_id=organisation_id, competence=competence, service=service)
    if below_only:
        agents = _only_below(agents, book, competence.pk)
    rows = agents.order_by(*CELL_ORDER).values_list(*CELL_COLUMNS)
    return [_cell_agent(row, book, competence.pk) for row in rows]


def below_target_agent_ids(
    *, organisation_id: int, competence: Competence, service: Service | None = None
) -> list[int]:
    """Ids of the active agents below their target on this competence (not assessed counts as below),
    sorted by name. Four queries; the rows fetched hold ids only."""
    book = target_book(organisation_id)
    agents = _cell_scope(organisation_id=organisation_id, competence=competence, service=service)
    return list(_only_below(agents, book, competence.pk).order_by(*CELL_ORDER).values_list("pk", flat=True))


# --- digital champions ----------------------------------------------------------------------------


def champions(
    *, organisation_id: int, competence_id: int | None = None, service: Service | None = None, query: str = ""
) -> QuerySet[Champion]:
    """The organisation's référents who still hold the level (a level that fell below 5 hides them)."""
    found = Champion.objects.filter(
        agent__organisation_id=organisation_id,
        agent__is_active=True,
        agent__competence_levels__competence_id=F("competence_id"),
        agent__competence_levels__level__gte=rules.CHAMPION_LEVEL,
    )
    if competence_id:
        found = found.filter(competence_id=competence_id)
    if service is not None:
        found = found.filter(agent__service__path__startswith=service.path)
    for word in query.split():
        found = found.filter(
            Q(agent__user__first_name__icontains=word)
            | Q(agent__user__last_name__icontains=word)
            | Q(agent__service__full_name__icontains=word)
            | Q(agent__job_title__icontains=word)
        )
    return found.select_related("agent__user", "agent__service", "competence").order_by(
        "competence__code", "agent__user__last_name", "agent__user__first_name"
    )


@dataclass
class ChampionMapRow:
    service: Service
    depth: int
    agents: int
    champions: int
    competences: list[int]  # champions per competence, in competence order

    @property
    def has_none(self) -> bool:
        return self.champions == 0


def champion_map(*, organisation_id: int) -> tuple[list[Competence], list[ChampionMapRow]]:
    """Every service of the organisation (tree order) with its active agents and its référents per
    competence, counted over its sub-tree; services with none stand out. Four queries."""
    competences = list(Competence.objects.order_by("code"))
    index = {competence.pk: position for position, competence in enumerate(competences)}
    services = list(Service.objects.filter(organisation_id=organisation_id).order_by("path"))
    agent_counts = dict(
        Agent.objects.filter(organisation_id=organisation_id, is_active=True, service__isnull=False)
        .values_list("service_id")
        .annotate(n=Count("pk"))
    )
    pairs = champions(organisation_id=organisation_id).values_list("agent__service_id", "competence_id", "agent_id")
    per_service: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for service_id, competence_id, agent_id in pairs:
        if service_id:
            per_service[service_id].append((competence_id, agent_id))
    rows = []
    for service in services:
        subtree = [other for other in services if other.path.startswith(service.path)]
        counts = [0] * len(competences)
        people = set()
        for other in subtree:
            for competence_id, agent_id in per_service.get(other.pk, []):
                counts[index[competence_id]] += 1
                people.add(agent_id)
        rows.append(
            ChampionMapRow(
                service=service,
                depth=service.depth,
                agents=sum(agent_counts.get(other.pk, 0) for other in subtree),
                champions=len(people),
                competences=counts,
            )
        )
    return competences, rows
