"""Certificates end to end through Redis and real Celery workers: certificates per second from the first
task sent to the last certificate ready, and, with --kill, whether a SIGKILLed worker loses or duplicates any.

    .venv/bin/python bench/bench_certificates_workers.py --quick          # 1,000 certificates
    .venv/bin/python bench/bench_certificates_workers.py                  # 10,000
    .venv/bin/python bench/bench_certificates_workers.py --quick --kill   # one worker SIGKILLed mid-run

PostgreSQL and Redis are required. The bench creates the database capnum_bench_certs (dropped first if left
over, dropped at the end unless --keep), migrates it, writes the PDFs to a temporary MEDIA_ROOT and runs
two `celery worker` processes (the project's app, prefork pool, one child each) on a Redis queue of its
own. See bench/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import database_label, set_up_django  # noqa: E402

DATABASE_NAME = "capnum_bench_certs"
DEFAULT_SERVER_URL = "postgres://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
POSTGRES_SCHEMES = {"postgres", "postgresql", "pgsql", "postgis"}
DEFAULT_COUNT = 10_000
QUICK_COUNT = 1_000
KILL_AT = 0.4  # share of certificates ready when --kill strikes

# `celery -A lms worker`, with the bench's queue named in the app's configuration as well as on the
# command line, so that what the workers send themselves (render, e-mail) stays on it.
WORKER_BOOT = """
import sys
from lms.celery import app
queue, name, concurrency = sys.argv[1], sys.argv[2], sys.argv[3]
app.conf.task_default_queue = queue
app.worker_main(["worker", f"--queues={queue}", f"--hostname={name}@%h", "--pool=prefork",
                 f"--concurrency={concurrency}", "--loglevel=INFO"])
"""


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=None, help=f"certificates (default {DEFAULT_COUNT:,})")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_COUNT:,} certificates unless --count")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (default: %(default)s)")
    parser.add_argument("--concurrency", type=int, default=1, help="pool children per worker (default: %(default)s)")
    parser.add_argument(
        "--duplicate-every",
        type=int,
        default=10,
        metavar="N",
        help="announce every Nth completion twice, as a duplicate signal would (default: %(default)s; 0: none)",
    )
    parser.add_argument(
        "--kill", action="store_true", help=f"SIGKILL a worker when {KILL_AT:.0%} are ready, then start another"
    )
    parser.add_argument("--timeout", type=float, default=3600, help="give up after this many seconds")
    parser.add_argument("--keep", action="store_true", help="keep the database and the files at the end")
    arguments = parser.parse_args()
    arguments.count = arguments.count or (QUICK_COUNT if arguments.quick else DEFAULT_COUNT)
    if arguments.count < 1 or arguments.workers < 1 or arguments.concurrency < 1:
        parser.error("--count, --workers and --concurrency must be positive")
    if arguments.kill and arguments.workers < 2:
        parser.error("--kill needs two workers or more: one is killed while the others go on")
    return arguments


# --- Services: PostgreSQL database, Redis ---------------------------------------------------------


def server_url() -> str:
    """CERT_BENCH_SERVER_URL, else DATABASE_URL's PostgreSQL server, else the local one (database `postgres`)."""
    explicit = os.environ.get("CERT_BENCH_SERVER_URL")
    if explicit:
        return explicit
    shared = urlsplit(os.environ.get("DATABASE_URL", ""))
    if shared.scheme in POSTGRES_SCHEMES:
        return urlunsplit(shared._replace(path="/postgres"))
    return DEFAULT_SERVER_URL


def create_database(name: str) -> str:
    """Drop `name` if left over, create it empty; return its URL."""
    import psycopg

    if "bench" not in name:
        sys.exit(f"Refusing to create or drop {name!r}: bench databases are named *bench*.")
    maintenance = server_url()
    try:
        connection = psycopg.connect(maintenance, autocommit=True)
    except psycopg.OperationalError as exc:
        sys.exit(f"Cannot reach PostgreSQL at {urlsplit(maintenance).hostname} ({exc}).")
    with connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(urlsplit(maintenance)._replace(path="/" + name))


