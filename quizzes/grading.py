"""Grading rules of every question type, and the rules of attempts, as pure functions of plain values.

A question's grade is a fraction of its mark between 0 and 1 (never below 0, even with negative
weights); an attempt's score is the mark-weighted mean of its graded questions, in percent.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from anyascii import anyascii

SINGLE_CHOICE = "single_choice"
MULTIPLE_CHOICE = "multiple_choice"
TRUE_FALSE = "true_false"
SHORT_ANSWER = "short_answer"
NUMERICAL = "numerical"
MATCHING = "matching"
ORDERING = "ordering"
ESSAY = "essay"
DESCRIPTION = "description"
AUTOMATIC_TYPES = {SINGLE_CHOICE, MULTIPLE_CHOICE, TRUE_FALSE, SHORT_ANSWER, NUMERICAL, MATCHING, ORDERING}


@dataclass(frozen=True)
class ChoiceSpec:
    """One answer of a question as the grader needs it."""

    key: str  # stable identifier of the choice inside the attempt
    text: str = ""
    fraction: float = 0.0
    match: str = ""  # matching: the right-hand side
    value: float | None = None  # numerical: value ± tolerance
    tolerance: float = 0.0
    low: float | None = None  # numerical: a range
    high: float | None = None


@dataclass(frozen=True)
class QuestionSpec:
    type: str
    choices: tuple[ChoiceSpec, ...] = ()
    case_sensitive: bool = False
    accent_sensitive: bool = False


def clamp(fraction: float) -> float:
    return max(0.0, min(1.0, fraction))


def grade(question: QuestionSpec, answer) -> float | None:
    """The fraction earned by an answer (0..1), or None when a person must grade it (essay).

    Answers by type: single_choice/true_false: a choice key; multiple_choice: a list of keys;
    short_answer: text; numerical: text or number; matching: {left key: right text};
    ordering: the list of keys in the order given. A missing or malformed answer earns 0.
    """
    kind = question.type
    if kind == ESSAY:
        return None
    if kind == DESCRIPTION or answer in (None, "", [], {}):
        return 0.0
    if kind in (SINGLE_CHOICE, TRUE_FALSE):
        chosen = _choices_by_key(question).get(str(answer))
        return clamp(chosen.fraction) if chosen else 0.0
    if kind == MULTIPLE_CHOICE:
        if not isinstance(answer, list | tuple | set):
            return 0.0
        by_key = _choices_by_key(question)
        keys = {str(key) for key in answer}
        return clamp(sum(by_key[key].fraction for key in keys if key in by_key))
    if kind == SHORT_ANSWER:
        return clamp(
            max((c.fraction for c in question.choices if _text_matches(c.text, str(answer), question)), default=0)
        )
    if kind == NUMERICAL:
        number = parse_number(answer)
        if number is None:
            return 0.0
        return clamp(max((c.fraction for c in question.choices if _number_matches(c, number)), default=0))
    if kind == MATCHING:
        pairs = [c for c in question.choices if c.text]  # a match without item is only a distractor
        if not isinstance(answer, dict) or not pairs:
            return 0.0
        return sum(1 for c in pairs if str(answer.get(c.key, "")) == c.match) / len(pairs)
    if kind == ORDERING:
        if not isinstance(answer, list | tuple) or not question.choices:
            return 0.0
        expected = [c.key for c in question.choices]
        given = [str(key) for key in answer]
        return sum(1 for index, key in enumerate(expected) if index < len(given) and given[index] == key) / len(
            expected
        )
    return 0.0


def matching_choice(question: QuestionSpec, answer) -> ChoiceSpec | None:
    """The accepted answer a short or numerical answer matched (the best one), for its feedback."""
    if question.type == SHORT_ANSWER and answer:
        matches = [c for c in question.choices if _text_matches(c.text, str(answer), question)]
    elif question.type == NUMERICAL and (number := parse_number(answer)) is not None:
        matches = [c for c in question.choices if _number_matches(c, number)]
    else:
        return None
    return max(matches, key=lambda choice: choice.fraction, default=None)


def _choices_by_key(question: QuestionSpec) -> dict[str, ChoiceSpec]:
    return {choice.key: choice for choice in question.choices}


def normalise_text(text: str, *, case_sensitive: bool, accent_sensitive: bool) -> str:
    text = " ".join(text.split())
    if not accent_sensitive:
        text = anyascii(text)
    return text if case_sensitive else text.lower()


def _text_matches(pattern: str, answer: str, question: QuestionSpec) -> bool:
    """Moodle's short-answer rule: the whole answer matches; `*` stands for any characters."""
    options = {"case_sensitive": question.case_sensitive, "accent_sensitive": question.accent_sensitive}
    pattern = normalise_text(pattern, **options)
    answer = normalise_text(answer, **options)
    regex = ".*".join(re.escape(part) for part in pattern.split("*"))
    return re.fullmatch(regex, answer, flags=re.DOTALL) is not None


