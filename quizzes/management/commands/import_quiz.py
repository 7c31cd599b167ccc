import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from quizzes.importing import FORMATS, import_quiz


class Command(BaseCommand):
    help = "Import a quiz from a Moodle GIFT or Aiken file (nothing written on any error)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--format", choices=FORMATS, required=True, dest="fmt")
        parser.add_argument("--title", required=True)
        parser.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
        parser.add_argument("--json", action="store_true", dest="as_json", help="print one JSON object")

    def handle(self, *args, file: Path, fmt: str, title: str, dry_run: bool, as_json: bool, **options):
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"Lecture impossible de {file} : {exc.strerror}") from exc
        report = import_quiz(data=data, fmt=fmt, title=title, dry_run=dry_run)
        if as_json:
            self.stdout.write(json.dumps(report.as_json(), ensure_ascii=False))
        else:
            for error in report.result.errors:
                self.stderr.write(f"Ligne {error.line} : {error.message}")
            if report.ok:
                verb = "importables" if dry_run else "importées"
                self.stdout.write(f"{len(report.result.questions)} questions {verb}.")
        if not report.ok:
            raise SystemExit(1)
