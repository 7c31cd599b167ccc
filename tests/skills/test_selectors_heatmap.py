"""The service heatmap and its drill-down: roll-up over the service tree, which target applies, how
unassessed agents and the mean level are counted."""

import pytest

from people.factories import AgentFactory, OrganisationFactory, ServiceFactory
from skills import selectors
from skills.factories import CompetenceLevelFactory, TargetFactory, competence

pytestmark = pytest.mark.django_db


@pytest.fixture
def town():
    return OrganisationFactory(slug="town", name="Ville")


@pytest.fixture
def tree(town):
    """Direction générale → Accueil, Voirie; Culture at the top too."""
    direction = ServiceFactory(organisation=town, name="Direction générale")
    return {
        "direction": direction,
        "accueil": ServiceFactory(parent=direction, name="Accueil"),
        "voirie": ServiceFactory(parent=direction, name="Voirie"),
        "culture": ServiceFactory(organisation=town, name="Culture"),
    }


def agent(town, service, job_title="Agent d'accueil", **levels):
    """An active agent with levels given as code=level ("c1_1=4" for competence 1.1)."""
    found = AgentFactory(organisation=town, service=service, job_title=job_title)
    for key, level in levels.items():
        CompetenceLevelFactory(agent=found, competence=competence(key[1:].replace("_", ".")), level=level)
    return found


def cell(heatmap, label, code="1.1"):
    """The figures of one row (by label; "" for the direct row at the top) on one competence."""
    index = [item.code for item in heatmap.competences].index(code)
    (row,) = [row for row in heatmap.rows if row.label == label]
    return row.cells[index]


def test_rows_are_the_top_services_with_sixteen_competences(town, tree):
    """At the top, one row per root service of the organisation, in tree order, over the 16 competences."""
    heatmap = selectors.service_heatmap(organisation_id=town.pk)
    assert [row.label for row in heatmap.rows] == ["Direction générale", "Culture"]
    assert len(heatmap.competences) == 16
    assert heatmap.rows[0].has_children is True
    assert heatmap.rows[1].has_children is False


def test_child_service_agents_are_counted_in_the_parent_row(town, tree):
    """Agents of Accueil and Voirie count in the Direction générale row, with their levels."""
    agent(town, tree["accueil"], c1_1=2)
    agent(town, tree["voirie"], c1_1=4)
    agent(town, tree["culture"], c1_1=6)
    heatmap = selectors.service_heatmap(organisation_id=town.pk)
    direction = cell(heatmap, "Direction générale")
    assert heatmap.rows[0].agents == 2
    assert (direction.agents, direction.assessed, direction.mean_level) == (2, 2, 3.0)
    assert heatmap.total.agents == 3
    assert heatmap.total.cells[0].mean_level == 4.0


def test_drilling_down_shows_children_and_the_agents_attached_directly(town, tree):
    """Under a service: one row per child, plus a "direct" row for the agents of the service itself."""
    agent(town, tree["accueil"], c1_1=2)
    agent(town, tree["direction"], c1_1=5)
    agent(town, tree["culture"], c1_1=8)
    heatmap = selectors.service_heatmap(organisation_id=town.pk, parent=tree["direction"])
    assert [(row.label, row.direct, row.agents) for row in heatmap.rows] == [
        ("Accueil", False, 1),
        ("Voirie", False, 0),
        ("Direction générale", True, 1),
    ]
    assert heatmap.total.agents == 2
    assert heatmap.total.cells[0].mean_level == 3.5


def test_ancestors_of_a_deep_service_are_listed(town, tree):
    """A service two levels down knows its ancestors, for the breadcrumb."""
    guichet = ServiceFactory(parent=tree["accueil"], name="Guichet")
    heatmap = selectors.service_heatmap(organisation_id=town.pk, parent=guichet)
    assert [service.name for service in heatmap.ancestors] == ["Direction générale", "Accueil"]


