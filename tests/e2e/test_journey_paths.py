"""Journey: an HR officer builds a training path in the HR pages and assigns it to a service and its
sub-services, due 30 days after the assignment (form → preview with the number of agents concerned →
confirmation → assignment detail). An agent of that service finds it on Mon espace, on a 360 px phone,
under "Formations assignées" with its due date, and follows its course to the end. HR's dashboards then
count one path completed (overview, path, drill-down to the agents of the sub-service), and the agent's
manager sees it "Terminé" on Mon équipe. axe finds no WCAG 2.1 AA violation on any of these pages.

As in test_journey_progress.py, the lesson page's heartbeat is dropped in the browser: with SQLite the
live server's threads share the test's database connection, and a beacon sent while the next page loads
could collide with it.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone, translation
from django.utils.formats import date_format
from playwright.sync_api import expect

from courses.factories import CoursePageFactory, LessonPageFactory
from paths.models import AgentAssignment, Assignment, PathStep, TrainingPath
from people.factories import DEFAULT_PASSWORD, AgentFactory, HRAgentFactory, OrganisationFactory, ServiceFactory
from progress.models import CourseCompletion

pytestmark = pytest.mark.django_db(transaction=True)

PATH_TITLE = "Accueil numérique des usagers"
COURSE_TITLE = "Accompagner une démarche en ligne"
LESSONS = [
    ("Identifier le bon téléservice", "Chaque démarche a son site officiel : partez de service-public.fr."),
    ("Protéger les données de l'usager", "Ne notez jamais un mot de passe à la place de l'usager."),
]
DIRECTION = "Direction des services techniques"
UNIT = "Voirie"
UNIT_FULL_NAME = f"{DIRECTION} / {UNIT}"
DUE_DAYS = 30
DONE_BUTTON = "J'ai terminé cette leçon"
HEARTBEAT = re.compile(r"/progression/lecons/\d+/activite/$")


# --- Data ------------------------------------------------------------------------------------------------


@pytest.fixture
def town():
    return OrganisationFactory(name="Commune de Saint-Aubin", slug="saint-aubin")


@pytest.fixture
def services(town):
    """Direction générale; Direction des services techniques, with Voirie below it."""
    general = ServiceFactory(organisation=town, name="Direction générale")
    direction = ServiceFactory(organisation=town, name=DIRECTION)
    unit = ServiceFactory(parent=direction, name=UNIT)
    direction.refresh_from_db()
    return {"general": general, "direction": direction, "unit": unit}


@pytest.fixture
def hr_officer(town, services):
    return HRAgentFactory(
        organisation=town,
        service=services["general"],
        user__first_name="Sophie",
        user__last_name="Garnier",
        user__email="rh@saint-aubin.example.org",
    )


@pytest.fixture
def manager(town, services):
    return AgentFactory(
        organisation=town,
        service=services["direction"],
        job_title="Directeur des services techniques",
        user__first_name="Paul",
        user__last_name="Bernard",
        user__email="paul.bernard@saint-aubin.example.org",
    )


@pytest.fixture
def agent(town, services, manager):
    return AgentFactory(
        organisation=town,
        service=services["unit"],
        manager=manager,
        job_title="Agente de voirie",
        user__first_name="Léa",
        user__last_name="Martin",
        user__email="lea.martin@saint-aubin.example.org",
    )


@pytest.fixture
def course():
    """Two lessons of 15 minutes, the second one last: marking both done completes the course."""
    course = CoursePageFactory(title=COURSE_TITLE, slug="accompagner-une-demarche-en-ligne", duration_minutes=30)
    for number, (title, text) in enumerate(LESSONS, start=1):
        LessonPageFactory(
            parent=course,
            title=title,
            slug=f"lecon-{number}",
            minutes=15,
            body=[{"type": "text", "value": f"<p>{text}</p>"}],
        )
    return course


# --- Helpers ---------------------------------------------------------------------------------------------


def french_date(day) -> str:
    with translation.override("fr"):
        return date_format(day, "j F Y")


def navigate(page, label: str) -> None:
    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name=label).click()


def row_of(scope, header: str, *, exact: bool = True):
    """The table row whose row header reads `header`."""
    return scope.get_by_role("row").filter(has=scope.page.get_by_role("rowheader", name=header, exact=exact))


def expect_cells(row, values: list[str]) -> None:
    expect(row.get_by_role("cell")).to_have_text(values)


def assigned_item(page):
    """The path's card under "Formations assignées" on Mon espace."""
    section = page.get_by_role("region", name="Formations assignées")
    return section.get_by_role("listitem").filter(has=page.get_by_role("heading", level=3, name=PATH_TITLE))


