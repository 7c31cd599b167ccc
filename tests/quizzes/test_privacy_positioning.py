"""Privacy of the positioning test: detailed answers stay the agent's own unless they share them, and then
only with HR of their own organisation; trainers' statistics never show one agent's answers."""

from html import unescape

import pytest
from django.urls import reverse

from people.factories import AgentFactory, HRAgentFactory, OrganisationFactory, TrainerAgentFactory
from quizzes.factories import QuestionFactory, QuizFactory, answer
from quizzes.models import Attempt, QuizKind
from quizzes.services import set_answers_shared, start_attempt, submit_attempt
from skills.factories import competence

pytestmark = pytest.mark.django_db

PROFILE = "/mon-espace/competences/"


@pytest.fixture
def town():
    return OrganisationFactory(slug="town", name="Ville")


@pytest.fixture
def agent(town):
    return AgentFactory(organisation=town, user__first_name="Camille", user__last_name="Martin")


@pytest.fixture
def quiz():
    quiz = QuizFactory(title="Test de positionnement numérique", kind=QuizKind.POSITIONING, pass_mark=0)
    for level in (2, 4):
        QuestionFactory(
            quiz=quiz,
            competence=competence("4.1"),
            level=level,
            text=f"<p>Question de niveau {level} sur les mots de passe</p>",
            answers=[answer("Une phrase de passe longue", 100), answer("Le prénom de mon chat", 0)],
        )
    return quiz


@pytest.fixture
def attempt(agent, quiz):
    """Right at level 2, wrong at level 4: level 2 estimated on 4.1."""
    started = start_attempt(quiz_id=quiz.pk, agent_id=agent.pk)
    keys = {choice["text"]: choice["key"] for choice in started.questions[0]["choices"]}
    wrong = {choice["text"]: choice["key"] for choice in started.questions[1]["choices"]}
    return submit_attempt(
        attempt_id=started.pk,
        agent_id=agent.pk,
        answers={0: keys["Une phrase de passe longue"], 1: wrong["Le prénom de mon chat"]},
    )


def share(client, attempt, value: str):
    return client.post(reverse("quizzes:share", args=[attempt.pk]), {"partager": value})


def hr_review(client, attempt):
    return client.get(reverse("quizzes:hr_review", args=[attempt.pk]))


def test_a_new_positioning_attempt_is_private(client, town, attempt):
    """By default the answers are not shared and HR of the agent's own organisation get 404."""
    assert attempt.shared_with_hr is False
    client.force_login(HRAgentFactory(organisation=town).user)
    assert hr_review(client, attempt).status_code == 404


def test_once_shared_hr_of_the_organisation_reads_the_answers(client, town, agent, attempt):
    """The agent shares; HR of the same organisation then see questions, answers and estimated levels."""
    client.force_login(agent.user)
    response = share(client, attempt, "1")
    assert response.status_code == 302
    assert response.url == PROFILE
    attempt.refresh_from_db()
    assert attempt.shared_with_hr is True
    client.force_login(HRAgentFactory(organisation=town).user)
    response = hr_review(client, attempt)
    assert response.status_code == 200
    html = unescape(response.content.decode())
    assert "Réponses de Camille Martin au test de positionnement" in html
    assert "Question de niveau 2 sur les mots de passe" in html
    assert "Le prénom de mon chat — réponse de l'agent" in html
    assert "Une phrase de passe longue — réponse de l'agent, réponse attendue" in html
    assert "2 — Novice" in html  # the estimate on 4.1
    assert "1 sur 2" in html


def test_sharing_says_so_to_the_agent(client, agent, attempt):
    """A success message confirms the choice, on the profile page."""
    client.force_login(agent.user)
    response = client.post(reverse("quizzes:share", args=[attempt.pk]), {"partager": "1"}, follow=True)
    assert "sont désormais visibles par les RH" in unescape(response.content.decode())


def test_stopping_sharing_hides_the_answers_again(client, town, agent, attempt):
    """partager=0 withdraws the consent: HR get 404 again."""
    set_answers_shared(attempt_id=attempt.pk, agent_id=agent.pk, shared=True)
    client.force_login(agent.user)
    share(client, attempt, "0")
    attempt.refresh_from_db()
    assert attempt.shared_with_hr is False
    client.force_login(HRAgentFactory(organisation=town).user)
    assert hr_review(client, attempt).status_code == 404


def test_hr_of_another_organisation_gets_404_even_when_shared(client, agent, attempt):
    """Sharing is with the agent's own HR, never another organisation's."""
    set_answers_shared(attempt_id=attempt.pk, agent_id=agent.pk, shared=True)
    client.force_login(HRAgentFactory(organisation=OrganisationFactory(slug="other")).user)
    assert hr_review(client, attempt).status_code == 404


