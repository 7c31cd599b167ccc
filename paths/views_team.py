"""The manager's team page: each direct and indirect report's training, overdue first, with a one-click
reminder per open assignment. Managers only (anyone with active reports); anyone else gets a 403."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from people import permissions
from people.models import Agent

from . import rules, selectors
from .models import AgentAssignment
from .notifications import ReminderRefusedError, remind_agent

logger = logging.getLogger(__name__)


def _manager(request) -> Agent:
    if not permissions.is_manager(request.user):
        raise PermissionDenied
    return permissions.agent_of(request.user)


@login_required
def team(request):
    manager = _manager(request)
    today = timezone.localdate()
    members = selectors.team_rows(manager, today)
    open_ids = [item.pk for member in members for item in member.assignments if item.status != rules.COMPLETED]
    return render(
        request,
        "paths/team.html",
        {
            "members": members,
            "reminded": selectors.reminded_today(open_ids, today),
            "open_count": len(open_ids),
            "overdue_count": sum(member.overdue for member in members),
            "today": today,
        },
    )


@login_required
@require_POST
def remind(request, pk: int):
    manager = _manager(request)
    try:
        remind_agent(agent_assignment_id=pk, manager=manager)
    except ReminderRefusedError as refused:
        messages.warning(request, refused.message)
    except Exception:
        logger.exception("Manual reminder of agent assignment %s failed", pk)
        messages.error(request, _("Le rappel n'a pas pu être envoyé. Réessayez dans quelques minutes."))
    else:
        item = AgentAssignment.objects.select_related("agent__user", "path").get(pk=pk)
        messages.success(
            request,
            _("Rappel envoyé à %(name)s pour la formation « %(path)s ».")
            % {"name": item.agent.full_name, "path": item.path.title},
        )
    return redirect("paths:team")
