"""Item statistics of a quiz: exact figures on a hand-computed case, flat query counts, CSV, access.

The case: three questions, marks 1, 1 and 2 (total 4, so every score is a multiple of 12.5 % and
exact), pass mark 50 %.

    Q1 "Accueil"     single choice   A 100 %, B 0 %, C 0 %                mark 1
    Q2 "Messagerie"  multiple choice X 50 %, Y 50 %, Z -100 %             mark 1
    Q3 "Mairie"      short answer    "mairie" 100 %                       mark 2

    first attempts   Q1  Q2 ticked   Q3            fractions      earned  score
    agent 1          A   X, Y        mairie        1, 1, 1        4       100 %
    agent 2          B   X           Mairie        0, 0.5, 1      2.5     62.5 %
    agent 3          A   X           préfecture    1, 0.5, 0      1.5     37.5 %
    agent 4          A   Y, Z        (blank)       1, 0, 0        1       25 %
    agent 4, again   A   X, Y        mairie        1, 1, 1        4       100 %

A fifth agent has an attempt in progress, which never counts.

First attempts: mean 56.25, median (37.5 + 62.5) / 2 = 50, 2 passed of 4. All attempts: mean 65,
median 62.5, 3 of 5.

Discrimination (first attempts), rest of the test = earned - mark × fraction:
    Q1 f = 1, 0, 1, 1      rest = 3, 2.5, 0.5, 0   r = -0.4529   (the weakest agents get it right)
    Q2 f = 1, .5, .5, 0    rest = 3, 2, 1, 1       r = +0.8528
    Q3 f = 1, 1, 0, 0      rest = 2, 0.5, 1.5, 1   r = 0
e.g. Q1: mean f 0.75, mean rest 1.5; deviations f (.25, -.75, .25, .25), rest (1.5, 1, -1, -1.5);
covariance (.375 - .75 - .25 - .375) / 3 = -1/3; sd f = sqrt(.75 / 3) = .5; sd rest = sqrt(6.5 / 3)
= 1.472; r = -0.3333 / (.5 × 1.472) = -0.4529, shown as -45.29 %.
"""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import path, reverse

from lms.urls import urlpatterns as site_urlpatterns
from people.factories import AgentFactory, TrainerAgentFactory
from quizzes import views_statistics
from quizzes.factories import QuestionFactory, QuizFactory, answer
from quizzes.models import Attempt
from quizzes.services import start_attempt, submit_attempt
from quizzes.statistics import question_statistics, quiz_summary, statistics_csv_rows

pytestmark = pytest.mark.django_db

# The URLs the team registers through the `register_admin_urls` hook, here in front of the site's.
urlpatterns = [
    path("admin/quiz/<int:pk>/statistiques/", views_statistics.quiz_statistics, name="quizzes_statistics"),
    path("admin/quiz/<int:pk>/statistiques.csv", views_statistics.quiz_statistics_csv, name="quizzes_statistics_csv"),
    *site_urlpatterns,
]


@pytest.fixture
def statistics_urls(settings):
    settings.ROOT_URLCONF = __name__


def take(quiz, agent, answers_by_question: dict, seed: int | None = None) -> Attempt:
    """Start then submit through the services; answers name choices by their text."""
    attempt = start_attempt(quiz_id=quiz.pk, agent_id=agent.pk, seed=seed)
    answers = {}
    for index, slot in enumerate(attempt.questions):
        wanted = answers_by_question.get(slot["question_id"])
        keys = {choice["text"]: choice["key"] for choice in slot["choices"]}
        if slot["type"] == "single_choice":
            answers[index] = keys[wanted] if wanted else ""
        elif slot["type"] == "multiple_choice":
            answers[index] = [keys[text] for text in wanted or []]
        else:
            answers[index] = wanted or ""
    return submit_attempt(attempt_id=attempt.pk, agent_id=agent.pk, answers=answers)


