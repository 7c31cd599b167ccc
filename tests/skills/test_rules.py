"""Pure rules of the digital-skills profile: deriving a level, estimating levels from a quiz, targets, gaps
and heatmap cells. No database."""

from datetime import UTC, datetime, timedelta

import pytest

from skills import rules
from skills.rules import Answer, Gap, Observation

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)


def ago(days: int) -> datetime:
    return NOW - timedelta(days=days)


def observation(level: int, source: str, days_ago: int, label: str = "") -> Observation:
    return Observation(level=level, source=source, observed_at=ago(days_ago), label=label)


# --- derive_level ---------------------------------------------------------------------------------


def test_derive_level_of_nothing_is_none():
    """Without any evidence the competence is not assessed."""
    assert rules.derive_level([], now=NOW) is None


def test_evidence_older_than_three_years_no_longer_counts():
    """A Pix result three years and a day old is ignored: the competence is not assessed any more."""
    old = observation(6, "pix", 3 * 365 + 1)
    assert rules.derive_level([old], now=NOW) is None


def test_evidence_exactly_three_years_old_still_counts():
    """Evidence dated exactly three years ago still sets the level."""
    edge = observation(6, "pix", 3 * 365)
    assert rules.derive_level([edge], now=NOW) == edge


def test_expired_measurement_gives_way_to_a_recent_attestation():
    """An expired high measurement leaves the level to a lower but valid course."""
    expired = observation(7, "positioning", 4 * 365)
    course = observation(2, "course", 100)
    assert rules.derive_level([expired, course], now=NOW) == course


def test_latest_measurement_wins_even_if_lower():
    """A positioning test after a higher Pix result sets the lower level."""
    pix = observation(6, "pix", 400)
    positioning = observation(3, "positioning", 10)
    assert rules.derive_level([pix, positioning], now=NOW) == positioning


def test_attestation_after_the_latest_measurement_raises_the_level():
    """A course completed after the test attests a higher level: that level applies."""
    positioning = observation(3, "positioning", 100)
    course = observation(5, "course", 10, "Sécuriser ses comptes")
    decided = rules.derive_level([positioning, course], now=NOW)
    assert decided == course
    assert decided.label == "Sécuriser ses comptes"


def test_attestation_after_the_latest_measurement_never_lowers_the_level():
    """A quiz passed at a lower level after the test leaves the measured level."""
    positioning = observation(5, "positioning", 100)
    quiz = observation(2, "quiz", 10)
    assert rules.derive_level([positioning, quiz], now=NOW) == positioning


def test_attestation_before_the_latest_measurement_is_ignored():
    """A course completed before the test was already visible to it: the test's lower level stands."""
    course = observation(6, "course", 200)
    positioning = observation(3, "positioning", 10)
    assert rules.derive_level([course, positioning], now=NOW) == positioning


def test_without_measurement_the_highest_attestation_counts():
    """Courses and quizzes only: the highest level attested wins, whatever its date."""
    first = observation(2, "course", 300)
    highest = observation(4, "quiz", 200)
    latest = observation(3, "course", 10)
    assert rules.derive_level([first, highest, latest], now=NOW) == highest


def test_same_date_measurements_take_the_higher_level():
    """Two measurements on the same date: the higher level wins."""
    low = observation(3, "positioning", 10)
    high = observation(5, "pix", 10)
    assert rules.derive_level([low, high], now=NOW) == high
    assert rules.derive_level([high, low], now=NOW) == high


def test_same_date_attestations_take_the_higher_level():
    """Two attestations on the same date, no measurement: the higher level wins."""
    low = observation(2, "course", 10)
    high = observation(4, "quiz", 10)
    assert rules.derive_level([high, low], now=NOW) == high
    assert rules.derive_level([low, high], now=NOW) == high


def test_same_date_same_level_the_measurement_wins():
    """A measurement and an attestation of the same level on the same date: the measurement is kept."""
    course = observation(4, "course", 10)
    positioning = observation(4, "positioning", 10)
    assert rules.derive_level([course, positioning], now=NOW).source == "positioning"
    assert rules.derive_level([positioning, course], now=NOW).source == "positioning"


