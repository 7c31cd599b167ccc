"""Digital champions pages: volunteering and withdrawing (agent), the directory of référents (any agent
of the organisation) and HR's map of référents per service."""

import re
from html import unescape

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from people.factories import AgentFactory, HRAgentFactory, OrganisationFactory, ServiceFactory, UserFactory
from skills.factories import ChampionFactory, CompetenceLevelFactory, competence
from skills.models import Champion, CompetenceLevel

pytestmark = pytest.mark.django_db

VOLUNTEER = reverse("skills:volunteer")
WITHDRAW = reverse("skills:withdraw")
DIRECTORY = reverse("skills:champions")
MAP = reverse("skills:champion_map")
PROFILE = reverse("home:skills_profile")


# --- set-up ---------------------------------------------------------------------------------------


@pytest.fixture
def town():
    return OrganisationFactory(slug="town", name="Ville")


@pytest.fixture
def other_town():
    return OrganisationFactory(slug="other", name="Autre ville")


@pytest.fixture
def agent(town, client):
    """The signed-in agent."""
    me = AgentFactory(organisation=town, user__first_name="Anne", user__last_name="Moi")
    client.force_login(me.user)
    return me


@pytest.fixture
def security():
    return competence("4.1")


@pytest.fixture
def tree(town):
    """Services techniques → Voirie; Culture."""
    techniques = ServiceFactory(organisation=town, name="Services techniques")
    voirie = ServiceFactory(parent=techniques, name="Voirie")
    culture = ServiceFactory(organisation=town, name="Culture")
    techniques.refresh_from_db()
    return {"techniques": techniques, "voirie": voirie, "culture": culture}


def make_champion(
    organisation, *, code="4.1", level=6, service=None, first="Claire", last="Martin", job="", note="", **extra
):
    person = AgentFactory(
        organisation=organisation,
        service=service,
        user__first_name=first,
        user__last_name=last,
        job_title=job or "Agent d'accueil",
        **extra,
    )
    CompetenceLevelFactory(agent=person, competence=competence(code), level=level)
    return ChampionFactory(agent=person, competence=competence(code), note=note)


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


INLINE_TAGS = r"</?(?:a|span|abbr|strong|em)\b[^>]*>"


def squash(html: str) -> str:
    """Text of an HTML fragment: inline tags dropped, other tags as spaces, entities decoded."""
    html = re.sub(INLINE_TAGS, "", html)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def text(response) -> str:
    """The page's text."""
    return squash(response.content.decode())


# --- volunteering ---------------------------------------------------------------------------------


def test_volunteer_at_level_five(client, agent, security):
    """At level 5 the agent becomes a référent, is thanked and goes back to Mes compétences."""
    CompetenceLevelFactory(agent=agent, competence=security, level=5)

    response = client.post(VOLUNTEER, {"competence": security.pk, "note": "Bureau 12, le mardi"})

    assert response.status_code == 302
    assert response.url == PROFILE
    champion = Champion.objects.get()
    assert (champion.agent, champion.competence, champion.note) == (agent, security, "Bureau 12, le mardi")
    assert messages_of(response) == [
        "Vous êtes désormais référent numérique pour « 4.1 Sécuriser l'environnement numérique ». Merci !"
    ]


def test_volunteer_then_listed_in_the_directory(client, agent, security):
    """Once volunteered, the agent appears in the directory with their note."""
    CompetenceLevelFactory(agent=agent, competence=security, level=5)
    client.post(VOLUNTEER, {"competence": security.pk, "note": "Bureau 12"})

    page = text(client.get(DIRECTORY))

    assert "Anne Moi" in page
    assert "Bureau 12" in page
    assert "Niveau 5 — Avancé" in page


def test_volunteer_at_level_four_is_refused(client, agent, security):
    """At level 4 the offer is refused with a French message and nothing is created."""
    CompetenceLevelFactory(agent=agent, competence=security, level=4)

    response = client.post(VOLUNTEER, {"competence": security.pk})

    assert response.url == PROFILE
    assert not Champion.objects.exists()
    assert messages_of(response) == ["Il faut avoir atteint le niveau 5 sur cette compétence pour devenir référent."]


def test_volunteer_twice_updates_the_note(client, agent, security):
    """A second offer updates the note and creates no duplicate."""
    CompetenceLevelFactory(agent=agent, competence=security, level=6)
    client.post(VOLUNTEER, {"competence": security.pk, "note": "Le mardi"})

    client.post(VOLUNTEER, {"competence": security.pk, "note": "Le jeudi"})

    assert list(Champion.objects.values_list("note", flat=True)) == ["Le jeudi"]


