"""Grading of every question type and the rules of attempts, without a database."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from quizzes.grading import (
    ChoiceSpec,
    GradedQuestion,
    QuestionSpec,
    attempt_score,
    effective_submission_time,
    final_grade,
    grade,
    is_passed,
    may_start_attempt,
    parse_number,
)

SINGLE = QuestionSpec("single_choice", (ChoiceSpec("a", fraction=1), ChoiceSpec("b"), ChoiceSpec("c", fraction=-0.5)))
MULTI = QuestionSpec(
    "multiple_choice",
    (ChoiceSpec("a", fraction=0.5), ChoiceSpec("b", fraction=0.5), ChoiceSpec("c", fraction=-1), ChoiceSpec("d")),
)


def test_single_choice_right_wrong_and_negative():
    """The chosen answer's weight counts; a negative weight gives 0, not less."""
    assert grade(SINGLE, "a") == 1
    assert grade(SINGLE, "b") == 0
    assert grade(SINGLE, "c") == 0


def test_single_choice_unknown_key_earns_nothing():
    """A key that is not a choice of the question earns 0."""
    assert grade(SINGLE, "zzz") == 0


def test_multiple_choice_partial_credit():
    """Each right answer adds its weight."""
    assert grade(MULTI, ["a"]) == 0.5
    assert grade(MULTI, ["a", "b"]) == 1


def test_multiple_choice_negative_weights_never_below_zero():
    """A wrong answer subtracts its weight, but the grade stays at least 0."""
    assert grade(MULTI, ["a", "b", "c"]) == 0
    assert grade(MULTI, ["a", "c"]) == 0
    assert grade(MULTI, ["c", "d"]) == 0


def test_multiple_choice_counts_each_key_once():
    """Sending the same right key twice does not count it twice."""
    assert grade(MULTI, ["a", "a", "a"]) == 0.5


def test_multiple_choice_rejects_a_string():
    """A string where a list is expected earns 0."""
    assert grade(MULTI, "a") == 0


def test_true_false():
    """The right truth value earns the mark."""
    question = QuestionSpec("true_false", (ChoiceSpec("true", fraction=1), ChoiceSpec("false")))
    assert grade(question, "true") == 1
    assert grade(question, "false") == 0


def test_short_answer_case_accents_and_wildcard():
    """Short answers ignore case and accents by default; `*` stands for any text."""
    question = QuestionSpec(
        "short_answer",
        (ChoiceSpec("1", "cybermalveillance.gouv.fr", 1), ChoiceSpec("2", "*malveillance*", 0.5)),
    )
    assert grade(question, "  CyberMalveillance.gouv.fr ") == 1
    assert grade(question, "site cybermalveillance") == 0.5
    assert grade(question, "ANSSI") == 0
    accents = QuestionSpec("short_answer", (ChoiceSpec("1", "hameçonnage", 1),))
    assert grade(accents, "HAMECONNAGE") == 1


def test_short_answer_case_and_accent_sensitive_options():
    """With the options set, case and accents must match."""
    question = QuestionSpec("short_answer", (ChoiceSpec("1", "Élu", 1),), case_sensitive=True, accent_sensitive=True)
    assert grade(question, "Élu") == 1
    assert grade(question, "élu") == 0
    assert grade(question, "Elu") == 0


def test_short_answer_regex_characters_are_literal():
    """Characters like '.' or '(' in an accepted answer are not regular expressions."""
    question = QuestionSpec("short_answer", (ChoiceSpec("1", "a.b(c)", 1),))
    assert grade(question, "a.b(c)") == 1
    assert grade(question, "axb(c)") == 0


def test_numerical_tolerance_and_range():
    """A number within the tolerance or the range earns the weight of the best match."""
    question = QuestionSpec(
        "numerical",
        (ChoiceSpec("1", value=72, tolerance=0, fraction=1), ChoiceSpec("2", low=48, high=96, fraction=0.5)),
    )
    assert grade(question, "72") == 1
    assert grade(question, "72,0") == 1
    assert grade(question, 50) == 0.5
    assert grade(question, "100") == 0