def test_same_date_higher_attestation_beats_the_measurement():
    """Rule 5: a course at level 5 on the same date as a test at level 3 sets level 5."""
    positioning = observation(3, "positioning", 10)
    course = observation(5, "course", 10)
    assert rules.derive_level([positioning, course], now=NOW) == course


# --- positioning_levels ---------------------------------------------------------------------------


def test_positioning_stops_at_the_first_failed_level():
    """Levels 2 and 4 passed, level 6 failed: level 4."""
    answers = [Answer("1.1", 2, 1.0), Answer("1.1", 4, 1.0), Answer("1.1", 6, 0.0)]
    assert rules.positioning_levels(answers) == {"1.1": 4}


def test_positioning_every_level_passed_gives_the_highest():
    """Levels 2, 4 and 6 passed: level 6."""
    answers = [Answer("4.1", level, 1.0) for level in (6, 2, 4)]
    assert rules.positioning_levels(answers) == {"4.1": 6}


def test_positioning_lucky_answer_above_a_failed_level_does_not_count():
    """Level 2 failed, levels 4 and 6 passed: level 0 (the lowest level served is failed)."""
    answers = [Answer("2.1", 2, 0.0), Answer("2.1", 4, 1.0), Answer("2.1", 6, 1.0)]
    assert rules.positioning_levels(answers) == {"2.1": 0}


def test_positioning_unanswered_question_counts_as_wrong():
    """A question left blank (fraction None) fails its level."""
    answers = [Answer("3.1", 2, 1.0), Answer("3.1", 4, None), Answer("3.1", 6, 1.0)]
    assert rules.positioning_levels(answers) == {"3.1": 2}


def test_positioning_level_passed_at_half_the_marks_of_its_questions():
    """Two questions at a level, one right and one wrong: a mean of 0.5 passes it."""
    answers = [Answer("1.2", 2, 1.0), Answer("1.2", 2, 0.0), Answer("1.2", 4, 0.0), Answer("1.2", 4, 0.0)]
    assert rules.positioning_levels(answers) == {"1.2": 2}


def test_positioning_level_failed_below_half_the_marks():
    """Two questions at a level with a mean of 0.45: the level is failed."""
    answers = [Answer("1.2", 2, 0.9), Answer("1.2", 2, 0.0)]
    assert rules.positioning_levels(answers) == {"1.2": 0}


def test_positioning_estimates_each_competence_on_its_own():
    """Two competences in the same test get their own estimate."""
    answers = [Answer("1.1", 2, 1.0), Answer("5.2", 2, 1.0), Answer("5.2", 4, 1.0), Answer("1.1", 4, 0.0)]
    assert rules.positioning_levels(answers) == {"1.1": 2, "5.2": 4}


def test_positioning_ignores_questions_without_competence_or_level():
    """Questions without a competence code or without a level estimate nothing."""
    answers = [Answer(None, 2, 1.0), Answer("", 4, 1.0), Answer("1.1", None, 1.0)]
    assert rules.positioning_levels(answers) == {}


# --- quiz_levels ----------------------------------------------------------------------------------


def test_quiz_attests_the_highest_level_answered_right():
    """Right at levels 2 and 4, wrong at 6: the quiz attests level 4."""
    answers = [Answer("2.2", 2, 1.0), Answer("2.2", 4, 1.0), Answer("2.2", 6, 0.0)]
    assert rules.quiz_levels(answers) == {"2.2": 4}


def test_quiz_attests_a_level_answered_right_even_above_a_wrong_one():
    """Unlike positioning, a passed quiz attests every level it saw answered right."""
    answers = [Answer("2.2", 2, 0.0), Answer("2.2", 6, 1.0)]
    assert rules.quiz_levels(answers) == {"2.2": 6}


def test_quiz_level_needs_one_question_right_at_that_level():
    """One of two questions right at a level (max fraction ≥ 0.5) attests it."""
    answers = [Answer("3.3", 5, 0.0), Answer("3.3", 5, 0.5)]
    assert rules.quiz_levels(answers) == {"3.3": 5}


def test_quiz_competence_with_nothing_right_is_absent():
    """A competence whose questions were all wrong or blank is not attested at all."""
    answers = [Answer("1.1", 2, 0.0), Answer("1.1", 4, None), Answer("4.2", 3, 1.0)]
    assert rules.quiz_levels(answers) == {"4.2": 3}


