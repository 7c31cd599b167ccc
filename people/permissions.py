"""Who may see or do what with people data. Every view and export filters personal data through here.

Scopes:
- an instance administrator (superuser) sees every organisation;
- HR sees the agents and services of their own organisation, nothing else;
- a manager sees themselves and their direct and indirect reports;
- an agent sees themselves.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from .models import Agent, Organisation, Service
from .roles import GROUP_ROLES, STAFF_ROLES, Role

MAX_HIERARCHY_DEPTH = 20


def agent_of(user) -> Agent | None:
    """The agent profile of a user, or None (anonymous users and accounts without a profile)."""
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.agent
    except Agent.DoesNotExist:
        return None


def roles_of(user) -> frozenset[str]:
    """Every role a user holds, computed once per user object."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_capnum_roles", None)
    if cached is not None:
        return cached
    roles: set[str] = set()
    agent = agent_of(user)
    if agent is not None and agent.is_active:
        roles.add(Role.AGENT)
        if agent.reports.filter(is_active=True).exists():
            roles.add(Role.MANAGER)
    for name in user.groups.values_list("name", flat=True):
        if name in GROUP_ROLES:
            roles.add(GROUP_ROLES[name])
    if Role.HR in roles and agent is None:
        roles.discard(Role.HR)  # HR without an organisation would have no scope
    if user.is_superuser:
        roles.add(Role.ADMINISTRATOR)
    user._capnum_roles = frozenset(roles)
    return user._capnum_roles


def is_administrator(user) -> bool:
    return Role.ADMINISTRATOR in roles_of(user)


def is_hr(user) -> bool:
    return Role.HR in roles_of(user) or is_administrator(user)


def is_manager(user) -> bool:
    return Role.MANAGER in roles_of(user)


def is_trainer(user) -> bool:
    return bool(roles_of(user) & {Role.TRAINER, Role.REVIEWER, Role.ADMINISTRATOR})


def is_staff_role(user) -> bool:
    return bool(roles_of(user) & STAFF_ROLES)


def hr_organisations(user) -> QuerySet[Organisation]:
    """The organisations whose people data this user administers as HR."""
    if is_administrator(user):
        return Organisation.objects.all()
    if Role.HR in roles_of(user):
        return Organisation.objects.filter(pk=agent_of(user).organisation_id)
    return Organisation.objects.none()


def report_ids(agent: Agent) -> set[int]:
    """Ids of an agent's direct and indirect reports (one query per level of hierarchy)."""
    found: set[int] = set()
    frontier = {agent.pk}
    for _level in range(MAX_HIERARCHY_DEPTH):
        frontier = set(
            Agent.objects.filter(manager_id__in=frontier, organisation_id=agent.organisation_id)
            .exclude(pk__in=found | {agent.pk})
            .values_list("pk", flat=True)
        )
        if not frontier:
            break
        found |= frontier
    return found


def visible_agents(user) -> QuerySet[Agent]:
    """Every agent whose personal data this user may see."""
    if is_administrator(user):
        return Agent.objects.all()
    agent = agent_of(user)
    if agent is None:
        return Agent.objects.none()
    if Role.HR in roles_of(user):
        return Agent.objects.filter(organisation_id=agent.organisation_id)
    if Role.MANAGER in roles_of(user):
        return Agent.objects.filter(pk__in=report_ids(agent) | {agent.pk})
    return Agent.objects.filter(pk=agent.pk)


def team_agents(user) -> QuerySet[Agent]:
    """A manager's direct and indirect reports (empty for anyone else)."""
    agent = agent_of(user)
    if agent is None:
        return Agent.objects.none()
    return Agent.objects.filter(pk__in=report_ids(agent))


def can_view_agent(user, agent: Agent) -> bool:
    return visible_agents(user).filter(pk=agent.pk).exists()


def can_manage_agents(user, organisation_id: int) -> bool:
    """May this user import, edit or deactivate agents of this organisation?"""
    return hr_organisations(user).filter(pk=organisation_id).exists()


def visible_services(user) -> QuerySet[Service]:
    if is_administrator(user):
        return Service.objects.all()
    agent = agent_of(user)
    if agent is None:
        return Service.objects.none()
    if Role.HR in roles_of(user) or Role.MANAGER in roles_of(user):
        return Service.objects.filter(organisation_id=agent.organisation_id)
    return Service.objects.filter(pk=agent.service_id) if agent.service_id else Service.objects.none()


def trained_agents(user) -> QuerySet[Agent]:
    """The agents whose learning records a trainer may read and grade: their own organisation's
    (every organisation for the instance administrator)."""
    if is_administrator(user):
        return Agent.objects.all()
    agent = agent_of(user)
    if agent is None or not is_trainer(user):
        return Agent.objects.none()
    return Agent.objects.filter(organisation_id=agent.organisation_id)


def hr_organisation_id(request) -> int:
    """The organisation an HR user works on in a request: their own; the instance administrator may
    choose one with `?organisation=` (else their own, else the first). 403 for anyone not HR."""
    user = request.user
    if not is_hr(user):
        raise PermissionDenied
    agent = agent_of(user)
    if agent is not None and not is_administrator(user):
        return agent.organisation_id
    organisations = hr_organisations(user)
    chosen = request.GET.get("organisation") or request.POST.get("organisation")
    if chosen and chosen.isdigit() and organisations.filter(pk=chosen).exists():
        return int(chosen)
    if agent is not None:
        return agent.organisation_id
    first = organisations.order_by("name").first()
    if first is None:
        raise Http404
    return first.pk
