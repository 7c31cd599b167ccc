"""Moodle's Aiken format: single-choice questions in plain text.

    Quelle est la capitale de la France ?
    A) Lyon
    B. Paris
    ANSWER: B

As in Moodle's importer (qformat_aiken), a choice is an upper-case letter, then `)` or `.`, then the
text (Moodle accepts `A)Texte` without the space, never `A.Texte`); `ANSWER: X` closes the question. The
question text may span several lines (Moodle keeps one line only); blank lines separate questions.
Aiken has no feedback, no weights and no categories: it only holds single-choice questions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .decoding import DecodingError, decode_text
from .model import FormatError, ParsedAnswer, ParsedQuestion, ParseResult, default_name, plain_text

_CHOICE = re.compile(r"^([A-Z])(?:[).][ \t]+|\))(.*)$")
_LOWERCASE_CHOICE = re.compile(r"^[a-z][).][ \t]")
_ANSWER = re.compile(r"^ANSWER\s*:(.*)$", re.IGNORECASE)
MAX_CHOICES = 26
TRUE_FALSE_LABELS = {"true": "Vrai", "false": "Faux"}


class _Draft:
    def __init__(self, line: int, text: str):
        self.line = line
        self.text_lines = [text]
        self.letters: list[str] = []
        self.answers: list[ParsedAnswer] = []


def _finish(draft: _Draft, answer: str, result: ParseResult) -> None:
    """Close a question on its ANSWER line, or report why it cannot be kept."""
    errors = []
    letter = answer.strip().rstrip(").").strip().upper()
    if len(draft.answers) < 2:
        message = f"la question a {len(draft.answers)} choix : il en faut au moins deux, A) et B)"
        if any(_LOWERCASE_CHOICE.match(line) for line in draft.text_lines):
            message += " (les lettres des choix s'écrivent en majuscules)"
        errors.append(message)
    if len(set(draft.letters)) != len(draft.letters):
        errors.append("la même lettre désigne plusieurs choix")
    if any(not choice.text for choice in draft.answers):
        errors.append("un choix n'a pas de texte après sa lettre")
    if not draft.answers:
        pass  # the letter cannot be checked
    elif not letter:
        errors.append("la ligne ANSWER ne donne pas la lettre de la bonne réponse")
    elif len(letter) != 1 or not letter.isalpha():
        errors.append(f"la réponse « {answer.strip()} » doit être une seule lettre, par exemple ANSWER: B")
    elif letter not in draft.letters:
        choices = ", ".join(draft.letters) or "aucun"
        errors.append(f"la réponse « {letter} » ne fait pas partie des choix ({choices})")
    if errors:
        result.errors.extend(FormatError(draft.line, message) for message in errors)
        return
    for choice_letter, choice in zip(draft.letters, draft.answers, strict=True):
        choice.fraction = 1.0 if choice_letter == letter else 0.0
    text = "\n".join(draft.text_lines)
    result.questions.append(
        ParsedQuestion(
            type="single_choice",
            text=text,
            name=default_name(text),
            line=draft.line,
            text_format="plain",
            answers=draft.answers,
        )
    )


def _missing_answer(draft: _Draft, result: ParseResult) -> None:
    if draft.answers:
        message = "ligne « ANSWER: » manquante après les choix"
    else:
        message = "question sans choix ni ligne « ANSWER: »"
    result.errors.append(FormatError(draft.line, message))


def parse_aiken(data: bytes | str) -> ParseResult:
    """Read an Aiken file: every question it holds, and every error with its line."""
    result = ParseResult()
    try:
        text = decode_text(data)
    except DecodingError as exc:
        result.errors.append(FormatError(exc.line, exc.message))
        return result
    draft: _Draft | None = None
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.strip()
        if not line:
            continue
        answer = _ANSWER.match(line)
        choice = _CHOICE.match(line) if answer is None else None
        if answer:
            if draft is None:
                result.errors.append(FormatError(number, "ligne « ANSWER: » sans question avant elle"))
            else:
                _finish(draft, answer.group(1), result)
            draft = None
        elif choice and draft is not None:
            draft.letters.append(choice.group(1))
            draft.answers.append(ParsedAnswer(choice.group(2).strip()))
        elif choice and draft is None:
            result.errors.append(FormatError(number, f"choix « {line[:40]} » sans question avant lui"))
        elif draft is not None and not draft.answers:
            draft.text_lines.append(line)  # the question text goes on
        else:
            if draft is not None:
                _missing_answer(draft, result)
            draft = _Draft(number, line)
    if draft is not None:
        _missing_answer(draft, result)
    if not result.questions and not result.errors:
        result.errors.append(FormatError(0, "aucune question trouvée dans le fichier"))
    return result


def _one_line(text: str, text_format: str) -> str:
    if text_format == "html":
        return plain_text(text)
    return " ".join(text.split())


def _choices(question: ParsedQuestion) -> tuple[list[str], int] | None:
    """(choice texts, index of the right one), or None when Aiken cannot hold the question."""
    if question.type == "true_false":
        texts = [TRUE_FALSE_LABELS.get(answer.text, answer.text) for answer in question.answers]
    elif question.type == "single_choice":
        texts = [_one_line(answer.text, question.text_format) for answer in question.answers]
    else:
        return None
    right = [index for index, answer in enumerate(question.answers) if answer.fraction > 0.99]
    if len(right) != 1 or not 2 <= len(texts) <= MAX_CHOICES or not all(texts):
        return None
    return texts, right[0]


def export_aiken(questions: Iterable[ParsedQuestion]) -> tuple[str, list[str]]:
    """Aiken text for the single-choice and true/false questions, and the names of those left out."""
    chunks, skipped = [], []
    for question in questions:
        choices = _choices(question)
        text = _one_line(question.text, question.text_format)
        if choices is None or not text or _CHOICE.match(text) or _ANSWER.match(text):
            skipped.append(question.name or default_name(question.text))
            continue
        texts, right = choices
        lines = [text]
        lines += [f"{chr(ord('A') + index)}) {choice}" for index, choice in enumerate(texts)]
        lines.append(f"ANSWER: {chr(ord('A') + right)}")
        chunks.append("\n".join(lines))
    return ("\n\n".join(chunks) + "\n" if chunks else ""), skipped
