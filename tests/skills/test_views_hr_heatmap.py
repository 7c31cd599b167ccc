"""HR heatmap of competences and its drill-down to agents: figures in text, scope to HR's organisation,
flat query count."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from people.factories import AgentFactory, HRAgentFactory, OrganisationFactory, ServiceFactory, UserFactory
from skills.factories import CompetenceLevelFactory, TargetFactory, competence

pytestmark = pytest.mark.django_db

NNBSP = "\u202f"


@pytest.fixture
def town():
    return OrganisationFactory(slug="town", name="Ville")


@pytest.fixture
def hr(town, client):
    officer = HRAgentFactory(organisation=town, service=None)
    client.force_login(officer.user)
    return officer


@pytest.fixture
def scene(town):
    """Direction générale → Accueil (two agents at 2 and 4 on 1.1), Culture (one agent not assessed);
    target 3 on 1.1 for Direction générale."""
    direction = ServiceFactory(organisation=town, name="Direction générale")
    accueil = ServiceFactory(parent=direction, name="Accueil")
    culture = ServiceFactory(organisation=town, name="Culture")
    low = AgentFactory(organisation=town, service=accueil, user=UserFactory(last_name="Bas", first_name="Léa"))
    high = AgentFactory(organisation=town, service=accueil, user=UserFactory(last_name="Haut", first_name="Marc"))
    CompetenceLevelFactory(agent=low, competence=competence("1.1"), level=2)
    CompetenceLevelFactory(agent=high, competence=competence("1.1"), level=4)
    AgentFactory(organisation=town, service=culture, user=UserFactory(last_name="Zola"))
    TargetFactory(organisation=town, service=direction, job_title="", competence=competence("1.1"), level=3)
    return {"direction": direction, "accueil": accueil, "culture": culture, "low": low, "high": high}


def cell_url(**query) -> str:
    return reverse("skills:cell") + "?" + "&".join(f"{key}={value}" for key, value in query.items())


# --- the heatmap ----------------------------------------------------------------------------------


def test_hr_sees_the_heatmap_with_figures_in_text(client, hr, scene):
    """Each service row shows its agents, the mean level and the share below target, in words."""
    response = client.get(reverse("skills:heatmap"))
    assert response.status_code == 200
    labels = [(row.label, row.row.agents) for row in response.context["rows"]]
    assert labels == [("Direction générale", 2), ("Culture", 1), ("Agents sans service", 1)]
    content = response.content.decode()
    assert "3,0" in content
    assert f"50{NNBSP}% sous la cible" in content
    assert "Niveau moyen des agents évalués et part des agents sous le niveau attendu" in content
    assert '<abbr title="Mener une recherche et une veille d&#x27;information">1.1</abbr>' in content


def test_cells_are_tinted_by_share_below_target_and_link_to_the_detail(client, hr, scene):
    """A cell half below target gets heat-2 and links to the drill-down of its service and competence."""
    response = client.get(reverse("skills:heatmap"))
    first = response.context["rows"][0].cells[0]
    assert (first.competence.code, first.percent_below, first.heat) == ("1.1", 50, "heat-2")
    assert first.url == cell_url(competence=competence("1.1").pk, service=scene["direction"].pk)
    assert response.context["rows"][0].cells[1].heat == "heat-none"
    content = response.content.decode()
    assert 'class="heat heat-2"' in content
    assert first.url.replace("&", "&amp;") in content


def test_the_totals_row_covers_the_organisation(client, hr, scene):
    """The totals row counts every active agent: 3 agents (with the HR officer, 4), mean 3.0."""
    total = client.get(reverse("skills:heatmap")).context["total"]
    assert total.row.agents == 4
    assert total.label == "Toute l'organisation"
    assert total.cells[0].figures.mean_level == 3.0


def test_a_service_with_children_links_to_its_drill_down(client, hr, scene):
    """Direction générale has a sub-service: its name links to the heatmap of its children."""
    response = client.get(reverse("skills:heatmap"))
    url = f"{reverse('skills:heatmap')}?service={scene['direction'].pk}"
    assert response.context["rows"][0].url == url
    assert response.context["rows"][1].url == ""
    assert f'href="{url}"' in response.content.decode()


def test_drilling_into_a_service_shows_its_children_and_breadcrumb(client, hr, scene):
    """Under Direction générale: Accueil's row, and a breadcrumb back to the whole map."""
    response = client.get(reverse("skills:heatmap"), {"service": scene["direction"].pk})
    assert response.status_code == 200
    assert [row.label for row in response.context["rows"]] == ["Accueil"]
    assert response.context["breadcrumb"][0] == (reverse("skills:heatmap"), "Carte des compétences")
    assert response.context["breadcrumb"][-1] == ("", "Direction générale")


