"""The starter positioning test: its GIFT files parse, cover the 16 CRCN competences at levels 2, 4 and 6,
load as one positioning quiz with every question tagged, and serve 48 questions an attempt."""

import pytest

from people.factories import AgentFactory
from quizzes import grading
from quizzes.formats.gift import parse_gift
from quizzes.models import Attempt, QuizKind
from quizzes.positioning import (
    QUESTION_NAME,
    STARTER_DIR,
    current_positioning_quiz,
    load_positioning_quiz,
    starter_files,
)
from quizzes.services import start_attempt, submit_attempt
from skills.crcn import COMPETENCES
from skills.models import CompetenceLevel

CODES = [code for code, *_rest in COMPETENCES]
LEVELS = (2, 4, 6)
FILES = ("domaines-1-2.gift", "domaines-3-5.gift")


def parsed(path):
    return parse_gift(path.read_bytes().removeprefix(b"\xef\xbb\xbf"))


def starter_questions():
    return [question for path in starter_files() for question in parsed(path).questions]


# --- the files ------------------------------------------------------------------------------------


def test_the_framework_has_sixteen_competences():
    """The test covers the 16 CRCN competences."""
    assert len(CODES) == 16


def test_starter_files_are_found():
    """Both starter files are in quizzes/starter/positionnement/."""
    assert [path.name for path in starter_files()] == list(FILES)
    assert all(path.parent == STARTER_DIR for path in starter_files())


@pytest.mark.parametrize("name", FILES)
def test_starter_file_parses_without_error(name):
    """Each GIFT file parses with no error and holds questions."""
    result = parsed(STARTER_DIR / name)
    assert result.errors == []
    assert result.questions


def test_every_question_is_named_with_its_competence_and_level():
    """Every question's title reads `C<code>-N<level> …` with a CRCN code and a level of the test."""
    for question in starter_questions():
        match = QUESTION_NAME.match(question.name)
        assert match, question.name
        assert match["code"] in CODES, question.name
        assert int(match["level"]) in LEVELS, question.name


def test_every_competence_has_a_question_at_levels_two_four_and_six():
    """Each of the 16 competences × levels 2, 4, 6 has at least one question."""
    cells = {}
    for question in starter_questions():
        match = QUESTION_NAME.match(question.name)
        if match:
            cells.setdefault((match["code"], int(match["level"])), []).append(question.name)
    missing = [(code, level) for code in CODES for level in LEVELS if (code, level) not in cells]
    assert missing == []


def test_every_question_is_graded_automatically():
    """No open question: the test is graded the moment it is submitted."""
    kinds = {question.type for question in starter_questions()}
    assert kinds <= {grading.SINGLE_CHOICE, grading.MULTIPLE_CHOICE, grading.TRUE_FALSE}


def test_question_titles_are_unique():
    """Two questions never share a title, so a trainer can tell them apart in the admin."""
    names = [question.name for question in starter_questions()]
    assert len(names) == len(set(names))


# --- loading and taking it ------------------------------------------------------------------------


@pytest.fixture
def loaded(db):
    return load_positioning_quiz()


@pytest.mark.django_db
def test_load_creates_a_positioning_quiz_with_every_question_tagged(loaded):
    """The quiz is of kind positioning and each of its questions names a competence and a level."""
    assert loaded.kind == QuizKind.POSITIONING
    assert loaded.is_positioning
    assert loaded.questions.count() == len(starter_questions())
    assert not loaded.questions.filter(competence__isnull=True).exists()
    assert not loaded.questions.filter(level__isnull=True).exists()
    assert set(loaded.questions.values_list("level", flat=True)) == set(LEVELS)
    assert set(loaded.questions.values_list("competence__code", flat=True)) == set(CODES)


@pytest.mark.django_db
def test_tags_follow_the_question_titles(loaded):
    """A question named `C4.1-N2 …` is tagged competence 4.1, level 2."""
    for name, code, level in loaded.questions.values_list("name", "competence__code", "level"):
        match = QUESTION_NAME.match(name)
        assert (match["code"], int(match["level"])) == (code, level)


@pytest.mark.django_db
def test_current_positioning_quiz_is_the_loaded_one(loaded):
    """The loaded quiz is the one agents take; a newer load replaces it."""
    assert current_positioning_quiz() == loaded
    newer = load_positioning_quiz(title="Test de positionnement 2027")
    assert current_positioning_quiz() == newer


@pytest.mark.django_db
def test_started_attempt_serves_forty_eight_questions(loaded):
    """One question per competence and level: 16 × 3 = 48, in competence then level order."""
    attempt = start_attempt(quiz_id=loaded.pk, agent_id=AgentFactory().pk, seed=5)
    served = [(question["competence"], question["level"]) for question in attempt.questions]
    assert len(served) == 48
    assert served == [(code, level) for code in sorted(CODES) for level in LEVELS]


def right_answer(question: dict):
    choices = question["choices"]
    if question["type"] == grading.MULTIPLE_CHOICE:
        return [choice["key"] for choice in choices if choice["fraction"] > 0]
    return max(choices, key=lambda choice: choice["fraction"])["key"]


@pytest.mark.django_db
def test_all_right_estimates_level_six_everywhere(loaded):
    """The right answer of every served question gives level 6 on all 16 competences."""
    agent = AgentFactory()
    attempt = start_attempt(quiz_id=loaded.pk, agent_id=agent.pk, seed=9)
    answers = {str(slot): right_answer(question) for slot, question in enumerate(attempt.questions)}
    attempt = submit_attempt(attempt_id=attempt.pk, agent_id=agent.pk, answers=answers)
    assert (attempt.state, attempt.passed) == (Attempt.State.GRADED, None)
    assert dict(CompetenceLevel.objects.filter(agent=agent).values_list("competence__code", "level")) == dict.fromkeys(
        CODES, 6
    )
