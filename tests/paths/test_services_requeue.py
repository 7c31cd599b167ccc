"""The sweep of stuck assignments: one left pending by a killed worker is applied again, once; fresh,
ready and ended ones are left alone; sweeping twice (duplicate messages) reaches each agent once."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from courses.factories import CoursePageFactory, LessonPageFactory
from paths import services, tasks
from paths.models import AgentAssignment, Assignment, PathStep, TrainingPath
from paths.services import Targets
from people.factories import AgentFactory, HRAgentFactory, OrganisationFactory
from progress.models import Enrollment

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
START = datetime.combine(date(2027, 3, 1), time(9), tzinfo=PARIS)  # a Monday


@pytest.fixture(autouse=True)
def clock():
    """Every test starts on Monday 1 March 2027 at 9:00 in Paris, with the clock stopped."""
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def town():
    return OrganisationFactory(name="Ville de Quimper", slug="quimper")


@pytest.fixture
def hr(town):
    return HRAgentFactory(organisation=town)


@pytest.fixture
def agents(town):
    return [AgentFactory(organisation=town) for _ in range(3)]


@pytest.fixture
def path(town):
    """Two required courses of one lesson each."""
    path = TrainingPath.objects.create(organisation=town, title="Cybersécurité au quotidien")
    for position, title in enumerate(["Mots de passe", "Hameçonnage"]):
        page = CoursePageFactory(title=title)
        LessonPageFactory(parent=page, title=f"{title} — leçon 1")
        PathStep.objects.create(path=path, course=page, position=position, required=True)
    return path


@pytest.fixture
def create(town, hr, path, agents, django_capture_on_commit_callbacks):
    """Create an assignment as HR would; with `lost=True` its Celery message never runs (worker killed)."""

    def create(*, lost: bool) -> Assignment:
        with django_capture_on_commit_callbacks(execute=not lost):
            assignment = services.create_assignment(
                organisation_id=town.pk,
                path_id=path.pk,
                targets=Targets(agent_ids=[agent.pk for agent in agents]),
                due_mode="after_assignment",
                due_days=30,
                assigned_by_id=hr.user_id,
            )
        assignment.refresh_from_db()
        return assignment

    return create


@pytest.fixture
def sweep(django_capture_on_commit_callbacks):
    """Run the sweep; the re-queued tasks run (eagerly) once the transaction commits."""

    def sweep(times: int = 1) -> list[list[int]]:
        with django_capture_on_commit_callbacks(execute=True):
            return [services.requeue_stuck_assignments() for _ in range(times)]

    return sweep


def rows_per_agent(assignment: Assignment) -> dict[int, int]:
    counts: dict[int, int] = {}
    for agent_id in AgentAssignment.objects.filter(assignment=assignment).values_list("agent_id", flat=True):
        counts[agent_id] = counts.get(agent_id, 0) + 1
    return counts


def test_a_stuck_assignment_is_applied_again_and_ends_ready(create, sweep, agents, path, clock):
    """Pending for longer than the threshold: re-queued, then ready with every agent reached once."""
    assignment = create(lost=True)
    assert assignment.state == Assignment.State.PENDING
    assert not rows_per_agent(assignment)
    clock.shift(services.STUCK_AFTER + timedelta(minutes=1))

    assert sweep() == [[assignment.pk]]

    assignment.refresh_from_db()
    assert assignment.state == Assignment.State.READY
    assert (assignment.total, assignment.processed) == (3, 3)
    assert rows_per_agent(assignment) == {agent.pk: 1 for agent in agents}
    assert Enrollment.objects.filter(agent__in=agents, course__path_steps__path=path).count() == 6


def test_a_run_killed_half_way_is_finished_without_duplicates(create, sweep, agents, clock):
    """A run that reached some agents before the kill: the others are reached, the first ones kept once."""
    assignment = create(lost=True)
    services.apply_assignment(assignment_id=assignment.pk, agent_ids=[agents[0].pk])
    first = AgentAssignment.objects.get(assignment=assignment, agent=agents[0])
    clock.shift(services.STUCK_AFTER + timedelta(minutes=1))

    sweep()

    assignment.refresh_from_db()
    assert assignment.state == Assignment.State.READY
    assert rows_per_agent(assignment) == {agent.pk: 1 for agent in agents}
    assert AgentAssignment.objects.get(assignment=assignment, agent=agents[0]).pk == first.pk


def test_a_fresh_pending_assignment_is_left_alone(create, sweep, clock):
    """Pending for less than the threshold (its worker may still be running): not re-queued."""
    assignment = create(lost=True)
    clock.shift(services.STUCK_AFTER - timedelta(minutes=1))

    assert sweep() == [[]]

    assignment.refresh_from_db()
    assert assignment.state == Assignment.State.PENDING
    assert not rows_per_agent(assignment)


def test_a_ready_assignment_is_left_alone(create, sweep, clock):
    """An assignment already applied is not re-queued, however old."""
    assignment = create(lost=False)
    assert assignment.state == Assignment.State.READY
    clock.shift(timedelta(days=2))

    assert sweep() == [[]]


def test_an_ended_pending_assignment_is_left_alone(create, sweep, town, clock):
    """Ended by HR before it was applied: never re-queued (applying it would do nothing, forever)."""
    assignment = create(lost=True)
    services.end_assignment(assignment_id=assignment.pk, organisation_id=town.pk)
    clock.shift(timedelta(hours=2))

    assert sweep() == [[]]
    assert not rows_per_agent(assignment)


def test_sweeping_twice_reaches_each_agent_once(create, sweep, agents, clock):
    """Two sweeps before the re-queued task runs (two messages): one row per agent, not two."""
    assignment = create(lost=True)
    clock.shift(services.STUCK_AFTER + timedelta(minutes=1))

    assert sweep(times=2) == [[assignment.pk], [assignment.pk]]

    assert rows_per_agent(assignment) == {agent.pk: 1 for agent in agents}
    assert AgentAssignment.objects.count() == 3
    assert sweep() == [[]]


def test_the_first_message_redelivered_late_changes_nothing(create, sweep, agents, clock):
    """The broker redelivers the killed run's message after the sweep: nothing is added."""
    assignment = create(lost=True)
    clock.shift(services.STUCK_AFTER + timedelta(minutes=1))
    sweep()
    before = set(AgentAssignment.objects.values_list("pk", "agent_id", "due_date"))
    enrolments = Enrollment.objects.count()

    assert tasks.apply_assignment.delay(assignment.pk).get() == 0

    assert set(AgentAssignment.objects.values_list("pk", "agent_id", "due_date")) == before
    assert Enrollment.objects.count() == enrolments


def test_the_beat_task_requeues_and_counts(create, clock, django_capture_on_commit_callbacks):
    """The periodic task returns how many assignments it re-queued, and they end ready."""
    assignment = create(lost=True)
    clock.shift(services.STUCK_AFTER + timedelta(minutes=1))

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.requeue_stuck_assignments.delay().get() == 1

    assignment.refresh_from_db()
    assert assignment.state == Assignment.State.READY