def test_volunteer_unknown_competence(client, agent):
    """An unknown competence is a form error shown as a message; nothing is created."""
    response = client.post(VOLUNTEER, {"competence": 999999})

    assert response.status_code == 302
    assert not Champion.objects.exists()
    assert messages_of(response) == ["Compétence : Cette compétence n'existe pas."]


def test_volunteer_note_too_long(client, agent, security):
    """A note over 300 characters is refused with a message naming the field."""
    CompetenceLevelFactory(agent=agent, competence=security, level=6)

    response = client.post(VOLUNTEER, {"competence": security.pk, "note": "x" * 301})

    assert not Champion.objects.exists()
    assert messages_of(response)[0].startswith("Comment vous solliciter : ")


def test_volunteer_follows_a_safe_next(client, agent, security):
    """A `next` address of this site is followed after the offer."""
    CompetenceLevelFactory(agent=agent, competence=security, level=6)

    response = client.post(VOLUNTEER, {"competence": security.pk, "next": DIRECTORY})

    assert response.url == DIRECTORY


def test_volunteer_ignores_an_outside_next(client, agent, security):
    """A `next` address on another site is ignored: back to Mes compétences."""
    CompetenceLevelFactory(agent=agent, competence=security, level=6)

    response = client.post(VOLUNTEER, {"competence": security.pk, "next": "https://evil.example/"})

    assert response.url == PROFILE


def test_volunteer_refuses_get(client, agent):
    """Volunteering changes state: GET is not allowed."""
    assert client.get(VOLUNTEER).status_code == 405


def test_volunteer_needs_an_agent_profile(client, security):
    """An account without an agent profile may not volunteer."""
    client.force_login(UserFactory())

    assert client.post(VOLUNTEER, {"competence": security.pk}).status_code == 403


def test_volunteer_is_csrf_protected(agent, security):
    """A POST without the CSRF token is refused."""
    CompetenceLevelFactory(agent=agent, competence=security, level=6)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(agent.user)

    assert strict.post(VOLUNTEER, {"competence": security.pk}).status_code == 403
    assert not Champion.objects.exists()


def test_withdraw(client, agent, security):
    """Withdrawing removes the référent and says so."""
    ChampionFactory(agent=agent, competence=security)

    response = client.post(WITHDRAW, {"competence": security.pk})

    assert response.url == PROFILE
    assert not Champion.objects.exists()
    assert messages_of(response) == [
        "Vous n'êtes plus référent numérique pour « 4.1 Sécuriser l'environnement numérique »."
    ]


def test_withdraw_only_touches_the_signed_in_agent(client, agent, town, security):
    """Withdrawing never removes a colleague's offer on the same competence."""
    colleague = make_champion(town)

    response = client.post(WITHDRAW, {"competence": security.pk})

    assert list(Champion.objects.all()) == [colleague]
    assert messages_of(response) == [
        "Vous n'étiez pas référent numérique pour « 4.1 Sécuriser l'environnement numérique »."
    ]


def test_anonymous_is_sent_to_login(client, security):
    """Every champions page asks an anonymous visitor to sign in."""
    login = reverse("people:login")
    for response in (
        client.get(DIRECTORY),
        client.get(MAP),
        client.post(VOLUNTEER, {"competence": security.pk}),
        client.post(WITHDRAW, {"competence": security.pk}),
    ):
        assert response.status_code == 302
        assert response.url.startswith(login)
    assert not Champion.objects.exists()


# --- the directory --------------------------------------------------------------------------------


def test_directory_shows_a_champion_card(client, agent, town, tree):
    """A card names the référent, their job, service, competence, level, note and a mail link."""
    champion = make_champion(
        town,
        first="Claire",
        last="Martin",
        job="Chargée d'accueil",
        service=tree["voirie"],
        level=6,
        note="Bureau 12, le mardi",
    )

    response = client.get(DIRECTORY)
    page = text(response)

    assert response.status_code == 200
    assert "Claire Martin" in page
    assert "Chargée d'accueil" in page
    assert "Services techniques / Voirie" in page
    assert "4.1 Sécuriser l'environnement numérique" in page
    assert "Niveau 6 — Avancé" in page
    assert "Bureau 12, le mardi" in page
    assert "Écrire à Claire" in page
    assert f'href="mailto:{champion.agent.user.email}?subject=' in response.content.decode()


