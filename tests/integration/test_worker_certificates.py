"""Certificates cross the broker and survive a killed worker: two real worker processes issue and render
300 certificates (every tenth completion announced twice), one worker is SIGKILLed mid-run, and every
completion still ends with exactly one ready certificate and its PDF.

The workers here are not the session's `celery_worker_process`: these tests need two of them, kill one,
and give them MEDIA_ROOT (the test's media folder, so the PDFs can be checked). They run the project's
Celery app (`lms.celery`, settings `lms.settings.dev`) with the prefork pool, one child each, and consume
a queue of their own, so that no other worker on the same Redis database (the session worker, another
developer's `make run`) takes a task and renders it somewhere else. `task_default_queue` names that queue
in the workers and in this process, so the tasks the workers send themselves (render, e-mail) and the
requeue stay on it.

What a SIGKILL loses, and what brings it back (settings in lms/settings/base.py):

- the pool child killed alone: the worker's main process sees the child die and, with
  `task_reject_on_worker_lost`, rejects the unacknowledged message with requeue: redelivered at once;
- the whole worker killed (main process and child, as an OOM kill or a lost machine): the message it held
  stays in Redis's unacked set until `visibility_timeout` (one hour) has passed. What brings the
  certificate back before that is the beat task `requeue_stuck_certificates`, which renders again what is
  pending since `STUCK_AFTER` (ten minutes), issues what has no certificate yet and sends the e-mails of
  ready certificates still untold. The test waits until
  the queue is drained, then runs that task's body here with `STUCK_AFTER` set to zero instead of waiting
  ten minutes (its `.delay()` calls go to the workers through Redis), which is the production mechanism
  with a shorter clock. Lowering the visibility timeout instead would change what production does.

The last test needs no worker: it stops a render task in-process while it tells the agent (where a SIGKILL
could leave the certificate ready and the agent untold), then runs the task again as a redelivery would.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from certificates import services, tasks
from certificates.models import Certificate
from courses.factories import CoursePageFactory
from people.factories import OrganisationFactory
from people.models import Agent, User
from progress.models import CourseCompletion, Enrollment

from .conftest import ROOT, _database_url, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.postgres, pytest.mark.redis]
logger = logging.getLogger(__name__)

COMPLETIONS = 300
DUPLICATE_EVERY = 10  # every tenth completion is announced twice (a duplicate signal, a redelivery)
DONE_TIMEOUT = 300  # seconds for the whole run on a loaded 2-CPU machine

# `celery -A lms worker`, with the queue named in the app's configuration as well as on the command line.
WORKER_BOOT = """
import sys
from lms.celery import app
queue, name = sys.argv[1], sys.argv[2]
app.conf.task_default_queue = queue
app.worker_main(["worker", f"--queues={queue}", f"--hostname={name}@%h", "--pool=prefork", "--concurrency=1",
                 "--loglevel=INFO"])
"""


class Worker:
    """One `celery worker` process (main process and one pool child) in a process group of its own."""

    def __init__(self, name: str, queue: str, env: dict, log_dir: Path):
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self._log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-c", WORKER_BOOT, queue, name],
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_until_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"worker {self.name} exited:\n{self.log()}")
            if " ready." in self.log():
                return
            time.sleep(0.2)
        raise RuntimeError(f"worker {self.name} not ready in {timeout} s:\n{self.log()}")

    def children(self) -> list[int]:
        """The pool children's PIDs (Linux)."""
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in path.read_text().split()]
        except OSError:
            return []

    def received(self) -> int:
        return sum(1 for line in self.log().splitlines() if "] received" in line)

    def finished(self) -> int:
        """Task runs that ended: succeeded, raised, or handed over to a retry."""
        return sum(
            1
            for line in self.log().splitlines()
            if " Task " in line and (" succeeded in " in line or " raised " in line or "] retry: " in line)
        )

    def in_flight(self) -> int:
        return self.received() - self.finished()

    def kill(self) -> None:
        """SIGKILL the main process and its pool child at once: nothing is acknowledged or restored."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=20)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=20)
        self._log.close()


class Workers:
    def __init__(self, queue: str, env: dict, log_dir: Path):
        self.queue, self.env, self.log_dir = queue, env, log_dir
        self.all: list[Worker] = []

    def start(self, name: str) -> Worker:
        worker = Worker(name, self.queue, self.env, self.log_dir)
        self.all.append(worker)
        worker.wait_until_ready()
        return worker

    def alive(self) -> list[Worker]:
        return [worker for worker in self.all if worker.process.poll() is None]

    def logs(self) -> str:
        return "\n".join(f"===== {worker.name} =====\n{worker.log()[-6000:]}" for worker in self.all)


@pytest.fixture
def queue(real_broker):
    """A queue of this test's own: this process sends to it, the workers consume and send to it."""
    import redis

    name = f"it-certificates-{uuid.uuid4().hex[:8]}"
    previous = real_broker.conf.task_default_queue
    real_broker.conf.task_default_queue = name
    yield name
    real_broker.conf.task_default_queue = previous
    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    client.delete(name, f"_kombu.binding.{name}", f"_kombu.binding_permanent.{name}")
    # What a killed worker held stays in kombu's unacked set for an hour; drop this queue's entries so
    # that they are not restored into a queue nobody reads.
    for tag, raw in client.hgetall("unacked").items():
        try:
            routing_key = json.loads(raw)[2]
        except (ValueError, IndexError, TypeError):
            continue
        if routing_key == name:
            client.hdel("unacked", tag)
            client.zrem("unacked_index", tag)


