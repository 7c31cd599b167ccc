from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from people import permissions


@login_required
def dashboard(request):
    """Mon espace: the signed-in person's home."""
    agent = permissions.agent_of(request.user)
    if agent is not None:
        agent = type(agent).objects.select_related("organisation", "service", "manager__user").get(pk=agent.pk)
    return render(request, "home/dashboard.html", {"agent": agent})


def page(request, template: str):
    return render(request, template)
