"""Assignment services: validation, targets, per-agent due dates, completion (earlier and later), live
rules, renewal of recurring training, ending an assignment, enforced step order and Mon espace."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.urls import reverse

from courses.factories import CoursePageFactory, LessonPageFactory
from paths import rules, services
from paths.learner import assigned_paths
from paths.models import AgentAssignment, Assignment, PathCompletion, PathStep, TrainingPath
from paths.services import AssignmentError, Targets
from paths.signals import path_completed
from people.factories import AgentFactory, HRAgentFactory, OrganisationFactory, ServiceFactory
from people.models import Agent
from people.signals import agents_changed
from progress import services as progress
from progress.models import CourseCompletion, Enrollment, LessonProgress

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
DAY0 = date(2027, 3, 1)  # a Monday

MSG_PAST = "La date d'échéance doit être dans le futur."
MSG_TARGETS = "Choisissez au moins un agent, un service, un métier, une catégorie ou un statut."
MSG_DAYS = "Le délai doit être compris entre 1 et 730 jours."
MSG_SERVICE = "Un des services choisis n'appartient pas à votre organisation."
MSG_AGENT = "Un des agents choisis n'appartient pas à votre organisation."
MSG_NO_REQUIRED = "Ce parcours n'a aucune étape obligatoire : ajoutez-en une avant de l'assigner."
MSG_UNPUBLISHED = "Une étape du parcours est un cours non publié : retirez-la ou publiez le cours."


def at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=PARIS)


# Set-up


@pytest.fixture(autouse=True)
def clock():
    """Every test starts on Monday 1 March 2027 at 9:00 in Paris, with the clock stopped."""
    with time_machine.travel(at(DAY0), tick=False) as traveller:
        yield traveller


@pytest.fixture
def town():
    return OrganisationFactory(name="Ville de Quimper", slug="quimper")


@pytest.fixture
def elsewhere():
    return OrganisationFactory(name="Ville de Brest", slug="brest")


@pytest.fixture
def hr(town):
    return HRAgentFactory(organisation=town)


def course(title: str, lessons: int = 1):
    page = CoursePageFactory(title=title)
    for number in range(1, lessons + 1):
        LessonPageFactory(parent=page, title=f"{title} — leçon {number}")
    return page


@pytest.fixture
def first_course():
    return course("Mots de passe", lessons=2)


@pytest.fixture
def second_course():
    return course("Hameçonnage")


@pytest.fixture
def optional_course():
    return course("Pour aller plus loin")


def make_path(organisation, *steps, title="Cybersécurité au quotidien", **kwargs) -> TrainingPath:
    """A path whose steps are (course, required) pairs, in this order."""
    path = TrainingPath.objects.create(organisation=organisation, title=title, **kwargs)
    for position, (page, required) in enumerate(steps):
        PathStep.objects.create(path=path, course=page, position=position, required=required)
    return path


@pytest.fixture
def path(town, first_course, second_course, optional_course):
    """Two required courses, then an optional one."""
    return make_path(town, (first_course, True), (second_course, True), (optional_course, False))


@pytest.fixture
def assign(town, hr, django_capture_on_commit_callbacks):
    """Create an assignment as HR would; its Celery task runs (eagerly) once the transaction commits."""

    def assign(
        path,
        *,
        agents=(),
        service_ids=(),
        include_subservices=True,
        job_titles=(),
        categories=(),
        statuses=(),
        due_mode="after_assignment",
        due_date=None,
        due_days=30,
        live=True,
    ) -> Assignment:
        with django_capture_on_commit_callbacks(execute=True):
            assignment = services.create_assignment(
                organisation_id=town.pk,
                path_id=path.pk,
                targets=Targets(
                    agent_ids=[agent.pk for agent in agents],
                    service_ids=list(service_ids),
                    include_subservices=include_subservices,
                    job_titles=list(job_titles),
                    categories=list(categories),
                    statuses=list(statuses),
                ),
                due_mode=due_mode,
                due_date=due_date,
                due_days=due_days,
                live=live,
                assigned_by_id=hr.user_id,
            )
        assignment.refresh_from_db()
        return assignment

    return assign


@pytest.fixture
def complete_course(django_capture_on_commit_callbacks):
    """Complete every lesson of a course through progress; the signals after commit run their tasks."""

    def complete_course(agent, page):
        with django_capture_on_commit_callbacks(execute=True):
            for lesson in page.lessons():
                progress.complete_lesson(agent_id=agent.pk, lesson_id=lesson.pk)

    return complete_course


@pytest.fixture
def completed_paths():
    """The path_completed signals sent during the test."""
    received = []

    def receiver(sender, **kwargs):
        received.append(kwargs)

    path_completed.connect(receiver, weak=False, dispatch_uid="test-path-completed")
    yield received
    path_completed.disconnect(dispatch_uid="test-path-completed")


def item_of(agent, assignment=None) -> AgentAssignment:
    """The agent's row (of its latest cycle)."""
    rows = AgentAssignment.objects.filter(agent=agent)
    if assignment is not None:
        rows = rows.filter(assignment=assignment)
    item = rows.order_by("-cycle").first()
    assert item is not None, "the agent has no assignment"
    return item


