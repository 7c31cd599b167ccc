"""HR: from a competence gap to an assignment (form → preview → confirm), scoped to HR's organisation;
the agents are those below target at confirmation, named one by one (not a live rule)."""

from datetime import timedelta
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from courses.factories import CoursePageFactory, LessonPageFactory
from paths.models import AgentAssignment, Assignment, PathStep, TrainingPath
from people.factories import AgentFactory, HRAgentFactory, OrganisationFactory, ServiceFactory
from progress.services import complete_lesson
from skills.factories import CompetenceLevelFactory, TargetFactory, competence

pytestmark = pytest.mark.django_db

CODE = "2.2"  # the competence of these tests; CoursePageFactory's default courses train 4.1


# --- set-up ---------------------------------------------------------------------------------------


@pytest.fixture
def town():
    return OrganisationFactory(slug="town", name="Ville")


@pytest.fixture
def other_town():
    return OrganisationFactory(slug="other", name="Autre ville")


@pytest.fixture
def hr(town, client):
    officer = HRAgentFactory(organisation=town)
    client.force_login(officer.user)
    return officer


@pytest.fixture
def sharing():
    return competence(CODE)


@pytest.fixture
def voirie(town):
    return ServiceFactory(organisation=town, name="Voirie")


@pytest.fixture
def accueil(town):
    return ServiceFactory(organisation=town, name="Accueil")


def agent_at(service, level, *, last_name):
    """An active agent of the service with this level on the competence (None: not assessed)."""
    agent = AgentFactory(
        organisation=service.organisation, service=service, job_title="Agent", user__last_name=last_name
    )
    if level is not None:
        CompetenceLevelFactory(agent=agent, competence=competence(CODE), level=level)
    return agent


@pytest.fixture
def crew(town, voirie, accueil, sharing):
    """Voirie expects level 4, Accueil level 3: two agents of Voirie below, two at or above; one of
    Accueil below."""
    TargetFactory(organisation=town, competence=sharing, level=4, service=voirie, job_title="")
    TargetFactory(organisation=town, competence=sharing, level=3, service=accueil, job_title="")
    return {
        "low": agent_at(voirie, 1, last_name="Arnaud"),
        "unassessed": agent_at(voirie, None, last_name="Bernard"),
        "at_target": agent_at(voirie, 4, last_name="Colin"),
        "above": agent_at(voirie, 6, last_name="Durand"),
        "accueil": agent_at(accueil, 2, last_name="Etienne"),
    }


@pytest.fixture
def course():
    """A published course training the competence to level 3, with one lesson."""
    page = CoursePageFactory(title="Partager en ligne", duration_minutes=30, competences=((CODE, 3),))
    LessonPageFactory(parent=page)
    return page


def url(sharing, service=None) -> str:
    query = f"?competence={sharing.pk}"
    if service is not None:
        query += f"&service={service.pk}"
    return reverse("paths:gap_assign") + query


def choose(**fields) -> dict:
    data = {"due_mode": "after_assignment", "due_days": "30"}
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


def preview(client, address, course):
    return client.post(address, choose(choice=f"course-{course.pk}"))


def confirm(client, address, token, callbacks):
    with callbacks(execute=True):
        return client.post(address, {"token": token, "action": "confirm"})


def page_text(response) -> str:
    return unescape(response.content.decode())


def complete_course(agent, page):
    for lesson in page.get_children().live().specific():
        complete_lesson(agent_id=agent.pk, lesson_id=lesson.pk)


# --- the gap page ---------------------------------------------------------------------------------


def test_hr_sees_the_gap_and_the_recommended_course(client, hr, sharing, voirie, crew, course):
    """The page counts the agents below target in the service and offers the course, preselected."""
    response = client.get(url(sharing, voirie))
    assert response.status_code == 200
    text = page_text(response)
    assert response.context["figures"].count == 2
    assert f"{sharing.code} {sharing.name}" in text
    assert "Partager en ligne — jusqu'au niveau 3, 30 min" in text
    assert response.context["form"]["choice"].value() == f"course-{course.pk}"


def test_gap_page_gives_the_common_target_and_the_lowest_level(client, hr, sharing, voirie, crew, course):
    """The most common target among those below it and the lowest level (not assessed counts as 0)."""
    response = client.get(url(sharing, voirie))
    assert response.context["common_target"] == "4 — Indépendant"
    assert response.context["lowest_level"] == "0 — Non acquis"


def test_gap_page_without_service_covers_the_whole_organisation(client, hr, sharing, crew, course):
    """Without a service, every agent below their own target in the organisation is counted."""
    response = client.get(url(sharing))
    assert response.context["figures"].count == 3
    assert "Toute l'organisation" in page_text(response)


def test_gap_page_offers_the_paths_holding_the_course(client, hr, town, other_town, sharing, voirie, crew, course):
    """The organisation's paths containing a recommended course are offered; another's are not."""
    for organisation, title in ((town, "Bien communiquer"), (other_town, "Parcours d'ailleurs")):
        path = TrainingPath.objects.create(organisation=organisation, title=title)
        PathStep.objects.create(path=path, course=course, position=1, required=True)
    text = page_text(client.get(url(sharing, voirie)))
    assert "Parcours : Bien communiquer — contient « Partager en ligne »" in text
    assert "Parcours d'ailleurs" not in text


