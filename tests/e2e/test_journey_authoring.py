"""Journey: a trainer writes a course with two lessons in the Wagtail admin and submits it to
"Relecture pédagogique"; a reviewer approves it; an agent finds it in the catalogue by an accent-free
search narrowed by a filter, opens it and reads its first lesson.

The Wagtail admin is driven through its labels and roles, opened at its own URLs; axe checks the pages
that agents see (the catalogue, the course, the lesson), not the Wagtail admin.
"""

import re

import pytest
from playwright.sync_api import expect

from courses.factories import CoursePageFactory, LessonPageFactory
from courses.models import CatalogPage, CoursePage, LessonPage
from people.factories import DEFAULT_PASSWORD, AgentFactory, OrganisationFactory, TrainerAgentFactory
from people.roles import REVIEWER_GROUP

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

WORKFLOW = "Relecture pédagogique"
COURSE_TITLE = "Sécurité des réseaux"
LESSONS = [
    ("Repérer les menaces sur le réseau", "Un réseau mal protégé laisse entrer des logiciels malveillants."),
    ("Protéger le Wi-Fi de la mairie", "Un mot de passe long protège le réseau sans fil du public."),
]
EDIT_URL = re.compile(r"/admin/pages/(\d+)/edit/")


@pytest.fixture
def people():
    organisation = OrganisationFactory(name="Commune de Saint-Aubin-des-Bois", slug="saint-aubin-des-bois")
    trainer = TrainerAgentFactory(organisation=organisation, user__email="formateur@saint-aubin.example.org")
    reviewer = AgentFactory(
        organisation=organisation, user__email="relecteur@saint-aubin.example.org", groups=[REVIEWER_GROUP]
    )
    agent = AgentFactory(organisation=organisation, user__email="agent@saint-aubin.example.org")
    return trainer, reviewer, agent


@pytest.fixture(autouse=True)
def _quiet_editor(settings, page):
    """Keep Wagtail's editor from sending requests of its own while the journey makes its requests.

    With SQLite, the live server's threads share the test's database connection, so two requests at once
    can collide ("database table is locked"). Autosave is turned off (it is not part of this journey), the
    editing-session ping runs once when an editor opens instead of every 10 seconds, and the release beacon
    that the editor sends while the browser already loads the next page is dropped by the browser (it only
    tells other editors that this one left).
    """
    settings.WAGTAIL_AUTOSAVE_INTERVAL = 0
    settings.WAGTAIL_EDITING_SESSION_PING_INTERVAL = 60 * 60 * 1000
    page.route("**/admin/editing-sessions/release/**", lambda route: route.abort())


@pytest.fixture
def decoy_course():
    """A live course that the same words find, at another level: only the filter tells them apart.

    A third live course, on another subject, is one that the search leaves out.
    """
    course = CoursePageFactory(
        title="Sécurité des réseaux sans fil", slug="securite-des-reseaux-sans-fil", level="decouverte"
    )
    LessonPageFactory(parent=course)
    other = CoursePageFactory(title="Messagerie professionnelle", slug="messagerie", level="intermediaire")
    LessonPageFactory(parent=other)
    return course


# --- Wagtail admin helpers -------------------------------------------------------------------------------


def footer_action(page, name: str) -> None:
    """Clicks an action of the editor's footer, opening "Plus d'actions" when the action sits in it."""
    footer = page.get_by_role("navigation", name="Actions (pied de page)")
    action = footer.get_by_role("button", name=name, exact=True)
    if not action.is_visible():
        footer.get_by_role("button", name="Plus d'actions").click()
    with page.expect_navigation():
        action.click()


def wait_for_slug(page) -> None:
    """Wagtail's script fills the slug from the title once the title field loses focus, a moment later on a
    loaded machine: submitting before it leaves the slug empty ("Champ requis")."""
    expect(page.locator("input[name='slug']")).to_have_value(re.compile(r"\S"))


def expect_admin_message(page, text: str) -> None:
    expect(page.get_by_role("status").first).to_contain_text(text)


def create_course_draft(page) -> int:
    """Fills the course form (title, summary, level, a CRCN competence), saves a draft, returns its id."""
    catalog_id = CatalogPage.objects.get().pk
    page.goto(f"/admin/pages/add/courses/coursepage/{catalog_id}/")
    page.get_by_role("textbox", name="Titre*").fill(COURSE_TITLE)
    page.get_by_role("textbox", name="Résumé*").fill("Protéger le réseau du service et les données qu'il transporte.")
    page.get_by_role("combobox", name="Niveau*").select_option(label="Intermédiaire")
    competences = page.get_by_role("region", name="Compétences travaillées (CRCN) 1")
    competences.get_by_role("combobox", name="Compétence*").select_option(
        label="4.1 Sécuriser l'environnement numérique"
    )
    wait_for_slug(page)
    footer_action(page, "Enregistrer le brouillon")
    expect_admin_message(page, f"Page « {COURSE_TITLE} » créée.")
    return int(EDIT_URL.search(page.url).group(1))