def reached(assignment) -> set[int]:
    return set(AgentAssignment.objects.filter(assignment=assignment).values_list("agent_id", flat=True))


def refused(path, **kwargs) -> AssignmentError:
    """Create an assignment expected to be refused; return the error."""
    defaults = {
        "organisation_id": path.organisation_id,
        "path_id": path.pk,
        "targets": Targets(job_titles=["Agent d'accueil"]),
        "due_mode": "after_assignment",
        "due_days": 30,
    }
    with pytest.raises(AssignmentError) as caught:
        services.create_assignment(**{**defaults, **kwargs})
    return caught.value


def nothing_written() -> bool:
    return not (Assignment.objects.exists() or AgentAssignment.objects.exists() or Enrollment.objects.exists())


# create_assignment: validation


def test_a_past_due_date_is_refused(path):
    """A fixed due date in the past is refused with its message, and nothing is written."""
    error = refused(path, due_mode="date", due_date=DAY0 - timedelta(days=1), due_days=None)
    assert error.errors == {"due_date": [MSG_PAST]}
    assert nothing_written()


def test_empty_targets_are_refused(path):
    """An assignment reaching no one is refused with its message, and nothing is written."""
    error = refused(path, targets=Targets())
    assert error.errors == {"targets": [MSG_TARGETS]}
    assert nothing_written()


@pytest.mark.parametrize("days", [0, 10000])
def test_a_delay_out_of_range_is_refused(path, days):
    """A relative delay of 0 or 10000 days is refused with its message, and nothing is written."""
    error = refused(path, due_days=days)
    assert error.errors == {"due_days": [MSG_DAYS]}
    assert nothing_written()


def test_a_service_of_another_organisation_is_refused(path, elsewhere):
    """Targeting a service of another organisation is refused, and nothing is written."""
    foreign = ServiceFactory(organisation=elsewhere, name="Voirie")
    error = refused(path, targets=Targets(service_ids=[foreign.pk]))
    assert error.errors == {"services": [MSG_SERVICE]}
    assert nothing_written()


def test_an_agent_of_another_organisation_is_refused(path, elsewhere):
    """Targeting an agent of another organisation is refused, and nothing is written."""
    foreign = AgentFactory(organisation=elsewhere)
    error = refused(path, targets=Targets(agent_ids=[foreign.pk]))
    assert error.errors == {"agents": [MSG_AGENT]}
    assert nothing_written()


def test_a_path_without_a_required_step_is_refused(town, optional_course):
    """A path whose only step is optional cannot be assigned, and nothing is written."""
    error = refused(make_path(town, (optional_course, False)))
    assert error.errors == {"path": [MSG_NO_REQUIRED]}
    assert nothing_written()


