"""Agent import bench: how long HR waits for a CSV of 1,000, 5,000 and 20,000 agents.

For each size, starting from an empty bench organisation, four steps are timed with `time.perf_counter`:

  dry run (preview)   `preview_agent_import()`: the file is read, compared and rolled back, and kept
  first import        `import_agents(send_invitations=False)`: every row creates a user and an agent
  re-import           the same file again: every row is unchanged
  re-import 10 %      the same file with one row in ten changed: those rows are updated

Each step checks its own counts (created, updated, unchanged) so a fast but wrong import cannot pass.
The target is a 20,000-row file imported in under 30 seconds.

    .venv/bin/python bench/bench_import_agents.py                      # SQLite, /tmp/capnum-bench.sqlite3
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/capnum_bench .venv/bin/python bench/bench_import_agents.py

See bench/README.md for every option and what each column means.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import platform
import pstats
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import QueryCounter, database_label, set_up_django  # noqa: E402
from bench.datasets import (  # noqa: E402
    DOMAIN,
    agent_records,
    modified_rows,
    modify_records,
    render_csv,
    service_tree,
)

BENCH_SQLITE_URL = "sqlite:////tmp/capnum-bench.sqlite3"
ORGANISATION_SLUG = "bench-import-agents"
UPLOADER_EMAIL = "rh-bench@capnum.example"
DEFAULT_SIZES = (1_000, 5_000, 20_000)
MODIFIED_SHARE = 0.10
TARGET_ROWS = 20_000
TARGET_SECONDS = 30.0


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        default=",".join(str(size) for size in DEFAULT_SIZES),
        help="comma-separated numbers of rows (default: %(default)s)",
    )
    parser.add_argument(
        "--services", type=int, default=20, help="distinct services named by the file (default: %(default)s)"
    )
    parser.add_argument(
        "--tracemalloc",
        action="store_true",
        help="also report each step's Python heap peak (tracemalloc slows every step down)",
    )
    parser.add_argument(
        "--profile",
        type=int,
        metavar="N",
        default=0,
        help="run every step under cProfile and print its N most expensive functions (slows steps down)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help=f"exit with status 1 when {TARGET_ROWS:,} rows take {TARGET_SECONDS:.0f} s or more",
    )
    arguments = parser.parse_args()
    try:
        arguments.sizes = [int(size.replace("_", "")) for size in arguments.sizes.split(",") if size.strip()]
    except ValueError:
        parser.error("--sizes takes numbers separated by commas, e.g. --sizes 1000,20000")
    if not arguments.sizes or min(arguments.sizes) < 1 or arguments.services < 1:
        parser.error("sizes and --services must be positive")
    return arguments


@dataclass
class Measure:
    rows: int
    step: str
    seconds: float
    queries: int
    max_rss_mib: float
    heap_peak_mib: float | None
    profile: str = ""


def max_rss_mib() -> float:
    """The process's resident memory high-water mark so far (kilobytes on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def measure(rows: int, step: str, action: Callable[[], object], arguments) -> tuple[Measure, object]:
    from django.db import connection

    counter = QueryCounter()
    profiler = cProfile.Profile() if arguments.profile else None
    if arguments.tracemalloc:
        tracemalloc.start()
    with connection.execute_wrapper(counter):
        if profiler:
            profiler.enable()
        started = time.perf_counter()
        outcome = action()
        seconds = time.perf_counter() - started
        if profiler:
            profiler.disable()
    heap_peak = None
    if arguments.tracemalloc:
        heap_peak = tracemalloc.get_traced_memory()[1] / (1024 * 1024)
        tracemalloc.stop()
    report = ""
    if profiler:
        buffer = io.StringIO()
        pstats.Stats(profiler, stream=buffer).sort_stats("cumulative").print_stats(arguments.profile)
        report = buffer.getvalue()
    return Measure(rows, step, seconds, counter.count, max_rss_mib(), heap_peak, report), outcome


