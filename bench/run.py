"""Run every bench: each `bench/bench_*.py` in turn, with this interpreter, and print what it prints.

    .venv/bin/python bench/run.py                 # or: make bench
    .venv/bin/python bench/run.py import_agents   # only the benches whose name contains this word

Each script runs in its own process (a fresh Django, a fresh memory high-water mark) with the current
environment, so DATABASE_URL applies to all of them. The exit status is 1 when any bench failed.

The benches (bench/README.md describes each):

    bench_catalogue.py            catalogue, course and lesson pages of a 500-course catalogue
    bench_certificate_render.py   certificate PDFs per second (no database)
    bench_import_agents.py        the agent CSV import, 1,000 to 20,000 rows
    bench_progress.py             Mon espace, course, lesson and lesson completion among 50,000 agents and
                                  5 million lesson-progress rows; PostgreSQL only, in its own database
                                  (capnum_bench_progress, created if missing; about 20 minutes to build the
                                  first time, reused afterwards): `run.py progress` runs it alone
    bench_quiz_grading.py         grading 20-question attempts, and 500 agents taking a quiz at once
    bench_skills_heatmap.py       the HR skills heatmap for 50,000 agents (PostgreSQL, its own database)
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent


def main(words: list[str]) -> int:
    scripts = sorted(BENCH_DIR.glob("bench_*.py"))
    if words:
        scripts = [script for script in scripts if any(word in script.stem for word in words)]
    if not scripts:
        print(f"No bench matches {words} in {BENCH_DIR}.", file=sys.stderr)
        return 1
    failed: list[str] = []
    for script in scripts:
        print(f"===== {script.relative_to(BENCH_DIR.parent)} =====", flush=True)
        started = time.perf_counter()
        completed = subprocess.run([sys.executable, str(script)], cwd=BENCH_DIR.parent, check=False)
        elapsed = time.perf_counter() - started
        if completed.returncode:
            failed.append(script.name)
            print(f"----- {script.name} failed (exit status {completed.returncode}) after {elapsed:.0f} s", flush=True)
        else:
            print(f"----- {script.name} done in {elapsed:.0f} s", flush=True)
        print(flush=True)
    if failed:
        print(f"{len(failed)} of {len(scripts)} benches failed: {', '.join(failed)}")
        return 1
    print(f"{len(scripts)} bench(es) run.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
