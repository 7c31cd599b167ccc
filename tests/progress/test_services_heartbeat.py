"""Heartbeat service: visible time credited to the current view of a lesson, absurd claims refused."""

from datetime import timedelta

import pytest
from django.utils import timezone

from courses.factories import CoursePageFactory, LessonPageFactory
from people.factories import AgentFactory
from progress import services
from progress.models import LessonProgress
from progress.rules import CLOCK_TOLERANCE_SECONDS, MAX_BEAT_SECONDS, MIN_VIEW_CAP_SECONDS

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent():
    return AgentFactory()


@pytest.fixture
def lesson():
    """A 10-minute lesson: its views are capped at the 30-minute minimum."""
    return LessonPageFactory(parent=CoursePageFactory(), minutes=10)


@pytest.fixture
def start():
    return timezone.now() - timedelta(days=1)


@pytest.fixture
def view(agent, lesson, start):
    """The agent's current view of the lesson, opened at `start`."""
    return services.open_lesson(agent_id=agent.pk, lesson_id=lesson.pk, now=start)


def beat(agent, lesson, view, seconds, at):
    return services.record_heartbeat(
        agent_id=agent.pk, lesson_id=lesson.pk, view_token=view.view_token, seconds=seconds, now=at
    )


def spent() -> int:
    return LessonProgress.objects.get().seconds_spent


def test_a_regular_beat_is_credited(agent, lesson, view, start):
    """30 seconds claimed 30 seconds after the view began are credited."""
    assert beat(agent, lesson, view, 30, start + timedelta(seconds=30)) == 30
    assert spent() == 30


def test_credited_time_accumulates_over_beats(agent, lesson, view, start):
    """Ten regular beats add up to five minutes."""
    for number in range(1, 11):
        beat(agent, lesson, view, 30, start + timedelta(seconds=30 * number))
    assert spent() == 300


def test_time_accumulates_across_views(agent, lesson, view, start):
    """Time spent in a later view adds to the time of the earlier one."""
    beat(agent, lesson, view, 30, start + timedelta(seconds=30))
    later = start + timedelta(hours=1)
    second = services.open_lesson(agent_id=agent.pk, lesson_id=lesson.pk, now=later)
    beat(agent, lesson, second, 30, later + timedelta(seconds=30))
    assert spent() == 60


def test_a_float_claim_is_credited_in_whole_seconds(agent, lesson, view, start):
    """29.7 seconds claimed are credited as 29."""
    assert beat(agent, lesson, view, 29.7, start + timedelta(seconds=30)) == 29


@pytest.mark.parametrize("claimed", [-30, 0, float("nan"), float("-inf"), "30", None, True, [30], {"s": 30}])
def test_absurd_claims_credit_nothing(agent, lesson, view, start, claimed):
    """Negative, zero, NaN, strings, booleans and other non-numbers credit nothing."""
    assert beat(agent, lesson, view, claimed, start + timedelta(seconds=30)) == 0
    assert spent() == 0


def test_hours_at_once_are_clamped_to_one_beat(agent, lesson, view, start):
    """Five hours claimed in one beat, after a long wait, credit one beat at most."""
    assert beat(agent, lesson, view, 5 * 3600, start + timedelta(hours=5)) == MAX_BEAT_SECONDS


def test_infinity_is_clamped_to_one_beat(agent, lesson, view, start):
    """An infinite claim credits one beat at most."""
    assert beat(agent, lesson, view, float("inf"), start + timedelta(minutes=10)) == MAX_BEAT_SECONDS


def test_a_beat_credits_no_more_than_the_time_elapsed(agent, lesson, view, start):
    """90 seconds claimed 10 seconds after the view began credit 10 seconds (plus clock tolerance)."""
    assert beat(agent, lesson, view, 90, start + timedelta(seconds=10)) == 10 + CLOCK_TOLERANCE_SECONDS


def test_rapid_beats_credit_no_more_than_the_elapsed_time(agent, lesson, view, start):
    """Beats sent every second for a minute credit at most that minute (plus the clock tolerance once)."""
    for second in range(1, 61):
        beat(agent, lesson, view, 30, start + timedelta(seconds=second))
    assert spent() <= 60 + CLOCK_TOLERANCE_SECONDS


def test_a_beat_from_before_the_view_began_credits_nothing(agent, lesson, view, start):
    """A beat timed before the view started is out of order: nothing is credited."""
    assert beat(agent, lesson, view, 30, start - timedelta(seconds=30)) == 0
    assert spent() == 0


def test_a_beat_from_before_the_previous_one_credits_nothing(agent, lesson, view, start):
    """A beat timed before the last credited beat (replayed, out of order) credits nothing."""
    beat(agent, lesson, view, 60, start + timedelta(seconds=60))
    assert beat(agent, lesson, view, 30, start + timedelta(seconds=30)) == 0
    assert spent() == 60


def test_a_replayed_beat_credits_only_the_tolerance(agent, lesson, view, start):
    """The same beat sent twice at the same instant credits the second one the clock tolerance at most."""
    at = start + timedelta(seconds=30)
    beat(agent, lesson, view, 30, at)
    assert beat(agent, lesson, view, 30, at) <= CLOCK_TOLERANCE_SECONDS


