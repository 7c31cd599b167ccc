"""The starter positioning test: GIFT files under `quizzes/starter/positionnement/`, written by the team.

A positioning test is an ordinary quiz of kind "positioning" whose questions each name a CRCN competence
and a level. In the GIFT files, a question's title carries both: `::C4.1-N2 Mot de passe::` is a level-2
question on competence 4.1 (trainers can author more in the admin, with the competence and level fields).
The test serves one question per (competence, level) — levels 2, 4 and 6 here, 48 questions, about
15 minutes — and estimates each level with `skills.rules.positioning_levels`.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.db import transaction

from skills.models import Competence

from .importing import ImportReport, import_quiz
from .models import FeedbackPolicy, Quiz, QuizKind

STARTER_DIR = Path(__file__).resolve().parent / "starter" / "positionnement"
TITLE = "Test de positionnement numérique"
INSTRUCTIONS = (
    "<p>Ce test d'environ 15 minutes estime votre niveau sur les 16 compétences numériques du cadre de "
    "référence (CRCN). Il n'y a ni note ni échec : répondez sans chercher ailleurs, le test mesure ce "
    "que vous savez faire aujourd'hui. Vos réponses détaillées restent privées ; les RH ne voient "
    "que les niveaux estimés, sauf si vous choisissez de partager vos réponses.</p>"
)
QUESTION_NAME = re.compile(r"^C(?P<code>[1-5]\.[1-4])-N(?P<level>[0-8])\s+(?P<title>.+)$")


class PositioningImportError(ValueError):
    def __init__(self, report: ImportReport):
        super().__init__("; ".join(str(error) for error in report.result.errors))
        self.report = report


def starter_files() -> list[Path]:
    return sorted(STARTER_DIR.glob("*.gift"))


def tag_questions(quiz: Quiz) -> int:
    """Give each question named `C<code>-N<level> …` its competence and level. Returns how many."""
    competences = dict(Competence.objects.values_list("code", "pk"))
    tagged = []
    for question in quiz.questions.all():
        match = QUESTION_NAME.match(question.name)
        if match and match["code"] in competences:
            question.competence_id = competences[match["code"]]
            question.level = int(match["level"])
            tagged.append(question)
    quiz.questions.model.objects.bulk_update(tagged, ["competence", "level"])
    return len(tagged)


def configure_positioning(quiz: Quiz) -> int:
    """Make an imported quiz a positioning test (no pass mark, unlimited attempts, correction shown) and
    tag its questions from their titles. Returns how many questions were tagged."""
    quiz.kind = QuizKind.POSITIONING
    quiz.instructions = quiz.instructions or INSTRUCTIONS
    quiz.pass_mark = 0
    quiz.attempts_allowed = 0
    quiz.delay_minutes = 0
    quiz.questions_per_attempt = 0
    quiz.shuffle_choices = True
    quiz.feedback_policy = FeedbackPolicy.AFTER_EACH_ATTEMPT
    quiz.save()
    return tag_questions(quiz)


def load_positioning_quiz(*, files: list[Path] | None = None, title: str = TITLE) -> Quiz:
    """Import the starter positioning test as one quiz (nothing written on any error of the files)."""
    data = b"\n\n".join(path.read_bytes().removeprefix(b"\xef\xbb\xbf") for path in files or starter_files())
    with transaction.atomic():
        report = import_quiz(data=data, fmt="gift", title=title)
        if report.quiz is None:
            raise PositioningImportError(report)
        configure_positioning(report.quiz)
    return report.quiz


def current_positioning_quiz() -> Quiz | None:
    """The positioning test agents take: the most recent quiz of that kind that has tagged questions."""
    return (
        Quiz.objects.filter(kind=QuizKind.POSITIONING, questions__competence__isnull=False)
        .order_by("-created_at", "-pk")
        .distinct()
        .first()
    )
