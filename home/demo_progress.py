"""The demo's learning history: lessons opened and timed, lessons completed, quiz attempts failed and
passed, courses completed weeks ago, all dated in the past.

Everything goes through the real services (progress.services, quizzes.services), so enrolments, lesson
progress, completions, competence evidence and the learning record are what the platform itself
records. Deterministic (fixed seed) and idempotent: an agent who already has an enrolment is left alone.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from courses.models import CoursePage
from people.models import Agent
from progress import services as progress
from progress.models import CourseCompletion, Enrollment
from progress.rules import HEARTBEAT_SECONDS, LessonRule
from quizzes import grading
from quizzes import services as quizzes
from quizzes.models import Attempt

from .demo import COMMUNE, EPCI

SEED = 20260901
CAMILLE = "camille.martin@saint-aubin.example"
LOUIS = "louis.bernard@saint-aubin.example"
# Courses the README agents follow when the catalogue has them (others are taken in catalogue order).
CAMILLE_COURSES = ("cybersecurite-au-quotidien", "cloud-au-quotidien", "smartphones-tablettes")
LOUIS_COURSES = ("manager-equipe-numerique", "reseaux-sociaux-e-reputation")


@dataclass(frozen=True)
class Course:
    pk: int
    slug: str
    lessons: tuple[LessonRule, ...]  # published lessons in order, with the quizzes they require


@dataclass(frozen=True)
class Plan:
    """One course in an agent's history."""

    course: Course
    days_ago: int  # when the agent opened its first lesson
    lessons: int | None = None  # lessons completed before stopping at the next one; None: all of them
    failures: int = 0  # failed attempts at each quiz before the pass (or before stopping)
    renew: bool = False  # a new session of a course already completed (recurring training)


def load_progress(*, size: str, now: datetime | None = None, stdout=None) -> int:
    """Give the demo agents a learning history; return the number of agents who got one.

    `size` needs nothing of its own: the histories use whatever catalogue that size loaded.
    """
    now = now or timezone.now()
    courses = _catalogue()
    if not courses:
        return 0
    rng = random.Random(SEED)  # noqa: S311 - demo data, not a secret
    agents = (
        Agent.objects.filter(organisation__slug__in=[COMMUNE["slug"], EPCI["slug"]])
        .select_related("user")
        .order_by("user__email")
    )
    done = 0
    for agent in agents:
        # Drawn for everyone, so that skipping an agent does not change the others' histories.
        plans, seed = _plans(agent, courses, rng, now), rng.random()
        if not plans or Enrollment.objects.filter(agent=agent).exists():
            continue
        learner = Learner(agent.pk, random.Random(seed), now)  # noqa: S311
        with transaction.atomic():
            for plan in plans:
                try:
                    with transaction.atomic():
                        learner.follow(plan)
                except progress.ProgressRefusedError:  # a course kept from this agent (view restriction)
                    continue
        done += 1
    if stdout is not None:
        completions = CourseCompletion.objects.filter(agent__in=agents).count()
        stdout.write(f"Historique de formation : {done} agents ajoutés, {completions} cours terminés au total.")
    return done


def _catalogue() -> list[Course]:
    courses = []
    for page in CoursePage.objects.live().order_by("path"):
        lessons = tuple(progress.course_rules(page))
        if lessons:
            courses.append(Course(page.pk, page.slug, lessons))
    return courses


# --- who does what --------------------------------------------------------------------------------


def _plans(agent: Agent, courses: list[Course], rng: random.Random, now: datetime) -> list[Plan]:
    if agent.user.email == CAMILLE:
        return _camille(courses)
    if agent.user.email == LOUIS:
        course = _pick(courses, LOUIS_COURSES, 1)[0]
        return [Plan(course, days_ago=9, lessons=min(2, len(course.lessons) - 1))]
    return _random_plans(courses, rng, _tenure_days(agent, now))


