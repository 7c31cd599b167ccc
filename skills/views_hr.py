"""HR pages of the skills room: the service heatmap and its drill-down to agents, the levels expected of
job titles and services, and HR's view of one agent's profile. Thin: permission, selector or service,
render.

Scope: HR works on its own organisation (`permissions.hr_organisation_id`). A non-HR user gets 403; a
service or an agent of another organisation gives 404, as if it did not exist. The detailed answers of
positioning tests are not shown here: they stay private unless the agent shares them (quizzes room).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from people import permissions
from people.models import Agent, Service

from . import rules, selectors, services
from .forms import JOB_TITLE_MAX_LENGTH, JobTitleChoiceForm, ServiceChoiceForm, TargetForm, level_label
from .models import Competence

AGENTS_PER_PAGE = 50
HEAT_BANDS = (0.2, 0.4, 0.6, 0.8)  # share below target: heat-0 below 20 %, … heat-4 from 80 %


# --- helpers --------------------------------------------------------------------------------------


def _id_or_404(raw: str | None) -> int:
    if not raw or not raw.isdigit():
        raise Http404
    return int(raw)


def _service_or_404(raw: str | None, organisation_id: int) -> Service | None:
    """The service named by a query parameter (None when absent), of this organisation only."""
    if not raw:
        return None
    return get_object_or_404(Service, pk=_id_or_404(raw), organisation_id=organisation_id)


def _heatmap_url(service: Service | None) -> str:
    url = reverse("skills:heatmap")
    return f"{url}?{urlencode({'service': service.pk})}" if service is not None else url


def _cell_url(competence: Competence, service: Service | None, *, below_only: bool = False) -> str:
    query = {"competence": competence.pk}
    if service is not None:
        query["service"] = service.pk
    if below_only:
        query["sous_cible"] = 1
    return f"{reverse('skills:cell')}?{urlencode(query)}"


def heat_class(share: float | None) -> str:
    """The CSS class of a cell, graded by the share of agents below target ("heat-none": no target)."""
    if share is None:
        return "heat-none"
    return f"heat-{sum(share >= band for band in HEAT_BANDS)}"


def percent(share: float | None) -> int | None:
    return None if share is None else round(share * 100)


@dataclass(frozen=True)
class Standing:
    """An agent's level against their target on one competence, in words (and a badge kind)."""

    level: int | None
    target: int | None

    @property
    def below(self) -> bool:
        return rules.is_below_target(self.level, self.target)

    @property
    def level_text(self) -> str:
        return _("Non évalué") if self.level is None else level_label(self.level)

    @property
    def target_text(self) -> str:
        return level_label(self.target) if self.target else "—"

    @property
    def status(self) -> str:
        if not self.target:
            return _("Pas de cible")
        return _("Sous la cible") if self.below else _("Atteint")

    @property
    def kind(self) -> str:
        """status_badge.html kind: late (below), done (reached), neutral (no target)."""
        if not self.target:
            return "neutral"
        return "late" if self.below else "done"


@dataclass(frozen=True)
class HeatCell:
    """One cell of the heatmap as shown: the figures, their tint and the drill-down link (if any)."""

    competence: Competence
    figures: rules.CellFigures
    url: str

    @property
    def percent_below(self) -> int | None:
        return percent(self.figures.share_below)

    @property
    def heat(self) -> str:
        return heat_class(self.figures.share_below)


@dataclass(frozen=True)
class HeatRow:
    row: selectors.HeatmapRow
    label: str
    url: str  # drill-down to the service's children, "" when it has none
    cells: list[HeatCell]


def _heat_row(row: selectors.HeatmapRow, competences: list[Competence], *, label: str, linked: bool) -> HeatRow:
    cells = [
        HeatCell(competence, figures, _cell_url(competence, row.service) if linked else "")
        for competence, figures in zip(competences, row.cells, strict=True)
    ]
    url = _heatmap_url(row.service) if row.has_children and not row.direct else ""
    return HeatRow(row=row, label=label, url=url, cells=cells)