def expect(step: str, result, **counts: int) -> None:
    """Stop the bench when an import failed or counted differently from what the dataset says."""
    if result.errors:
        shown = "\n".join(f"  {error}" for error in result.errors[:10])
        sys.exit(f"{step}: the import was rejected ({len(result.errors)} errors):\n{shown}")
    found = {name: getattr(result, name) for name in counts}
    if found != counts:
        sys.exit(f"{step}: expected {counts}, got {found}")


def bench_organisation():
    from people.models import Organisation, User

    organisation, _created = Organisation.objects.get_or_create(
        slug=ORGANISATION_SLUG, defaults={"name": "Commune de Bench", "kind": Organisation.Kind.COMMUNE}
    )
    uploader, _created = User.objects.get_or_create(
        email=UPLOADER_EMAIL, defaults={"first_name": "Rachida", "last_name": "Hérault"}
    )
    return organisation, uploader


def empty_organisation(organisation) -> float:
    """Delete the bench organisation's imports, agents, their users and services; return the seconds spent.

    One DELETE per table. Users are every address of the bench domain, which also removes an account left
    behind by an interrupted run. Django's `QuerySet.delete()` would walk every model that points at a
    user (Wagtail has many) batch by batch, about 10 s for 20,000 users on SQLite; it is the fallback when
    some other row still references a bench agent or user (the database refuses the plain DELETE).
    """
    from django.db import IntegrityError, connection, transaction

    from people.models import Agent, AgentImport, Service, User

    started = time.perf_counter()
    quote = connection.ops.quote_name
    bench_users = "user_id IN (SELECT id FROM {users} WHERE email LIKE %s)"
    pattern = "%@" + DOMAIN
    statements = (
        (AgentImport, "organisation_id = %s", [organisation.pk]),
        (Agent, "organisation_id = %s", [organisation.pk]),
        (User.groups.through, bench_users, [pattern]),
        (User.user_permissions.through, bench_users, [pattern]),
        (User, "email LIKE %s", [pattern]),
    )
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            for model, condition, params in statements:
                table, where = quote(model._meta.db_table), condition.format(users=quote(User._meta.db_table))
                # Table names come from model metadata and every value is a query parameter.
                cursor.execute(f"DELETE FROM {table} WHERE {where}", params)  # noqa: S608
            Service.objects.filter(organisation=organisation).delete()
    except IntegrityError:
        with transaction.atomic():
            AgentImport.objects.filter(organisation=organisation).delete()
            Agent.objects.filter(organisation=organisation).delete()
            User.objects.filter(email__endswith="@" + DOMAIN).delete()
            Service.objects.filter(organisation=organisation).delete()
    return time.perf_counter() - started


def services_named(records, services: int) -> int:
    """How many services the first import creates: those the rows name, and their parents."""
    tree = service_tree(services)
    named: set[int] = set()
    for record in records:
        node = record.node
        while node is not None and node not in named:
            named.add(node)
            node = tree[node].parent
    return len(named)


def bench_size(rows: int, organisation, uploader, arguments) -> tuple[list[Measure], float]:
    from people.models import Agent
    from people.services import import_agents, preview_agent_import

    cleanup = empty_organisation(organisation)
    records = agent_records(rows, organisation_services=arguments.services)
    changed_records = modify_records(records, share=MODIFIED_SHARE, organisation_services=arguments.services)
    data, changed_data = render_csv(records), render_csv(changed_records)
    changed = modified_rows(rows, MODIFIED_SHARE)

    def preview():
        return preview_agent_import(
            organisation_id=organisation.pk,
            uploaded_by_id=uploader.pk,
            filename=f"agents-{rows}.csv",
            data=data,
            send_invitations=False,
        )

    step = "dry run (preview)"
    step_measure, agent_import = measure(rows, step, preview, arguments)
    summary = agent_import.summary
    if summary.get("errors") or summary.get("created") != rows:
        sys.exit(f"{step}: expected {rows} created and no error, got {summary}")
    measures = [step_measure]

    steps = (
        ("first import", data, {"created": rows, "updated": 0, "unchanged": 0}),
        ("re-import, unchanged", data, {"created": 0, "updated": 0, "unchanged": rows}),
        (
            f"re-import, {MODIFIED_SHARE:.0%} changed",
            changed_data,
            {"created": 0, "updated": changed, "unchanged": rows - changed},
        ),
    )
    for step, content, counts in steps:

        def run(content=content):
            return import_agents(organisation_id=organisation.pk, data=content, send_invitations=False)

        step_measure, result = measure(rows, step, run, arguments)
        expect(step, result, **counts)
        if step == "first import" and len(result.services_created) != services_named(records, arguments.services):
            sys.exit(f"{step}: expected {services_named(records, arguments.services)} services, got {result}")
        measures.append(step_measure)

    managed = Agent.objects.filter(organisation=organisation, manager__isnull=False).count()
    wanted = sum(1 for record in changed_records if record.manager_email)
    if managed != wanted:
        sys.exit(f"after the imports: {managed} agents have a manager, the last file names {wanted}")
    return measures, cleanup