def test_directory_never_shows_another_organisation(client, agent, town, other_town):
    """A référent of another organisation never appears."""
    make_champion(other_town, last="Ailleurs")
    make_champion(town, last="Ici")

    page = text(client.get(DIRECTORY))

    assert "Ici" in page
    assert "Ailleurs" not in page


def test_directory_hides_inactive_and_fallen_champions(client, agent, town):
    """A deactivated agent and one whose level fell to 3 are not listed."""
    make_champion(town, last="Parti", is_active=False)
    fallen = make_champion(town, last="Redescendu")
    CompetenceLevel.objects.filter(agent=fallen.agent).update(level=3)

    page = text(client.get(DIRECTORY))

    assert "Parti" not in page
    assert "Redescendu" not in page
    assert "Aucun référent pour ces critères." in page


def test_directory_search_by_words(client, agent, town, tree):
    """The text search matches names, service and job title."""
    make_champion(town, last="Routes", service=tree["voirie"])
    make_champion(town, last="Livres", service=tree["culture"], job="Bibliothécaire")

    by_service = text(client.get(DIRECTORY, {"q": "voirie"}))
    by_job = text(client.get(DIRECTORY, {"q": "bibliothécaire"}))
    by_name = text(client.get(DIRECTORY, {"q": "routes"}))

    assert "Routes" in by_service
    assert "Livres" not in by_service
    assert "Livres" in by_job
    assert "Routes" not in by_job
    assert "Routes" in by_name
    assert "Livres" not in by_name


def test_directory_filter_by_competence(client, agent, town):
    """The competence filter keeps the référents of that competence."""
    make_champion(town, code="4.1", last="Securite")
    make_champion(town, code="1.1", last="Recherche")

    page = text(client.get(DIRECTORY, {"competence": competence("1.1").pk}))

    assert "Recherche" in page
    assert "Securite" not in page


def test_directory_filter_by_service_subtree(client, agent, town, tree):
    """The service filter keeps the référents of that service and of the services below it."""
    make_champion(town, last="Direction", service=tree["techniques"])
    make_champion(town, last="Routes", service=tree["voirie"])
    make_champion(town, last="Livres", service=tree["culture"])

    page = text(client.get(DIRECTORY, {"service": tree["techniques"].pk}))

    assert "Direction" in page
    assert "Routes" in page
    assert "Livres" not in page


def test_directory_service_filter_offers_only_own_services(client, agent, town, other_town, tree):
    """The service select lists the organisation's services only; another's is an invalid choice."""
    elsewhere = ServiceFactory(organisation=other_town, name="Ailleurs")
    make_champion(town, last="Routes", service=tree["voirie"])

    response = client.get(DIRECTORY, {"service": elsewhere.pk})

    assert "Ailleurs" not in text(response)
    assert response.context["form"].errors
    assert "Routes" in text(response)


def test_directory_competence_select_is_grouped_by_domain(client, agent):
    """The competence select shows the 16 competences under their 5 domains."""
    content = client.get(DIRECTORY).content.decode()

    assert content.count("<optgroup") == 5
    assert 'label="4. Protection et sécurité"' in unescape(content)


def test_directory_empty_state(client, agent):
    """With no référent, the page says so and points to Mes compétences."""
    response = client.get(DIRECTORY)

    assert (
        "Aucun référent pour ces critères. Vous avez le niveau ? Proposez votre aide depuis Mes compétences."
        in text(response)
    )
    assert f'<a href="{PROFILE}">Mes compétences</a>' in response.content.decode()


def test_directory_is_paginated_by_thirty(client, agent, town):
    """Thirty référents a page; the next page holds the rest."""
    for index in range(31):
        make_champion(town, last=f"Nom{index:02d}")

    first = client.get(DIRECTORY)
    second = client.get(DIRECTORY, {"page": 2})

    assert len(first.context["page"].object_list) == 30
    assert "Page 1 sur 2" in text(first)
    assert len(second.context["page"].object_list) == 1


def test_directory_needs_an_agent_profile(client):
    """An account without an agent profile gets a 403."""
    client.force_login(UserFactory())

    assert client.get(DIRECTORY).status_code == 403