def drop_database(name: str) -> None:
    import psycopg

    if "bench" not in name:
        return
    with psycopg.connect(server_url(), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def redis_url() -> str:
    url = os.environ.get("CERT_BENCH_REDIS_URL") or os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        sys.exit(f"This bench needs Redis: {url} is not reachable ({exc}). Set REDIS_URL.")
    return url


def forget_queue(url: str, queue: str) -> None:
    """Delete the bench's queue and what a killed worker left in kombu's unacked set for it (restored
    into the queue after the visibility timeout otherwise)."""
    import redis

    client = redis.Redis.from_url(url)
    client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
    for tag, raw in client.hgetall("unacked").items():
        try:
            routing_key = json.loads(raw)[2]
        except (ValueError, IndexError, TypeError):
            continue
        if routing_key == queue:
            client.hdel("unacked", tag)
            client.zrem("unacked_index", tag)


# --- Workers --------------------------------------------------------------------------------------


class BenchWorker:
    """One `celery worker` process group; its log is read incrementally to follow its tasks."""

    def __init__(self, name: str, queue: str, env: dict, log_dir: Path, concurrency: int = 1):
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self._log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-c", WORKER_BOOT, queue, name, str(concurrency)],
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._reader = self.log_path.open("r", errors="replace")
        self._partial = ""
        self.ready = False
        self.received = 0
        self.finished = 0
        self.durations: dict[str, list[float]] = defaultdict(list)

    def read(self) -> None:
        if self._reader.closed:
            return
        text = self._partial + self._reader.read()
        lines = text.split("\n")
        self._partial = lines.pop()
        for line in lines:
            if " ready." in line:
                self.ready = True
            elif "] received" in line:
                self.received += 1
            elif " succeeded in " in line and " Task " in line:
                self.finished += 1
                name = line.split(" Task ", 1)[1].split("[", 1)[0]
                self.durations[name].append(float(line.split(" succeeded in ", 1)[1].split("s:", 1)[0]))
            elif " Task " in line and (" raised " in line or "] retry: " in line):
                self.finished += 1

    def in_flight(self) -> int:
        self.read()
        return self.received - self.finished

    def alive(self) -> bool:
        return self.process.poll() is None

    def wait_until_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.read()
            if self.ready:
                return
            if not self.alive():
                sys.exit(f"Worker {self.name} exited:\n{self.log_path.read_text()[-4000:]}")
            time.sleep(0.2)
        sys.exit(f"Worker {self.name} not ready after {timeout:.0f} s:\n{self.log_path.read_text()[-4000:]}")

    def kill(self) -> None:
        """SIGKILL the main process and its pool children together."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.alive():
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=30)
        self.read()
        self._log.close()
        self._reader.close()


def worker_environment(database_url: str, broker_url: str, media_root: Path, mail_dir: Path) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lms.settings.dev",
        "DEBUG": "0",
        "DATABASE_URL": database_url,
        "REDIS_URL": broker_url,
        "MEDIA_ROOT": str(media_root),
        "EMAIL_URL": f"filemail://{mail_dir}",
        "SITE_URL": "https://formation.ville-de-bench.example",
    }


def load_average() -> str:
    try:
        return " ".join(f"{value:.1f}" for value in os.getloadavg())
    except OSError:
        return "?"


# --- Data -----------------------------------------------------------------------------------------


def make_completions(count: int) -> list[int]:
    """`count` agents, each with a completion of one course that gives a certificate (bulk ORM, no signal)."""
    from django.utils import timezone

    from bench.datasets import agent_records
    from courses.factories import CoursePageFactory
    from people.models import Agent, Organisation, User
    from progress.models import CourseCompletion, Enrollment

    organisation = Organisation.objects.create(
        slug="bench-certificates", name="Commune de Bench", kind=Organisation.Kind.COMMUNE
    )
    course = CoursePageFactory(
        title="Cybersécurité au quotidien : les bons réflexes",
        slug="bench-certificates",
        certificate_on_completion=True,
        duration_minutes=90,
        competences=(("4.1", 2), ("2.1", 1)),
    )
    competences = [
        {"code": link.competence.code, "name": link.competence.name, "level": link.target_level}
        for link in course.competences.select_related("competence").order_by("sort_order")
    ]
    now = timezone.now()
    records = agent_records(count)
    users = User.objects.bulk_create(
        (User(email=record.email, first_name=record.first_name, last_name=record.last_name) for record in records),
        batch_size=2000,
    )
    agents = Agent.objects.bulk_create(
        (Agent(user=user, organisation=organisation, matricule=f"B{i:06d}") for i, user in enumerate(users)),
        batch_size=2000,
    )
    enrollments = Enrollment.objects.bulk_create(
        (
            Enrollment(agent=agent, course=course, course_title=course.title, enrolled_at=now - timedelta(days=3))
            for agent in agents
        ),
        batch_size=2000,
    )
    completions = CourseCompletion.objects.bulk_create(
        (
            CourseCompletion(
                enrollment=enrollment,
                agent_id=enrollment.agent_id,
                course=course,
                completed_at=now - timedelta(minutes=5),
                course_title=course.title,
                duration_minutes=course.duration_minutes,
                competences=competences,
            )
            for enrollment in enrollments
        ),
        batch_size=2000,
    )
    return [completion.pk for completion in completions]


def ready_count() -> int:
    from certificates.models import Certificate

    return Certificate.objects.filter(status=Certificate.Status.READY).count()


# --- The run --------------------------------------------------------------------------------------


class Run:
    def __init__(self, arguments, queue: str, env: dict, log_dir: Path, broker_url: str):
        self.arguments, self.queue, self.env, self.log_dir, self.broker_url = arguments, queue, env, log_dir, broker_url
        self.workers: list[BenchWorker] = []
        self.events: list[str] = []
        self.started = 0.0

    def start_worker(self, name: str) -> BenchWorker:
        worker = BenchWorker(name, self.queue, self.env, self.log_dir, self.arguments.concurrency)
        self.workers.append(worker)
        worker.wait_until_ready()
        return worker

    def alive(self) -> list[BenchWorker]:
        return [worker for worker in self.workers if worker.alive()]

    def note(self, text: str) -> None:
        self.events.append(f"{time.perf_counter() - self.started:7.1f} s  {text}")
        print(self.events[-1], flush=True)

    def idle(self) -> bool:
        import redis

        if redis.Redis.from_url(self.broker_url).llen(self.queue):
            return False
        return not any(worker.in_flight() for worker in self.alive())

    def drained(self, stable_for: float = 3.0) -> bool:
        """The queue is empty, no live worker runs a task, and nothing became ready for `stable_for` s."""
        before = ready_count()
        deadline = time.monotonic() + stable_for
        while time.monotonic() < deadline:
            if not self.idle():
                return False
            time.sleep(0.25)
        return ready_count() == before

    def kill_one(self) -> int:
        """SIGKILL the first worker while it runs a task; start a replacement. Returns its tasks in flight."""
        victim = self.alive()[0]
        deadline = time.monotonic() + 30
        while victim.in_flight() == 0 and time.monotonic() < deadline:
            time.sleep(0.005)
        victim.kill()
        time.sleep(0.5)
        held = victim.in_flight()
        self.note(f"SIGKILL {victim.name} (main process and pool children): {held} task(s) in its hands")
        replacement = self.start_worker(f"{victim.name}-replacement")
        self.note(f"{replacement.name} ready")
        return held

    def requeue_stuck(self) -> int:
        """The beat task `requeue_stuck_certificates`, run here at once instead of ten minutes later."""
        from certificates import services, tasks

        saved = services.STUCK_AFTER
        services.STUCK_AFTER = timedelta(0)
        try:
            return tasks.requeue_stuck_certificates()
        finally:
            services.STUCK_AFTER = saved


def announce(completion_ids: list[int], duplicate_every: int) -> int:
    from certificates.tasks import issue_course_certificate

    sent = 0
    for index, completion_id in enumerate(completion_ids):
        issue_course_certificate.delay(completion_id)
        sent += 1
        if duplicate_every and index % duplicate_every == 0:
            issue_course_certificate.delay(completion_id)
            sent += 1
    return sent


def verify(count: int, media_root: Path, mail_dir: Path) -> tuple[list[tuple[str, str, bool]], bool]:
    """What the database and the files say; each row is (check, found, passed)."""
    from django.db import connection
    from django.db.models import Count

    from certificates.models import Certificate
    from people.models import Notification
    from progress.models import CourseCompletion

    rows = []
    total = Certificate.objects.count()
    live = Certificate.objects.filter(replaced_at__isnull=True).count()
    rows.append(("certificate rows", f"{total:,} ({live:,} live)", total == count and live == count))
    duplicated = (
        Certificate.objects.filter(replaced_at__isnull=True)
        .values("course_completion")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    rows.append(("completions with 2+ certificates", f"{duplicated:,}", duplicated == 0))
    missing = CourseCompletion.objects.filter(certificates__isnull=True).count()
    rows.append(("completions without certificate (lost)", f"{missing:,}", missing == 0))
    states = Counter(Certificate.objects.values_list("status", flat=True))
    rows.append(
        ("status", ", ".join(f"{state} {n:,}" for state, n in sorted(states.items())), states == {"ready": count})
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'certificate_once_per_course_completion'")
        found = cursor.fetchone()
    rows.append(("unique index in the database", "present" if found else "MISSING", bool(found)))
    names = list(Certificate.objects.exclude(pdf="").values_list("pdf", flat=True))
    bad = 0
    for name in names:
        try:
            with (media_root / name).open("rb") as handle:
                bad += handle.read(5) != b"%PDF-"
        except OSError:
            bad += 1
    rows.append(
        (
            "PDFs referenced, readable, %PDF-",
            f"{len(names) - bad:,} of {len(names):,}",
            bad == 0 and len(names) == count,
        )
    )
    on_disk = {str(path.relative_to(media_root)) for path in (media_root / "certificates").rglob("*.pdf")}
    orphans = len(on_disk - set(names))
    rows.append(("PDF files on disk (orphans)", f"{len(on_disk):,} ({orphans:,})", orphans == 0))
    from certificates.services import STUCK_AFTER

    waits = sorted(
        (ready - issued).total_seconds()
        for issued, ready in Certificate.objects.exclude(ready_at=None).values_list("issued_at", "ready_at")
    )
    if waits:
        late = sum(1 for wait in waits if wait > STUCK_AFTER.total_seconds())
        rows.append(
            (
                f"issued → ready s, median/max (> {STUCK_AFTER.total_seconds():.0f} s)",
                f"{statistics.median(waits):.0f} / {waits[-1]:.0f} ({late:,})",
                True,
            )
        )
    notices = Notification.objects.filter(kind="certificate_ready").count()
    rows.append(("'certificate ready' notifications", f"{notices:,}", notices == count))
    recipients = Counter(
        line
        for path in mail_dir.glob("*.log")
        for line in path.read_text(errors="replace").splitlines()
        if line.startswith("To: ")
    )
    twice = sum(1 for n in recipients.values() if n > 1)
    rows.append(("e-mails sent (agents mailed twice)", f"{sum(recipients.values()):,} ({twice})", twice == 0))
    return rows, all(passed for _check, _found, passed in rows)


def task_table(workers: list[BenchWorker]) -> None:
    durations: dict[str, list[float]] = defaultdict(list)
    for worker in workers:
        worker.read()
        for name, values in worker.durations.items():
            durations[name].extend(values)
    print(f"{'task (succeeded)':<46} {'runs':>7} {'median ms':>10} {'p95 ms':>8} {'sum s':>8}")
    for name, values in sorted(durations.items()):
        values.sort()
        p95 = values[min(len(values) - 1, int(len(values) * 0.95))]
        print(
            f"{name:<46} {len(values):>7,} {statistics.median(values) * 1000:>10.1f} {p95 * 1000:>8.1f} "
            f"{sum(values):>8.1f}"
        )


def main() -> int:
    arguments = parse_arguments()
    broker_url = redis_url()
    workdir = Path(tempfile.mkdtemp(prefix="capnum-bench-certs-"))
    media_root, mail_dir, log_dir = workdir / "media", workdir / "mail", workdir / "logs"
    for folder in (media_root, mail_dir, log_dir):
        folder.mkdir()
    database_url = create_database(DATABASE_NAME)
    os.environ.update(worker_environment(database_url, broker_url, media_root, mail_dir))
    queue = f"bench-certificates-{uuid.uuid4().hex[:8]}"
    run: Run | None = None
    ok = False
    try:
        started = time.perf_counter()
        set_up_django(database_url)
        migrated = time.perf_counter() - started
        import django

        from lms.celery import app

        app.conf.task_default_queue = queue
        print(f"Certificates through real workers — {database_label()}, broker {broker_url}, queue {queue}")
        print(
            f"Python {platform.python_version()}, Django {django.get_version()}, {os.cpu_count()} CPUs, "
            f"load average {load_average()}; {arguments.workers} worker(s) × {arguments.concurrency} pool child(ren), "
            f"{arguments.count:,} certificates"
            + (f", every {arguments.duplicate_every}th announced twice" if arguments.duplicate_every else "")
            + (", one worker SIGKILLed" if arguments.kill else "")
        )
        print(f"set-up: database created and migrated in {migrated:.1f} s; files in {workdir}")
        started = time.perf_counter()
        completion_ids = make_completions(arguments.count)
        print(f"set-up: {len(completion_ids):,} completions created in {time.perf_counter() - started:.1f} s")

        run = Run(arguments, queue, dict(os.environ), log_dir, broker_url)
        children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        for number in range(arguments.workers):
            run.start_worker(f"bench-{chr(ord('a') + number)}")
        own_before = time.process_time()
        run.started = time.perf_counter()
        sent = announce(completion_ids, arguments.duplicate_every)
        run.note(f"{sent:,} issue messages sent")

        killed = False
        held = requeued = 0
        last_print = time.perf_counter()
        all_ready_at = None
        while time.perf_counter() - run.started < arguments.timeout:
            ready = ready_count()
            now = time.perf_counter()
            if ready >= arguments.count:
                all_ready_at = now
                run.note(f"{ready:,} ready")
                break
            if now - last_print >= 10:
                elapsed = now - run.started
                run.note(f"{ready:,} ready ({ready / elapsed:.1f}/s so far), load average {load_average()}")
                last_print = now
            if arguments.kill and not killed and ready >= KILL_AT * arguments.count:
                held = run.kill_one()
                killed = True
                continue
            if run.idle() and run.drained():
                if not killed and not requeued:
                    run.note(f"the queue is drained with {ready_count():,} ready: something was lost")
                done = run.requeue_stuck()
                requeued += done
                run.note(f"queue drained with {ready_count():,} ready; requeue_stuck_certificates sent {done} task(s)")
                if done == 0:
                    break
                continue
            time.sleep(0.5)
        if all_ready_at is None:
            print(f"Not every certificate is ready after {time.perf_counter() - run.started:.0f} s.")
        while not run.drained(stable_for=2.0):  # e-mails after the last certificate
            if time.perf_counter() - run.started > arguments.timeout:
                break
            time.sleep(0.5)
        drained_at = time.perf_counter() - 2.0
        own_cpu = time.process_time() - own_before
        for worker in run.workers:
            worker.stop()
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        workers_cpu = (children.ru_utime + children.ru_stime) - (children_before.ru_utime + children_before.ru_stime)

        print()
        task_table(run.workers)
        print()
        rows, ok = verify(arguments.count, media_root, mail_dir)
        print(f"{'check':<42} {'found':<28} ok")
        for check, found, passed in rows:
            print(f"{check:<42} {found:<28} {'yes' if passed else 'NO'}")
        print()
        if all_ready_at is not None:
            seconds = all_ready_at - run.started
            print(
                f"{arguments.count:,} certificates ready in {seconds:.1f} s: "
                f"{arguments.count / seconds:.1f} certificates/s end to end (first message sent → last one ready)"
            )
        print(f"every task done (e-mails included) after {drained_at - run.started:.1f} s")
        print(
            f"CPU: workers {workers_cpu:.0f} s ({arguments.count / workers_cpu if workers_cpu else 0:.1f} certificates "
            f"per worker CPU-second{'; a killed worker’s children are not counted' if killed else ''}), "
            f"bench process {own_cpu:.0f} s; load average at the end {load_average()}"
        )
        if arguments.kill:
            print(
                f"kill: the killed worker held {held} task(s) (unacknowledged, back in the queue only after the "
                f"visibility timeout); requeue_stuck_certificates sent {requeued} task(s) once the queue was drained"
            )
        print("none lost, none duplicated" if ok else "CHECKS FAILED (see the table)")
    finally:
        if run is not None:
            for worker in run.workers:
                if worker.alive():
                    worker.stop()
        forget_queue(broker_url, queue)
        from django.db import connections

        connections.close_all()
        if arguments.keep:
            print(f"kept: database {DATABASE_NAME}, files in {workdir}")
        else:
            drop_database(DATABASE_NAME)
            shutil.rmtree(workdir, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