def test_numerical_malformed_input_earns_nothing():
    """Text where a number is expected earns 0, never an error."""
    question = QuestionSpec("numerical", (ChoiceSpec("1", value=3, tolerance=1, fraction=1),))
    for answer in ("trois", "3 4", "", "nan", "inf", True, None):
        assert grade(question, answer) == 0


def test_parse_number_french_formats():
    """French decimal commas and thousands separators are understood."""
    assert parse_number("3,5") == 3.5
    assert parse_number("1\u202f000") == 1000
    assert parse_number("-2") == -2
    assert parse_number("1e3") == 1000
    assert parse_number("abc") is None


def test_matching_partial():
    """Each pair matched right earns its share."""
    question = QuestionSpec(
        "matching", (ChoiceSpec("p", "mot de passe", match="savoir"), ChoiceSpec("t", "téléphone", match="posséder"))
    )
    assert grade(question, {"p": "savoir", "t": "posséder"}) == 1
    assert grade(question, {"p": "savoir", "t": "savoir"}) == 0.5
    assert grade(question, ["savoir"]) == 0


def test_ordering_by_position():
    """Each item at its right place earns its share."""
    question = QuestionSpec("ordering", (ChoiceSpec("1"), ChoiceSpec("2"), ChoiceSpec("3"), ChoiceSpec("4")))
    assert grade(question, ["1", "2", "3", "4"]) == 1
    assert grade(question, ["1", "2", "4", "3"]) == 0.5
    assert grade(question, ["1"]) == 0.25


def test_essay_waits_for_a_person_and_description_is_not_graded():
    """An essay has no automatic grade; a description earns nothing and weighs nothing."""
    assert grade(QuestionSpec("essay"), "Mon texte") is None
    assert grade(QuestionSpec("description"), None) == 0


def test_attempt_score_is_mark_weighted():
    """The score weighs each question by its mark, in percent with two decimals."""
    score = attempt_score(
        [GradedQuestion(Decimal(1), 1.0), GradedQuestion(Decimal(2), 0.5), GradedQuestion(Decimal(0), 0.0)]
    )
    assert score == Decimal("66.67")


def test_attempt_score_waits_for_essays():
    """While an essay is not graded, the attempt has no score."""
    assert attempt_score([GradedQuestion(Decimal(1), 1.0), GradedQuestion(Decimal(1), None)]) is None


def test_pass_mark():
    """Passing needs a score at least equal to the pass mark."""
    assert is_passed(Decimal("80.00"), Decimal(80))
    assert not is_passed(Decimal("79.99"), Decimal(80))
    assert not is_passed(None, Decimal(0))


@pytest.mark.parametrize(
    ("method", "expected"),
    [("highest", "90"), ("last", "60"), ("first", "40"), ("average", "63.33")],
)
def test_grading_methods(method, expected):
    """Highest, last, first and average, as in Moodle."""
    assert final_grade([Decimal(40), Decimal(90), Decimal(60)], method) == Decimal(expected)


def test_attempt_limit_and_delay():
    """The limit refuses a new attempt; the delay gives the date of the next one."""
    now = datetime(2026, 11, 28, 14, 5)
    done = [now - timedelta(minutes=10)]
    assert not may_start_attempt(now=now, finished_at=done * 2, attempts_allowed=2, delay=None).allowed
    rule = may_start_attempt(now=now, finished_at=done, attempts_allowed=0, delay=timedelta(hours=1))
    assert (rule.allowed, rule.reason, rule.next_allowed_at) == (False, "delay", done[0] + timedelta(hours=1))
    assert may_start_attempt(now=now, finished_at=done, attempts_allowed=0, delay=timedelta(minutes=5)).allowed


def test_late_submission_counts_at_the_deadline():
    """A submission after the deadline is dated at the deadline."""
    deadline = datetime(2026, 11, 28, 14, 0)
    assert effective_submission_time(submitted_at=deadline + timedelta(minutes=3), deadline=deadline) == deadline
    assert effective_submission_time(submitted_at=deadline, deadline=None) == deadline
