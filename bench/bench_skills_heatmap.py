"""Skills heatmap bench: the HR heatmap of services × CRCN competences for an organisation of 50,000 agents.

The bench builds (once; later runs reuse it while its parameters match) a dedicated PostgreSQL database
holding one organisation, `bench-skills-heatmap`: a two-level tree of 4 directions × 5 services, 50,000
active agents spread over the 20 services with 30 job titles, a current level (`CompetenceLevel`, 0 to 8)
for 70 % of the agents on each of the 16 competences (about 560,000 rows), and 40 targets (30 for job
titles, 10 for services: one on each direction, six on services). Users and agents are written with
`bulk_create` in batches of 5,000, levels with one INSERT … SELECT; building takes well under two minutes.

Then it times `skills.selectors.service_heatmap()` at the top of the tree (4 directions) and inside one
direction (its 5 services): 2 warm-ups then 15 measured runs each, wall time (`time.perf_counter`), CPU of
this process (`time.process_time`: Python's work, not PostgreSQL's) and the queries of each run
(`CaptureQueriesContext`). When the HR page `skills:heatmap` exists, it requests it the same way through
Django's test client, signed in as the organisation's HR agent (at the top, then `?service=<direction>`).
Each result is checked against counts made directly in the database (rows, agents, levels counted) before
any figure is printed.

Columns: `median ms`, `p90 ms` (nearest rank), `min ms` of wall time; `CPU ms`, the median CPU time of this
process (Python's share; PostgreSQL's work is not in it); `slowest q`, the median time of the slowest query
of a run (PostgreSQL's share, as the driver saw it); `queries`, per run (a range if it moved).

    .venv/bin/python bench/bench_skills_heatmap.py
    .venv/bin/python bench/bench_skills_heatmap.py --agents 5000 --runs 5     # a smoke run
    .venv/bin/python bench/bench_skills_heatmap.py --rebuild                  # build the dataset again

Target: a median under 500 ms of server time, and the same number of queries on every run and at every
depth of the tree. PostgreSQL only, in a database of its own: capnum_bench_skills on DATABASE_URL's server
when DATABASE_URL is PostgreSQL, else on postgres://postgres@127.0.0.1:5432; SKILLS_BENCH_DATABASE_URL
overrides both (the name must contain "bench").
"""

# The generation SQL is built with f-strings from integers the script computes, never from input.
# ruff: noqa: S608

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import database_label, set_up_django  # noqa: E402
from bench.datasets import DIRECTIONS, FEMALE_FIRST_NAMES, JOBS, LAST_NAMES, MALE_FIRST_NAMES  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/capnum_bench_skills"
POSTGRES_SCHEMES = ("postgres", "postgresql", "pgsql")
MARKER_TABLE = "bench_skills_dataset"
DATASET_VERSION = 1  # bump when the generated data changes shape: the organisation is rebuilt
SLUG = "bench-skills-heatmap"
DOMAIN = "skills.ville-de-bench.example"  # a reserved domain: no bench address can receive mail
HR_EMAIL = f"rh@{DOMAIN}"
DIRECTION_COUNT = 4
SERVICES_PER_DIRECTION = 5
ASSESSED_PERCENT = 70
JOB_TARGETS = (10, 3)  # 10 job titles × 3 competences
SERVICE_TARGETS = 6  # besides one target on each direction
BATCH = 5_000
SEED = 20_261
TARGET_MS = 500.0
EXTRA_JOBS = (
    "Gestionnaire RH",
    "Chargé de communication",
    "Instructeur du droit des sols",
    "Technicien informatique",
    "Secrétaire de mairie",
    "Policier municipal",
    "Assistant social",
    "Bibliothécaire",
    "Juriste",
)
JOB_TITLES = [job for titles in JOBS.values() for job in titles] + list(EXTRA_JOBS)  # 30


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--agents", type=int, default=50_000, help="active agents (default: %(default)s)")
    parser.add_argument("--runs", type=int, default=15, help="measured runs per case (default: %(default)s)")
    parser.add_argument("--warmups", type=int, default=2, help="unmeasured runs first (default: %(default)s)")
    parser.add_argument("--rebuild", action="store_true", help="build the organisation again")
    parser.add_argument("--check", action="store_true", help="exit with status 1 when a target is missed")
    arguments = parser.parse_args()
    if arguments.agents < 100 or arguments.runs < 1 or arguments.warmups < 0:
        parser.error("--agents must be at least 100, --runs positive, --warmups zero or more")
    return arguments


