"""Progress bench: Mon espace, a course and a lesson for an agent with 100 enrolments, and recording a lesson
completion, in a database of 50,000 agents and 5 million lesson-progress rows.

The bench builds (once; later runs reuse it) a dedicated PostgreSQL database: a catalogue of 120 courses of
6 to 10 lessons built through the page factories, then 50,000 agents, their enrolments, their lesson progress
(5,000,000 rows) and the course completions they earned, generated set-based in SQL (INSERT … SELECT over
generate_series). One of the agents, the measured one, has 100 enrolments: 30 courses finished, 70 in
progress. Then, signed in as that agent through Django's test client, it requests each page 5 times to warm
the caches and 50 times measured:

  Mon espace               /mon-espace/ (70 courses in progress, 30 completed)
  course page              a course the agent is following, with its outline and progress
  lesson page              a lesson of that course (opening it writes: visit, timed view, xAPI statement)
  Mon espace, other        the same page for an agent with about 20 enrolments: the query count must not move

and times `progress.services.complete_lesson()` for 200 lessons of other agents, 50 that finish their course,
and the POST behind "J'ai terminé cette leçon" for 50 more. Targets (the issue): a fixed number of queries and
a median under 50 ms for the pages, under 20 ms for recording a completion.

    .venv/bin/python bench/bench_progress.py --quick     # 2,000 agents, 100,000 rows: a smoke run
    .venv/bin/python bench/bench_progress.py             # 50,000 agents, 5,000,000 rows

PostgreSQL only, in a database of its own: capnum_bench_progress on DATABASE_URL's server when DATABASE_URL
is PostgreSQL, else on postgres://postgres@127.0.0.1:5432; PROGRESS_BENCH_DATABASE_URL overrides both (the
name must contain "bench"). The first build takes about 20 minutes on a busy 2-CPU machine (catalogue 10,
5 million rows 8); see bench/README.md ("The progress bench").
"""

# The generation SQL is built with f-strings from integers the script computes and table names it names
# itself, never from input: S608 does not apply.
# ruff: noqa: S608

from __future__ import annotations

import argparse
import cProfile
import io
import json
import logging
import os
import platform
import pstats
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import QueryCounter, database_label, set_up_django  # noqa: E402
from bench.datasets import (  # noqa: E402
    FEMALE_FIRST_NAMES,
    JOBS,
    LAST_NAMES,
    MALE_FIRST_NAMES,
    course_catalogue,
    heavy_learner_plan,
)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/capnum_bench_progress"
POSTGRES_SCHEMES = ("postgres", "postgresql", "pgsql")
SLUG_PREFIX = "bench-progress-"
DOMAIN = "progress.ville-de-bench.example"  # under the reserved bench domain: no address can receive mail
MEASURED_EMAIL = f"mesure@{DOMAIN}"
ORGANISATION_SLUG = "bench-progress"
MARKER_TABLE = "bench_progress_dataset"
DATASET_VERSION = 1  # bump when the generated data changes shape: older datasets are rebuilt
BASE_TIME = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)  # "now" of the generated history, fixed for determinism
HISTORY_DAYS = 700
TARGET_PAGE_MS = 50.0
TARGET_COMPLETE_MS = 20.0
QUICK = {"agents": 2_000, "progress_rows": 100_000}


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--agents", type=int, help="agents in the database, the measured one included (50000)")
    parser.add_argument("--progress-rows", type=int, help="lesson-progress rows of the other agents (5000000)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 2000 agents and 100000 rows by default")
    parser.add_argument("--courses", type=int, default=120, help="courses in the catalogue (default: %(default)s)")
    parser.add_argument(
        "--enrolments", type=int, default=100, help="enrolments of the measured agent (default: %(default)s)"
    )
    parser.add_argument("--requests", type=int, default=50, help="measured requests per page (default: %(default)s)")
    parser.add_argument("--warmups", type=int, default=5, help="unmeasured requests first (default: %(default)s)")
    parser.add_argument(
        "--completions", type=int, default=200, help="complete_lesson() calls timed (default: %(default)s)"
    )
    parser.add_argument("--fresh", action="store_true", help="drop and create the database, then build everything")
    parser.add_argument(
        "--regenerate", action="store_true", help="generate the agents and their progress again (keep the catalogue)"
    )
    parser.add_argument(
        "--queries", action="store_true", help="print each page's queries (one request) with their time, slowest first"
    )
    parser.add_argument(
        "--explain", action="store_true", help="print EXPLAIN (ANALYZE, BUFFERS) of each page's slowest query"
    )
    parser.add_argument(
        "--profile",
        type=int,
        metavar="N",
        default=0,
        help="run the measured calls under cProfile and print each row's N most expensive functions",
    )
    parser.add_argument(
        "--profile-sort",
        default="cumulative",
        choices=("cumulative", "tottime", "ncalls"),
        help="order of the --profile listing (default: %(default)s; tottime: time spent in the function itself)",
    )
    parser.add_argument(
        "--check", action="store_true", help="exit with status 1 when a target is missed or a query count moves"
    )
    arguments = parser.parse_args()
    defaults = QUICK if arguments.quick else {"agents": 50_000, "progress_rows": 5_000_000}
    if arguments.agents is None:
        arguments.agents = defaults["agents"]
    if arguments.progress_rows is None:
        arguments.progress_rows = defaults["progress_rows"]
    if arguments.agents < 2 or arguments.progress_rows < 1:
        parser.error("--agents must be 2 or more (the measured agent and others), --progress-rows positive")
    if arguments.enrolments > arguments.courses:
        parser.error("--enrolments cannot exceed --courses: one active enrolment per course")
    # Each other agent follows distinct courses: with about half the lessons of a course opened on average,
    # the rows per agent must stay well under what the catalogue holds.
    if arguments.progress_rows / (arguments.agents - 1) > arguments.courses * 3:
        parser.error("too many progress rows per agent for the catalogue: add agents or courses")
    if min(arguments.requests, arguments.completions) < 1 or arguments.warmups < 0:
        parser.error("--requests and --completions must be positive, --warmups zero or more")
    return arguments


