"""Certificate rendering bench: how many PDF certificates one process draws per second.

`certificates.pdf.render_certificate()` is called N times (1,000 by default) on distinct certificates
(code, verification URL and QR code, agent, course title, 0 to 4 CRCN competences, date, duration), the
way the Celery task renders them when a whole department finishes a course. Three rows: without logo,
with a PNG logo (the same organisation's logo every time, as in a batch), and a worst case (logo, a
300-character name, a 250-character title, the 16 CRCN competences).

Target: at least 100 certificates per second in one process, QR code included.

The renderer is pure: no database is needed (Django's settings are loaded, nothing is migrated) and the
bench checks that no query is made. Every PDF must start with %PDF- and carry the right file name; the
first --verify certificates of each row are opened with pypdf (agent name and code in the text) and their
QR code is decoded with zxing-cpp when it is installed (requirements-dev.txt).

    .venv/bin/python bench/bench_certificate_render.py
    .venv/bin/python bench/bench_certificate_render.py --count 5000 --check

See bench/README.md for what each column means.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
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

from bench.common import QueryCounter  # noqa: E402
from bench.datasets import (  # noqa: E402
    COURSE_ANGLES,
    COURSE_SUBJECTS,
    DEFAULT_SEED,
    FEMALE_FIRST_NAMES,
    LAST_NAMES,
    MALE_FIRST_NAMES,
)

# Never opened (the renderer makes no query); set so that nothing can reach the developer database.
BENCH_SQLITE_URL = "sqlite:////tmp/capnum-bench-certificates.sqlite3"
TARGET_PER_SECOND = 100.0
CRCN = (
    ("1.1", "Mener une recherche et une veille d'information"),
    ("1.2", "Gérer des données"),
    ("1.3", "Traiter des données"),
    ("2.1", "Interagir"),
    ("2.2", "Partager et publier"),
    ("2.3", "Collaborer"),
    ("2.4", "S'insérer dans le monde numérique"),
    ("3.1", "Développer des documents textuels"),
    ("3.2", "Développer des documents multimédia"),
    ("3.3", "Adapter les documents à leur finalité"),
    ("3.4", "Programmer"),
    ("4.1", "Sécuriser l'environnement numérique"),
    ("4.2", "Protéger les données personnelles et la vie privée"),
    ("4.3", "Protéger la santé, le bien-être et l'environnement"),
    ("5.1", "Résoudre des problèmes techniques"),
    ("5.2", "Évoluer dans un environnement numérique"),
)


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1000, help="certificates rendered per row (%(default)s)")
    parser.add_argument("--warmups", type=int, default=20, help="renders before each row, not timed (%(default)s)")
    parser.add_argument(
        "--verify", type=int, default=20, help="certificates per row opened with pypdf and zxing (%(default)s)"
    )
    parser.add_argument("--profile", type=int, metavar="N", default=0, help="profile the first row, print N functions")
    parser.add_argument(
        "--check",
        action="store_true",
        help=f"exit with status 1 when a row renders fewer than {TARGET_PER_SECOND:.0f} certificates per second",
    )
    arguments = parser.parse_args()
    if arguments.count < 1 or arguments.warmups < 0 or arguments.verify < 0:
        parser.error("--count must be positive, --warmups and --verify not negative")
    return arguments


def set_up_django() -> None:
    """Settings as the other benches load them (DEBUG off), without migrating: no database is used."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.dev")
    os.environ.setdefault("DATABASE_URL", BENCH_SQLITE_URL)
    os.environ.setdefault("DEBUG", "0")
    import django

    django.setup()
    from django.utils import translation

    translation.activate("fr")


