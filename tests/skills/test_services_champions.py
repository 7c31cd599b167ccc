"""Volunteering as a digital champion ("référent numérique") and withdrawing, through skills.services."""

import pytest

from people.factories import AgentFactory
from skills import services
from skills.factories import ChampionFactory, CompetenceLevelFactory, competence
from skills.models import Champion

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent():
    return AgentFactory()


@pytest.fixture
def security():
    return competence("4.1")


def test_level_five_may_volunteer(agent, security):
    """An agent at level 5 becomes a référent on the competence, with their note."""
    CompetenceLevelFactory(agent=agent, competence=security, level=5)

    champion = services.volunteer_as_champion(agent_id=agent.pk, competence_id=security.pk, note="Bureau 12")

    assert (champion.agent_id, champion.competence_id, champion.note) == (agent.pk, security.pk, "Bureau 12")
    assert champion.since is not None


def test_level_four_is_refused_and_nothing_is_created(agent, security):
    """Below level 5 the offer is refused with a French message and no référent is recorded."""
    CompetenceLevelFactory(agent=agent, competence=security, level=4)

    with pytest.raises(services.SkillsError) as refused:
        services.volunteer_as_champion(agent_id=agent.pk, competence_id=security.pk)

    assert "niveau 5" in refused.value.message
    assert not Champion.objects.exists()


def test_no_level_is_refused(agent, security):
    """An agent never assessed on the competence may not volunteer on it."""
    with pytest.raises(services.SkillsError):
        services.volunteer_as_champion(agent_id=agent.pk, competence_id=security.pk)

    assert not Champion.objects.exists()


def test_level_on_another_competence_does_not_count(agent, security):
    """Level 8 on 1.1 does not make the agent a référent on 4.1."""
    CompetenceLevelFactory(agent=agent, competence=competence("1.1"), level=8)

    with pytest.raises(services.SkillsError):
        services.volunteer_as_champion(agent_id=agent.pk, competence_id=security.pk)


def test_volunteering_twice_updates_the_note_without_duplicate(agent, security):
    """A second offer on the same competence only updates the note and keeps the first date."""
    CompetenceLevelFactory(agent=agent, competence=security, level=6)
    first = services.volunteer_as_champion(agent_id=agent.pk, competence_id=security.pk, note="Le mardi")

    second = services.volunteer_as_champion(agent_id=agent.pk, competence_id=security.pk, note="Le jeudi")

    assert Champion.objects.count() == 1
    assert second.pk == first.pk
    assert Champion.objects.get().note == "Le jeudi"
    assert Champion.objects.get().since == first.since


def test_note_is_cut_at_three_hundred_characters(agent, security):
    """The service never stores more than the 300 characters the field holds."""
    CompetenceLevelFactory(agent=agent, competence=security, level=5)

    services.volunteer_as_champion(agent_id=agent.pk, competence_id=security.pk, note="x" * 400)

    assert len(Champion.objects.get().note) == 300


def test_withdraw_removes_the_champion(agent, security):
    """Withdrawing deletes the référent row and says it existed."""
    ChampionFactory(agent=agent, competence=security)

    assert services.withdraw_champion(agent_id=agent.pk, competence_id=security.pk) is True
    assert not Champion.objects.exists()


def test_withdraw_when_not_a_champion_says_so(agent, security):
    """Withdrawing from a competence one never volunteered on changes nothing and returns False."""
    other = ChampionFactory(agent=agent, competence=competence("1.1"))

    assert services.withdraw_champion(agent_id=agent.pk, competence_id=security.pk) is False
    assert list(Champion.objects.all()) == [other]
