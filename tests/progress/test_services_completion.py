"""Progress services: enrolment, lesson visits and completion, course completion and its snapshot."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from wagtail.models import PageViewRestriction

from courses.factories import CoursePageFactory, LessonPageFactory
from people.factories import AgentFactory
from progress import services, tasks
from progress.models import CourseCompletion, Enrollment, ImmutableRecordError, LearningEvent, LessonProgress
from progress.signals import course_completed
from quizzes.factories import QuestionFactory, QuizFactory
from quizzes.models import Attempt
from quizzes.services import start_attempt, submit_attempt
from skills.models import Evidence

pytestmark = pytest.mark.django_db

QUIZ_REFUSAL = "Cette leçon se termine en réussissant son quiz."


# Set-up


@pytest.fixture
def agent():
    return AgentFactory()


@pytest.fixture
def course():
    """Two required lessons and one optional lesson, two competences."""
    page = CoursePageFactory(
        title="Cybersécurité au quotidien", duration_minutes=90, competences=(("4.1", 2), ("4.2", 3))
    )
    LessonPageFactory(parent=page, title="Mots de passe")
    LessonPageFactory(parent=page, title="Hameçonnage")
    LessonPageFactory(parent=page, title="Pour aller plus loin", completion_required=False)
    return page


@pytest.fixture
def quiz():
    quiz = QuizFactory(title="Quiz final — Cybersécurité", pass_mark=50)
    QuestionFactory.create_batch(2, quiz=quiz)
    return quiz


def quiz_body(quiz, required=True) -> list[dict]:
    return [
        {"type": "text", "value": "<p>Vérifiez vos acquis.</p>"},
        {"type": "quiz", "value": {"quiz": quiz.pk, "intro": "", "required": required}},
    ]


@pytest.fixture
def quiz_course(quiz):
    """A plain required lesson, then a lesson whose required quiz decides its completion."""
    page = CoursePageFactory(title="Messagerie", duration_minutes=60, competences=(("2.1", 3),))
    LessonPageFactory(parent=page, title="Lire ses courriels")
    LessonPageFactory(parent=page, title="Quiz de fin", body=quiz_body(quiz))
    return page


def lessons_of(course):
    return list(course.lessons())


def complete_all(agent, lessons, now=None):
    outcome = None
    for lesson in lessons:
        outcome = services.complete_lesson(agent_id=agent.pk, lesson_id=lesson.pk, now=now)
    return outcome


def take_quiz(agent, quiz, *, right: bool, now=None):
    """Start and submit an attempt answering every question right (or wrong)."""
    attempt = start_attempt(quiz_id=quiz.pk, agent_id=agent.pk, now=now)
    wanted = 1 if right else 0
    answers = {
        slot: next(choice["key"] for choice in question["choices"] if choice["fraction"] == wanted)
        for slot, question in enumerate(attempt.questions)
    }
    return submit_attempt(attempt_id=attempt.pk, agent_id=agent.pk, answers=answers, now=now)


def events(agent, verb: str) -> int:
    return LearningEvent.objects.filter(agent=agent, verb=verb).count()


def nothing_recorded() -> bool:
    return not (
        Enrollment.objects.exists()
        or LessonProgress.objects.exists()
        or CourseCompletion.objects.exists()
        or LearningEvent.objects.exists()
    )


@pytest.fixture
def completed_signals():
    """The course_completed signals received during the test."""
    received = []

    def receiver(sender, **kwargs):
        received.append(kwargs)

    course_completed.connect(receiver, weak=False, dispatch_uid="test-course-completed")
    yield received
    course_completed.disconnect(dispatch_uid="test-course-completed")


def restrict_to_group(page, name="Élus"):
    group = Group.objects.create(name=name)
    restriction = PageViewRestriction.objects.create(page=page, restriction_type=PageViewRestriction.GROUPS)
    restriction.groups.add(group)
    return group


# Enrolment


def test_enroll_creates_an_active_enrollment_with_the_course_title(agent, course):
    """Enrolling creates one active enrolment that keeps the course title."""
    enrollment = services.enroll(agent_id=agent.pk, course_id=course.pk)
    assert enrollment.course_id == course.pk
    assert enrollment.course_title == "Cybersécurité au quotidien"
    assert enrollment.archived_at is None
    assert enrollment.origin == Enrollment.Origin.SELF


def test_enrolling_twice_returns_the_same_enrollment(agent, course):
    """A second enrolment returns the current one instead of creating another."""
    first = services.enroll(agent_id=agent.pk, course_id=course.pk)
    second = services.enroll(agent_id=agent.pk, course_id=course.pk)
    assert second.pk == first.pk
    assert Enrollment.objects.count() == 1


def test_enrolling_records_one_registered_event(agent, course):
    """Enrolling (even twice) records a single keyed "registered" statement."""
    enrollment = services.enroll(agent_id=agent.pk, course_id=course.pk)
    services.enroll(agent_id=agent.pk, course_id=course.pk)
    event = LearningEvent.objects.get(agent=agent, verb="registered")
    assert event.key == f"registered:{enrollment.uuid}"
    assert LearningEvent.objects.count() == 1


def test_enrolling_in_an_unpublished_course_is_refused(agent):
    """An unpublished course cannot be enrolled in, and nothing is recorded."""
    draft = CoursePageFactory(publish=False)
    with pytest.raises(services.NotFoundError):
        services.enroll(agent_id=agent.pk, course_id=draft.pk)
    assert nothing_recorded()


def test_enrolling_in_a_course_restricted_to_another_group_is_refused(agent, course):
    """A course restricted to a group the agent is not in cannot be enrolled in; nothing is recorded."""
    restrict_to_group(course)
    with pytest.raises(services.NotFoundError):
        services.enroll(agent_id=agent.pk, course_id=course.pk)
    assert nothing_recorded()


def test_enrolling_in_a_course_restricted_to_the_agents_group_is_allowed(agent, course):
    """A member of the group a course is restricted to may enrol."""
    agent.user.groups.add(restrict_to_group(course))
    services.enroll(agent_id=agent.pk, course_id=course.pk)
    assert Enrollment.objects.filter(agent=agent, course=course).exists()


def test_enrolling_in_a_password_protected_course_is_refused(agent, course):
    """A password-protected course is not followed through the records; nothing is recorded."""
    PageViewRestriction.objects.create(page=course, restriction_type=PageViewRestriction.PASSWORD, password="secret")
    with pytest.raises(services.NotFoundError):
        services.enroll(agent_id=agent.pk, course_id=course.pk)
    assert nothing_recorded()


def test_enrolling_an_unknown_course_is_refused(agent):
    """An unknown course id raises NotFoundError and records nothing."""
    with pytest.raises(services.NotFoundError):
        services.enroll(agent_id=agent.pk, course_id=999_999)
    assert nothing_recorded()


# Opening a lesson


def test_opening_a_lesson_enrols_the_agent(agent, course):
    """Opening a lesson of a course the agent is not enrolled in enrols them (one registered event)."""
    lesson = lessons_of(course)[0]
    progress = services.open_lesson(agent_id=agent.pk, lesson_id=lesson.pk)
    enrollment = Enrollment.objects.get(agent=agent, course=course)
    assert progress.enrollment_id == enrollment.pk
    assert events(agent, "registered") == 1


def test_opening_a_lesson_again_counts_the_visits(agent, course):
    """Each opening adds a visit to the same progress row."""
    lesson = lessons_of(course)[0]
    for _visit in range(3):
        services.open_lesson(agent_id=agent.pk, lesson_id=lesson.pk)
    progress = LessonProgress.objects.get()
    assert progress.visits == 3
    assert events(agent, "experienced") == 3


def test_opening_a_lesson_again_updates_the_last_visit(agent, course):
    """The last visit is the time of the latest opening; the start stays the first one."""
    lesson = lessons_of(course)[0]
    start = timezone.now()
    services.open_lesson(agent_id=agent.pk, lesson_id=lesson.pk, now=start)
    services.open_lesson(agent_id=agent.pk, lesson_id=lesson.pk, now=start + timedelta(hours=2))
    progress = LessonProgress.objects.get()
    assert progress.started_at == start
    assert progress.last_visit_at == start + timedelta(hours=2)


def test_each_opening_starts_a_new_view_token(agent, course):
    """Every opening gives the view a new, unguessable token."""
    lesson = lessons_of(course)[0]
    tokens = {services.open_lesson(agent_id=agent.pk, lesson_id=lesson.pk).view_token for _visit in range(3)}
    assert len(tokens) == 3
    assert all(len(token) == 32 for token in tokens)


def test_opening_an_unpublished_lesson_is_refused(agent, course):
    """An unpublished lesson cannot be opened through the records; nothing is recorded."""
    draft = LessonPageFactory(parent=course, publish=False)
    with pytest.raises(services.NotFoundError):
        services.open_lesson(agent_id=agent.pk, lesson_id=draft.pk)
    assert nothing_recorded()


# Completing a lesson


def test_completing_a_lesson_records_its_completion(agent, course):
    """Marking a lesson done sets its completion time and records a keyed "completed" statement."""
    lesson = lessons_of(course)[0]
    now = timezone.now()
    outcome = services.complete_lesson(agent_id=agent.pk, lesson_id=lesson.pk, now=now)
    assert outcome.progress.completed_at == now
    assert outcome.completion is None
    event = LearningEvent.objects.get(verb="completed")
    assert event.key == f"lesson-completed:{outcome.progress.pk}"


def test_completing_a_lesson_twice_records_it_once(agent, course):
    """A second "done" keeps the first completion time and adds no statement."""
    lesson = lessons_of(course)[0]
    first = timezone.now()
    services.complete_lesson(agent_id=agent.pk, lesson_id=lesson.pk, now=first)
    services.complete_lesson(agent_id=agent.pk, lesson_id=lesson.pk, now=first + timedelta(hours=1))
    assert LessonProgress.objects.get().completed_at == first
    assert events(agent, "completed") == 1


def test_a_lesson_with_a_required_quiz_cannot_be_marked_done(agent, quiz_course):
    """Marking done a lesson whose required quiz decides is refused with the reason, nothing recorded."""
    quiz_lesson = lessons_of(quiz_course)[1]
    with pytest.raises(services.ProgressRefusedError) as refused:
        services.complete_lesson(agent_id=agent.pk, lesson_id=quiz_lesson.pk)
    assert refused.value.message == QUIZ_REFUSAL
    assert not isinstance(refused.value, services.NotFoundError)
    assert nothing_recorded()


def test_a_lesson_with_an_optional_quiz_can_be_marked_done(agent, quiz):
    """A quiz block not marked required does not stop the agent from marking the lesson done."""
    page = CoursePageFactory()
    lesson = LessonPageFactory(parent=page, body=quiz_body(quiz, required=False))
    outcome = services.complete_lesson(agent_id=agent.pk, lesson_id=lesson.pk)
    assert outcome.progress.completed_at is not None


def test_completing_an_unknown_lesson_is_not_found(agent):
    """An unknown lesson id raises NotFoundError and records nothing."""
    with pytest.raises(services.NotFoundError):
        services.complete_lesson(agent_id=agent.pk, lesson_id=999_999)
    assert nothing_recorded()


def test_completing_an_unpublished_lesson_is_not_found(agent, course):
    """An unpublished lesson of a published course raises NotFoundError and records nothing."""
    draft = LessonPageFactory(parent=course, publish=False)
    with pytest.raises(services.NotFoundError):
        services.complete_lesson(agent_id=agent.pk, lesson_id=draft.pk)
    assert nothing_recorded()


def test_completing_a_lesson_of_an_unpublished_course_is_not_found(agent, course):
    """A published lesson under an unpublished course raises NotFoundError and records nothing."""
    lesson = lessons_of(course)[0]
    course.unpublish()
    with pytest.raises(services.NotFoundError):
        services.complete_lesson(agent_id=agent.pk, lesson_id=lesson.pk)
    assert nothing_recorded()


def test_completing_a_page_that_is_not_a_lesson_is_not_found(agent, course):
    """A course id given as a lesson id raises NotFoundError."""
    with pytest.raises(services.NotFoundError):
        services.complete_lesson(agent_id=agent.pk, lesson_id=course.pk)
    assert nothing_recorded()


def test_completing_a_lesson_restricted_to_another_group_is_not_found(agent, course):
    """A lesson restricted to a group the agent is not in cannot be completed through the records."""
    lesson = lessons_of(course)[0]
    restrict_to_group(lesson)
    with pytest.raises(services.NotFoundError):
        services.complete_lesson(agent_id=agent.pk, lesson_id=lesson.pk)


# Completing a course


def test_course_is_not_complete_while_a_required_lesson_remains(agent, course):
    """With one required lesson left, no course completion is recorded."""
    outcome = services.complete_lesson(agent_id=agent.pk, lesson_id=lessons_of(course)[0].pk)
    assert outcome.completion is None
    assert not CourseCompletion.objects.exists()


def test_course_completes_with_every_required_lesson_without_the_optional_one(agent, course):
    """Completing both required lessons completes the course; the optional lesson is not needed."""
    first, second, _optional = lessons_of(course)
    outcome = complete_all(agent, [first, second])
    completion = CourseCompletion.objects.get()
    assert outcome.completion == completion
    assert completion.agent == agent
    assert completion.course == course
    assert completion.enrollment == Enrollment.objects.get(agent=agent, course=course)


def test_course_completion_is_recorded_once(agent, course):
    """Completing the optional lesson and re-marking lessons afterwards adds no second completion."""
    first, second, optional = lessons_of(course)
    complete_all(agent, [first, second])
    outcome = complete_all(agent, [optional, first, second])
    assert outcome.completion is None
    assert CourseCompletion.objects.count() == 1
    assert LearningEvent.objects.filter(verb="completed", key__startswith="course-completed:").count() == 1


def test_course_completion_snapshots_title_duration_and_competences(agent, course):
    """The completion keeps the course title, its duration and the competences with their names and levels."""
    now = timezone.now()
    complete_all(agent, lessons_of(course)[:2], now=now)
    completion = CourseCompletion.objects.get()
    assert completion.completed_at == now
    assert completion.course_title == "Cybersécurité au quotidien"
    assert completion.duration_minutes == 90
    assert completion.competences == [
        {"code": "4.1", "name": "Sécuriser l'environnement numérique", "level": 2},
        {"code": "4.2", "name": "Protéger les données personnelles et la vie privée", "level": 3},
    ]


def test_course_without_quiz_has_no_score_in_its_snapshot(agent, course):
    """A course completed without a required quiz records no score and no quiz title."""
    complete_all(agent, lessons_of(course)[:2])
    completion = CourseCompletion.objects.get()
    assert completion.score is None
    assert completion.quiz_title == ""


def test_course_completed_signal_is_sent_once_after_commit(
    agent, course, completed_signals, django_capture_on_commit_callbacks
):
    """course_completed waits for the commit, then is sent once with the completion, agent and course ids."""
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        complete_all(agent, lessons_of(course))
    assert completed_signals == []
    for callback in callbacks:
        callback()
    completion = CourseCompletion.objects.get()
    assert len(completed_signals) == 1
    assert completed_signals[0]["completion_id"] == completion.pk
    assert completed_signals[0]["agent_id"] == agent.pk
    assert completed_signals[0]["course_id"] == course.pk


def test_course_completed_signal_is_not_sent_again(
    agent, course, completed_signals, django_capture_on_commit_callbacks
):
    """Marking lessons again after the completion sends no further course_completed signal."""
    with django_capture_on_commit_callbacks(execute=True):
        complete_all(agent, lessons_of(course)[:2])
        complete_all(agent, lessons_of(course))
    assert len(completed_signals) == 1


def test_course_completion_records_competence_evidence(agent, course):
    """A completion records one piece of "course" evidence per competence, at its target level."""
    now = timezone.now()
    complete_all(agent, lessons_of(course)[:2], now=now)
    evidence = Evidence.objects.filter(agent=agent).order_by("competence__code")
    assert [(item.competence.code, item.level, item.source) for item in evidence] == [
        ("4.1", 2, "course"),
        ("4.2", 3, "course"),
    ]
    assert {item.source_ref for item in evidence} == {f"course:{course.pk}"}
    assert {item.label for item in evidence} == {"Cybersécurité au quotidien"}
    assert {item.observed_at for item in evidence} == {now}


def test_course_evidence_is_not_recorded_again_after_the_completion(agent, course):
    """Lessons marked done after the completion add no evidence."""
    complete_all(agent, lessons_of(course)[:2])
    complete_all(agent, lessons_of(course))
    assert Evidence.objects.filter(agent=agent, source="course").count() == 2


# Quizzes deciding a lesson


def test_passing_the_required_quiz_completes_the_lesson_and_the_course(
    agent, quiz_course, quiz, completed_signals, django_capture_on_commit_callbacks
):
    """A passed required quiz completes its lesson and, with the other lesson done, the course."""
    plain, quiz_lesson = lessons_of(quiz_course)
    services.complete_lesson(agent_id=agent.pk, lesson_id=plain.pk)
    services.open_lesson(agent_id=agent.pk, lesson_id=quiz_lesson.pk)
    with django_capture_on_commit_callbacks(execute=True):
        take_quiz(agent, quiz, right=True)
    assert LessonProgress.objects.get(lesson=quiz_lesson).completed_at is not None
    completion = CourseCompletion.objects.get()
    assert completion.course == quiz_course
    assert [signal["completion_id"] for signal in completed_signals] == [completion.pk]


def test_completion_snapshot_keeps_the_deciding_quiz_score_and_title(
    agent, quiz_course, quiz, django_capture_on_commit_callbacks
):
    """The completion decided by a quiz keeps that quiz's score and title."""
    plain, quiz_lesson = lessons_of(quiz_course)
    services.open_lesson(agent_id=agent.pk, lesson_id=quiz_lesson.pk)
    with django_capture_on_commit_callbacks(execute=True):
        take_quiz(agent, quiz, right=True)
    services.complete_lesson(agent_id=agent.pk, lesson_id=plain.pk)
    completion = CourseCompletion.objects.get()
    assert completion.score == Decimal("100.00")
    assert completion.quiz_title == "Quiz final — Cybersécurité"


