"""Sending the learning record to an LRS: against a real local HTTP endpoint (tests/progress/lrs_stub.py).

Batches leave in storage order and are marked sent once accepted; an outage leaves everything queued;
after an outage or a lost answer, the LRS ends up with each statement exactly once.
"""

from datetime import timedelta

import pytest
from celery.exceptions import Retry
from django.utils import timezone

from courses.factories import CoursePageFactory, LessonPageFactory
from people.factories import AgentFactory
from progress import services, xapi
from progress.lrs import (
    MAX_SEND_FAILURES,
    BatchReport,
    LrsUnavailableError,
    config_from_settings,
    pending_count,
    send_batch,
)
from progress.models import LearningEvent
from progress.tasks import send_statements
from quizzes.factories import QuestionFactory, QuizFactory
from quizzes.services import start_attempt, submit_attempt

from .lrs_stub import LrsStub
from .xapi_validation import assert_valid_statement

pytestmark = pytest.mark.django_db


@pytest.fixture
def lrs(settings):
    """A running LRS stub, and the settings that point the sender at it (batches of 3, 2 s timeout)."""
    stub = LrsStub().start()
    settings.LRS_ENDPOINT = stub.endpoint
    settings.LRS_USERNAME = stub.username
    settings.LRS_PASSWORD = stub.password
    settings.LRS_TIMEOUT = 2.0
    settings.LRS_BATCH_SIZE = 3
    yield stub
    stub.stop()


@pytest.fixture
def agent():
    return AgentFactory()


def record(agent, count: int) -> list[LearningEvent]:
    """`count` lesson views, stored one after the other; each one's timestamp is earlier than the last."""
    start = timezone.now()
    return [
        services.record_event(
            agent=agent,
            verb="experienced",
            activity=xapi.Activity("lesson", number, f"Leçon {number}"),
            timestamp=start - timedelta(minutes=number),
        )
        for number in range(1, count + 1)
    ]


def ids(events) -> list[str]:
    return [str(event.pk) for event in events]


def unsent() -> set[str]:
    return {str(pk) for pk in LearningEvent.objects.filter(sent_at__isnull=True).values_list("pk", flat=True)}


def corrupt(event: LearningEvent) -> None:
    """Make the stored statement one any LRS rejects (its verb id is not an IRI)."""
    event.statement["verb"]["id"] = "a vu"
    LearningEvent.objects.filter(pk=event.pk).update(statement=event.statement)


# --- configuration --------------------------------------------------------------------------------


def test_no_endpoint_means_no_config(settings):
    """Without LRS_ENDPOINT, there is nothing to send to."""
    settings.LRS_ENDPOINT = ""
    assert config_from_settings() is None


def test_config_comes_from_settings(lrs):
    """The statements resource, credentials, timeout and batch size come from the settings."""
    config = config_from_settings()
    assert config.statements_url == lrs.endpoint + "/statements"
    assert (config.username, config.password, config.timeout, config.batch_size) == (
        lrs.username,
        lrs.password,
        2.0,
        3,
    )


# --- batches --------------------------------------------------------------------------------------


def test_sends_in_batches_in_storage_order_and_marks_sent(lrs, agent):
    """Seven statements go in batches of 3, 3 and 1, in the order they were stored, each marked sent."""
    events = record(agent, 7)
    config = config_from_settings()
    assert send_batch(config) == BatchReport(3, 0)
    assert unsent() == set(ids(events[3:]))
    assert send_batch(config) == BatchReport(3, 0)
    assert send_batch(config) == BatchReport(1, 0)
    assert lrs.posted_batches() == [ids(events[:3]), ids(events[3:6]), ids(events[6:])]
    assert not unsent()
    assert LearningEvent.objects.filter(sent_at__isnull=False, last_error="").count() == 7


def test_nothing_queued_sends_nothing(lrs, agent):
    """Once everything is sent, a run makes no request."""
    record(agent, 2)
    config = config_from_settings()
    send_batch(config)
    requests_before = len(lrs.requests)
    assert send_batch(config) == BatchReport(0, 0)
    assert len(lrs.requests) == requests_before


def test_sent_statements_are_the_stored_ones(lrs, agent):
    """The LRS receives each event's statement as stored, under the event's id."""
    events = record(agent, 2)
    send_batch(config_from_settings())
    assert lrs.stored == {str(event.pk): event.statement for event in events}


