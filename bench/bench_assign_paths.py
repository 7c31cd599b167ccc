"""Assigning a path to 10,000 agents end to end: from the commit of `create_assignment()` (HR's request)
to the assignment row's state `ready`, on a real Celery worker through Redis; then the same in eager mode
(the task run inside the commit, as without REDIS_URL) for comparison. Target: under 10 seconds.

    .venv/bin/python bench/bench_assign_paths.py --quick     # 2,000 agents
    .venv/bin/python bench/bench_assign_paths.py             # 10,000 agents
    .venv/bin/python bench/bench_assign_paths.py --profile 25

PostgreSQL and Redis are required. The bench creates the database capnum_bench_assign (dropped first if
left over, dropped at the end unless --keep), migrates it, and runs one `celery worker` process (the
project's app, prefork pool, one child) on a Redis queue of its own. See bench/README.md.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import platform
import pstats
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.bench_certificates_workers import (  # noqa: E402
    BenchWorker,
    create_database,
    drop_database,
    forget_queue,
    load_average,
    redis_url,
    worker_environment,
)
from bench.common import QueryCounter, database_label, set_up_django  # noqa: E402

DATABASE_NAME = "capnum_bench_assign"
DEFAULT_AGENTS = 10_000
QUICK_AGENTS = 2_000
TARGET_SECONDS = 10.0


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--agents", type=int, default=None, help=f"agents in the service (default {DEFAULT_AGENTS:,})")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_AGENTS:,} agents unless --agents")
    parser.add_argument(
        "--profile", type=int, default=0, metavar="N", help="cProfile the eager run, print its N costliest functions"
    )
    parser.add_argument("--timeout", type=float, default=900, help="give up waiting for the worker after this")
    parser.add_argument(
        "--check", action="store_true", help=f"exit status 1 when the worker takes {TARGET_SECONDS:.0f} s or more"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database at the end")
    arguments = parser.parse_args()
    arguments.agents = arguments.agents or (QUICK_AGENTS if arguments.quick else DEFAULT_AGENTS)
    if arguments.agents < 1:
        parser.error("--agents must be positive")
    return arguments


def make_agents(count: int):
    """An organisation with one service holding `count` agents (bulk ORM)."""
    from bench.datasets import agent_records
    from people.models import Agent, Organisation, Service, User

    organisation = Organisation.objects.create(
        slug="bench-assign", name="Ville de Bench", kind=Organisation.Kind.COMMUNE
    )
    service = Service.add_root(
        organisation=organisation,
        name="Direction des services techniques",
        full_name="Direction des services techniques",
    )
    records = agent_records(count)
    users = User.objects.bulk_create(
        (User(email=record.email, first_name=record.first_name, last_name=record.last_name) for record in records),
        batch_size=2000,
    )
    Agent.objects.bulk_create(
        (
            Agent(user=user, organisation=organisation, service=service, matricule=f"P{i:06d}")
            for i, user in enumerate(users)
        ),
        batch_size=2000,
    )
    return organisation, service


def make_path(organisation, label: str):
    """A path of one required, published course, new for each run (so every enrolment is created)."""
    from courses.factories import CoursePageFactory
    from paths.models import PathStep, TrainingPath

    course = CoursePageFactory(
        title=f"Mots de passe et double authentification ({label})", slug=f"bench-assign-{label}"
    )
    path = TrainingPath.objects.create(organisation=organisation, title=f"Sécurité numérique ({label})")
    PathStep.objects.create(path=path, course=course, required=True)
    return path, course


def assign(organisation, service, path):
    from django.db import transaction

    from paths.models import Assignment
    from paths.services import Targets, create_assignment

    with transaction.atomic():  # HR's request: the task is sent (or, eager, run) when this commits
        return create_assignment(
            organisation_id=organisation.pk,
            path_id=path.pk,
            targets=Targets(service_ids=[service.pk]),
            due_mode=Assignment.DueMode.AFTER_ASSIGNMENT,
            due_days=60,
        )


def verify(assignment, course, agents: int) -> list[str]:
    from paths.models import AgentAssignment
    from progress.models import Enrollment, LearningEvent

    assignment.refresh_from_db()
    problems = []
    if assignment.state != "ready":
        problems.append(f"state {assignment.state} ({assignment.error[:200]})")
    if (assignment.total, assignment.processed) != (agents, agents):
        problems.append(f"total/processed {assignment.total}/{assignment.processed}")
    rows = AgentAssignment.objects.filter(assignment=assignment).count()
    if rows != agents:
        problems.append(f"{rows} agent assignments")
    enrolled = Enrollment.objects.filter(course=course, archived_at__isnull=True).count()
    if enrolled != agents:
        problems.append(f"{enrolled} enrolments")
    registered = LearningEvent.objects.filter(
        verb="registered", object_id__endswith=f"/activities/course/{course.pk}"
    ).count()
    if registered < agents:
        problems.append(f"{registered} 'registered' statements")
    return problems


def run_on_worker(arguments, organisation, service, queue: str, env: dict, log_dir: Path):
    """Returns (seconds from commit to ready, seconds in create_assignment, progress seen, task seconds)."""
    from paths.models import Assignment

    worker = BenchWorker("bench-assign", queue, env, log_dir)
    try:
        worker.wait_until_ready()
        path, course = make_path(organisation, "worker")
        started = time.perf_counter()
        assignment = assign(organisation, service, path)
        committed = time.perf_counter()
        seen: list[tuple[float, str, int, int]] = []
        while time.perf_counter() - committed < arguments.timeout:
            state, processed, total = Assignment.objects.values_list("state", "processed", "total").get(
                pk=assignment.pk
            )
            if not seen or seen[-1][1:] != (state, processed, total):
                seen.append((time.perf_counter() - committed, state, processed, total))
            if state != Assignment.State.PENDING:
                break
            time.sleep(0.02)
        ready = time.perf_counter()
        time.sleep(0.5)
        worker.read()
        task_seconds = sum(worker.durations.get("paths.tasks.apply_assignment", []))
    finally:
        worker.stop()
    problems = verify(assignment, course, arguments.agents)
    return ready - committed, committed - started, seen, task_seconds, problems


def run_eager(arguments, organisation, service):
    from django.db import connection

    from lms.celery import app

    path, course = make_path(organisation, "eager")
    counter = QueryCounter()
    profiler = cProfile.Profile() if arguments.profile else None
    app.conf.task_always_eager = True
    try:
        with connection.execute_wrapper(counter):
            if profiler:
                profiler.enable()
            started, cpu = time.perf_counter(), time.process_time()
            assignment = assign(organisation, service, path)
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
            if profiler:
                profiler.disable()
    finally:
        app.conf.task_always_eager = False
    report = ""
    if profiler:
        buffer = io.StringIO()
        pstats.Stats(profiler, stream=buffer).sort_stats("cumulative").print_stats(arguments.profile)
        report = buffer.getvalue()
    return seconds, cpu, counter.count, verify(assignment, course, arguments.agents), report


def main() -> int:
    arguments = parse_arguments()
    broker_url = redis_url()
    workdir = Path(tempfile.mkdtemp(prefix="capnum-bench-assign-"))
    (workdir / "media").mkdir()
    (workdir / "mail").mkdir()
    database_url = create_database(DATABASE_NAME)
    os.environ.update(worker_environment(database_url, broker_url, workdir / "media", workdir / "mail"))
    queue = f"bench-assign-{uuid.uuid4().hex[:8]}"
    failed = True
    try:
        started = time.perf_counter()
        set_up_django(database_url)
        migrated = time.perf_counter() - started
        import logging

        import django

        from lms.celery import app

        app.conf.task_default_queue = queue
        logging.getLogger("celery.app.trace").setLevel(logging.WARNING)  # the eager run's "Task … succeeded"
        print(f"Assigning a path end to end — {database_label()}, broker {broker_url}, queue {queue}")
        print(
            f"Python {platform.python_version()}, Django {django.get_version()}, {os.cpu_count()} CPUs, "
            f"load average {load_average()}; {arguments.agents:,} agents in one service, a path of one course"
        )
        print(f"set-up: database created and migrated in {migrated:.1f} s")
        started = time.perf_counter()
        organisation, service = make_agents(arguments.agents)
        print(f"set-up: {arguments.agents:,} agents created in {time.perf_counter() - started:.1f} s")
        print()

        seconds, call, seen, task_seconds, worker_problems = run_on_worker(
            arguments, organisation, service, queue, dict(os.environ), workdir
        )
        print("worker: state of the assignment row, polled every 20 ms from the commit")
        for at, state, processed, total in seen:
            print(f"  {at:7.2f} s  {state:<8} {processed:>7,} / {total:,}")
        eager_seconds, eager_cpu, queries, eager_problems, report = run_eager(arguments, organisation, service)
        print()
        header = f"{'mode':<44} {'seconds':>8} {'agents/s':>9}  target <{TARGET_SECONDS:.0f} s"
        print(header)
        print("-" * len(header))
        met = seconds < TARGET_SECONDS
        rows = (
            ("worker: commit → state ready", seconds, "met" if met else "MISSED"),
            ("worker: apply_assignment task alone", task_seconds, ""),
            ("worker: create_assignment() call (HR waits)", call, ""),
            (
                f"eager: create_assignment() ({queries:,} queries)",
                eager_seconds,
                "met" if eager_seconds < 10 else "MISSED",
            ),
        )
        for label, value, verdict in rows:
            rate = f"{arguments.agents / value:>9,.0f}" if value else f"{'':>9}"
            print(f"{label:<44} {value:>8.2f} {rate}  {verdict}")
        print(f"eager: {eager_cpu:.2f} s of CPU in this process; load average at the end {load_average()}")
        for mode, problems in (("worker", worker_problems), ("eager", eager_problems)):
            print(f"{mode}: {'every agent assigned and enrolled' if not problems else 'WRONG: ' + '; '.join(problems)}")
        if report:
            print()
            print(report)
        failed = bool(worker_problems or eager_problems) or (arguments.check and not met)
    finally:
        forget_queue(broker_url, queue)
        from django.db import connections

        connections.close_all()
        if arguments.keep:
            print(f"kept: database {DATABASE_NAME}")
        else:
            drop_database(DATABASE_NAME)
        shutil.rmtree(workdir, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
