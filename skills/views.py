"""Agent-facing pages of the skills room: volunteering as a digital champion ("référent numérique"),
withdrawing, and the organisation's directory of champions. Thin: permission, form, service or selector,
render. The agent's own skills profile lives in `home` ("Mes compétences")."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from people import permissions
from people.models import Agent, Service

from . import selectors, services
from .models import Champion, Competence, CompetenceLevel, Level, measured_level_label

CHAMPIONS_PER_PAGE = 30


# --- forms ----------------------------------------------------------------------------------------


class ChampionForm(forms.Form):
    """Volunteer on a competence, with a word on how to be reached."""

    competence = forms.ModelChoiceField(
        label=gettext_lazy("Compétence"),
        queryset=Competence.objects.all(),
        error_messages={"invalid_choice": gettext_lazy("Cette compétence n'existe pas.")},
    )
    note = forms.CharField(
        label=gettext_lazy("Comment vous solliciter"),
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 300}),
        help_text=gettext_lazy("Par exemple : « Le mardi après-midi, bureau 12, ou par messagerie »."),
    )


class WithdrawForm(forms.Form):
    competence = forms.ModelChoiceField(
        label=gettext_lazy("Compétence"),
        queryset=Competence.objects.all(),
        error_messages={"invalid_choice": gettext_lazy("Cette compétence n'existe pas.")},
    )


class ServiceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Service) -> str:
        return obj.full_name or obj.name


class ChampionSearchForm(forms.Form):
    """The directory's filters, as a plain GET form."""

    competence = forms.TypedChoiceField(label=gettext_lazy("Compétence"), required=False, coerce=int, empty_value=None)
    service = ServiceChoiceField(label=gettext_lazy("Service"), queryset=Service.objects.none(), required=False)
    q = forms.CharField(label=gettext_lazy("Nom, service ou métier"), required=False, max_length=200)

    def __init__(self, *args, organisation_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        groups: dict[str, list[tuple[int, str]]] = {}
        for competence in Competence.objects.select_related("domain").order_by("domain__code", "code"):
            groups.setdefault(str(competence.domain), []).append((competence.pk, str(competence)))
        self.fields["competence"].choices = [("", _("Toutes les compétences")), *groups.items()]
        self.fields["service"].queryset = Service.objects.filter(organisation_id=organisation_id).order_by("path")
        self.fields["service"].empty_label = _("Tous les services")


# --- helpers --------------------------------------------------------------------------------------


def _active_agent(request: HttpRequest) -> Agent:
    """The signed-in agent; 403 for accounts without an active agent profile."""
    agent = permissions.agent_of(request.user)
    if agent is None or not agent.is_active:
        raise PermissionDenied
    return agent


def _back(request: HttpRequest) -> HttpResponse:
    """Back to a safe `next` address of this site, else to "Mes compétences"."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("home:skills_profile")


def _first_error(form: forms.Form) -> str:
    """The first error of a form posted from another page, named by its field: it becomes a message."""
    for name, errors in form.errors.items():
        if name in form.fields:
            return f"{form.fields[name].label} : {errors[0]}"
        return str(errors[0])
    return _("Le formulaire contient des erreurs.")


def _with_levels(found: QuerySet[Champion]) -> QuerySet[Champion]:
    """Annotate each champion with their current level on the competence (one subquery, no extra query)."""
    level = CompetenceLevel.objects.filter(agent_id=OuterRef("agent_id"), competence_id=OuterRef("competence_id"))
    return found.annotate(level=Subquery(level.values("level")[:1]))


def level_label(level: int | None) -> str:
    """The level as agents read it: "Niveau 6 — Avancé"."""
    if level is None or level not in Level.values:
        return ""
    return _("Niveau %(level)s") % {"level": measured_level_label(level)}


# --- views ----------------------------------------------------------------------------------------


@login_required
@require_POST
def volunteer(request: HttpRequest) -> HttpResponse:
    """POST: the agent offers to help colleagues on a competence they master (level 5 or more)."""
    agent = _active_agent(request)
    form = ChampionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return _back(request)
    competence = form.cleaned_data["competence"]
    try:
        services.volunteer_as_champion(
            agent_id=agent.pk, competence_id=competence.pk, note=form.cleaned_data["note"].strip()
        )
    except services.SkillsError as refused:
        messages.error(request, refused.message)
        return _back(request)
    messages.success(
        request,
        _("Vous êtes désormais référent numérique pour « %(competence)s ». Merci !") % {"competence": competence},
    )
    return _back(request)


@login_required
@require_POST
def withdraw(request: HttpRequest) -> HttpResponse:
    """POST: the agent stops being a référent on a competence."""
    agent = _active_agent(request)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return _back(request)
    competence = form.cleaned_data["competence"]
    if services.withdraw_champion(agent_id=agent.pk, competence_id=competence.pk):
        messages.success(
            request,
            _("Vous n'êtes plus référent numérique pour « %(competence)s ».") % {"competence": competence},
        )
    else:
        messages.info(
            request, _("Vous n'étiez pas référent numérique pour « %(competence)s ».") % {"competence": competence}
        )
    return _back(request)


@login_required
def champions(request: HttpRequest) -> HttpResponse:
    """The directory of the organisation's référents, searchable by competence, service and words."""
    agent = _active_agent(request)
    form = ChampionSearchForm(request.GET or None, organisation_id=agent.organisation_id)
    filters = {"competence_id": None, "service": None, "query": ""}
    if form.is_valid():
        data = form.cleaned_data
        filters = {"competence_id": data["competence"], "service": data["service"], "query": data["q"].strip()}
    found = _with_levels(selectors.champions(organisation_id=agent.organisation_id, **filters))
    page = Paginator(found, CHAMPIONS_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    for champion in page.object_list:
        champion.level_label = level_label(champion.level)
        champion.first_name = champion.agent.user.first_name or champion.agent.full_name
        champion.mail_subject = _("Référent numérique : %(competence)s") % {"competence": champion.competence}
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "skills/champions.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "filtered": any(filters.values()),
            "profile_url": reverse("home:skills_profile"),
            "me": agent.pk,
            "breadcrumb": [(reverse("home:dashboard"), _("Mon espace")), ("", _("Référents numériques"))],
        },
    )