# --- The database ---------------------------------------------------------------------------------


def bench_database_url() -> str:
    """PROGRESS_BENCH_DATABASE_URL if set; else DATABASE_URL's PostgreSQL server with the database
    capnum_bench_progress; else DEFAULT_DATABASE_URL. Never DATABASE_URL's own database: the bench empties
    every agent of the database it uses, which must therefore be its own."""
    explicit = os.environ.get("PROGRESS_BENCH_DATABASE_URL")
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
        sys.exit(f"The progress bench needs PostgreSQL (generation is set-based SQL), not {url}.")
    if "bench" not in name:
        sys.exit(f"Refusing to use the database {name!r}: the progress bench only uses a database named *bench*.")
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


def marker(part: str) -> dict | None:
    execute(
        f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} "
        "(part text PRIMARY KEY, params jsonb NOT NULL, built_at timestamptz NOT NULL, seconds float NOT NULL)"
    )
    rows = execute(f"SELECT params FROM {MARKER_TABLE} WHERE part = %s", [part])
    if not rows:
        return None
    params = rows[0][0]
    return json.loads(params) if isinstance(params, str) else params


def set_marker(part: str, params: dict | None, seconds: float = 0.0) -> None:
    execute(f"DELETE FROM {MARKER_TABLE} WHERE part = %s", [part])
    if params is not None:
        execute(
            f"INSERT INTO {MARKER_TABLE} (part, params, built_at, seconds) VALUES (%s, %s, now(), %s)",
            [part, json.dumps(params), seconds],
        )


def hash_sql(value: str, salt: int) -> str:
    """A deterministic, well-mixed non-negative integer from `value` (SQL)."""
    return f"(hashint8extended(({value})::bigint, {salt}) & 2147483647)"


# --- The catalogue (page factories) ---------------------------------------------------------------


def catalogue_specs(arguments):
    return course_catalogue(arguments.courses, slug_prefix=SLUG_PREFIX)


def bench_courses():
    from courses.models import CoursePage

    return CoursePage.objects.filter(slug__startswith=SLUG_PREFIX).order_by("path")


def build_catalogue(arguments) -> tuple[float, bool]:
    """120 courses of 6-10 lessons through the page factories (tree, revision, publication, search index)."""
    from django.db import transaction
    from wagtail.models import Page

    from courses.factories import CatalogPageFactory, CoursePageFactory, LessonPageFactory
    from courses.models import LessonPage
    from courses.starter_format import read_catalogue
    from home.demo_catalogue import stream_block

    specs = catalogue_specs(arguments)
    params = {"version": DATASET_VERSION, "courses": arguments.courses}
    expected_lessons = sum(len(spec.lessons) for spec in specs)
    if (
        marker("catalogue") == params
        and bench_courses().live().count() == len(specs)
        and LessonPage.objects.live().filter(slug__startswith="lecon-", depth=5).count() == expected_lessons
    ):
        return 0.0, True
    started = time.perf_counter()
    set_marker("learners", None)  # learners refer to the courses: they are generated again too
    wipe_learners()
    for page in Page.objects.filter(slug__startswith=SLUG_PREFIX, depth=4):
        page.delete()
    starter_lessons = [lesson for course in read_catalogue() for lesson in course.lessons]
    catalog = CatalogPageFactory()
    for number, spec in enumerate(specs, start=1):
        with transaction.atomic():
            course = CoursePageFactory(
                parent=catalog,
                slug=spec.slug,
                title=spec.title,
                summary=spec.summary,
                level=spec.level,
                duration_minutes=spec.duration_minutes,
                competences=spec.competences,
                audiences=("all_staff",),
                objectives=(f"Savoir-faire {number}", "Savoir à qui s'adresser"),
            )
            for lesson in spec.lessons:
                starter = starter_lessons[lesson.body_index % len(starter_lessons)]
                LessonPageFactory(
                    parent=course,
                    slug=lesson.slug,
                    title=lesson.title,
                    minutes=lesson.minutes,
                    body=[stream_block(block) for block in starter.blocks],
                )
        if number % 20 == 0 or number == len(specs):
            print(f"  catalogue: {number}/{len(specs)} courses ({time.perf_counter() - started:.0f} s)", flush=True)
    seconds = time.perf_counter() - started
    set_marker("catalogue", params, seconds)
    return seconds, False


# --- Agents, enrolments, progress (set-based SQL) -------------------------------------------------


def wipe_learners() -> None:
    """Empty every learner table. The database is the bench's own: every agent in it is a bench agent."""
    execute("TRUNCATE people_agent, progress_enrollment, progress_lessonprogress, progress_coursecompletion CASCADE")
    execute("DELETE FROM django_session")
    execute("DELETE FROM people_user WHERE email LIKE %s", [f"%@{DOMAIN}"])


def learners_params(arguments) -> dict:
    return {
        "version": DATASET_VERSION,
        "courses": arguments.courses,
        "agents": arguments.agents,
        "progress_rows": arguments.progress_rows,
        "enrolments": arguments.enrolments,
    }


@dataclass
class Steps:
    timings: list[tuple[str, float, int | None]] = field(default_factory=list)

    def run(self, label: str, sql: str, params=None) -> int | None:
        started = time.perf_counter()
        rows = execute(sql, params)
        elapsed = time.perf_counter() - started
        count = rows if isinstance(rows, int) and rows >= 0 else None
        self.timings.append((label, elapsed, count))
        print(f"  {label}: {elapsed:.1f} s" + (f", {count:,} rows" if count is not None else ""), flush=True)
        return count