def test_a_path_with_an_unpublished_course_is_refused(town, first_course):
    """A path holding an unpublished course cannot be assigned, and nothing is written."""
    draft = CoursePageFactory(title="Brouillon", publish=False)
    error = refused(make_path(town, (first_course, True), (draft, False)))
    assert error.errors == {"path": [MSG_UNPUBLISHED]}
    assert nothing_written()


# Targets


@pytest.fixture
def tree(town):
    """Direction technique › Voirie › Équipe de nuit, and Culture beside it."""
    direction = ServiceFactory(organisation=town, name="Direction technique")
    roads = ServiceFactory(parent=direction, name="Voirie")
    night = ServiceFactory(parent=roads, name="Équipe de nuit")
    culture = ServiceFactory(organisation=town, name="Culture")
    return {"direction": direction, "roads": roads, "night": night, "culture": culture}


@pytest.fixture
def people(town, elsewhere, tree):
    """One agent per kind of target, one matching nothing, one of another organisation."""

    def agent(**kwargs):
        defaults = {"organisation": town, "job_title": "Agent d'accueil", "category": "C", "status": "titulaire"}
        return AgentFactory(**{**defaults, **kwargs})

    return {
        "chosen": agent(service=tree["culture"]),
        "direction": agent(service=tree["direction"]),
        "roads": agent(service=tree["roads"]),
        "night": agent(service=tree["night"]),
        "gardener": agent(job_title="Jardinier"),
        "category_b": agent(category="B"),
        "elected": agent(status="elu", category=""),
        "nobody": agent(),
        "foreign_gardener": AgentFactory(organisation=elsewhere, job_title="Jardinier"),
    }


def ids(people, *names) -> set[int]:
    return {people[name].pk for name in names}


def test_targets_are_the_union_of_every_kind(assign, path, tree, people):
    """Agents, a service with its sub-services, a job title, a category and the "elu" status add up."""
    assignment = assign(
        path,
        agents=[people["chosen"]],
        service_ids=[tree["roads"].pk],
        job_titles=["Jardinier"],
        categories=["B"],
        statuses=["elu"],
    )
    assert reached(assignment) == ids(people, "chosen", "roads", "night", "gardener", "category_b", "elected")


def test_a_service_without_its_sub_services(assign, path, tree, people):
    """Without sub-services, only the agents of the service itself are reached."""
    assignment = assign(path, service_ids=[tree["roads"].pk], include_subservices=False)
    assert reached(assignment) == ids(people, "roads")


def test_a_root_service_reaches_its_whole_subtree(assign, path, tree, people):
    """A direction with its sub-services reaches every level below it, and not its sibling."""
    assignment = assign(path, service_ids=[tree["direction"].pk])
    assert reached(assignment) == ids(people, "direction", "roads", "night")


def test_inactive_agents_are_not_reached(assign, path, town):
    """An agent who left (inactive) gets no assignment."""
    present = AgentFactory(organisation=town, job_title="Jardinier")
    AgentFactory(organisation=town, job_title="Jardinier", is_active=False)
    assignment = assign(path, job_titles=["Jardinier"])
    assert reached(assignment) == {present.pk}


# apply_assignment


def test_due_dates_are_computed_per_agent(assign, path, town):
    """N days after hire: a long-time agent gets the grace period, a newcomer hire + N, no date assignment + N."""
    veteran = AgentFactory(organisation=town, hire_date=date(2010, 9, 1))
    newcomer = AgentFactory(organisation=town, hire_date=date(2027, 2, 20))
    unknown = AgentFactory(organisation=town, hire_date=None)
    assign(path, agents=[veteran, newcomer, unknown], due_mode="after_hire", due_days=60)
    assert item_of(veteran).due_date == date(2027, 3, 15)
    assert item_of(newcomer).due_date == date(2027, 4, 21)
    assert item_of(unknown).due_date == date(2027, 4, 30)


def test_assignment_enrols_agents_in_every_step(assign, path, town, first_course, second_course, optional_course):
    """Each reached agent is enrolled in each course of the path, optional ones included."""
    agent = AgentFactory(organisation=town)
    assign(path, agents=[agent])
    enrolled = set(Enrollment.objects.filter(agent=agent).values_list("course_id", flat=True))
    assert enrolled == {first_course.pk, second_course.pk, optional_course.pk}