def _row_label(row: selectors.HeatmapRow) -> str:
    if not row.direct:
        return row.label
    if row.service is None:
        return _("Agents sans service")
    return _("Agents rattachés directement à %(service)s") % {"service": row.service.name}


# --- the heatmap ----------------------------------------------------------------------------------


@login_required
def heatmap(request):
    """Services × competences: mean level and share of agents below target; a service drills down."""
    organisation_id = permissions.hr_organisation_id(request)
    parent = _service_or_404(request.GET.get("service"), organisation_id)
    found = selectors.service_heatmap(organisation_id=organisation_id, parent=parent)
    # A row of agents attached directly to a service (or to none) has no drill-down of its own: the
    # detail page lists a whole sub-tree, so its agents are found under the totals row.
    rows = [_heat_row(row, found.competences, label=_row_label(row), linked=not row.direct) for row in found.rows]
    total_label = _("Ensemble de %(service)s") % {"service": parent.name} if parent else _("Toute l'organisation")
    total = _heat_row(found.total, found.competences, label=total_label, linked=True)
    breadcrumb = [(reverse("skills:heatmap"), _("Carte des compétences"))]
    if parent is not None:
        breadcrumb += [(_heatmap_url(service), service.name) for service in found.ancestors]
        breadcrumb.append(("", parent.name))
    return render(
        request,
        "skills/hr_heatmap.html",
        {
            "heatmap": found,
            "parent": parent,
            "rows": rows,
            "total": total,
            "breadcrumb": breadcrumb,
            "bands": [round(band * 100) for band in HEAT_BANDS],
            "has_targets": any(figures.with_target for figures in found.total.cells),
        },
    )


@login_required
def cell(request):
    """The agents behind one heatmap cell: level, target and status on one competence, in a sub-tree."""
    organisation_id = permissions.hr_organisation_id(request)
    competence = get_object_or_404(
        Competence.objects.select_related("domain"), pk=_id_or_404(request.GET.get("competence"))
    )
    service = _service_or_404(request.GET.get("service"), organisation_id)
    below_only = request.GET.get("sous_cible") == "1"
    found = selectors.cell_page(
        organisation_id=organisation_id,
        competence=competence,
        service=service,
        below_only=below_only,
        page_number=request.GET.get("page"),
        per_page=AGENTS_PER_PAGE,
    )
    query = {"competence": competence.pk}
    if service is not None:
        query["service"] = service.pk
    if below_only:
        query["sous_cible"] = 1
    breadcrumb = [(reverse("skills:heatmap"), _("Carte des compétences"))]
    if service is not None:
        breadcrumb += [(_heatmap_url(item), item.name) for item in service.get_ancestors()]
        breadcrumb.append((_heatmap_url(service), service.name))
    breadcrumb.append(("", f"{competence.code} {competence.name}"))
    assign_query = urlencode({"competence": competence.pk, **({"service": service.pk} if service else {})})
    return render(
        request,
        "skills/hr_cell.html",
        {
            "competence": competence,
            "service": service,
            "below_only": below_only,
            "page": found.page,
            "rows": [(item, Standing(item.level, item.target)) for item in found.page],
            "query": urlencode(query),
            "counts": {"agents": found.counts.agents, "assessed": found.counts.assessed, "below": found.counts.below},
            "assign_query": assign_query,
            "breadcrumb": breadcrumb,
        },
    )


# --- targets --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetGroup:
    label: str
    edit_url: str
    levels: list[tuple[Competence, str]]  # (competence, "4 — Indépendant"), in code order


