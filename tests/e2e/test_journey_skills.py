"""Journey of issue #8 (digital skills): on a 360 px phone, an agent opens "Mes compétences", takes the
positioning test by ticking real radio buttons, reads that it is done, finds their level (chart and
table), their gap to the level expected of their job and the recommended course, and enrols in it. On a
desktop, HR open the skills heatmap, drill into a direction, open the cell of one competence for one
service, see the agents below target and assign them the recommended course with a fixed due date
(form → preview → confirmation). axe finds no WCAG 2.1 AA violation on the pages visited, and the
profile page does not scroll sideways at 360 px.

quiz.js saves answers in the background as the agent ticks them; with SQLite the live server's threads
share the test's database connection, so those saves are dropped in the browser (as in
test_journey_quiz.py): the form's own submission carries the answers.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone, translation
from django.utils.formats import date_format
from playwright.sync_api import expect

from courses.factories import CoursePageFactory, LessonPageFactory
from paths.models import AgentAssignment, Assignment
from people.factories import DEFAULT_PASSWORD, AgentFactory, HRAgentFactory, OrganisationFactory, ServiceFactory
from progress.models import Enrollment
from quizzes.factories import QuestionFactory, QuizFactory, answer
from quizzes.models import QuizKind
from quizzes.services import start_attempt, submit_attempt
from skills.factories import CompetenceLevelFactory, TargetFactory, competence
from skills.models import CompetenceLevel

pytestmark = pytest.mark.django_db(transaction=True)

PROFILE_PATH = "/mon-espace/competences/"
POSITIONING_PATH = "/test-de-positionnement/"
HEATMAP_PATH = "/rh/competences/"
CELL_PATH = "/rh/competences/detail/"
GAP_PATH = "/rh/competences/assigner/"
QUIZ_AUTOSAVE = re.compile(r"/quiz/tentative/\d+/enregistrer/$")
ATTEMPT_URL = re.compile(r"/quiz/tentative/\d+/")
REVIEW_URL = re.compile(r"/quiz/tentative/\d+/correction/")

PHONE_WIDTH = 360
JOB = "Agent de voirie"
DIRECTION = "Direction des services techniques"
ROADS = "Voirie"
PARKS = "Espaces verts"
QUIZ_TITLE = "Test de positionnement numérique"
COURSE_TITLE = "Cybersécurité au quotidien"

# (competence, level, statement, right answer, wrong answer)
QUESTIONS = [
    (
        "4.1",
        2,
        "Quel mot de passe protège le mieux votre messagerie ?",
        "Une phrase de passe longue",
        "Le prénom de mon chat",
    ),
    (
        "4.1",
        4,
        "Avant de saisir un mot de passe sur un site, que vérifiez-vous ?",
        "Le nom de domaine dans la barre d'adresse",
        "Le logo affiché sur la page",
    ),
    (
        "2.1",
        2,
        "Pour répondre à tous les destinataires d'un courriel, vous utilisez :",
        "Répondre à tous",
        "Transférer",
    ),
    (
        "2.1",
        4,
        "Pour envoyer un fichier de 500 Mo à un partenaire extérieur :",
        "Un lien de partage qui expire",
        "Une pièce jointe au courriel",
    ),
]


# --- Data ------------------------------------------------------------------------------------------------


@pytest.fixture
def town():
    return OrganisationFactory(name="Commune de Saint-Aubin", slug="saint-aubin")


@pytest.fixture
def services(town):
    """Direction générale; the technical direction with two services below it (Voirie, Espaces verts)."""
    general = ServiceFactory(organisation=town, name="Direction générale")
    direction = ServiceFactory(organisation=town, name=DIRECTION)
    roads = ServiceFactory(parent=direction, name=ROADS)
    parks = ServiceFactory(parent=direction, name=PARKS)
    direction.refresh_from_db()
    return {"general": general, "direction": direction, "roads": roads, "parks": parks}


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
def camille(town, services):
    return AgentFactory(
        organisation=town,
        service=services["roads"],
        job_title=JOB,
        user__first_name="Camille",
        user__last_name="Durand",
        user__email="camille.durand@saint-aubin.example.org",
    )


@pytest.fixture
def colleagues(town, services):
    """Voirie: one road worker below the target (1), one above (5); Espaces verts: a gardener (no target)."""
    below = AgentFactory(
        organisation=town, service=services["roads"], job_title=JOB, user__first_name="Bruno", user__last_name="Petit"
    )
    above = AgentFactory(
        organisation=town, service=services["roads"], job_title=JOB, user__first_name="Nadia", user__last_name="Roux"
    )
    gardener = AgentFactory(
        organisation=town,
        service=services["parks"],
        job_title="Jardinier",
        user__first_name="Marc",
        user__last_name="Lambert",
    )
    CompetenceLevelFactory(agent=below, competence=competence("4.1"), level=1)
    CompetenceLevelFactory(agent=above, competence=competence("4.1"), level=5)
    CompetenceLevelFactory(agent=gardener, competence=competence("4.1"), level=3)
    CompetenceLevelFactory(agent=gardener, competence=competence("2.1"), level=4)
    return {"below": below, "above": above, "gardener": gardener}


@pytest.fixture
def target(town):
    """Road workers are expected at level 4 on 4.1."""
    return TargetFactory(organisation=town, job_title=JOB, competence=competence("4.1"), level=4)


@pytest.fixture
def quiz():
    """Four single-choice questions: 4.1 and 2.1, each at levels 2 and 4."""
    quiz = QuizFactory(title=QUIZ_TITLE, kind=QuizKind.POSITIONING, pass_mark=0)
    for code, level, text, right, wrong in QUESTIONS:
        QuestionFactory(
            quiz=quiz,
            competence=competence(code),
            level=level,
            text=f"<p>{text}</p>",
            answers=[answer(right, 100), answer(wrong, 0)],
        )
    return quiz


@pytest.fixture
def course():
    """A live course that trains 4.1 up to level 4: the one recommended for the gap 2 → 4."""
    course = CoursePageFactory(
        title=COURSE_TITLE, slug="cybersecurite-au-quotidien", duration_minutes=90, competences=(("4.1", 4),)
    )
    LessonPageFactory(
        parent=course,
        title="Choisir un mot de passe",
        slug="lecon-1",
        minutes=90,
        body=[{"type": "text", "value": "<p>Une phrase de passe longue vaut mieux qu'un mot compliqué.</p>"}],
    )
    return course


@pytest.fixture
def world(town, services, hr_officer, camille, colleagues, target, quiz, course):
    return {
        "town": town,
        "services": services,
        "hr_officer": hr_officer,
        "camille": camille,
        "colleagues": colleagues,
        "course": course,
        "quiz": quiz,
    }


# --- Helpers ---------------------------------------------------------------------------------------------


def french_date(day) -> str:
    with translation.override("fr"):
        return date_format(day, "j F Y")


def navigate(page, label: str) -> None:
    nav = page.get_by_role("navigation", name="Navigation principale")
    nav.get_by_role("link", name=label, exact=True).click()


def drop_quiz_autosaves(page) -> None:
    """Drop quiz.js's background saves; the form's own submissions (document requests) go through."""
    page.route(
        QUIZ_AUTOSAVE,
        lambda route: route.abort() if route.request.resource_type == "fetch" else route.continue_(),
    )


def page_width(page) -> int:
    """The document's width in CSS pixels: more than the screen means sideways scrolling."""
    return page.evaluate("document.documentElement.scrollWidth")