def test_assignment_ends_ready_with_its_counts(assign, path, town):
    """Once applied, the assignment is ready and its progress counts are complete."""
    AgentFactory.create_batch(3, organisation=town, job_title="Jardinier")
    assignment = assign(path, job_titles=["Jardinier"])
    assert (assignment.state, assignment.total, assignment.processed) == (Assignment.State.READY, 3, 3)


def test_applying_twice_changes_nothing(assign, path, town, clock):
    """Applying the same assignment again (a retried task) leaves the same rows and dates."""
    AgentFactory.create_batch(3, organisation=town, job_title="Jardinier")
    assignment = assign(path, job_titles=["Jardinier"])
    before = list(AgentAssignment.objects.order_by("pk").values_list("pk", "agent_id", "cycle", "due_date"))
    enrolments = Enrollment.objects.count()
    clock.move_to(at(DAY0 + timedelta(days=2)))
    assert services.apply_assignment(assignment_id=assignment.pk) == 0
    assert list(AgentAssignment.objects.order_by("pk").values_list("pk", "agent_id", "cycle", "due_date")) == before
    assert Enrollment.objects.count() == enrolments


# Completion


def test_an_earlier_completion_counts(assign, path, town, first_course, second_course, complete_course):
    """An agent who already completed every required course has the path completed on assignment."""
    agent = AgentFactory(organisation=town)
    complete_course(agent, first_course)
    complete_course(agent, second_course)
    assign(path, agents=[agent])
    item = item_of(agent)
    assert item.completed_at == at(DAY0)
    assert PathCompletion.objects.get(agent=agent).agent_assignment == item


def test_an_earlier_completion_sends_path_completed_once(
    assign, path, town, first_course, second_course, complete_course, completed_paths
):
    """The completion found on assignment is announced once, with its ids."""
    agent = AgentFactory(organisation=town)
    complete_course(agent, first_course)
    complete_course(agent, second_course)
    assign(path, agents=[agent])
    completion = PathCompletion.objects.get(agent=agent)
    assert completed_paths == [{"signal": path_completed, **ids_of(completion)}]


def ids_of(completion: PathCompletion) -> dict:
    return {"path_completion_id": completion.pk, "agent_id": completion.agent_id, "path_id": completion.path_id}


def test_a_partial_earlier_completion_leaves_the_path_open(assign, path, town, first_course, complete_course):
    """One required course done out of two: the path stays open."""
    agent = AgentFactory(organisation=town)
    complete_course(agent, first_course)
    assign(path, agents=[agent])
    assert item_of(agent).completed_at is None
    assert not PathCompletion.objects.exists()


def test_completing_the_last_required_course_completes_the_path(
    assign, path, town, first_course, second_course, complete_course, completed_paths, clock
):
    """The course_completed signal of the last required course completes the path, once."""
    agent = AgentFactory(organisation=town)
    assign(path, agents=[agent])
    clock.move_to(at(DAY0 + timedelta(days=3)))
    complete_course(agent, first_course)
    assert item_of(agent).completed_at is None
    clock.move_to(at(DAY0 + timedelta(days=5)))
    complete_course(agent, second_course)
    completion = PathCompletion.objects.get(agent=agent)
    assert item_of(agent).completed_at == at(DAY0 + timedelta(days=5))
    assert [course["title"] for course in completion.courses] == ["Mots de passe", "Hameçonnage"]
    assert completed_paths == [{"signal": path_completed, **ids_of(completion)}]


def test_optional_steps_are_not_needed(assign, town, first_course, optional_course, complete_course):
    """A path is completed without its optional step."""
    agent = AgentFactory(organisation=town)
    assign(make_path(town, (first_course, True), (optional_course, False)), agents=[agent])
    complete_course(agent, first_course)
    assert item_of(agent).completed_at is not None
    assert not CourseCompletion.objects.filter(agent=agent, course=optional_course).exists()