def test_completion_quiz_title_is_the_one_the_agent_passed(
    agent, quiz_course, quiz, django_capture_on_commit_callbacks
):
    """The snapshot keeps the quiz title of the agent's passing attempt, not of someone's later attempt."""
    plain, quiz_lesson = lessons_of(quiz_course)
    services.open_lesson(agent_id=agent.pk, lesson_id=quiz_lesson.pk)
    with django_capture_on_commit_callbacks(execute=True):
        take_quiz(agent, quiz, right=True)
    quiz.title = "Quiz renommé"
    quiz.save()
    start_attempt(quiz_id=quiz.pk, agent_id=AgentFactory().pk)
    services.complete_lesson(agent_id=agent.pk, lesson_id=plain.pk)
    assert CourseCompletion.objects.get().quiz_title == "Quiz final — Cybersécurité"


def test_a_failed_required_quiz_completes_nothing(agent, quiz_course, quiz, django_capture_on_commit_callbacks):
    """A failed attempt leaves the quiz lesson unfinished and the course incomplete."""
    plain, quiz_lesson = lessons_of(quiz_course)
    services.complete_lesson(agent_id=agent.pk, lesson_id=plain.pk)
    services.open_lesson(agent_id=agent.pk, lesson_id=quiz_lesson.pk)
    with django_capture_on_commit_callbacks(execute=True):
        take_quiz(agent, quiz, right=False)
    assert LessonProgress.objects.get(lesson=quiz_lesson).completed_at is None
    assert not CourseCompletion.objects.exists()
    assert events(agent, "failed") == 1


