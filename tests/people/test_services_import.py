"""Importing agents into the database: upsert, managers, services, and nothing written on error."""

import pytest
from django.core import mail

from people.factories import AgentFactory, OrganisationFactory, ServiceFactory, UserFactory
from people.models import Agent, AgentImport, Service, User
from people.services import apply_agent_import, import_agents, preview_agent_import

from .csvdata import csv_bytes, row

pytestmark = pytest.mark.django_db


@pytest.fixture
def organisation():
    return OrganisationFactory(slug="ville", name="Ville")


def run(organisation, *lines, **kwargs):
    kwargs.setdefault("send_invitations", False)
    return import_agents(organisation_id=organisation.pk, data=csv_bytes(*lines), **kwargs)


def test_creates_agents_services_and_counts(organisation):
    """New agents are created with their service tree, and counted."""
    result = run(
        organisation,
        row(),
        row(email="b@example.org", matricule="A002", service="Direction des services techniques / Espaces verts"),
    )
    assert result.ok
    assert (result.created, result.updated, result.unchanged) == (2, 0, 0)
    assert result.services_created == [
        "Direction des services techniques",
        "Direction des services techniques / Espaces verts",
        "Direction des services techniques / Voirie",
    ]
    voirie = Service.objects.get(full_name="Direction des services techniques / Voirie")
    assert voirie.get_parent().name == "Direction des services techniques"
    agent = Agent.objects.select_related("user").get(matricule="A001")
    assert (agent.user.email, agent.service, agent.organisation) == ("anne.durand@example.org", voirie, organisation)
    assert not agent.user.has_usable_password()


def test_manager_defined_later_in_the_file(organisation):
    """A report may come before their manager in the file."""
    result = run(
        organisation,
        row(manager_email="chef@example.org"),
        row(email="chef@example.org", first_name="Paul", matricule="A002"),
    )
    assert result.ok
    agent = Agent.objects.get(matricule="A001")
    assert agent.manager.user.email == "chef@example.org"


def test_manager_may_already_exist(organisation):
    """A manager already in the organisation is found by e-mail."""
    AgentFactory(organisation=organisation, user=UserFactory(email="chef@example.org"), matricule="X1")
    assert run(organisation, row(manager_email="CHEF@example.org")).ok
    assert Agent.objects.get(matricule="A001").manager.matricule == "X1"


def test_unknown_manager_writes_nothing(organisation):
    """An unknown manager is an error of its line and nothing is written."""
    result = run(organisation, row(email="b@example.org", matricule="B1"), row(manager_email="nobody@example.org"))
    assert [(error.line, error.column) for error in result.errors] == [(3, "manager_email")]
    assert Agent.objects.count() == 0
    assert Service.objects.count() == 0
    assert User.objects.count() == 0


def test_manager_of_another_organisation_is_unknown(organisation):
    """A manager from another organisation is not accepted."""
    AgentFactory(user=UserFactory(email="chef@example.org"))
    result = run(organisation, row(manager_email="chef@example.org"))
    assert [error.column for error in result.errors] == ["manager_email"]


def test_reimport_is_unchanged(organisation):
    """Importing the same file twice changes nothing the second time."""
    lines = (row(), row(email="b@example.org", matricule="A002", manager_email="anne.durand@example.org"))
    run(organisation, *lines)
    result = run(organisation, *lines)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 2)


def test_upsert_by_matricule_changes_email_and_service(organisation):
    """An agent found by matricule gets their new e-mail and service."""
    run(organisation, row())
    result = run(organisation, row(email="anne.martin@example.org", last_name="Martin", service="DRH"))
    assert (result.created, result.updated) == (0, 1)
    agent = Agent.objects.select_related("user", "service").get(matricule="A001")
    assert (agent.user.email, agent.user.last_name, agent.service.full_name) == (
        "anne.martin@example.org",
        "Martin",
        "DRH",
    )
    assert User.objects.count() == 1


