"""Journey: on a 360 px phone, an agent enrols in a course from the catalogue, marks lessons done, leaves,
resumes exactly where they stopped from Mon espace, passes the quiz that ends the course and finds the
course completed on Mon espace, on the course page and in the livret. Nothing scrolls sideways and axe
finds no WCAG 2.1 AA violation on Mon espace, the course and the lesson; the livret's axe check is a test
of its own, an expected failure until its scrolling table can take the keyboard focus.

Two shorter journeys follow: "J'ai terminé cette leçon" reached by Tab and sent by Enter, and the lesson
page's heartbeat (progress.js), sent on the browser's sped-up clock and credited in the database.

progress.js reports the visible time every 30 s and once more when the page is left (a beacon sent while
the browser already loads the next page). With SQLite the live server's threads share the test's database
connection, so such a request at the same moment as a page load could collide: the journeys that are not
about the heartbeat drop it in the browser, as test_journey_quiz.py drops quiz.js's autosaves.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from courses.factories import CoursePageFactory, LessonPageFactory
from people.factories import DEFAULT_PASSWORD, AgentFactory
from progress import services as progress_services
from progress.models import CourseCompletion, Enrollment, LessonProgress
from quizzes import services as quiz_services
from quizzes.factories import QuestionFactory, QuizFactory, answer

pytestmark = pytest.mark.django_db(transaction=True)

DASHBOARD_PATH = "/mon-espace/"
LIVRET_PATH = "/mon-espace/livret/"
COURSE_TITLE = "Bien utiliser sa messagerie"
LESSONS = [
    ("Écrire un courriel clair", "Un objet précis aide le destinataire à classer votre message."),
    ("Joindre un document", "Au-delà de dix mégaoctets, déposez le fichier et partagez un lien."),
    ("Repérer un courriel frauduleux", "Un message pressant qui demande un mot de passe est suspect."),
]
QUIZ_TITLE = "Les courriels frauduleux"
QUESTION = "Votre banque vous demande votre mot de passe par courriel : que faites-vous ?"
RIGHT = "Je ne réponds pas et je signale le message"
WRONG = "Je réponds avec mon mot de passe"
DONE_BUTTON = "J'ai terminé cette leçon"

HEARTBEAT = re.compile(r"/progression/lecons/\d+/activite/$")
QUIZ_AUTOSAVE = re.compile(r"/quiz/tentative/\d+/enregistrer/$")
REVIEW_URL = re.compile(r"/quiz/tentative/\d+/correction/\?next=")


# --- Data ------------------------------------------------------------------------------------------------


@pytest.fixture
def agent():
    return AgentFactory(
        user__first_name="Hélène", user__last_name="Lefèvre", user__email="helene.lefevre@saint-aubin.example.org"
    )


@pytest.fixture
def quiz():
    quiz = QuizFactory(title=QUIZ_TITLE, pass_mark=80, shuffle_choices=False)
    QuestionFactory(
        quiz=quiz,
        text=f"<p>{QUESTION}</p>",
        answers=[answer(RIGHT, 100, "Bon réflexe."), answer(WRONG, 0, "Surtout pas.")],
    )
    return quiz


@pytest.fixture
def course(quiz):
    """Three lessons; the third holds a required quiz, which decides its completion."""
    course = CoursePageFactory(title=COURSE_TITLE, slug="bien-utiliser-sa-messagerie", duration_minutes=30)
    for number, (title, text) in enumerate(LESSONS, start=1):
        body = [{"type": "text", "value": f"<p>{text}</p>"}]
        if number == len(LESSONS):
            body.append({"type": "quiz", "value": {"quiz": quiz.pk, "intro": "Une question.", "required": True}})
        LessonPageFactory(parent=course, title=title, slug=f"lecon-{number}", minutes=10, body=body)
    return course


@pytest.fixture
def lessons(course):
    return list(course.get_children().specific().order_by("path"))


# --- Helpers ---------------------------------------------------------------------------------------------


def drop_heartbeats(page) -> None:
    """Drop progress.js's beats and beacons in the browser (see the module's docstring)."""
    page.route(HEARTBEAT, lambda route: route.abort())


def drop_quiz_autosaves(page) -> None:
    """Drop quiz.js's background saves; the form's own submissions (document requests) go through."""
    page.route(
        QUIZ_AUTOSAVE,
        lambda route: route.abort() if route.request.resource_type == "fetch" else route.continue_(),
    )


def scroll_overflow(page) -> int:
    """How many CSS pixels the page is wider than the screen (0: no sideways scrolling)."""
    return page.evaluate("Math.max(0, document.documentElement.scrollWidth - window.innerWidth)")


def go_to_mon_espace(page) -> None:
    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Mon espace").click()
    expect(page).to_have_url(re.compile(re.escape(DASHBOARD_PATH) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon espace")


def expect_lesson(page, lesson, position: int) -> None:
    expect(page).to_have_url(re.compile(re.escape(lesson.url) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(lesson.title)
    expect(page.get_by_text(f"Leçon {position} sur {len(LESSONS)}")).to_be_visible()


def complete_the_course(agent, course, lessons, quiz) -> None:
    """Through the services, as the journey above does through the pages: two lessons marked done, the quiz
    passed (graded in process: tasks run eagerly in tests)."""
    progress_services.enroll(agent_id=agent.pk, course_id=course.pk)
    for lesson in lessons[:2]:
        progress_services.complete_lesson(agent_id=agent.pk, lesson_id=lesson.pk)
    attempt = quiz_services.start_attempt(quiz_id=quiz.pk, agent_id=agent.pk)
    right = next(choice["key"] for choice in attempt.questions[0]["choices"] if choice["text"] == RIGHT)
    attempt = quiz_services.submit_attempt(attempt_id=attempt.pk, agent_id=agent.pk, answers={0: right})
    assert attempt.passed
    assert CourseCompletion.objects.filter(agent=agent, course=course).exists()


def section(page, title: str):
    return page.get_by_role("region", name=title)


# --- 1. The whole journey on a phone ---------------------------------------------------------------------


def test_agent_follows_a_course_to_its_end_on_a_phone(
    phone_page, live_server, agent, course, lessons, quiz, login, assert_no_axe_violations
):
    page = phone_page
    drop_heartbeats(page)
    drop_quiz_autosaves(page)
    widths: dict[str, int] = {}
    login(page, live_server, agent.user.email, DEFAULT_PASSWORD)

    # Mon espace, before anything: no course in progress.
    expect(section(page, "Mes cours en cours")).to_contain_text("Aucun cours en cours")
    widths["mon espace (vide)"] = scroll_overflow(page)

    # The catalogue, then the course page: enrol.
    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Catalogue").click()
    page.get_by_role("link", name=COURSE_TITLE).click()
    expect(page).to_have_url(re.compile(re.escape(course.url) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(COURSE_TITLE)
    widths["cours (non inscrit)"] = scroll_overflow(page)
    page.get_by_role("button", name="S'inscrire à ce cours").click()
    expect(page.get_by_text(f"Vous êtes inscrit au cours « {COURSE_TITLE} ».")).to_be_visible()
    expect(page.get_by_label("Progression : 0 %")).to_have_attribute("value", "0")
    assert Enrollment.objects.filter(agent=agent, course=course).count() == 1
    widths["cours (inscrit)"] = scroll_overflow(page)
    assert_no_axe_violations(page)

    # Lesson 1: read it, mark it done; the next lesson opens.
    page.get_by_role("link", name="Commencer le cours").click()
    expect_lesson(page, lessons[0], 1)
    expect(page.get_by_text(LESSONS[0][1])).to_be_visible()
    widths["leçon 1"] = scroll_overflow(page)
    assert_no_axe_violations(page)
    page.get_by_role("button", name=DONE_BUTTON).click()
    expect_lesson(page, lessons[1], 2)
    expect(page.get_by_text(f"Leçon « {LESSONS[0][0]} » terminée.")).to_be_visible()
    outline = page.get_by_role("navigation", name="Programme du cours")
    expect(outline.get_by_role("listitem").nth(0)).to_contain_text("(terminée)")
    expect(outline.get_by_role("listitem").nth(1)).not_to_contain_text("(terminée)")

    # Leave for Mon espace: the course is in progress, one lesson out of three.
    go_to_mon_espace(page)
    in_progress = section(page, "Mes cours en cours")
    card = in_progress.get_by_role("listitem").filter(has_text=COURSE_TITLE)
    expect(card.get_by_role("heading", level=3).get_by_role("link", name=COURSE_TITLE, exact=True)).to_be_visible()
    bar = card.get_by_label("1 leçon(s) sur 3 terminée(s)")
    expect(bar).to_be_visible()
    expect(bar).to_have_attribute("max", "100")
    expect(bar).to_have_attribute("value", "33")
    expect(card).to_contain_text(f"Prochaine étape : {LESSONS[1][0]}")
    expect(section(page, "Cours terminés")).to_contain_text("Vous n'avez pas encore terminé de cours.")
    widths["mon espace (en cours)"] = scroll_overflow(page)
    assert_no_axe_violations(page)

    # "Reprendre" opens exactly lesson 2.
    card.get_by_role("link", name=f"Reprendre : {COURSE_TITLE}").click()
    expect_lesson(page, lessons[1], 2)
    page.get_by_role("button", name=DONE_BUTTON).click()

    # Lesson 3 holds the required quiz: no button, the quiz decides.
    expect_lesson(page, lessons[2], 3)
    expect(page.get_by_text("Cette leçon sera terminée quand vous aurez réussi son quiz.")).to_be_visible()
    expect(page.get_by_role("button", name=DONE_BUTTON)).to_have_count(0)
    widths["leçon 3 (quiz)"] = scroll_overflow(page)
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Commencer le quiz").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(QUIZ_TITLE)
    page.get_by_role("radio", name=RIGHT).check()
    page.get_by_role("button", name="Valider mes réponses").click()
    expect(page).to_have_url(REVIEW_URL)
    expect(page.get_by_text("Quiz réussi", exact=True)).to_be_visible()

    # Back to the lesson: done, and the course with it.
    page.get_by_role("link", name="Revenir à la leçon").click()
    expect_lesson(page, lessons[2], 3)
    completion = page.get_by_role("region", name="Suivi de la leçon")
    expect(completion).to_contain_text("Leçon terminée")
    expect(completion).to_contain_text("Cours terminé")
    widths["leçon 3 (terminée)"] = scroll_overflow(page)
    assert CourseCompletion.objects.filter(agent=agent, course=course).count() == 1
    assert LessonProgress.objects.filter(enrollment__agent=agent, completed_at__isnull=False).count() == 3

    # Mon espace: no longer in progress, listed among the completed courses.
    go_to_mon_espace(page)
    expect(section(page, "Mes cours en cours")).to_contain_text("Aucun cours en cours")
    table = section(page, "Cours terminés").get_by_role("table", name="Cours terminés")
    row = table.get_by_role("row").filter(has=page.get_by_role("rowheader", name=COURSE_TITLE))
    expect(row).to_have_count(1)
    expect(row.get_by_role("cell").nth(1)).to_have_text("30 min")
    widths["mon espace (terminé)"] = scroll_overflow(page)
    assert_no_axe_violations(page)

    # The course page says so too.
    row.get_by_role("link", name=COURSE_TITLE).click()
    expect(page).to_have_url(re.compile(re.escape(course.url) + "$"))
    expect(page.locator(".course-head")).to_contain_text("Cours terminé")
    expect(page.get_by_role("link", name="Revoir le cours")).to_be_visible()
    expect(page.get_by_role("button", name="S'inscrire à ce cours")).to_have_count(0)
    widths["cours (terminé)"] = scroll_overflow(page)
    assert_no_axe_violations(page)

    # The livret lists it (axe on the livret: test_livret_on_a_phone_has_no_axe_violation below).
    page.goto(LIVRET_PATH)
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon livret de formation")
    expect(page.get_by_role("rowheader", name=re.compile(re.escape(COURSE_TITLE)))).to_be_visible()
    widths["livret"] = scroll_overflow(page)

    assert widths == dict.fromkeys(widths, 0), f"pixels of sideways scrolling at 360 px: {widths}"


def test_livret_on_a_phone_has_no_axe_violation(
    phone_page, live_server, agent, course, lessons, quiz, login, assert_no_axe_violations
):
    """On a 360 px phone, the livret listing a completed course meets WCAG 2.1 AA as far as axe can tell."""
    complete_the_course(agent, course, lessons, quiz)
    login(phone_page, live_server, agent.user.email, DEFAULT_PASSWORD)
    phone_page.goto(LIVRET_PATH)
    expect(phone_page.get_by_role("heading", level=1)).to_have_text("Mon livret de formation")
    expect(phone_page.get_by_role("rowheader", name=re.compile(re.escape(COURSE_TITLE)))).to_be_visible()
    assert scroll_overflow(phone_page) == 0
    assert_no_axe_violations(phone_page)


# --- 2. Keyboard only ------------------------------------------------------------------------------------


def is_focused(locator) -> bool:
    return locator.evaluate("element => element === document.activeElement")


def test_lesson_is_marked_done_by_keyboard(page, live_server, agent, course, lessons, login):
    """From the top of the lesson, Tab reaches "J'ai terminé cette leçon" and Enter sends it."""
    drop_heartbeats(page)
    login(page, live_server, agent.user.email, DEFAULT_PASSWORD)
    page.goto(lessons[0].url)
    expect_lesson(page, lessons[0], 1)

    button = page.get_by_role("button", name=DONE_BUTTON)
    for _ in range(60):  # the focus starts at the top of the freshly loaded page
        page.keyboard.press("Tab")
        if is_focused(button):
            break
    else:
        pytest.fail(f'Tab never reached "{DONE_BUTTON}"', pytrace=False)
    expect(button).to_be_focused()
    page.keyboard.press("Enter")

    expect_lesson(page, lessons[1], 2)
    expect(page.get_by_text(f"Leçon « {LESSONS[0][0]} » terminée.")).to_be_visible()
    progress = LessonProgress.objects.get(enrollment__agent=agent, lesson_id=lessons[0].pk)
    assert progress.completed_at is not None


# --- 3. Heartbeat ----------------------------------------------------------------------------------------


def test_lesson_page_sends_its_heartbeat_and_the_time_is_credited(page, live_server, agent, course, lessons, login):
    """After 30 s visible (the browser's clock sped up), the page reports its time; the server credits it."""
    page.clock.install()
    login(page, live_server, agent.user.email, DEFAULT_PASSWORD)
    lesson = lessons[0]
    page.goto(lesson.url)
    expect_lesson(page, lesson, 1)
    progress = LessonProgress.objects.get(enrollment__agent=agent, lesson_id=lesson.pk)
    assert progress.seconds_spent == 0

    with page.expect_response(
        lambda response: HEARTBEAT.search(response.url) and response.request.method == "POST"
    ) as beat:
        page.clock.fast_forward("00:31")
    response = beat.value
    assert response.url == live_server.url + f"/progression/lecons/{lesson.pk}/activite/"
    assert response.ok
    claimed = re.search(r'name="seconds"\r\n\r\n(\d+)\r\n', response.request.post_data or "")
    assert claimed, response.request.post_data
    assert int(claimed[1]) >= 31  # the visible time on the page's clock, sped up by 31 s
    credited = response.json()["credited"]
    assert credited > 0

    # No more beats once checked: the beacon sent when the page closes must not meet the database flush.
    drop_heartbeats(page)
    progress.refresh_from_db()
    assert progress.seconds_spent == credited
    assert progress.view_seconds == credited
