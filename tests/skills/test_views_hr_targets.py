"""HR pages of targets: the list grouped by job title and service, and the edit form (levels 0–8 or
none per competence), scoped to HR's organisation."""

import pytest
from django.urls import reverse

from people.factories import AgentFactory, HRAgentFactory, OrganisationFactory, ServiceFactory
from skills.factories import TargetFactory, competence
from skills.models import Target

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
def direction(town):
    return ServiceFactory(organisation=town, name="Direction générale")


def edit_url(**query) -> str:
    return reverse("skills:target_edit") + "?" + "&".join(f"{key}={value}" for key, value in query.items())


def levels(**by_code) -> dict:
    """POST data: c1_1="4" → the field of competence 1.1; every other competence "none"."""
    return {f"competence_{competence(key[1:].replace('_', '.')).pk}": value for key, value in by_code.items()}


# --- the list -------------------------------------------------------------------------------------


def test_targets_are_grouped_by_job_title_and_service(client, hr, town, direction):
    """Each job title and each service with targets is listed with its levels and a "Modifier" link."""
    TargetFactory(organisation=town, job_title="Agent d'accueil", competence=competence("2.1"), level=4)
    TargetFactory(organisation=town, service=direction, job_title="", competence=competence("4.1"), level=3)
    response = client.get(reverse("skills:targets"))
    assert response.status_code == 200
    (job,) = response.context["job_groups"]
    (service,) = response.context["service_groups"]
    assert (job.label, [(item.code, label) for item, label in job.levels]) == (
        "Agent d'accueil",
        [("2.1", "4 — Indépendant")],
    )
    assert (service.label, [(item.code, label) for item, label in service.levels]) == (
        "Direction générale",
        [("4.1", "3 — Indépendant")],
    )
    content = response.content.decode()
    assert f"{reverse('skills:target_edit')}?metier=Agent+d%27accueil" in content
    assert f"{reverse('skills:target_edit')}?service={direction.pk}" in content
    assert "le plus élevé s'applique" in content


def test_another_organisations_targets_are_not_listed(client, hr):
    """Targets of another organisation never appear; the empty state names the next step."""
    TargetFactory(organisation=OrganisationFactory(slug="elsewhere"), job_title="Jardinier")
    response = client.get(reverse("skills:targets"))
    assert response.context["job_groups"] == []
    assert "Aucun niveau attendu pour l'instant" in response.content.decode()


def test_the_chooser_offers_job_titles_and_services(client, hr, town, direction):
    """The job titles of the organisation's agents and its services are offered for editing."""
    AgentFactory(organisation=town, job_title="Jardinier")
    ServiceFactory(parent=direction, name="Accueil")
    content = client.get(reverse("skills:targets")).content.decode()
    assert '<option value="Jardinier">Jardinier</option>' in content
    assert "\u00a0\u00a0Direction générale / Accueil" in content
    assert 'name="nouveau_metier"' in content


def test_a_plain_agent_gets_403(client, town):
    """Targets are for HR only."""
    client.force_login(AgentFactory(organisation=town).user)
    assert client.get(reverse("skills:targets")).status_code == 403
    assert client.get(edit_url(metier="Jardinier")).status_code == 403


# --- editing --------------------------------------------------------------------------------------


def test_the_form_is_grouped_by_domain_and_prefilled(client, hr, town):
    """Five fieldsets (one per CRCN domain) over 16 choices, with the existing level selected."""
    TargetFactory(organisation=town, job_title="Jardinier", competence=competence("2.2"), level=4)
    response = client.get(edit_url(metier="Jardinier"))
    assert response.status_code == 200
    form = response.context["form"]
    assert len(form.domains()) == 5
    assert sum(len(fields) for _domain, fields in form.domains()) == 16
    assert form[f"competence_{competence('2.2').pk}"].value() == "4"
    content = response.content.decode()
    assert content.count("<legend>") == 5
    assert '<option value="4" selected>4 — Indépendant</option>' in content
    assert "— (aucun)" in content


def test_saving_writes_the_levels_of_a_job_title(client, hr, town):
    """Posted levels become targets of the job title; the list shows a success message."""
    response = client.post(edit_url(metier="Jardinier"), levels(c1_1="3", c4_1="0", c2_2=""), follow=True)
    assert response.redirect_chain[-1][0] == reverse("skills:targets")
    saved = dict(
        Target.objects.filter(organisation=town, job_title="Jardinier").values_list("competence__code", "level")
    )
    assert saved == {"1.1": 3, "4.1": 0}
    assert "Les niveaux attendus du métier « Jardinier » sont enregistrés." in response.content.decode()


def test_a_new_job_title_can_be_typed(client, hr, town):
    """The free-text job title wins over the list and is saved trimmed."""
    client.post(edit_url(nouveau_metier="%20Archiviste%20", metier=""), levels(c1_2="5"))
    assert Target.objects.get(organisation=town, job_title="Archiviste").level == 5


def test_saving_the_levels_of_a_service(client, hr, town, direction):
    """A service's levels are saved for that service, and "aucun" removes an existing one."""
    TargetFactory(organisation=town, service=direction, job_title="", competence=competence("3.1"), level=2)
    client.post(edit_url(service=direction.pk), levels(c5_1="6", c3_1=""))
    saved = dict(Target.objects.filter(service=direction).values_list("competence__code", "level"))
    assert saved == {"5.1": 6}


@pytest.mark.parametrize("value", ["9", "abc", "-1"])
def test_a_level_outside_0_to_8_is_refused_and_nothing_is_written(client, hr, town, value):
    """9, "abc" or -1 give a French error at the field and in the summary; no target changes."""
    TargetFactory(organisation=town, job_title="Jardinier", competence=competence("2.2"), level=4)
    response = client.post(edit_url(metier="Jardinier"), levels(c1_1="3", c2_2=value))
    assert response.status_code == 200
    assert response.context["form"].errors[f"competence_{competence('2.2').pk}"] == [
        "Choisissez un niveau de 0 à 8, ou « aucun »."
    ]
    content = response.content.decode()
    assert "Le formulaire contient des erreurs" in content
    assert list(Target.objects.values_list("competence__code", "level")) == [("2.2", 4)]


def test_a_service_of_another_organisation_gives_404(client, hr):
    """Editing another organisation's service is refused as if it did not exist, and nothing is written."""
    elsewhere = ServiceFactory(organisation=OrganisationFactory(slug="elsewhere"), name="Ailleurs")
    assert client.get(edit_url(service=elsewhere.pk)).status_code == 404
    assert client.post(edit_url(service=elsewhere.pk), levels(c1_1="3")).status_code == 404
    assert not Target.objects.exists()


def test_without_a_job_title_or_service_hr_is_sent_back(client, hr, direction):
    """Nothing chosen (or both at once): back to the list with an explanation."""
    for url in (edit_url(metier=""), edit_url(metier="Jardinier", service=direction.pk)):
        response = client.get(url, follow=True)
        assert response.redirect_chain[-1][0] == reverse("skills:targets")
        assert "Choisissez un métier" in response.content.decode()
