"""Catalogue bench: how long an agent waits for the catalogue, a course and a lesson of a 500-course catalogue.

The bench builds (once; it is reused by later runs) the starter catalogue of the demo, 500 generated courses
with competences, audiences and tags, and one course of 20 lessons whose bodies are starter lessons. Then,
as a signed-in agent through Django's test client, it requests each page below 5 times to warm the caches
and 50 times measured, and prints the median and 95th percentile of the server time and the queries:

  catalogue, page 1        /catalogue/
  catalogue, filtered      /catalogue/?domain=…&level=…&audience=… (page 1 of the filtered list)
  catalogue, search        /catalogue/?q=… (words found in course titles and in lesson bodies)
  course page              the page of the 20-lesson course
  lesson page              the 10th lesson of the 20-lesson course

The target is a median under 30 ms for every page.

    .venv/bin/python bench/bench_catalogue.py                  # SQLite, /tmp/capnum-bench-catalogue.sqlite3
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/capnum_bench_catalogue .venv/bin/python bench/bench_catalogue.py

See bench/README.md ("The catalogue bench") for every option and what each column means.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import platform
import pstats
import random
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import QueryCounter, database_label, set_up_django  # noqa: E402

BENCH_SQLITE_URL = "sqlite:////tmp/capnum-bench-catalogue.sqlite3"
SLUG_PREFIX = "bench-catalogue-"
LONG_COURSE_SLUG = SLUG_PREFIX + "parcours-long"
AGENT_EMAIL = "agent@catalogue-bench.example"
ORGANISATION_SLUG = "bench-catalogue"
SEED = 20_26
TARGET_MEDIAN_MS = 30.0

CRCN_CODES = [
    "1.1", "1.2", "1.3", "2.1", "2.2", "2.3", "2.4", "3.1",
    "3.2", "3.3", "3.4", "4.1", "4.2", "4.3", "5.1", "5.2",
]  # fmt: skip
AUDIENCES = ["all_staff", "managers", "elected_officials", "hr", "technical_staff", "communication", "front_desk"]
LEVELS = ["decouverte", "intermediaire", "avance"]
DURATIONS = [15, 20, 30, 45, 60, 75, 90, 120, 150, 180]
SUBJECTS = [
    "la messagerie", "le tableur", "la visioconférence", "les réseaux sociaux", "la sécurité du poste",
    "les mots de passe", "le cloud", "la signature électronique", "le RGPD", "les données ouvertes",
    "le traitement de texte", "les démarches en ligne", "l'accessibilité numérique", "le smartphone",
    "le télétravail", "la gestion électronique des documents", "les outils collaboratifs", "l'hameçonnage",
    "la sobriété numérique", "les marchés publics dématérialisés",
]  # fmt: skip
ANGLES = [
    "Prendre en main", "Bien utiliser", "Sécuriser", "Maîtriser", "Découvrir", "Accompagner les usagers dans",
    "Organiser son travail avec", "Aller plus loin avec",
]  # fmt: skip
TAGS = [
    "bureautique", "sécurité", "données", "usagers", "communication", "mobilité", "réunion", "juridique",
    "collaboration", "accessibilité", "environnement", "encadrement", "élus", "accueil", "archives", "tableur",
    "messagerie", "cloud", "rgpd", "fraude", "sauvegarde", "smartphone", "visioconférence", "télétravail",
    "e-administration", "open data", "signature", "marchés publics", "réseaux sociaux", "mots de passe",
]  # fmt: skip


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--courses", type=int, default=500, help="generated courses (default: %(default)s)")
    parser.add_argument("--lessons", type=int, default=20, help="lessons of the long course (default: %(default)s)")
    parser.add_argument("--requests", type=int, default=50, help="measured requests per page (default: %(default)s)")
    parser.add_argument("--warmups", type=int, default=5, help="unmeasured requests first (default: %(default)s)")
    parser.add_argument(
        "--rebuild", action="store_true", help="delete the bench courses and build them again (default: reuse)"
    )
    parser.add_argument(
        "--profile",
        type=int,
        metavar="N",
        default=0,
        help="run the measured requests under cProfile and print each page's N most expensive functions",
    )
    parser.add_argument(
        "--check", action="store_true", help=f"exit with status 1 when a median is {TARGET_MEDIAN_MS:.0f} ms or more"
    )
    arguments = parser.parse_args()
    if min(arguments.courses, arguments.lessons, arguments.requests) < 1 or arguments.warmups < 0:
        parser.error("--courses, --lessons and --requests must be positive, --warmups zero or more")
    return arguments


# Dataset


@dataclass(frozen=True)
class CourseSpec:
    slug: str
    title: str
    summary: str
    level: str
    duration_minutes: int
    competences: tuple[tuple[str, int], ...]
    audiences: tuple[str, ...]
    tags: tuple[str, ...]
    objectives: tuple[str, ...]


def course_specs(count: int, seed: int = SEED) -> list[CourseSpec]:
    """`count` courses, the same every time: French titles, 1-3 competences, 1-2 audiences, 2-4 tags."""
    rng = random.Random(seed)
    specs = []
    for number in range(count):
        angle, subject = rng.choice(ANGLES), rng.choice(SUBJECTS)
        specs.append(
            CourseSpec(
                slug=f"{SLUG_PREFIX}{number:04d}",
                title=f"{angle} {subject} ({number + 1})",
                summary=f"{angle} {subject} : les gestes du quotidien, expliqués pas à pas pour les agents.",
                level=rng.choice(LEVELS),
                duration_minutes=rng.choice(DURATIONS),
                competences=tuple((code, rng.randint(1, 5)) for code in rng.sample(CRCN_CODES, rng.randint(1, 3))),
                audiences=tuple(rng.sample(AUDIENCES, rng.randint(1, 2))),
                tags=tuple(rng.sample(TAGS, rng.randint(2, 4))),
                objectives=(f"{angle} {subject} en autonomie", f"Savoir à qui s'adresser pour {subject}"),
            )
        )
    return specs


def bench_courses():
    from courses.models import CoursePage

    return CoursePage.objects.filter(slug__startswith=SLUG_PREFIX)


def delete_bench_courses() -> None:
    from wagtail.models import Page

    for page in Page.objects.filter(slug__startswith=SLUG_PREFIX, depth=4):
        page.delete()


def build_dataset(arguments) -> tuple[float, bool]:
    """The starter catalogue, the generated courses and the long course; return (seconds, reused)."""
    from django.db import transaction

    from courses.factories import CatalogPageFactory, CoursePageFactory, LessonPageFactory
    from courses.models import LessonPage
    from courses.starter_format import read_catalogue
    from home.demo_catalogue import load_catalogue, stream_block

    started = time.perf_counter()
    if arguments.rebuild:
        delete_bench_courses()
    long_course = bench_courses().filter(slug=LONG_COURSE_SLUG).first()
    complete = (
        bench_courses().exclude(slug=LONG_COURSE_SLUG).count() == arguments.courses
        and long_course is not None
        and LessonPage.objects.live().child_of(long_course).count() == arguments.lessons
    )
    if complete:
        return time.perf_counter() - started, True
    delete_bench_courses()
    load_catalogue(size="normal")
    catalog = CatalogPageFactory()
    for spec in course_specs(arguments.courses):
        with transaction.atomic():
            CoursePageFactory(
                parent=catalog,
                slug=spec.slug,
                title=spec.title,
                summary=spec.summary,
                level=spec.level,
                duration_minutes=spec.duration_minutes,
                competences=spec.competences,
                audiences=spec.audiences,
                tags=list(spec.tags),
                objectives=spec.objectives,
            )
    starter_lessons = [lesson for course in read_catalogue() for lesson in course.lessons]
    with transaction.atomic():
        long_course = CoursePageFactory(
            parent=catalog,
            slug=LONG_COURSE_SLUG,
            title="Parcours complet de l'agent numérique",
            summary="Vingt leçons pour faire le tour des usages numériques du service public local.",
            duration_minutes=sum(lesson.minutes for lesson in starter_lessons[: arguments.lessons]),
            competences=(("4.1", 3), ("2.1", 2), ("1.1", 2), ("5.1", 2)),
            audiences=("all_staff",),
            tags=["sécurité", "messagerie", "cloud"],
            objectives=("Utiliser les outils numériques du poste en sécurité",),
        )
        for number in range(arguments.lessons):
            lesson = starter_lessons[number % len(starter_lessons)]
            LessonPageFactory(
                parent=long_course,
                slug=f"lecon-{number + 1:02d}",
                title=f"{number + 1}. {lesson.title}",
                minutes=lesson.minutes,
                body=[stream_block(block) for block in lesson.blocks],
            )
    return time.perf_counter() - started, False


def refresh_statistics() -> None:
    """Give the planner real row counts: on a freshly built PostgreSQL database it still thinks tables are empty."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def bench_agent():
    from people.factories import AgentFactory, OrganisationFactory, UserFactory
    from people.models import Agent

    agent = Agent.objects.filter(user__email=AGENT_EMAIL).select_related("user").first()
    if agent is None:
        organisation = OrganisationFactory(slug=ORGANISATION_SLUG, name="Commune du Banc d'Essai")
        agent = AgentFactory(user=UserFactory(email=AGENT_EMAIL), organisation=organisation)
    return agent.user