def build_learners(arguments) -> tuple[float, bool, Steps]:
    from django.db import transaction

    from people.models import Organisation

    params = learners_params(arguments)
    steps = Steps()
    if marker("learners") == params and not arguments.regenerate:
        return 0.0, True, steps
    started = time.perf_counter()
    set_marker("learners", None)
    steps_started = time.perf_counter()
    wipe_learners()
    print(f"  previous learners removed: {time.perf_counter() - steps_started:.1f} s", flush=True)
    organisation, _created = Organisation.objects.get_or_create(
        slug=ORGANISATION_SLUG, defaults={"name": "Métropole du Banc d'Essai", "kind": Organisation.Kind.COMMUNE}
    )
    agents, rows_wanted, courses = arguments.agents, arguments.progress_rows, arguments.courses
    specs = catalogue_specs(arguments)
    pages = list(bench_courses().live().only("id", "slug", "title", "path", "depth", "duration_minutes"))
    if [page.slug for page in pages] != [spec.slug for spec in specs]:
        sys.exit("the catalogue is not the one the bench expects: run with --fresh")
    lesson_counts = [len(spec.lessons) for spec in specs]
    plan = heavy_learner_plan(lesson_counts, enrolments=arguments.enrolments)
    first_names = list(FEMALE_FIRST_NAMES + MALE_FIRST_NAMES)
    last_names = list(LAST_NAMES)
    jobs = [job for titles in JOBS.values() for job in titles]
    base = BASE_TIME.isoformat()
    other_agents = agents - 1

    with transaction.atomic():
        # The rows are generated consistent (every reference exists): skip the per-row foreign-key triggers,
        # which would otherwise lock each referenced enrolment and take most of the time. Uniqueness is
        # still checked by the indexes.
        execute("SET LOCAL session_replication_role = replica")
        execute("SET LOCAL work_mem = '256MB'")
        execute("SET LOCAL maintenance_work_mem = '512MB'")
        execute("SET LOCAL synchronous_commit = off")
        user_base = execute("SELECT coalesce(max(id), 0) FROM people_user")[0][0]
        agent_base = execute("SELECT coalesce(max(id), 0) FROM people_agent")[0][0]
        enrollment_base = execute("SELECT coalesce(max(id), 0) FROM progress_enrollment")[0][0]

        # Catalogue as seen by SQL: course rank -> page, lessons in order.
        execute(
            "CREATE TEMP TABLE bench_course (rank int PRIMARY KEY, id int, title text, lessons int, "
            "duration int, competences jsonb) ON COMMIT DROP"
        )
        competences = course_competences([page.pk for page in pages])
        execute(
            "INSERT INTO bench_course SELECT * FROM unnest(%s::int[], %s::int[], %s::text[], %s::int[], %s::int[], "
            "%s::jsonb[])",
            [
                list(range(len(pages))),
                [page.pk for page in pages],
                [page.title for page in pages],
                lesson_counts,
                [page.duration_minutes for page in pages],
                [json.dumps(competences.get(page.pk, [])) for page in pages],
            ],
        )
        execute(
            "CREATE TEMP TABLE bench_lesson ON COMMIT DROP AS "
            "SELECT c.rank AS course_rank, "
            "       (row_number() OVER (PARTITION BY c.rank ORDER BY l.path) - 1)::int AS position, "
            "       l.id, lp.minutes "
            "FROM bench_course c JOIN wagtailcore_page p ON p.id = c.id "
            "JOIN wagtailcore_page l ON l.path LIKE p.path || '%' AND l.depth = p.depth + 1 AND l.live "
            "JOIN courses_lessonpage lp ON lp.page_ptr_id = l.id"
        )
        found = execute("SELECT count(*) FROM bench_lesson")[0][0]
        if found != sum(lesson_counts):
            sys.exit(f"{found} live bench lessons, the catalogue says {sum(lesson_counts)}: run with --fresh")

        steps.run(
            "users",
            "INSERT INTO people_user (id, password, last_login, is_superuser, first_name, last_name, is_staff, "
            "is_active, date_joined, email, invited_at) "
            f"SELECT %s + r, '!', NULL, false, "
            f"  (%s::text[])[1 + mod({hash_sql('r', 11)}, %s)], (%s::text[])[1 + mod({hash_sql('r', 12)}, %s)], "
            f"  false, true, %s::timestamptz - make_interval(days => mod({hash_sql('r', 13)}, 2000)::int), "
            "  CASE WHEN r = 0 THEN %s ELSE 'agent' || lpad(r::text, 6, '0') || %s END, NULL "
            "FROM generate_series(0, %s - 1) AS r",
            [
                user_base + 1,
                first_names,
                len(first_names),
                last_names,
                len(last_names),
                base,
                MEASURED_EMAIL,
                f"@{DOMAIN}",
                agents,
            ],
        )
        steps.run(
            "agents",
            "INSERT INTO people_agent (id, job_title, category, status, hire_date, matricule, is_active, "
            "created_at, updated_at, manager_id, user_id, organisation_id, service_id) "
            f"SELECT %s + r, (%s::text[])[1 + mod({hash_sql('r', 21)}, %s)], "
            f"  (ARRAY['A', 'B', 'C', 'C', 'C', ''])[1 + mod({hash_sql('r', 22)}, 6)], "
            "  CASE WHEN r > 0 AND mod(r, 100) = 0 THEN 'elu' ELSE 'titulaire' END, "
            f"  date '1990-01-01' + mod({hash_sql('r', 23)}, 12000)::int, 'P' || lpad(r::text, 6, '0'), true, "
            "  %s::timestamptz, %s::timestamptz, NULL, %s + r, %s, NULL "
            "FROM generate_series(0, %s - 1) AS r",
            [agent_base + 1, jobs, len(jobs), base, base, user_base + 1, organisation.pk, agents],
        )

        # Enrolment slots of the other agents, round-robin over the agents (each agent's enrolments end up
        # spread over the table, as they are in a database filled over years); each opens the first k
        # lessons of its course, k uniform in 1..n, cut so that the rows add up to exactly --progress-rows.
        slots_needed = rows_wanted // 3 + 1_000
        execute(
            "CREATE TEMP TABLE bench_slot ON COMMIT DROP AS "
            "WITH raw AS ("
            f"  SELECT s, 1 + mod(s, {other_agents}) AS agent_rank, s / {other_agents} AS j, "
            f"         {hash_sql('s', 31)} AS h1, {hash_sql('s', 32)} AS h2, {hash_sql('s', 33)} AS h3 "
            f"  FROM generate_series(0::bigint, {slots_needed - 1}) AS s), "
            "sized AS ("
            "  SELECT raw.*, c.rank AS course_rank, c.lessons AS n, 1 + mod(raw.h1, c.lessons) AS k0 "
            f"  FROM raw JOIN bench_course c ON c.rank = mod(raw.agent_rank * 7 + raw.j, {courses})), "
            "cut AS (SELECT sized.*, sum(k0) OVER (ORDER BY s) AS running FROM sized) "
            "SELECT s, agent_rank::int, course_rank, n, "
            f"  least(k0, {rows_wanted} - (running - k0))::int AS k, h2, h3, j "
            f"FROM cut WHERE running - k0 < {rows_wanted}"
        )
        slots, max_j, total_rows = execute("SELECT count(*), max(j), sum(k) FROM bench_slot")[0]
        if total_rows != rows_wanted or max_j >= courses:
            sys.exit(f"slot generation gave {total_rows} rows (wanted {rows_wanted}), {max_j + 1} courses per agent")
        # Lessons done: all of a course's lessons for 60 % of those who opened them all (the course is then
        # finished), otherwise the opened ones, sometimes but the last.
        execute(
            "ALTER TABLE bench_slot ADD COLUMN c int, ADD COLUMN enrolled_at timestamptz, "
            "ADD COLUMN enrollment_id bigint"
        )
        execute(
            "UPDATE bench_slot SET c = CASE WHEN k = n AND mod(h2, 10) < 6 THEN n WHEN k = n THEN n - 1 "
            "ELSE k - mod(h3, 2)::int END"
        )
        execute(
            "INSERT INTO bench_slot (s, agent_rank, course_rank, n, k, h2, h3, j, c) "
            f"SELECT {slots_needed} + number, 0, course, lessons, visited, "
            f"  {hash_sql(f'{slots_needed} + number', 32)}, {hash_sql(f'{slots_needed} + number', 33)}, number, done "
            "FROM unnest(%s::int[], %s::int[], %s::int[], %s::int[], %s::int[]) "
            "AS plan(number, course, lessons, visited, done)",
            [
                list(range(len(plan))),
                [item.course for item in plan],
                [lesson_counts[item.course] for item in plan],
                [item.visited for item in plan],
                [item.completed for item in plan],
            ],
        )
        # Enrolled over the last HISTORY_DAYS days; ids follow the enrolment dates, as a live database's do.
        execute(
            "UPDATE bench_slot SET enrolled_at = "
            f"%s::timestamptz - make_interval(secs => mod(h2, {HISTORY_DAYS * 86400}))",
            [base],
        )
        execute(
            "UPDATE bench_slot AS slot SET enrollment_id = ordered.id FROM ("
            "  SELECT s, %s + row_number() OVER (ORDER BY enrolled_at, s) AS id FROM bench_slot) AS ordered "
            "WHERE ordered.s = slot.s",
            [enrollment_base],
        )
        execute("CREATE INDEX ON bench_slot (course_rank)")
        execute("ANALYZE bench_slot")
        # Loading millions of rows into indexed tables inserts into each index at random places; building the
        # indexes once the rows are in is several times faster.
        rebuild = drop_secondary_indexes("progress_enrollment") + drop_secondary_indexes("progress_lessonprogress")
        # A lesson at position p of an enrolment is opened at p+1 / n+2 of the time between enrolment and now.
        span = "(%s::timestamptz - slot.enrolled_at)"
        steps.run(
            "enrolments",
            "INSERT INTO progress_enrollment (id, uuid, course_title, origin, enrolled_at, last_activity_at, "
            "archived_at, agent_id, course_id) "
            "SELECT slot.enrollment_id, md5('bench-progress:' || slot.s)::uuid, c.title, "
            "  CASE WHEN mod(slot.h3, 4) = 0 THEN 'assignment' ELSE 'self' END, slot.enrolled_at, "
            f"  slot.enrolled_at + {span} * slot.k / (slot.n + 2) + interval '20 minutes', NULL, "
            "  %s + slot.agent_rank, c.id "
            "FROM bench_slot slot JOIN bench_course c ON c.rank = slot.course_rank ORDER BY slot.enrollment_id",
            [base, agent_base + 1],
        )
        steps.run(
            "lesson progress",
            "INSERT INTO progress_lessonprogress (started_at, completed_at, last_visit_at, visits, seconds_spent, "
            "view_token, view_seconds, last_beat_at, enrollment_id, lesson_id) "
            "SELECT started_at, completed_at, coalesce(completed_at, started_at + interval '3 minutes'), "
            "  1 + mod(h, 3), 60 + mod(h, 1200), md5(h::text || '-' || enrollment_id), 0, "
            "  coalesce(completed_at, started_at + interval '3 minutes'), enrollment_id, lesson_id "
            "FROM ("
            f"  SELECT slot.enrolled_at + {span} * (l.position + 1) / (slot.n + 2) AS started_at, "
            f"    CASE WHEN l.position < slot.c THEN slot.enrolled_at + {span} * (l.position + 1) / (slot.n + 2) "
            "         + make_interval(mins => l.minutes) END AS completed_at, "
            f"    {hash_sql('slot.s * 16 + l.position', 41)} AS h, slot.enrollment_id, l.id AS lesson_id "
            "  FROM bench_slot slot JOIN bench_lesson l ON l.course_rank = slot.course_rank AND l.position < slot.k"
            ") AS generated ORDER BY started_at",
            [base, base],
        )
        steps.run(
            "course completions",
            "INSERT INTO progress_coursecompletion (uuid, completed_at, course_title, duration_minutes, "
            "competences, score, quiz_title, agent_id, course_id, enrollment_id) "
            "SELECT md5('bench-progress-completion:' || slot.s)::uuid, "
            f"  slot.enrolled_at + {span} * slot.n / (slot.n + 2) + interval '30 minutes', c.title, c.duration, "
            "  c.competences, NULL, '', %s + slot.agent_rank, c.id, slot.enrollment_id "
            "FROM bench_slot slot JOIN bench_course c ON c.rank = slot.course_rank WHERE slot.c = slot.n "
            "ORDER BY 2",
            [base, agent_base + 1],
        )
        started_indexes = time.perf_counter()
        for statement in rebuild:
            execute(statement)
        steps.timings.append(("indexes", time.perf_counter() - started_indexes, None))
        print(f"  indexes of the two tables rebuilt: {time.perf_counter() - started_indexes:.1f} s", flush=True)
        for table in ("people_user", "people_agent", "progress_enrollment", "progress_coursecompletion"):
            execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        execute("SET LOCAL session_replication_role = DEFAULT")
        check_references()
    steps.run(
        "VACUUM ANALYZE",
        "VACUUM (ANALYZE) people_user, people_agent, progress_enrollment, progress_lessonprogress, "
        "progress_coursecompletion",
    )
    seconds = time.perf_counter() - started
    set_marker("learners", params, seconds)
    print(f"  generated {slots:,} enrolments of other agents in {seconds:.0f} s", flush=True)
    return seconds, False, steps


