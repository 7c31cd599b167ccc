"""The directory of référents (`skills.selectors.champions`) and HR's map of référents per service
(`skills.selectors.champion_map`)."""

import pytest

from people.factories import AgentFactory, OrganisationFactory, ServiceFactory
from skills import selectors
from skills.factories import ChampionFactory, CompetenceLevelFactory, competence
from skills.models import CompetenceLevel

pytestmark = pytest.mark.django_db


@pytest.fixture
def town():
    return OrganisationFactory(slug="town", name="Ville")


@pytest.fixture
def other_town():
    return OrganisationFactory(slug="other", name="Autre ville")


@pytest.fixture
def tree(town):
    """Services techniques → Voirie; Culture (no sub-service)."""
    techniques = ServiceFactory(organisation=town, name="Services techniques")
    voirie = ServiceFactory(parent=techniques, name="Voirie")
    culture = ServiceFactory(organisation=town, name="Culture")
    techniques.refresh_from_db()
    return {"techniques": techniques, "voirie": voirie, "culture": culture}


def make_champion(organisation, *, code="4.1", level=6, service=None, first="Claire", last="Martin", job="", **extra):
    agent = AgentFactory(
        organisation=organisation,
        service=service,
        user__first_name=first,
        user__last_name=last,
        job_title=job or "Agent d'accueil",
        **extra,
    )
    CompetenceLevelFactory(agent=agent, competence=competence(code), level=level)
    return ChampionFactory(agent=agent, competence=competence(code))


def names(found) -> list[str]:
    return [champion.agent.user.last_name for champion in found]


# --- the directory --------------------------------------------------------------------------------


def test_champion_of_the_organisation_is_listed(town):
    """A référent at level 6 of the organisation is in its directory."""
    champion = make_champion(town)

    assert list(selectors.champions(organisation_id=town.pk)) == [champion]


def test_champion_of_another_organisation_never_appears(town, other_town):
    """The directory of one organisation never shows another's référents."""
    make_champion(other_town, last="Ailleurs")
    make_champion(town, last="Ici")

    assert names(selectors.champions(organisation_id=town.pk)) == ["Ici"]


def test_inactive_agent_is_hidden(town):
    """A référent whose agent profile was deactivated disappears from the directory."""
    make_champion(town, is_active=False)

    assert not selectors.champions(organisation_id=town.pk).exists()


def test_level_dropped_below_five_hides_the_champion(town):
    """A référent whose level fell to 3 (a new positioning test) is no longer listed."""
    champion = make_champion(town, level=6)
    CompetenceLevel.objects.filter(agent=champion.agent).update(level=3)

    assert not selectors.champions(organisation_id=town.pk).exists()


def test_level_expired_hides_the_champion(town):
    """A référent whose level row was dropped (all evidence expired) is no longer listed."""
    champion = make_champion(town)
    CompetenceLevel.objects.filter(agent=champion.agent).delete()

    assert not selectors.champions(organisation_id=town.pk).exists()


def test_level_on_another_competence_does_not_keep_the_champion(town):
    """Level 8 on 1.1 does not keep a référent on 4.1 whose 4.1 level fell."""
    champion = make_champion(town, code="4.1")
    CompetenceLevelFactory(agent=champion.agent, competence=competence("1.1"), level=8)
    CompetenceLevel.objects.filter(agent=champion.agent, competence=competence("4.1")).update(level=2)

    assert not selectors.champions(organisation_id=town.pk).exists()


def test_one_row_per_champion_even_with_many_levels(town):
    """An agent with levels on several competences is listed once per competence they champion."""
    champion = make_champion(town, code="4.1")
    for code in ("1.1", "2.1", "3.1"):
        CompetenceLevelFactory(agent=champion.agent, competence=competence(code), level=7)

    assert list(selectors.champions(organisation_id=town.pk)) == [champion]


def test_search_by_name(town):
    """Words of the query match first or last names, case-insensitively."""
    make_champion(town, first="Claire", last="Martin")
    make_champion(town, first="Hugo", last="Bernard")

    assert names(selectors.champions(organisation_id=town.pk, query="claire")) == ["Martin"]
    assert names(selectors.champions(organisation_id=town.pk, query="BERN")) == ["Bernard"]


def test_search_by_service_name(town, tree):
    """A word of the service's full name finds its référents, including in sub-services."""
    make_champion(town, last="Routes", service=tree["voirie"])
    make_champion(town, last="Livres", service=tree["culture"])

    assert names(selectors.champions(organisation_id=town.pk, query="techniques")) == ["Routes"]


def test_search_by_job_title(town):
    """A word of the job title finds the référent."""
    make_champion(town, last="Durand", job="Chargée de communication")
    make_champion(town, last="Petit", job="Technicien voirie")

    assert names(selectors.champions(organisation_id=town.pk, query="communication")) == ["Durand"]


