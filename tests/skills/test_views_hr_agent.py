"""HR's view of one agent's digital-skills profile: levels with source, date, target and status, the
evidence, and nothing of another organisation."""

from datetime import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from people.factories import AgentFactory, HRAgentFactory, OrganisationFactory, ServiceFactory, UserFactory
from skills.factories import CompetenceLevelFactory, EvidenceFactory, TargetFactory, competence
from skills.models import Evidence

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
def agent(town):
    service = ServiceFactory(organisation=town, name="Accueil")
    found = AgentFactory(
        organisation=town,
        service=service,
        job_title="Agent d'accueil",
        user=UserFactory(first_name="Léa", last_name="Bas"),
    )
    observed = timezone.make_aware(datetime(2026, 3, 12, 10, 0))
    CompetenceLevelFactory(
        agent=found,
        competence=competence("1.1"),
        level=2,
        source=Evidence.Source.PIX,
        label="Campagne mars",
        observed_at=observed,
    )
    EvidenceFactory(
        agent=found,
        competence=competence("1.1"),
        level=2,
        source=Evidence.Source.PIX,
        label="Campagne mars",
        observed_at=observed,
    )
    TargetFactory(organisation=town, job_title="Agent d'accueil", competence=competence("1.1"), level=4)
    return found


def test_hr_sees_levels_with_source_date_target_and_status(client, hr, agent):
    """The profile row of 1.1 says level 2 from Pix on 12 mars 2026, target 4, below target."""
    response = client.get(reverse("skills:agent", args=[agent.pk]))
    assert response.status_code == 200
    rows = {row.competence.code: standing for row, standing in response.context["profile"]}
    assert len(rows) == 16
    assert (rows["1.1"].level_text, rows["1.1"].target_text, rows["1.1"].status) == (
        "2 — Novice",
        "4 — Indépendant",
        "Sous la cible",
    )
    assert (rows["2.1"].level_text, rows["2.1"].status) == ("Non évalué", "Pas de cible")
    content = response.content.decode()
    assert "Léa Bas" in content
    assert "Accueil" in content
    assert "Résultat Pix" in content
    assert "12 mars 2026" in content
    assert response.context["below_count"] == 1


def test_the_evidence_is_listed(client, hr, agent):
    """Each piece of evidence shows its date, source, label, competence and level."""
    response = client.get(reverse("skills:agent", args=[agent.pk]))
    (item,) = response.context["evidence"]
    assert (item.label, item.competence.code, item.level) == ("Campagne mars", "1.1", 2)
    assert "Campagne mars" in response.content.decode()


def test_positioning_answers_are_said_to_stay_private(client, hr, agent):
    """The page explains that detailed positioning answers are private unless shared."""
    content = client.get(reverse("skills:agent", args=[agent.pk])).content.decode()
    assert "Les réponses détaillées des tests de positionnement restent privées" in content


def test_an_agent_of_another_organisation_gives_404(client, hr):
    """HR never sees the profile of another organisation's agent."""
    stranger = AgentFactory(organisation=OrganisationFactory(slug="elsewhere"))
    assert client.get(reverse("skills:agent", args=[stranger.pk])).status_code == 404


def test_a_plain_agent_gets_403(client, town, agent):
    """An agent without the HR role may not open HR's view, even of a colleague."""
    client.force_login(AgentFactory(organisation=town).user)
    assert client.get(reverse("skills:agent", args=[agent.pk])).status_code == 403


def test_anonymous_is_sent_to_login(client, agent):
    """Signed-out visitors are sent to the login page."""
    response = client.get(reverse("skills:agent", args=[agent.pk]))
    assert response.status_code == 302
    assert reverse("people:login") in response["Location"]


def test_hr_of_another_organisation_cannot_see_the_agent(client, agent):
    """Another organisation's HR gets 404 for this agent."""
    client.force_login(HRAgentFactory(organisation=OrganisationFactory(slug="elsewhere")).user)
    assert client.get(reverse("skills:agent", args=[agent.pk])).status_code == 404