# --- the database ---------------------------------------------------------------------------------


def bench_database_url() -> str:
    """SKILLS_BENCH_DATABASE_URL if set; else DATABASE_URL's PostgreSQL server with the database
    capnum_bench_skills; else DEFAULT_DATABASE_URL. Never DATABASE_URL's own database."""
    explicit = os.environ.get("SKILLS_BENCH_DATABASE_URL")
    if explicit:
        return explicit
    shared = urlsplit(os.environ.get("DATABASE_URL", ""))
    if shared.scheme in POSTGRES_SCHEMES:
        return urlunsplit(shared._replace(path=urlsplit(DEFAULT_DATABASE_URL).path))
    return DEFAULT_DATABASE_URL


def prepare_database() -> tuple[str, bool]:
    """Point DATABASE_URL at the bench database, created when missing; return (its name, created)."""
    import psycopg

    url = os.environ["DATABASE_URL"] = bench_database_url()
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if parts.scheme not in POSTGRES_SCHEMES or not name:
        sys.exit(f"The skills heatmap bench needs PostgreSQL, not {url}.")
    if "bench" not in name:
        sys.exit(f"Refusing to use the database {name!r}: this bench only uses a database named *bench*.")
    try:
        connection = psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True)
    except psycopg.OperationalError as exc:
        sys.exit(f"Cannot reach PostgreSQL at {parts.hostname or 'the local socket'} ({exc}).")
    with connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')
    return name, not exists


def execute(sql: str, params=None):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else cursor.rowcount


def dataset_params(arguments) -> dict:
    return {"version": DATASET_VERSION, "agents": arguments.agents, "seed": SEED}


