"""Quizzes feeding the skills profile: a positioning test draws one question per (competence, level),
is neither passed nor failed and records measured levels; a passed quiz attests levels, a failed one
proves nothing; the learning record says the positioning test was completed."""

from datetime import timedelta

import pytest
from django.utils import timezone

from people.factories import AgentFactory
from progress.models import LearningEvent
from quizzes.factories import QuestionFactory, QuizFactory
from quizzes.models import Attempt, QuizKind
from quizzes.services import start_attempt, submit_attempt
from skills.factories import competence
from skills.models import CompetenceLevel, Evidence

pytestmark = pytest.mark.django_db

CODES = ("4.1", "1.1")  # created in this order so that the draw has to sort them
LEVELS = (6, 2, 4)


@pytest.fixture
def agent():
    return AgentFactory()


@pytest.fixture
def positioning():
    """A positioning test with two single-choice questions per (competence, level), out of order."""
    quiz = QuizFactory(kind=QuizKind.POSITIONING, title="Test de positionnement", pass_mark=0)
    for copy in (1, 2):
        for code in CODES:
            for level in LEVELS:
                QuestionFactory(quiz=quiz, competence=competence(code), level=level, name=f"C{code}-N{level} v{copy}")
    return quiz


def key(attempt, slot: int, right: bool) -> str:
    return next(c["key"] for c in attempt.questions[slot]["choices"] if (c["fraction"] == 1) == right)


def answers_for(attempt, right: dict[tuple[str, int], bool]) -> dict[str, str]:
    """Answer each served slot right or wrong; slots missing from `right` stay blank."""
    return {
        str(slot): key(attempt, slot, right[(question["competence"], question["level"])])
        for slot, question in enumerate(attempt.questions)
        if (question["competence"], question["level"]) in right
    }


def evidence_of(agent, source: str) -> dict[str, int]:
    return dict(Evidence.objects.filter(agent=agent, source=source).values_list("competence__code", "level"))


def levels_of(agent) -> dict[str, tuple[int, str]]:
    return {
        code: (level, source)
        for code, level, source in CompetenceLevel.objects.filter(agent=agent).values_list(
            "competence__code", "level", "source"
        )
    }


# --- the draw -------------------------------------------------------------------------------------


def test_positioning_draws_one_question_per_competence_and_level(positioning, agent):
    """Six cells (two competences × three levels), two questions each: six questions served, in competence
    then level order."""
    attempt = start_attempt(quiz_id=positioning.pk, agent_id=agent.pk, seed=7)
    served = [(question["competence"], question["level"]) for question in attempt.questions]
    assert served == [("1.1", 2), ("1.1", 4), ("1.1", 6), ("4.1", 2), ("4.1", 4), ("4.1", 6)]
    assert len({question["question_id"] for question in attempt.questions}) == 6


def test_positioning_draw_varies_between_seeds(positioning, agent):
    """The question of each cell is drawn at random among its two versions."""
    drawn = set()
    for seed in range(12):
        attempt = start_attempt(quiz_id=positioning.pk, agent_id=agent.pk, seed=seed)
        drawn.add(tuple(question["name"][-2:] for question in attempt.questions))
        Attempt.objects.filter(pk=attempt.pk).delete()
    assert len(drawn) > 1


def test_positioning_draw_ignores_untagged_questions(positioning, agent):
    """A question without competence or level is not served by a positioning test."""
    QuestionFactory(quiz=positioning, name="Sans compétence")
    QuestionFactory(quiz=positioning, competence=competence("1.1"), level=None, name="Sans niveau")
    attempt = start_attempt(quiz_id=positioning.pk, agent_id=agent.pk, seed=1)
    assert len(attempt.questions) == 6
    assert all(question["competence"] and question["level"] for question in attempt.questions)


# --- grading and evidence -------------------------------------------------------------------------


def submit_positioning(positioning, agent):
    """1.1: levels 2 and 4 right, 6 wrong (estimate 4); 4.1: level 2 wrong, 4 and 6 right (estimate 0)."""
    attempt = start_attempt(quiz_id=positioning.pk, agent_id=agent.pk, seed=3)
    right = {("1.1", 2): True, ("1.1", 4): True, ("1.1", 6): False}
    right |= {("4.1", 2): False, ("4.1", 4): True, ("4.1", 6): True}
    return submit_attempt(attempt_id=attempt.pk, agent_id=agent.pk, answers=answers_for(attempt, right))


def test_positioning_attempt_is_graded_neither_passed_nor_failed(positioning, agent):
    """A positioning attempt is graded with a score but passed is None."""
    attempt = submit_positioning(positioning, agent)
    assert attempt.state == Attempt.State.GRADED
    assert attempt.passed is None
    assert attempt.score is not None