def competence_row(table, code: str):
    """The row of a table whose row header starts with the competence's code."""
    return table.get_by_role("row").filter(has=table.page.get_by_role("rowheader", name=re.compile(rf"^{code} ")))


def take_positioning_test_by_services(agent, quiz) -> None:
    """Camille's test, as the phone journey takes it: right at level 2, wrong at level 4."""
    attempt = start_attempt(quiz_id=quiz.pk, agent_id=agent.pk)
    answers = {}
    for index, slot in enumerate(attempt.questions):
        wanted = 1 if slot["level"] == 2 else 0
        answers[index] = next(choice["key"] for choice in slot["choices"] if choice["fraction"] == wanted)
    submit_attempt(attempt_id=attempt.pk, agent_id=agent.pk, answers=answers)


# --- 1. The agent, on a phone ----------------------------------------------------------------------------


def test_agent_takes_the_positioning_test_and_enrols_in_the_recommended_course_on_a_phone(
    phone_page, live_server, world, login, assert_no_axe_violations
):
    """Mes compétences → positioning test (real radio buttons) → level, gap and course → enrolled."""
    page = phone_page
    camille, course = world["camille"], world["course"]
    drop_quiz_autosaves(page)
    login(page, live_server, camille.user.email, DEFAULT_PASSWORD)

    # Mes compétences, before any test: the call to take it.
    navigate(page, "Mes compétences")
    expect(page).to_have_url(re.compile(re.escape(PROFILE_PATH) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes compétences numériques")
    expect(page.get_by_role("region", name="Pour progresser")).to_contain_text(
        "Votre niveau : Non évalué → niveau visé : 4 — Indépendant"
    )
    page.get_by_role("link", name="Faire le test de positionnement (15 min)").click()

    # The introduction, then the test itself.
    expect(page).to_have_url(re.compile(re.escape(POSITIONING_PATH) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Test de positionnement")
    expect(page.get_by_text("4 questions, une par compétence et par niveau, sur 2 compétences.")).to_be_visible()
    widths = {"introduction": page_width(page)}
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Commencer le test").click()
    expect(page).to_have_url(ATTEMPT_URL)
    expect(page.get_by_role("heading", level=1)).to_have_text(QUIZ_TITLE)
    expect(page.locator("fieldset.question")).to_have_count(len(QUESTIONS))
    widths["test"] = page_width(page)
    assert_no_axe_violations(page)
    for _code, level, _text, right, wrong in QUESTIONS:
        radio = page.get_by_role("radio", name=right if level == 2 else wrong, exact=True)
        radio.check()
        expect(radio).to_be_checked()
    page.get_by_role("button", name="Valider mes réponses").click()

    # The review: no score, no failure; the way to the profile.
    expect(page).to_have_url(REVIEW_URL)
    expect(page.get_by_text("Test de positionnement terminé", exact=True)).to_be_visible()
    levels = dict(CompetenceLevel.objects.filter(agent=camille).values_list("competence__code", "level"))
    assert levels == {"4.1": 2, "2.1": 2}
    page.get_by_role("link", name="Voir mon profil et les formations recommandées").click()

    # The profile: chart, table, gap and recommended course.
    expect(page).to_have_url(re.compile(re.escape(PROFILE_PATH) + "$"))
    chart = page.locator("svg[role=img]")
    expect(chart).to_have_count(1)
    expect(chart).to_be_visible()
    table = page.get_by_role("table", name="Mes niveaux par compétence")
    row = competence_row(table, "4.1")
    expect(row).to_have_count(1)
    expect(row.get_by_role("cell").nth(0)).to_have_text("2 — Novice")
    today = french_date(timezone.localdate())
    expect(row.get_by_role("cell").nth(1)).to_contain_text(f"Test de positionnement, {today}")
    expect(row.get_by_role("cell").nth(2)).to_have_text("4 — Indépendant")
    expect(row.get_by_role("cell").nth(3)).to_have_text("Sous le niveau attendu")
    expect(competence_row(table, "2.1").get_by_role("cell").nth(0)).to_have_text("2 — Novice")
    gaps = page.get_by_role("region", name="Pour progresser")
    gap = gaps.get_by_role("listitem").filter(has=page.get_by_role("heading", level=3, name=re.compile(r"^4\.1 ")))
    expect(gap).to_have_count(1)
    expect(gap).to_contain_text("Votre niveau : 2 — Novice → niveau visé : 4 — Indépendant")
    expect(gap.get_by_role("link", name=COURSE_TITLE, exact=True)).to_have_attribute("href", course.url)
    expect(page.get_by_role("link", name="Refaire le test")).to_be_visible()
    widths["profil"] = page_width(page)
    assert all(width <= PHONE_WIDTH for width in widths.values()), f"page widths at {PHONE_WIDTH} px: {widths}"
    assert_no_axe_violations(page)

    # Enrol from the recommendation: the course page confirms it.
    gap.get_by_role("button", name=f"S'inscrire : {COURSE_TITLE}").click()
    expect(page).to_have_url(re.compile(re.escape(course.url) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(COURSE_TITLE)
    expect(page.get_by_text(f"Vous êtes inscrit au cours « {COURSE_TITLE} ».")).to_be_visible()
    assert Enrollment.objects.filter(agent=camille, course=course).count() == 1


# --- 2. HR, on a desktop ---------------------------------------------------------------------------------


def test_hr_drills_down_the_heatmap_and_assigns_the_course_to_the_agents_below_target(
    page, live_server, world, login, assert_no_axe_violations
):
    """Heatmap → direction → cell 4.1 of Voirie → gap page → preview → assignment naming Camille."""
    camille, course, services = world["camille"], world["course"], world["services"]
    take_positioning_test_by_services(camille, world["quiz"])
    code_41 = competence("4.1")
    due = timezone.localdate() + timedelta(days=60)
    login(page, live_server, world["hr_officer"].user.email, DEFAULT_PASSWORD)

    # The heatmap of the whole organisation, then the technical direction.
    navigate(page, "Compétences")
    expect(page).to_have_url(re.compile(re.escape(HEATMAP_PATH) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Carte des compétences")
    heatmap = page.get_by_role("table", name=re.compile(r"^Niveau moyen des agents évalués"))
    expect(heatmap).to_be_visible()
    assert_no_axe_violations(page)
    heatmap.get_by_role("link", name=re.compile(rf"^{DIRECTION}")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Carte des compétences : {DIRECTION}")

    # The cell of 4.1 for Voirie: two agents below the target out of three.
    cell_link = page.locator(f'a[href*="competence={code_41.pk}&service={services["roads"].pk}"]')
    expect(cell_link).to_have_count(1)
    expect(cell_link).to_contain_text("67 % sous la cible")
    cell_link.click()
    expect(page).to_have_url(re.compile(re.escape(CELL_PATH) + r"\?"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"4.1 {code_41.name}")
    agents = page.get_by_role("table", name=re.compile(r"^3 agents — 4\.1 "))
    row = agents.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Camille Durand"))
    expect(row).to_have_count(1)
    expect(row.get_by_role("cell")).to_have_text(
        [f"{DIRECTION} / {ROADS}", JOB, "2 — Novice", "4 — Indépendant", "Sous la cible"]
    )
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Assigner une formation aux 2 agents sous la cible").click()

    # The gap page: the recommended course preselected, a fixed due date.
    expect(page).to_have_url(re.compile(re.escape(GAP_PATH) + r"\?"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Assigner une formation : compétence 4.1")
    expect(page.locator("#gap-figures")).to_contain_text("Agents sous le niveau attendu2")
    expect(page.get_by_role("radio", name=re.compile(rf"^{COURSE_TITLE} — jusqu'au niveau 4"))).to_be_checked()
    page.get_by_role("group", name=re.compile(r"^Échéance")).get_by_label("À une date fixe").check()
    page.get_by_label("Date d'échéance").fill(due.isoformat())
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Prévisualiser").click()

    # The preview: two agents, Camille among them; nothing recorded yet.
    expect(page.get_by_role("heading", level=1)).to_have_text("Vérifier l'assignation")
    expect(page.locator("#preview-counts")).to_contain_text("2 agents concernés")
    expect(page.locator("#preview-agents")).to_contain_text("Camille Durand")
    expect(page.locator("dl.summary-list")).to_contain_text(french_date(due))
    assert not Assignment.objects.exists()
    page.get_by_role("button", name="Confirmer l'assignation").click()

    # The assignment page; Camille and Bruno receive the course, Nadia (level 5) does not.
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Assignation « {COURSE_TITLE} » du {french_date(timezone.localdate())}"
    )
    expect(page.get_by_text("Assignation enregistrée")).to_be_visible()
    assignment = Assignment.objects.get()
    assert assignment.path.single_course
    assert list(assignment.path.steps.values_list("course_id", flat=True)) == [course.pk]
    assert set(assignment.agents.all()) == {camille, world["colleagues"]["below"]}
    received = set(AgentAssignment.objects.filter(assignment=assignment).values_list("agent_id", "due_date"))
    assert (camille.pk, due) in received
    assert len(received) == 2
