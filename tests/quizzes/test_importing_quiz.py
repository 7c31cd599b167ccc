"""Importing and exporting quizzes: GIFT and Aiken files into rows and back."""

import json
from pathlib import Path

import pytest
from django.core.management import call_command

from quizzes.formats import parse_gift
from quizzes.importing import export_quiz, import_quiz
from quizzes.models import Question, Quiz
from quizzes.services import start_attempt, submit_attempt

pytestmark = pytest.mark.django_db
STARTER = sorted((Path(__file__).resolve().parents[2] / "courses" / "starter").glob("*.gift"))

GIFT = """$CATEGORY: municipal/cyber

::Q1 Mot de passe::Que faut-il privilégier ?{
=Une phrase de passe longue#Oui \\: la longueur compte.
~Un mot court#Non.
####La longueur d'abord.}

::Q2 Vrai::Le RGPD s'applique aux collectivités.{T#Si, il s'applique.#Exact.}

::Q3 Délai::En combien d'heures notifier la CNIL ?{#72:0}

::Q4 Facteurs::Associez.{=mot de passe -> savoir =téléphone -> posséder =empreinte -> être}
"""


def test_import_creates_the_quiz_and_its_questions():
    """A GIFT file becomes a quiz with its questions, types, weights and feedback."""
    report = import_quiz(data=GIFT.encode(), fmt="gift", title="Cybersécurité")
    assert report.ok
    quiz = report.quiz
    assert (quiz.title, quiz.category) == ("Cybersécurité", "municipal/cyber")
    types = list(quiz.questions.order_by("sort_order").values_list("type", flat=True))
    assert types == ["single_choice", "true_false", "numerical", "matching"]
    first = quiz.questions.get(sort_order=0)
    assert first.text == "<p>Que faut-il privilégier ?</p>"
    assert [block.value["text"] for block in first.answers] == ["Une phrase de passe longue", "Un mot court"]
    assert first.general_feedback == "La longueur d'abord."


def test_imported_quiz_is_graded_right(django_user_model):
    """An agent answering every imported question right scores 100 %."""
    from people.factories import AgentFactory

    quiz = import_quiz(data=GIFT.encode(), fmt="gift", title="Cyber").quiz
    agent = AgentFactory()
    attempt = start_attempt(quiz_id=quiz.pk, agent_id=agent.pk)
    slots = attempt.questions
    answers = {
        0: next(c["key"] for c in slots[0]["choices"] if c["fraction"] == 1),
        1: next(c["key"] for c in slots[1]["choices"] if c["fraction"] == 1),
        2: "72",
        3: {c["key"]: c["match"] for c in slots[3]["choices"]},
    }
    attempt = submit_attempt(attempt_id=attempt.pk, agent_id=agent.pk, answers=answers)
    assert str(attempt.score) == "100.00"


def test_errors_write_nothing():
    """A file with one broken question imports nothing and names the line."""
    broken = GIFT + "\n::Q5::Question cassée{=oui ~non\n"
    report = import_quiz(data=broken.encode(), fmt="gift", title="Cyber")
    assert not report.ok
    assert report.result.errors[0].line == 14
    assert not Quiz.objects.exists()
    assert not Question.objects.exists()


@pytest.mark.parametrize(
    "data", [b"", b"\x00\x01\x02binary", b"x" * (10 * 1024 * 1024 + 1)], ids=["empty", "binary", "too-large"]
)
def test_unreadable_files_are_refused(data):
    """Empty, binary and oversized files are refused with a message."""
    report = import_quiz(data=data, fmt="gift", title="X")
    assert not report.ok
    assert report.result.errors[0].message
    assert not Quiz.objects.exists()


@pytest.mark.parametrize("path", STARTER, ids=[path.stem for path in STARTER])
def test_starter_quizzes_round_trip(path):
    """Each starter quiz imports, exports and re-imports to the same questions."""
    original = parse_gift(path.read_bytes())
    quiz = import_quiz(data=path.read_bytes(), fmt="gift", title=path.stem).quiz
    text, skipped = export_quiz(quiz, "gift")
    assert skipped == []
    again = parse_gift(text)
    assert again.errors == []
    assert again.questions == original.questions


def test_aiken_import_and_export():
    """An Aiken file imports as single-choice questions and exports back."""
    aiken = (
        "Quel service aide les victimes de cybermalveillance ?\nA) La CNIL\nB) Cybermalveillance.gouv.fr\nANSWER: B\n"
    )
    quiz = import_quiz(data=aiken.encode(), fmt="aiken", title="Aiken").quiz
    question = quiz.questions.get()
    assert question.type == "single_choice"
    text, skipped = export_quiz(quiz, "aiken")
    assert "ANSWER: B" in text
    assert skipped == []


def test_command_json_output(tmp_path, capsys):
    """import_quiz --json prints the counts by type, categories and errors; exit 0."""
    path = tmp_path / "quiz.gift"
    path.write_text(GIFT, encoding="utf-8")
    call_command("import_quiz", str(path), fmt="gift", title="Cyber", dry_run=True, as_json=True)
    report = json.loads(capsys.readouterr().out)
    assert report["questions"] == 4
    assert report["types"]["matching"] == 1
    assert report["types"]["essay"] == 0
    assert report["categories"] == ["municipal/cyber"]
    assert report["errors"] == []
    assert not Quiz.objects.exists()


def test_command_exits_1_on_errors(tmp_path, capsys):
    """With errors the command exits with status 1 and writes nothing."""
    path = tmp_path / "quiz.gift"
    path.write_text("::Q::Cassée{=oui", encoding="utf-8")
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_quiz", str(path), fmt="gift", title="Cyber", as_json=True)
    assert exit_info.value.code == 1
    assert json.loads(capsys.readouterr().out)["errors"][0]["line"] == 1
    assert not Quiz.objects.exists()


def test_export_command(capsys):
    """export_quiz prints GIFT that parses back."""
    quiz = import_quiz(data=GIFT.encode(), fmt="gift", title="Cyber").quiz
    call_command("export_quiz", quiz.pk, fmt="gift")
    assert len(parse_gift(capsys.readouterr().out).questions) == 4


def test_command_positioning_tags_questions_from_their_titles(tmp_path, capsys):
    """import_quiz --positioning makes a positioning test whose `C<code>-N<level>` questions are tagged."""
    path = tmp_path / "positionnement.gift"
    path.write_text(
        "::C4.1-N2 Mot de passe::Le plus sûr ?{=Une phrase de passe~Mon prénom}\n\n"
        "::C4.1-N4 Double authentification::Elle protège…{=même si le mot de passe fuit~rien de plus}\n\n"
        "::Sans code::Une question sans compétence{=oui~non}\n",
        encoding="utf-8",
    )
    call_command("import_quiz", str(path), fmt="gift", title="Positionnement", positioning=True)
    assert "2 questions rattachées" in capsys.readouterr().out
    quiz = Quiz.objects.get(title="Positionnement")
    assert quiz.is_positioning
    assert sorted(quiz.questions.filter(competence__code="4.1").values_list("level", flat=True)) == [2, 4]