@pytest.fixture
def case():
    quiz = QuizFactory(pass_mark=50)
    q1 = QuestionFactory(quiz=quiz, name="Accueil", answers=[answer("A", 100), answer("B"), answer("C")])
    q2 = QuestionFactory(
        quiz=quiz,
        type="multiple_choice",
        name="Messagerie",
        answers=[answer("X", 50), answer("Y", 50), answer("Z", -100)],
    )
    q3 = QuestionFactory(quiz=quiz, type="short_answer", name="Mairie", mark=2, answers=[answer("mairie", 100)])
    agents = AgentFactory.create_batch(5)
    plans = [
        {q1.pk: "A", q2.pk: ["X", "Y"], q3.pk: "mairie"},
        {q1.pk: "B", q2.pk: ["X"], q3.pk: "Mairie"},
        {q1.pk: "A", q2.pk: ["X"], q3.pk: "préfecture"},
        {q1.pk: "A", q2.pk: ["Y", "Z"], q3.pk: ""},
    ]
    scores = [take(quiz, agent, plan).score for agent, plan in zip(agents, plans, strict=False)]
    scores.append(take(quiz, agents[3], plans[0]).score)  # agent 4 tries again, all right
    start_attempt(quiz_id=quiz.pk, agent_id=agents[4].pk)  # in progress: never counted
    assert [float(score) for score in scores] == [100, 62.5, 37.5, 25, 100]
    return quiz, (q1, q2, q3)


def by_id(quiz):
    return {item.question_id: item for item in question_statistics(quiz.pk)}


def test_summary_counts_each_agents_first_graded_attempt(case):
    """By default: 4 first attempts, 2 passed, mean 56.25, median 50, one attempt in each of 4 bands."""
    quiz, _questions = case
    summary = quiz_summary(quiz.pk)
    assert (summary.attempts, summary.agents, summary.passed) == (4, 4, 2)
    assert summary.pass_rate == pytest.approx(50)
    assert summary.mean_score == pytest.approx(56.25)
    assert summary.median_score == pytest.approx(50)
    assert [band.count for band in summary.distribution] == [0, 0, 1, 1, 0, 0, 1, 0, 0, 1]
    assert [band.label for band in summary.distribution][::9] == ["0–10 %", "90–100 %"]


def test_summary_with_all_attempts(case):
    """All attempts: 5 attempts by 4 agents, 3 passed, mean 65, median of an odd count 62.5; 100 % in the top band."""
    quiz, _questions = case
    summary = quiz_summary(quiz.pk, all_attempts=True)
    assert (summary.attempts, summary.agents, summary.passed) == (5, 4, 3)
    assert summary.pass_rate == pytest.approx(60)
    assert summary.mean_score == pytest.approx(65)
    assert summary.median_score == pytest.approx(62.5)
    assert summary.distribution[-1].count == 2


def test_summary_of_a_quiz_without_graded_attempts():
    """No graded attempt: zeros, no rate, no mean, no median, empty bands, no question."""
    quiz = QuizFactory()
    QuestionFactory(quiz=quiz)
    summary = quiz_summary(quiz.pk)
    assert (summary.attempts, summary.pass_rate, summary.mean_score, summary.median_score) == (0, None, None, None)
    assert sum(band.count for band in summary.distribution) == 0
    assert question_statistics(quiz.pk) == []


def test_facility_and_standard_deviation(case):
    """Facility is the mean fraction × 100; the spread is the sample standard deviation × 100."""
    quiz, (q1, q2, q3) = case
    stats = by_id(quiz)
    assert [stats[q.pk].responses for q in (q1, q2, q3)] == [4, 4, 4]
    assert [stats[q.pk].answered for q in (q1, q2, q3)] == [4, 4, 3]
    assert [round(stats[q.pk].facility, 2) for q in (q1, q2, q3)] == [75.0, 50.0, 50.0]
    assert [round(stats[q.pk].standard_deviation, 2) for q in (q1, q2, q3)] == [50.0, 40.82, 57.74]


def test_discrimination_against_the_rest_of_the_test(case):
    """Q1 discriminates negatively (-45.29), Q2 well (85.28), Q3 not at all (0)."""
    quiz, (q1, q2, q3) = case
    stats = by_id(quiz)
    assert [round(stats[q.pk].discrimination, 2) + 0.0 for q in (q1, q2, q3)] == [-45.29, 85.28, 0.0]


def test_all_attempts_change_the_item_figures(case):
    """With agent 4's second attempt: facility 80/60/60, discrimination -27.17/89.64/21.00."""
    quiz, (q1, q2, q3) = case
    stats = {item.question_id: item for item in question_statistics(quiz.pk, all_attempts=True)}
    assert [stats[q.pk].responses for q in (q1, q2, q3)] == [5, 5, 5]
    assert [round(stats[q.pk].facility, 2) for q in (q1, q2, q3)] == [80.0, 60.0, 60.0]
    assert [round(stats[q.pk].discrimination, 2) for q in (q1, q2, q3)] == [-27.17, 89.64, 21.0]


