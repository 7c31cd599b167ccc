"""Quiz grading bench: how long the server takes to grade an attempt, and whether 500 agents can take a
quiz together.

  (a) grading   `quizzes.services.submit_attempt()` on a 20-question quiz of every automatic type, called
                in this process: median, p95 and maximum over 200 attempts, and the queries per call.
                Twice: the final POST carries the 20 answers (they are checked, stored, then graded),
                and the answers were autosaved before (the submission only grades).
                Target: under 10 ms per submission (median and p95).
  (b) load      a real server (gunicorn from the virtualenv with deploy/gunicorn.conf.py, or
                `manage.py runserver --noreload`) on 127.0.0.1, 500 agents each with their own session
                (created in the database: no password hashing in the way), 20 client threads. Each agent
                opens "Mon espace", starts the quiz, opens the attempt page, submits answers picked from
                the form, and reads the correction. Errors must be 0; every journey must have left one
                graded attempt. Target: all 500 agents through within one minute.

Each figure checks what it measures: (a) compares every score with the one its planned answers must
give, (b) counts the graded attempts in the database after the run.

    .venv/bin/python bench/bench_quiz_grading.py                  # SQLite, /tmp/capnum-bench-quiz.sqlite3
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/capnum_bench .venv/bin/python bench/bench_quiz_grading.py

See bench/README.md for every option and what each column means.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import QueryCounter, database_label, set_up_django  # noqa: E402

BENCH_SQLITE_URL = "sqlite:////tmp/capnum-bench-quiz.sqlite3"
ORGANISATION_SLUG = "bench-quiz-grading"
QUIZ_CATEGORY = "bench-quiz-grading"  # every quiz this bench creates, so that it can remove them
DOMAIN = "quiz.ville-de-bench.example"  # reserved top-level domain; not the agent-import bench's domain
TARGET_SUBMIT_MS = 10.0
TARGET_LOAD_SECONDS = 60.0
WARM_UP = 10
REQUEST_TIMEOUT = 30.0
STEPS = ("dashboard GET", "start POST", "attempt page GET", "submit POST", "review GET")

# The 20 questions: every type graded automatically, all worth one mark.
QUESTION_PLAN = (
    ["single_choice"] * 4
    + ["multiple_choice"] * 4
    + ["true_false"] * 3
    + ["short_answer"] * 3
    + ["numerical"] * 2
    + ["matching"] * 2
    + ["ordering"] * 2
)


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--attempts", type=int, default=200, help="graded attempts per variant in (a) (%(default)s)")
    parser.add_argument("--agents", type=int, default=500, help="agents in the load test (b) (%(default)s)")
    parser.add_argument("--clients", type=int, default=20, help="client threads in (b) (%(default)s)")
    parser.add_argument(
        "--server",
        choices=("gunicorn", "runserver"),
        default="gunicorn" if (Path(sys.executable).parent / "gunicorn").exists() else "runserver",
        help="what serves (b) (default: gunicorn when the virtualenv has it)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=0,
        help="gunicorn worker processes (default: deploy/gunicorn.conf.py's 2 × CPU + 1)",
    )
    parser.add_argument(
        "--time-limit",
        type=float,
        default=300.0,
        help="(b) starts no new journey after this many seconds (%(default)s)",
    )
    parser.add_argument(
        "--sqlite-immediate",
        action="store_true",
        help="(b) on SQLite: the server opens its transactions with BEGIN IMMEDIATE (transaction_mode), "
        "through a settings module written to a temporary folder",
    )
    parser.add_argument("--skip-grading", action="store_true", help="run (b) only")
    parser.add_argument("--skip-load", action="store_true", help="run (a) only")
    parser.add_argument("--check", action="store_true", help="exit with status 1 when a target is missed")
    arguments = parser.parse_args()
    if min(arguments.attempts, arguments.agents, arguments.clients) < 1 or arguments.time_limit <= 0:
        parser.error("--attempts, --agents, --clients and --time-limit must be positive")
    return arguments


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (share 0.95 for p95)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


# --- bench data -----------------------------------------------------------------------------------


def empty_bench() -> None:
    """Remove this bench's quizzes, attempts, agents and users (also what an interrupted run left)."""
    from people.models import Agent, Organisation, User
    from quizzes.models import Attempt, Quiz

    quizzes = Quiz.objects.filter(category=QUIZ_CATEGORY)
    Attempt.objects.filter(quiz__in=quizzes).delete()
    Attempt.objects.filter(agent__organisation__slug=ORGANISATION_SLUG).delete()
    quizzes.delete()
    Agent.objects.filter(organisation__slug=ORGANISATION_SLUG).delete()
    User.objects.filter(email__endswith="@" + DOMAIN).delete()
    Organisation.objects.filter(slug=ORGANISATION_SLUG).delete()


