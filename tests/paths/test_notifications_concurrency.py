"""Two beat processes cannot double-send: two OS processes run `send_due_notifications` at the same moment
against the same PostgreSQL data, and every notice goes out exactly once in total.

The processes are plain Python interpreters with their own database connections (to the test database,
whose rows this transactional test commits), writing e-mails with Django's file-based backend.
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import subprocess
import sys
import time
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.models import Count

from paths.models import AgentAssignment, Assignment, NotificationLog, TrainingPath
from people.factories import AgentFactory, HRAgentFactory, OrganisationFactory
from people.models import Notification
from tests.migration_rows import ensure_migration_rows

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]
PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2027, 6, 16, 10, 0, tzinfo=PARIS)  # a Wednesday
TODAY = NOW.date()
AGENTS = 200
PATH_TITLE = "Cybersécurité au quotidien"
SEPARATOR = b"\n" + b"-" * 79 + b"\n"  # what the file-based backend writes after each message

# Each runner: set up Django, connect, say it is ready, wait for the start signal, then run the job once.
RUNNER = r"""
import json, os, sys, time
from datetime import datetime

import django

django.setup()
from django.conf import settings
from django.db import connection

settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
settings.EMAIL_FILE_PATH = os.environ["CAPNUM_TEST_MAIL_DIR"]
from paths.notifications import send_due_notifications

connection.ensure_connection()
sync = os.environ["CAPNUM_TEST_SYNC_DIR"]
open(os.path.join(sync, "ready-" + os.environ["CAPNUM_TEST_RUNNER"]), "w").close()
deadline = time.monotonic() + 120
while not os.path.exists(os.path.join(sync, "start")):
    if time.monotonic() > deadline:
        sys.exit("no start signal")
    time.sleep(0.001)