def _camille(courses: list[Course]) -> list[Plan]:
    """Two courses completed weeks ago (the first quiz failed once, then passed), one to resume."""
    first, *others = _pick(courses, CAMILLE_COURSES, 3)
    plans = [Plan(first, days_ago=40, failures=1), *(Plan(course, days_ago=24) for course in others[:1])]
    # A catalogue of two courses (size tiny) has none left: the one to resume is a new session of the first.
    current = others[1] if len(others) > 1 else first
    lessons = min(2, len(current.lessons) - 1)
    return [*plans, Plan(current, days_ago=3, lessons=lessons, renew=current is first)]


def _pick(courses: list[Course], slugs: tuple[str, ...], count: int) -> list[Course]:
    by_slug = {course.slug: course for course in courses}
    preferred = [by_slug[slug] for slug in slugs if slug in by_slug]
    return (preferred + [course for course in courses if course not in preferred])[:count]


def _random_plans(courses: list[Course], rng: random.Random, tenure: int) -> list[Plan]:
    """About 60 % complete one or two courses, about half have a course under way, some did nothing."""
    roll = rng.random()
    order = rng.sample(courses, len(courses))
    plans = []
    if roll < 0.6:
        for course in order[: rng.choice((1, 1, 2))]:
            days_ago = _days_ago(rng, 10, 150, tenure)
            plans.append(Plan(course, days_ago, failures=rng.choice((0, 0, 0, 1))))
    under_way = roll < 0.85 and (roll >= 0.6 or rng.random() < 0.4)
    if under_way and len(order) > len(plans):
        course = order[len(plans)]
        lessons = rng.randrange(len(course.lessons))
        plans.append(Plan(course, _days_ago(rng, 6, 30, tenure), lessons, failures=rng.choice((0, 1))))
    return plans


def _tenure_days(agent: Agent, now: datetime) -> int:
    """Days since the agent arrived: nobody trained before being hired."""
    if agent.hire_date is None:
        return 365
    return max(1, (timezone.localdate(now) - agent.hire_date).days - 1)


def _days_ago(rng: random.Random, low: int, high: int, tenure: int) -> int:
    high = max(1, min(high, tenure))
    return rng.randint(min(low, high), high)


# --- doing it through the services ----------------------------------------------------------------


