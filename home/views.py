from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from certificates.selectors import agent_certificates
from paths.learner import assigned_paths
from people import permissions
from people.notifications import latest_notifications, mark_all_read
from progress.selectors import learner_overview
from skills.models import CompetenceLevel

DASHBOARD_CERTIFICATES = 6


@login_required
def dashboard(request):
    """Mon espace: the signed-in person's home — what to resume, what is done, what to take next."""
    agent = permissions.agent_of(request.user)
    context = {"agent": agent}
    if agent is not None:
        agent = type(agent).objects.select_related("organisation", "service", "manager__user").get(pk=agent.pk)
        certificates = list(agent_certificates(agent)[: DASHBOARD_CERTIFICATES + 1])
        context.update(
            agent=agent,
            overview=learner_overview(agent),
            certificates=certificates[:DASHBOARD_CERTIFICATES],
            more_certificates=len(certificates) > DASHBOARD_CERTIFICATES,
            notifications=latest_notifications(agent),
            assigned=assigned_paths(agent, timezone.localdate()),
            assessed_competences=CompetenceLevel.objects.filter(agent=agent).count(),
        )
    return render(request, "home/dashboard.html", context)


@login_required
@require_POST
def notifications_read(request):
    agent = permissions.agent_of(request.user)
    if agent is not None:
        mark_all_read(agent_id=agent.pk)
    return redirect("home:dashboard")


def page(request, template: str):
    return render(request, template)
