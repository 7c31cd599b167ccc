"""HR dashboards: every path at a glance, one path by service and category with its trend, and the
list of the agents concerned. HR only, scoped to their organisation (another organisation's path is a
404, anyone else gets a 403). Thin: permission, selectors, charts, render."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from people import permissions
from people.models import Service

from . import charts, selectors
from .models import TrainingPath

AGENTS_PER_PAGE = 50
TREND_WEEKS = 12
MAX_CHART_SERVICES = 25  # above this, the chart shows the top level and the table every service
SORT_PARAMETERS = {"nom": "name", "echeance": "due", "statut": "status"}


def _hr_organisation_id(request) -> int:
    """The organisation whose dashboards this HR user sees (the administrator may choose one)."""
    return permissions.hr_organisation_id(request)


def _hr_path(request, uuid) -> TrainingPath:
    if not permissions.is_hr(request.user):
        raise PermissionDenied
    return get_object_or_404(
        TrainingPath.objects.filter(organisation__in=permissions.hr_organisations(request.user)), uuid=uuid
    )


def _bar(label: str, figures: selectors.Figures, indent: int = 0) -> charts.Bar:
    return charts.Bar(label=label, counts=figures.by_status(), indent=indent)


BAR_DESCRIPTION = gettext_lazy(
    "Barres horizontales empilées, une par ligne : la part des agents qui ont terminé (aplat), sont en "
    "cours (hachures obliques), n'ont pas commencé (points) ou sont en retard (quadrillage), et le taux "
    "de réalisation en bout de barre. Les mêmes chiffres sont dans le tableau qui suit."
)


@login_required
def hr_dashboard(request):
    organisation_id = _hr_organisation_id(request)
    today = timezone.localdate()
    rows = selectors.path_overview(organisation_id, today)
    total = sum((row.figures for row in rows), selectors.Figures())
    chart = None
    if rows:
        chart = charts.stacked_bar_chart(
            [_bar(row.title, row.figures) for row in rows],
            chart_id="paths-overview",
            title=_("Avancement de chaque parcours"),
            description=str(BAR_DESCRIPTION),
        )
    return render(
        request,
        "paths/dashboard/overview.html",
        {"rows": rows, "total": total, "chart": chart, "today": today},
    )


@login_required
def path_dashboard(request, uuid):
    path = _hr_path(request, uuid)
    today = timezone.localdate()
    breakdown = selectors.path_breakdown(path, path.organisation_id, today)
    trend = selectors.completion_trend(path, path.organisation_id, today, weeks=TREND_WEEKS)

    service_rows = breakdown.services
    top_level_only = len(service_rows) > MAX_CHART_SERVICES
    charted = [row for row in service_rows if row.depth == 1] if top_level_only else service_rows
    service_chart = category_chart = trend_chart = None
    if breakdown.total.assigned:
        service_chart = charts.stacked_bar_chart(
            [_bar(row.name, row.figures, row.depth - 1) for row in charted],
            chart_id="path-services",
            title=_("Avancement par service : %(path)s") % {"path": path.title},
            description=str(BAR_DESCRIPTION),
        )
        category_chart = charts.stacked_bar_chart(
            [_bar(row.label, row.figures) for row in breakdown.categories],
            chart_id="path-categories",
            title=_("Avancement par catégorie : %(path)s") % {"path": path.title},
            description=str(BAR_DESCRIPTION),
        )
        last = trend[-1]
        trend_chart = charts.line_chart(
            [date_format(point.week, "j N") for point in trend],
            [
                charts.Series(_("Agents concernés"), [point.assigned for point in trend], kind="total"),
                charts.Series(_("Parcours terminés"), [point.completed for point in trend], kind="done"),
            ],
            chart_id="path-trend",
            title=_("Évolution sur %(weeks)s semaines : %(path)s") % {"weeks": TREND_WEEKS, "path": path.title},
            description=_(
                "Courbes cumulées, semaine par semaine : en pointillés avec des carrés, les agents concernés ; "
                "en trait plein avec des ronds, les parcours terminés. Fin de la semaine du %(week)s : "
                "%(completed)s terminés sur %(assigned)s. Les mêmes chiffres sont dans le tableau qui suit."
            )
            % {
                "week": date_format(last.week, "j F Y"),
                "completed": charts.number(last.completed),
                "assigned": charts.number(last.assigned),
            },
        )
    return render(
        request,
        "paths/dashboard/path.html",
        {
            "path": path,
            "breakdown": breakdown,
            "trend": trend,
            "service_chart": service_chart,
            "category_chart": category_chart,
            "trend_chart": trend_chart,
            "top_level_only": top_level_only,
            "today": today,
            "no_category": selectors.NO_CATEGORY,
        },
    )


class AgentFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Nom, e-mail ou matricule"), required=False, max_length=100)
    service = forms.ModelChoiceField(
        label=gettext_lazy("Service"),
        queryset=Service.objects.none(),
        required=False,
        empty_label=gettext_lazy("Tous les services"),
        help_text=gettext_lazy("Sous-services compris."),
    )
    statut = forms.ChoiceField(label=gettext_lazy("Statut"), required=False)
    categorie = forms.ChoiceField(label=gettext_lazy("Catégorie"), required=False)

    def __init__(self, *args, organisation_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = Service.objects.filter(organisation_id=organisation_id).order_by("path")
        self.fields["service"].label_from_instance = lambda service: service.full_name
        self.fields["statut"].choices = [("", _("Tous les statuts"))] + [
            (status, selectors.STATUS_LABELS[status]) for status in selectors.STATUS_ORDER
        ]
        self.fields["categorie"].choices = [("", _("Toutes les catégories"))] + [
            (code or selectors.NO_CATEGORY, selectors.CATEGORY_LABELS[code]) for code in selectors.CATEGORY_ORDER
        ]

    def filters(self, sort: str) -> selectors.AgentFilters:
        """The valid filters; an invalid value (a tampered URL) is ignored, the others still apply."""
        self.is_valid()
        data = self.cleaned_data
        return selectors.AgentFilters(
            q=(data.get("q") or "").strip(),
            service=data.get("service"),
            status=data.get("statut") or "",
            category=data.get("categorie") or "",
            sort=sort,
        )


@login_required
def path_agents(request, uuid):
    path = _hr_path(request, uuid)
    today = timezone.localdate()
    sort_parameter = request.GET.get("tri", "nom")
    if sort_parameter not in SORT_PARAMETERS:
        sort_parameter = "nom"
    form = AgentFilterForm(request.GET or None, organisation_id=path.organisation_id)
    filters = form.filters(SORT_PARAMETERS[sort_parameter]) if form.is_bound else selectors.AgentFilters()
    rows = selectors.path_agent_rows(path, path.organisation_id, today, filters)
    page = Paginator(rows, AGENTS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    filter_query = query.copy()
    filter_query.pop("tri", None)
    return render(
        request,
        "paths/dashboard/agents.html",
        {
            "path": path,
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "filter_query": filter_query.urlencode(),
            "sort": sort_parameter,
            "filtered": any(filter_query.get(name) for name in AgentFilterForm.base_fields),
            "today": today,
        },
    )