sent = send_due_notifications(now=datetime.fromisoformat(os.environ["CAPNUM_TEST_NOW"]))
print(json.dumps({"sent": sent}))
"""


def database_url(settings_dict) -> str:
    user = settings_dict.get("USER") or "postgres"
    password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{settings_dict['NAME']}"


def agent_email(number: int) -> str:
    return f"agent{number:03d}@quimper.fr"


@pytest.fixture
def scene():
    """200 agents of one manager, one HR officer; even agents are long overdue (assignment notice,
    overdue notice, manager and HR alerts), odd ones are due next Monday (assignment notice, 7-day
    reminder). The expected e-mails, as (recipient, subject) pairs, and the expected notice count."""
    ensure_migration_rows()
    town = OrganisationFactory(name="Ville de Quimper", slug="quimper-concurrency")
    hr = HRAgentFactory(organisation=town, user__email="rh@quimper.fr")
    boss = AgentFactory(organisation=town, user__email="chef@quimper.fr")
    path = TrainingPath.objects.create(organisation=town, title=PATH_TITLE)
    assignment = Assignment.objects.create(
        organisation=town,
        path=path,
        due_mode=Assignment.DueMode.DATE,
        due_date=TODAY + timedelta(days=5),
        assigned_at=NOW - timedelta(days=60),
        state=Assignment.State.READY,
    )
    expected: list[tuple[str, str]] = []
    items = []
    for number in range(AGENTS):
        agent = AgentFactory(
            organisation=town,
            manager=boss,
            user__email=agent_email(number),
            user__first_name="Agent",
            user__last_name=f"N{number:03d}",
        )
        overdue = number % 2 == 0
        due = TODAY - timedelta(days=30) if overdue else date(2027, 6, 21)
        items.append(
            AgentAssignment(
                assignment=assignment,
                agent=agent,
                path=path,
                assigned_on=TODAY - timedelta(days=60),
                due_date=due,
            )
        )
        expected.append((agent_email(number), f"Nouvelle formation : {PATH_TITLE}"))
        if overdue:
            alert = f"Formation en retard dans votre équipe : Agent N{number:03d}"
            expected += [
                (agent_email(number), f"Formation en retard : {PATH_TITLE}"),
                (boss.user.email, alert),
                (hr.user.email, alert),
            ]
        else:
            expected.append((agent_email(number), f"Rappel : {PATH_TITLE} à terminer avant le 21 juin 2027"))
    AgentAssignment.objects.bulk_create(items)
    return {"expected": expected, "notices": AGENTS // 2 * 4 + AGENTS // 2 * 2}


def run_two_beat_processes(tmp_path: Path) -> tuple[list[int], Path]:
    """Start two runners, release them together; return what each says it sent, and the mail folder."""
    mail_dir, sync_dir = tmp_path / "mail", tmp_path / "sync"
    mail_dir.mkdir()
    sync_dir.mkdir()
    base_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lms.settings.test",
        "DATABASE_URL": database_url(connection.settings_dict),
        "CAPNUM_TEST_MAIL_DIR": str(mail_dir),
        "CAPNUM_TEST_SYNC_DIR": str(sync_dir),
        "CAPNUM_TEST_NOW": NOW.isoformat(),
    }
    base_env.pop("REDIS_URL", None)
    runners = [
        subprocess.Popen(
            [sys.executable, "-c", RUNNER],
            cwd=ROOT,
            env={**base_env, "CAPNUM_TEST_RUNNER": name},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("beat-1", "beat-2")
    ]
    try:
        deadline = time.monotonic() + 120
        while not all((sync_dir / f"ready-{name}").exists() for name in ("beat-1", "beat-2")):
            assert all(runner.poll() is None for runner in runners), [runner.communicate() for runner in runners]
            assert time.monotonic() < deadline, "the runners did not get ready in time"
            time.sleep(0.01)
        (sync_dir / "start").touch()
        outputs = [runner.communicate(timeout=300) for runner in runners]
    finally:
        for runner in runners:
            if runner.poll() is None:
                runner.kill()
                runner.wait()
    for runner, (_stdout, stderr) in zip(runners, outputs, strict=True):
        assert runner.returncode == 0, stderr
    return [json.loads(stdout.strip().splitlines()[-1])["sent"] for stdout, _stderr in outputs], mail_dir


def read_mails(mail_dir: Path) -> list[email.message.EmailMessage]:
    """Every message the file-based backend wrote (it may append several to one file)."""
    messages = []
    for path in sorted(mail_dir.iterdir()):
        for chunk in path.read_bytes().split(SEPARATOR):
            if chunk.strip():
                messages.append(email.message_from_bytes(chunk, policy=email.policy.default))
    return messages


def header(message: email.message.EmailMessage, name: str) -> str:
    """A decoded header with its folding whitespace collapsed."""
    return " ".join(str(message[name]).split())


@pytest.mark.django_db(transaction=True)
def test_two_beat_processes_send_every_notice_exactly_once(scene, tmp_path):
    """Run at the same moment by two processes, the job e-mails every notice once in total."""
    sent, mail_dir = run_two_beat_processes(tmp_path)
    received = Counter((header(message, "To"), header(message, "Subject")) for message in read_mails(mail_dir))
    assert min(sent) > 0, f"the two runs did not overlap: {sent}"
    assert sum(sent) == scene["notices"] == len(scene["expected"]), sent
    assert {key: count for key, count in received.items() if count > 1} == {}
    assert set(received) == set(scene["expected"])


@pytest.mark.django_db(transaction=True)
def test_two_beat_processes_log_each_notice_once(scene, tmp_path):
    """After two simultaneous runs, each (agent assignment, kind, day) is logged once, with no notice missing."""
    run_two_beat_processes(tmp_path)
    duplicates = (
        NotificationLog.objects.values("agent_assignment", "kind", "day").annotate(n=Count("pk")).filter(n__gt=1)
    )
    assert not duplicates.exists()
    assert NotificationLog.objects.filter(day=TODAY).count() == scene["notices"]
    per_kind = dict(NotificationLog.objects.values_list("kind").annotate(n=Count("pk")))
    half = AGENTS // 2
    assert per_kind == {
        "assigned": AGENTS,
        "reminder_7": half,
        "overdue": half,
        "escalation_manager": half,
        "escalation_hr": half,
    }


@pytest.mark.django_db(transaction=True)
def test_two_beat_processes_add_each_in_app_notification_once(scene, tmp_path):
    """Each notice appears once in the in-app notifications of its recipient."""
    run_two_beat_processes(tmp_path)
    assert Notification.objects.count() == scene["notices"]
    assert not Notification.objects.values("agent", "key").annotate(n=Count("pk")).filter(n__gt=1).exists()