def built_params() -> dict | None:
    execute(f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (slug text PRIMARY KEY, params jsonb NOT NULL)")
    rows = execute(f"SELECT params FROM {MARKER_TABLE} WHERE slug = %s", [SLUG])
    if not rows:
        return None
    return json.loads(rows[0][0]) if isinstance(rows[0][0], str) else rows[0][0]


def wipe() -> None:
    """Delete the bench organisation and everything generated for it (a reference the bench does not
    know stops the run with an error rather than leaving rows behind)."""
    execute(f"DELETE FROM {MARKER_TABLE} WHERE slug = %s", [SLUG])
    found = execute("SELECT id FROM people_organisation WHERE slug = %s", [SLUG])
    if found:
        agents = "SELECT id FROM people_agent WHERE organisation_id = %(o)s"
        for statement in (
            f"DELETE FROM skills_competencelevel WHERE agent_id IN ({agents})",
            f"DELETE FROM skills_evidence WHERE agent_id IN ({agents})",
            f"DELETE FROM skills_champion WHERE agent_id IN ({agents})",
            "DELETE FROM skills_target WHERE organisation_id = %(o)s",
            "DELETE FROM skills_piximport WHERE organisation_id = %(o)s",
            "DELETE FROM people_agent WHERE organisation_id = %(o)s",
            "DELETE FROM people_service WHERE organisation_id = %(o)s",
            "DELETE FROM people_organisation WHERE id = %(o)s",
        ):
            execute(statement, {"o": found[0][0]})
    domain = {"d": f"%@{DOMAIN}"}
    execute(
        "DELETE FROM people_user_groups WHERE user_id IN (SELECT id FROM people_user WHERE email LIKE %(d)s)", domain
    )
    execute("DELETE FROM people_user WHERE email LIKE %(d)s", domain)


def step(label: str, started: float, rows: int | None = None) -> None:
    suffix = f", {rows:,} rows" if rows is not None else ""
    print(f"  {label}: {time.perf_counter() - started:.1f} s{suffix}", flush=True)


def build(arguments) -> None:
    """The organisation, its tree, its agents, their levels and the targets, in one transaction."""
    from django.contrib.auth.models import Group
    from django.db import transaction
    from django.utils import timezone

    from people.models import Agent, Organisation, Service, User
    from people.roles import HR_GROUP
    from skills.models import Competence, Target

    rng = random.Random(SEED)
    print(f"building the organisation {SLUG} ({arguments.agents:,} agents)…", flush=True)
    with transaction.atomic():
        started = time.perf_counter()
        wipe()
        organisation = Organisation.objects.create(
            slug=SLUG, name="Métropole du Banc d'Essai (compétences)", kind=Organisation.Kind.EPCI
        )
        directions, services = [], []
        for name, service_names in DIRECTIONS[:DIRECTION_COUNT]:
            direction = Service.add_root(organisation=organisation, name=name, full_name=name)
            directions.append(direction)
            for service_name in service_names[:SERVICES_PER_DIRECTION] + tuple(
                f"Service {rank}" for rank in range(len(service_names) + 1, SERVICES_PER_DIRECTION + 1)
            ):
                direction = Service.objects.get(pk=direction.pk)  # fresh: add_child reads numchild
                services.append(
                    direction.add_child(
                        organisation=organisation,
                        name=service_name,
                        full_name=name + Service.SEPARATOR + service_name,
                    )
                )
        hr_user = User.objects.create_user(HR_EMAIL, first_name="Hélène", last_name="Ressources")
        hr_user.groups.add(Group.objects.get(name=HR_GROUP))
        Agent.objects.create(
            user=hr_user,
            organisation=organisation,
            service=directions[0],
            job_title="Responsable des ressources humaines",
            category=Agent.Category.A,
            matricule="RH0001",
        )
        step("organisation, 4 directions, 20 services, HR agent", started)

        started = time.perf_counter()
        first_names = FEMALE_FIRST_NAMES + MALE_FIRST_NAMES
        users = User.objects.bulk_create(
            (
                User(
                    email=f"agent{rank:06d}@{DOMAIN}",
                    first_name=rng.choice(first_names),
                    last_name=rng.choice(LAST_NAMES),
                    password="!",  # noqa: S106 - an unusable password: nobody signs in as these agents
                    date_joined=timezone.now(),
                )
                for rank in range(1, arguments.agents + 1)
            ),
            batch_size=BATCH,
        )
        step("users", started, len(users))
        started = time.perf_counter()
        categories = [Agent.Category.A, Agent.Category.B, Agent.Category.B] + [Agent.Category.C] * 6
        agents = Agent.objects.bulk_create(
            (
                Agent(
                    user_id=user.pk,
                    organisation=organisation,
                    service_id=rng.choice(services).pk,
                    job_title=rng.choice(JOB_TITLES),
                    category=rng.choice(categories),
                    matricule=f"S{rank:06d}",
                )
                for rank, user in enumerate(users, start=1)
            ),
            batch_size=BATCH,
        )
        step("agents", started, len(agents))

        started = time.perf_counter()
        execute("SET LOCAL jit = off")
        # Deterministic: a hash of (agent, competence) decides whether the agent is assessed and at
        # which level; dates spread over the last two years, sources over the four kinds.
        mixed = "(hashint8extended((a.id * 64 + c.id)::bigint, {salt}) & 2147483647)"
        rows = execute(
            "INSERT INTO skills_competencelevel (agent_id, competence_id, level, source, label, observed_at) "
            f"SELECT a.id, c.id, mod({mixed.format(salt=2)}, 9), "
            f"  (ARRAY['positioning', 'positioning', 'course', 'quiz', 'pix'])[1 + mod({mixed.format(salt=3)}, 5)], "
            "  'Banc d''essai', now() - make_interval(days => mod("
            f"{mixed.format(salt=4)}, 730)::int) "
            "FROM people_agent a CROSS JOIN skills_competence c "
            f"WHERE a.organisation_id = %s AND a.user_id <> %s AND mod({mixed.format(salt=1)}, 100) < %s",
            [organisation.pk, hr_user.pk, ASSESSED_PERCENT],
        )
        step("competence levels", started, rows)

        started = time.perf_counter()
        competences = list(Competence.objects.order_by("code").values_list("pk", flat=True))
        targets = []
        jobs, per_job = JOB_TARGETS
        for job in rng.sample(JOB_TITLES, jobs):
            for competence_id in rng.sample(competences, per_job):
                targets.append(Target(organisation=organisation, competence_id=competence_id, job_title=job))
        for service in directions + rng.sample(services, SERVICE_TARGETS):
            targets.append(Target(organisation=organisation, competence_id=rng.choice(competences), service=service))
        for target in targets:
            target.level = rng.randint(2, 6)
        Target.objects.bulk_create(targets)
        step("targets", started, len(targets))
        execute(
            f"INSERT INTO {MARKER_TABLE} (slug, params) VALUES (%s, %s)", [SLUG, json.dumps(dataset_params(arguments))]
        )
    started = time.perf_counter()
    execute("ANALYZE people_user, people_agent, people_service, skills_competencelevel, skills_target")
    step("ANALYZE", started)


# --- measuring ------------------------------------------------------------------------------------


@dataclass
class Measure:
    name: str
    wall_ms: list[float]
    cpu_ms: list[float]
    queries: list[int]
    slowest_ms: list[float]  # the slowest query of each run, as the database driver timed it

    @property
    def median(self) -> float:
        return statistics.median(self.wall_ms)

    @property
    def p90(self) -> float:
        ordered = sorted(self.wall_ms)
        return ordered[max(0, -(-len(ordered) * 90 // 100) - 1)]  # nearest rank

    @property
    def fixed(self) -> bool:
        return min(self.queries) == max(self.queries)


def measure(name: str, run: Callable[[], object], arguments, check: Callable[[object], None]) -> Measure:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _warmup in range(arguments.warmups):
        check(run())
    item = Measure(name, [], [], [], [])
    for _run in range(arguments.runs):
        with CaptureQueriesContext(connection) as captured:
            wall, cpu = time.perf_counter(), time.process_time()
            result = run()
            item.wall_ms.append((time.perf_counter() - wall) * 1000)
            item.cpu_ms.append((time.process_time() - cpu) * 1000)
        item.queries.append(len(captured.captured_queries))
        item.slowest_ms.append(max((float(query["time"]) * 1000 for query in captured.captured_queries), default=0.0))
        check(result)
    return item


def expect(condition: bool, message: str) -> None:
    if not condition:
        sys.exit(f"Wrong result, no figures: {message}")


def heatmap_check(organisation_id: int, parent, rows: int):
    """A check of the selector's result against counts made directly in the database."""
    from people.models import Agent
    from skills.models import CompetenceLevel

    agents = Agent.objects.filter(organisation_id=organisation_id, is_active=True)
    levels = CompetenceLevel.objects.filter(agent__organisation_id=organisation_id)
    if parent is not None:
        agents = agents.filter(service__path__startswith=parent.path)
        levels = levels.filter(agent__service__path__startswith=parent.path)
    expected_agents, expected_assessed = agents.count(), levels.count()

    def check(heatmap) -> None:
        expect(len(heatmap.rows) == rows, f"{len(heatmap.rows)} rows instead of {rows}")
        expect(heatmap.total.agents == expected_agents, f"{heatmap.total.agents} agents, not {expected_agents}")
        expect(sum(row.agents for row in heatmap.rows) == expected_agents, "rows do not add up to the total")
        assessed = sum(cell.assessed for cell in heatmap.total.cells)
        expect(assessed == expected_assessed, f"{assessed} levels counted, not {expected_assessed}")
        expect(any(cell.with_target for cell in heatmap.total.cells), "no cell has a target")

    return check


def page_check(response) -> None:
    expect(response.status_code == 200, f"the heatmap page answered {response.status_code}")


def print_table(measures: list[Measure]) -> None:
    header = (
        f"{'case':<44} {'median ms':>10} {'p90 ms':>8} {'min ms':>8} {'CPU ms':>8} {'slowest q':>10} {'queries':>8}"
    )
    print(header)
    print("-" * len(header))
    for item in measures:
        queries = str(item.queries[0]) if item.fixed else f"{min(item.queries)}-{max(item.queries)}"
        print(
            f"{item.name:<44} {item.median:>10.1f} {item.p90:>8.1f} {min(item.wall_ms):>8.1f} "
            f"{statistics.median(item.cpu_ms):>8.1f} {statistics.median(item.slowest_ms):>10.1f} {queries:>8}"
        )


def main() -> int:
    arguments = parse_arguments()
    name, created = prepare_database()
    if created:
        print(f"created the database {name}; migrating…", flush=True)
    set_up_django(os.environ["DATABASE_URL"])
    logging.getLogger("axes").setLevel(logging.WARNING)  # one INFO line per force_login otherwise
    import django
    from django.db import connection
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    from people.models import Organisation, Service, User
    from skills.models import CompetenceLevel, Target
    from skills.selectors import service_heatmap

    connection.settings_dict["CONN_MAX_AGE"] = None  # one backend for the whole run
    print(f"Skills heatmap bench — {database_label()}")
    print(
        f"Python {platform.python_version()}, Django {django.get_version()}, "
        f"settings {os.environ['DJANGO_SETTINGS_MODULE']}, DEBUG={os.environ['DEBUG']}, "
        f"load average {' '.join(f'{value:.2f}' for value in os.getloadavg())}, {os.cpu_count()} CPUs",
        flush=True,
    )
    if arguments.rebuild or built_params() != dataset_params(arguments):
        started = time.perf_counter()
        build(arguments)
        print(f"dataset built in {time.perf_counter() - started:.1f} s", flush=True)
    else:
        print("dataset reused (--rebuild to build it again)")
    organisation = Organisation.objects.get(slug=SLUG)
    levels = CompetenceLevel.objects.filter(agent__organisation=organisation).count()
    print(
        f"organisation {SLUG}: {organisation.agents.filter(is_active=True).count():,} active agents (HR included), "
        f"{Service.objects.filter(organisation=organisation).count()} services, "
        f"{organisation.agents.values('job_title').distinct().count()} job titles, {levels:,} competence levels, "
        f"{Target.objects.filter(organisation=organisation).count()} targets"
    )
    print(f"{arguments.warmups} warm-up(s) then {arguments.runs} measured runs per case", flush=True)
    print()

    direction = Service.objects.filter(organisation=organisation, depth=1).order_by("path").first()
    children = Service.objects.filter(organisation=organisation, depth=2, path__startswith=direction.path).count()
    top_check = heatmap_check(organisation.pk, None, DIRECTION_COUNT)
    direction_check = heatmap_check(organisation.pk, direction, children + 1)  # + the HR agent, attached directly
    measures = [
        measure(
            "service_heatmap(), top (4 directions)",
            lambda: service_heatmap(organisation_id=organisation.pk),
            arguments,
            top_check,
        ),
        measure(
            "service_heatmap(parent=direction) (5 services)",
            lambda: service_heatmap(organisation_id=organisation.pk, parent=direction),
            arguments,
            direction_check,
        ),
    ]
    try:
        url = reverse("skills:heatmap")
    except NoReverseMatch:
        url = None
        note = "the page skills:heatmap does not exist yet: HTTP timings skipped"
    if url:
        client = Client(SERVER_NAME="localhost", raise_request_exception=True)
        client.force_login(User.objects.get(email=HR_EMAIL))
        measures.append(measure(f"GET {url}", lambda: client.get(url), arguments, page_check))
        drilled = f"{url}?service={direction.pk}"
        measures.append(measure(f"GET {drilled}", lambda: client.get(drilled), arguments, page_check))
    print_table(measures)
    print()
    if not url:
        print(note)
    selector_queries = {item.queries[0] for item in measures[:2]}
    fixed = all(item.fixed for item in measures) and len(selector_queries) == 1
    print(
        "queries: "
        + ("fixed" if fixed else "NOT fixed")
        + " (the same on every run of a case, and the same for the selector at the top and in a direction)"
    )
    missed = [item.name for item in measures if item.median >= TARGET_MS]
    print(f"target: median < {TARGET_MS:.0f} ms: " + ("met" if not missed else "MISSED by " + ", ".join(missed)))
    return 1 if arguments.check and (missed or not fixed) else 0


if __name__ == "__main__":
    sys.exit(main())