def test_an_agent_who_is_not_hr_gets_403(client, town, agent, attempt):
    """A colleague, or the agent themselves, do not use the HR page."""
    set_answers_shared(attempt_id=attempt.pk, agent_id=agent.pk, shared=True)
    client.force_login(AgentFactory(organisation=town).user)
    assert hr_review(client, attempt).status_code == 403
    client.force_login(agent.user)
    assert hr_review(client, attempt).status_code == 403


def test_another_agent_cannot_share_someone_elses_attempt(client, town, attempt):
    """Only the owner decides: anyone else gets 404 and nothing changes."""
    client.force_login(AgentFactory(organisation=town).user)
    assert share(client, attempt, "1").status_code == 404
    attempt.refresh_from_db()
    assert attempt.shared_with_hr is False


def test_hr_cannot_share_on_the_agents_behalf(client, town, attempt):
    """HR of the organisation cannot flip the agent's consent either."""
    client.force_login(HRAgentFactory(organisation=town).user)
    assert share(client, attempt, "1").status_code == 404
    attempt.refresh_from_db()
    assert attempt.shared_with_hr is False


def test_an_ordinary_quiz_attempt_cannot_be_shared(client, agent):
    """Sharing is for positioning tests only: an ordinary quiz attempt is 404."""
    quiz = QuizFactory()
    QuestionFactory(quiz=quiz)
    started = start_attempt(quiz_id=quiz.pk, agent_id=agent.pk)
    graded = submit_attempt(attempt_id=started.pk, agent_id=agent.pk, answers={})
    client.force_login(agent.user)
    assert share(client, graded, "1").status_code == 404
    graded.refresh_from_db()
    assert graded.shared_with_hr is False


def test_an_ordinary_quiz_attempt_is_never_on_the_hr_page(client, town, agent):
    """Even flagged by hand, an ordinary quiz attempt is not shown on the positioning HR page."""
    quiz = QuizFactory()
    QuestionFactory(quiz=quiz)
    started = start_attempt(quiz_id=quiz.pk, agent_id=agent.pk)
    graded = submit_attempt(attempt_id=started.pk, agent_id=agent.pk, answers={})
    Attempt.objects.filter(pk=graded.pk).update(shared_with_hr=True)
    client.force_login(HRAgentFactory(organisation=town).user)
    assert hr_review(client, graded).status_code == 404


def test_an_attempt_in_progress_cannot_be_shared(client, agent, quiz):
    """A test not yet handed in has nothing to share."""
    started = start_attempt(quiz_id=quiz.pk, agent_id=agent.pk)
    client.force_login(agent.user)
    assert share(client, started, "1").status_code == 404


def test_share_only_accepts_post(client, agent, attempt):
    """A link (GET) never changes the consent."""
    client.force_login(agent.user)
    assert client.get(reverse("quizzes:share", args=[attempt.pk]), {"partager": "1"}).status_code == 405
    attempt.refresh_from_db()
    assert attempt.shared_with_hr is False


def test_trainer_statistics_of_a_positioning_quiz_name_no_agent(client, town, agent, quiz, attempt):
    """The item statistics (page and CSV) aggregate answers: no agent's name or address appears."""
    trainer = TrainerAgentFactory(organisation=town, user__first_name="Dominique", user__last_name="Formatrice")
    client.force_login(trainer.user)
    page = client.get(reverse("quizzes_statistics", args=[quiz.pk]))
    assert page.status_code == 200
    csv = b"".join(client.get(reverse("quizzes_statistics_csv", args=[quiz.pk])).streaming_content).decode()
    for text in (unescape(page.content.decode()), csv):
        assert "Camille" not in text
        assert "Martin" not in text
        assert agent.user.email not in text


def test_hr_list_of_shared_answers_hides_private_attempts(client, town, agent, attempt):
    """HR's list of an agent's shared tests is empty until the agent shares, then links to the answers."""
    client.force_login(HRAgentFactory(organisation=town).user)
    url = reverse("quizzes:hr_shared", args=[agent.pk])
    review_url = reverse("quizzes:hr_review", args=[attempt.pk])
    private = client.get(url)
    assert private.status_code == 200
    assert review_url not in private.content.decode()
    set_answers_shared(attempt_id=attempt.pk, agent_id=agent.pk, shared=True)
    assert review_url in client.get(url).content.decode()


def test_hr_list_of_shared_answers_is_404_for_another_organisation(client, agent, attempt):
    """HR of another organisation cannot even learn whether the agent shared anything."""
    set_answers_shared(attempt_id=attempt.pk, agent_id=agent.pk, shared=True)
    client.force_login(HRAgentFactory(organisation=OrganisationFactory(slug="other")).user)
    assert client.get(reverse("quizzes:hr_shared", args=[agent.pk])).status_code == 404


def test_hr_list_of_shared_answers_is_refused_to_colleagues(client, town, agent, attempt):
    """A colleague who is not HR gets 403."""
    client.force_login(AgentFactory(organisation=town).user)
    assert client.get(reverse("quizzes:hr_shared", args=[agent.pk])).status_code == 403