@login_required
def targets(request):
    """The organisation's targets grouped by job title and by service, and a way to choose what to edit."""
    organisation_id = permissions.hr_organisation_id(request)
    by_job: dict[str, list] = defaultdict(list)
    by_service: dict[int, list] = defaultdict(list)
    service_of: dict[int, Service] = {}
    for target in selectors.organisation_targets(organisation_id).order_by("competence__code"):
        if target.service_id:
            service_of[target.service_id] = target.service
            by_service[target.service_id].append((target.competence, level_label(target.level)))
        else:
            by_job[target.job_title].append((target.competence, level_label(target.level)))
    edit_url = reverse("skills:target_edit")
    job_groups = [
        TargetGroup(title, f"{edit_url}?{urlencode({'metier': title})}", by_job[title])
        for title in sorted(by_job, key=str.casefold)
    ]
    service_groups = [
        TargetGroup(service.full_name or service.name, f"{edit_url}?{urlencode({'service': service.pk})}", levels)
        for service, levels in sorted(
            ((service_of[pk], levels) for pk, levels in by_service.items()), key=lambda item: item[0].path
        )
    ]
    organisation_services = Service.objects.filter(organisation_id=organisation_id).order_by("path")
    return render(
        request,
        "skills/hr_targets.html",
        {
            "job_groups": job_groups,
            "service_groups": service_groups,
            "job_form": JobTitleChoiceForm(job_titles=selectors.job_titles(organisation_id)),
            "service_form": ServiceChoiceForm(services=organisation_services),
        },
    )


def _target_scope(request, organisation_id: int) -> tuple[str, Service | None] | None:
    """(job title, None) or ("", service) from the query string; None when neither or both are given."""
    service = _service_or_404(request.GET.get("service"), organisation_id)
    job_title = (request.GET.get("nouveau_metier") or request.GET.get("metier") or "").strip()
    if bool(job_title) == bool(service) or len(job_title) > JOB_TITLE_MAX_LENGTH:
        return None
    return job_title, service


@login_required
def target_edit(request):
    """The levels expected of one job title or one service, competence by competence."""
    organisation_id = permissions.hr_organisation_id(request)
    scope = _target_scope(request, organisation_id)
    if scope is None:
        messages.error(
            request,
            _("Choisissez un métier (%(max)s caractères au plus) ou un service, puis « Modifier ».")
            % {"max": JOB_TITLE_MAX_LENGTH},
        )
        return redirect("skills:targets")
    job_title, service = scope
    existing = selectors.organisation_targets(organisation_id)
    existing = existing.filter(service=service) if service else existing.filter(job_title=job_title)
    competences = Competence.objects.select_related("domain").order_by("code")
    current = dict(existing.values_list("competence_id", "level"))
    data = request.POST if request.method == "POST" else None
    form = TargetForm(data, competences=competences, current=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.set_targets(
                organisation_id=organisation_id,
                levels=form.levels(),
                job_title=job_title,
                service_id=service.pk if service else None,
                user_id=request.user.pk,
            )
        except services.SkillsError as error:
            form.add_error(None, error.message)
        else:
            if service:
                text = _("Les niveaux attendus du service « %(name)s » sont enregistrés.") % {"name": service.name}
            else:
                text = _("Les niveaux attendus du métier « %(name)s » sont enregistrés.") % {"name": job_title}
            messages.success(request, text)
            return redirect("skills:targets")
    return render(
        request,
        "skills/hr_target_edit.html",
        {"form": form, "job_title": job_title, "service": service, "action": request.get_full_path()},
    )


# --- one agent ------------------------------------------------------------------------------------


@login_required
def agent(request, pk: int):
    """HR's view of one agent's digital-skills profile: levels with their source, targets, evidence."""
    if not permissions.is_hr(request.user):
        raise PermissionDenied
    found = get_object_or_404(
        permissions.visible_agents(request.user)
        .filter(organisation__in=permissions.hr_organisations(request.user))
        .select_related("user", "service", "organisation"),
        pk=pk,
    )
    return render(request, "skills/hr_agent.html", _agent_context(found))


def _agent_context(found: Agent) -> dict:
    profile = selectors.agent_profile(found)
    return {
        "agent": found,
        "profile": [(row, Standing(row.level.level if row.level else None, row.target)) for row in profile],
        "evidence": selectors.agent_evidence(found),
        "below_count": sum(row.below_target for row in profile),
        "assessed_count": sum(row.level is not None for row in profile),
    }