def png_logo() -> bytes:
    """A 600 × 240 logo with transparency, like an organisation's."""
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (600, 240), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((10, 10, 230, 230), fill=(0, 0, 145, 255))
    draw.rectangle((260, 80, 590, 160), fill=(225, 0, 15, 255))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def certificates(count: int, seed: int, *, logo: bytes | None = None, worst: bool = False) -> list:
    """`count` distinct certificates, the same ones on every run."""
    from django.conf import settings

    from certificates import codes
    from certificates.pdf import CertificateCompetence, CertificateData

    rng = random.Random(seed)
    competences = tuple(CertificateCompetence(code, name, rng.randint(1, 5)) for code, name in CRCN)
    long_name = " ".join(["Marie-Hélène", "Anne-Sophie", "Dupont-Lefèvre", "d'Auvergne"] * 8)[:300]
    long_title = " ".join(["Sensibilisation", "cybersécurité", "territoriaux", "numérique"] * 14)[:250]
    result = []
    for index in range(count):
        payload = "".join(rng.choice(codes.ALPHABET) for _ in range(codes.RANDOM_LENGTH))
        code = payload + codes.check_character(payload)
        first_name = rng.choice(FEMALE_FIRST_NAMES + MALE_FIRST_NAMES)
        name = f"{first_name} {rng.choice(LAST_NAMES)}"
        title = f"{rng.choice(COURSE_ANGLES)} {rng.choice(COURSE_SUBJECTS)}"
        data = CertificateData(
            code=codes.display(code),
            verification_url=f"{settings.SITE_URL}/verify/{code}/",
            agent_name=long_name[: 300 - len(str(index)) - 1] + f" {index}" if worst else name,
            organisation="Communauté d'agglomération du Val de Bench",
            title=long_title if worst else title,
            kind="course",
            completed_at=datetime.date(2026, 1, 1) + datetime.timedelta(days=rng.randrange(365)),
            duration_minutes=rng.choice((30, 45, 60, 90, 120, 195, 420)),
            competences=competences if worst else tuple(rng.sample(competences, rng.randint(0, 4))),
            signatory_name="Claire Lemaire",
            signatory_title="La Directrice générale des services",
            footer="Communauté d'agglomération du Val de Bench — 1 place de l'Hôtel de Ville",
            logo=logo,
        )
        result.append(data)
    return result


@dataclass
class Row:
    label: str
    count: int
    wall: float  # seconds for the whole row
    cpu: float
    durations: list[float]  # seconds per certificate
    sizes: list[int]
    cold_ms: float

    @property
    def per_second(self) -> float:
        return self.count / self.wall

    @property
    def per_cpu_second(self) -> float:
        return self.count / self.cpu


def run_row(label: str, batch: list, warmups: list, arguments, *, profile: bool = False) -> tuple[Row, list]:
    from django.db import connection

    from certificates.pdf import render_certificate

    started = time.perf_counter()
    render_certificate(warmups[0])  # the first of this kind: subsets, logo decoding
    cold_ms = (time.perf_counter() - started) * 1000
    for data in warmups[1:]:
        render_certificate(data)
    counter = QueryCounter()
    profiler = cProfile.Profile() if profile else None
    results, durations = [], []
    with connection.execute_wrapper(counter):
        if profiler:
            profiler.enable()
        cpu_started, wall_started = time.process_time(), time.perf_counter()
        for data in batch:
            before = time.perf_counter()
            results.append(render_certificate(data))
            durations.append(time.perf_counter() - before)
        wall, cpu = time.perf_counter() - wall_started, time.process_time() - cpu_started
        if profiler:
            profiler.disable()
    if counter.count:
        sys.exit(f"{label}: the renderer made {counter.count} database queries; it must make none.")
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(arguments.profile)
    row = Row(label, len(batch), wall, cpu, durations, [len(content) for _name, _type, content in results], cold_ms)
    return row, results


