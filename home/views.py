from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from certificates.selectors import agent_certificates
from paths.learner import assigned_paths
from people import permissions
from people.models import Agent
from people.notifications import latest_notifications, mark_all_read
from progress.selectors import learner_overview
from skills.models import CompetenceLevel

DASHBOARD_CERTIFICATES = 6


def _agent_with_profile(user) -> Agent | None:
    """The signed-in user's agent with what Mon espace shows of it, in one query; set as `user.agent` so
    that the header (`permissions.agent_of`) reads the same object instead of querying again."""
    agent = Agent.objects.select_related("organisation", "service", "manager__user").filter(user=user).first()
    if agent is not None:
        user.agent = agent
    return agent


@login_required
def dashboard(request):
    """Mon espace: the signed-in person's home — what to resume, what is done, what to take next."""
    agent = _agent_with_profile(request.user)
    context = {"agent": agent}
    if agent is not None:
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
