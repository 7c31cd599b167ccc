"""Who sees which agents: organisations never see each other, managers see their team."""

import pytest

from people import permissions
from people.factories import AgentFactory, HRAgentFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_organisations():
    town = OrganisationFactory(slug="town")
    epci = OrganisationFactory(slug="epci")
    return town, epci


def test_hr_sees_only_their_organisation(two_organisations):
    """HR of one organisation lists its agents and none of the other."""
    town, epci = two_organisations
    hr = HRAgentFactory(organisation=town)
    colleague = AgentFactory(organisation=town)
    outsider = AgentFactory(organisation=epci)
    visible = set(permissions.visible_agents(hr.user))
    assert visible == {hr, colleague}
    assert not permissions.can_view_agent(hr.user, outsider)
    assert not permissions.can_manage_agents(hr.user, epci.pk)
    assert list(permissions.hr_organisations(hr.user)) == [town]


def test_manager_sees_direct_and_indirect_reports():
    """A manager sees their reports and their reports' reports, not their peers."""
    head = AgentFactory()
    middle = AgentFactory(organisation=head.organisation, manager=head)
    bottom = AgentFactory(organisation=head.organisation, manager=middle)
    peer = AgentFactory(organisation=head.organisation)
    assert permissions.is_manager(head.user)
    assert set(permissions.visible_agents(head.user)) == {head, middle, bottom}
    assert set(permissions.team_agents(head.user)) == {middle, bottom}
    assert not permissions.can_view_agent(head.user, peer)


def test_agent_sees_only_themselves():
    """An agent without reports sees their own record only."""
    agent = AgentFactory()
    other = AgentFactory(organisation=agent.organisation)
    assert list(permissions.visible_agents(agent.user)) == [agent]
    assert not permissions.can_view_agent(agent.user, other)
    assert not permissions.is_hr(agent.user)


def test_hr_group_without_profile_has_no_scope():
    """A user in the HR group but without organisation sees nobody."""
    from django.contrib.auth.models import Group

    user = UserFactory()
    user.groups.add(Group.objects.get(name="RH"))
    AgentFactory()
    assert not permissions.is_hr(user)
    assert permissions.visible_agents(user).count() == 0


def test_administrator_sees_every_organisation(two_organisations):
    """The instance administrator (superuser) sees all organisations."""
    town, epci = two_organisations
    admin = UserFactory(is_superuser=True)
    AgentFactory(organisation=town)
    AgentFactory(organisation=epci)
    assert permissions.visible_agents(admin).count() == 2
    assert permissions.hr_organisations(admin).count() == 2


def test_manager_loop_does_not_hang():
    """A reporting loop in bad data (A manages B manages A) terminates."""
    first = AgentFactory()
    second = AgentFactory(organisation=first.organisation, manager=first)
    first.manager = second
    first.save()
    assert permissions.report_ids(first) == {second.pk}


def test_trainer_reads_learning_records_of_their_organisation_only(two_organisations):
    """A trainer's scope is their own organisation; an agent without trainer role has none."""
    from people.factories import TrainerAgentFactory

    town, epci = two_organisations
    trainer = TrainerAgentFactory(organisation=town)
    colleague = AgentFactory(organisation=town)
    AgentFactory(organisation=epci)
    assert set(permissions.trained_agents(trainer.user)) == {trainer, colleague}
    assert not permissions.trained_agents(colleague.user).exists()


def test_hr_organisation_of_a_request_is_their_own_and_refused_to_others(two_organisations, rf):
    """HR work on their own organisation whatever `?organisation=` says; anyone else gets 403."""
    from django.core.exceptions import PermissionDenied

    town, epci = two_organisations
    hr = HRAgentFactory(organisation=town)
    request = rf.get("/", {"organisation": epci.pk})
    request.user = hr.user
    assert permissions.hr_organisation_id(request) == town.pk
    request.user = AgentFactory(organisation=town).user
    with pytest.raises(PermissionDenied):
        permissions.hr_organisation_id(request)
