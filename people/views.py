"""Accounts and HR pages for people. Thin: permission, then a service or a selector."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from . import permissions, services
from .forms import AgentImportForm, AgentSearchForm, EmailAuthenticationForm, InvitingPasswordResetForm
from .models import Agent, AgentImport

AGENTS_PER_PAGE = 50


class LoginView(auth_views.LoginView):
    template_name = "people/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "people/password_reset.html"
    form_class = InvitingPasswordResetForm

    def form_valid(self, form):
        # Links are built on SITE_URL, never on the Host header of the request.
        self.extra_email_context = {"site_url": settings.SITE_URL}
        return super().form_valid(form)

    email_template_name = "people/email/password_reset.txt"
    html_email_template_name = "people/email/password_reset.html"
    subject_template_name = "people/email/password_reset_subject.txt"
    success_url = reverse_lazy("people:password_reset_done")


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "people/password_set.html"
    success_url = reverse_lazy("people:password_reset_complete")
    extra_context = {"page_title": gettext_lazy("Choisir un nouveau mot de passe")}


class InvitationView(PasswordResetConfirmView):
    """The link of the invitation e-mail: the same token check, worded as a first visit."""

    extra_context = {"page_title": gettext_lazy("Bienvenue : choisissez votre mot de passe"), "invitation": True}


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "people/password_change.html"
    success_url = reverse_lazy("people:password_change_done")


def _hr_organisation_id(request) -> int:
    return permissions.hr_organisation_id(request)


@login_required
def agent_list(request):
    organisation_id = _hr_organisation_id(request)
    services_qs = permissions.visible_services(request.user).filter(organisation_id=organisation_id)
    form = AgentSearchForm(request.GET or None, services=services_qs.order_by("full_name"))
    agents = (
        permissions.visible_agents(request.user)
        .filter(organisation_id=organisation_id)
        .select_related("user", "service", "manager__user")
        .order_by("user__last_name", "user__first_name", "pk")
    )
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            terms = Q()
            for word in data["q"].split()[:5]:
                terms &= (
                    Q(user__first_name__icontains=word)
                    | Q(user__last_name__icontains=word)
                    | Q(user__email__icontains=word)
                    | Q(matricule__iexact=word)
                )
            agents = agents.filter(terms)
        if data["service"]:
            agents = agents.filter(service__in=data["service"].subtree())
        if data["job_title"]:
            agents = agents.filter(job_title__icontains=data["job_title"])
        if data["category"]:
            agents = agents.filter(category="" if data["category"] == "none" else data["category"])
        if data["active"]:
            agents = agents.filter(is_active=data["active"] == "1")
    page = Paginator(agents, AGENTS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "people/agent_list.html",
        {"form": form, "page": page, "query": query.urlencode(), "organisation_id": organisation_id},
    )


def _visible_agent_or_404(request, pk: int) -> Agent:
    return get_object_or_404(
        permissions.visible_agents(request.user).select_related("user", "service", "manager__user", "organisation"),
        pk=pk,
    )


@login_required
def agent_detail(request, pk: int):
    agent = _visible_agent_or_404(request, pk)
    can_manage = permissions.can_manage_agents(request.user, agent.organisation_id)
    reports = agent.reports.select_related("user").order_by("user__last_name")
    return render(
        request,
        "people/agent_detail.html",
        {"agent": agent, "can_manage": can_manage, "reports": reports},
    )


@login_required
@require_POST
def agent_set_active(request, pk: int):
    agent = _visible_agent_or_404(request, pk)
    if not permissions.can_manage_agents(request.user, agent.organisation_id):
        raise Http404
    if agent.user_id == request.user.pk:
        messages.error(request, _("Vous ne pouvez pas désactiver votre propre compte."))
        return redirect("people:agent_detail", pk=agent.pk)
    active = request.POST.get("active") == "1"
    services.set_agent_active(agent_id=agent.pk, organisation_id=agent.organisation_id, active=active)
    if active:
        messages.success(request, _("%(name)s est de nouveau actif.") % {"name": agent.full_name})
    else:
        messages.success(
            request,
            _("%(name)s est désactivé : son compte ne peut plus se connecter, son historique est conservé.")
            % {"name": agent.full_name},
        )
    return redirect("people:agent_detail", pk=agent.pk)


@login_required
@require_POST
def agent_reinvite(request, pk: int):
    agent = _visible_agent_or_404(request, pk)
    if not permissions.can_manage_agents(request.user, agent.organisation_id):
        raise Http404
    if agent.user.has_usable_password():
        messages.info(request, _("%(name)s a déjà choisi un mot de passe.") % {"name": agent.full_name})
    else:
        services.reinvite(user_id=agent.user_id)
        messages.success(request, _("Invitation renvoyée à %(email)s.") % {"email": agent.user.email})
    return redirect("people:agent_detail", pk=agent.pk)


@login_required
def agent_import(request):
    organisation_id = _hr_organisation_id(request)
    if request.method == "POST":
        form = AgentImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            record = services.preview_agent_import(
                organisation_id=organisation_id,
                uploaded_by_id=request.user.pk,
                filename=upload.name,
                data=upload.read(),
                send_invitations=form.cleaned_data["send_invitations"],
            )
            return redirect("people:agent_import_preview", pk=record.pk)
    else:
        form = AgentImportForm()
    recent = AgentImport.objects.filter(organisation_id=organisation_id).select_related("uploaded_by")[:10]
    return render(request, "people/agent_import.html", {"form": form, "recent": recent})


@login_required
def agent_import_preview(request, pk: int):
    organisation_id = _hr_organisation_id(request)
    record = get_object_or_404(AgentImport, pk=pk, organisation_id=organisation_id)
    if request.method == "POST":
        result = services.apply_agent_import(import_id=record.pk, organisation_id=organisation_id)
        if result.ok:
            messages.success(
                request,
                _("Import terminé : %(created)s créés, %(updated)s mis à jour, %(unchanged)s inchangés.")
                % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged},
            )
        else:
            messages.error(request, _("L'import n'a pas été appliqué : rien n'a été modifié."))
        return redirect("people:agent_import_preview", pk=record.pk)
    return render(request, "people/agent_import_preview.html", {"record": record})
