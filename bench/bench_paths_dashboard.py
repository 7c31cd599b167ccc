"""Paths dashboard bench: the HR dashboards of a training path assigned to 50,000 agents, and the CSV export
of 250,000 agent assignments.

The bench builds (once; later runs reuse it) a dedicated PostgreSQL database holding two organisations of
different sizes (50,000 and 5,000 agents; 5,000 and 500 with --quick), each with a three-level tree of 20
services, an HR agent, and 5 training paths of 3 steps (5 shared courses) each assigned to every agent of
its organisation: 5 × 50,000 = 250,000 agent assignments in the large one, about 40 % completed, 25 % in
progress, 20 % overdue and 15 % not started, with assignment, due and completion dates spread over five
months. Users, agents and agent assignments are generated set-based in SQL (INSERT … SELECT over
generate_series). Then, signed in as each organisation's HR agent through Django's test client, it requests
each page 3 times to warm up and 30 times measured:

  overview (5 paths)        paths:hr_dashboard
  path dashboard            paths:path_dashboard of the first path (services, categories, 12-week trend)
  agents, page 1            paths:path_agents, sorted by name
  agents, last page         the same list, its last page
  agents, filtered          a direction and its sub-services, overdue only, sorted by due date, page 2
  agents, search            a name typed in the search box

and streams the CSV export of every assignment (paths:export_status_csv: 250,000 rows), chunk by chunk,
recording the time, the rows and the process's peak resident memory. Targets (the issue): a fixed number of
queries and a median under 300 ms for the dashboard pages; the export streamed, with a peak memory under
200 MB.

    .venv/bin/python bench/bench_paths_dashboard.py --quick     # 5,000 and 500 agents: a smoke run
    .venv/bin/python bench/bench_paths_dashboard.py             # 50,000 and 5,000 agents

PostgreSQL only, in a database of its own: capnum_bench_paths on DATABASE_URL's server when DATABASE_URL is
PostgreSQL, else on postgres://postgres@127.0.0.1:5432; PATHS_BENCH_DATABASE_URL overrides both (the name
must contain "bench"). See bench/README.md ("The paths dashboard bench").
"""

# The generation SQL is built with f-strings from integers the script computes and table names it names
# itself, never from input: S608 does not apply.
# ruff: noqa: S608

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import platform
import resource
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import QueryCounter, database_label, set_up_django  # noqa: E402
from bench.datasets import FEMALE_FIRST_NAMES, JOBS, LAST_NAMES, MALE_FIRST_NAMES, service_tree  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/capnum_bench_paths"
POSTGRES_SCHEMES = ("postgres", "postgresql", "pgsql")
MARKER_TABLE = "bench_paths_dataset"
DATASET_VERSION = 1  # bump when the generated data changes shape: older organisations are rebuilt
COURSE_SLUG_PREFIX = "bench-paths-cours-"
SERVICES = 20
STEPS_PER_PATH = 3
TARGET_PAGE_MS = 300.0
TARGET_PEAK_MIB = 200.0
FULL_SIZES = (50_000, 5_000)
QUICK_SIZES = (5_000, 500)
SEARCH_WORD = "martin"  # "Martin" and "Saint-Martin" are among the generated last names
COURSE_TITLES = (
    "Reconnaître un courriel d'hameçonnage",
    "Choisir et garder ses mots de passe",
    "Protéger les données des usagers",
    "Travailler avec les outils collaboratifs",
    "Accueillir les usagers sur les démarches en ligne",
)
PATH_TITLES = (
    "Cybersécurité au quotidien",
    "Bien démarrer au numérique",
    "RGPD : les bons réflexes",
    "Travailler en équipe à distance",
    "Accueil numérique des usagers",
    "Sobriété numérique",
    "Signature électronique",
    "Données ouvertes",
)
# Status shares of the generated agent assignments, in percent (cumulative bounds in the SQL below).
SHARES = {"completed": 40, "in_progress": 25, "overdue": 20, "not_started": 15}


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--agents", type=int, help="agents of the measured organisation (50000; 5000 with --quick)")
    parser.add_argument(
        "--small-agents", type=int, help="agents of the smaller organisation, to compare query counts (5000; 500)"
    )
    parser.add_argument("--quick", action="store_true", help="a smoke run: 5000 and 500 agents unless given")
    parser.add_argument("--paths", type=int, default=5, help="paths per organisation, each assigned to every agent")
    parser.add_argument("--requests", type=int, default=30, help="measured requests per page (default: %(default)s)")
    parser.add_argument("--warmups", type=int, default=3, help="unmeasured requests first (default: %(default)s)")
    parser.add_argument("--export-runs", type=int, default=2, help="CSV exports streamed per organisation (2)")
    parser.add_argument("--skip-export", action="store_true", help="measure the dashboards only")
    parser.add_argument("--fresh", action="store_true", help="drop and create the database, then build everything")
    parser.add_argument("--regenerate", action="store_true", help="generate both organisations again")
    parser.add_argument(
        "--queries", action="store_true", help="print each page's queries (one request) with their time, slowest first"
    )
    parser.add_argument(
        "--explain", action="store_true", help="print EXPLAIN (ANALYZE, BUFFERS) of each page's two slowest SELECTs"
    )
    parser.add_argument(
        "--tracemalloc", action="store_true", help="one more export per organisation under tracemalloc (heap peak)"
    )
    parser.add_argument(
        "--check", action="store_true", help="exit with status 1 when a target is missed or a query count moves"
    )
    arguments = parser.parse_args()
    big, small = QUICK_SIZES if arguments.quick else FULL_SIZES
    arguments.agents = arguments.agents or big
    arguments.small_agents = arguments.small_agents or small
    if arguments.small_agents >= arguments.agents or arguments.small_agents < 120:
        parser.error("--small-agents must be at least 120 and fewer than --agents")
    if not 1 <= arguments.paths <= len(PATH_TITLES):
        parser.error(f"--paths must be between 1 and {len(PATH_TITLES)}")
    if arguments.requests < 1 or arguments.warmups < 0 or arguments.export_runs < 1:
        parser.error("--requests and --export-runs must be positive, --warmups zero or more")
    return arguments


# --- The database ---------------------------------------------------------------------------------


def bench_database_url() -> str:
    """PATHS_BENCH_DATABASE_URL if set; else DATABASE_URL's PostgreSQL server with the database
    capnum_bench_paths; else DEFAULT_DATABASE_URL. Never DATABASE_URL's own database."""
    explicit = os.environ.get("PATHS_BENCH_DATABASE_URL")
    if explicit:
        return explicit
    shared = urlsplit(os.environ.get("DATABASE_URL", ""))
    if shared.scheme in POSTGRES_SCHEMES:
        return urlunsplit(shared._replace(path="/" + urlsplit(DEFAULT_DATABASE_URL).path.lstrip("/")))
    return DEFAULT_DATABASE_URL