def test_upsert_by_email_when_matricule_is_new(organisation):
    """An agent without matricule is found by e-mail and receives the matricule."""
    AgentFactory(organisation=organisation, user=UserFactory(email="anne.durand@example.org"), matricule="")
    result = run(organisation, row())
    assert (result.created, result.updated) == (0, 1)
    assert Agent.objects.get().matricule == "A001"


def test_email_of_another_organisation_is_refused(organisation):
    """An address already used by an agent of another organisation is refused, nothing leaks."""
    AgentFactory(user=UserFactory(email="anne.durand@example.org"))
    result = run(organisation, row())
    assert [error.column for error in result.errors] == ["email"]
    assert "autre compte" in str(result.errors[0])
    assert not Agent.objects.filter(organisation=organisation).exists()


def test_existing_user_without_profile_gets_one(organisation):
    """A trainer account without agent profile is attached rather than duplicated."""
    user = UserFactory(email="anne.durand@example.org")
    assert run(organisation, row()).ok
    assert Agent.objects.get().user == user


def test_existing_services_are_reused(organisation):
    """A service already in the tree is not created twice."""
    root = ServiceFactory(organisation=organisation, name="Direction des services techniques")
    ServiceFactory(parent=root, name="Voirie")
    result = run(organisation, row())
    assert result.services_created == []
    assert Service.objects.filter(organisation=organisation).count() == 2


def test_dry_run_writes_nothing(organisation):
    """A dry run counts what would change and leaves the database as it was."""
    result = run(organisation, row(), dry_run=True)
    assert (result.created, result.services_created) == (
        1,
        ["Direction des services techniques", "Direction des services techniques / Voirie"],
    )
    assert not Agent.objects.exists()
    assert not Service.objects.exists()


def test_reimport_reactivates_a_deactivated_agent(organisation):
    """An agent listed again in the file is active again."""
    run(organisation, row())
    Agent.objects.update(is_active=False)
    assert run(organisation, row()).updated == 1
    assert Agent.objects.get().is_active


def test_invitations_are_sent_after_commit(organisation, django_capture_on_commit_callbacks):
    """New agents receive one invitation each, after the transaction commits."""
    with django_capture_on_commit_callbacks(execute=True):
        run(organisation, row(), row(email="b@example.org", matricule="A002"), send_invitations=True)
    assert sorted(message.to[0] for message in mail.outbox) == ["anne.durand@example.org", "b@example.org"]
    assert all("/compte/invitation/" in message.body for message in mail.outbox)


def test_preview_then_apply_is_idempotent(organisation):
    """The web flow: preview writes no agent; applying twice imports once."""
    uploader = UserFactory()
    record = preview_agent_import(
        organisation_id=organisation.pk,
        uploaded_by_id=uploader.pk,
        filename="agents.csv",
        data=csv_bytes(row()),
        send_invitations=False,
    )
    assert record.state == AgentImport.State.PREVIEWED
    assert record.summary["created"] == 1
    assert not Agent.objects.exists()
    first = apply_agent_import(import_id=record.pk, organisation_id=organisation.pk)
    second = apply_agent_import(import_id=record.pk, organisation_id=organisation.pk)
    assert first.ok
    assert first.created == 1
    assert not second.ok
    assert Agent.objects.count() == 1
    record.refresh_from_db()
    assert (record.state, record.content) == (AgentImport.State.APPLIED, "")


def test_apply_refuses_an_import_of_another_organisation(organisation):
    """An import id of another organisation is not found."""
    other = OrganisationFactory()
    record = preview_agent_import(
        organisation_id=other.pk, uploaded_by_id=None, filename="a.csv", data=csv_bytes(row()), send_invitations=False
    )
    with pytest.raises(AgentImport.DoesNotExist):
        apply_agent_import(import_id=record.pk, organisation_id=organisation.pk)