# --- The journey -----------------------------------------------------------------------------------------


def test_hr_assigns_a_path_to_a_service_and_follows_it_to_completion(
    page,
    phone_page,
    live_server,
    town,
    hr_officer,
    manager,
    agent,
    course,
    login,
    assert_no_axe_violations,
):
    today = timezone.localdate()
    due = today + timedelta(days=DUE_DAYS)

    # --- HR builds the path: a title and one required step. -------------------------------------------
    login(page, live_server, hr_officer.user.email, DEFAULT_PASSWORD)
    navigate(page, "Parcours")
    expect(page.get_by_role("heading", level=1)).to_have_text("Parcours de formation")
    page.get_by_role("link", name="Créer un parcours").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Créer un parcours")
    page.get_by_label("Titre du parcours").fill(PATH_TITLE)
    step = page.get_by_role("group", name="Étape 1 (nouvelle)")
    step.get_by_label("Cours").select_option(label=f"{COURSE_TITLE} (30 min)")
    expect(step.get_by_label("Étape obligatoire")).to_be_checked()
    page.get_by_role("button", name="Enregistrer le parcours").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Parcours de formation")
    expect(page.get_by_text(f"Le parcours « {PATH_TITLE} » est enregistré.")).to_be_visible()
    path = TrainingPath.objects.get(title=PATH_TITLE)
    assert path.organisation_id == town.pk
    assert list(PathStep.objects.filter(path=path).values_list("course_id", "required")) == [(course.pk, True)]

    # --- Assignment, step 1 of 2: the Direction and its sub-services, 30 days after the assignment. -------
    paths_table = page.get_by_role("table", name="1 parcours")
    row_of(paths_table, PATH_TITLE).get_by_role("link", name=f"Assigner {PATH_TITLE}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Assigner « {PATH_TITLE} »")
    service_choices = page.get_by_role("group", name="Services")
    expect(service_choices.get_by_role("checkbox")).to_have_count(3)
    service_choices.get_by_label(DIRECTION, exact=True).check()
    expect(page.get_by_label("Y compris les sous-services")).to_be_checked()
    page.get_by_role("group", name="Échéance").get_by_label("N jours après l'assignation").check()
    page.get_by_label("Délai (jours)").fill(str(DUE_DAYS))
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Vérifier l'assignation").click()

    # --- Step 2 of 2: the preview counts the agents concerned; nothing is recorded yet. --------------------
    expect(page.get_by_role("heading", level=1)).to_have_text("Vérifier l'assignation")
    expect(page.locator("#preview-counts")).to_have_text(
        "2 agents concernés, dont aucun n'a encore terminé ce parcours, aucun ne l'a encore reçu."
    )
    summary = page.locator("dl.summary-list")
    expect(summary).to_contain_text(f"{DIRECTION} (y compris les sous-services)")
    expect(summary).to_contain_text(f"{DUE_DAYS} jours après l'assignation")
    assert not Assignment.objects.exists()
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Assigner le parcours").click()

    # --- The assignment detail: applied at once (Celery runs eagerly in tests). ---------------------------
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Assignation « {PATH_TITLE} » du {french_date(today)}")
    expect(page.get_by_text("Assignation enregistrée : les agents concernés la reçoivent")).to_be_visible()
    expect(page.get_by_text("Règle permanente active")).to_be_visible()
    progress_table = page.get_by_role("table", name="Avancement des agents")
    expect_cells(row_of(progress_table, "À faire"), ["2"])
    expect_cells(row_of(progress_table, "Terminé"), ["0"])
    expect_cells(row_of(progress_table, "Total"), ["2"])
    assert_no_axe_violations(page)
    assignment = Assignment.objects.get(path=path)
    assert assignment.state == Assignment.State.READY
    assert (assignment.due_mode, assignment.due_days, assignment.include_subservices) == (
        Assignment.DueMode.AFTER_ASSIGNMENT,
        DUE_DAYS,
        True,
    )
    assert sorted(AgentAssignment.objects.filter(assignment=assignment).values_list("agent_id", "due_date")) == sorted(
        [(manager.pk, due), (agent.pk, due)]
    )

    # --- The agent, on a phone: the path on Mon espace, with its due date. --------------------------------
    phone = phone_page
    phone.route(HEARTBEAT, lambda route: route.abort())
    login(phone, live_server, agent.user.email, DEFAULT_PASSWORD)
    expect(phone.get_by_role("heading", level=1)).to_have_text("Mon espace")
    item = assigned_item(phone)
    expect(item).to_have_count(1)
    expect(item).to_contain_text("À commencer")
    expect(item).to_contain_text(f"à terminer avant le {french_date(due)}")
    expect(item.get_by_label("0 étape(s) obligatoire(s) sur 1")).to_have_attribute("value", "0")
    assert_no_axe_violations(phone)

    # The step opens the course; both lessons marked done complete it.
    item.get_by_role("link", name=COURSE_TITLE).click()
    expect(phone.get_by_role("heading", level=1)).to_have_text(COURSE_TITLE)
    phone.get_by_role("link", name="Commencer le cours").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text(LESSONS[0][0])
    phone.get_by_role("button", name=DONE_BUTTON).click()
    expect(phone.get_by_role("heading", level=1)).to_have_text(LESSONS[1][0])
    expect(phone.get_by_text(f"Leçon « {LESSONS[0][0]} » terminée.")).to_be_visible()
    phone.get_by_role("button", name=DONE_BUTTON).click()
    expect(phone).to_have_url(re.compile(re.escape(course.url) + "$"))
    expect(phone.get_by_text(f"Bravo, vous avez terminé le cours « {COURSE_TITLE} » !")).to_be_visible()
    assert CourseCompletion.objects.filter(agent=agent, course=course).count() == 1

    # Mon espace: the path is completed today.
    navigate(phone, "Mon espace")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Mon espace")
    item = assigned_item(phone)
    expect(item).to_contain_text(f"Terminé le {french_date(today)}")
    expect(item.get_by_role("progressbar")).to_have_count(0)
    expect(item).to_contain_text("(terminée)")
    assert_no_axe_violations(phone)
    done = AgentAssignment.objects.get(assignment=assignment, agent=agent)
    assert done.completed_at is not None

    # --- HR's dashboards: one path completed out of two agents concerned. ---------------------------------
    navigate(page, "Suivi des formations")
    expect(page.get_by_role("heading", level=1)).to_have_text("Suivi des formations")
    overview = page.get_by_role("table", name=f"Avancement des parcours au {french_date(today)}")
    # Cells: concerned, completed, in progress, not started, overdue, completion rate.
    expect_cells(row_of(overview, PATH_TITLE), ["2", "1", "0", "1", "0", "50\u202f%"])
    assert_no_axe_violations(page)

    row_of(overview, PATH_TITLE).get_by_role("link", name=PATH_TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(PATH_TITLE)
    expect(page.locator("dl.summary-list")).to_contain_text("1 (50 % de réalisation)")
    by_service = page.get_by_role("table", name="Avancement par service, sous-services compris")
    expect_cells(row_of(by_service, DIRECTION), ["2", "1", "0", "1", "0", "50\u202f%"])
    expect_cells(row_of(by_service, UNIT_FULL_NAME), ["1", "1", "0", "0", "0", "100\u202f%"])
    expect_cells(row_of(by_service, "Total"), ["2", "1", "0", "1", "0", "50\u202f%"])
    assert_no_axe_violations(page)

    # Drill-down: the agents of Voirie.
    row_of(by_service, UNIT_FULL_NAME).get_by_role("link", name=UNIT_FULL_NAME).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Agents concernés : {PATH_TITLE}")
    agents_table = page.get_by_role("table", name="1 agent trouvé")
    # Cells after the name: service, category, due date, status, completed on.
    expect_cells(
        row_of(agents_table, "MARTIN Léa"),
        [UNIT_FULL_NAME, "C", french_date(due), "Terminé", french_date(today)],
    )
    assert_no_axe_violations(page)

    # --- The manager: Mon équipe shows the agent's path as completed. -------------------------------------
    page.context.clear_cookies()
    login(page, live_server, manager.user.email, DEFAULT_PASSWORD)
    navigate(page, "Mon équipe")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon équipe")
    team = page.get_by_role("table", name=f"Formations de votre équipe au {french_date(today)}")
    member = team.get_by_role("row").filter(has=page.get_by_role("rowheader", name=re.compile(r"^Léa Martin")))
    expect(member).to_have_count(1)
    # Cells after the person: training, status, due date, completed on, action.
    expect_cells(member, [PATH_TITLE, "Terminé", french_date(due), french_date(today), "—"])
    # "0 formation(s)": the source text is French, whose plural rule (n > 1) gettext does not apply to it.
    expect(page.get_by_text(re.compile(r"^1 personne · 0 formations? à terminer · 0 en retard$"))).to_be_visible()
    assert_no_axe_violations(page)