def test_agents_attached_directly_get_their_own_row(client, hr, scene):
    """Agents of Direction générale itself appear as "Agents rattachés directement à …", unlinked."""
    AgentFactory(organisation=hr.organisation, service=scene["direction"])
    response = client.get(reverse("skills:heatmap"), {"service": scene["direction"].pk})
    direct = response.context["rows"][-1]
    assert direct.label == "Agents rattachés directement à Direction générale"
    assert direct.row.agents == 1
    assert all(cell.url == "" for cell in direct.cells)


def test_a_service_of_another_organisation_gives_404(client, hr, scene):
    """HR cannot drill into another organisation's service, nor pass a malformed id."""
    elsewhere = ServiceFactory(organisation=OrganisationFactory(slug="elsewhere"), name="Ailleurs")
    assert client.get(reverse("skills:heatmap"), {"service": elsewhere.pk}).status_code == 404
    assert client.get(reverse("skills:heatmap"), {"service": "abc"}).status_code == 404


def test_an_agent_without_hr_role_gets_403(client, town, scene):
    """A plain agent may not see the heatmap nor its drill-down."""
    client.force_login(scene["low"].user)
    assert client.get(reverse("skills:heatmap")).status_code == 403
    assert client.get(cell_url(competence=competence("1.1").pk)).status_code == 403


def test_anonymous_is_sent_to_login(client, scene):
    """Signed-out visitors are sent to the login page."""
    for url in (reverse("skills:heatmap"), cell_url(competence=competence("1.1").pk)):
        response = client.get(url)
        assert response.status_code == 302
        assert reverse("people:login") in response["Location"]


def test_an_empty_service_says_so(client, hr, town):
    """A service with no active agent shows an empty state instead of a table."""
    empty = ServiceFactory(organisation=town, name="Vide")
    response = client.get(reverse("skills:heatmap"), {"service": empty.pk})
    assert "Aucun agent actif dans ce service" in response.content.decode()


def populate(town, services: int, agents: int, first: int = 0) -> None:
    """`services` top services (numbered from `first`) each with a sub-service, `agents` agents spread
    over them with levels."""
    leaves = []
    for number in range(first, first + services):
        top = ServiceFactory(organisation=town, name=f"Direction {number}")
        leaves.append(ServiceFactory(parent=top, name=f"Bureau {number}"))
        TargetFactory(organisation=town, service=top, job_title="", competence=competence("2.2"), level=4)
    for number in range(agents):
        member = AgentFactory(organisation=town, service=leaves[number % services], job_title=f"Métier {number % 4}")
        CompetenceLevelFactory(agent=member, competence=competence("2.2"), level=number % 9)
        CompetenceLevelFactory(agent=member, competence=competence("4.1"), level=(number + 3) % 9)


def queries_for(client, url) -> int:
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_heatmap_query_count_does_not_grow_with_agents(client, town, hr):
    """5 agents in 2 services or 40 agents in 8 services: the same number of queries."""
    populate(town, services=2, agents=5)
    small = queries_for(client, reverse("skills:heatmap"))
    populate(town, services=6, agents=35, first=2)
    large = queries_for(client, reverse("skills:heatmap"))
    assert large == small


# --- the drill-down -------------------------------------------------------------------------------