def test_sends_version_header_and_credentials(lrs, agent):
    """The stub refuses requests without X-Experience-API-Version or Basic auth: ours are accepted."""
    record(agent, 1)
    send_batch(config_from_settings())
    assert [request.status for request in lrs.requests] == [200]


def test_wrong_credentials_raise_and_leave_all_queued(lrs, agent, settings):
    """An LRS answering 401 is an outage for us: nothing is marked sent nor counted as rejected."""
    events = record(agent, 2)
    settings.LRS_PASSWORD = "mauvais-mot-de-passe"
    with pytest.raises(LrsUnavailableError, match="401"):
        send_batch(config_from_settings())
    assert unsent() == set(ids(events))
    assert not LearningEvent.objects.filter(send_failures__gt=0).exists()
    assert not lrs.stored


# --- outages --------------------------------------------------------------------------------------


def test_lrs_answering_503_raises_and_leaves_all_queued(lrs, agent):
    """A 503 raises LrsUnavailableError; every statement stays queued, none counted as rejected."""
    events = record(agent, 4)
    lrs.down = True
    with pytest.raises(LrsUnavailableError, match="503"):
        send_batch(config_from_settings())
    assert unsent() == set(ids(events))
    assert not LearningEvent.objects.filter(send_failures__gt=0).exists()
    assert pending_count() == 4


def test_refused_connection_raises_and_leaves_all_queued(lrs, agent):
    """An LRS that refuses the connection raises LrsUnavailableError; every statement stays queued."""
    events = record(agent, 4)
    lrs.stop()
    with pytest.raises(LrsUnavailableError):
        send_batch(config_from_settings())
    assert unsent() == set(ids(events))
    assert not LearningEvent.objects.filter(send_failures__gt=0).exists()


def test_after_an_outage_each_statement_is_received_once(lrs, agent):
    """Down (503, then refused), then back: the LRS ends up with each statement exactly once."""
    events = record(agent, 5)
    config = config_from_settings()
    lrs.down = True
    with pytest.raises(LrsUnavailableError):
        send_batch(config)
    lrs.down = False
    send_batch(config)  # the first batch gets through
    lrs.stop()
    with pytest.raises(LrsUnavailableError):
        send_batch(config)
    lrs.start()
    while send_batch(config).sent:
        pass
    assert lrs.counts() == dict.fromkeys(ids(events), 1)
    assert lrs.posted_batches() == [ids(events[:3]), ids(events[3:])]
    assert not unsent()


def test_lost_answer_then_resend_stores_each_statement_once(lrs, agent):
    """The LRS stores a batch but its answer is lost: the re-send (409, then one by one) duplicates nothing."""
    events = record(agent, 3)
    config = config_from_settings()
    lrs.lose_next_answers = 1
    with pytest.raises(LrsUnavailableError):
        send_batch(config)
    assert unsent() == set(ids(events))  # we never heard back
    assert send_batch(config) == BatchReport(3, 0)
    assert lrs.counts() == dict.fromkeys(ids(events), 1)
    assert [(request.method, request.status) for request in lrs.requests] == [
        ("POST", 200),
        ("POST", 409),
        ("PUT", 409),
        ("PUT", 409),
        ("PUT", 409),
    ]
    assert not unsent()


def test_batch_partly_held_by_the_lrs_ends_stored_once_and_all_sent(lrs, agent):
    """When the LRS already holds some of a batch, every statement ends up there once, and all are sent."""
    events = record(agent, 3)
    lrs.preload([events[0].statement, events[2].statement])
    assert send_batch(config_from_settings()) == BatchReport(3, 0)
    assert lrs.counts() == dict.fromkeys(ids(events), 1)
    puts = {request.ids[0]: request.status for request in lrs.requests if request.method == "PUT"}
    assert puts == {str(events[0].pk): 409, str(events[1].pk): 204, str(events[2].pk): 409}
    assert not unsent()


# --- rejected statements --------------------------------------------------------------------------


@pytest.mark.invalid_xapi_on_purpose
def test_rejected_statement_counts_a_failure_and_the_others_are_sent(lrs, agent):
    """A statement the LRS rejects (400) gets send_failures + 1 and last_error; the others are sent."""
    events = record(agent, 3)
    corrupt(events[1])
    assert send_batch(config_from_settings()) == BatchReport(2, 1)
    bad = LearningEvent.objects.get(pk=events[1].pk)
    assert bad.sent_at is None
    assert bad.send_failures == 1
    assert bad.last_error.startswith("HTTP 400")
    assert unsent() == {str(bad.pk)}
    assert set(lrs.stored) == {str(events[0].pk), str(events[2].pk)}