def create_and_submit_lesson(page, course_id: int, title: str, text: str) -> None:
    """Fills a lesson with one text block and submits it for review straight from the form."""
    page.goto(f"/admin/pages/add/courses/lessonpage/{course_id}/")
    page.get_by_role("textbox", name="Titre*").fill(title)
    body = page.get_by_role("region", name="Contenu*")
    body.get_by_role("button", name="Insérer un bloc").click()
    page.get_by_role("option", name="Texte", exact=True).click()
    editor = body.get_by_role("region", name="Texte *").get_by_role("textbox")
    editor.click()
    page.keyboard.type(text)  # Draftail follows typed keys; fill() would bypass its editor state
    # Draftail copies its content into the form's hidden field a moment later: wait for it before submitting.
    expect(body.locator("input[type=hidden][name$='-value']")).to_have_value(re.compile(re.escape(text)))
    wait_for_slug(page)
    footer_action(page, f"Soumettre à {WORKFLOW}")
    expect_admin_message(page, f"Page « {title} » créée et soumise pour modération.")


def submit_course(page, course_id: int) -> None:
    page.goto(f"/admin/pages/{course_id}/edit/")
    footer_action(page, f"Soumettre à {WORKFLOW}")
    expect_admin_message(page, f"La page « {COURSE_TITLE} » a été soumise pour modération.")


def approve(page, page_id: int, title: str) -> None:
    """The reviewer's "Approuver et Publier" on the editor: the only review task, so the page goes live."""
    page.goto(f"/admin/pages/{page_id}/edit/")
    footer_action(page, "Approuver et Publier")
    expect_admin_message(page, f"La page « {title} » a été mise à jour.")


def switch_user(page, live_server, login, email: str) -> None:
    page.context.clear_cookies()
    login(page, live_server, email, DEFAULT_PASSWORD)


# --- The journey --------------------------------------------------------------------------------------------


def test_course_written_reviewed_and_found_in_the_catalogue(
    page, live_server, login, people, decoy_course, assert_no_axe_violations
):
    """Trainer writes and submits, reviewer approves, agent finds the course by an accent-free search."""
    trainer, reviewer, agent = people

    # The trainer writes the course and its two lessons, and submits all three for review.
    login(page, live_server, trainer.user.email, DEFAULT_PASSWORD)
    course_id = create_course_draft(page)
    for title, text in LESSONS:
        create_and_submit_lesson(page, course_id, title, text)
    submit_course(page, course_id)

    course = CoursePage.objects.get(pk=course_id)
    lessons = list(LessonPage.objects.child_of(course).order_by("path"))
    assert [lesson.title for lesson in lessons] == [title for title, _text in LESSONS]
    assert not course.live
    assert not any(lesson.live for lesson in lessons)

    # The reviewer approves the course and both lessons.
    switch_user(page, live_server, login, reviewer.user.email)
    approve(page, course_id, COURSE_TITLE)
    for lesson in lessons:
        approve(page, lesson.pk, lesson.title)

    assert CoursePage.objects.get(pk=course_id).live
    assert LessonPage.objects.child_of(course).live().count() == 2

    # The agent searches without accents, narrows by level, opens the course and its first lesson.
    switch_user(page, live_server, login, agent.user.email)
    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Catalogue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Catalogue des formations")
    expect(page.get_by_role("status")).to_have_text("3 cours")
    assert_no_axe_violations(page)

    search = page.get_by_role("search", name="Rechercher et filtrer les cours")
    search.get_by_label("Rechercher un cours").fill("securite reseaux")
    search.get_by_role("button", name="Rechercher").click()
    results = page.get_by_role("region", name=re.compile(r"\d+ cours"))
    expect(page.get_by_role("status")).to_have_text("2 cours")
    expect(results.get_by_role("link", name=COURSE_TITLE, exact=True)).to_be_visible()
    expect(results.get_by_role("link", name=decoy_course.title)).to_be_visible()

    search.get_by_label("Niveau").select_option(label="Intermédiaire")
    search.get_by_role("button", name="Rechercher").click()
    expect(page).to_have_url(re.compile(r"[?&]level=intermediaire(&|$)"))
    expect(page).to_have_url(re.compile(r"[?&]q=securite(\+|%20)reseaux(&|$)"))
    expect(page.get_by_role("status")).to_have_text("1 cours")
    expect(results.get_by_role("link")).to_have_text([COURSE_TITLE])
    expect(search.get_by_label("Rechercher un cours")).to_have_value("securite reseaux")
    assert_no_axe_violations(page)

    results.get_by_role("link", name=COURSE_TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(COURSE_TITLE)
    expect(page.get_by_role("list").filter(has_text="Durée")).to_contain_text("2 leçons")
    outline = page.get_by_role("region", name="Programme")
    expect(outline.get_by_role("link")).to_have_text([title for title, _text in LESSONS])
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Commencer le cours").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(LESSONS[0][0])
    expect(page.get_by_text("Leçon 1 sur 2")).to_be_visible()
    expect(page.get_by_role("article")).to_contain_text(LESSONS[0][1])
    expect(page.get_by_role("link", name=f"Leçon suivante : {LESSONS[1][0]}")).to_be_visible()
    assert_no_axe_violations(page)
