"""Attempts: snapshot at start, server-side grading, idempotent submission, deadline, limits, tampering."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from people.factories import AgentFactory
from quizzes.factories import QuestionFactory, QuizFactory, answer
from quizzes.models import Attempt, Response, ResponseChoice
from quizzes.services import (
    AttemptRefusedError,
    InvalidAnswerError,
    grade_essay,
    quiz_result,
    save_answers,
    start_attempt,
    submit_attempt,
)
from quizzes.signals import attempt_graded

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent():
    return AgentFactory()


@pytest.fixture
def quiz():
    quiz = QuizFactory(pass_mark=50)
    QuestionFactory.create_batch(2, quiz=quiz)
    return quiz


def right_key(attempt, slot):
    return next(c["key"] for c in attempt.questions[slot]["choices"] if c["fraction"] == 1)


def wrong_key(attempt, slot):
    return next(c["key"] for c in attempt.questions[slot]["choices"] if c["fraction"] == 0)


def test_start_records_questions_order_and_deadline(quiz, agent):
    """Starting freezes the served questions and choices, and the deadline."""
    quiz.time_limit_minutes = 10
    quiz.save()
    now = timezone.now()
    attempt = start_attempt(quiz_id=quiz.pk, agent_id=agent.pk, now=now)
    assert [slot["question_id"] for slot in attempt.questions] == list(
        quiz.questions.order_by("sort_order").values_list("pk", flat=True)
    )
    assert all(len(slot["order"]) == 2 for slot in attempt.questions)
    assert attempt.deadline == now + timedelta(minutes=10)
    assert attempt.number == 1


def test_starting_again_resumes_the_attempt_in_progress(quiz, agent):
    """A second start (another tab) returns the same attempt."""
    first = start_attempt(quiz_id=quiz.pk, agent_id=agent.pk)
    assert start_attempt(quiz_id=quiz.pk, agent_id=agent.pk).pk == first.pk
    assert Attempt.objects.count() == 1


def test_draws_n_of_m_questions(agent):
    """With 3 questions per attempt, 3 of the 10 are served."""
    quiz = QuizFactory(questions_per_attempt=3)
    QuestionFactory.create_batch(10, quiz=quiz)
    attempt = start_attempt(quiz_id=quiz.pk, agent_id=agent.pk, seed=4)
    assert len(attempt.questions) == 3
    assert len({slot["question_id"] for slot in attempt.questions}) == 3


def test_submit_grades_on_the_server(quiz, agent):
    """One right answer of two gives 50 % and passes at 50 %."""
    attempt = start_attempt(quiz_id=quiz.pk, agent_id=agent.pk)
    attempt = submit_attempt(
        attempt_id=attempt.pk, agent_id=agent.pk, answers={0: right_key(attempt, 0), 1: wrong_key(attempt, 1)}
    )
    assert attempt.state == Attempt.State.GRADED
    assert attempt.score == Decimal("50.00")
    assert attempt.passed is True


def test_submitting_twice_changes_nothing(quiz, agent, django_capture_on_commit_callbacks):
    """A double click or a retried request never grades twice nor changes the score."""
    received = []
    attempt_graded.connect(lambda **kwargs: received.append(kwargs), weak=False, dispatch_uid="test-twice")
    try:
        attempt = start_attempt(quiz_id=quiz.pk, agent_id=agent.pk)
        with django_capture_on_commit_callbacks(execute=True):
            first = submit_attempt(attempt_id=attempt.pk, agent_id=agent.pk, answers={0: right_key(attempt, 0)})
            second = submit_attempt(
                attempt_id=attempt.pk,
                agent_id=agent.pk,
                answers={0: right_key(attempt, 0), 1: right_key(attempt, 1)},
            )
    finally:
        attempt_graded.disconnect(dispatch_uid="test-twice")
    assert first.score == second.score == Decimal("50.00")
    assert len(received) == 1
    assert received[0]["passed"] is True
    assert Attempt.objects.count() == 1


def test_late_submission_is_graded_as_of_the_deadline(quiz, agent):
    """After the deadline, answers sent with the submission are ignored; saved ones count."""
    quiz.time_limit_minutes = 5
    quiz.save()
    start = timezone.now()
    attempt = start_attempt(quiz_id=quiz.pk, agent_id=agent.pk, now=start)
    save_answers(attempt_id=attempt.pk, agent_id=agent.pk, answers={0: right_key(attempt, 0)}, now=start)
    late = start + timedelta(minutes=7)
    attempt = submit_attempt(attempt_id=attempt.pk, agent_id=agent.pk, answers={1: right_key(attempt, 1)}, now=late)
    assert attempt.submitted_late
    assert attempt.submitted_at == attempt.deadline
    assert attempt.score == Decimal("50.00")


def test_saves_after_the_deadline_are_ignored(quiz, agent):
    """Autosave after the deadline stores nothing."""
    quiz.time_limit_minutes = 1
    quiz.save()
    start = timezone.now()
    attempt = start_attempt(quiz_id=quiz.pk, agent_id=agent.pk, now=start)
    save_answers(
        attempt_id=attempt.pk, agent_id=agent.pk, answers={0: right_key(attempt, 0)}, now=start + timedelta(minutes=2)
    )
    assert not Response.objects.exists()


def test_attempt_limit_refused_with_the_reason(quiz, agent):
    """Beyond the allowed attempts, starting is refused with the reason."""
    quiz.attempts_allowed = 1
    quiz.save()
    attempt = start_attempt(quiz_id=quiz.pk, agent_id=agent.pk)
    submit_attempt(attempt_id=attempt.pk, agent_id=agent.pk)
    with pytest.raises(AttemptRefusedError, match="toutes les tentatives"):
        start_attempt(quiz_id=quiz.pk, agent_id=agent.pk)


def test_delay_between_attempts_gives_the_next_date(quiz, agent):
    """Within the delay, starting is refused with the date of the next allowed attempt."""
    quiz.delay_minutes = 60
    quiz.save()
    now = timezone.now()
    attempt = start_attempt(quiz_id=quiz.pk, agent_id=agent.pk, now=now)
    submit_attempt(attempt_id=attempt.pk, agent_id=agent.pk, now=now)
    with pytest.raises(AttemptRefusedError) as refused:
        start_attempt(quiz_id=quiz.pk, agent_id=agent.pk, now=now + timedelta(minutes=10))
    assert refused.value.next_allowed_at == now + timedelta(minutes=60)
    assert start_attempt(quiz_id=quiz.pk, agent_id=agent.pk, now=now + timedelta(minutes=61)).number == 2


def test_choice_of_another_question_is_refused(quiz, agent):
    """A choice key that belongs to another question is rejected and nothing is saved."""
    attempt = start_attempt(quiz_id=quiz.pk, agent_id=agent.pk)
    with pytest.raises(InvalidAnswerError):
        save_answers(attempt_id=attempt.pk, agent_id=agent.pk, answers={0: right_key(attempt, 1)})
    assert not Response.objects.exists()


def test_choice_of_another_quiz_is_refused(quiz, agent):
    """A choice key of another quiz is rejected."""
    other = QuestionFactory()
    attempt = start_attempt(quiz_id=quiz.pk, agent_id=agent.pk)
    foreign = other.answers[0].id
    with pytest.raises(InvalidAnswerError):
        submit_attempt(attempt_id=attempt.pk, agent_id=agent.pk, answers={0: foreign})
    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.IN_PROGRESS


@pytest.mark.parametrize("slot", [5, -1, "abc", None])
def test_unknown_question_slot_is_refused(quiz, agent, slot):
    """A question that is not part of the attempt is rejected."""
    attempt = start_attempt(quiz_id=quiz.pk, agent_id=agent.pk)
    with pytest.raises(InvalidAnswerError):
        save_answers(attempt_id=attempt.pk, agent_id=agent.pk, answers={slot: "x"})


def test_strings_where_lists_are_expected_are_refused(agent):
    """Wrong shapes of answers are rejected, not graded."""
    quiz = QuizFactory()
    QuestionFactory(quiz=quiz, type="multiple_choice", answers=[answer("A", 50), answer("B", 50), answer("C", -100)])
    attempt = start_attempt(quiz_id=quiz.pk, agent_id=agent.pk)
    with pytest.raises(InvalidAnswerError):
        save_answers(attempt_id=attempt.pk, agent_id=agent.pk, answers={0: "A"})


def test_another_agents_attempt_does_not_exist(quiz, agent):
    """An agent cannot save or submit someone else's attempt."""
    attempt = start_attempt(quiz_id=quiz.pk, agent_id=agent.pk)
    intruder = AgentFactory()
    with pytest.raises(Attempt.DoesNotExist):
        submit_attempt(attempt_id=attempt.pk, agent_id=intruder.pk)
    with pytest.raises(Attempt.DoesNotExist):
        save_answers(attempt_id=attempt.pk, agent_id=intruder.pk, answers={})