# Measuring


@dataclass
class Measure:
    name: str
    url: str
    results: int | None
    milliseconds: list[float]
    cpu_milliseconds: list[float]
    queries: list[int]
    size: int
    profile: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.milliseconds)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu_milliseconds)

    @property
    def p95(self) -> float:
        """Nearest-rank 95th percentile: the value below which 95 % of the requests fall."""
        ordered = sorted(self.milliseconds)
        return ordered[max(0, -(-95 * len(ordered) // 100) - 1)]


def measure_page(client, name: str, url: str, arguments, check) -> Measure:
    from django.db import connection

    for _number in range(arguments.warmups):
        check(client.get(url))
    milliseconds, cpu_milliseconds, queries = [], [], []
    profiler = cProfile.Profile() if arguments.profile else None
    size = 0
    for _number in range(arguments.requests):
        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            if profiler:
                profiler.enable()
            started, cpu_started = time.perf_counter(), time.process_time()
            response = client.get(url)
            elapsed, cpu_elapsed = time.perf_counter() - started, time.process_time() - cpu_started
            if profiler:
                profiler.disable()
        check(response)
        size = len(response.content)
        milliseconds.append(elapsed * 1000)
        cpu_milliseconds.append(cpu_elapsed * 1000)
        queries.append(counter.count)
    report = ""
    if profiler:
        buffer = io.StringIO()
        pstats.Stats(profiler, stream=buffer).sort_stats("cumulative").print_stats(arguments.profile)
        report = buffer.getvalue()
    results = None
    content = response.content.decode()
    if "course-card" in content:
        results = content.count('class="course-card"')
    return Measure(name, url, results, milliseconds, cpu_milliseconds, queries, size, report)


def expect_ok(response) -> None:
    """Stop the bench on anything but a rendered page: a fast error page does not produce a table."""
    if response.status_code != 200:
        request = response.request
        sys.exit(f"{request['PATH_INFO']}?{request.get('QUERY_STRING', '')}: status {response.status_code}")


def pages_to_measure(arguments) -> list[tuple[str, str, int | None]]:
    """(name, url, expected number of cards on the page or None) for each measured page."""
    from django.http import QueryDict

    from courses.models import CatalogPage, LessonPage
    from courses.selectors import catalogue_courses, parse_filters
    from courses.views import COURSES_PER_PAGE

    catalog = CatalogPage.objects.get()
    long_course = bench_courses().get(slug=LONG_COURSE_SLUG)
    lesson = LessonPage.objects.live().child_of(long_course).order_by("path")[arguments.lessons // 2 - 1 :][0]

    def cards(query: str) -> int:
        found = catalogue_courses(catalog, parse_filters(QueryDict(query))).count()
        if not found:
            sys.exit(f"the bench query {query!r} finds no course: the dataset is not what the bench expects")
        return min(found, COURSES_PER_PAGE)

    filtered = "domain=4&level=decouverte&audience=all_staff"
    search = "q=securite"
    return [
        ("catalogue, page 1", catalog.url, cards("")),
        ("catalogue, filtered", f"{catalog.url}?{filtered}", cards(filtered)),
        ("catalogue, search", f"{catalog.url}?{search}", cards(search)),
        ("course page (20 lessons)", long_course.url, None),
        (f"lesson page ({arguments.lessons // 2}/{arguments.lessons})", lesson.url, None),
    ]


def print_table(measures: list[Measure]) -> None:
    header = (
        f"{'page':<26} {'median ms':>10} {'p95 ms':>8} {'min ms':>8} {'CPU ms':>7} "
        f"{'queries':>8} {'cards':>6} {'KiB':>5}  url"
    )
    print(header)
    print("-" * len(header))
    for item in measures:
        low, high = min(item.queries), max(item.queries)
        queries = str(low) if low == high else f"{low}-{high}"
        cards = "" if item.results is None else str(item.results)
        print(
            f"{item.name:<26} {item.median:>10.1f} {item.p95:>8.1f} {min(item.milliseconds):>8.1f} "
            f"{item.cpu_median:>7.1f} {queries:>8} {cards:>6} {item.size / 1024:>5.0f}  {item.url}"
        )


def main() -> int:
    arguments = parse_arguments()
    set_up_django(BENCH_SQLITE_URL)
    import django
    from django.test import Client

    from courses.models import CoursePage, LessonPage

    build_seconds, reused = build_dataset(arguments)
    refresh_statistics()
    user = bench_agent()
    client = Client(SERVER_NAME="localhost", raise_request_exception=True)
    client.force_login(user)

    print(f"Catalogue bench — {database_label()}")
    print(
        f"Python {platform.python_version()}, Django {django.get_version()}, "
        f"settings {os.environ['DJANGO_SETTINGS_MODULE']}, DEBUG={os.environ['DEBUG']}, "
        f"load average {' '.join(f'{value:.2f}' for value in os.getloadavg())}"
    )
    print(
        f"dataset: {CoursePage.objects.live().count()} live courses ({arguments.courses} generated, "
        f"1 of {arguments.lessons} lessons, the rest from the starter catalogue), "
        f"{LessonPage.objects.live().count()} live lessons; "
        f"{'reused' if reused else 'built'} in {build_seconds:.1f} s"
    )
    print(f"{arguments.warmups} warm-up requests then {arguments.requests} measured requests per page, one client")
    if arguments.profile:
        print("Timings include cProfile overhead: compare them only with runs using the same flags.")
    print()

    measures = []
    for name, url, expected_cards in pages_to_measure(arguments):
        item = measure_page(client, name, url, arguments, expect_ok)
        if expected_cards is not None and item.results != expected_cards:
            sys.exit(f"{name}: {item.results} cards on the page, the selector says {expected_cards}")
        measures.append(item)
    print_table(measures)
    print()
    missed = [item for item in measures if item.median >= TARGET_MEDIAN_MS]
    slowest = max(measures, key=lambda item: item.median)
    verdict = "MISSED by " + ", ".join(item.name for item in missed) if missed else "met"
    print(
        f"target median under {TARGET_MEDIAN_MS:.0f} ms on every page: {verdict} "
        f"(slowest: {slowest.name}, {slowest.median:.1f} ms)"
    )
    for item in measures:
        if item.profile:
            print()
            print(f"=== cProfile: {item.name}, {arguments.requests} requests ===")
            print(item.profile.rstrip())
    return 1 if arguments.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())
