"""HR's map of digital champions: every service of the organisation (tree order) with its active agents
and its référents per competence, services without any standing out. HR only (403 otherwise), scoped to
the organisation HR works on through `people.permissions`."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy

from people import permissions
from people.models import Service

from . import selectors
from .models import Competence, Domain

MAX_INDENT = 5


class ChampionMapFilterForm(forms.Form):
    sans_referent = forms.BooleanField(label=gettext_lazy("Seulement les services sans référent"), required=False)


@dataclass(frozen=True)
class DomainColumns:
    """A header cell spanning the competences of one CRCN domain."""

    domain: Domain
    competences: list[Competence]

    @property
    def span(self) -> int:
        return len(self.competences)


@dataclass(frozen=True)
class MapLine:
    row: selectors.ChampionMapRow
    parent_name: str  # the full name of the service above, for screen readers ("" at the top of the tree)
    indent: int  # 0 at the top of the tree, capped at MAX_INDENT


def domain_columns(competences: list[Competence]) -> list[DomainColumns]:
    """Group the competences (in code order) under their domain, one query for the domains."""
    domains = Domain.objects.in_bulk({competence.domain_id for competence in competences})
    columns: list[DomainColumns] = []
    for competence in competences:
        if not columns or columns[-1].domain.pk != competence.domain_id:
            columns.append(DomainColumns(domains[competence.domain_id], []))
        columns[-1].competences.append(competence)
    return columns


def _parent_name(service: Service) -> str:
    full_name = service.full_name or service.name
    return full_name.rsplit(Service.SEPARATOR, 1)[0] if Service.SEPARATOR in full_name else ""


@login_required
def champion_map(request: HttpRequest) -> HttpResponse:
    organisation_id = permissions.hr_organisation_id(request)
    form = ChampionMapFilterForm(request.GET or None)
    only_missing = form.is_valid() and form.cleaned_data["sans_referent"]
    competences, rows = selectors.champion_map(organisation_id=organisation_id)
    missing = sum(row.has_none for row in rows)
    top_depth = min((row.depth for row in rows), default=1)
    roots = [row for row in rows if row.depth == top_depth]
    totals = {
        "agents": sum(row.agents for row in roots),
        "champions": sum(row.champions for row in roots),
        "competences": [sum(counts) for counts in zip(*(row.competences for row in roots), strict=True)]
        if roots
        else [0] * len(competences),
    }
    shown = [row for row in rows if row.has_none] if only_missing else rows
    return render(
        request,
        "skills/hr_champion_map.html",
        {
            "form": form,
            "only_missing": only_missing,
            "competences": competences,
            "columns": domain_columns(competences),
            "lines": [MapLine(row, _parent_name(row.service), min(row.depth - top_depth, MAX_INDENT)) for row in shown],
            "services_count": len(rows),
            "missing_count": missing,
            "totals": totals,
            "top_depth": top_depth,
            "organisation_id": organisation_id,
        },
    )