def test_the_detail_lists_the_sub_tree_with_counts(client, hr, scene):
    """Direction générale on 1.1: its two agents, both assessed, one below target."""
    response = client.get(cell_url(competence=competence("1.1").pk, service=scene["direction"].pk))
    assert response.status_code == 200
    assert response.context["counts"] == {"agents": 2, "assessed": 2, "below": 1}
    names = [item.name for item, _standing in response.context["rows"]]
    assert names == ["Léa Bas", "Marc Haut"]
    content = response.content.decode()
    assert "Sous la cible" in content
    assert "Atteint" in content
    assert "2 — Novice" in content
    assert "3 — Indépendant" in content
    assert reverse("skills:agent", args=[scene["low"].pk]) in content


def test_the_detail_of_the_whole_organisation_says_not_assessed_and_no_target(client, hr, scene):
    """Without a service: every agent; Culture's agent is "Non évalué" with "Pas de cible"."""
    response = client.get(cell_url(competence=competence("1.1").pk))
    assert response.context["counts"]["agents"] == 4
    standing = {item.name.split()[-1]: standing for item, standing in response.context["rows"]}
    assert (standing["Zola"].level_text, standing["Zola"].status, standing["Zola"].target_text) == (
        "Non évalué",
        "Pas de cible",
        "—",
    )


def test_the_below_target_filter_keeps_only_agents_below(client, hr, scene):
    """With sous_cible=1 only Léa Bas is listed; the counts stay those of the whole cell."""
    url = cell_url(competence=competence("1.1").pk, service=scene["direction"].pk, sous_cible=1)
    response = client.get(url)
    assert [item.name for item, _standing in response.context["rows"]] == ["Léa Bas"]
    assert response.context["counts"]["below"] == 1
    assert "checked" in response.content.decode()


def test_unassessed_agents_count_below_target_in_the_detail(client, hr, scene):
    """An agent of Accueil with no level on 1.1 counts as below target."""
    AgentFactory(organisation=hr.organisation, service=scene["accueil"])
    response = client.get(cell_url(competence=competence("1.1").pk, service=scene["accueil"].pk))
    assert response.context["counts"] == {"agents": 3, "assessed": 2, "below": 2}


def test_the_detail_offers_to_assign_training_to_agents_below(client, hr, scene):
    """The main button names the number of agents below target and links to the gap assignment."""
    AgentFactory(organisation=hr.organisation, service=scene["accueil"])
    response = client.get(cell_url(competence=competence("1.1").pk, service=scene["direction"].pk))
    content = response.content.decode()
    assert "Assigner une formation aux 2 agents sous la cible" in content
    expected = f"{reverse('paths:gap_assign')}?competence={competence('1.1').pk}&amp;service={scene['direction'].pk}"
    assert expected in content


def test_no_assign_button_when_nobody_is_below(client, hr, scene):
    """Without agents below target there is nothing to assign."""
    response = client.get(cell_url(competence=competence("1.1").pk, service=scene["culture"].pk))
    assert response.context["counts"]["below"] == 0
    assert reverse("paths:gap_assign") not in response.content.decode()


def test_the_detail_is_paginated_by_fifty(client, hr, town):
    """51 agents: 50 on the first page, one on the second."""
    service = ServiceFactory(organisation=town, name="Grand service")
    for _number in range(51):
        AgentFactory(organisation=town, service=service)
    url = cell_url(competence=competence("1.1").pk, service=service.pk)
    first = client.get(url)
    assert len(first.context["rows"]) == 50
    assert "page=2" in first.content.decode()
    assert len(client.get(url + "&page=2").context["rows"]) == 1


def test_the_detail_refuses_unknown_competences_and_other_services(client, hr, scene):
    """An unknown or missing competence, or another organisation's service, gives 404."""
    elsewhere = ServiceFactory(organisation=OrganisationFactory(slug="elsewhere"), name="Ailleurs")
    assert client.get(cell_url(competence=999999)).status_code == 404
    assert client.get(reverse("skills:cell")).status_code == 404
    assert client.get(cell_url(competence=competence("1.1").pk, service=elsewhere.pk)).status_code == 404