def test_choice_frequencies_with_texts_from_the_snapshot(case):
    """Each choice in authoring order with its count and share of responses; only choice questions have them."""
    quiz, (q1, q2, q3) = case
    stats = by_id(quiz)
    assert [(c.text, c.count, c.percent, c.is_right) for c in stats[q1.pk].choices] == [
        ("A", 3, 75.0, True),
        ("B", 1, 25.0, False),
        ("C", 0, 0.0, False),
    ]
    assert [(c.text, c.count, c.weight) for c in stats[q2.pk].choices] == [("X", 3, 0.5), ("Y", 2, 0.5), ("Z", 1, -1.0)]
    assert stats[q3.pk].choices == ()
    every = {item.question_id: item for item in question_statistics(quiz.pk, all_attempts=True)}
    assert [c.count for c in every[q1.pk].choices] == [4, 1, 0]
    assert [c.count for c in every[q2.pk].choices] == [4, 3, 1]


def test_questions_come_in_the_quiz_order_with_labels_and_types(case):
    """The list follows the quiz's order and names each question and its type in French."""
    quiz, questions = case
    stats = question_statistics(quiz.pk)
    assert [item.question_id for item in stats] == [q.pk for q in questions]
    assert [(item.label, item.type_label) for item in stats] == [
        ("Accueil", "Choix unique"),
        ("Messagerie", "Choix multiple"),
        ("Mairie", "Réponse courte"),
    ]


def test_shuffled_questions_group_by_question_not_by_slot():
    """With the question order shuffled, each response still counts for the question it answered."""
    quiz = QuizFactory(pass_mark=50, shuffle_questions=True)
    questions = QuestionFactory.create_batch(4, quiz=quiz)
    easy = questions[0]
    orders = set()
    for seed in range(6):
        attempt = take(quiz, AgentFactory(), {easy.pk: "Juste"}, seed=seed)
        orders.add(tuple(slot["question_id"] for slot in attempt.questions))
    assert len(orders) > 1  # the slots really differ between attempts
    stats = by_id(quiz)
    assert stats[easy.pk].facility == 100
    assert all(stats[q.pk].facility == 0 and stats[q.pk].responses == 6 for q in questions[1:])


def test_a_description_is_not_a_question_to_analyse():
    """A text-only item is served but has no statistics."""
    quiz = QuizFactory()
    QuestionFactory(quiz=quiz, type="description", answers=[])
    question = QuestionFactory(quiz=quiz)
    take(quiz, AgentFactory(), {question.pk: "Juste"})
    assert [item.question_id for item in question_statistics(quiz.pk)] == [question.pk]


def queries_for(attempts: int) -> list[int]:
    quiz = QuizFactory(pass_mark=50)
    questions = [
        QuestionFactory(quiz=quiz),
        QuestionFactory(quiz=quiz, type="multiple_choice", answers=[answer("X", 50), answer("Y", 50), answer("Z")]),
        QuestionFactory(quiz=quiz, type="short_answer", answers=[answer("oui", 100)]),
    ]
    for index in range(attempts):
        plan = {questions[0].pk: "Juste" if index % 2 else "Faux", questions[1].pk: ["X"], questions[2].pk: "oui"}
        take(quiz, AgentFactory(), plan)
    counts = []
    for run in (
        lambda: quiz_summary(quiz.pk),
        lambda: quiz_summary(quiz.pk, all_attempts=True),
        lambda: question_statistics(quiz.pk),
        lambda: list(statistics_csv_rows(quiz.pk)),
    ):
        with CaptureQueriesContext(connection) as captured:
            run()
        counts.append(len(captured))
    return counts


def test_query_count_does_not_grow_with_attempts():
    """5 or 40 attempts: the same number of queries for the summary, the questions and the CSV."""
    few, many = queries_for(5), queries_for(40)
    assert few == many
    assert few[2] <= 4