def test_editing_or_deleting_the_quiz_keeps_past_scores(quiz, agent):
    """A graded attempt keeps its score and review after the quiz changes or disappears."""
    attempt = start_attempt(quiz_id=quiz.pk, agent_id=agent.pk)
    attempt = submit_attempt(attempt_id=attempt.pk, agent_id=agent.pk, answers={0: right_key(attempt, 0)})
    question = quiz.questions.first()
    question.answers = [answer("Nouvelle", 100)]
    question.save()
    quiz.delete()
    attempt.refresh_from_db()
    assert attempt.quiz is None
    assert attempt.quiz_title.startswith("Quiz")
    assert attempt.score == Decimal("50.00")
    assert attempt.questions[0]["choices"][0]["text"] == "Juste"


def test_choice_statistics_rows(quiz, agent):
    """Each ticked choice is one row for statistics."""
    attempt = start_attempt(quiz_id=quiz.pk, agent_id=agent.pk)
    save_answers(attempt_id=attempt.pk, agent_id=agent.pk, answers={0: right_key(attempt, 0)})
    save_answers(attempt_id=attempt.pk, agent_id=agent.pk, answers={0: wrong_key(attempt, 0)})
    assert list(ResponseChoice.objects.values_list("choice_key", flat=True)) == [wrong_key(attempt, 0)]