def test_a_later_failed_attempt_does_not_undo_the_completion(
    agent, quiz_course, quiz, django_capture_on_commit_callbacks
):
    """Failing the quiz after passing it keeps the lesson and the course completed."""
    plain, quiz_lesson = lessons_of(quiz_course)
    services.complete_lesson(agent_id=agent.pk, lesson_id=plain.pk)
    services.open_lesson(agent_id=agent.pk, lesson_id=quiz_lesson.pk)
    with django_capture_on_commit_callbacks(execute=True):
        take_quiz(agent, quiz, right=True)
        take_quiz(agent, quiz, right=False)
    assert Attempt.objects.filter(passed=False).count() == 1
    assert LessonProgress.objects.get(lesson=quiz_lesson).completed_at is not None
    completion = CourseCompletion.objects.get()
    assert completion.score == Decimal("100.00")


def test_recording_a_graded_attempt_twice_records_its_events_once(
    agent, quiz_course, quiz, django_capture_on_commit_callbacks
):
    """Running record_attempt_graded again (a retried task) adds no statement and no completion."""
    plain, quiz_lesson = lessons_of(quiz_course)
    services.complete_lesson(agent_id=agent.pk, lesson_id=plain.pk)
    services.open_lesson(agent_id=agent.pk, lesson_id=quiz_lesson.pk)
    with django_capture_on_commit_callbacks(execute=True):
        attempt = take_quiz(agent, quiz, right=True)
    before = sorted(LearningEvent.objects.values_list("verb", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.record_attempt_graded(attempt.pk) == 0
        assert services.record_attempt_graded(attempt_id=attempt.pk) == []
    assert sorted(LearningEvent.objects.values_list("verb", flat=True)) == before
    assert before.count("answered") == 2
    assert before.count("passed") == 1
    assert CourseCompletion.objects.count() == 1


def test_a_quiz_passed_before_enrolling_completes_its_lesson(agent, quiz, django_capture_on_commit_callbacks):
    """A lesson whose required quiz the agent already passed (in another course) is complete."""
    first = CoursePageFactory()
    LessonPageFactory(parent=first, body=quiz_body(quiz))
    services.open_lesson(agent_id=agent.pk, lesson_id=lessons_of(first)[0].pk)
    with django_capture_on_commit_callbacks(execute=True):
        take_quiz(agent, quiz, right=True)
    second = CoursePageFactory()
    reused = LessonPageFactory(parent=second, body=quiz_body(quiz))
    services.open_lesson(agent_id=agent.pk, lesson_id=reused.pk)
    assert LessonProgress.objects.get(lesson=reused).completed_at is not None


# A completion is history


def test_a_new_required_lesson_does_not_revoke_the_completion(agent, course):
    """A required lesson added after the completion leaves the completion in place."""
    complete_all(agent, lessons_of(course)[:2])
    added = LessonPageFactory(parent=course, title="Nouvelle leçon obligatoire")
    services.open_lesson(agent_id=agent.pk, lesson_id=added.pk)
    assert CourseCompletion.objects.filter(agent=agent, course=course).count() == 1


def test_editing_the_course_title_leaves_the_snapshot(agent, course):
    """A course renamed after the completion keeps the old title in the completion."""
    complete_all(agent, lessons_of(course)[:2])
    course.title = "Cybersécurité, édition 2025"
    course.duration_minutes = 120
    course.save_revision().publish()
    completion = CourseCompletion.objects.get()
    assert completion.course_title == "Cybersécurité au quotidien"
    assert completion.duration_minutes == 90


def test_deleting_the_course_keeps_the_completion(agent, course):
    """Deleting the course page keeps the completion, its course set to null."""
    complete_all(agent, lessons_of(course)[:2])
    course.delete()
    completion = CourseCompletion.objects.get()
    assert completion.course is None
    assert completion.course_title == "Cybersécurité au quotidien"
    assert Enrollment.objects.get().course is None


def test_saving_an_existing_completion_raises(agent, course):
    """Changing a recorded completion raises ImmutableRecordError and leaves the row unchanged."""
    complete_all(agent, lessons_of(course)[:2])
    completion = CourseCompletion.objects.get()
    completion.course_title = "Autre titre"
    with pytest.raises(ImmutableRecordError):
        completion.save()
    assert CourseCompletion.objects.get().course_title == "Cybersécurité au quotidien"


# Recurring training


def test_renewing_a_completed_enrollment_archives_it_and_starts_a_new_one(agent, course):
    """Renewing after a completion archives the enrolment with its completion and starts afresh."""
    complete_all(agent, lessons_of(course)[:2])
    old = Enrollment.objects.get()
    later = timezone.now() + timedelta(days=365)
    new = services.renew_enrollment(agent_id=agent.pk, course_id=course.pk, now=later)
    old.refresh_from_db()
    assert new.pk != old.pk
    assert old.archived_at == later
    assert CourseCompletion.objects.get().enrollment == old
    assert new.archived_at is None
    assert new.origin == Enrollment.Origin.ASSIGNMENT
    assert not new.lesson_progress.exists()
    assert events(agent, "registered") == 2


def test_renewing_an_unfinished_enrollment_returns_it_as_is(agent, course):
    """An unfinished enrolment is kept: renewing returns it unchanged, no new enrolment."""
    services.complete_lesson(agent_id=agent.pk, lesson_id=lessons_of(course)[0].pk)
    current = Enrollment.objects.get()
    renewed = services.renew_enrollment(agent_id=agent.pk, course_id=course.pk)
    assert renewed.pk == current.pk
    assert renewed.archived_at is None
    assert Enrollment.objects.count() == 1


def test_a_renewed_enrollment_can_be_completed_again(agent, course):
    """The new session gets its own completion; the first one stays."""
    complete_all(agent, lessons_of(course)[:2])
    services.renew_enrollment(agent_id=agent.pk, course_id=course.pk)
    outcome = complete_all(agent, lessons_of(course)[:2])
    assert outcome.completion is not None
    assert CourseCompletion.objects.filter(agent=agent).count() == 2