def test_quiz_questions_without_competence_are_ignored():
    """Questions that name no competence attest nothing."""
    assert rules.quiz_levels([Answer(None, 3, 1.0), Answer("1.1", None, 1.0)]) == {}


# --- effective_target -----------------------------------------------------------------------------


def test_effective_target_is_the_highest():
    """Job asks 3, service 5, parent service 2: 5 applies."""
    assert rules.effective_target([3, 5, 2]) == 5


def test_effective_target_without_any_is_none():
    """No target at all: None."""
    assert rules.effective_target([]) is None


# --- gaps -----------------------------------------------------------------------------------------


def test_gaps_widest_first_with_not_assessed_counted():
    """Below target or not assessed, widest first; met targets and targets of 0 leave no gap."""
    levels = {"1.1": 2, "1.2": None, "2.1": 5, "3.1": 1}
    targets = {"1.1": 4, "1.2": 3, "2.1": 4, "3.1": 0, "4.1": 6}
    assert rules.gaps(levels, targets) == [
        Gap("4.1", None, 6),
        Gap("1.2", None, 3),
        Gap("1.1", 2, 4),
    ]


def test_gap_size_counts_not_assessed_as_zero():
    """A gap on a competence not assessed is as wide as the target."""
    assert Gap("1.2", None, 3).size == 3
    assert Gap("1.1", 2, 4).size == 2


def test_gaps_of_equal_size_sorted_by_code():
    """Two gaps of the same size come in competence order."""
    found = rules.gaps({"5.1": 1, "2.3": 1}, {"5.1": 3, "2.3": 3})
    assert [gap.competence_code for gap in found] == ["2.3", "5.1"]


def test_no_gap_when_every_target_is_met():
    """Levels at or above target: no gap."""
    assert rules.gaps({"1.1": 4, "1.2": 6}, {"1.1": 4, "1.2": 5}) == []


# --- cell_figures ---------------------------------------------------------------------------------


def test_cell_mean_is_over_assessed_agents_only():
    """Mean level over the six assessed agents; the three not assessed do not pull it down."""
    figures = rules.cell_figures([(4, {2: 3, 5: 1}, 2), (None, {6: 2}, 1)])
    assert figures.agents == 9
    assert figures.assessed == 6
    assert figures.mean_level == pytest.approx((2 * 3 + 5 + 6 * 2) / 6)


def test_cell_counts_not_assessed_agents_below_target():
    """Of six agents with target 4: three at level 2 and two not assessed are below, one at 5 is not."""
    figures = rules.cell_figures([(4, {2: 3, 5: 1}, 2), (None, {6: 2}, 1)])
    assert figures.with_target == 6
    assert figures.below_target == 5
    assert figures.share_below == pytest.approx(5 / 6)


def test_cell_without_target_has_no_share():
    """No group has a target (None or 0): the share below target is None, not 0 %."""
    figures = rules.cell_figures([(None, {3: 2}, 1), (0, {1: 1}, 0)])
    assert figures.with_target == 0
    assert figures.below_target == 0
    assert figures.share_below is None


def test_cell_with_nobody_assessed_has_no_mean():
    """Nobody assessed: no mean level, and everyone with a target is below it."""
    figures = rules.cell_figures([(3, {}, 4)])
    assert figures.mean_level is None
    assert (figures.agents, figures.assessed, figures.below_target, figures.share_below) == (4, 0, 4, 1.0)


def test_cell_of_no_group_is_empty():
    """An empty cell: zero agents, no mean, no share."""
    figures = rules.cell_figures([])
    assert (figures.agents, figures.mean_level, figures.share_below) == (0, None, None)


def test_is_below_target_counts_not_assessed_and_ignores_no_target():
    """Not assessed is below a target; no target (None or 0) is never below; level equal to target is not."""
    assert rules.is_below_target(None, 3) is True
    assert rules.is_below_target(2, 3) is True
    assert rules.is_below_target(3, 3) is False
    assert rules.is_below_target(0, 0) is False
    assert rules.is_below_target(None, None) is False