def test_opening_a_lesson_marks_the_assignment_started(
    assign, path, town, first_course, django_capture_on_commit_callbacks, clock
):
    """The course_started signal (first lesson opened) marks the agent's assignment as started."""
    agent = AgentFactory(organisation=town)
    assign(path, agents=[agent])
    clock.move_to(at(DAY0 + timedelta(days=1), hour=14))
    with django_capture_on_commit_callbacks(execute=True):
        progress.open_lesson(agent_id=agent.pk, lesson_id=first_course.lessons().first().pk)
    assert item_of(agent).started_at == at(DAY0 + timedelta(days=1), hour=14)


# Live rules


def test_a_live_rule_reaches_an_agent_who_joins_later(assign, path, town, tree, clock):
    """An agent created later in a targeted service gets the assignment, with their own due date."""
    assignment = assign(path, service_ids=[tree["roads"].pk], due_days=30)
    clock.move_to(at(DAY0 + timedelta(days=10)))
    newcomer = AgentFactory(organisation=town, service=tree["roads"])
    agents_changed.send(sender=Agent, organisation_id=town.pk, agent_ids=[newcomer.pk])
    item = item_of(newcomer, assignment)
    assert (item.assigned_on, item.due_date) == (date(2027, 3, 11), date(2027, 4, 10))


def test_a_live_rule_enrols_the_newcomer(assign, path, town, tree, first_course):
    """The newcomer reached by a live rule is enrolled in the path's courses."""
    assign(path, service_ids=[tree["roads"].pk])
    newcomer = AgentFactory(organisation=town, service=tree["roads"])
    agents_changed.send(sender=Agent, organisation_id=town.pk, agent_ids=[newcomer.pk])
    assert Enrollment.objects.filter(agent=newcomer, course=first_course).exists()


def test_a_rule_that_is_not_live_does_not_reach_newcomers(assign, path, town, tree, clock):
    """A one-off assignment ignores agents who join the service afterwards."""
    assignment = assign(path, service_ids=[tree["roads"].pk], live=False)
    clock.move_to(at(DAY0 + timedelta(days=10)))
    newcomer = AgentFactory(organisation=town, service=tree["roads"])
    agents_changed.send(sender=Agent, organisation_id=town.pk, agent_ids=[newcomer.pk])
    assert newcomer.pk not in reached(assignment)


def test_a_live_rule_of_another_organisation_is_not_applied(assign, path, town, elsewhere):
    """A change announced for another organisation does not run this organisation's rules."""
    assignment = assign(path, job_titles=["Jardinier"])
    newcomer = AgentFactory(organisation=town, job_title="Jardinier")
    agents_changed.send(sender=Agent, organisation_id=elsewhere.pk, agent_ids=[newcomer.pk])
    assert newcomer.pk not in reached(assignment)


# Recurring training


@pytest.fixture
def yearly(town, first_course):
    return make_path(town, (first_course, True), title="Sécurité annuelle", validity_months=12)


@pytest.fixture
def renewed(assign, yearly, town, first_course, complete_course, clock):
    """An agent completed the yearly path on 1 March 2027; on 10 March 2028 the validity has run out."""
    agent = AgentFactory(organisation=town)
    assignment = assign(yearly, agents=[agent], due_days=45)
    complete_course(agent, first_course)
    clock.move_to(at(date(2028, 3, 10), hour=2))
    count = services.renew_expired()
    return {"agent": agent, "assignment": assignment, "count": count}


def test_completion_of_recurring_training_sets_its_expiry(assign, yearly, town, first_course, complete_course):
    """Completing a path valid 12 months sets the date it expires."""
    agent = AgentFactory(organisation=town)
    assign(yearly, agents=[agent])
    complete_course(agent, first_course)
    assert item_of(agent).expires_on == date(2028, 3, 1)


def test_nothing_is_renewed_before_expiry(assign, yearly, town, first_course, complete_course, clock):
    """The day before expiry, no new cycle opens."""
    agent = AgentFactory(organisation=town)
    assign(yearly, agents=[agent])
    complete_course(agent, first_course)
    clock.move_to(at(date(2028, 2, 29)))
    assert services.renew_expired() == 0
    assert AgentAssignment.objects.filter(agent=agent).count() == 1