def test_a_view_is_capped(agent, lesson, view, start):
    """One view of a 10-minute lesson counts at most 30 minutes, however long it stays open."""
    for number in range(1, 41):
        beat(agent, lesson, view, MAX_BEAT_SECONDS, start + timedelta(seconds=MAX_BEAT_SECONDS * number))
    assert spent() == MIN_VIEW_CAP_SECONDS
    assert beat(agent, lesson, view, 30, start + timedelta(hours=2)) == 0


def test_the_last_beat_before_the_cap_is_cut_to_the_cap(agent, lesson, view, start):
    """A beat crossing the view's cap is credited only up to the cap."""
    LessonProgress.objects.update(
        view_seconds=MIN_VIEW_CAP_SECONDS - 10, last_visit_at=start - timedelta(seconds=MIN_VIEW_CAP_SECONDS)
    )
    assert beat(agent, lesson, view, 60, start + timedelta(seconds=60)) == 10


def test_a_long_lesson_has_a_longer_cap(agent, start):
    """A 50-minute lesson allows 150 minutes in one view."""
    long_lesson = LessonPageFactory(parent=CoursePageFactory(), minutes=50)
    view = services.open_lesson(agent_id=agent.pk, lesson_id=long_lesson.pk, now=start)
    LessonProgress.objects.update(view_seconds=150 * 60 - 20, last_visit_at=start - timedelta(minutes=150))
    assert beat(agent, long_lesson, view, 60, start + timedelta(seconds=60)) == 20


def test_a_new_view_resets_the_cap(agent, lesson, view, start):
    """Opening the lesson again starts a new view with its own cap."""
    LessonProgress.objects.update(view_seconds=MIN_VIEW_CAP_SECONDS)
    assert beat(agent, lesson, view, 30, start + timedelta(seconds=30)) == 0
    later = start + timedelta(hours=1)
    second = services.open_lesson(agent_id=agent.pk, lesson_id=lesson.pk, now=later)
    assert beat(agent, lesson, second, 30, later + timedelta(seconds=30)) == 30


def test_the_old_view_token_credits_nothing_after_a_new_opening(agent, lesson, view, start):
    """Once the lesson is opened again, beats of the previous view credit nothing."""
    later = start + timedelta(minutes=5)
    services.open_lesson(agent_id=agent.pk, lesson_id=lesson.pk, now=later)
    assert beat(agent, lesson, view, 30, later + timedelta(seconds=30)) == 0
    assert spent() == 0


@pytest.mark.parametrize("token", ["", "0" * 32, None, 12345])
def test_a_wrong_view_token_credits_nothing(agent, lesson, view, start, token):
    """An empty, unknown or non-string view token credits nothing."""
    credited = services.record_heartbeat(
        agent_id=agent.pk, lesson_id=lesson.pk, view_token=token, seconds=30, now=start + timedelta(seconds=30)
    )
    assert credited == 0
    assert spent() == 0


def test_a_token_of_another_lesson_credits_nothing(agent, lesson, view, start):
    """A valid token sent for another lesson of the agent credits nothing."""
    other = LessonPageFactory(parent=lesson.get_parent().specific)
    services.open_lesson(agent_id=agent.pk, lesson_id=other.pk, now=start)
    assert beat(agent, other, view, 30, start + timedelta(seconds=30)) == 0
    assert LessonProgress.objects.get(lesson=other).seconds_spent == 0


def test_another_agents_view_credits_nothing(agent, lesson, view, start):
    """Another agent sending the agent's lesson and token is credited nothing, and the agent neither."""
    other = AgentFactory()
    credited = services.record_heartbeat(
        agent_id=other.pk,
        lesson_id=lesson.pk,
        view_token=view.view_token,
        seconds=30,
        now=start + timedelta(seconds=30),
    )
    assert credited == 0
    assert spent() == 0


def test_a_beat_for_an_unopened_lesson_credits_nothing(agent, lesson, start):
    """A lesson never opened has no view: a beat credits nothing and creates no row."""
    credited = services.record_heartbeat(
        agent_id=agent.pk, lesson_id=lesson.pk, view_token="a" * 32, seconds=30, now=start + timedelta(seconds=30)
    )
    assert credited == 0
    assert not LessonProgress.objects.exists()


def test_a_beat_of_an_archived_enrollment_credits_nothing(agent, lesson, view, start):
    """After the enrolment is renewed, beats of a view opened in the old session credit nothing."""
    services.complete_lesson(agent_id=agent.pk, lesson_id=lesson.pk, now=start)
    course = lesson.get_parent().specific
    services.renew_enrollment(agent_id=agent.pk, course_id=course.pk, now=start + timedelta(seconds=1))
    assert beat(agent, lesson, view, 30, start + timedelta(seconds=30)) == 0


def test_a_beat_moves_the_reference_time(agent, lesson, view, start):
    """A credited beat becomes the reference for the next one."""
    beat(agent, lesson, view, 30, start + timedelta(seconds=30))
    progress = LessonProgress.objects.get()
    assert progress.last_beat_at == start + timedelta(seconds=30)
    assert progress.view_seconds == 30