def test_directory_queries_do_not_grow(client, agent, town, tree):
    """The directory makes as many queries for 20 référents as for 3."""
    services = list(tree.values())
    for index in range(3):
        make_champion(town, last=f"Premier{index}", service=services[index % 3])
    client.get(DIRECTORY)  # warm caches (site root, content types)
    with CaptureQueriesContext(connection) as few:
        assert client.get(DIRECTORY).status_code == 200
    for index in range(17):
        make_champion(town, code=("4.1", "1.1", "2.3")[index % 3], last=f"Suivant{index}", service=services[index % 3])
    with CaptureQueriesContext(connection) as many:
        response = client.get(DIRECTORY)

    assert len(response.context["page"].object_list) == 20
    assert len(many) == len(few)


# --- HR's map -------------------------------------------------------------------------------------


@pytest.fixture
def hr(town, client):
    officer = HRAgentFactory(organisation=town)
    client.force_login(officer.user)
    return officer


def map_rows(response) -> dict[str, list[str]]:
    """Service name → the texts of the cells of its row in the map's body."""
    body = response.content.decode().split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, flags=re.S):
        cells = [squash(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.S)]
        name = re.match(r'\s*<th scope="row"[^>]*>([^<]*)', row)
        if name:
            rows[name.group(1).strip()] = cells
    return rows


def test_map_rolls_up_and_flags(client, hr, town, tree):
    """A Voirie référent counts for Services techniques; Culture, without any, is flagged in words."""
    AgentFactory(organisation=town, service=tree["culture"])
    make_champion(town, service=tree["voirie"])

    response = client.get(MAP)
    rows = map_rows(response)

    assert response.status_code == 200
    assert rows["Services techniques"][:3] == ["Services techniques", "1", "1"]
    assert rows["Voirie"][:3] == ["Voirie (dans Services techniques)", "1", "1"]
    assert rows["Culture"][:3] == ["Culture", "1", "Aucun référent"]
    assert "1 service sans référent numérique sur 3" in text(response)


def test_map_summary_counts_services_without_champion(client, hr, town, tree):
    """The summary names how many services have no référent, out of all."""
    page = text(client.get(MAP))

    assert "3 services sans référent numérique sur 3" in page


def test_map_filter_only_services_without_champion(client, hr, town, tree):
    """The filter keeps only the services without référent."""
    make_champion(town, service=tree["voirie"])

    rows = map_rows(client.get(MAP, {"sans_referent": "on"}))

    assert list(rows) == ["Culture"]


def test_map_counts_per_competence_column(client, hr, town, tree):
    """Each competence column counts the référents of that competence in the service's sub-tree."""
    make_champion(town, code="1.1", service=tree["culture"])
    make_champion(town, code="4.1", service=tree["culture"])

    response = client.get(MAP)
    cells = map_rows(response)["Culture"]

    assert cells[1:3] == ["2", "2"]  # agents, référents
    codes = [item.code for item in response.context["competences"]]
    per_competence = dict(zip(codes, cells[3:], strict=True))
    assert per_competence["1.1"] == "1"
    assert per_competence["4.1"] == "1"
    assert per_competence["2.1"] == "0"


def test_map_never_shows_another_organisation(client, hr, town, other_town, tree):
    """Another organisation's services stay out of HR's map."""
    elsewhere = ServiceFactory(organisation=other_town, name="Ailleurs")
    make_champion(other_town, service=elsewhere)

    rows = map_rows(client.get(MAP))

    assert "Ailleurs" not in rows
    assert set(rows) >= {"Services techniques", "Voirie", "Culture"}


def test_map_queries_do_not_grow(client, hr, town, tree):
    """The map makes as many queries for 12 services and 20 référents as for 3 services and 3."""
    make_champion(town, service=tree["voirie"])
    client.get(MAP)  # warm caches (site root, content types)
    with CaptureQueriesContext(connection) as few:
        assert client.get(MAP).status_code == 200
    for index in range(9):
        service = ServiceFactory(parent=tree["culture"], name=f"Unité {index}")
        make_champion(town, code=("4.1", "1.1")[index % 2], service=service)
        make_champion(town, code="2.3", service=service)
    with CaptureQueriesContext(connection) as many:
        response = client.get(MAP)

    assert response.context["services_count"] == 12
    assert len(many) == len(few)


def test_map_is_forbidden_to_non_hr(client, agent):
    """An agent who is not HR gets a 403."""
    assert client.get(MAP).status_code == 403


def test_map_without_services(client, hr):
    """An organisation with no service gets a plain explanation instead of an empty table."""
    response = client.get(MAP)

    assert response.status_code == 200
    assert "Aucun service n'est encore défini" in text(response)