@pytest.fixture
def workers(queue, settings, tmp_path):
    """Starts nothing by itself: tests start their workers (`workers.start(name)`); all stop at the end."""
    from tests.conftest import worker_missing

    if worker_missing():
        pytest.skip(worker_missing())
    from django.db import connection

    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lms.settings.dev",
        "DEBUG": "0",
        "DATABASE_URL": _database_url(connection.settings_dict),
        "REDIS_URL": os.environ["REDIS_URL"],
        "EMAIL_URL": f"filemail://{mail_dir}",
        "SITE_URL": "https://formation.example.fr",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    Path(settings.MEDIA_ROOT).mkdir(parents=True, exist_ok=True)
    pool = Workers(queue, env, tmp_path)
    pool.mail_dir = mail_dir
    try:
        yield pool
    finally:
        for worker in pool.all:
            worker.stop()


def make_completions(count: int) -> list[int]:
    """`count` agents who each completed a course that gives a certificate (bulk ORM, no signal)."""
    organisation = OrganisationFactory(slug="worker-certificates", name="Commune de Worker")
    course = CoursePageFactory(title="Cybersécurité au quotidien", certificate_on_completion=True, duration_minutes=90)
    competences = [
        {"code": link.competence.code, "name": link.competence.name, "level": link.target_level}
        for link in course.competences.select_related("competence")
    ]
    now = timezone.now()
    users = User.objects.bulk_create(
        User(email=f"agent{i:05d}@worker-certificates.example", first_name="Camille", last_name=f"Martin {i}")
        for i in range(count)
    )
    agents = Agent.objects.bulk_create(
        Agent(user=user, organisation=organisation, matricule=f"W{i:05d}") for i, user in enumerate(users)
    )
    enrollments = Enrollment.objects.bulk_create(
        Enrollment(agent=agent, course=course, course_title=course.title, enrolled_at=now - timedelta(days=1))
        for agent in agents
    )
    completions = CourseCompletion.objects.bulk_create(
        CourseCompletion(
            enrollment=enrollment,
            agent_id=enrollment.agent_id,
            course=course,
            completed_at=now - timedelta(minutes=1),
            course_title=course.title,
            duration_minutes=course.duration_minutes,
            competences=competences,
        )
        for enrollment in enrollments
    )
    return [completion.pk for completion in completions]


def announce(completion_ids: list[int]) -> int:
    """Enqueue the issue task for each completion, twice for every tenth; returns the messages sent."""
    sent = 0
    for index, completion_id in enumerate(completion_ids):
        tasks.issue_course_certificate.delay(completion_id)
        sent += 1
        if index % DUPLICATE_EVERY == 0:
            tasks.issue_course_certificate.delay(completion_id)
            sent += 1
    return sent


def ready_count() -> int:
    return Certificate.objects.filter(status=Certificate.Status.READY).count()