def parse_number(value) -> float | None:
    """A number typed by a person: "3,5", " 3.5 ", "1 000" and "-2" are understood."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip().replace("\u202f", "").replace("\u00a0", "").replace(" ", "").replace(",", ".")
    if not re.fullmatch(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?", text):
        return None
    return float(text)


def _number_matches(choice: ChoiceSpec, number: float) -> bool:
    if choice.low is not None and choice.high is not None:
        return choice.low <= number <= choice.high
    if choice.value is None:
        return False
    return abs(number - choice.value) <= abs(choice.tolerance) + 1e-9


@dataclass(frozen=True)
class GradedQuestion:
    mark: Decimal
    fraction: float | None  # None: waiting for a person


def attempt_score(questions: list[GradedQuestion]) -> Decimal | None:
    """The attempt's score in percent (two decimals), or None while a question waits for a person."""
    graded = [q for q in questions if q.mark > 0]
    if any(q.fraction is None for q in graded):
        return None
    total = sum((q.mark for q in graded), Decimal(0))
    if total == 0:
        return Decimal("100.00")
    earned = sum((q.mark * Decimal(str(q.fraction)) for q in graded), Decimal(0))
    return (earned * 100 / total).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def is_passed(score: Decimal | None, pass_mark: Decimal) -> bool:
    return score is not None and score >= pass_mark


HIGHEST, LAST, FIRST, AVERAGE = "highest", "last", "first", "average"


def final_grade(scores: list[Decimal], method: str) -> Decimal | None:
    """The quiz grade from the scores of finished attempts, oldest first (Moodle's grading methods)."""
    if not scores:
        return None
    if method == HIGHEST:
        return max(scores)
    if method == LAST:
        return scores[-1]
    if method == FIRST:
        return scores[0]
    if method == AVERAGE:
        return (sum(scores, Decimal(0)) / len(scores)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    raise ValueError(f"unknown grading method {method!r}")


@dataclass(frozen=True)
class AttemptRule:
    allowed: bool
    reason: str = ""  # "limit" or "delay"
    next_allowed_at: datetime | None = None


def may_start_attempt(
    *,
    now: datetime,
    finished_at: Sequence[datetime] = (),
    attempts_allowed: int,
    delay: timedelta | None,
) -> AttemptRule:
    """Whether a new attempt may start: the limit (0 = unlimited) and the delay after the last one."""
    if attempts_allowed and len(finished_at) >= attempts_allowed:
        return AttemptRule(False, "limit")
    if delay and finished_at:
        next_at = max(finished_at) + delay
        if now < next_at:
            return AttemptRule(False, "delay", next_at)
    return AttemptRule(True)


def effective_submission_time(*, submitted_at: datetime, deadline: datetime | None) -> datetime:
    """A submission after the deadline counts as made at the deadline."""
    return min(submitted_at, deadline) if deadline else submitted_at