def test_expiry_opens_a_new_cycle_with_a_new_due_date(renewed):
    """After expiry, a second cycle opens, assigned today and due after the assignment's delay."""
    item = item_of(renewed["agent"])
    assert renewed["count"] == 1
    assert (item.cycle, item.assigned_on, item.due_date, item.completed_at) == (
        2,
        date(2028, 3, 10),
        date(2028, 4, 24),
        None,
    )


def test_expiry_renews_the_enrolment(renewed, first_course):
    """The completed enrolment is archived and a fresh one begins."""
    enrolments = Enrollment.objects.filter(agent=renewed["agent"], course=first_course)
    assert enrolments.filter(archived_at__isnull=False).count() == 1
    fresh = enrolments.get(archived_at__isnull=True)
    assert not CourseCompletion.objects.filter(enrollment=fresh).exists()


def test_an_earlier_completion_does_not_count_for_the_new_cycle(renewed, first_course):
    """The new cycle stays open although the course was completed in the first cycle."""
    assert services.record_course_completion(agent_id=renewed["agent"].pk, course_id=first_course.pk) == []
    assert item_of(renewed["agent"]).completed_at is None


def test_the_new_cycle_is_completed_by_completing_the_course_again(renewed, first_course, complete_course):
    """Completing the course again completes the second cycle, with a second path completion."""
    complete_course(renewed["agent"], first_course)
    assert item_of(renewed["agent"]).completed_at is not None
    assert PathCompletion.objects.filter(agent=renewed["agent"]).count() == 2


def test_renewing_twice_opens_one_cycle(renewed, clock):
    """Running the renewal again (next night) opens no other cycle."""
    clock.move_to(at(date(2028, 3, 11), hour=2))
    assert services.renew_expired() == 0
    assert sorted(AgentAssignment.objects.filter(agent=renewed["agent"]).values_list("cycle", flat=True)) == [1, 2]


def test_the_expired_cycle_leaves_mon_espace(renewed):
    """Mon espace shows the new cycle only."""
    views = assigned_paths(renewed["agent"], date(2028, 3, 10))
    assert [(view.item.cycle, view.status) for view in views] == [(2, rules.NOT_STARTED)]


# Ending an assignment


def test_ending_an_assignment_cancels_open_rows(assign, path, town, first_course, second_course, complete_course):
    """Ending cancels what is not completed and keeps completions."""
    done, pending = AgentFactory(organisation=town), AgentFactory(organisation=town)
    complete_course(done, first_course)
    complete_course(done, second_course)
    assignment = assign(path, agents=[done, pending])
    ended = services.end_assignment(assignment_id=assignment.pk, organisation_id=town.pk)
    assert (ended.ended_at, ended.live) == (at(DAY0), False)
    assert item_of(pending).cancelled_at == at(DAY0)
    assert item_of(done).cancelled_at is None
    assert item_of(done).completed_at is not None


def test_an_ended_assignment_reaches_no_one_anymore(assign, path, town):
    """Applying an ended assignment (a late task) reaches nobody."""
    assignment = assign(path, job_titles=["Jardinier"])
    services.end_assignment(assignment_id=assignment.pk, organisation_id=town.pk)
    AgentFactory(organisation=town, job_title="Jardinier")
    assert services.apply_assignment(assignment_id=assignment.pk) == 0
    assert not AgentAssignment.objects.exists()


def test_another_organisation_cannot_end_an_assignment(assign, path, town, elsewhere):
    """Ending is scoped to the organisation: another one gets DoesNotExist."""
    assignment = assign(path, job_titles=["Jardinier"])
    with pytest.raises(Assignment.DoesNotExist):
        services.end_assignment(assignment_id=assignment.pk, organisation_id=elsewhere.pk)


# Enforced order


