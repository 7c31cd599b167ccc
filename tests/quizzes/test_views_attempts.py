"""Taking a quiz through the web: start, save, submit, review — and what must be refused."""

import re

import pytest
from django.urls import reverse

from people.factories import AgentFactory, UserFactory
from quizzes.factories import QuestionFactory, QuizFactory
from quizzes.models import Attempt, Response

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent(client):
    agent = AgentFactory()
    client.force_login(agent.user)
    return agent


@pytest.fixture
def quiz():
    quiz = QuizFactory(pass_mark=50)
    QuestionFactory.create_batch(2, quiz=quiz)
    return quiz


def start(client, quiz, next_url="/catalogue/"):
    response = client.post(reverse("quizzes:start", args=[quiz.pk]), {"next": next_url})
    return Attempt.objects.latest("pk"), response


def right(attempt, slot):
    return next(c["key"] for c in attempt.questions[slot]["choices"] if c["fraction"] == 1)


def test_start_then_attempt_page_hides_the_answers(client, agent, quiz):
    """The attempt page shows questions and choices, never weights or feedback."""
    _attempt, response = start(client, quiz)
    assert response.status_code == 302
    page = client.get(response.url)
    html = page.content.decode()
    assert html.count("<fieldset") == 2
    assert "Bravo." not in html
    assert "fraction" not in html
    assert 'name="q-0"' in html


def test_submit_and_review(client, agent, quiz):
    """Submitting grades on the server and the review shows score and feedback."""
    attempt, _response = start(client, quiz)
    response = client.post(
        reverse("quizzes:submit", args=[attempt.pk]), {"q-0": right(attempt, 0), "next": "/catalogue/"}
    )
    review = client.get(response.url)
    html = review.content.decode()
    assert "Score : 50 %" in html
    assert "Quiz réussi" in html
    assert "Bravo." in html
    assert 'href="/catalogue/"' in html


def test_double_submission_grades_once(client, agent, quiz):
    """A second POST of the same submission keeps the first score."""
    attempt, _response = start(client, quiz)
    url = reverse("quizzes:submit", args=[attempt.pk])
    client.post(url, {"q-0": right(attempt, 0)})
    client.post(url, {"q-0": right(attempt, 0), "q-1": right(attempt, 1)})
    attempt.refresh_from_db()
    assert str(attempt.score) == "50.00"


def test_autosave_answers_json(client, agent, quiz):
    """The autosave request stores the answer and answers in JSON."""
    attempt, _response = start(client, quiz)
    response = client.post(
        reverse("quizzes:save", args=[attempt.pk]), {"q-1": right(attempt, 1)}, HTTP_ACCEPT="application/json"
    )
    assert response.json() == {"saved": True}
    assert Response.objects.get(attempt=attempt, slot=1).answer == right(attempt, 1)


def test_tampered_choice_is_refused(client, agent, quiz):
    """A choice of another question is refused with 400 and nothing is saved."""
    attempt, _response = start(client, quiz)
    response = client.post(
        reverse("quizzes:save", args=[attempt.pk]), {"q-0": right(attempt, 1)}, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 400
    assert not Response.objects.exists()


def test_tampered_submission_changes_nothing(client, agent, quiz):
    """A forged submission is refused and the attempt stays in progress."""
    attempt, _response = start(client, quiz)
    client.post(reverse("quizzes:submit", args=[attempt.pk]), {"q-0": "not-a-choice"})
    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.IN_PROGRESS


def test_another_agents_attempt_is_404(client, agent, quiz):
    """Opening, saving or submitting someone else's attempt is 404."""
    other = AgentFactory()
    client.force_login(other.user)
    attempt, _response = start(client, quiz)
    client.force_login(agent.user)
    for name in ("attempt", "review"):
        assert client.get(reverse(f"quizzes:{name}", args=[attempt.pk])).status_code == 404
    for name in ("save", "submit"):
        assert client.post(reverse(f"quizzes:{name}", args=[attempt.pk]), {"q-0": right(attempt, 0)}).status_code == 404
    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.IN_PROGRESS


def test_unknown_ids_are_404(client, agent):
    """Unknown quiz or attempt ids give 404, not a server error."""
    assert client.post(reverse("quizzes:start", args=[999999])).status_code == 404
    assert client.get(reverse("quizzes:attempt", args=[999999])).status_code == 404


def test_user_without_agent_profile_is_refused(client, quiz):
    """An account without agent profile cannot take quizzes."""
    client.force_login(UserFactory())
    assert client.post(reverse("quizzes:start", args=[quiz.pk])).status_code == 403


def test_anonymous_goes_to_login(client, quiz):
    """Anonymous visitors are sent to the login page."""
    response = client.post(reverse("quizzes:start", args=[quiz.pk]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("people:login"))


def test_refused_attempt_says_why(client, agent, quiz):
    """Beyond the limit, starting shows the reason and goes back."""
    quiz.attempts_allowed = 1
    quiz.save()
    attempt, _response = start(client, quiz)
    client.post(reverse("quizzes:submit", args=[attempt.pk]), {})
    response = client.post(reverse("quizzes:start", args=[quiz.pk]), {"next": "/catalogue/"}, follow=True)
    assert "toutes les tentatives" in response.content.decode()
    assert Attempt.objects.count() == 1


def test_next_parameter_cannot_leave_the_site(client, agent, quiz):
    """An external next URL is replaced by Mon espace."""
    _attempt, response = start(client, quiz, next_url="https://evil.example/")
    assert "evil.example" not in response.url


def test_review_hides_feedback_when_policy_is_never(client, agent):
    """With feedback 'never', the review shows the score but no correction."""
    quiz = QuizFactory(feedback_policy="never")
    QuestionFactory(quiz=quiz)
    attempt, _response = start(client, quiz)
    response = client.post(reverse("quizzes:submit", args=[attempt.pk]), {"q-0": right(attempt, 0)}, follow=True)
    html = response.content.decode()
    assert "Score : 100 %" in html
    assert "Bravo." not in html
    assert not re.search(r"<h2>Correction</h2>", html)