class Learner:
    """One agent following courses in the past, lesson after lesson, through the real services."""

    def __init__(self, agent_id: int, rng: random.Random, now: datetime):
        self.agent_id, self.rng, self.now = agent_id, rng, now

    def follow(self, plan: Plan) -> None:
        day = timezone.localtime(self.now - timedelta(days=plan.days_ago))
        at = day.replace(hour=self.rng.randint(8, 15), minute=self.rng.randint(0, 59), second=0, microsecond=0)
        if plan.renew:
            progress.renew_enrollment(agent_id=self.agent_id, course_id=plan.course.pk, now=at)
        stop = len(plan.course.lessons) if plan.lessons is None else plan.lessons
        for index, lesson in enumerate(plan.course.lessons[: stop + 1]):
            if at >= self.now:  # never write the future
                return
            at = self.study(lesson.pk, at)
            finish = index < stop
            if lesson.required_quiz_ids:
                for quiz_id in sorted(lesson.required_quiz_ids):
                    at = self.sit_quiz(quiz_id, at, failures=plan.failures, then_pass=finish)
            elif finish:
                progress.complete_lesson(agent_id=self.agent_id, lesson_id=lesson.pk, now=at)
            at += self.rng.choice((timedelta(minutes=4), timedelta(hours=3), timedelta(days=1)))

    def study(self, lesson_id: int, at: datetime) -> datetime:
        """Open the lesson and stay on it a few heartbeats; return when the agent leaves it."""
        view = progress.open_lesson(agent_id=self.agent_id, lesson_id=lesson_id, now=at)
        for _beat in range(self.rng.randint(2, 4)):
            at += timedelta(seconds=HEARTBEAT_SECONDS)
            beat = {"view_token": view.view_token, "seconds": HEARTBEAT_SECONDS, "now": at}
            progress.record_heartbeat(agent_id=self.agent_id, lesson_id=lesson_id, **beat)
        return at + timedelta(seconds=5)

    def sit_quiz(self, quiz_id: int, at: datetime, *, failures: int, then_pass: bool) -> datetime:
        """Fail the quiz `failures` times (retrying the next day), then pass it if asked."""
        for number in range(failures + int(then_pass)):
            attempt = self.attempt(quiz_id, at, passing=number == failures)
            if attempt is None:
                break
            at = attempt.submitted_at + timedelta(days=1)
        return at

    def attempt(self, quiz_id: int, at: datetime, *, passing: bool) -> Attempt | None:
        attempt = self.start(quiz_id, at)
        if attempt is None:
            return None
        submit_at = attempt.started_at + timedelta(minutes=self.rng.randint(4, 12))
        if attempt.deadline:
            submit_at = min(submit_at, attempt.deadline - timedelta(seconds=30))
        answers = self.answers(attempt, passing=passing)
        attempt = quizzes.submit_attempt(attempt_id=attempt.pk, agent_id=self.agent_id, answers=answers, now=submit_at)
        # What the attempt_started/attempt_graded tasks do, run here so the history is complete even when
        # the tasks wait for a worker (Redis) or for a commit; both are idempotent.
        progress.record_attempt_started(attempt_id=attempt.pk)
        progress.record_attempt_graded(attempt_id=attempt.pk)
        return attempt

    def start(self, quiz_id: int, at: datetime) -> Attempt | None:
        """An attempt started at `at`, or as soon after as the quiz's rules allow (None: never before now)."""
        seed = self.rng.randrange(2**31)
        try:
            return quizzes.start_attempt(quiz_id=quiz_id, agent_id=self.agent_id, now=at, seed=seed)
        except quizzes.AttemptRefusedError as refusal:
            later = refusal.next_allowed_at  # None: no attempt left
            if later is None or later <= at or later >= self.now:
                return None
            return self.start(quiz_id, later)

    def answers(self, attempt: Attempt, *, passing: bool) -> dict[str, object]:
        """Right answers but at most one slip for a pass; about half right for a fail."""
        slots = attempt.questions
        pass_mark = float(attempt.snapshot.get("pass_mark", 80))
        if passing:
            slips = 1 if self.rng.random() < 0.5 and (len(slots) - 1) * 100 >= len(slots) * pass_mark else 0
            right = len(slots) - slips
        else:
            right = min(int(len(slots) * self.rng.uniform(0.3, 0.6)), int(len(slots) * pass_mark / 100) - 1)
        correct = set(self.rng.sample(range(len(slots)), max(0, right)))
        answers = {str(index): answer(slot, right=index in correct) for index, slot in enumerate(slots)}
        return {slot: value for slot, value in answers.items() if value is not None}


def answer(slot: dict, *, right: bool):
    """An answer to a snapshot question, right or wrong, in the form quizzes.services expects."""
    kind, choices = slot["type"], slot["choices"]
    if not choices:
        return None
    best = max(choices, key=lambda choice: choice["fraction"])
    worst = min(choices, key=lambda choice: choice["fraction"])
    if kind in (grading.SINGLE_CHOICE, grading.TRUE_FALSE):
        return best["key"] if right else worst["key"]
    if kind == grading.MULTIPLE_CHOICE:
        return [c["key"] for c in choices if c["fraction"] > 0] if right else [worst["key"]]
    if kind == grading.SHORT_ANSWER:
        return best["text"].replace("*", "") if right else "je ne sais pas"
    if kind == grading.NUMERICAL:
        value = best["value"] if best["value"] is not None else (best["low"] + best["high"]) / 2
        return str(value) if right else str(abs(value) * 10 + 1000)
    if kind == grading.MATCHING:
        pairs = [c for c in choices if c["text"]]
        matches = [c["match"] for c in pairs]
        if not right:
            matches = matches[1:] + matches[:1]
        return {c["key"]: match for c, match in zip(pairs, matches, strict=True)}
    if kind == grading.ORDERING:
        keys = [c["key"] for c in choices]
        return keys if right else keys[::-1]
    return None  # essays wait for a trainer; descriptions need no answer