@pytest.mark.invalid_xapi_on_purpose
def test_rejected_statement_is_given_up_after_max_failures(lrs, agent):
    """After MAX_SEND_FAILURES rejections a statement stays in the record, unsent, and is no longer sent."""
    (event,) = record(agent, 1)
    corrupt(event)
    config = config_from_settings()
    for _run in range(MAX_SEND_FAILURES):
        assert send_batch(config) == BatchReport(0, 1)
    requests_before = len(lrs.requests)
    assert send_batch(config) == BatchReport(0, 0)
    assert len(lrs.requests) == requests_before
    assert LearningEvent.objects.get(pk=event.pk).send_failures == MAX_SEND_FAILURES
    assert pending_count() == 0


def test_wrong_endpoint_path_rejects_no_statement(lrs, agent, settings):
    """An endpoint without the statements resource (404) is a configuration problem, not bad statements."""
    events = record(agent, 3)
    settings.LRS_ENDPOINT = lrs.endpoint.replace("/xAPI", "/mauvais-chemin")
    with pytest.raises(LrsUnavailableError):
        send_batch(config_from_settings())
    assert not LearningEvent.objects.filter(send_failures__gt=0).exists()
    assert unsent() == set(ids(events))


# --- the task -------------------------------------------------------------------------------------


def test_task_without_endpoint_does_nothing(lrs, agent, settings):
    """Without LRS_ENDPOINT, the task sends nothing and leaves the record as it is."""
    events = record(agent, 2)
    settings.LRS_ENDPOINT = ""
    assert send_statements.delay().get() == 0
    assert not lrs.requests
    assert unsent() == set(ids(events))


def test_task_sends_everything_in_several_batches(lrs, agent):
    """One run sends the whole queue, batch after batch (3 + 3 + 1), and marks it sent."""
    events = record(agent, 7)
    assert send_statements.delay().get() == 7
    assert lrs.posted_batches() == [ids(events[:3]), ids(events[3:6]), ids(events[6:])]
    assert lrs.counts() == dict.fromkeys(ids(events), 1)
    assert not unsent()


def test_task_with_lrs_down_raises_and_leaves_all_queued(lrs, agent):
    """With the LRS down, the task asks Celery to retry it later, and every statement stays queued."""
    events = record(agent, 2)
    lrs.down = True
    with pytest.raises(Retry, match="503"):
        send_statements.delay().get()
    assert unsent() == set(ids(events))
    assert not lrs.stored


@pytest.mark.invalid_xapi_on_purpose
def test_one_task_run_counts_one_failure_per_rejected_statement(lrs, agent):
    """A statement the LRS rejects is tried once per run, so a passing LRS fault does not use up its tries."""
    events = record(agent, 5)
    corrupt(events[0])
    assert send_statements.delay().get() == 4
    assert LearningEvent.objects.get(pk=events[0].pk).send_failures == 1
    assert unsent() == {str(events[0].pk)}


def test_every_statement_received_validates_with_ralph(lrs, agent):
    """Enrolment, lesson, course and quiz statements recorded by the services are all valid xAPI."""
    course = CoursePageFactory()
    lesson = LessonPageFactory(parent=course)
    services.enroll(agent_id=agent.pk, course_id=course.pk)
    services.open_lesson(agent_id=agent.pk, lesson_id=lesson.pk)
    services.complete_lesson(agent_id=agent.pk, lesson_id=lesson.pk)
    quiz = QuizFactory(pass_mark=50)
    QuestionFactory.create_batch(2, quiz=quiz)
    attempt = start_attempt(quiz_id=quiz.pk, agent_id=agent.pk)
    services.record_attempt_started(attempt_id=attempt.pk)
    keys = [next(c["key"] for c in slot["choices"] if c["fraction"] == 1) for slot in attempt.questions]
    submit_attempt(attempt_id=attempt.pk, agent_id=agent.pk, answers=dict(enumerate(keys)))
    services.record_attempt_graded(attempt_id=attempt.pk)
    assert send_statements.delay().get() == LearningEvent.objects.count()
    verbs = {statement["verb"]["id"].rsplit("/", 1)[1] for statement in lrs.stored.values()}
    assert verbs == {"registered", "experienced", "completed", "attempted", "answered", "passed"}
    assert lrs.received
    for statement in lrs.received:
        assert_valid_statement(statement)
