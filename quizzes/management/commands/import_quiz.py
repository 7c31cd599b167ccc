import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from quizzes.importing import FORMATS, import_quiz
from quizzes.positioning import configure_positioning


class Command(BaseCommand):
    help = "Import a quiz from a Moodle GIFT or Aiken file (nothing written on any error)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--format", choices=FORMATS, required=True, dest="fmt")
        parser.add_argument("--title", required=True)
        parser.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
        parser.add_argument("--json", action="store_true", dest="as_json", help="print one JSON object")
        parser.add_argument(
            "--positioning",
            action="store_true",
            help="a positioning test: questions titled `C<code>-N<level> …` get that CRCN competence and level",
        )

    def handle(
        self, *args, file: Path, fmt: str, title: str, dry_run: bool, as_json: bool, positioning: bool, **options
    ):
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"Lecture impossible de {file} : {exc.strerror}") from exc
        with transaction.atomic():
            report = import_quiz(data=data, fmt=fmt, title=title, dry_run=dry_run)
            tagged = configure_positioning(report.quiz) if positioning and report.quiz else None
        if as_json:
            self.stdout.write(json.dumps(report.as_json(), ensure_ascii=False))
        else:
            for error in report.result.errors:
                self.stderr.write(f"Ligne {error.line} : {error.message}")
            if report.ok:
                verb = "importables" if dry_run else "importées"
                self.stdout.write(f"{len(report.result.questions)} questions {verb}.")
            if tagged is not None:
                self.stdout.write(
                    f"Test de positionnement : {tagged} questions rattachées à une compétence et un niveau."
                )
        if not report.ok:
            raise SystemExit(1)