@pytest.fixture
def ordered(assign, town, first_course, second_course, client):
    """An agent signed in, assigned a path whose steps open one after another."""
    path = make_path(town, (first_course, True), (second_course, True), enforce_order=True)
    agent = AgentFactory(organisation=town)
    assign(path, agents=[agent])
    client.force_login(agent.user)
    return agent


LOCKED = "Ce cours s'ouvrira quand vous aurez terminé l'étape « Mots de passe » de votre parcours."


def test_a_locked_course_page_redirects_to_mon_espace(ordered, client, second_course):
    """The second step's course page sends the agent to Mon espace with the reason."""
    response = client.get(second_course.url)
    assert response.status_code == 302
    assert response["Location"] == reverse("home:dashboard")
    assert [str(message) for message in get_messages(response.wsgi_request)] == [LOCKED]


def test_a_locked_lesson_is_not_opened(ordered, client, second_course):
    """A lesson of the locked step redirects and records no visit."""
    response = client.get(second_course.lessons().first().url)
    assert response.status_code == 302
    assert not LessonProgress.objects.filter(enrollment__agent=ordered).exists()


def test_the_first_step_is_open(ordered, client, first_course):
    """The first step of the path opens normally."""
    assert client.get(first_course.url).status_code == 200


def test_the_next_step_opens_once_the_first_is_completed(ordered, client, first_course, second_course, complete_course):
    """Once the first course is completed, the second course page opens."""
    complete_course(ordered, first_course)
    assert client.get(second_course.url).status_code == 200


def test_order_is_not_enforced_by_default(assign, town, first_course, second_course, client):
    """Without an enforced order, every step opens at once."""
    agent = AgentFactory(organisation=town)
    assign(make_path(town, (first_course, True), (second_course, True)), agents=[agent])
    client.force_login(agent.user)
    assert client.get(second_course.url).status_code == 200


# Mon espace


def test_assigned_paths_list_steps_with_done_and_locked_flags(
    assign, town, first_course, second_course, optional_course, complete_course
):
    """Steps come in order; after an unfinished required step, the next ones are locked."""
    agent = AgentFactory(organisation=town)
    path = make_path(town, (first_course, True), (second_course, True), (optional_course, False), enforce_order=True)
    assign(path, agents=[agent])
    complete_course(agent, first_course)
    [view] = assigned_paths(agent, DAY0)
    assert [(step.title, step.done, step.locked) for step in view.steps] == [
        ("Mots de passe", True, False),
        ("Hameçonnage", False, False),
        ("Pour aller plus loin", False, True),
    ]
    assert (view.done_count, view.required_count, view.percent) == (1, 2, 50)


def test_assigned_paths_show_the_status(assign, path, town, clock):
    """An untouched assignment is not started, then overdue after its due date."""
    agent = AgentFactory(organisation=town)
    assign(path, agents=[agent], due_days=10)
    assert [view.status for view in assigned_paths(agent, DAY0)] == [rules.NOT_STARTED]
    assert [view.status for view in assigned_paths(agent, DAY0 + timedelta(days=11))] == [rules.OVERDUE]


def test_assigned_paths_put_overdue_first(assign, path, town, first_course):
    """An overdue assignment comes before one due later."""
    agent = AgentFactory(organisation=town)
    later = assign(path, agents=[agent], due_days=60)
    soon = assign(make_path(town, (first_course, True), title="Messagerie"), agents=[agent], due_days=5)
    views = assigned_paths(agent, DAY0 + timedelta(days=10))
    assert [(view.item.assignment_id, view.status) for view in views] == [
        (soon.pk, rules.OVERDUE),
        (later.pk, rules.NOT_STARTED),
    ]


def test_assigned_paths_keep_a_recent_completion(assign, path, town, first_course, second_course, complete_course):
    """A path completed recently stays on Mon espace as completed, with every required step done."""
    agent = AgentFactory(organisation=town)
    assign(path, agents=[agent])
    complete_course(agent, first_course)
    complete_course(agent, second_course)
    [view] = assigned_paths(agent, DAY0 + timedelta(days=30))
    assert (view.status, view.percent) == (rules.COMPLETED, 100)
