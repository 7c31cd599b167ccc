"""The pure rule from competence gaps to courses (`recommend`) and the reference gaps of competences
assessed without a target (`with_reference_gaps`): plain values, no database."""

from paths.recommendations import PER_GAP, REFERENCE_LEVEL, CourseOption, recommend, with_reference_gaps
from skills.rules import Gap, gaps


def option(course_id: int, level: int, minutes: int = 45, *, code: str = "2.2", title: str = "") -> CourseOption:
    return CourseOption(course_id, title or f"Cours {course_id}", minutes, {code: level})


def ids(recommendation) -> list[int]:
    return [course.course_id for course in recommendation.courses]


# --- recommend ------------------------------------------------------------------------------------


def test_courses_not_overshooting_the_target_come_first():
    """A course beyond the target comes after those within it, even when it is closer or shorter."""
    gap = Gap("2.2", 2, 4)
    [found] = recommend([gap], [option(1, 6, minutes=10), option(2, 4, minutes=120)])
    assert ids(found) == [2, 1]


def test_the_course_closest_to_the_next_level_comes_first():
    """Among courses within the target, the one leading to the next level comes first."""
    gap = Gap("2.2", 1, 5)
    [found] = recommend([gap], [option(1, 5), option(2, 2), option(3, 3)])
    assert ids(found) == [2, 3, 1]


def test_shorter_course_first_at_the_same_level():
    """Two courses to the same level: the shorter one first, then by title."""
    gap = Gap("2.2", 1, 4)
    courses = [option(1, 2, 90), option(2, 2, 30), option(3, 2, 30, title="Atelier")]
    [found] = recommend([gap], courses)
    assert ids(found) == [3, 2, 1]


def test_courses_not_above_the_current_level_are_left_out():
    """A course training to the agent's level or below brings nothing."""
    gap = Gap("2.2", 3, 5)
    [found] = recommend([gap], [option(1, 2), option(2, 3), option(3, 4)])
    assert ids(found) == [3]


def test_courses_of_another_competence_are_left_out():
    """A course that does not train the gap's competence is not recommended for it."""
    gap = Gap("2.2", 1, 4)
    [found] = recommend([gap], [option(1, 3, code="4.1"), option(2, 3)])
    assert ids(found) == [2]


def test_not_assessed_counts_as_level_zero():
    """With no level yet, a level-1 course is useful and comes first."""
    gap = Gap("2.2", None, 3)
    [found] = recommend([gap], [option(1, 3), option(2, 1)])
    assert ids(found) == [2, 1]


def test_completed_courses_are_excluded():
    """A course the agent already completed is not recommended again."""
    gap = Gap("2.2", 1, 4)
    [found] = recommend([gap], [option(1, 2), option(2, 3)], completed={1})
    assert ids(found) == [2]


def test_at_most_three_courses_per_gap():
    """Three courses at most per gap by default, the best ones."""
    gap = Gap("2.2", 0, 8)
    [found] = recommend([gap], [option(pk, pk) for pk in range(1, 7)])
    assert PER_GAP == 3
    assert ids(found) == [1, 2, 3]


def test_per_gap_can_be_raised():
    """The caller may ask for more courses per gap."""
    gap = Gap("2.2", 0, 8)
    [found] = recommend([gap], [option(pk, pk) for pk in range(1, 7)], per_gap=10)
    assert len(found.courses) == 6


def test_gap_without_course_is_kept_with_no_course():
    """A gap no course answers stays in the list, with an empty tuple."""
    first, second = Gap("2.2", 1, 4), Gap("5.1", None, 3)
    found = recommend([first, second], [option(1, 3)])
    assert [item.gap for item in found] == [first, second]
    assert found[1].courses == ()


def test_one_course_may_answer_several_gaps():
    """A course training two competences is recommended for each of its gaps."""
    course = CourseOption(1, "Bureautique", 60, {"2.2": 3, "3.1": 3})
    found = recommend([Gap("2.2", 1, 4), Gap("3.1", 2, 3)], [course])
    assert [ids(item) for item in found] == [[1], [1]]


# --- with_reference_gaps --------------------------------------------------------------------------


def test_reference_gap_added_for_an_assessed_competence_without_target():
    """An assessed competence below the reference level, without target, becomes a gap to that level."""
    found = with_reference_gaps([], {"1.1": 1}, {})
    assert found == [Gap("1.1", 1, REFERENCE_LEVEL)]
    assert REFERENCE_LEVEL == 2


def test_no_reference_gap_for_a_competence_not_assessed():
    """Without a level, no reference gap: nothing shows the agent is below it."""
    assert with_reference_gaps([], {"1.1": None}, {}) == []


def test_no_reference_gap_at_or_above_the_reference_level():
    """An agent at level 2 or above on a competence without target has no gap on it."""
    assert with_reference_gaps([], {"1.1": 2, "1.2": 5}, {}) == []


def test_no_reference_gap_for_a_competence_with_a_target():
    """A competence with a target keeps only its gap to that target (even a target already reached)."""
    levels = {"2.1": 2, "2.2": 1}
    targets = {"2.1": 4, "2.2": 1}
    found = with_reference_gaps(gaps(levels, targets), levels, targets)
    assert found == [Gap("2.1", 2, 4)]


def test_gaps_to_targets_come_before_reference_gaps():
    """HR's targets first (widest first), then the reference gaps, widest first, then by code."""
    levels = {"1.1": 0, "2.1": 2, "2.2": 1, "3.1": 1, "3.2": 0}
    targets = {"2.1": 4, "2.2": 2}
    found = with_reference_gaps(gaps(levels, targets), levels, targets)
    assert found == [Gap("2.1", 2, 4), Gap("2.2", 1, 2), Gap("1.1", 0, 2), Gap("3.2", 0, 2), Gap("3.1", 1, 2)]