def verify(label: str, batch: list, results: list, sample: int) -> str:
    """Stop the bench when a PDF is wrong; returns what could be checked."""
    from pypdf import PdfReader

    try:
        import zxingcpp
    except ImportError:
        zxingcpp = None
    for data, (filename, content_type, content) in zip(batch, results, strict=True):
        if content_type != "application/pdf" or not content.startswith(b"%PDF-"):
            sys.exit(f"{label}: certificate {data.code} is not a PDF")
        if filename != f"attestation-{data.code}.pdf":
            sys.exit(f"{label}: certificate {data.code} is named {filename}")
    for data, (_filename, _content_type, content) in list(zip(batch, results, strict=True))[:sample]:
        page = PdfReader(io.BytesIO(content)).pages[0]
        text = " ".join(page.extract_text().split())
        if data.agent_name not in text or data.code not in text or len(page.images) != 1 + bool(data.logo):
            sys.exit(f"{label}: certificate {data.code} does not show its name, code or images")
        if zxingcpp is not None:
            decoded = [code.text for image in page.images for code in zxingcpp.read_barcodes(image.image)]
            if decoded != [data.verification_url]:
                sys.exit(f"{label}: the QR code of {data.code} reads {decoded}, not {data.verification_url}")
    checked = f"all {len(results)} are PDFs named attestation-<code>.pdf; {min(sample, len(results))} opened"
    return checked + (", QR codes decoded" if zxingcpp is not None else " (zxing-cpp missing: QR not decoded)")


def reference_loop_ms() -> float:
    """CPU time of `sum(range(10**6))`, best of 5: a yardstick to compare this machine with another."""
    best = float("inf")
    for _ in range(5):
        started = time.process_time()
        sum(range(10**6))
        best = min(best, time.process_time() - started)
    return best * 1000


def accelerated() -> str:
    try:
        import _rl_accel  # noqa: F401
    except ImportError:
        return "no (pure-Python fallbacks)"
    return "yes"


def main() -> int:
    arguments = parse_arguments()
    set_up_django()
    import qrcode
    import reportlab

    logo = png_logo()
    plans = [
        ("no logo", {}),
        ("PNG logo 600×240", {"logo": logo}),
        ("worst case: logo, 300-char name, 250-char title, 16 competences", {"logo": logo, "worst": True}),
    ]
    print(
        f"Python {platform.python_version()}, ReportLab {reportlab.Version} "
        f"(C accelerator rl_accel: {accelerated()}), qrcode {qrcode_version(qrcode)}; "
        f"load average {', '.join(f'{load:.1f}' for load in os.getloadavg())} on {os.cpu_count()} CPUs; "
        f"yardstick sum(range(10**6)) {reference_loop_ms():.1f} ms CPU"
    )
    print(f"{arguments.count} certificates per row, {arguments.warmups} warm-ups; target ≥ {TARGET_PER_SECOND:.0f}/s\n")
    rows, notes = [], []
    for index, (label, options) in enumerate(plans):
        batch = certificates(arguments.count, DEFAULT_SEED + index, **options)
        warmups = certificates(max(1, arguments.warmups), DEFAULT_SEED + 100 + index, **options)
        row, results = run_row(label, batch, warmups, arguments, profile=bool(arguments.profile) and index == 0)
        notes.append(f"{label}: {verify(label, batch, results, arguments.verify)}")
        rows.append(row)
    header = (
        f"{'row':<66} {'count':>6} {'wall s':>7} {'cert/s':>7} {'mean ms':>8} {'p95 ms':>7} "
        f"{'CPU ms':>7} {'cert/CPU s':>10} {'KiB':>5} {'cold ms':>8}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        p95 = statistics.quantiles(row.durations, n=20)[-1] if len(row.durations) > 1 else row.durations[0]
        print(
            f"{row.label:<66} {row.count:>6} {row.wall:>7.2f} {row.per_second:>7.0f} "
            f"{statistics.fmean(row.durations) * 1000:>8.2f} {p95 * 1000:>7.2f} "
            f"{row.cpu / row.count * 1000:>7.2f} {row.per_cpu_second:>10.0f} "
            f"{statistics.fmean(row.sizes) / 1024:>5.0f} {row.cold_ms:>8.1f}"
        )
    print()
    for note in notes:
        print(f"checked, {note}")
    missed = [row.label for row in rows if row.per_second < TARGET_PER_SECOND]
    if missed:
        print(f"\nBelow {TARGET_PER_SECOND:.0f} certificates per second (wall clock): {'; '.join(missed)}")
    else:
        print(f"\nEvery row renders at least {TARGET_PER_SECOND:.0f} certificates per second.")
    return 1 if arguments.check and missed else 0


def qrcode_version(module) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(module.__name__)
    except PackageNotFoundError:
        return "?"


if __name__ == "__main__":
    sys.exit(main())