def print_table(measures: list[Measure], arguments) -> None:
    heap = arguments.tracemalloc
    header = f"{'rows':>7}  {'step':<24} {'seconds':>8} {'rows/s':>9} {'queries':>8} {'max RSS MiB':>12}"
    if heap:
        header += f" {'heap peak MiB':>14}"
    print(header)
    print("-" * len(header))
    previous_rows = None
    for item in measures:
        rows = f"{item.rows:,}" if item.rows != previous_rows else ""
        previous_rows = item.rows
        line = (
            f"{rows:>7}  {item.step:<24} {item.seconds:>8.2f} {item.rows / item.seconds:>9,.0f} "
            f"{item.queries:>8,} {item.max_rss_mib:>12.0f}"
        )
        if heap:
            line += f" {item.heap_peak_mib:>14.1f}"
        print(line)


def main() -> int:
    arguments = parse_arguments()
    set_up_django(BENCH_SQLITE_URL)
    import django

    organisation, uploader = bench_organisation()
    print(f"Agent import bench — {database_label()}")
    print(
        f"Python {platform.python_version()}, Django {django.get_version()}, "
        f"settings {os.environ['DJANGO_SETTINGS_MODULE']}, DEBUG={os.environ['DEBUG']}, "
        f"{arguments.services} services in the file, {MODIFIED_SHARE:.0%} of rows changed in the last step"
    )
    if arguments.tracemalloc or arguments.profile:
        print("Timings include tracemalloc/cProfile overhead: compare them only with runs using the same flags.")
    print(f"max RSS after set-up: {max_rss_mib():.0f} MiB")
    print()
    measures: list[Measure] = []
    cleanups: list[str] = []
    for rows in arguments.sizes:
        size_measures, cleanup = bench_size(rows, organisation, uploader, arguments)
        measures.extend(size_measures)
        cleanups.append(f"{cleanup:.2f} s")
    final_cleanup = empty_organisation(organisation)
    print_table(measures, arguments)
    print()
    print(f"clean-up before each size (not timed above): {', '.join(cleanups)}; after the last: {final_cleanup:.2f} s")
    print(f"peak memory (max RSS of this process): {max_rss_mib():.0f} MiB")

    missed = [item for item in measures if item.rows >= TARGET_ROWS and item.seconds >= TARGET_SECONDS]
    target_measures = [item for item in measures if item.rows == TARGET_ROWS]
    if target_measures:
        slowest = max(target_measures, key=lambda item: item.seconds)
        verdict = "MISSED" if missed else "met"
        print(
            f"target {TARGET_ROWS:,} rows in under {TARGET_SECONDS:.0f} s: {verdict} "
            f"(slowest step: {slowest.step}, {slowest.seconds:.2f} s)"
        )
    else:
        print(f"target {TARGET_ROWS:,} rows in under {TARGET_SECONDS:.0f} s: not measured at this size")
    for item in measures:
        if item.profile:
            print()
            print(f"=== cProfile: {item.rows:,} rows, {item.step} ===")
            print(item.profile.rstrip())
    return 1 if arguments.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())