def test_a_service_target_applies_to_its_sub_services(town, tree):
    """A target set on Direction générale concerns an agent of Accueil below it."""
    TargetFactory(organisation=town, service=tree["direction"], job_title="", competence=competence("1.1"), level=3)
    agent(town, tree["accueil"], c1_1=2)
    agent(town, tree["culture"], c1_1=1)
    heatmap = selectors.service_heatmap(organisation_id=town.pk)
    direction = cell(heatmap, "Direction générale")
    assert (direction.with_target, direction.below_target, direction.share_below) == (1, 1, 1.0)
    culture = cell(heatmap, "Culture")
    assert (culture.with_target, culture.share_below) == (0, None)


def test_the_highest_of_job_and_service_targets_applies(town, tree):
    """Job target 5 and service target 3: an agent at level 4 is below target (5 applies)."""
    TargetFactory(organisation=town, job_title="Agent d'accueil", competence=competence("1.1"), level=5)
    TargetFactory(organisation=town, service=tree["direction"], job_title="", competence=competence("1.1"), level=3)
    agent(town, tree["accueil"], c1_1=4)
    agent(town, tree["accueil"], job_title="Jardinier", c1_1=4)
    heatmap = selectors.service_heatmap(organisation_id=town.pk)
    direction = cell(heatmap, "Direction générale")
    assert (direction.with_target, direction.below_target) == (2, 1)
    targets = {
        item.job_title: item.target
        for item in selectors.cell_agents(organisation_id=town.pk, competence=competence("1.1"))
    }
    assert targets == {"Agent d'accueil": 5, "Jardinier": 3}


def test_unassessed_agents_count_as_below_target(town, tree):
    """An agent with no level on a competence with a target counts as below it."""
    TargetFactory(organisation=town, service=tree["direction"], job_title="", competence=competence("1.1"), level=2)
    agent(town, tree["accueil"], c1_1=3)
    agent(town, tree["voirie"])
    figures = cell(selectors.service_heatmap(organisation_id=town.pk), "Direction générale")
    assert (figures.agents, figures.assessed, figures.with_target, figures.below_target) == (2, 1, 2, 1)
    assert figures.share_below == 0.5


def test_the_mean_level_is_over_assessed_agents_only(town, tree):
    """Two agents, one at level 4 and one not assessed: the mean is 4, not 2."""
    agent(town, tree["accueil"], c1_1=4)
    agent(town, tree["accueil"])
    figures = cell(selectors.service_heatmap(organisation_id=town.pk), "Direction générale")
    assert (figures.agents, figures.assessed, figures.mean_level) == (2, 1, 4.0)
    nobody = cell(selectors.service_heatmap(organisation_id=town.pk), "Direction générale", code="5.2")
    assert nobody.mean_level is None


def test_inactive_agents_and_other_organisations_are_left_out(town, tree):
    """Deactivated agents and agents of another organisation count nowhere."""
    agent(town, tree["accueil"], c1_1=4)
    gone = agent(town, tree["accueil"], c1_1=1)
    gone.is_active = False
    gone.save()
    elsewhere = OrganisationFactory(slug="elsewhere")
    agent(elsewhere, ServiceFactory(organisation=elsewhere, name="Accueil"), c1_1=1)
    heatmap = selectors.service_heatmap(organisation_id=town.pk)
    assert heatmap.total.agents == 1
    assert heatmap.total.cells[0].mean_level == 4.0


def test_agents_without_service_form_a_direct_row_at_the_top(town, tree):
    """At the top, agents with no service are shown in their own row (direct, no service)."""
    agent(town, None, c1_1=2)
    heatmap = selectors.service_heatmap(organisation_id=town.pk)
    (row,) = [row for row in heatmap.rows if row.direct]
    assert (row.service, row.agents) == (None, 1)


def test_cell_agents_lists_the_sub_tree_only(town, tree):
    """The drill-down of Direction générale lists its agents and those below it, not Culture's."""
    first = agent(town, tree["accueil"], c1_1=4)
    second = agent(town, tree["direction"])
    agent(town, tree["culture"], c1_1=4)
    found = selectors.cell_agents(organisation_id=town.pk, competence=competence("1.1"), service=tree["direction"])
    assert {item.agent_id for item in found} == {first.pk, second.pk}
    assert sorted(item.level for item in found if item.level is not None) == [4]
