"""The completion engine's pure rules: lesson and course completion, progress, resume point, heartbeat credit."""

import random
from datetime import UTC, datetime, timedelta

import pytest

from progress.rules import (
    CLOCK_TOLERANCE_SECONDS,
    HEARTBEAT_SECONDS,
    MAX_BEAT_SECONDS,
    MAX_VIEW_CAP_SECONDS,
    MIN_VIEW_CAP_SECONDS,
    LessonRule,
    course_complete,
    credited_seconds,
    deciding_score,
    lesson_complete,
    max_view_seconds,
    may_mark_done,
    progress_percent,
    resume_lesson,
)

T0 = datetime(2024, 3, 1, 9, 0, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    """A UTC instant `seconds` after T0."""
    return T0 + timedelta(seconds=seconds)


def credit(claimed, *, elapsed=HEARTBEAT_SECONDS, view_seconds=0, view_cap=MAX_VIEW_CAP_SECONDS, first_beat=False):
    """One heartbeat `elapsed` seconds after the previous beat (or after the view began, for the first beat)."""
    return credited_seconds(
        claimed=claimed,
        now=at(1000 + elapsed),
        last_beat_at=None if first_beat else at(1000),
        view_started_at=at(1000 - view_seconds) if not first_beat else at(1000),
        view_seconds=view_seconds,
        view_cap=view_cap,
    )


PLAIN = LessonRule(pk=1, required=True)
QUIZZED = LessonRule(pk=2, required=True, required_quiz_ids=frozenset({10, 11}))


# lesson_complete


def test_lesson_without_quiz_not_complete_unmarked():
    """A lesson without a required quiz is not complete until it is marked done."""
    assert lesson_complete(lesson=PLAIN, marked_done=False, passed_quiz_ids=[]) is False


def test_lesson_without_quiz_complete_when_marked():
    """A lesson without a required quiz is complete once it is marked done."""
    assert lesson_complete(lesson=PLAIN, marked_done=True, passed_quiz_ids=[]) is True


def test_lesson_without_quiz_ignores_passed_quizzes():
    """Passing unrelated quizzes does not complete a lesson that has no required quiz."""
    assert lesson_complete(lesson=PLAIN, marked_done=False, passed_quiz_ids=[10, 11]) is False


def test_quizzed_lesson_marked_done_is_not_enough():
    """A lesson with a required quiz is not complete when merely marked done."""
    assert lesson_complete(lesson=QUIZZED, marked_done=True, passed_quiz_ids=[]) is False


def test_quizzed_lesson_incomplete_with_some_quizzes_passed():
    """A lesson with several required quizzes is not complete while one of them is not passed."""
    assert lesson_complete(lesson=QUIZZED, marked_done=True, passed_quiz_ids=[10]) is False


def test_quizzed_lesson_complete_when_all_quizzes_passed():
    """A lesson with required quizzes is complete when all of them are passed, even unmarked."""
    assert lesson_complete(lesson=QUIZZED, marked_done=False, passed_quiz_ids=[10, 11]) is True


def test_quizzed_lesson_complete_with_extra_passed_quizzes():
    """Other passed quizzes alongside the required ones do not prevent completion."""
    assert lesson_complete(lesson=QUIZZED, marked_done=False, passed_quiz_ids=[99, 11, 10]) is True


def test_quizzed_lesson_accepts_a_generator_of_passed_ids():
    """Passed quiz ids may be any iterable, consumed once."""
    assert lesson_complete(lesson=QUIZZED, marked_done=False, passed_quiz_ids=(i for i in (10, 11))) is True


# may_mark_done


def test_may_mark_done_without_quiz():
    """A lesson without a required quiz may be marked done by hand."""
    assert may_mark_done(PLAIN) is True


def test_may_not_mark_done_with_quiz():
    """A lesson with a required quiz refuses being marked done by hand."""
    assert may_mark_done(QUIZZED) is False


def test_may_mark_done_optional_lesson_without_quiz():
    """An optional lesson without a quiz may be marked done too."""
    assert may_mark_done(LessonRule(pk=5, required=False)) is True


# course_complete

COURSE = [
    LessonRule(pk=1, required=True),
    LessonRule(pk=2, required=True, required_quiz_ids=frozenset({20})),
    LessonRule(pk=3, required=False),
]


def test_course_complete_when_required_lessons_done_and_quizzes_passed():
    """A course is complete when every required lesson is done and every required quiz passed."""
    assert course_complete(lessons=COURSE, completed_lesson_ids=[1, 2], passed_quiz_ids=[20]) is True


def test_course_incomplete_with_a_required_lesson_missing():
    """A course is not complete while a required lesson is not done."""
    assert course_complete(lessons=COURSE, completed_lesson_ids=[2], passed_quiz_ids=[20]) is False


def test_course_incomplete_with_a_required_quiz_not_passed():
    """A course is not complete while a required quiz is not passed, even if its lesson is recorded done."""
    assert course_complete(lessons=COURSE, completed_lesson_ids=[1, 2], passed_quiz_ids=[]) is False


def test_course_optional_lessons_not_needed():
    """Optional lessons need not be done for the course to be complete."""
    assert course_complete(lessons=COURSE, completed_lesson_ids=[2, 1], passed_quiz_ids=[20]) is True


def test_course_required_quiz_in_optional_lesson_still_needed():
    """A required quiz held by an optional lesson must still be passed."""
    lessons = [LessonRule(pk=1, required=True), LessonRule(pk=2, required=False, required_quiz_ids=frozenset({30}))]
    assert course_complete(lessons=lessons, completed_lesson_ids=[1], passed_quiz_ids=[]) is False


def test_course_required_quiz_in_optional_lesson_passed_completes():
    """Passing the optional lesson's required quiz is enough; the optional lesson itself need not be done."""
    lessons = [LessonRule(pk=1, required=True), LessonRule(pk=2, required=False, required_quiz_ids=frozenset({30}))]
    assert course_complete(lessons=lessons, completed_lesson_ids=[1], passed_quiz_ids=[30]) is True


def test_course_with_only_optional_lessons_never_complete():
    """A course with no required lesson is never complete, even with everything done."""
    lessons = [LessonRule(pk=1, required=False), LessonRule(pk=2, required=False)]
    assert course_complete(lessons=lessons, completed_lesson_ids=[1, 2], passed_quiz_ids=[]) is False


def test_course_without_lessons_never_complete():
    """A course with no lesson at all is never complete."""
    assert course_complete(lessons=[], completed_lesson_ids=[1], passed_quiz_ids=[1]) is False


def test_course_extra_completed_ids_do_not_matter():
    """Completed ids of lessons no longer in the course neither help nor hurt."""
    assert course_complete(lessons=COURSE, completed_lesson_ids=[1, 2, 77, 78], passed_quiz_ids=[20, 99]) is True
    assert course_complete(lessons=COURSE, completed_lesson_ids=[2, 77], passed_quiz_ids=[20]) is False


def test_course_accepts_generators():
    """Completed and passed ids may be one-shot iterables."""
    assert course_complete(lessons=COURSE, completed_lesson_ids=iter([1, 2]), passed_quiz_ids=iter([20])) is True


# progress_percent


def test_progress_zero_when_nothing_required():
    """With no required lesson, progress is 0."""
    assert progress_percent(required_lesson_ids=[], completed_lesson_ids=[1, 2]) == 0


def test_progress_zero_when_nothing_done():
    """With nothing done, progress is 0."""
    assert progress_percent(required_lesson_ids=[1, 2, 3], completed_lesson_ids=[]) == 0


def test_progress_rounds_down():
    """Progress is rounded down: 1 of 3 is 33, 2 of 3 is 66."""
    assert progress_percent(required_lesson_ids=[1, 2, 3], completed_lesson_ids=[1]) == 33
    assert progress_percent(required_lesson_ids=[1, 2, 3], completed_lesson_ids=[1, 2]) == 66


def test_progress_not_100_until_all_done():
    """199 of 200 required lessons done is 99, not 100."""
    required = range(200)
    assert progress_percent(required_lesson_ids=required, completed_lesson_ids=range(199)) == 99


def test_progress_100_when_all_done():
    """All required lessons done is 100."""
    assert progress_percent(required_lesson_ids=[1, 2, 3], completed_lesson_ids=[3, 2, 1]) == 100


def test_progress_ignores_ids_outside_required():
    """Completed optional or removed lessons do not count towards progress."""
    assert progress_percent(required_lesson_ids=[1, 2], completed_lesson_ids=[1, 7, 8, 9]) == 50


# resume_lesson


def test_resume_no_lessons():
    """A course without lessons has nowhere to resume."""
    assert resume_lesson(lesson_ids=[], completed_lesson_ids=[], last_visited_id=None) is None


def test_resume_never_visited_goes_to_first_unfinished():
    """Without a last visit, resume at the first unfinished lesson."""
    assert resume_lesson(lesson_ids=[1, 2, 3], completed_lesson_ids=[1], last_visited_id=None) == 2


def test_resume_last_visited_unfinished():
    """The last visited lesson is resumed when it is not finished."""
    assert resume_lesson(lesson_ids=[1, 2, 3, 4], completed_lesson_ids=[1], last_visited_id=3) == 3


def test_resume_last_visited_finished_goes_to_next_unfinished_after_it():
    """When the last visited lesson is finished, resume at the next unfinished one after it."""
    assert resume_lesson(lesson_ids=[1, 2, 3, 4, 5], completed_lesson_ids=[2, 3, 4], last_visited_id=3) == 5


def test_resume_wraps_to_first_unfinished_before_it():
    """When nothing after the last visited lesson is unfinished, resume at the first unfinished from the start."""
    assert resume_lesson(lesson_ids=[1, 2, 3, 4], completed_lesson_ids=[1, 3, 4], last_visited_id=3) == 2


def test_resume_all_done_goes_to_first_lesson():
    """When every lesson is done, resume at the first lesson, to review."""
    assert resume_lesson(lesson_ids=[4, 5, 6], completed_lesson_ids=[4, 5, 6], last_visited_id=5) == 4


def test_resume_last_visited_removed_goes_to_first_unfinished():
    """A last visited lesson no longer in the course falls back to the first unfinished lesson."""
    assert resume_lesson(lesson_ids=[1, 2, 3], completed_lesson_ids=[1], last_visited_id=42) == 2


def test_resume_follows_course_order_not_id_order():
    """Lessons are taken in the course's order, not by id."""
    assert resume_lesson(lesson_ids=[9, 3, 7, 1], completed_lesson_ids=[9, 3], last_visited_id=3) == 7


# max_view_seconds


def test_max_view_short_lesson_gets_30_minutes():
    """A short lesson's view can count 30 minutes."""
    assert max_view_seconds(5) == MIN_VIEW_CAP_SECONDS == 30 * 60


def test_max_view_zero_or_negative_minutes_gets_30_minutes():
    """A lesson without (or with a nonsense) estimate still gets the 30-minute floor."""
    assert max_view_seconds(0) == MIN_VIEW_CAP_SECONDS
    assert max_view_seconds(-10) == MIN_VIEW_CAP_SECONDS


def test_max_view_forty_minute_lesson_gets_two_hours():
    """A 40-minute lesson's view can count three times its estimate: 2 hours."""
    assert max_view_seconds(40) == 2 * 60 * 60


def test_max_view_long_lesson_capped_at_three_hours():
    """A long lesson's view is capped at 3 hours."""
    assert max_view_seconds(90) == MAX_VIEW_CAP_SECONDS == 3 * 60 * 60
    assert max_view_seconds(10_000) == MAX_VIEW_CAP_SECONDS


def test_max_view_boundaries():
    """The floor and the ceiling are reached exactly at 10 and 60 minutes."""
    assert max_view_seconds(10) == MIN_VIEW_CAP_SECONDS
    assert max_view_seconds(11) == 11 * 3 * 60
    assert max_view_seconds(60) == MAX_VIEW_CAP_SECONDS


# credited_seconds


def test_credit_normal_beat():
    """A normal 30-second beat 30 seconds after the previous one is credited in full."""
    assert credit(HEARTBEAT_SECONDS) == HEARTBEAT_SECONDS


def test_credit_float_claim_truncated():
    """A fractional claim is credited in whole seconds, rounded down."""
    assert credit(12.9) == 12


def test_credit_first_beat_measured_from_view_start():
    """The first beat of a view is measured against the time the view began."""
    assert credit(HEARTBEAT_SECONDS, first_beat=True) == HEARTBEAT_SECONDS
    started = at(0)
    got = credited_seconds(
        claimed=60, now=at(10), last_beat_at=None, view_started_at=started, view_seconds=0, view_cap=3600
    )
    assert got == 10 + CLOCK_TOLERANCE_SECONDS


@pytest.mark.parametrize("claimed", [-30, -0.5, 0, 0.0, float("-inf")])
def test_credit_non_positive_claim_gives_zero(claimed):
    """A negative or zero claim credits nothing."""
    assert credit(claimed) == 0


def test_credit_nan_claim_gives_zero():
    """A NaN claim credits nothing."""
    assert credit(float("nan")) == 0


@pytest.mark.parametrize("claimed", ["30", "abc", None, [30], {"s": 30}])
def test_credit_non_number_claim_gives_zero(claimed):
    """A claim that is not a number (string, None, container) credits nothing."""
    assert credit(claimed) == 0


@pytest.mark.parametrize("claimed", [True, False])
def test_credit_bool_claim_gives_zero(claimed):
    """A boolean claim is not a number of seconds and credits nothing."""
    assert credit(claimed) == 0


def test_credit_hours_at_once_clamped():
    """A claim of hours at once, after a long real gap, is clamped to MAX_BEAT_SECONDS."""
    assert credit(3 * 3600, elapsed=3 * 3600) == MAX_BEAT_SECONDS


def test_credit_infinite_claim_clamped():
    """An infinite claim is clamped to MAX_BEAT_SECONDS."""
    assert credit(float("inf"), elapsed=3600) == MAX_BEAT_SECONDS


def test_credit_never_more_than_elapsed_plus_tolerance():
    """A beat never credits more than the server time since the previous beat, plus the tolerance."""
    assert credit(60, elapsed=10) == 10 + CLOCK_TOLERANCE_SECONDS


def test_credit_immediate_repeat_gives_only_tolerance():
    """A beat repeated at the same instant credits at most the clock tolerance."""
    assert credit(30, elapsed=0) == CLOCK_TOLERANCE_SECONDS


def test_credit_beat_from_the_future_gives_zero():
    """A beat whose server time is well before the previous beat credits nothing."""
    assert credit(30, elapsed=-60) == 0


def test_credit_beat_slightly_from_the_future_gives_zero():
    """A beat whose server time is even slightly before the previous beat credits nothing."""
    assert credit(30, elapsed=-2) == 0


def test_credit_view_cap_reached_gives_zero():
    """Once the view has counted its cap, further beats credit nothing."""
    assert credit(30, view_seconds=1800, view_cap=1800) == 0


def test_credit_view_over_cap_gives_zero():
    """A view already over its cap (e.g. the cap shrank) credits nothing, never a negative amount."""
    assert credit(30, view_seconds=2000, view_cap=1800) == 0


def test_credit_partial_remainder_up_to_cap():
    """Near the cap, only the remainder up to the cap is credited."""
    assert credit(30, view_seconds=1790, view_cap=1800) == 10


def test_credit_property_bounds():
    """Over random combinations, the credit stays in [0, MAX_BEAT_SECONDS] and never pushes a view past its cap."""
    rng = random.Random(20240301)
    weird = [float("nan"), float("inf"), float("-inf"), None, "30", True, False, -1, 0]
    for _ in range(200):
        roll = rng.random()
        if roll < 0.15:
            claimed = rng.choice(weird)
        elif roll < 0.55:
            claimed = rng.randint(-100, 20_000)
        else:
            claimed = rng.uniform(-100.0, 20_000.0)
        view_started_at = at(rng.randint(0, 3600))
        last_beat_at = None if rng.random() < 0.3 else view_started_at + timedelta(seconds=rng.randint(0, 7200))
        since = last_beat_at or view_started_at
        now = since + timedelta(seconds=rng.uniform(-120.0, 4 * 3600.0))
        view_cap = max_view_seconds(rng.randint(-5, 120))
        view_seconds = rng.randint(0, view_cap + 100)
        got = credited_seconds(
            claimed=claimed,
            now=now,
            last_beat_at=last_beat_at,
            view_started_at=view_started_at,
            view_seconds=view_seconds,
            view_cap=view_cap,
        )
        context = (claimed, now, last_beat_at, view_started_at, view_seconds, view_cap, got)
        assert isinstance(got, int), context
        assert 0 <= got <= MAX_BEAT_SECONDS, context
        assert view_seconds + got <= max(view_cap, view_seconds), context
        assert got <= max(0.0, (now - since).total_seconds() + CLOCK_TOLERANCE_SECONDS), context


# deciding_score


def test_deciding_score_none_when_no_pass():
    """Without any passing attempt there is no deciding score."""
    assert deciding_score([]) is None


def test_deciding_score_single_pass():
    """A single passing attempt's score decides."""
    assert deciding_score([(at(0), 82.5)]) == 82.5


def test_deciding_score_latest_pass_wins_regardless_of_order():
    """The latest passing attempt's score decides, not the best nor the first listed."""
    passes = [(at(300), 70.0), (at(900), 75.0), (at(100), 100.0)]
    assert deciding_score(passes) == 75.0


def test_deciding_score_latest_pass_without_score():
    """When the latest passing attempt has no score, the deciding score is None."""
    assert deciding_score([(at(0), 90.0), (at(60), None)]) is None