def test_every_word_must_match(town):
    """Several words narrow the search: each must match somewhere."""
    make_champion(town, first="Claire", last="Martin", job="Technicien voirie")
    make_champion(town, first="Claire", last="Petit", job="Agent d'accueil")

    assert names(selectors.champions(organisation_id=town.pk, query="claire voirie")) == ["Martin"]


def test_filter_by_competence(town):
    """Only the référents of the chosen competence are listed."""
    make_champion(town, code="4.1", last="Securite")
    make_champion(town, code="1.1", last="Recherche")

    found = selectors.champions(organisation_id=town.pk, competence_id=competence("1.1").pk)

    assert names(found) == ["Recherche"]


def test_filter_by_service_includes_its_sub_services(town, tree):
    """Filtering on a service lists its référents and those of the services below it."""
    make_champion(town, last="Direction", service=tree["techniques"])
    make_champion(town, last="Routes", service=tree["voirie"])
    make_champion(town, last="Livres", service=tree["culture"])

    assert sorted(names(selectors.champions(organisation_id=town.pk, service=tree["techniques"]))) == [
        "Direction",
        "Routes",
    ]
    assert names(selectors.champions(organisation_id=town.pk, service=tree["voirie"])) == ["Routes"]


def test_ordered_by_competence_then_name(town):
    """The directory reads competence by competence, then alphabetically."""
    make_champion(town, code="4.1", last="Bernard")
    make_champion(town, code="1.1", last="Zola")
    make_champion(town, code="4.1", last="Adam")

    assert names(selectors.champions(organisation_id=town.pk)) == ["Zola", "Adam", "Bernard"]


# --- the HR map -----------------------------------------------------------------------------------


def rows_by_name(organisation_id):
    competences, rows = selectors.champion_map(organisation_id=organisation_id)
    return competences, {row.service.name: row for row in rows}


def test_map_lists_services_in_tree_order(town, tree):
    """Every service of the organisation, parents before their children."""
    _competences, rows = selectors.champion_map(organisation_id=town.pk)

    assert [(row.service.name, row.depth) for row in rows] == [
        ("Services techniques", 1),
        ("Voirie", 2),
        ("Culture", 1),
    ]


def test_map_rolls_up_sub_service_champions_into_the_parent(town, tree):
    """A référent of Voirie counts for Voirie and for Services techniques above it."""
    make_champion(town, code="4.1", service=tree["voirie"])
    make_champion(town, code="1.1", service=tree["techniques"])

    competences, rows = rows_by_name(town.pk)
    position = {competence.code: index for index, competence in enumerate(competences)}

    assert rows["Voirie"].champions == 1
    assert rows["Services techniques"].champions == 2
    assert rows["Services techniques"].competences[position["4.1"]] == 1
    assert rows["Services techniques"].competences[position["1.1"]] == 1
    assert rows["Voirie"].competences[position["1.1"]] == 0


def test_map_counts_a_person_once_across_competences(town, tree):
    """An agent who champions two competences is one référent, counted in each competence column."""
    champion = make_champion(town, code="4.1", service=tree["culture"])
    CompetenceLevelFactory(agent=champion.agent, competence=competence("1.1"), level=5)
    ChampionFactory(agent=champion.agent, competence=competence("1.1"))

    _competences, rows = rows_by_name(town.pk)

    assert rows["Culture"].champions == 1
    assert sum(rows["Culture"].competences) == 2


def test_map_flags_services_without_champion(town, tree):
    """Services with no référent in their sub-tree are flagged; a parent with a référent below is not."""
    make_champion(town, service=tree["voirie"])

    _competences, rows = rows_by_name(town.pk)

    assert rows["Culture"].has_none
    assert not rows["Voirie"].has_none
    assert not rows["Services techniques"].has_none


def test_map_counts_active_agents_over_the_sub_tree(town, tree):
    """Active agents of a sub-service count for the parent; deactivated agents do not count."""
    AgentFactory(organisation=town, service=tree["voirie"])
    AgentFactory(organisation=town, service=tree["techniques"])
    AgentFactory(organisation=town, service=tree["voirie"], is_active=False)

    _competences, rows = rows_by_name(town.pk)

    assert rows["Voirie"].agents == 1
    assert rows["Services techniques"].agents == 2
    assert rows["Culture"].agents == 0


def test_map_ignores_fallen_and_inactive_champions(town, tree):
    """A référent whose level fell, or who was deactivated, leaves the service without référent."""
    fallen = make_champion(town, service=tree["culture"])
    CompetenceLevel.objects.filter(agent=fallen.agent).update(level=4)
    make_champion(town, service=tree["voirie"], is_active=False)

    _competences, rows = rows_by_name(town.pk)

    assert all(row.has_none for row in rows.values())


def test_map_never_counts_another_organisation(town, other_town, tree):
    """Services and référents of another organisation stay out of the map."""
    elsewhere = ServiceFactory(organisation=other_town, name="Ailleurs")
    make_champion(other_town, service=elsewhere)

    _competences, rows = rows_by_name(town.pk)

    assert "Ailleurs" not in rows
    assert all(row.has_none for row in rows.values())