def create_agents(organisation, prefix: str, count: int) -> list:
    """Agents with accounts that cannot log in by password (sessions are created directly)."""
    from django.contrib.auth.hashers import make_password

    from people.models import Agent, User

    unusable = make_password(None)
    users = User.objects.bulk_create(
        User(email=f"{prefix}{index:04d}@{DOMAIN}", first_name="Agent", last_name=f"Bench {index}", password=unusable)
        for index in range(count)
    )
    if users[0].pk is None:  # a database that does not return ids from bulk_create
        users = list(User.objects.filter(email__startswith=prefix, email__endswith="@" + DOMAIN).order_by("email"))
    Agent.objects.bulk_create(
        Agent(user=user, organisation=organisation, job_title="Agent d'accueil", category="C") for user in users
    )
    return list(Agent.objects.filter(user__in=users).select_related("user").order_by("pk"))


def answer_blocks(kind: str, index: int) -> list[dict]:
    def choice(text: str, weight: float = 0) -> dict:
        return {"type": "answer", "value": {"text": text, "weight": str(weight), "feedback": f"Retour {text}"}}

    if kind == "single_choice":
        return [choice("Bonne réponse", 100), choice("Distracteur 1"), choice("Distracteur 2"), choice("Distracteur 3")]
    if kind == "multiple_choice":
        return [choice("Juste 1", 50), choice("Juste 2", 50), choice("Piège", -50), choice("Neutre")]
    if kind == "true_false":
        return [choice("Vrai", 100), choice("Faux")]
    if kind == "short_answer":
        return [choice("mairie", 100), choice("hôtel de ville", 100), choice("mair*", 50)]
    if kind == "numerical":
        value = {"value": 42.0 + index, "tolerance": 0.5, "low": None, "high": None, "weight": "100", "feedback": ""}
        return [{"type": "number", "value": value}]
    if kind == "matching":
        pairs = [("Courriel", "Thunderbird"), ("Tableur", "Calc"), ("Texte", "Writer"), ("Web", "Firefox")]
        return [{"type": "pair", "value": {"text": text, "match": match}} for text, match in pairs]
    return [{"type": "item", "value": {"text": f"Étape {step}"}} for step in range(1, 5)]  # ordering


def create_quiz(title: str):
    from quizzes.models import Question, Quiz

    quiz = Quiz.objects.create(title=title, category=QUIZ_CATEGORY, pass_mark=50, attempts_allowed=0)
    for index, kind in enumerate(QUESTION_PLAN):
        Question.objects.create(
            quiz=quiz,
            type=kind,
            name=f"Q{index + 1} {kind}",
            text=f"<p>Question {index + 1} ({kind}) ?</p>",
            answers=answer_blocks(kind, index),
            sort_order=index,
        )
    return quiz


def planned_answer(slot: dict, right: bool):
    """The answer the bench gives to a served question: worth exactly 1 when right, exactly 0 when not."""
    kind, choices = slot["type"], slot["choices"]
    if kind in ("single_choice", "true_false"):
        return next(c["key"] for c in choices if (c["fraction"] == 1) == right)
    if kind == "multiple_choice":
        return [c["key"] for c in choices if (c["fraction"] > 0 if right else c["fraction"] == 0)]
    if kind == "short_answer":
        return "Mairie" if right else "préfecture"
    if kind == "numerical":
        return str(choices[0]["value"] + 0.25).replace(".", ",") if right else "7"
    if kind == "matching":
        matches = [c["match"] for c in choices]
        shifted = matches[1:] + matches[:1]
        return {c["key"]: (c["match"] if right else shifted[i]) for i, c in enumerate(choices)}
    keys = [c["key"] for c in choices]  # ordering: reversed, no item keeps its place
    return keys if right else keys[::-1]


# --- (a) grading ----------------------------------------------------------------------------------


@dataclass
class GradingMeasure:
    step: str
    milliseconds: list[float] = field(default_factory=list)
    cpu_milliseconds: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)