def test_csv_export_has_bom_semicolons_and_rows(client, statistics_urls, case):
    """The CSV opens in French Excel: UTF-8 BOM, `;`, decimal commas; one row per question then per choice."""
    quiz, _questions = case
    client.force_login(TrainerAgentFactory().user)
    response = client.get(reverse("quizzes_statistics_csv", args=[quiz.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    content = b"".join(response.streaming_content)
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:6] == [
        "Question",
        "Type",
        "Réponses",
        "Indice de facilité (%)",
        "Écart type (%)",
        "Indice de discrimination (%)",
    ]
    assert rows[1] == ["Accueil", "Choix unique", "4", "75,00", "50,00", "-45,29", "", "", "", ""]
    assert rows[2] == ["Accueil", "Choix unique", "", "", "", "", "A", "100,00", "3", "75,00"]
    assert rows[3][6:] == ["B", "0,00", "1", "25,00"]
    assert rows[5] == ["Messagerie", "Choix multiple", "4", "50,00", "40,82", "85,28", "", "", "", ""]
    assert rows[6][6:] == ["X", "50,00", "3", "75,00"]
    assert rows[8][6:] == ["Z", "-100,00", "1", "25,00"]
    assert rows[9] == ["Mairie", "Réponse courte", "4", "50,00", "57,74", "0,00", "", "", "", ""]
    assert len(rows) == 10
    assert ";" in content.decode("utf-8-sig").splitlines()[0]


def test_csv_export_of_all_attempts(client, statistics_urls, case):
    """`?tentatives=toutes` exports every graded attempt."""
    quiz, _questions = case
    client.force_login(TrainerAgentFactory().user)
    response = client.get(reverse("quizzes_statistics_csv", args=[quiz.pk]), {"tentatives": "toutes"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")), delimiter=";"))
    assert rows[1][2:4] == ["5", "80,00"]


def test_csv_cells_cannot_become_formulas():
    """A question named like a formula is written as text."""
    quiz = QuizFactory()
    question = QuestionFactory(quiz=quiz, name="=HYPERLINK(1)")
    take(quiz, AgentFactory(), {question.pk: "Juste"})
    assert list(statistics_csv_rows(quiz.pk))[1][0] == "'=HYPERLINK(1)"


def test_statistics_page_shows_figures_chart_and_tables(client, statistics_urls, case):
    """A trainer sees the summary, an SVG chart with title and description, its table, and the questions."""
    quiz, _questions = case
    client.force_login(TrainerAgentFactory().user)
    response = client.get(reverse("quizzes_statistics", args=[quiz.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="img"' in html
    assert '<title id="score-chart-title">' in html
    assert '<desc id="score-chart-desc">' in html
    assert html.count("<rect ") == 10
    assert "<caption>Nombre de tentatives par tranche de score</caption>" in html
    assert '<th scope="row">90–100 %</th><td>1</td>' in html
    assert "<caption>Statistiques par question</caption>" in html
    assert "56,25&nbsp;%" in html  # mean score
    assert "-45,29&nbsp;%" in html
    assert "négative : question à revoir" in html
    assert "bonne réponse" in html
    assert response.context["summary"].attempts == 4


def test_statistics_page_counts_all_attempts_on_request(client, statistics_urls, case):
    """The attempts choice is a GET parameter, kept in the CSV link."""
    quiz, _questions = case
    client.force_login(TrainerAgentFactory().user)
    response = client.get(reverse("quizzes_statistics", args=[quiz.pk]), {"tentatives": "toutes"})
    assert response.context["summary"].attempts == 5
    assert "statistiques.csv?tentatives=toutes" in response.content.decode()


def test_statistics_page_of_a_quiz_without_attempts(client, statistics_urls):
    """Without graded attempts the page says so and draws no chart."""
    quiz = QuizFactory()
    client.force_login(TrainerAgentFactory().user)
    html = client.get(reverse("quizzes_statistics", args=[quiz.pk])).content.decode()
    assert "Aucune tentative corrigée" in html
    assert '<svg class="quiz-statistics-chart"' not in html


@pytest.mark.parametrize("name", ["quizzes_statistics", "quizzes_statistics_csv"])
def test_an_agent_who_is_not_a_trainer_gets_403(client, statistics_urls, name):
    """Statistics are for trainers: an ordinary agent is refused."""
    quiz = QuizFactory()
    client.force_login(AgentFactory().user)
    assert client.get(reverse(name, args=[quiz.pk])).status_code == 403


def test_views_refuse_an_anonymous_request_directly(rf):
    """Called without the admin wrapper (RequestFactory), the views still refuse anyone but a trainer."""
    from django.contrib.auth.models import AnonymousUser
    from django.core.exceptions import PermissionDenied

    request = rf.get("/")
    request.user = AnonymousUser()
    with pytest.raises(PermissionDenied):
        views_statistics.quiz_statistics(request, QuizFactory().pk)
