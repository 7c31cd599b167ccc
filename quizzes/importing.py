"""Moving questions between the database and the GIFT / Aiken formats (quizzes/formats).

`import_quiz()` writes a whole file in one transaction, or nothing when any question is wrong;
`export_quiz()` writes a quiz back so that GIFT round-trips (import → export → import gives the same
questions, answers, weights and feedback).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _
from wagtail.admin.rich_text.converters.editor_html import EditorHTMLConverter

from . import grading
from .formats import (
    FormatError,
    ParsedAnswer,
    ParsedQuestion,
    ParseResult,
    export_aiken,
    export_gift,
    parse_aiken,
    parse_gift,
)
from .models import Question, Quiz

FORMATS = ("gift", "aiken")
TRUE_FALSE_TEXT = {"true": "Vrai", "false": "Faux"}
RICH_TEXT = EditorHTMLConverter(features=["bold", "italic", "link", "ul", "ol"])


@dataclass
class ImportReport:
    result: ParseResult
    quiz: Quiz | None = None

    @property
    def ok(self) -> bool:
        return not self.result.errors

    def as_json(self) -> dict:
        return {
            "questions": len(self.result.questions),
            "types": self.result.type_counts(),
            "categories": list(self.result.categories),
            "errors": [{"line": error.line, "message": error.message} for error in self.result.errors],
        }


def parse(data: bytes, fmt: str) -> ParseResult:
    """Decode and parse a file; decoding problems (binary, empty, too large) are errors like any other."""
    if fmt not in FORMATS:
        raise ValueError(fmt)
    return parse_gift(data) if fmt == "gift" else parse_aiken(data)


def _text_to_html(text: str, text_format: str) -> str:
    if text_format == "html":
        return RICH_TEXT.to_database_format(text)
    paragraphs = [part for part in re.split(r"\n\s*\n", text.strip()) if part.strip()]
    return "".join(f"<p>{html.escape(part).replace(chr(10), '<br/>')}</p>" for part in paragraphs) or "<p></p>"


def _html_to_text(value: str) -> tuple[str, str]:
    """Back to GIFT: a plain paragraph goes out as plain text, anything richer as [html]."""
    match = re.fullmatch(r"<p>([^<]*)</p>", value or "")
    if match:
        return html.unescape(match.group(1)), "moodle"
    return value, "html"


def _answer_blocks(question: ParsedQuestion) -> list[dict]:
    blocks = []
    for item in question.answers:
        weight = str(Decimal(str(item.fraction * 100)).quantize(Decimal("0.00001")))
        if question.type == grading.NUMERICAL:
            value = {"value": item.value, "tolerance": item.tolerance, "low": item.low, "high": item.high}
            blocks.append({"type": "number", "value": {**value, "weight": weight, "feedback": item.feedback}})
        elif question.type == grading.MATCHING:
            blocks.append({"type": "pair", "value": {"text": item.text, "match": item.match}})
        elif question.type == grading.ORDERING:
            blocks.append({"type": "item", "value": {"text": item.text}})
        elif question.type in grading.AUTOMATIC_TYPES:
            text = TRUE_FALSE_TEXT.get(item.text, item.text) if question.type == grading.TRUE_FALSE else item.text
            blocks.append({"type": "answer", "value": {"text": text, "weight": weight, "feedback": item.feedback}})
    return blocks


def import_quiz(*, data: bytes, fmt: str, title: str, dry_run: bool = False) -> ImportReport:
    """Create a quiz from a GIFT or Aiken file. Any error: nothing is written."""
    result = parse(data, fmt)
    if not result.questions and not result.errors:
        result.errors.append(FormatError(line=0, message=_("Le fichier ne contient aucune question.")))
    report = ImportReport(result)
    if result.errors or dry_run:
        return report
    with transaction.atomic():
        quiz = Quiz.objects.create(title=title[:255], category=(result.categories or [""])[0][:255])
        Question.objects.bulk_create(
            Question(
                quiz=quiz,
                sort_order=position,
                type=question.type,
                name=question.name[:255],
                text=_text_to_html(question.text, question.text_format),
                answers=_answer_blocks(question),
                general_feedback=question.general_feedback,
                case_sensitive=question.case_sensitive,
            )
            for position, question in enumerate(result.questions)
        )
    report.quiz = quiz
    return report


def _parsed_answers(question: Question) -> list[ParsedAnswer]:
    reverse_tf = {text: key for key, text in TRUE_FALSE_TEXT.items()}
    answers = []
    for block in question.answers:
        value = block.value
        fraction = float(Decimal(str(value.get("weight", 0))) / 100) if "weight" in value else 0.0
        if block.block_type == "number":
            answers.append(
                ParsedAnswer(
                    fraction=fraction,
                    feedback=value.get("feedback", ""),
                    value=value.get("value"),
                    tolerance=value.get("tolerance") or 0.0,
                    low=value.get("low"),
                    high=value.get("high"),
                )
            )
        elif block.block_type == "pair":
            answers.append(ParsedAnswer(text=value.get("text", ""), match=value.get("match", ""), fraction=1.0))
        elif block.block_type == "item":
            answers.append(ParsedAnswer(text=value.get("text", "")))
        else:
            text = value.get("text", "")
            if question.type == grading.TRUE_FALSE:
                text = reverse_tf.get(text, text)
            answers.append(ParsedAnswer(text=text, fraction=fraction, feedback=value.get("feedback", "")))
    return answers


def quiz_questions(quiz: Quiz) -> list[ParsedQuestion]:
    parsed = []
    for question in quiz.questions.order_by("sort_order", "pk"):
        text, text_format = _html_to_text(question.text)
        parsed.append(
            ParsedQuestion(
                type=question.type,
                text=text,
                name=question.name,
                text_format=text_format,
                general_feedback=question.general_feedback,
                category=quiz.category,
                answers=_parsed_answers(question),
                case_sensitive=question.case_sensitive,
            )
        )
    return parsed


def export_quiz(quiz: Quiz, fmt: str) -> tuple[str, list[str]]:
    """The quiz as GIFT or Aiken text, and the names of questions the format cannot hold."""
    questions = quiz_questions(quiz)
    if fmt == "gift":
        return export_gift(questions), [q.name for q in questions if q.type == grading.ORDERING]
    if fmt == "aiken":
        return export_aiken(questions)
    raise ValueError(fmt)