def test_positioning_records_measured_levels_including_zero(positioning, agent):
    """Evidence "positioning" per competence asked: 4 on 1.1, 0 on 4.1 whose lowest level was failed."""
    attempt = submit_positioning(positioning, agent)
    assert evidence_of(agent, "positioning") == {"1.1": 4, "4.1": 0}
    assert set(Evidence.objects.filter(agent=agent).values_list("source_ref", "label")) == {
        (f"attempt:{attempt.pk}", "Test de positionnement")
    }
    assert Evidence.objects.filter(agent=agent).first().observed_at == attempt.submitted_at


def test_positioning_sets_competence_levels(positioning, agent):
    """The measured levels become the agent's current levels."""
    submit_positioning(positioning, agent)
    assert levels_of(agent) == {"1.1": (4, "positioning"), "4.1": (0, "positioning")}


def test_positioning_unanswered_questions_count_as_wrong(positioning, agent):
    """Submitted blank, every competence is estimated at level 0."""
    attempt = start_attempt(quiz_id=positioning.pk, agent_id=agent.pk, seed=3)
    submit_attempt(attempt_id=attempt.pk, agent_id=agent.pk, answers={})
    assert evidence_of(agent, "positioning") == {"1.1": 0, "4.1": 0}


def test_positioning_submitted_twice_records_once(positioning, agent):
    """A second submission (double click) adds no evidence."""
    attempt = submit_positioning(positioning, agent)
    submit_attempt(attempt_id=attempt.pk, agent_id=agent.pk, answers={})
    assert Evidence.objects.filter(agent=agent).count() == 2


def test_positioning_attempt_is_completed_in_the_learning_record(
    positioning, agent, django_capture_on_commit_callbacks
):
    """progress records the positioning attempt with the xAPI verb "completed", not passed or failed."""
    with django_capture_on_commit_callbacks(execute=True):
        submit_positioning(positioning, agent)
    on_quiz = [
        event
        for event in LearningEvent.objects.filter(agent=agent)
        if event.statement["object"]["id"].endswith(f"/quiz/{positioning.pk}")
    ]
    assert sorted(event.verb for event in on_quiz) == ["attempted", "completed"]
    result = next(event.statement for event in on_quiz if event.verb == "completed")
    assert result["verb"]["id"].endswith("/completed")
    assert "success" not in result.get("result", {})


# --- standard quizzes -----------------------------------------------------------------------------


@pytest.fixture
def standard():
    """A standard quiz of four questions: 2.2 at levels 3 and 5, 3.1 at level 4, one untagged."""
    quiz = QuizFactory(title="Quiz messagerie", pass_mark=50)
    QuestionFactory(quiz=quiz, competence=competence("2.2"), level=3)
    QuestionFactory(quiz=quiz, competence=competence("2.2"), level=5)
    QuestionFactory(quiz=quiz, competence=competence("3.1"), level=4)
    QuestionFactory(quiz=quiz)
    return quiz


def submit_standard(quiz, agent, right: list[bool]):
    attempt = start_attempt(quiz_id=quiz.pk, agent_id=agent.pk)
    answers = {str(slot): key(attempt, slot, is_right) for slot, is_right in enumerate(right)}
    return submit_attempt(attempt_id=attempt.pk, agent_id=agent.pk, answers=answers)


def test_passed_quiz_records_the_levels_answered_right(standard, agent):
    """Passed with 2.2 level 3 and 3.1 level 4 right: evidence "quiz" at those levels."""
    attempt = submit_standard(standard, agent, [True, False, True, True])
    assert attempt.passed is True
    assert evidence_of(agent, "quiz") == {"2.2": 3, "3.1": 4}
    assert levels_of(agent) == {"2.2": (3, "quiz"), "3.1": (4, "quiz")}
    assert Evidence.objects.filter(agent=agent).first().label == "Quiz messagerie"


def test_failed_quiz_records_nothing(standard, agent):
    """Failed (one answer of four right), even the right answer proves nothing."""
    attempt = submit_standard(standard, agent, [True, False, False, False])
    assert attempt.passed is False
    assert not Evidence.objects.filter(agent=agent).exists()
    assert not CompetenceLevel.objects.filter(agent=agent).exists()


def test_standard_quiz_serves_every_question(standard, agent):
    """The positioning draw does not apply to a standard quiz: its four questions are served."""
    attempt = start_attempt(quiz_id=standard.pk, agent_id=agent.pk)
    assert len(attempt.questions) == 4


def test_quiz_after_positioning_raises_the_level(positioning, standard, agent):
    """A quiz passed after the positioning test raises a level the test measured lower."""
    submit_positioning(positioning, agent)
    CompetenceLevel.objects.filter(agent=agent).update(observed_at=timezone.now() - timedelta(days=1))
    Evidence.objects.filter(agent=agent).update(observed_at=timezone.now() - timedelta(days=1))
    submit_standard(standard, agent, [True, True, True, True])
    assert levels_of(agent)["2.2"] == (5, "quiz")
    assert levels_of(agent)["1.1"] == (4, "positioning")
