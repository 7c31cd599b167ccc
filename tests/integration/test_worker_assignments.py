"""A large assignment crosses the broker: HR's commit enqueues it, a real worker reaches 2,000 agents
set-based while the progress is readable on the assignment row, and the site keeps answering meanwhile."""

import logging
import time

import pytest
from django.db import transaction
from django.test import Client

from courses.factories import CoursePageFactory
from paths.models import AgentAssignment, Assignment, PathStep, TrainingPath
from paths.services import Targets, create_assignment
from people.factories import OrganisationFactory, ServiceFactory
from people.models import Agent, User
from progress.models import Enrollment, LearningEvent

from .conftest import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.postgres, pytest.mark.redis]
logger = logging.getLogger(__name__)

AGENTS = 2_000


def make_service_of(count: int):
    organisation = OrganisationFactory(slug="worker-assign", name="Ville de Worker")
    service = ServiceFactory(organisation=organisation, name="Direction des services techniques")
    users = User.objects.bulk_create(
        User(email=f"agent{i:05d}@worker-assign.example", first_name="Dominique", last_name=f"Leroy {i}")
        for i in range(count)
    )
    Agent.objects.bulk_create(
        Agent(user=user, organisation=organisation, service=service, matricule=f"A{i:05d}")
        for i, user in enumerate(users)
    )
    return organisation, service


@pytest.mark.django_db(transaction=True)
def test_a_worker_assigns_a_path_to_2000_agents_while_the_site_answers(celery_worker_process, real_broker):
    organisation, service = make_service_of(AGENTS)
    course = CoursePageFactory(title="Mots de passe et double authentification")
    path = TrainingPath.objects.create(organisation=organisation, title="Sécurité numérique")
    PathStep.objects.create(path=path, course=course, required=True)
    runs_before = celery_worker_process.finished("paths.tasks.apply_assignment")
    client = Client()
    assert client.get("/healthz").status_code == 200  # the first request loads the URLconf: not measured

    with transaction.atomic():  # the task is sent when this commits, as at the end of HR's request
        assignment = create_assignment(
            organisation_id=organisation.pk,
            path_id=path.pk,
            targets=Targets(service_ids=[service.pk]),
            due_mode=Assignment.DueMode.AFTER_ASSIGNMENT,
            due_days=30,
        )
    committed = time.monotonic()

    seen: list[tuple[str, int, int]] = []
    health: list[tuple[int, float, str]] = []  # status, seconds, assignment state when asked
    deadline = committed + 180
    while time.monotonic() < deadline:
        row = Assignment.objects.values_list("state", "processed", "total").get(pk=assignment.pk)
        if not seen or seen[-1] != row:
            seen.append(row)
        if row[0] != Assignment.State.PENDING:
            break
        asked = time.perf_counter()
        response = client.get("/healthz")
        health.append((response.status_code, time.perf_counter() - asked, row[0]))
        assert response.json()["status"] == "ok", response.content
        time.sleep(0.05)
    elapsed = time.monotonic() - committed

    assignment.refresh_from_db()
    assert assignment.state == Assignment.State.READY, (seen, assignment.error)
    assert (assignment.total, assignment.processed) == (AGENTS, AGENTS)
    assert assignment.error == ""
    # Progress only moves forward and never passes the total.
    assert [processed for _state, processed, _total in seen] == sorted(processed for _s, processed, _t in seen)
    assert all(processed <= total or total == 0 for _state, processed, total in seen)
    assert AgentAssignment.objects.filter(assignment=assignment).count() == AGENTS
    assert AgentAssignment.objects.filter(assignment=assignment).values("agent").distinct().count() == AGENTS
    enrolled = Enrollment.objects.filter(course=course, origin=Enrollment.Origin.ASSIGNMENT, archived_at__isnull=True)
    assert enrolled.count() == AGENTS
    assert enrolled.values("agent").distinct().count() == AGENTS
    assert LearningEvent.objects.filter(verb="registered").count() == AGENTS
    # The web process answered while the worker was busy with the assignment.
    assert health, "the assignment was ready before the first request: nothing was measured"
    assert all(status == 200 for status, _seconds, _state in health)
    assert any(state == Assignment.State.PENDING for _status, _seconds, state in health)
    assert wait_for(lambda: celery_worker_process.finished("paths.tasks.apply_assignment") == runs_before + 1)
    slowest = max(seconds for _status, seconds, _state in health)
    logger.info(
        f"{AGENTS} agents assigned by the worker in {elapsed:.1f} s after the commit; progress seen {seen}; "
        f"{len(health)} /healthz requests meanwhile, all 200, slowest {slowest * 1000:.0f} ms"
    )