def kill_when_busy(worker: Worker, *, after_ready: int, kill, timeout: float = 120) -> int:
    """Once `after_ready` certificates are ready, wait until `worker` is running a task, then `kill()` it.
    Returns how many tasks its log shows received and not finished at that moment (its in-flight work)."""
    assert wait_for(lambda: ready_count() >= after_ready, timeout=timeout, interval=0.1), "no progress before the kill"
    busy = wait_for(lambda: worker.in_flight() > 0, timeout=30, interval=0.01)
    kill()
    time.sleep(0.5)  # let the log settle before counting
    return worker.in_flight() if busy else 0


def drained(queue: str, workers: Workers, stable_for: float = 3.0) -> bool:
    """True when the queue is empty, no live worker runs a task and the ready count has not moved for
    `stable_for` seconds."""
    import redis

    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    before = ready_count()
    deadline = time.monotonic() + stable_for
    while time.monotonic() < deadline:
        if client.llen(queue) or any(worker.in_flight() for worker in workers.alive()):
            return False
        time.sleep(0.3)
    return ready_count() == before


def assert_one_ready_certificate_each(completion_ids: list[int], media_root: Path) -> None:
    certificates = list(Certificate.objects.all())
    per_completion = Counter(certificate.course_completion_id for certificate in certificates)
    missing = set(completion_ids) - set(per_completion)
    duplicated = {pk: n for pk, n in per_completion.items() if n > 1}
    assert not missing, f"{len(missing)} completions have no certificate (lost)"
    assert not duplicated, f"completions with several certificates: {duplicated}"
    assert len(certificates) == len(completion_ids)
    assert all(certificate.replaced_at is None for certificate in certificates)
    states = Counter(certificate.status for certificate in certificates)
    assert states == {Certificate.Status.READY: len(completion_ids)}, states
    names = {certificate.pdf.name for certificate in certificates}
    assert len(names) == len(certificates)
    assert "" not in names
    for certificate in certificates:
        path = media_root / certificate.pdf.name
        assert path.is_file(), f"{certificate.pk}: {path} missing"
        with path.open("rb") as handle:
            assert handle.read(5) == b"%PDF-", path
    on_disk = {str(path.relative_to(media_root)) for path in (media_root / "certificates").rglob("*.pdf")}
    assert on_disk == names, f"files without a certificate: {sorted(on_disk - names)[:5]}"
    # One "ready" notice per certificate (the database keeps one per key), however often it was rendered.
    from people.models import Notification

    assert Notification.objects.filter(kind="certificate_ready").count() == len(completion_ids)