def test_gap_page_does_not_offer_a_course_of_another_competence(client, hr, sharing, voirie, crew, course):
    """A course that does not train the competence is not recommended."""
    CoursePageFactory(title="Protéger ses équipements")  # trains 4.1
    text = page_text(client.get(url(sharing, voirie)))
    assert "Protéger ses équipements" not in text


def test_no_course_for_the_competence_says_so_without_a_form(client, hr, sharing, voirie, crew):
    """Without a course training the competence, a clear message replaces the form."""
    CoursePageFactory(title="Protéger ses équipements")  # trains 4.1
    response = client.get(url(sharing, voirie))
    assert response.context["form"] is None
    assert "Aucun cours du catalogue ne travaille encore cette compétence" in page_text(response)
    assert '<form method="post"' not in response.content.decode()


def test_no_agent_below_target_says_there_is_nothing_to_assign(client, hr, town, sharing, voirie, course):
    """A gap closed already: the page says so and offers no form."""
    TargetFactory(organisation=town, competence=sharing, level=2, service=voirie, job_title="")
    agent_at(voirie, 5, last_name="Fabre")
    response = client.get(url(sharing, voirie))
    assert response.context["form"] is None
    assert "il n'y a rien à assigner" in page_text(response)


# --- scope ----------------------------------------------------------------------------------------


def test_agent_without_hr_role_gets_403(client, town, sharing, voirie, crew, course):
    """A plain agent may not open the page."""
    client.force_login(crew["low"].user)
    assert client.get(url(sharing, voirie)).status_code == 403


def test_service_of_another_organisation_gives_404(client, hr, other_town, sharing, course):
    """A service of another organisation is as if it did not exist."""
    elsewhere = ServiceFactory(organisation=other_town, name="Voirie")
    assert client.get(url(sharing, elsewhere)).status_code == 404


def test_unknown_competence_gives_404(client, hr):
    """An unknown or malformed competence gives 404."""
    assert client.get(reverse("paths:gap_assign") + "?competence=999999").status_code == 404
    assert client.get(reverse("paths:gap_assign") + "?competence=abc").status_code == 404
    assert client.get(reverse("paths:gap_assign")).status_code == 404


# --- preview --------------------------------------------------------------------------------------


def test_preview_counts_concerned_and_already_completed(client, hr, sharing, voirie, crew, course):
    """The preview counts the agents below target and those who already completed the course."""
    complete_course(crew["unassessed"], course)
    response = preview(client, url(sharing, voirie), course)
    assert response.templates[0].name == "paths/hr/gap_preview.html"
    counts = response.context["preview"]
    assert (counts.concerned, counts.already_completed) == (2, 1)
    assert "2 agents concernés, dont 1 a déjà terminé ce cours" in page_text(response)


def test_preview_names_the_agents_and_says_they_are_computed_again(client, hr, sharing, voirie, crew, course):
    """The preview lists the agents by name and warns the list is computed again on confirmation."""
    text = page_text(preview(client, url(sharing, voirie), course))
    assert crew["low"].full_name in text
    assert crew["unassessed"].full_name in text
    assert crew["at_target"].full_name not in text
    assert "calculée à nouveau au moment où vous confirmerez" in text


def test_preview_of_a_path_counts_those_who_completed_it(client, hr, town, sharing, voirie, crew, course):
    """A path choice is previewed through the path's own preview."""
    path = TrainingPath.objects.create(organisation=town, title="Bien communiquer")
    PathStep.objects.create(path=path, course=course, position=1, required=True)
    complete_course(crew["low"], course)
    response = client.post(url(sharing, voirie), choose(choice=f"path-{path.pk}"))
    counts = response.context["preview"]
    assert (counts.concerned, counts.already_completed) == (2, 1)
    assert response.context["subject"] == "Bien communiquer"


def test_preview_refuses_a_due_date_in_the_past(client, hr, sharing, voirie, crew, course):
    """A fixed due date must be in the future, with the assignment form's message."""
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = client.post(
        url(sharing, voirie),
        choose(choice=f"course-{course.pk}", due_mode="date", due_date=yesterday, due_days=None),
    )
    assert "token" not in response.context
    assert response.context["form"].errors["due_date"] == ["La date d'échéance doit être dans le futur."]


def test_preview_refuses_a_course_not_offered(client, hr, sharing, voirie, crew, course):
    """A choice outside the recommended list is refused."""
    other = CoursePageFactory(title="Protéger ses équipements")
    response = client.post(url(sharing, voirie), choose(choice=f"course-{other.pk}"))
    assert "token" not in response.context
    assert "choice" in response.context["form"].errors


# --- confirm --------------------------------------------------------------------------------------


