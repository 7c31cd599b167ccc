"""HR pages: list, search, open, deactivate and import agents — scoped to HR's organisation."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from people.factories import AgentFactory, HRAgentFactory, OrganisationFactory, ServiceFactory, UserFactory
from people.models import Agent, AgentImport

from .csvdata import csv_bytes, row

pytestmark = pytest.mark.django_db


@pytest.fixture
def town():
    return OrganisationFactory(slug="town", name="Ville")


@pytest.fixture
def hr(town, client):
    officer = HRAgentFactory(organisation=town)
    client.force_login(officer.user)
    return officer


def test_list_shows_own_organisation_only(client, hr, town):
    """The agent list never shows another organisation's agents."""
    mine = AgentFactory(organisation=town, user=UserFactory(last_name="Dupont"))
    theirs = AgentFactory(user=UserFactory(last_name="Etranger"))
    response = client.get(reverse("people:agent_list"))
    assert response.status_code == 200
    agents = list(response.context["page"])
    assert mine in agents
    assert theirs not in agents


def test_search_by_name_and_service_subtree(client, hr, town):
    """Searching by name and by a direction finds agents of its sub-services."""
    direction = ServiceFactory(organisation=town, name="DST")
    voirie = ServiceFactory(parent=direction, name="Voirie")
    target = AgentFactory(organisation=town, service=voirie, user=UserFactory(last_name="Lefèvre"))
    AgentFactory(organisation=town, user=UserFactory(last_name="Lefèvre"))
    response = client.get(reverse("people:agent_list"), {"q": "lefèvre", "service": direction.pk})
    assert list(response.context["page"]) == [target]


def test_malformed_filters_are_ignored(client, hr):
    """Unknown filter values give a normal page, not an error."""
    response = client.get(reverse("people:agent_list"), {"service": "abc", "category": "Z", "page": "x" * 50})
    assert response.status_code == 200


def test_list_query_count_is_flat(client, hr, town, django_assert_max_num_queries):
    """Listing 5 or 40 agents costs the same number of queries."""
    AgentFactory.create_batch(5, organisation=town)
    with django_assert_max_num_queries(15) as small:
        client.get(reverse("people:agent_list"))
    AgentFactory.create_batch(35, organisation=town, manager=hr)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("people:agent_list"))


def test_detail_of_another_organisation_is_404(client, hr):
    """Opening an agent of another organisation by id gives 404."""
    outsider = AgentFactory()
    assert client.get(reverse("people:agent_detail", args=[outsider.pk])).status_code == 404


def test_deactivate_agent(client, hr, town):
    """HR deactivates an agent: the account can no longer log in."""
    agent = AgentFactory(organisation=town)
    response = client.post(reverse("people:agent_set_active", args=[agent.pk]), {"active": "0"})
    assert response.status_code == 302
    agent.refresh_from_db()
    agent.user.refresh_from_db()
    assert not agent.is_active
    assert not agent.user.is_active


def test_cannot_deactivate_agent_of_another_organisation(client, hr):
    """A POST on another organisation's agent is 404 and changes nothing."""
    outsider = AgentFactory()
    response = client.post(reverse("people:agent_set_active", args=[outsider.pk]), {"active": "0"})
    assert response.status_code == 404
    outsider.refresh_from_db()
    assert outsider.is_active


def test_agent_cannot_open_hr_pages(client, town):
    """A plain agent gets 403 on HR pages."""
    agent = AgentFactory(organisation=town)
    client.force_login(agent.user)
    assert client.get(reverse("people:agent_list")).status_code == 403
    assert client.get(reverse("people:agent_import")).status_code == 403


def test_manager_opens_report_but_not_hr_list(client, town):
    """A manager may open a report's record but not the HR list."""
    head = AgentFactory(organisation=town)
    report = AgentFactory(organisation=town, manager=head)
    client.force_login(head.user)
    assert client.get(reverse("people:agent_detail", args=[report.pk])).status_code == 200
    assert client.post(reverse("people:agent_set_active", args=[report.pk]), {"active": "0"}).status_code == 404
    assert client.get(reverse("people:agent_list")).status_code == 403


def test_anonymous_is_sent_to_login(client):
    """Anonymous visitors are redirected to the login page and come back."""
    response = client.get(reverse("people:agent_list"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("people:login") + "?next=")


def test_import_preview_then_confirm(client, hr, town):
    """Upload shows a preview without writing; confirming imports."""
    upload = SimpleUploadedFile("agents.csv", csv_bytes(row()), content_type="text/csv")
    response = client.post(reverse("people:agent_import"), {"file": upload, "send_invitations": ""})
    record = AgentImport.objects.get()
    assert response.url == reverse("people:agent_import_preview", args=[record.pk])
    preview = client.get(response.url)
    assert "Étape 2 sur 2" in preview.content.decode()
    assert not Agent.objects.filter(matricule="A001").exists()
    client.post(response.url)
    assert Agent.objects.get(matricule="A001").organisation == town


def test_import_with_errors_shows_them_and_writes_nothing(client, hr):
    """A file with a bad date shows the error with its line; nothing is written."""
    upload = SimpleUploadedFile("agents.csv", csv_bytes(row(hire_date="2024-13-45")))
    response = client.post(reverse("people:agent_import"), {"file": upload}, follow=True)
    content = response.content.decode()
    assert "Ligne 2, colonne « hire_date »" in content
    assert "Confirmer l'import" not in content
    assert not Agent.objects.filter(matricule="A001").exists()
    record = AgentImport.objects.get()
    assert client.post(reverse("people:agent_import_preview", args=[record.pk])).status_code == 302
    assert not Agent.objects.filter(matricule="A001").exists()


def test_import_refuses_empty_upload(client, hr):
    """An empty upload is refused at the form, in French."""
    upload = SimpleUploadedFile("agents.csv", b"")
    response = client.post(reverse("people:agent_import"), {"file": upload})
    assert response.status_code == 200
    assert "vide" in response.content.decode()


def test_import_preview_of_another_organisation_is_404(client, hr):
    """HR cannot open or confirm another organisation's import."""
    other = OrganisationFactory()
    record = AgentImport.objects.create(organisation=other, filename="x.csv", content="x")
    url = reverse("people:agent_import_preview", args=[record.pk])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