def drop_secondary_indexes(table: str) -> list[str]:
    """Drop every index and unique constraint of `table` but its primary key; return what recreates them."""
    statements = []
    for name, definition in execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'u'",
        [table],
    ):
        execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        statements.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    for name, definition in execute(
        "SELECT ix.relname, pg_get_indexdef(ix.oid) FROM pg_index JOIN pg_class ix "
        "ON ix.oid = pg_index.indexrelid WHERE pg_index.indrelid = %s::regclass AND NOT pg_index.indisprimary",
        [table],
    ):
        execute(f'DROP INDEX "{name}"')
        statements.append(definition)
    return statements


def course_competences(course_ids: list[int]) -> dict[int, list[dict]]:
    """The competence snapshot a completion keeps, per course (what complete_lesson writes)."""
    from courses.models import CourseCompetence

    snapshot: dict[int, list[dict]] = {}
    for link in (
        CourseCompetence.objects.filter(course_id__in=course_ids)
        .select_related("competence")
        .order_by("course_id", "sort_order")
    ):
        snapshot.setdefault(link.course_id, []).append(
            {"code": link.competence.code, "name": link.competence.name, "level": link.target_level}
        )
    return snapshot


def check_references() -> None:
    """The foreign-key triggers were off during the load: check what they would have checked."""
    dangling = execute(
        "SELECT (SELECT count(*) FROM progress_lessonprogress p "
        "        WHERE NOT EXISTS (SELECT 1 FROM progress_enrollment e WHERE e.id = p.enrollment_id) "
        "           OR NOT EXISTS (SELECT 1 FROM courses_lessonpage l WHERE l.page_ptr_id = p.lesson_id)), "
        "       (SELECT count(*) FROM progress_enrollment e "
        "        WHERE NOT EXISTS (SELECT 1 FROM people_agent a WHERE a.id = e.agent_id) "
        "           OR NOT EXISTS (SELECT 1 FROM courses_coursepage c WHERE c.page_ptr_id = e.course_id)), "
        "       (SELECT count(*) FROM people_agent a "
        "        WHERE NOT EXISTS (SELECT 1 FROM people_user u WHERE u.id = a.user_id))"
    )[0]
    if any(dangling):
        sys.exit(f"generated rows refer to missing rows (progress, enrolments, agents): {dangling}")


