"""A real Celery worker process, on the real Redis broker and the test PostgreSQL database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _database_url(settings_dict) -> str:
    user = settings_dict.get("USER") or "postgres"
    password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{settings_dict['NAME']}"


class WorkerProcess:
    def __init__(self, mail_dir: Path, log_path: Path):
        self.mail_dir = mail_dir
        self.log_path = log_path

    def mails(self) -> list[Path]:
        return sorted(self.mail_dir.glob("*.log"))

    def finished(self, task_name: str) -> int:
        """How many runs of this task the worker has finished (succeeded or failed)."""
        text = self.log_path.read_text()
        return sum(
            1
            for line in text.splitlines()
            if f"Task {task_name}[" in line and (" succeeded in " in line or " raised " in line)
        )


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker, tmp_path_factory):
    """Start `celery worker` against the test database; yield the folder where it writes e-mails."""
    from tests.conftest import worker_missing

    if worker_missing():
        pytest.skip(worker_missing())
    from django.db import connection

    mail_dir = tmp_path_factory.mktemp("worker-mail")
    redis_url = os.environ["REDIS_URL"]
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lms.settings.dev",
        "DEBUG": "0",
        "DATABASE_URL": _database_url(connection.settings_dict),
        "REDIS_URL": redis_url,
        "EMAIL_URL": f"filemail://{mail_dir}",
        "SITE_URL": "https://formation.example.fr",
    }
    log = (tmp_path_factory.mktemp("worker-log") / "worker.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "lms", "worker", "--pool=solo", "--loglevel=INFO"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        _wait_until_ready(log.name, process)
        yield WorkerProcess(mail_dir, Path(log.name))
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        log.close()


def _wait_until_ready(log_path: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("Celery worker exited:\n" + Path(log_path).read_text())
        if "ready." in Path(log_path).read_text():
            return
        time.sleep(0.3)
    raise RuntimeError("Celery worker not ready in time:\n" + Path(log_path).read_text())


@pytest.fixture(autouse=True)
def _migration_rows(request):
    """Tests here run in transactions that end with a flush: re-create what migrations made first."""
    if "transactional_db" in request.fixturenames or request.node.get_closest_marker("django_db"):
        request.getfixturevalue("transactional_db")
        from tests.migration_rows import ensure_migration_rows

        ensure_migration_rows()


@pytest.fixture
def real_broker(settings):
    """Send tasks to the real Redis broker instead of running them in-process.

    With REDIS_URL set (the only case where worker tests run), the broker URL is already Redis:
    test settings only switch tasks to eager, which this fixture undoes."""
    from lms.celery import app

    assert app.conf.broker_url.startswith("redis"), "REDIS_URL must be set before Django starts"
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.task_always_eager = False
    yield app
    app.conf.task_always_eager = True


def wait_for(predicate, timeout: float = 30, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()
