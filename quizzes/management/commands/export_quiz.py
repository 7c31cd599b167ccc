from django.core.management.base import BaseCommand, CommandError

from quizzes.importing import FORMATS, export_quiz
from quizzes.models import Quiz


class Command(BaseCommand):
    help = "Print a quiz in Moodle GIFT or Aiken format."

    def add_arguments(self, parser):
        parser.add_argument("quiz_id", type=int)
        parser.add_argument("--format", choices=FORMATS, required=True, dest="fmt")

    def handle(self, *args, quiz_id: int, fmt: str, **options):
        try:
            quiz = Quiz.objects.get(pk=quiz_id)
        except Quiz.DoesNotExist as exc:
            raise CommandError(f"Quiz inconnu : {quiz_id}") from exc
        text, skipped = export_quiz(quiz, fmt)
        self.stdout.write(text, ending="")
        for name in skipped:
            self.stderr.write(f"Question non exportable dans ce format : {name}")