def test_essay_waits_for_a_trainer(agent, django_capture_on_commit_callbacks):
    """An essay leaves the attempt awaiting grading until a trainer grades it."""
    quiz = QuizFactory(pass_mark=50)
    QuestionFactory(quiz=quiz, type="essay", answers=[])
    attempt = start_attempt(quiz_id=quiz.pk, agent_id=agent.pk)
    attempt = submit_attempt(attempt_id=attempt.pk, agent_id=agent.pk, answers={0: "Je protège mes mots de passe."})
    assert attempt.state == Attempt.State.AWAITING_GRADING
    assert attempt.score is None
    with django_capture_on_commit_callbacks(execute=True):
        attempt = grade_essay(attempt_id=attempt.pk, slot=0, fraction=0.75, comment="Bien.")
    assert attempt.state == Attempt.State.GRADED
    assert attempt.score == Decimal("75.00")


def test_grading_method_over_attempts(quiz, agent):
    """The quiz result follows the grading method (highest by default)."""
    first = start_attempt(quiz_id=quiz.pk, agent_id=agent.pk)
    submit_attempt(attempt_id=first.pk, agent_id=agent.pk, answers={0: right_key(first, 0), 1: right_key(first, 1)})
    second = start_attempt(quiz_id=quiz.pk, agent_id=agent.pk)
    submit_attempt(attempt_id=second.pk, agent_id=agent.pk)
    assert quiz_result(quiz=quiz, agent_id=agent.pk).grade == Decimal("100.00")
    quiz.grading_method = "last"
    assert quiz_result(quiz=quiz, agent_id=agent.pk).grade == Decimal("0.00")


def test_submit_query_count_is_flat(agent):
    """Submitting a 3- or a 20-question attempt costs the same number of queries."""

    def submit_queries(count):
        quiz = QuizFactory()
        QuestionFactory.create_batch(count, quiz=quiz)
        attempt = start_attempt(quiz_id=quiz.pk, agent_id=agent.pk)
        answers = {index: right_key(attempt, index) for index in range(count)}
        with CaptureQueriesContext(connection) as queries:
            submit_attempt(attempt_id=attempt.pk, agent_id=agent.pk, answers=answers)
        return len(queries)

    assert submit_queries(3) == submit_queries(20)
