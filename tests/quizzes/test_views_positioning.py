"""The positioning test from the agent's side: its introduction page, taking it through the ordinary quiz
views, the review without a verdict, and the evidence and levels it records."""

from html import unescape

import pytest
from django.urls import reverse

from people.factories import AgentFactory, UserFactory
from quizzes.factories import QuestionFactory, QuizFactory
from quizzes.models import Attempt, QuizKind
from quizzes.services import start_attempt, submit_attempt
from quizzes.views_positioning import estimated_minutes
from skills.factories import competence
from skills.models import CompetenceLevel, Evidence

pytestmark = pytest.mark.django_db

URL = "/test-de-positionnement/"
PROFILE = "/mon-espace/competences/"


@pytest.fixture
def agent(client):
    agent = AgentFactory()
    client.force_login(agent.user)
    return agent


@pytest.fixture
def quiz():
    """Levels 2 and 4 on competences 1.1 and 4.1: four questions served."""
    quiz = QuizFactory(title="Test de positionnement numérique", kind=QuizKind.POSITIONING, pass_mark=0)
    for code in ("1.1", "4.1"):
        for level in (2, 4):
            QuestionFactory(quiz=quiz, competence=competence(code), level=level, name=f"C{code}-N{level} Q")
    return quiz


def html_of(response) -> str:
    return unescape(response.content.decode())


def key(attempt, slot: int, right: bool) -> str:
    return next(c["key"] for c in attempt.questions[slot]["choices"] if (c["fraction"] == 1) == right)


def test_url_names():
    """The three routes have their fixed names and addresses."""
    assert reverse("quizzes:positioning") == URL
    assert reverse("quizzes:share", args=[3]) == "/quiz/tentative/3/partage/"
    assert reverse("quizzes:hr_review", args=[3]) == "/rh/competences/tentatives/3/"


def test_estimated_minutes_rounds_to_five():
    """48 questions make about 15 minutes; a short test still says 5."""
    assert estimated_minutes(48) == 15
    assert estimated_minutes(4) == 5


def test_without_a_positioning_quiz_the_page_says_it_is_not_available(client, agent):
    """No positioning quiz yet (an ordinary quiz does not count): a plain page, not an error."""
    QuizFactory(title="Quiz ordinaire")
    response = client.get(URL)
    assert response.status_code == 200
    html = html_of(response)
    assert "n'est pas encore disponible" in html
    assert "/commencer/" not in html


def test_intro_page_explains_and_starts_the_test_towards_the_profile(client, agent, quiz):
    """What the test is, and a POST form to quizzes:start whose `next` is the skills profile."""
    html = html_of(client.get(URL))
    assert "4 questions, une par compétence et par niveau, sur 2 compétences." in html
    assert "ni note ni échec" in html
    assert "restent privées" in html
    form = html.split(f'action="{reverse("quizzes:start", args=[quiz.pk])}"')[1].split("</form>")[0]
    assert "csrfmiddlewaretoken" in form
    assert f'name="next" value="{PROFILE}"' in form
    assert "Commencer le test" in form


def test_anonymous_is_sent_to_login(client, quiz):
    """The page needs a signed-in person."""
    assert client.get(URL).status_code == 302


def test_account_without_agent_profile_is_refused(client, quiz):
    """Only agents take the test."""
    client.force_login(UserFactory(email="sans-profil@example.org"))
    assert client.get(URL).status_code == 403


def test_attempt_in_progress_offers_to_resume(client, agent, quiz):
    """A test started and not finished: "Reprendre le test" opens it, back to the profile afterwards."""
    attempt = start_attempt(quiz_id=quiz.pk, agent_id=agent.pk)
    html = html_of(client.get(URL))
    assert "Reprendre le test" in html
    assert f'href="{reverse("quizzes:attempt", args=[attempt.pk])}?next=%2Fmon-espace%2Fcompetences%2F"' in html
    assert "Commencer le test" not in html


def test_last_attempt_is_shown_with_a_link_to_the_profile(client, agent, quiz):
    """After a test: its date, the way to the results and "Refaire le test"."""
    attempt = start_attempt(quiz_id=quiz.pk, agent_id=agent.pk)
    submit_attempt(attempt_id=attempt.pk, agent_id=agent.pk, answers={})
    html = html_of(client.get(URL))
    assert "Vous avez fait ce test le" in html
    assert "Voir mes niveaux et les formations recommandées" in html
    assert "Refaire le test" in html


def test_attempt_limit_reached_explains_instead_of_the_button(client, agent, quiz):
    """A test limited to one attempt, already taken: the reason, no start form."""
    quiz.attempts_allowed = 1
    quiz.save()
    attempt = start_attempt(quiz_id=quiz.pk, agent_id=agent.pk)
    submit_attempt(attempt_id=attempt.pk, agent_id=agent.pk, answers={})
    html = html_of(client.get(URL))
    assert "toutes les tentatives autorisées" in html
    assert reverse("quizzes:start", args=[quiz.pk]) not in html


def test_taking_the_test_records_positioning_evidence_and_levels(client, agent, quiz):
    """Start through quizzes:start, submit: evidence and levels of source "positioning", back to the profile."""
    response = client.post(reverse("quizzes:start", args=[quiz.pk]), {"next": PROFILE})
    attempt = Attempt.objects.get(agent=agent)
    assert response.status_code == 302
    assert response.url == f"{reverse('quizzes:attempt', args=[attempt.pk])}?next=%2Fmon-espace%2Fcompetences%2F"
    assert [(slot["competence"], slot["level"]) for slot in attempt.questions] == [
        ("1.1", 2),
        ("1.1", 4),
        ("4.1", 2),
        ("4.1", 4),
    ]
    # 1.1: wrong at level 2 → 0; 4.1: right at 2 and 4 → 4.
    answers = {"q-0": key(attempt, 0, False), "q-2": key(attempt, 2, True), "q-3": key(attempt, 3, True)}
    response = client.post(reverse("quizzes:submit", args=[attempt.pk]), {**answers, "next": PROFILE})
    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.GRADED
    assert attempt.passed is None
    assert attempt.shared_with_hr is False
    evidence = {item.competence.code: (item.level, item.source) for item in Evidence.objects.filter(agent=agent)}
    assert evidence == {"1.1": (0, "positioning"), "4.1": (4, "positioning")}
    levels = {item.competence.code: (item.level, item.source) for item in CompetenceLevel.objects.filter(agent=agent)}
    assert levels == {"1.1": (0, "positioning"), "4.1": (4, "positioning")}
    review = html_of(client.get(response.url))
    assert "Test de positionnement terminé" in review
    assert f'href="{PROFILE}"' in review
    assert "Voir mon profil et les formations recommandées" in review
    assert "Quiz non réussi" not in review
    assert "Seuil de réussite" not in review
    profile = html_of(client.get(PROFILE))
    assert "4 — Indépendant" in profile
    assert "0 — Non acquis" in profile


def test_ordinary_quiz_review_keeps_its_verdict(client, agent):
    """The review of an ordinary quiz still shows its score and verdict."""
    quiz = QuizFactory(pass_mark=50)
    QuestionFactory(quiz=quiz)
    attempt = start_attempt(quiz_id=quiz.pk, agent_id=agent.pk)
    submit_attempt(attempt_id=attempt.pk, agent_id=agent.pk, answers={})
    html = html_of(client.get(reverse("quizzes:review", args=[attempt.pk])))
    assert "Quiz non réussi" in html
    assert "Test de positionnement terminé" not in html