def test_confirm_assigns_exactly_the_agents_below_target(
    client, hr, sharing, voirie, crew, course, django_capture_on_commit_callbacks
):
    """The assignment names the agents below target in the service: not those at or above, not
    another service's; it is not a live rule, and HR is its author."""
    address = url(sharing, voirie)
    token = preview(client, address, course).context["token"]
    response = confirm(client, address, token, django_capture_on_commit_callbacks)
    assignment = Assignment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("paths:hr_assignment", args=[assignment.uuid])
    expected = {crew["low"].pk, crew["unassessed"].pk}
    assert set(assignment.agents.values_list("pk", flat=True)) == expected
    assert set(AgentAssignment.objects.values_list("agent_id", flat=True)) == expected
    assert (assignment.live, assignment.assigned_by, assignment.due_days) == (False, hr.user, 30)
    assert assignment.path.single_course
    assert list(assignment.path.steps.values_list("course_id", flat=True)) == [course.pk]


def test_confirm_computes_the_agents_again(
    client, hr, sharing, voirie, crew, course, django_capture_on_commit_callbacks
):
    """An agent who fell below target between preview and confirmation is included; one who reached
    it is not."""
    address = url(sharing, voirie)
    token = preview(client, address, course).context["token"]
    newcomer = agent_at(voirie, None, last_name="Garnier")
    crew["low"].competence_levels.filter(competence__code=CODE).update(level=4)
    confirm(client, address, token, django_capture_on_commit_callbacks)
    agents = set(Assignment.objects.get().agents.values_list("pk", flat=True))
    assert agents == {crew["unassessed"].pk, newcomer.pk}


def test_confirm_assigns_a_chosen_path(
    client, hr, town, sharing, voirie, crew, course, django_capture_on_commit_callbacks
):
    """Choosing a path assigns that path."""
    path = TrainingPath.objects.create(organisation=town, title="Bien communiquer")
    PathStep.objects.create(path=path, course=course, position=1, required=True)
    address = url(sharing, voirie)
    token = client.post(address, choose(choice=f"path-{path.pk}")).context["token"]
    confirm(client, address, token, django_capture_on_commit_callbacks)
    assert Assignment.objects.get().path == path


def test_tampered_token_is_refused(client, hr, sharing, voirie, crew, course, django_capture_on_commit_callbacks):
    """A modified token brings HR back to the form with an error, and nothing is created."""
    address = url(sharing, voirie)
    token = preview(client, address, course).context["token"]
    response = confirm(client, address, token[:-2] + "xx", django_capture_on_commit_callbacks)
    assert response.status_code == 400
    assert "Cette vérification n'est plus valable" in page_text(response)
    assert not Assignment.objects.exists()


def test_token_of_another_gap_is_refused(
    client, hr, sharing, voirie, accueil, crew, course, django_capture_on_commit_callbacks
):
    """A token signed for one service's gap is refused on another service's page."""
    token = preview(client, url(sharing, voirie), course).context["token"]
    response = confirm(client, url(sharing, accueil), token, django_capture_on_commit_callbacks)
    assert response.status_code == 400
    assert not Assignment.objects.exists()


def test_token_of_another_hr_officer_is_refused(
    client, hr, town, sharing, voirie, crew, course, django_capture_on_commit_callbacks
):
    """A token is valid only for the HR officer who previewed."""
    address = url(sharing, voirie)
    token = preview(client, address, course).context["token"]
    client.force_login(HRAgentFactory(organisation=town).user)
    assert confirm(client, address, token, django_capture_on_commit_callbacks).status_code == 400
    assert not Assignment.objects.exists()


def test_second_confirmation_creates_nothing_more(
    client, hr, sharing, voirie, crew, course, django_capture_on_commit_callbacks
):
    """A second click on the confirmation creates no second assignment."""
    address = url(sharing, voirie)
    token = preview(client, address, course).context["token"]
    confirm(client, address, token, django_capture_on_commit_callbacks)
    response = confirm(client, address, token, django_capture_on_commit_callbacks)
    assert response.status_code == 200
    assert Assignment.objects.count() == 1


def test_confirm_when_nobody_is_below_target_any_more(
    client, hr, sharing, voirie, crew, course, django_capture_on_commit_callbacks
):
    """If every agent reached the target since the preview, nothing is assigned and HR is told."""
    address = url(sharing, voirie)
    token = preview(client, address, course).context["token"]
    CompetenceLevelFactory(agent=crew["unassessed"], competence=sharing, level=5)
    crew["low"].competence_levels.filter(competence=sharing).update(level=5)
    response = confirm(client, address, token, django_capture_on_commit_callbacks)
    assert not Assignment.objects.exists()
    assert "Plus aucun agent n'est sous le niveau attendu" in page_text(response)


def test_edit_from_preview_refills_the_form(client, hr, sharing, voirie, crew, course):
    """ "Modifier" brings back the form with the previewed choices."""
    address = url(sharing, voirie)
    token = client.post(address, choose(choice=f"course-{course.pk}", due_days="45")).context["token"]
    response = client.post(address, {"token": token, "action": "edit"})
    form = response.context["form"]
    assert (form["choice"].value(), form["due_days"].value()) == (f"course-{course.pk}", "45")
