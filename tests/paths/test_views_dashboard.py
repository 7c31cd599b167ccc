"""HR dashboards: every path, one path by service and category, the drill-down list — HR only, scoped to
their organisation, with flat query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from paths import rules
from people.factories import AgentFactory, HRAgentFactory, OrganisationFactory, ServiceFactory, UserFactory

from .dashboard_data import give, make_assignment, make_path

pytestmark = pytest.mark.django_db


@pytest.fixture
def town():
    return OrganisationFactory(slug="town", name="Ville")


@pytest.fixture
def hr(town, client):
    officer = HRAgentFactory(organisation=town)
    client.force_login(officer.user)
    return officer


@pytest.fixture
def scene(town):
    """A path given to three agents of a two-level tree: one completed, one overdue, one not started."""
    direction = ServiceFactory(organisation=town, name="Direction générale")
    accueil = ServiceFactory(parent=direction, name="Accueil")
    path = make_path(town, title="Cybersécurité au quotidien")
    assignment = make_assignment(path)
    give(
        assignment, AgentFactory(organisation=town, service=direction, user=UserFactory(last_name="Aubry")), "completed"
    )
    give(assignment, AgentFactory(organisation=town, service=accueil, user=UserFactory(last_name="Blanc")), "overdue")
    give(
        assignment, AgentFactory(organisation=town, service=accueil, user=UserFactory(last_name="Carré")), "not_started"
    )
    return {"path": path, "assignment": assignment, "direction": direction, "accueil": accueil}


def grow(town, scene, count: int) -> None:
    """`count` more agents, each in a new sub-service, in every status."""
    statuses = [rules.COMPLETED, rules.IN_PROGRESS, rules.NOT_STARTED, rules.OVERDUE]
    for number in range(count):
        service = ServiceFactory(parent=scene["direction"], name=f"Bureau {number}")
        agent = AgentFactory(organisation=town, service=service, category="ABC"[number % 3])
        give(scene["assignment"], agent, statuses[number % 4])


def queries_for(client, url) -> int:
    """The queries of one request, after a first request has filled the caches."""
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_overview_lists_paths_with_links(client, hr, scene):
    """The overview shows each path's figures with a link to its dashboard and to the exports."""
    response = client.get(reverse("paths:hr_dashboard"))
    assert response.status_code == 200
    (row,) = response.context["rows"]
    assert (row.figures.assigned, row.figures.completed, row.figures.overdue) == (3, 1, 1)
    content = response.content.decode()
    assert reverse("paths:path_dashboard", args=[scene["path"].uuid]) in content
    assert reverse("paths:exports") in content
    assert 'role="img"' in content


def test_overview_without_paths_names_the_next_step(client, hr):
    """With nothing assigned, the page points to the path library."""
    response = client.get(reverse("paths:hr_dashboard"))
    assert "Aucun parcours assigné pour l'instant" in response.content.decode()
    assert reverse("paths:path_list") in response.content.decode()


def test_path_dashboard_shows_tree_categories_and_trend(client, hr, scene):
    """The path page rolls the tree up, splits by category and charts the trend, each with a table."""
    response = client.get(reverse("paths:path_dashboard", args=[scene["path"].uuid]))
    assert response.status_code == 200
    services = [(row.name, row.figures.assigned) for row in response.context["breakdown"].services]
    assert services == [("Direction générale", 3), ("Accueil", 2)]
    content = response.content.decode()
    assert content.count("<svg") == 3
    assert content.count("<table") == 3
    assert reverse("paths:path_agents", args=[scene["path"].uuid]) in content


def test_service_names_are_escaped(client, hr, town, scene):
    """A service named <script> appears as text in the chart and the table."""
    evil = ServiceFactory(organisation=town, name="<script>alert(1)</script>")
    give(scene["assignment"], AgentFactory(organisation=town, service=evil), "overdue")
    content = client.get(reverse("paths:path_dashboard", args=[scene["path"].uuid])).content.decode()
    assert "<script>alert(1)" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content


def test_hr_of_another_organisation_gets_404(client, scene):
    """Another organisation's HR cannot open this path's pages."""
    client.force_login(HRAgentFactory(organisation=OrganisationFactory()).user)
    for name in ("paths:path_dashboard", "paths:path_agents"):
        assert client.get(reverse(name, args=[scene["path"].uuid])).status_code == 404


def test_other_organisation_sees_none_of_our_figures(client, scene):
    """Another organisation's overview does not list our path."""
    client.force_login(HRAgentFactory(organisation=OrganisationFactory()).user)
    assert client.get(reverse("paths:hr_dashboard")).context["rows"] == []


def test_agent_gets_403(client, town, scene):
    """An agent without the HR role is refused every dashboard."""
    client.force_login(AgentFactory(organisation=town).user)
    assert client.get(reverse("paths:hr_dashboard")).status_code == 403
    for name in ("paths:path_dashboard", "paths:path_agents"):
        assert client.get(reverse(name, args=[scene["path"].uuid])).status_code == 403


def test_anonymous_is_sent_to_login(client, scene):
    """Signed-out visitors are sent to the login page."""
    response = client.get(reverse("paths:hr_dashboard"))
    assert response.status_code == 302
    assert reverse("people:login") in response["Location"]


def test_agents_list_filters_by_status_and_service(client, hr, scene):
    """The drill-down filters by status and by service (sub-services included)."""
    url = reverse("paths:path_agents", args=[scene["path"].uuid])
    response = client.get(url, {"statut": "overdue"})
    assert [row.agent.user.last_name for row in response.context["page"]] == ["Blanc"]
    response = client.get(url, {"service": scene["direction"].pk, "tri": "statut"})
    assert [row.agent.user.last_name for row in response.context["page"]] == ["Blanc", "Carré", "Aubry"]
    assert "En retard" in response.content.decode()


def test_agents_list_ignores_tampered_filters(client, hr, scene):
    """Unknown filter values and a foreign service are ignored, not an error; valid filters still apply."""
    foreign = ServiceFactory(name="Ailleurs")
    url = reverse("paths:path_agents", args=[scene["path"].uuid])
    response = client.get(url, {"service": foreign.pk, "statut": "x", "tri": "z", "page": "y" * 20})
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 3
    response = client.get(url, {"service": foreign.pk, "statut": "overdue"})
    assert [row.agent.user.last_name for row in response.context["page"]] == ["Blanc"]


def test_dashboard_query_counts_do_not_grow(client, hr, town, scene):
    """The overview, the path page and the drill-down cost as many queries with 3 agents as with 33."""
    urls = [
        reverse("paths:hr_dashboard"),
        reverse("paths:path_dashboard", args=[scene["path"].uuid]),
        reverse("paths:path_agents", args=[scene["path"].uuid]),
        reverse("paths:path_agents", args=[scene["path"].uuid]) + f"?service={scene['direction'].pk}&statut=overdue",
    ]
    small = [queries_for(client, url) for url in urls]
    grow(town, scene, 30)
    large = [queries_for(client, url) for url in urls]
    assert large == small


def test_navigation_shows_the_dashboard_to_hr_only(client, hr, town):
    """HR see "Suivi des formations" in the header; agents do not."""
    assert reverse("paths:hr_dashboard") in client.get(reverse("paths:hr_dashboard")).content.decode()
    client.force_login(AgentFactory(organisation=town).user)
    response = client.get(reverse("home:dashboard"))
    assert "Suivi des formations" not in response.content.decode()