@pytest.mark.django_db(transaction=True)
def test_a_killed_worker_loses_no_certificate_and_duplicates_none(workers, queue, settings, monkeypatch):
    """Two workers; one is SIGKILLed (main process and child) mid-run and replaced. What it held comes back
    through `requeue_stuck_certificates`; every completion has exactly one ready certificate and PDF."""
    completion_ids = make_completions(COMPLETIONS)
    first = workers.start("certs-a")
    workers.start("certs-b")
    started = time.monotonic()
    sent = announce(completion_ids)

    lost = kill_when_busy(first, after_ready=COMPLETIONS // 3, kill=first.kill)
    assert first.process.poll() is not None
    assert not first.children()
    workers.start("certs-c")  # the replacement
    assert wait_for(lambda: drained(queue, workers), timeout=DONE_TIMEOUT, interval=0.5), workers.logs()
    pending = Certificate.objects.exclude(status=Certificate.Status.READY).count()
    without = len(set(completion_ids) - set(Certificate.objects.values_list("course_completion_id", flat=True)))

    # The beat task, run now rather than ten minutes later; its .delay() calls go to the workers.
    monkeypatch.setattr(services, "STUCK_AFTER", timedelta(0))
    requeued = tasks.requeue_stuck_certificates()
    assert requeued == pending + without
    assert wait_for(lambda: ready_count() >= COMPLETIONS, timeout=DONE_TIMEOUT, interval=0.5), workers.logs()
    assert wait_for(lambda: drained(queue, workers, stable_for=1.0), timeout=60, interval=0.5)
    elapsed = time.monotonic() - started

    assert_one_ready_certificate_each(completion_ids, Path(settings.MEDIA_ROOT))
    # At most one e-mail per agent (an e-mail task killed after claiming `notified_at` is sent later by the
    # sweep of claims never e-mailed, after 30 minutes: within this test there may be fewer).
    mails = "\n".join(path.read_text() for path in sorted(workers.mail_dir.glob("*.log")))
    recipients = Counter(line for line in mails.splitlines() if line.startswith("To: "))
    assert all(count == 1 for count in recipients.values())
    logger.info(
        f"{COMPLETIONS} completions, {sent} issue messages, {elapsed:.1f} s; killed worker held {lost} task(s); "
        f"after draining: {pending} certificate(s) pending and {without} completion(s) without one, "
        f"{requeued} requeued; {len(recipients)} e-mails"
    )


@pytest.mark.django_db(transaction=True)
def test_a_killed_pool_child_is_redelivered_at_once(workers, queue, settings):
    """SIGKILL the pool child running a task: the worker rejects the message with requeue
    (`task_reject_on_worker_lost`), so it runs again without waiting for anything."""
    completion_ids = make_completions(COMPLETIONS)
    first = workers.start("certs-a")
    workers.start("certs-b")
    started = time.monotonic()
    sent = announce(completion_ids)

    # The child may finish its task between the moment its log shows it busy and the kill (tasks last tens
    # of milliseconds): then nothing was lost, the pool starts another child, and the test kills again.
    kills = 0
    for _attempt in range(5):
        children = first.children()
        assert len(children) == 1
        kill_when_busy(first, after_ready=COMPLETIONS // 3, kill=lambda pid=children[0]: os.kill(pid, signal.SIGKILL))
        kills += 1
        if wait_for(lambda: "WorkerLostError" in first.log(), timeout=5):
            break
        assert wait_for(lambda pid=children[0]: first.children() not in ([], [pid]), timeout=30)
    assert wait_for(lambda: ready_count() >= COMPLETIONS, timeout=DONE_TIMEOUT, interval=0.5), workers.logs()
    assert wait_for(lambda: drained(queue, workers, stable_for=1.0), timeout=60, interval=0.5)
    elapsed = time.monotonic() - started

    assert first.process.poll() is None, "the worker's main process survives its child"
    assert "exited with 'signal 9 (SIGKILL)'" in first.log()
    # The last child killed was running a task: the worker reports it lost, and the message went back to the
    # queue.
    lost = first.log().count("Task handler raised error: WorkerLostError")
    assert lost == 1, first.log()[-3000:]
    assert_one_ready_certificate_each(completion_ids, Path(settings.MEDIA_ROOT))
    logger.info(
        f"{COMPLETIONS} completions, {sent} issue messages, {elapsed:.1f} s; {kills} child(ren) killed, "
        f"{lost} while running a task"
    )


class WorkerDiedError(Exception):
    """Stands for a SIGKILL at that point: the task stops, its message is redelivered later."""


def _die(*args, **kwargs):
    raise WorkerDiedError


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("crash", ["none", "twice, no crash", "while telling the agent", "e-mail not enqueued"])
def test_a_render_task_run_again_after_a_crash_tells_the_agent_once(crash, monkeypatch, mailoutbox):
    """The worker dies (or the broker is briefly unreachable) while the render task tells the agent that
    the certificate is ready. The task runs again (redelivery, autoretry): the certificate is ready and the
    agent gets one notice and one e-mail, never two."""
    from people.models import Notification

    completion_id = make_completions(1)[0]
    monkeypatch.setattr(services, "_enqueue_render", lambda certificate_id: None)  # render by hand below
    certificate = services.issue_course_certificate(completion_id=completion_id)
    if crash == "twice, no crash":
        tasks.render_certificate(certificate.pk)
    elif crash != "none":
        if crash == "while telling the agent":
            monkeypatch.setattr(services, "_notify_ready", _die)
        else:
            monkeypatch.setattr(tasks.send_ready_email, "delay", _die)
        with pytest.raises(WorkerDiedError):
            tasks.render_certificate(certificate.pk)
        monkeypatch.undo()

    tasks.render_certificate(certificate.pk)  # (again, after a crash: redelivered or retried)

    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.READY
    assert Notification.objects.filter(kind="certificate_ready", agent=certificate.agent).count() == 1
    assert len(mailoutbox) == 1