def bench_grading(organisation, arguments) -> tuple[list[GradingMeasure], int]:
    from django.db import connection

    from quizzes.services import save_answers, start_attempt, submit_attempt

    quiz = create_quiz("Bench : notation d'une tentative de 20 questions")
    agents = create_agents(organisation, "grading", arguments.attempts + WARM_UP)
    rng = random.Random(20_260)  # which answers are right
    measures = []
    for step, autosaved in (("submit with 20 answers", False), ("submit, answers autosaved", True)):
        measure = GradingMeasure(step)
        for position, agent in enumerate(agents):
            attempt = start_attempt(quiz_id=quiz.pk, agent_id=agent.pk, seed=position)
            rights = [rng.random() < 0.6 for _slot in attempt.questions]
            answers = {
                index: planned_answer(slot, ok)
                for index, (slot, ok) in enumerate(zip(attempt.questions, rights, strict=True))
            }
            if autosaved:
                save_answers(attempt_id=attempt.pk, agent_id=agent.pk, answers=answers)
            counter = QueryCounter()
            with connection.execute_wrapper(counter):
                cpu_started, started = time.process_time(), time.perf_counter()
                graded = submit_attempt(
                    attempt_id=attempt.pk, agent_id=agent.pk, answers=None if autosaved else answers
                )
                elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
            expected = (Decimal(100 * sum(rights)) / len(rights)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            if graded.state != graded.State.GRADED or graded.score != expected:
                sys.exit(f"{step}: attempt {graded.pk} is {graded.state} with {graded.score}, expected {expected}")
            if position >= WARM_UP:
                measure.milliseconds.append(1000 * elapsed)
                measure.cpu_milliseconds.append(1000 * cpu)
                measure.queries.append(counter.count)
        measures.append(measure)
    return measures, quiz.pk


def print_grading(measures: list[GradingMeasure]) -> bool:
    header = (
        f"{'step':<28} {'attempts':>8} {'median ms':>10} {'p95 ms':>8} {'max ms':>8} "
        f"{'CPU median ms':>14} {'queries':>8}"
    )
    print(header)
    print("-" * len(header))
    met = True
    for item in measures:
        median, p95 = percentile(item.milliseconds, 0.5), percentile(item.milliseconds, 0.95)
        low, high = min(item.queries), max(item.queries)
        queries = str(low) if low == high else f"{low}–{high}"
        print(
            f"{item.step:<28} {len(item.milliseconds):>8} {median:>10.2f} {p95:>8.2f} "
            f"{max(item.milliseconds):>8.2f} {percentile(item.cpu_milliseconds, 0.5):>14.2f} {queries:>8}"
        )
        met = met and median < TARGET_SUBMIT_MS and p95 < TARGET_SUBMIT_MS
    verdict = "met" if met else "MISSED"
    print(f"target: a submission graded in under {TARGET_SUBMIT_MS:.0f} ms (median and p95): {verdict}")
    return met


# --- (b) load -------------------------------------------------------------------------------------


def create_sessions(agents) -> list[str]:
    """One logged-in session per agent, written as django.contrib.auth.login() would write it."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    store = import_module(settings.SESSION_ENGINE).SessionStore
    keys = []
    for agent in agents:
        session = store()
        session[SESSION_KEY] = str(agent.user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = agent.user.get_session_auth_hash()
        session.set_expiry(60 * 60)
        session.create()
        keys.append(session.session_key)
    return keys


def delete_sessions(keys: list[str]) -> None:
    from importlib import import_module

    from django.conf import settings

    store = import_module(settings.SESSION_ENGINE).SessionStore
    for key in keys:
        store(session_key=key).delete()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def immediate_settings(folder: str) -> dict[str, str]:
    """Environment for a server whose SQLite transactions start with BEGIN IMMEDIATE (Django 5.1+).

    Without it, a transaction that reads then writes (start_attempt, submit_attempt) cannot take the
    write lock when another process wrote since its read began: SQLite answers "database is locked"
    at once, whatever the busy timeout. The module is written to a temporary folder, not the project.
    """
    module = "capnum_bench_immediate_settings"
    Path(folder, f"{module}.py").write_text(
        f"from {os.environ['DJANGO_SETTINGS_MODULE']} import *  # noqa: F403\n"
        'DATABASES["default"].setdefault("OPTIONS", {})["transaction_mode"] = "IMMEDIATE"  # noqa: F405\n',
        encoding="utf-8",
    )
    return {"DJANGO_SETTINGS_MODULE": module, "PYTHONPATH": os.pathsep.join([folder, str(ROOT)])}


def start_server(arguments, port: int, log, settings_folder: str) -> tuple[subprocess.Popen, str]:
    from django.db import connection

    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    if arguments.sqlite_immediate and connection.vendor == "sqlite":
        env.update(immediate_settings(settings_folder))
    if arguments.server == "gunicorn":
        env["BIND"] = f"127.0.0.1:{port}"
        if arguments.workers:
            env["WEB_CONCURRENCY"] = str(arguments.workers)
        command = [str(Path(sys.executable).parent / "gunicorn"), "-c", str(ROOT / "deploy" / "gunicorn.conf.py")]
    else:
        command = [
            sys.executable,
            str(ROOT / "manage.py"),
            "runserver",
            "--noreload",
            "--skip-checks",
            f"127.0.0.1:{port}",
        ]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    import requests

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"the server stopped at start-up (exit status {process.returncode}); see {log.name}")
        try:
            if requests.get(f"{base_url}/healthz", timeout=2).status_code == 200:
                return process, base_url
        except requests.RequestException:
            pass
        time.sleep(0.2)
    stop_server(process)
    sys.exit(f"the server did not answer /healthz within 60 s; see {log.name}")


def stop_server(process: subprocess.Popen) -> None:
    """Stop the server this bench started (gunicorn's master stops its workers on SIGTERM)."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=35)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


class FormReader(HTMLParser):
    """What a browser would send from the page's forms: hidden fields, and choices to pick from."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.action = ""
        self.hidden: dict[str, str] = {}
        self.radios: dict[str, list[str]] = {}
        self.checkboxes: dict[str, list[str]] = {}
        self.texts: list[str] = []
        self.selects: dict[str, list[str]] = {}
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        name = attributes.get("name") or ""
        if tag == "form" and "quiz-form" in (attributes.get("class") or ""):
            self.action = attributes.get("action") or ""
        elif tag == "input":
            kind = attributes.get("type", "text")
            if kind == "hidden" and name:
                self.hidden.setdefault(name, attributes.get("value") or "")
            elif kind == "radio":
                self.radios.setdefault(name, []).append(attributes.get("value") or "")
            elif kind == "checkbox":
                self.checkboxes.setdefault(name, []).append(attributes.get("value") or "")
            elif kind == "text" and name:
                self.texts.append(name)
        elif tag == "select":
            self._select = name
            self.selects[name] = []
        elif tag == "option" and self._select is not None and attributes.get("value"):
            self.selects[self._select].append(attributes["value"])

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def filled_form(html: str, rng: random.Random) -> tuple[str, list[tuple[str, str]]]:
    """The quiz form's action and fields, answered as a hurried agent would: one pick per question."""
    form = FormReader()
    form.feed(html)
    fields = list(form.hidden.items())
    fields += [(name, rng.choice(values)) for name, values in form.radios.items()]
    for name, values in form.checkboxes.items():
        fields += [(name, value) for value in rng.sample(values, rng.randint(1, len(values)))]
    fields += [(name, rng.choice(["mairie", "42", "préfecture", "7,5"])) for name in form.texts]
    fields += [(name, rng.choice(options)) for name, options in form.selects.items() if options]
    return form.action, fields


@dataclass
class Journey:
    ok: bool = False
    error: str = ""
    timings: dict[str, float] = field(default_factory=dict)


def agent_journey(base_url: str, session_key: str, quiz_id: int, seed: int) -> Journey:
    """Mon espace → start → attempt page → submit → correction, as one agent in one browser."""
    import requests

    journey = Journey()
    rng = random.Random(seed)  # which answers are picked
    client = requests.Session()
    client.cookies.set("sessionid", session_key)

    def call(step: str, method: str, path: str, expect: int, **kwargs):
        started = time.perf_counter()
        response = client.request(method, base_url + path, timeout=REQUEST_TIMEOUT, allow_redirects=False, **kwargs)
        journey.timings[step] = time.perf_counter() - started
        if response.status_code != expect:
            raise RuntimeError(f"{step} {path}: HTTP {response.status_code}, expected {expect}")
        return response

    try:
        dashboard = call("dashboard GET", "GET", "/mon-espace/", 200)
        token = FormReader()
        token.feed(dashboard.text)
        csrf = token.hidden.get("csrfmiddlewaretoken", "")
        headers = {"Referer": base_url + "/mon-espace/"}
        started = call(
            "start POST",
            "POST",
            f"/quiz/{quiz_id}/commencer/",
            302,
            data={"csrfmiddlewaretoken": csrf},
            headers=headers,
        )
        page = call("attempt page GET", "GET", started.headers["Location"], 200)
        action, fields = filled_form(page.text, rng)
        if not action:
            raise RuntimeError("the attempt page has no quiz form")
        submitted = call("submit POST", "POST", action, 302, data=fields, headers=headers)
        review = call("review GET", "GET", submitted.headers["Location"], 200)
        if "Score" not in review.text:
            raise RuntimeError("the correction page shows no score")
        journey.ok = True
    except (requests.RequestException, RuntimeError, KeyError) as exc:
        journey.error = f"{exc.__class__.__name__}: {exc}"
    finally:
        client.close()
    return journey


@dataclass
class LoadResult:
    quiz_id: int
    journeys: list[Journey]
    not_started: int
    seconds: float
    graded: int
    in_progress: int
    server_log: str


def bench_load(organisation, arguments) -> LoadResult:
    from quizzes.models import Attempt

    quiz = create_quiz("Bench : 500 agents en même temps")
    agents = create_agents(organisation, "load", arguments.agents)
    keys = create_sessions(agents)
    log = tempfile.NamedTemporaryFile(prefix="capnum-bench-server-", suffix=".log", delete=False)  # noqa: SIM115
    settings_folder = tempfile.mkdtemp(prefix="capnum-bench-settings-")
    process, base_url = start_server(arguments, free_port(), log, settings_folder)
    journeys: list[Journey] = []
    not_started = 0
    stop_at = time.monotonic() + arguments.time_limit
    lock = threading.Lock()

    def run(index: int) -> Journey | None:
        if time.monotonic() > stop_at:
            return None
        return agent_journey(base_url, keys[index], quiz.pk, seed=index)

    try:
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=arguments.clients) as pool:
            for future in as_completed([pool.submit(run, index) for index in range(len(keys))]):
                outcome = future.result()
                with lock:
                    if outcome is None:
                        not_started += 1
                    else:
                        journeys.append(outcome)
        seconds = time.perf_counter() - started
    finally:
        stop_server(process)
        log.close()
        delete_sessions(keys)
        shutil.rmtree(settings_folder, ignore_errors=True)
    attempts = Attempt.objects.filter(quiz=quiz)
    graded = attempts.filter(state=Attempt.State.GRADED).count()
    in_progress = attempts.filter(state=Attempt.State.IN_PROGRESS).count()
    return LoadResult(quiz.pk, journeys, not_started, seconds, graded, in_progress, log.name)


def print_load(result: LoadResult, arguments) -> bool:
    done = [journey for journey in result.journeys if journey.ok]
    errors = [journey.error for journey in result.journeys if not journey.ok]
    requests_made = sum(len(journey.timings) for journey in result.journeys)
    header = f"{'request':<18} {'count':>6} {'median ms':>10} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}"
    print(header)
    print("-" * len(header))
    for step in STEPS:
        values = [1000 * journey.timings[step] for journey in result.journeys if step in journey.timings]
        if values:
            print(
                f"{step:<18} {len(values):>6} {percentile(values, 0.5):>10.1f} {percentile(values, 0.95):>8.1f} "
                f"{percentile(values, 0.99):>8.1f} {max(values):>8.1f}"
            )
    whole = [1000 * sum(journey.timings.values()) for journey in done]
    if whole:
        print(
            f"{'whole journey':<18} {len(whole):>6} {percentile(whole, 0.5):>10.1f} {percentile(whole, 0.95):>8.1f} "
            f"{percentile(whole, 0.99):>8.1f} {max(whole):>8.1f}"
        )
    print()
    print(
        f"agents: {arguments.agents}, journeys completed: {len(done)}, errors: {len(errors)}, "
        f"not started (time limit): {result.not_started}"
    )
    print(
        f"wall time: {result.seconds:.1f} s, throughput: {len(done) / result.seconds:.1f} journeys/s "
        f"({requests_made / result.seconds:.0f} requests/s)"
    )
    print(
        f"in the database: {result.graded} graded attempts, {result.in_progress} still in progress "
        "(journeys that failed after starting)"
    )
    for error, count in Counter(errors).most_common(10):
        print(f"  error ×{count}: {error}")
    consistent = result.graded == len(done)  # a failed journey may leave an attempt in progress, never graded
    if not consistent:
        print(f"  MISMATCH: {result.graded} graded attempts in the database for {len(done)} completed journeys")
    if errors or not consistent:
        print(f"  server log kept: {result.server_log}")
    else:
        Path(result.server_log).unlink(missing_ok=True)
    met = not errors and not result.not_started and consistent and result.seconds < TARGET_LOAD_SECONDS
    print(
        f"target: {arguments.agents} agents start and submit within {TARGET_LOAD_SECONDS:.0f} s with no error: "
        f"{'met' if met else 'MISSED'}"
    )
    return met


def print_statistics(quiz_ids: list[int]) -> None:
    """Time the trainers' statistics page's selectors on the quizzes the bench just filled."""
    from django.db import connection

    from quizzes.models import Attempt, Response
    from quizzes.statistics import question_statistics, quiz_summary

    header = f"{'graded attempts':>15} {'responses':>10} {'attempts counted':>17} {'ms':>8} {'queries':>8}"
    print(header)
    print("-" * len(header))
    for quiz_id in quiz_ids:
        for all_attempts in (False, True):
            counter = QueryCounter()
            with connection.execute_wrapper(counter):
                started = time.perf_counter()
                summary = quiz_summary(quiz_id, all_attempts=all_attempts)
                question_statistics(quiz_id, all_attempts=all_attempts)
                elapsed = time.perf_counter() - started
            graded = Attempt.objects.filter(quiz_id=quiz_id, state=Attempt.State.GRADED).count()
            responses = Response.objects.filter(attempt__quiz_id=quiz_id).count()
            counted = f"{summary.attempts} ({'all' if all_attempts else 'first'})"
            print(f"{graded:>15} {responses:>10} {counted:>17} {1000 * elapsed:>8.1f} {counter.count:>8}")


def server_label(arguments) -> str:
    from django.db import connection

    if arguments.server == "runserver":
        label = "manage.py runserver --noreload (threaded, one process)"
    else:
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
        label = f"gunicorn -c deploy/gunicorn.conf.py, {arguments.workers or 2 * cpus + 1} sync workers"
    if connection.vendor == "sqlite":
        label += ", SQLite transactions " + ("BEGIN IMMEDIATE" if arguments.sqlite_immediate else "deferred (default)")
    return label


def main() -> int:
    arguments = parse_arguments()
    set_up_django(BENCH_SQLITE_URL)
    import django

    from people.models import Organisation

    empty_bench()
    organisation = Organisation.objects.create(
        slug=ORGANISATION_SLUG, name="Commune de Bench (quiz)", kind=Organisation.Kind.COMMUNE
    )
    print(f"Quiz grading bench — {database_label()}")
    print(
        f"Python {platform.python_version()}, Django {django.get_version()}, "
        f"settings {os.environ['DJANGO_SETTINGS_MODULE']}, DEBUG={os.environ['DEBUG']}, "
        f"{os.cpu_count()} CPUs, load average {', '.join(f'{value:.1f}' for value in os.getloadavg())}"
    )
    results = []
    quizzes = []
    try:
        if not arguments.skip_grading:
            print()
            print(
                f"(a) grading: submit_attempt() on {len(QUESTION_PLAN)} questions of 7 types, "
                f"{arguments.attempts} attempts per row ({WARM_UP} warm-up attempts not counted)"
            )
            measures, quiz_id = bench_grading(organisation, arguments)
            results.append(print_grading(measures))
            quizzes.append(quiz_id)
        if not arguments.skip_load:
            print()
            print(
                f"(b) load: {arguments.agents} agents, {arguments.clients} client threads, {server_label(arguments)}, "
                f"127.0.0.1"
            )
            load = bench_load(organisation, arguments)
            results.append(print_load(load, arguments))
            quizzes.append(load.quiz_id)
        print()
        print("for information: item statistics (quizzes.statistics) over the attempts above")
        print_statistics(quizzes)
    finally:
        empty_bench()
    return 1 if arguments.check and not all(results) else 0


if __name__ == "__main__":
    sys.exit(main())