def prepare_database(fresh: bool) -> tuple[str, bool]:
    """Point DATABASE_URL at the bench database and create it when needed; return (its name, created)."""
    import psycopg

    url = os.environ["DATABASE_URL"] = bench_database_url()
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if parts.scheme not in POSTGRES_SCHEMES or not name:
        sys.exit(f"The paths dashboard bench needs PostgreSQL (generation is set-based SQL), not {url}.")
    if "bench" not in name:
        sys.exit(f"Refusing to use the database {name!r}: this bench only uses a database named *bench*.")
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    try:
        connection = psycopg.connect(maintenance, autocommit=True)
    except psycopg.OperationalError as exc:
        sys.exit(f"Cannot reach PostgreSQL at {parts.hostname or 'the local socket'} ({exc}).")
    with connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None
        if exists and fresh:
            connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = False
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')
    return name, not exists


def execute(sql: str, params=None):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else cursor.rowcount


def marker(part: str) -> tuple[dict, date] | None:
    """(params, base date of the generated dates) of a built part, or None."""
    execute(
        f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (part text PRIMARY KEY, params jsonb NOT NULL, "
        "base_date date NOT NULL, built_at timestamptz NOT NULL, seconds float NOT NULL)"
    )
    rows = execute(f"SELECT params, base_date FROM {MARKER_TABLE} WHERE part = %s", [part])
    if not rows:
        return None
    params, base_date = rows[0]
    return (json.loads(params) if isinstance(params, str) else params), base_date


def set_marker(part: str, params: dict | None, base_date: date | None = None, seconds: float = 0.0) -> None:
    execute(f"DELETE FROM {MARKER_TABLE} WHERE part = %s", [part])
    if params is not None:
        execute(
            f"INSERT INTO {MARKER_TABLE} (part, params, base_date, built_at, seconds) VALUES (%s, %s, %s, now(), %s)",
            [part, json.dumps(params), base_date, seconds],
        )


def hash_sql(value: str, salt: int) -> str:
    """A deterministic, well-mixed non-negative integer from `value` (SQL)."""
    return f"(hashint8extended(({value})::bigint, {salt}) & 2147483647)"


def timed_step(label: str, sql: str, params=None) -> int | None:
    started = time.perf_counter()
    rows = execute(sql, params)
    count = rows if isinstance(rows, int) and rows >= 0 else None
    print(
        f"  {label}: {time.perf_counter() - started:.1f} s" + (f", {count:,} rows" if count is not None else ""),
        flush=True,
    )
    return count


# --- The dataset ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Org:
    agents: int

    @property
    def slug(self) -> str:
        return f"bench-paths-{self.agents}"

    @property
    def domain(self) -> str:  # under the reserved bench domain: no address can receive mail
        return f"o{self.agents}.paths.ville-de-bench.example"

    @property
    def hr_email(self) -> str:
        return f"rh@{self.domain}"

    @property
    def label(self) -> str:
        return f"{self.agents:,} agents"


def build_courses() -> list[int]:
    """The 5 courses the paths' steps point to, built once through the page factories."""
    from django.db import transaction

    from courses.factories import CatalogPageFactory, CoursePageFactory
    from courses.models import CoursePage

    slugs = [f"{COURSE_SLUG_PREFIX}{number}" for number in range(1, len(COURSE_TITLES) + 1)]
    existing = dict(CoursePage.objects.live().filter(slug__in=slugs).values_list("slug", "pk"))
    if len(existing) < len(slugs):
        catalog = CatalogPageFactory()
        for slug, title in zip(slugs, COURSE_TITLES, strict=True):
            if slug not in existing:
                with transaction.atomic():
                    existing[slug] = CoursePageFactory(
                        parent=catalog, slug=slug, title=title, duration_minutes=45, competences=(("3.4", 2),)
                    ).pk
        print(f"  courses: {len(slugs)} built", flush=True)
    return [existing[slug] for slug in slugs]


def organisation_params(org: Org, paths: int, course_ids: list[int]) -> dict:
    return {
        "version": DATASET_VERSION,
        "agents": org.agents,
        "paths": paths,
        "services": SERVICES,
        "courses": course_ids,
    }


def wipe_organisation(org: Org) -> None:
    """Delete an organisation of this bench and everything generated for it (nothing else refers to it in
    the bench's own database; a reference the bench does not know stops the commit with an error)."""
    rows = execute("SELECT id FROM people_organisation WHERE slug = %s", [org.slug])
    if rows:
        organisation = rows[0][0]
        paths = "SELECT id FROM paths_trainingpath WHERE organisation_id = %(o)s"
        agents = "SELECT id FROM people_agent WHERE organisation_id = %(o)s"
        items = f"SELECT id FROM paths_agentassignment WHERE path_id IN ({paths}) OR agent_id IN ({agents})"
        assignments = "SELECT id FROM paths_assignment WHERE organisation_id = %(o)s"
        for statement in (
            f"DELETE FROM paths_notificationlog WHERE agent_assignment_id IN ({items})",
            f"DELETE FROM paths_pathcompletion WHERE agent_id IN ({agents}) OR path_id IN ({paths})",
            f"DELETE FROM paths_agentassignment WHERE id IN ({items})",
            f"DELETE FROM paths_assignment_agents WHERE assignment_id IN ({assignments})",
            f"DELETE FROM paths_assignment_services WHERE assignment_id IN ({assignments})",
            "DELETE FROM paths_assignment WHERE organisation_id = %(o)s",
            f"DELETE FROM paths_pathstep WHERE path_id IN ({paths})",
            "DELETE FROM paths_trainingpath WHERE organisation_id = %(o)s",
            "DELETE FROM paths_exportfile WHERE organisation_id = %(o)s",
            "DELETE FROM paths_remindersettings WHERE organisation_id = %(o)s",
            "DELETE FROM people_agentimport WHERE organisation_id = %(o)s",
            f"DELETE FROM paths_digestlog WHERE manager_id IN ({agents})",
            f"DELETE FROM people_notification WHERE agent_id IN ({agents})",
            "DELETE FROM people_agent WHERE organisation_id = %(o)s",
            "DELETE FROM people_service WHERE organisation_id = %(o)s",
            "DELETE FROM people_organisation WHERE id = %(o)s",
        ):
            execute(statement, {"o": organisation})
    domain = {"d": f"%@{org.domain}"}
    execute(
        "DELETE FROM people_user_groups WHERE user_id IN (SELECT id FROM people_user WHERE email LIKE %(d)s)", domain
    )
    execute("DELETE FROM people_user WHERE email LIKE %(d)s", domain)


def create_services(organisation) -> list:
    """20 services (3 directions, 11 services, 6 units), named as in bench.datasets, in tree order."""
    from people.models import Service

    nodes = []
    for node in service_tree(SERVICES):
        name, full_name = node.path[-1], Service.SEPARATOR.join(node.path)
        if node.parent is None:
            nodes.append(Service.add_root(organisation=organisation, name=name, full_name=full_name))
        else:
            parent = Service.objects.get(pk=nodes[node.parent].pk)  # fresh: add_child reads numchild
            nodes.append(parent.add_child(organisation=organisation, name=name, full_name=full_name))
    return list(Service.objects.filter(organisation=organisation).order_by("path"))


def build_organisation(org: Org, arguments, course_ids: list[int], today: date) -> tuple[str, float]:
    """Build (or reuse, moving its dates to today) one organisation; return (what happened, seconds)."""
    from django.contrib.auth.models import Group
    from django.db import transaction
    from django.utils import timezone

    from paths.models import Assignment, PathStep, TrainingPath
    from people.models import Agent, Organisation, User
    from people.roles import HR_GROUP

    part = f"organisation-{org.agents}"
    params = organisation_params(org, arguments.paths, course_ids)
    found = marker(part)
    if found and found[0] == params and not arguments.regenerate:
        shift = (today - found[1]).days
        if shift:
            move_dates(org, shift, today)
            return f"reused, dates moved {shift:+d} days", 0.0
        return "reused", 0.0
    print(f"building the organisation of {org.label}…", flush=True)
    started = time.perf_counter()
    set_marker(part, None)
    first_names = list(FEMALE_FIRST_NAMES + MALE_FIRST_NAMES)
    jobs = [job for titles in JOBS.values() for job in titles]
    with transaction.atomic():
        wipe_organisation(org)
        organisation = Organisation.objects.create(
            slug=org.slug, name=f"Communauté du Banc d'Essai ({org.label})", kind=Organisation.Kind.COMMUNE
        )
        services = create_services(organisation)
        hr_user = User.objects.create_user(org.hr_email, first_name="Hélène", last_name="Ressources")
        Agent.objects.create(
            user=hr_user,
            organisation=organisation,
            service=services[0],
            job_title="Responsable des ressources humaines",
            category=Agent.Category.A,
            matricule="RH0001",
        )
        hr_user.groups.add(Group.objects.get(name=HR_GROUP))
        assigned_at = timezone.now() - timedelta(days=150)
        paths = []
        for rank in range(arguments.paths):
            path = TrainingPath.objects.create(
                organisation=organisation, title=PATH_TITLES[rank], description="Parcours du banc d'essai."
            )
            for position in range(STEPS_PER_PATH):
                PathStep.objects.create(
                    path=path, course_id=course_ids[(rank + position) % len(course_ids)], position=position
                )
            assignment = Assignment.objects.create(
                organisation=organisation,
                path=path,
                due_mode=Assignment.DueMode.AFTER_ASSIGNMENT,
                due_days=90,
                live=True,
                assigned_at=assigned_at,
                state=Assignment.State.READY,
                total=org.agents,
                processed=org.agents,
            )
            paths.append((rank, path.pk, assignment.pk))

        # The rows are generated consistent: skip the per-row foreign-key triggers (checked afterwards).
        execute("SET LOCAL session_replication_role = replica")
        execute("SET LOCAL work_mem = '256MB'")
        execute("SET LOCAL synchronous_commit = off")
        # The planner over-estimates generate_series and the temp table; JIT would then compile the INSERT
        # for seconds. (The measured requests run with the server's own JIT setting.)
        execute("SET LOCAL jit = off")
        user_base = execute("SELECT coalesce(max(id), 0) FROM people_user")[0][0]
        agent_base = execute("SELECT coalesce(max(id), 0) FROM people_agent")[0][0]
        service_ids = [service.pk for service in services]
        timed_step(
            "users",
            "INSERT INTO people_user (id, password, last_login, is_superuser, first_name, last_name, is_staff, "
            "is_active, date_joined, email, invited_at) "
            f"SELECT %s + r, '!', NULL, false, "
            f"  (%s::text[])[1 + mod({hash_sql('r', 11)}, %s)], (%s::text[])[1 + mod({hash_sql('r', 12)}, %s)], "
            f"  false, true, %s::timestamptz - make_interval(days => mod({hash_sql('r', 13)}, 2000)::int), "
            "  'agent' || lpad(r::text, 6, '0') || %s, NULL "
            "FROM generate_series(1, %s) AS r",
            [
                user_base,
                first_names,
                len(first_names),
                list(LAST_NAMES),
                len(LAST_NAMES),
                timezone.now(),
                f"@{org.domain}",
                org.agents,
            ],
        )
        # Services: uniform over the 20 (so each direction's subtree holds several), 1 % without one.
        timed_step(
            "agents",
            "INSERT INTO people_agent (id, job_title, category, status, hire_date, matricule, is_active, "
            "created_at, updated_at, manager_id, user_id, organisation_id, service_id) "
            f"SELECT %s + r, (%s::text[])[1 + mod({hash_sql('r', 21)}, %s)], "
            f"  (ARRAY['A', 'B', 'B', 'C', 'C', 'C', 'C', 'C', 'C', ''])[1 + mod({hash_sql('r', 22)}, 10)], "
            "  (ARRAY['titulaire', 'titulaire', 'titulaire', 'contractuel', 'other'])"
            f"[1 + mod({hash_sql('r', 23)}, 5)], "
            f"  date '1990-01-01' + mod({hash_sql('r', 24)}, 12500)::int, 'M' || lpad(r::text, 6, '0'), true, "
            "  now(), now(), NULL, %s + r, %s, "
            f"  CASE WHEN mod({hash_sql('r', 25)}, 100) = 0 THEN NULL "
            f"       ELSE (%s::bigint[])[1 + mod({hash_sql('r', 26)}, %s)] END "
            "FROM generate_series(1, %s) AS r",
            [agent_base, jobs, len(jobs), user_base, organisation.pk, service_ids, len(service_ids), org.agents],
        )
        execute("CREATE TEMP TABLE bench_path (rank int, path_id bigint, assignment_id bigint) ON COMMIT DROP")
        execute(
            "INSERT INTO bench_path SELECT * FROM unnest(%s::int[], %s::bigint[], %s::bigint[])",
            [[rank for rank, _p, _a in paths], [p for _r, p, _a in paths], [a for _r, _p, a in paths]],
        )
        # Status first (40 % completed, 25 % in progress, 20 % overdue, 15 % not started), then dates that
        # give it on the base day: assigned `age` days ago, due 90 days after assignment. Overdue ones were
        # assigned 91-150 days ago; open ones 1-90 days ago; 60 % of the completed ones on the day of the
        # campaign (150 days ago), the others since. Completed ones finished between assignment and yesterday.
        bounds = (
            SHARES["completed"],
            SHARES["completed"] + SHARES["in_progress"],
            SHARES["completed"] + SHARES["in_progress"] + SHARES["overdue"],
        )
        at = "((%(base)s::date - age + ({days})::int) + time '{clock}') AT TIME ZONE 'Europe/Paris'"
        timed_step(
            "agent assignments",
            "INSERT INTO paths_agentassignment (assignment_id, agent_id, path_id, cycle, assigned_on, due_date, "
            "started_at, completed_at, expires_on, renewed, cancelled_at) "
            "SELECT assignment_id, agent_id, path_id, 1, %(base)s::date - age, %(base)s::date - age + 90, "
            f"  CASE WHEN bucket < {bounds[0]} THEN {at.format(days='mod(h4, age) / 2', clock='10:00')} "
            f"       WHEN bucket < {bounds[1]} THEN {at.format(days='mod(h4, age)', clock='10:00')} "
            f"       WHEN bucket < {bounds[2]} AND mod(h2, 10) < 6 THEN {at.format(days='mod(h4, 30)', clock='10:00')} "
            "  END, "
            f"  CASE WHEN bucket < {bounds[0]} THEN {at.format(days='mod(h4, age)', clock='15:00')} END, "
            "  NULL, false, NULL "
            "FROM ("
            "  SELECT *, CASE "
            f"      WHEN bucket < {bounds[0]} THEN CASE WHEN mod(h2, 10) < 6 THEN 150 ELSE 1 + mod(h3, 149) END "
            f"      WHEN bucket < {bounds[1]} THEN 1 + mod(h3, 90) "
            f"      WHEN bucket < {bounds[2]} THEN 91 + mod(h3, 60) "
            "       ELSE 1 + mod(h3, 90) END::int AS age "
            "  FROM ("
            "    SELECT p.rank, p.path_id, p.assignment_id, %(agent_base)s + r AS agent_id, "
            f"      mod({hash_sql('r * 8 + p.rank', 51)}, 100) AS bucket, {hash_sql('r * 8 + p.rank', 52)} AS h2, "
            f"      {hash_sql('r * 8 + p.rank', 53)} AS h3, {hash_sql('r * 8 + p.rank', 54)} AS h4 "
            "    FROM bench_path p CROSS JOIN generate_series(1, %(agents)s) AS r"
            "  ) AS hashed"
            ") AS dated ORDER BY rank, agent_id",
            {"base": today, "agent_base": agent_base, "agents": org.agents},
        )
        for table in ("people_user", "people_agent"):
            execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        execute("SET LOCAL session_replication_role = DEFAULT")
        check_references(organisation.pk)
        seconds = time.perf_counter() - started
        set_marker(part, params, today, seconds)
    vacuum()
    return f"built in {time.perf_counter() - started:.0f} s", time.perf_counter() - started


def check_references(organisation_id: int) -> None:
    """The foreign-key triggers were off during the load: check what they would have checked."""
    dangling = execute(
        "SELECT (SELECT count(*) FROM paths_agentassignment x "
        "        WHERE NOT EXISTS (SELECT 1 FROM people_agent a WHERE a.id = x.agent_id) "
        "           OR NOT EXISTS (SELECT 1 FROM paths_assignment s WHERE s.id = x.assignment_id) "
        "           OR NOT EXISTS (SELECT 1 FROM paths_trainingpath p WHERE p.id = x.path_id)), "
        "       (SELECT count(*) FROM people_agent a WHERE a.organisation_id = %s AND ("
        "           NOT EXISTS (SELECT 1 FROM people_user u WHERE u.id = a.user_id) "
        "           OR (a.service_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM people_service s "
        "               WHERE s.id = a.service_id AND s.organisation_id = a.organisation_id))))",
        [organisation_id],
    )[0]
    if any(dangling):
        sys.exit(f"generated rows refer to missing rows (agent assignments, agents): {dangling}")


def move_dates(org: Org, days: int, today: date) -> None:
    """Move every generated date of an organisation by `days`, so that the statuses stay those of the build."""
    started = time.perf_counter()
    organisation = execute("SELECT id FROM people_organisation WHERE slug = %s", [org.slug])[0][0]
    execute(
        "UPDATE paths_agentassignment SET assigned_on = assigned_on + %(d)s, due_date = due_date + %(d)s, "
        "started_at = started_at + make_interval(days => %(d)s), "
        "completed_at = completed_at + make_interval(days => %(d)s) "
        "WHERE path_id IN (SELECT id FROM paths_trainingpath WHERE organisation_id = %(o)s)",
        {"d": days, "o": organisation},
    )
    execute(
        "UPDATE paths_assignment SET assigned_at = assigned_at + make_interval(days => %(d)s) "
        "WHERE organisation_id = %(o)s",
        {"d": days, "o": organisation},
    )
    execute(f"UPDATE {MARKER_TABLE} SET base_date = %s WHERE part = %s", [today, f"organisation-{org.agents}"])
    vacuum()
    print(f"  {org.label}: dates moved {days:+d} days in {time.perf_counter() - started:.1f} s", flush=True)


def vacuum() -> None:
    started = time.perf_counter()
    execute(
        "VACUUM (ANALYZE) people_user, people_agent, people_service, paths_trainingpath, paths_pathstep, "
        "paths_assignment, paths_agentassignment"
    )
    print(f"  VACUUM (ANALYZE): {time.perf_counter() - started:.1f} s", flush=True)


# --- What the pages must show (computed in SQL, independently of the selectors) --------------------


@dataclass
class Expected:
    organisation_id: int
    paths: list[tuple[int, str, str]]  # (id, uuid, title) ordered by title
    figures: dict[int, tuple[int, int, int, int, int]]  # path id -> assigned, completed, in progress, …
    service_rows: int  # rows of the path dashboard's service table
    direction: tuple[int, str]  # the filtered list's service: (id, tree path)
    filtered: int  # agents of the first path in that subtree, overdue
    searched: int  # agents of the first path matching SEARCH_WORD
    export_rows: int


def expected_for(org: Org, today: date) -> Expected:
    organisation_id = execute("SELECT id FROM people_organisation WHERE slug = %s", [org.slug])[0][0]
    paths = [
        (pk, str(uuid), title)
        for pk, uuid, title in execute(
            "SELECT id, uuid, title FROM paths_trainingpath WHERE organisation_id = %s AND archived_at IS NULL "
            "ORDER BY title, id",
            [organisation_id],
        )
    ]
    scope = (
        "FROM paths_agentassignment x JOIN people_agent a ON a.id = x.agent_id "
        "WHERE a.organisation_id = %(o)s AND a.is_active AND x.cancelled_at IS NULL"
    )
    figures = {
        row[0]: tuple(row[1:])
        for row in execute(
            "SELECT x.path_id, count(*), count(*) FILTER (WHERE x.completed_at IS NOT NULL), "
            "  count(*) FILTER (WHERE x.completed_at IS NULL AND x.due_date >= %(t)s AND x.started_at IS NOT NULL), "
            "  count(*) FILTER (WHERE x.completed_at IS NULL AND x.due_date >= %(t)s AND x.started_at IS NULL), "
            f"  count(*) FILTER (WHERE x.completed_at IS NULL AND x.due_date < %(t)s) {scope} GROUP BY x.path_id",
            {"o": organisation_id, "t": today},
        )
    }
    first = paths[0][0]
    used = [
        node_path
        for (node_path,) in execute(
            "SELECT DISTINCT s.path FROM paths_agentassignment x JOIN people_agent a ON a.id = x.agent_id "
            "JOIN people_service s ON s.id = a.service_id WHERE x.path_id = %s AND a.is_active",
            [first],
        )
    ]
    from people.models import Service

    steplen = Service.steplen
    shown = {node_path[: level * steplen] for node_path in used for level in range(1, len(node_path) // steplen + 1)}
    without_service = execute(
        "SELECT count(*) FROM paths_agentassignment x JOIN people_agent a ON a.id = x.agent_id "
        "WHERE x.path_id = %s AND a.service_id IS NULL AND a.is_active",
        [first],
    )[0][0]
    direction = tuple(
        execute(
            "SELECT id, path FROM people_service WHERE organisation_id = %s AND depth = 1 ORDER BY path LIMIT 1",
            [organisation_id],
        )[0]
    )
    filtered = execute(
        "SELECT count(*) FROM paths_agentassignment x JOIN people_agent a ON a.id = x.agent_id "
        "JOIN people_service s ON s.id = a.service_id "
        "WHERE x.path_id = %s AND a.is_active AND x.cancelled_at IS NULL AND s.path LIKE %s "
        "AND x.completed_at IS NULL AND x.due_date < %s",
        [first, direction[1] + "%", today],
    )[0][0]
    pattern = f"%{SEARCH_WORD}%"
    searched = execute(
        "SELECT count(*) FROM paths_agentassignment x JOIN people_agent a ON a.id = x.agent_id "
        "JOIN people_user u ON u.id = a.user_id WHERE x.path_id = %s AND a.is_active AND x.cancelled_at IS NULL "
        "AND (u.first_name ILIKE %s OR u.last_name ILIKE %s OR u.email ILIKE %s OR a.matricule ILIKE %s)",
        [first, pattern, pattern, pattern, SEARCH_WORD],
    )[0][0]
    export_rows = execute(
        "SELECT count(*) FROM paths_agentassignment x JOIN people_agent a ON a.id = x.agent_id "
        "WHERE a.organisation_id = %s AND a.is_active AND x.cancelled_at IS NULL AND NOT x.renewed",
        [organisation_id],
    )[0][0]
    return Expected(
        organisation_id=organisation_id,
        paths=paths,
        figures=figures,
        service_rows=len(shown) + (1 if without_service else 0),
        direction=direction,
        filtered=filtered,
        searched=searched,
        export_rows=export_rows,
    )


def figure_cells(figures: tuple[int, int, int, int, int]) -> str:
    """The cells of templates/paths/dashboard/_figures_cells.html for these figures (French formatting)."""
    from django.contrib.humanize.templatetags.humanize import intcomma
    from django.utils import translation

    assigned, completed, in_progress, not_started, overdue = figures
    rate = completed * 100 // assigned if assigned else 0
    with translation.override("fr"):
        cells = [intcomma(value) for value in (assigned, completed, in_progress, not_started, overdue)]
    return "".join(f"<td>{cell}</td>\n" for cell in cells) + f"<td>{rate}&#8239;%</td>"


# --- Measuring ------------------------------------------------------------------------------------


def expect(condition: bool, message: str) -> None:
    if not condition:
        sys.exit(f"bench check failed: {message}")


@dataclass(frozen=True)
class Sample:
    seconds: float  # wall clock
    cpu: float  # this process (time.process_time)
    db_cpu: float | None  # the PostgreSQL backend serving this connection (/proc/<pid>/schedstat)
    waiting: float | None  # both processes ready to run but waiting for a CPU (run queue, same source)
    queries: int


def nearest_rank(values: list[float], percent: int) -> float:
    ordered = sorted(values)
    return ordered[max(0, -(-percent * len(ordered) // 100) - 1)]


@dataclass
class Measure:
    org: Org
    name: str
    url: str
    samples: list[Sample] = field(default_factory=list)
    captured: list[dict] = field(default_factory=list)  # the queries of one more request (CaptureQueriesContext)
    size: int = 0

    @property
    def milliseconds(self) -> list[float]:
        return [sample.seconds * 1000 for sample in self.samples]

    @property
    def queries(self) -> list[int]:
        return [sample.queries for sample in self.samples] + [len(self.captured)]

    @property
    def median(self) -> float:
        return statistics.median(self.milliseconds)

    @property
    def p95(self) -> float:
        return nearest_rank(self.milliseconds, 95)

    def median_of(self, name: str) -> float | None:
        values = [getattr(sample, name) for sample in self.samples]
        return None if None in values else statistics.median(values) * 1000

    @property
    def busy(self) -> float | None:
        """Median of this process's CPU plus the database backend's (parallel workers not counted): the time
        the request needs when each process has a CPU to itself."""
        values = [sample.cpu + sample.db_cpu for sample in self.samples if sample.db_cpu is not None]
        return statistics.median(values) * 1000 if len(values) == len(self.samples) else None

    @property
    def met(self) -> bool:
        return self.median < TARGET_PAGE_MS


class SchedStat:
    """CPU time of this process and of the PostgreSQL backend serving Django's connection, from
    /proc/<pid>/schedstat (nanoseconds); only when the database runs on this machine."""

    def __init__(self) -> None:
        from django.db import connection

        connection.ensure_connection()
        self.backend = execute("SELECT pg_backend_pid()")[0][0]
        host = connection.settings_dict.get("HOST") or "localhost"
        paths = (Path(f"/proc/{os.getpid()}/schedstat"), Path(f"/proc/{self.backend}/schedstat"))
        self.paths = paths if host in ("127.0.0.1", "localhost", "::1") and all(p.exists() for p in paths) else ()

    def read(self) -> tuple[int, int, int] | None:
        """(this process's CPU ns, the backend's CPU ns, both processes' run-queue wait ns)."""
        if not self.paths:
            return None
        try:
            own, backend = (tuple(int(value) for value in path.read_text().split()[:2]) for path in self.paths)
        except (OSError, ValueError):
            return None
        return own[0], backend[0], own[1] + backend[1]


def timed_request(client, url: str, schedstat: SchedStat) -> tuple[object, Sample]:
    from django.db import connection

    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        before = schedstat.read()
        started, cpu_started = time.perf_counter(), time.process_time()
        response = client.get(url)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        after = schedstat.read()
    db_cpu = waiting = None
    if before and after:
        db_cpu, waiting = (after[1] - before[1]) / 1e9, (after[2] - before[2]) / 1e9
    return response, Sample(elapsed, cpu, db_cpu, waiting, counter.count)


@dataclass(frozen=True)
class Page:
    name: str
    url: str
    check: object  # callable(response) exiting when the page is not what the data says


def pages_for(org: Org, expected: Expected, agents_per_page: int) -> list[Page]:
    from django.urls import reverse

    first_id, first_uuid, _title = expected.paths[0]
    first = expected.figures[first_id]

    def ok(response, url: str) -> str:
        expect(response.status_code == 200, f"{url} answered {response.status_code}")
        return response.content.decode()

    overview_url = reverse("paths:hr_dashboard")

    def overview_check(response):
        content = ok(response, overview_url)
        rows = content.count('<th scope="row"><a href="/')
        expect(rows == len(expected.paths), f"the overview lists {rows} paths, not {len(expected.paths)}")
        for pk, _uuid, title in expected.paths:
            expect(figure_cells(expected.figures[pk]) in content, f"the overview's figures of {title!r} are wrong")

    path_url = reverse("paths:path_dashboard", args=[first_uuid])

    def path_check(response):
        content = ok(response, path_url)
        expect(content.count("<svg") == 3, "the path dashboard does not draw its three charts")
        expect(figure_cells(first) in content, f"the path dashboard's total is not {first}")
        rows = content.count('<th scope="row" style="padding-left')
        expect(rows == expected.service_rows, f"the path dashboard shows {rows} services, not {expected.service_rows}")

    agents_url = reverse("paths:path_agents", args=[first_uuid])

    def list_check(url: str, total: int, page: int):
        pages = max(1, -(-total // agents_per_page))
        shown = min(agents_per_page, total - (page - 1) * agents_per_page)

        def check(response):
            content = ok(response, url)
            caption = f"{total} agents trouvés" if total > 1 else f"{total} agent trouvé"  # French: 0 and 1
            expect(caption in content, f"{url}: the list does not say {caption!r}")
            rows = content.count('<th scope="row"><a href="/')
            expect(rows == shown, f"{url}: {rows} agents on the page, not {shown}")
            if pages > 1:
                expect(f"Page {page} sur {pages}" in content, f"{url}: not page {page} of {pages}")

        return check

    assigned = first[0]
    last_page = max(1, -(-assigned // agents_per_page))
    filtered_page = 2 if expected.filtered > agents_per_page else 1
    filtered_query = urlencode(
        {"service": expected.direction[0], "statut": "overdue", "tri": "echeance", "page": filtered_page}
    )
    last_url = f"{agents_url}?page={last_page}"
    filtered_url = f"{agents_url}?{filtered_query}"
    search_url = f"{agents_url}?{urlencode({'q': SEARCH_WORD})}"
    return [
        Page(f"overview ({len(expected.paths)} paths)", overview_url, overview_check),
        Page(f"path dashboard ({assigned:,} agents)", path_url, path_check),
        Page("agents, page 1 (by name)", agents_url, list_check(agents_url, assigned, 1)),
        Page(f"agents, last page ({last_page})", last_url, list_check(last_url, assigned, last_page)),
        Page(
            f"agents, filtered ({expected.filtered:,})",
            filtered_url,
            list_check(filtered_url, expected.filtered, filtered_page),
        ),
        Page(f"agents, search ({expected.searched:,})", search_url, list_check(search_url, expected.searched, 1)),
    ]


def measure_page(client, org: Org, page: Page, arguments, schedstat: SchedStat) -> Measure:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _number in range(arguments.warmups):
        page.check(client.get(page.url))
    measure = Measure(org, page.name, page.url)
    for _number in range(arguments.requests):
        response, sample = timed_request(client, page.url, schedstat)
        page.check(response)
        measure.samples.append(sample)
    measure.size = len(response.content)
    # One more request with Django's own query capture: its count must be the counter's, and its queries
    # (SQL and time) are kept for --queries and --explain.
    with CaptureQueriesContext(connection) as captured:
        page.check(client.get(page.url))
    measure.captured = list(captured.captured_queries)
    return measure


# --- The CSV export -------------------------------------------------------------------------------

PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
MIB = 1024 * 1024


def current_rss() -> int:
    """Resident memory of this process now, in bytes (/proc/self/statm)."""
    try:
        return int(Path("/proc/self/statm").read_text().split()[1]) * PAGE_SIZE
    except (OSError, ValueError, IndexError):
        return 0


def reset_peak_rss() -> bool:
    """Reset the kernel's resident-memory high-water mark of this process (Linux ≥ 4.0), so that VmHWM
    afterwards is the peak of what follows alone."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def peak_rss() -> int | None:
    """VmHWM of this process, in bytes."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        return None
    return None


def ru_maxrss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


@dataclass
class ExportRun:
    org: Org
    rows: int
    seconds: float
    first_chunk: float
    cpu: float
    size: int
    chunks: int
    largest_chunk: int
    queries: int
    rss_before: int
    peak: int
    peak_exact: bool  # from the kernel's high-water mark (else sampled after each chunk)
    maxrss_before: int
    maxrss_after: int
    heap_peak: int | None = None

    @property
    def met(self) -> bool:
        return self.peak / MIB < TARGET_PEAK_MIB


def stream_export(client, org: Org, expected_rows: int, trace: bool = False) -> ExportRun:
    """GET the status export of every path, read the streamed body chunk by chunk, count its rows."""
    import tracemalloc

    from django.db import connection
    from django.http import StreamingHttpResponse
    from django.urls import reverse

    url = reverse("paths:export_status_csv")
    gc.collect()
    maxrss_before = ru_maxrss()
    rss_before = current_rss()
    exact = reset_peak_rss()
    if trace:
        tracemalloc.start()
    counter = QueryCounter()
    size = lines = chunks = largest = 0
    sampled_peak = rss_before
    first_chunk = None
    with connection.execute_wrapper(counter):
        started, cpu_started = time.perf_counter(), time.process_time()
        response = client.get(url)
        expect(response.status_code == 200, f"{url} answered {response.status_code}")
        expect(isinstance(response, StreamingHttpResponse), f"{url} is not streamed ({type(response).__name__})")
        for chunk in response.streaming_content:
            if first_chunk is None:
                first_chunk = time.perf_counter() - started
                expect(chunk.startswith("\ufeff".encode()), "the CSV does not start with a BOM")
            size += len(chunk)
            lines += chunk.count(b"\r\n")
            chunks += 1
            largest = max(largest, len(chunk))
            sampled_peak = max(sampled_peak, current_rss())
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    heap_peak = None
    if trace:
        heap_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    kernel_peak = peak_rss() if exact else None
    rows = lines - 1  # the header
    expect(rows == expected_rows, f"the export holds {rows:,} rows, not {expected_rows:,}")
    return ExportRun(
        org=org,
        rows=rows,
        seconds=elapsed,
        first_chunk=first_chunk or elapsed,
        cpu=cpu,
        size=size,
        chunks=chunks,
        largest_chunk=largest,
        queries=counter.count,
        rss_before=rss_before,
        peak=max(sampled_peak, kernel_peak or 0),
        peak_exact=kernel_peak is not None,
        maxrss_before=maxrss_before,
        maxrss_after=ru_maxrss(),
        heap_peak=heap_peak,
    )


# --- Output ---------------------------------------------------------------------------------------


def number(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def busy_verdict(item: Measure) -> str:
    return "-" if item.busy is None else "ok" if item.busy < TARGET_PAGE_MS else "MISSED"


def print_pages(measures: list[Measure]) -> None:
    header = (
        f"{'organisation':<14} {'page':<30} {'median ms':>9} {'p95 ms':>7} {'min ms':>7} {'CPU ms':>7} "
        f"{'DB CPU':>7} {'wait ms':>7} {'CPU+DB':>7} {'queries':>7} {'target':>6} {'wall':<6} {'CPU+DB':<6} {'KiB':>5}"
    )
    print(header)
    print("-" * len(header))
    for item in measures:
        low, high = min(item.queries), max(item.queries)
        queries = str(low) if low == high else f"{low}-{high}"
        print(
            f"{item.org.label:<14} {item.name:<30} {item.median:>9.1f} {item.p95:>7.1f} {min(item.milliseconds):>7.1f} "
            f"{number(item.median_of('cpu')):>7} {number(item.median_of('db_cpu')):>7} "
            f"{number(item.median_of('waiting')):>7} {number(item.busy):>7} {queries:>7} "
            f"{f'<{TARGET_PAGE_MS:.0f}':>6} {'ok' if item.met else 'MISSED':<6} {busy_verdict(item):<6} "
            f"{item.size / 1024:>5.0f}"
        )


def print_exports(runs: list[ExportRun]) -> None:
    header = (
        f"{'organisation':<14} {'rows':>8} {'seconds':>8} {'rows/s':>7} {'1st chunk':>9} {'CPU s':>6} "
        f"{'MiB out':>7} {'chunks':>6} {'queries':>7} {'RSS before':>10} {'peak RSS':>8} {'growth':>6} "
        f"{'ru_maxrss before→after':>22} {'heap peak':>9} {'target':>7}"
    )
    print(header)
    print("-" * len(header))
    for run in runs:
        heap = "-" if run.heap_peak is None else f"{run.heap_peak / MIB:.1f}"
        peak = f"{run.peak / MIB:.1f}" + ("" if run.peak_exact else "~")
        print(
            f"{run.org.label:<14} {run.rows:>8,} {run.seconds:>8.1f} {run.rows / run.seconds:>7,.0f} "
            f"{run.first_chunk * 1000:>7.0f}ms {run.cpu:>6.1f} {run.size / MIB:>7.1f} {run.chunks:>6} "
            f"{run.queries:>7} {run.rss_before / MIB:>10.1f} {peak:>8} {(run.peak - run.rss_before) / MIB:>+6.1f} "
            f"{f'{run.maxrss_before / MIB:.1f} → {run.maxrss_after / MIB:.1f}':>22} {heap:>9} "
            f"{f'<{TARGET_PEAK_MIB:.0f}':>4} {'ok' if run.met else 'MISSED'}"
        )


def print_queries(measure: Measure, explain: bool, show: bool) -> None:
    queries = sorted(measure.captured, key=lambda query: -float(query["time"]))
    total = sum(float(query["time"]) for query in queries) * 1000
    print()
    print(f"=== {measure.org.label}, {measure.name}: {len(queries)} queries, {total:.1f} ms in the database ===")
    if show:
        for query in queries:
            sql = " ".join(query["sql"].split())
            print(f"{float(query['time']) * 1000:8.2f} ms  {sql[:240]}{'…' if len(sql) > 240 else ''}")
    if explain:
        selects = [query for query in queries if query["sql"].lstrip().upper().startswith("SELECT")][:2]
        for query in selects:
            print(f"--- EXPLAIN (ANALYZE, BUFFERS), {float(query['time']) * 1000:.1f} ms in the request ---")
            print(query["sql"])
            print()
            for (line,) in execute(f"EXPLAIN (ANALYZE, BUFFERS) {query['sql']}"):
                print(line)
            print()


def explain_export(org: Org) -> None:
    """EXPLAIN ANALYZE of the export's query (the one the server-side cursor declares)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from people.models import User

    client = Client(SERVER_NAME="localhost", raise_request_exception=True)
    client.force_login(User.objects.get(email=org.hr_email))
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("paths:export_status_csv"))
        for _chunk in response.streaming_content:
            break
        response.close()
    selects = [query["sql"] for query in captured.captured_queries if "paths_agentassignment" in query["sql"]]
    if selects:
        print()
        print(f"=== {org.label}, CSV export: EXPLAIN (ANALYZE, BUFFERS) of its query ===")
        print(selects[-1])
        print()
        for (line,) in execute(f"EXPLAIN (ANALYZE, BUFFERS) {selects[-1]}"):
            print(line)


def main() -> int:
    arguments = parse_arguments()
    name, created = prepare_database(arguments.fresh)
    if created:
        print(f"created the database {name}; migrating (about 2 minutes)…", flush=True)
    set_up_django(os.environ["DATABASE_URL"])
    logging.getLogger("axes").setLevel(logging.WARNING)  # one INFO line per force_login otherwise
    logging.getLogger("paths").setLevel(logging.WARNING)  # one INFO line per CSV export
    import django
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from paths.views_dashboard import AGENTS_PER_PAGE
    from people.models import User

    # One backend for the whole run (production reconnects once a minute per worker, CONN_MAX_AGE=60): its
    # CPU time is read from /proc, and a reconnection in the middle of a request would blur it.
    connection.settings_dict["CONN_MAX_AGE"] = None
    print(f"Paths dashboard bench — {database_label()}")
    print(
        f"Python {platform.python_version()}, Django {django.get_version()}, "
        f"settings {os.environ['DJANGO_SETTINGS_MODULE']}, DEBUG={os.environ['DEBUG']}, "
        f"load average {' '.join(f'{value:.2f}' for value in os.getloadavg())}, {os.cpu_count()} CPUs",
        flush=True,
    )
    today = timezone.localdate()
    course_ids = build_courses()
    orgs = [Org(arguments.agents), Org(arguments.small_agents)]
    states = [build_organisation(org, arguments, course_ids, today) for org in orgs]
    execute("ANALYZE")  # cheap; the planner's statistics are fresh whatever happened since the build
    expected = {org: expected_for(org, today) for org in orgs}
    counts = execute(
        "SELECT (SELECT count(*) FROM people_agent), (SELECT count(*) FROM paths_agentassignment), "
        "pg_size_pretty(pg_total_relation_size('paths_agentassignment')), "
        "pg_size_pretty(pg_database_size(current_database()))"
    )[0]
    for org, (state, _seconds) in zip(orgs, states, strict=True):
        figures = expected[org].figures[expected[org].paths[0][0]]
        assigned, completed, in_progress, not_started, overdue = figures
        print(
            f"organisation {org.slug}: {org.agents:,} agents + 1 HR, {SERVICES} services, {arguments.paths} paths "
            f"× {STEPS_PER_PATH} steps, {expected[org].export_rows:,} agent assignments ({state}); first path "
            f"on {today:%d/%m/%Y}: {completed / assigned:.0%} completed, {in_progress / assigned:.0%} in progress, "
            f"{overdue / assigned:.0%} overdue, {not_started / assigned:.0%} not started"
        )
    print(
        f"database: {counts[0]:,} agents, {counts[1]:,} agent assignments ({counts[2]} with indexes), "
        f"{counts[3]} in all"
    )
    print(
        f"{arguments.warmups} warm-up then {arguments.requests} measured requests per page, one client signed in as "
        "each organisation's HR agent; then the CSV export of every assignment, streamed "
        f"{arguments.export_runs} time(s) per organisation",
        flush=True,
    )
    print()

    schedstat = SchedStat()
    measures: list[Measure] = []
    clients = {}
    for org in orgs:
        client = Client(SERVER_NAME="localhost", raise_request_exception=True)
        client.force_login(User.objects.get(email=org.hr_email))
        clients[org] = client
        for page in pages_for(org, expected[org], AGENTS_PER_PAGE):
            measures.append(measure_page(client, org, page, arguments, schedstat))
    runs: list[ExportRun] = []
    if not arguments.skip_export:
        for org in reversed(orgs):  # the small one first: its peak cannot hide under the large one's
            for _run in range(arguments.export_runs):
                runs.append(stream_export(clients[org], org, expected[org].export_rows))
            if arguments.tracemalloc:
                runs.append(stream_export(clients[org], org, expected[org].export_rows, trace=True))

    print_pages(measures)
    print()
    per_page = len(measures) // len(orgs)
    fixed_each = all(min(item.queries) == max(item.queries) for item in measures)
    same_across = all(measures[index].queries[0] == measures[index + per_page].queries[0] for index in range(per_page))
    fixed = fixed_each and same_across
    print(
        "queries: "
        + ("fixed" if fixed else "NOT fixed")
        + f" (the same on every request of a page: {'yes' if fixed_each else 'NO'}; the same for "
        f"{orgs[0].label} and {orgs[1].label}: {'yes' if same_across else 'NO'} — "
        + ", ".join(
            f"{big.name.split(' (')[0]} {big.queries[0]}/{small.queries[0]}"
            for big, small in zip(measures[:per_page], measures[per_page:], strict=True)
        )
        + ")"
    )
    big = measures[:per_page]
    missed = [item.name for item in big if not item.met]
    print(
        f"target: median < {TARGET_PAGE_MS:.0f} ms on {orgs[0].label}: "
        + ("met" if not missed else "MISSED by " + ", ".join(missed))
    )
    if all(item.busy is not None for item in big):
        busy_missed = [item.name for item in big if item.busy >= TARGET_PAGE_MS]
        print(
            "on CPU time (this process + its database backend, without waiting for a CPU): "
            + ("met" if not busy_missed else "MISSED by " + ", ".join(busy_missed))
        )
    export_missed = False
    if runs:
        print()
        print_exports(runs)
        print()
        big_runs = [run for run in runs if run.org == orgs[0]]
        worst = max(big_runs, key=lambda run: run.peak)
        export_missed = not all(run.met for run in runs)
        print(
            f"target: CSV export of {worst.rows:,} rows streamed ({worst.chunks} chunks of at most "
            f"{worst.largest_chunk / 1024:.0f} KiB), peak memory of the process < {TARGET_PEAK_MIB:.0f} MB: "
            + ("met" if not export_missed else "MISSED")
            + f" (peak {worst.peak / MIB:.1f} MiB, {(worst.peak - worst.rss_before) / MIB:+.1f} MiB during the export)"
        )
    if arguments.queries or arguments.explain:
        for item in big:
            print_queries(item, arguments.explain, arguments.queries)
        if arguments.explain and not arguments.skip_export:
            explain_export(orgs[0])
    return 1 if arguments.check and (missed or not fixed or export_missed) else 0


if __name__ == "__main__":
    sys.exit(main())
