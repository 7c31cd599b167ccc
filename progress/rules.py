"""The completion engine's rules: pure functions of plain values, tested without a database.

- A lesson without a required quiz is complete when the agent marks it done.
- A lesson holding a required quiz is complete when every required quiz it holds is passed (an attempt
  graded as passed); marking it done by hand is refused.
- A course is complete when every required lesson is complete and every required quiz of the course is
  passed. A quiz marked "required" counts even in an optional lesson: the author asked for it.
- A course with no published required lesson is never complete (nothing to prove).
- Completion is recorded once; later failed attempts or course edits do not undo it (the service only
  ever adds a completion).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

# Heartbeat: the page reports visible time every HEARTBEAT_SECONDS; one beat is credited at most
# MAX_BEAT_SECONDS, and one view (one page load) at most max_view_seconds().
HEARTBEAT_SECONDS = 30
MAX_BEAT_SECONDS = 90
MIN_VIEW_CAP_SECONDS = 30 * 60
MAX_VIEW_CAP_SECONDS = 3 * 60 * 60
CLOCK_TOLERANCE_SECONDS = 5


@dataclass(frozen=True)
class LessonRule:
    """What a lesson asks for: the quizzes that must be passed (empty: marking it done is enough)."""

    pk: int
    required: bool
    required_quiz_ids: frozenset[int] = frozenset()


def lesson_complete(*, lesson: LessonRule, marked_done: bool, passed_quiz_ids: Iterable[int]) -> bool:
    if lesson.required_quiz_ids:
        return lesson.required_quiz_ids <= set(passed_quiz_ids)
    return marked_done


def may_mark_done(lesson: LessonRule) -> bool:
    """A lesson with a required quiz is completed by passing the quiz, not by a click."""
    return not lesson.required_quiz_ids


def course_complete(
    *, lessons: Sequence[LessonRule], completed_lesson_ids: Iterable[int], passed_quiz_ids: Iterable[int]
) -> bool:
    required = [lesson for lesson in lessons if lesson.required]
    if not required:
        return False
    done = set(completed_lesson_ids)
    passed = set(passed_quiz_ids)
    quizzes = set().union(*(lesson.required_quiz_ids for lesson in lessons))
    return all(lesson.pk in done for lesson in required) and quizzes <= passed


def progress_percent(*, required_lesson_ids: Iterable[int], completed_lesson_ids: Iterable[int]) -> int:
    """Share of the required lessons done, 0–100, rounded down (100 only when all are done)."""
    required = set(required_lesson_ids)
    if not required:
        return 0
    return len(required & set(completed_lesson_ids)) * 100 // len(required)


def resume_lesson(
    *, lesson_ids: Sequence[int], completed_lesson_ids: Iterable[int], last_visited_id: int | None
) -> int | None:
    """The exact lesson to continue with.

    The lesson last opened if it is not finished; otherwise the next unfinished lesson after it, then
    the first unfinished one from the start; when everything is done, the first lesson (to review).
    """
    if not lesson_ids:
        return None
    done = set(completed_lesson_ids)
    if last_visited_id in lesson_ids:
        start = lesson_ids.index(last_visited_id)
        if last_visited_id not in done:
            return last_visited_id
        for pk in lesson_ids[start + 1 :]:
            if pk not in done:
                return pk
    for pk in lesson_ids:
        if pk not in done:
            return pk
    return lesson_ids[0]


def max_view_seconds(lesson_minutes: int) -> int:
    """Time one view can count: three times the lesson's estimate, between 30 minutes and 3 hours."""
    return max(MIN_VIEW_CAP_SECONDS, min(MAX_VIEW_CAP_SECONDS, 3 * 60 * max(lesson_minutes, 0)))


def credited_seconds(
    *,
    claimed: object,
    now: datetime,
    last_beat_at: datetime | None,
    view_started_at: datetime,
    view_seconds: int,
    view_cap: int,
) -> int:
    """Seconds to add for one heartbeat; absurd claims (negative, not a number, hours at once) count 0
    or are clamped. A beat never credits more than the time elapsed on the server since the previous
    beat of the same view (or since the view began), nor more than the view's cap in total."""
    if isinstance(claimed, bool) or not isinstance(claimed, int | float):
        return 0
    if claimed != claimed or claimed <= 0:  # NaN or negative
        return 0
    since = last_beat_at or view_started_at
    if now < since:  # a beat "from before" the previous one: out of order, nothing to add
        return 0
    elapsed = (now - since).total_seconds() + CLOCK_TOLERANCE_SECONDS
    # The tolerance is granted once per view: the whole view never counts more than its real length.
    room = (now - view_started_at).total_seconds() + CLOCK_TOLERANCE_SECONDS - view_seconds
    credit = int(min(claimed, MAX_BEAT_SECONDS, elapsed, room))
    return max(0, min(credit, view_cap - view_seconds))


def deciding_score(passes: Sequence[tuple[datetime, float | None]]) -> float | None:
    """The score that decided a course: the latest passing attempt among its required quizzes."""
    if not passes:
        return None
    return max(passes, key=lambda item: item[0])[1]