def dataset_counts() -> dict[str, int]:
    """Exact counts (the planner's estimates after ANALYZE would do, but a count is what the issue states)."""
    rows = execute(
        "SELECT (SELECT count(*) FROM people_agent), (SELECT count(*) FROM progress_enrollment), "
        "(SELECT count(*) FROM progress_lessonprogress), (SELECT count(*) FROM progress_coursecompletion), "
        "(SELECT count(*) FROM progress_learningevent), "
        "pg_size_pretty(pg_total_relation_size('progress_lessonprogress')), "
        "pg_size_pretty(pg_database_size(current_database()))"
    )[0]
    keys = ("agents", "enrolments", "progress", "completions", "events", "progress_size", "database_size")
    return dict(zip(keys, rows, strict=True))


# --- Measuring ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    seconds: float  # wall clock
    cpu: float  # this process (time.process_time)
    db_cpu: float | None  # the PostgreSQL backend serving this connection (/proc/<pid>/schedstat)
    waiting: float | None  # both processes, ready to run but waiting for a CPU (run queue)
    queries: int


@dataclass
class Measure:
    name: str
    target_ms: float
    samples: list[Sample] = field(default_factory=list)
    detail: str = ""
    profiler: cProfile.Profile | None = None

    @property
    def milliseconds(self) -> list[float]:
        return [sample.seconds * 1000 for sample in self.samples]

    @property
    def queries(self) -> list[int]:
        return [sample.queries for sample in self.samples]

    @property
    def median(self) -> float:
        return statistics.median(self.milliseconds)

    @property
    def p95(self) -> float:
        """Nearest-rank 95th percentile: the value below which 95 % of the samples fall."""
        ordered = sorted(self.milliseconds)
        return ordered[max(0, -(-95 * len(ordered) // 100) - 1)]

    def median_of(self, name: str) -> float | None:
        values = [getattr(sample, name) for sample in self.samples]
        return None if None in values else statistics.median(values) * 1000

    @property
    def busy(self) -> float | None:
        """Median of this process's CPU plus the database backend's: the time the request needs on a machine
        with a free CPU for each process (plus disk waits, which an fsync at COMMIT is)."""
        values = [sample.cpu + sample.db_cpu for sample in self.samples if sample.db_cpu is not None]
        return statistics.median(values) * 1000 if len(values) == len(self.samples) else None

    @property
    def met(self) -> bool:
        return self.median < self.target_ms


class SchedStat:
    """CPU time and run-queue wait of this process and of the PostgreSQL backend serving Django's connection,
    read from /proc/<pid>/schedstat (nanoseconds). Only when the database runs on this machine: otherwise
    `read()` gives None and the columns stay empty."""

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
        own, backend = (tuple(int(value) for value in path.read_text().split()[:2]) for path in self.paths)
        return own[0], backend[0], own[1] + backend[1]


SCHEDSTAT: SchedStat | None = None


def timed(function, profiler: cProfile.Profile | None = None):
    """(result, Sample) of one call."""
    from django.db import connection

    global SCHEDSTAT
    if SCHEDSTAT is None or not SCHEDSTAT.paths or execute("SELECT pg_backend_pid()")[0][0] != SCHEDSTAT.backend:
        SCHEDSTAT = SchedStat()
    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        if profiler:
            profiler.enable()
        before = SCHEDSTAT.read()
        started, cpu_started = time.perf_counter(), time.process_time()
        result = function()
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        after = SCHEDSTAT.read()
        if profiler:
            profiler.disable()
    db_cpu = waiting = None
    if before and after:
        db_cpu, waiting = (after[1] - before[1]) / 1e9, (after[2] - before[2]) / 1e9
    return result, Sample(elapsed, cpu, db_cpu, waiting, counter.count)


def new_profiler(arguments) -> cProfile.Profile | None:
    return cProfile.Profile() if arguments.profile else None


@dataclass(frozen=True)
class MeasuredPage:
    name: str
    url: str
    check: object  # callable(response) raising SystemExit when the page is not what the data says


def measure_page(client, page: MeasuredPage, arguments) -> Measure:
    for _number in range(arguments.warmups):
        page.check(client.get(page.url))
    measure = Measure(page.name, TARGET_PAGE_MS, profiler=new_profiler(arguments))
    for _number in range(arguments.requests):
        response, sample = timed(lambda: client.get(page.url), measure.profiler)
        page.check(response)
        measure.samples.append(sample)
    measure.detail = f"{len(response.content) / 1024:.0f} KiB  {page.url}"
    return measure


def expect(condition: bool, message: str) -> None:
    if not condition:
        sys.exit(f"bench check failed: {message}")


def pages_to_measure(measured_user, light_user):
    from django.db.models import Count, Q

    from courses.models import LessonPage
    from progress.models import CourseCompletion, Enrollment, LessonProgress

    agent = measured_user.agent
    active = Enrollment.objects.filter(agent=agent, archived_at__isnull=True)
    in_progress = active.filter(completion__isnull=True).count()
    completed = CourseCompletion.objects.filter(agent=agent).count()

    def dashboard_check(expected_cards: int, expected_completed: int):
        def check(response):
            expect(response.status_code == 200, f"/mon-espace/ answered {response.status_code}")
            content = response.content.decode()
            cards = content.count('<progress id="progress-')
            rows = content.count('<th scope="row">')
            expect(cards == expected_cards, f"Mon espace shows {cards} courses in progress, not {expected_cards}")
            expect(rows == expected_completed, f"Mon espace shows {rows} completed courses, not {expected_completed}")

        return check

    # The course in progress with the most lessons done, and its first lesson not done yet.
    enrollment = (
        active.filter(completion__isnull=True)
        .annotate(done=Count("lesson_progress", filter=Q(lesson_progress__completed_at__isnull=False)))
        .select_related("course")
        .order_by("-done", "course__path")
        .first()
    )
    course = enrollment.course
    done_ids = set(
        LessonProgress.objects.filter(enrollment=enrollment, completed_at__isnull=False).values_list(
            "lesson_id", flat=True
        )
    )
    lessons = list(LessonPage.objects.live().child_of(course).order_by("path"))
    lesson = next(item for item in lessons if item.pk not in done_ids)

    def course_check(response):
        expect(response.status_code == 200, f"{course.url} answered {response.status_code}")
        content = response.content.decode()
        expect("course-progress-bar" in content, "the course page does not show the agent's progress")
        shown = content.count('<li class="done">')
        expect(shown == len(done_ids), f"the course page shows {shown} lessons done, not {len(done_ids)}")

    def lesson_check(response):
        expect(response.status_code == 200, f"{lesson.url} answered {response.status_code}")
        expect("data-heartbeat" in response.content.decode(), "the lesson page did not start a timed view")

    light_agent = light_user.agent
    light_cards = Enrollment.objects.filter(
        agent=light_agent, archived_at__isnull=True, completion__isnull=True
    ).count()
    light_completed = CourseCompletion.objects.filter(agent=light_agent).count()
    heavy = [
        MeasuredPage(
            f"Mon espace ({in_progress}+{completed} courses)", "/mon-espace/", dashboard_check(in_progress, completed)
        ),
        MeasuredPage(f"course page ({len(done_ids)}/{len(lessons)} done)", course.url, course_check),
        MeasuredPage("lesson page (open_lesson)", lesson.url, lesson_check),
    ]
    light = MeasuredPage(
        f"Mon espace, other ({light_cards}+{light_completed})",
        "/mon-espace/",
        dashboard_check(light_cards, light_completed),
    )
    return heavy, light


@dataclass(frozen=True)
class Candidate:
    agent_id: int
    user_id: int
    lesson_id: int
    finishes: bool  # the last lesson left: completing it completes the course


def completion_candidates(count_lesson: int, count_finishing: int, measured_agent_id: int) -> list[Candidate]:
    """Lessons opened but not done by other agents, each lesson and each agent at most once: `count_lesson`
    whose course has other lessons left, `count_finishing` that are the last lesson left of their course."""
    import random

    from django.db.models import Max, Min

    from courses.models import LessonPage
    from progress.models import CourseCompletion, Enrollment, LessonProgress

    lessons_of: dict[int, list[int]] = {}
    for course in bench_courses().live().only("id", "path", "depth"):
        lessons_of[course.pk] = list(
            LessonPage.objects.live().child_of(course).order_by("path").values_list("pk", flat=True)
        )
    bounds = Enrollment.objects.aggregate(low=Min("pk"), high=Max("pk"))
    low, high = bounds["low"], bounds["high"]
    rng = random.Random(20_260)
    chosen: list[Candidate] = []
    used_lessons: set[int] = set()
    used_agents: set[int] = {measured_agent_id}
    wanted = {False: count_lesson, True: count_finishing}
    for _attempt in range(200 * (count_lesson + count_finishing)):
        if not any(wanted.values()):
            break
        enrollment = (
            Enrollment.objects.filter(pk__gte=rng.randint(low, high), archived_at__isnull=True)
            .select_related("agent")
            .order_by("pk")
            .first()
        )
        if enrollment is None or enrollment.agent_id in used_agents or enrollment.course_id not in lessons_of:
            continue
        if CourseCompletion.objects.filter(enrollment=enrollment).exists():
            continue
        rows = dict(LessonProgress.objects.filter(enrollment=enrollment).values_list("lesson_id", "completed_at"))
        todo = [pk for pk in lessons_of[enrollment.course_id] if rows.get(pk) is None]
        opened = [pk for pk in todo if pk in rows and pk not in used_lessons]
        if not opened:
            continue
        finishes = len(todo) == 1
        if not wanted[finishes]:
            continue
        wanted[finishes] -= 1
        used_lessons.add(opened[0])
        used_agents.add(enrollment.agent_id)
        chosen.append(Candidate(enrollment.agent_id, enrollment.agent.user_id, opened[0], finishes))
    expect(not any(wanted.values()), f"not enough lessons to complete in the dataset (still wanted: {wanted})")
    return chosen


def measure_completions(candidates: list[Candidate], arguments) -> list[Measure]:
    from progress.services import complete_lesson

    lesson_only = Measure("complete_lesson()", TARGET_COMPLETE_MS, profiler=new_profiler(arguments))
    finishing = Measure("complete_lesson(), last lesson", TARGET_COMPLETE_MS, profiler=new_profiler(arguments))
    for number, candidate in enumerate(candidates):
        measure = finishing if candidate.finishes else lesson_only
        outcome, sample = timed(
            lambda candidate=candidate: complete_lesson(agent_id=candidate.agent_id, lesson_id=candidate.lesson_id),
            measure.profiler if number >= arguments.warmups else None,
        )
        expect(outcome.progress.completed_at is not None, f"lesson {candidate.lesson_id} not marked done")
        expect(
            (outcome.completion is not None) == candidate.finishes,
            f"lesson {candidate.lesson_id}: course completion {outcome.completion} unexpected",
        )
        if number >= arguments.warmups:
            measure.samples.append(sample)
    lesson_only.detail = f"{len(lesson_only.milliseconds)} lessons of other agents, other lessons left"
    finishing.detail = f"{len(finishing.milliseconds)} lessons, each the last of its course: completion recorded"
    return [lesson_only, finishing]


def measure_complete_view(candidates: list[Candidate], arguments) -> Measure:
    """The POST behind "J'ai terminé cette leçon": service, redirect to the next lesson (one agent per call)."""
    from django.test import Client
    from django.urls import reverse

    from people.models import User

    measure = Measure("POST …/terminer/ (view)", TARGET_COMPLETE_MS, profiler=new_profiler(arguments))
    client = Client(SERVER_NAME="localhost")
    for candidate in candidates:
        client.force_login(User.objects.get(pk=candidate.user_id))
        url = reverse("progress:complete", args=[candidate.lesson_id])
        response, sample = timed(lambda url=url: client.post(url), measure.profiler)
        expect(response.status_code == 302, f"POST {url} answered {response.status_code}")
        measure.samples.append(sample)
    measure.detail = f"{len(candidates)} lessons of other agents, 302 to the next lesson"
    return measure


def print_table(measures: list[Measure]) -> None:
    def number(value: float | None) -> str:
        return "-" if value is None else f"{value:.1f}"

    header = (
        f"{'what':<34} {'median ms':>9} {'p95 ms':>7} {'min ms':>7} {'CPU ms':>7} {'DB CPU':>7} {'wait ms':>7} "
        f"{'queries':>7} {'target':>6} {'wall':<6} {'CPU':<6}  detail"
    )
    print(header)
    print("-" * len(header))
    for item in measures:
        low, high = min(item.queries), max(item.queries)
        queries = str(low) if low == high else f"{low}-{high}"
        busy = item.busy
        busy_verdict = "-" if busy is None else "ok" if busy < item.target_ms else "MISSED"
        print(
            f"{item.name:<34} {item.median:>9.1f} {item.p95:>7.1f} {min(item.milliseconds):>7.1f} "
            f"{number(item.median_of('cpu')):>7} {number(item.median_of('db_cpu')):>7} "
            f"{number(item.median_of('waiting')):>7} {queries:>7} {f'<{item.target_ms:.0f}':>6} "
            f"{'ok' if item.met else 'MISSED':<6} {busy_verdict:<6}"
            f"  {item.detail}"
        )


def print_queries(client, page: MeasuredPage, explain: bool, show: bool) -> None:
    """One more request of the page with every query and its time; EXPLAIN ANALYZE of the slowest SELECT."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        page.check(client.get(page.url))
    queries = sorted(captured.captured_queries, key=lambda query: -float(query["time"]))
    total = sum(float(query["time"]) for query in queries) * 1000
    print()
    print(f"=== {page.name}: {len(queries)} queries, {total:.1f} ms in the database (as seen by Django) ===")
    if show:
        for query in queries:
            sql = " ".join(query["sql"].split())
            print(f"{float(query['time']) * 1000:7.2f} ms  {sql[:220]}{'…' if len(sql) > 220 else ''}")
    if explain:
        select = next((query["sql"] for query in queries if query["sql"].lstrip().upper().startswith("SELECT")), None)
        if select:
            print(f"--- EXPLAIN (ANALYZE, BUFFERS) of the slowest SELECT ---\n{select}\n")
            for (line,) in execute(f"EXPLAIN (ANALYZE, BUFFERS) {select}"):
                print(line)


def queue_tasks_instead_of_running_them() -> None:
    """Without REDIS_URL the settings run Celery tasks eagerly, inside the request (a course completion would
    issue its certificate, PDF included, before returning). In production a worker runs them: here they are
    sent to the broker (Celery's in-memory transport without Redis) and never run, so the figures are the
    request's own cost, publishing the task included."""
    from lms.celery import app

    app.conf.task_always_eager = False


def main() -> int:
    arguments = parse_arguments()
    name, created = prepare_database(arguments.fresh)
    if created:
        print(f"created the database {name}; migrating (about 2 minutes)…", flush=True)
    set_up_django(os.environ["DATABASE_URL"])
    logging.getLogger("axes").setLevel(logging.WARNING)  # one INFO line per force_login otherwise
    logging.getLogger("kombu").setLevel(logging.ERROR)  # "no hostname supplied" for the in-memory broker
    queue_tasks_instead_of_running_them()
    import django
    from django.test import Client

    from people.models import Agent, User

    print(f"Progress bench — {database_label()}")
    print(
        f"Python {platform.python_version()}, Django {django.get_version()}, "
        f"settings {os.environ['DJANGO_SETTINGS_MODULE']}, DEBUG={os.environ['DEBUG']}, "
        f"load average {' '.join(f'{value:.2f}' for value in os.getloadavg())}, {os.cpu_count()} CPUs",
        flush=True,
    )
    catalogue_seconds, catalogue_reused = build_catalogue(arguments)
    learners_seconds, learners_reused, _steps = build_learners(arguments)
    counts = dataset_counts()
    catalogue_state = "reused" if catalogue_reused else f"built in {catalogue_seconds:.0f} s"
    print(
        f"dataset: {arguments.courses} courses ({catalogue_state}), {counts['agents']:,} agents, "
        f"{counts['enrolments']:,} enrolments, {counts['progress']:,} lesson-progress rows "
        f"({counts['progress_size']} with indexes), {counts['completions']:,} course completions, "
        f"{counts['events']:,} xAPI statements; "
        f"learners {'reused' if learners_reused else f'generated in {learners_seconds:.0f} s'}; "
        f"database {counts['database_size']}"
    )
    if learners_reused:
        execute("ANALYZE")  # cheap; the planner's statistics are fresh whatever happened since the build

    measured_user = User.objects.select_related("agent").get(email=MEASURED_EMAIL)
    light_agent = (
        Agent.objects.filter(user__email__endswith=f"@{DOMAIN}")
        .exclude(pk=measured_user.agent.pk)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    heavy_pages, light_page = pages_to_measure(measured_user, light_agent.user)
    print(
        f"{arguments.warmups} warm-up then {arguments.requests} measured requests per page, one client signed in as "
        f"{MEASURED_EMAIL} ({arguments.enrolments} enrolments); complete_lesson() over {arguments.completions} lessons "
        "of other agents",
        flush=True,
    )
    print()

    client = Client(SERVER_NAME="localhost", raise_request_exception=True)
    client.force_login(measured_user)
    measures = [measure_page(client, page, arguments) for page in heavy_pages]
    light_client = Client(SERVER_NAME="localhost", raise_request_exception=True)
    light_client.force_login(light_agent.user)
    measures.append(measure_page(light_client, light_page, arguments))

    finishing = max(5, arguments.completions // 4)
    candidates = completion_candidates(
        arguments.completions + arguments.warmups + 50, finishing, measured_user.agent.pk
    )
    lesson_only = [item for item in candidates if not item.finishes]
    service_candidates = lesson_only[: arguments.completions + arguments.warmups] + [
        item for item in candidates if item.finishes
    ]
    measures += measure_completions(service_candidates, arguments)
    measures.append(measure_complete_view(lesson_only[arguments.completions + arguments.warmups :], arguments))

    print_table(measures)
    print()
    page_measures = measures[:4]
    fixed = len({min(item.queries) for item in (page_measures[0], page_measures[3])}) == 1 and all(
        min(item.queries) == max(item.queries) for item in page_measures
    )
    print(
        "queries: "
        + ("fixed" if fixed else "NOT fixed")
        + f" (Mon espace: {page_measures[0].queries[0]} queries with {arguments.enrolments} enrolments, "
        f"{page_measures[3].queries[0]} for the other agent; every page the same count on every request)"
    )
    missed = [item.name for item in measures if not item.met]
    print(
        f"targets: pages median < {TARGET_PAGE_MS:.0f} ms, completion median < {TARGET_COMPLETE_MS:.0f} ms: "
        + ("met" if not missed else "MISSED by " + ", ".join(missed))
    )
    if all(item.busy is not None for item in measures):
        busy_missed = [item.name for item in measures if item.busy >= item.target_ms]
        print(
            "on CPU time (this process + its database backend: wall time without waiting for a CPU): "
            + ("met" if not busy_missed else "MISSED by " + ", ".join(busy_missed))
        )
    if arguments.profile:
        print("Timings include cProfile overhead: compare them only with runs using the same flags.")
        for item in measures:
            buffer = io.StringIO()
            pstats.Stats(item.profiler, stream=buffer).sort_stats(arguments.profile_sort).print_stats(arguments.profile)
            print()
            print(f"=== cProfile: {item.name}, {len(item.milliseconds)} calls ===")
            print(buffer.getvalue().rstrip())
    if arguments.queries or arguments.explain:
        for page in heavy_pages:
            print_queries(client, page, arguments.explain, arguments.queries)
    return 1 if arguments.check and (missed or not fixed) else 0


if __name__ == "__main__":
    sys.exit(main())
