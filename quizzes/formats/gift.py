"""Moodle's GIFT format: reading and writing question banks.

The rules follow Moodle's importer (qformat_gift) and the "GIFT format" page of the Moodle docs:

- questions are blocks of lines separated by blank lines; lines starting with `//` are comments;
- `$CATEGORY: path` sets the category of the questions that follow;
- `::title::` names a question; `[html]`, `[moodle]`, `[plain]` or `[markdown]` before a text gives its
  format (the question text's format is the default of its answers and feedback);
- the answers sit between braces; text after the closing brace makes a missing-word question, whose
  text keeps the words before and after the braces joined by `_____`;
- `\\~ \\= \\# \\{ \\} \\:` are literal characters, `\\n` a line break and `\\\\` a backslash.

Where Moodle silently imports something broken (an unclosed brace, two answer blocks in one question, a
numerical answer that is not a number…), this parser reports an error in French with the line where
the question starts, and goes on with the next question.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal

from .decoding import DecodingError, decode_text
from .model import (
    TEXT_FORMATS,
    FormatError,
    ParsedAnswer,
    ParsedQuestion,
    ParseResult,
    clean_name,
    default_name,
)

BLANK = "_____"

# Escaped special characters become control characters while a question is cut into parts; decoding
# refused every control character of the input, so they cannot clash with the text.
_ESCAPABLE = {":": "\x01", "#": "\x02", "=": "\x03", "{": "\x04", "}": "\x05", "~": "\x06", "n": "\x07"}
_BACKSLASH = "\x08"
_RESTORE = {"\x01": ":", "\x02": "#", "\x03": "=", "\x04": "{", "\x05": "}", "\x06": "~", "\x07": "\n", "\x08": "\\"}
_PLACEHOLDER = re.compile("[\x01-\x08]")

_CATEGORY = re.compile(r"^\$CATEGORY:(.*)$", re.IGNORECASE)
_WEIGHT = re.compile(r"^%(-?[0-9]+(?:\.[0-9]*)?)%")
_WEIGHT_LIKE = re.compile(r"^%[^%\s]{0,12}%")
_NUMBER = re.compile(r"^[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$")
_TRUE_FALSE = {"T": True, "TRUE": True, "F": False, "FALSE": False}
_PREFIX_LIKE = "+-*•"


class _QuestionError(Exception):
    """Stops reading a question; the messages are reported with the question's first line."""


_ESCAPE_SEQUENCE = re.compile(r"\\([\\:#={}~n])")


def _protect(text: str) -> str:
    """Replace Moodle's escape sequences by placeholders (a backslash before any other character stays)."""
    return _ESCAPE_SEQUENCE.sub(lambda match: _ESCAPABLE.get(match.group(1), _BACKSLASH), text)


def _restore(text: str) -> str:
    return _PLACEHOLDER.sub(lambda match: _RESTORE[match.group()], text)


def _split_format(text: str, default: str) -> tuple[str, str]:
    """Moodle's `[format]` marker at the start of a text: (format, text without it), text restored."""
    text = text.strip()
    fmt = default
    if text.startswith("["):
        end = text.find("]")
        if end > 0 and text[1:end] in TEXT_FORMATS:
            fmt = text[1:end]
            text = text[end + 1 :]
    return fmt, _restore(text).strip()


def _clean(text: str, default: str) -> str:
    return _split_format(text, default)[1]


def _number(raw: str, what: str) -> float:
    raw = _restore(raw).strip()
    if _NUMBER.match(raw):
        return float(raw)
    hint = " (utilisez le point comme séparateur décimal)" if re.fullmatch(r"[-+]?[0-9]+,[0-9]+", raw) else ""
    raise _QuestionError(f"{what} « {raw} » n'est pas un nombre{hint}")


def _weight(body: str, errors: list[str]) -> tuple[float | None, str]:
    """A `%50%` weight at the start of an answer: (fraction or None, rest of the answer)."""
    match = _WEIGHT.match(body)
    if match:
        percent = Decimal(match.group(1))
        if not -100 <= percent <= 100:
            errors.append(f"poids « %{match.group(1)}% » hors de l'intervalle -100 à 100")
        return float(percent / 100), body[match.end() :]  # decimal division: exact round trips
    match = _WEIGHT_LIKE.match(body)
    if match:
        weight = _restore(match.group())
        errors.append(f"poids « {weight} » invalide : écrivez un pourcentage entre %-100% et %100%, par exemple %50%")
        return None, body[match.end() :]
    return None, body


class _Block:
    """One question block: its lines without comments, and their line numbers in the file."""

    def __init__(self, numbers: list[int], lines: list[str], category: str):
        self.numbers = numbers
        self.lines = lines
        self.category = category
        self.errors: list[str] = []
        self.answer_line = 0  # index in `lines` of the line holding "{"
        self.bad_prefix = False  # an unknown prefix was reported for this question

    @property
    def start(self) -> int:
        return self.numbers[0]

    def parse(self) -> ParsedQuestion | None:
        try:
            question = self._parse()
        except _QuestionError as exc:
            self.errors.append(str(exc))
            return None
        return None if self.errors else question

    def _parse(self) -> ParsedQuestion:
        text = _protect("\n".join(self.lines))
        consumed = 0  # characters of `text` before the question text, to find line numbers
        name = None
        if text.startswith("::"):
            end = text.find("::", 2)
            if end == -1:
                consumed = 2  # Moodle: no name, the question text starts after the "::"
            else:
                name = clean_name(_restore(text[2:end]))
                consumed = end + 2
        body = text[consumed:]
        consumed += len(body) - len(body.lstrip())
        body = body.strip()
        offset_line = text[:consumed].count("\n")

        opening, closing = body.find("{"), body.find("}")
        if opening == -1 and closing == -1:
            return self._description(name, body)
        if opening == -1:
            raise _QuestionError("accolade ouvrante « { » manquante (ou échappez « } » avec \\})")
        if closing == -1:
            raise _QuestionError("accolade fermante manquante : « { » n'est jamais fermée par « } »")
        if closing < opening:
            raise _QuestionError("accolade fermante « } » placée avant l'accolade ouvrante « { »")
        inside, after = body[opening + 1 : closing], body[closing + 1 :]
        if "{" in inside:
            raise _QuestionError("accolade fermante manquante : une seconde « { » s'ouvre avant la « } »")
        if "{" in after:
            raise _QuestionError(
                "plusieurs blocs de réponses dans une même question : séparez les questions par une ligne vide"
            )
        if "}" in after:
            raise _QuestionError("accolade fermante « } » en trop (échappez-la avec \\})")

        # Text after the braces makes a missing-word question: the blank marks where the answers were.
        question_text = body[:opening] + BLANK + after if after.strip() else body[:opening]
        answer_text = inside.strip()
        general_feedback = ""
        separator = answer_text.rfind("####")
        if separator != -1:
            general_feedback = answer_text[separator + 4 :]
            answer_text = answer_text[:separator].strip()

        fmt, question_text = _split_format(question_text, "moodle")
        question = ParsedQuestion(
            type="essay",
            text=question_text,
            name=name or default_name(question_text),
            line=self.start,
            text_format=fmt,
            general_feedback=_clean(general_feedback, fmt),
            category=self.category,
        )
        if not question_text:
            self.errors.append("le texte de la question est vide")
        self.answer_line = offset_line + body[:opening].count("\n")
        self._answers(question, answer_text, inside)
        return question

    def _description(self, name: str | None, body: str) -> ParsedQuestion:
        fmt, text = _split_format(body, "moodle")
        if not text:
            raise _QuestionError("le texte de la question est vide")
        return ParsedQuestion(
            type="description",
            text=text,
            name=name or default_name(text),
            line=self.start,
            text_format=fmt,
            category=self.category,
        )

    def _answers(self, question: ParsedQuestion, answer_text: str, inside: str) -> None:
        if not answer_text:
            return  # essay
        if answer_text.startswith("#"):
            question.type = "numerical"
            question.answers = self._numerical(answer_text[1:], question.text_format)
            return
        # Moodle's order: a tilde makes a choice question, "=" with "->" a matching one, then T/F.
        if "~" in answer_text:
            self._check_prefixes(inside)
            self._choices(question, answer_text)
        elif "=" in answer_text and "->" in answer_text:
            self._check_prefixes(inside)
            question.type = "matching"
            question.answers = self._matching(answer_text, question.text_format)
        elif answer_text.split("#", 1)[0].strip() in _TRUE_FALSE:
            question.type = "true_false"
            question.answers = self._true_false(answer_text, question.text_format)
        else:
            self._check_prefixes(inside)
            question.type = "short_answer"
            question.answers = self._short_answers(answer_text, question.text_format)

    def _check_prefixes(self, inside: str) -> None:
        """Answers written one a line start with = or ~: a bullet-like sign is a mistake."""
        for index, line in enumerate(inside.split("\n")):
            line = line.strip()
            if index and line and line[0] in _PREFIX_LIKE:
                self.bad_prefix = True
                number = self._line_number(self.answer_line + index)
                self.errors.append(
                    f"préfixe de réponse inconnu « {line[0]} » (ligne {number}) : une réponse commence par = ou ~"
                )

    def _line_number(self, index: int) -> int:
        return self.numbers[min(index, len(self.numbers) - 1)]

    def _split(self, answer_text: str, separators: str) -> list[tuple[str, str]]:
        """(prefix, body) of every answer; text before the first prefix is an error."""
        parts = re.split(f"([{separators}])", answer_text)
        lead = parts[0].strip()
        if lead:
            if lead[0] in _PREFIX_LIKE:
                if not self.bad_prefix:
                    self.errors.append(f"préfixe de réponse inconnu « {lead[0]} » : une réponse commence par = ou ~")
            else:
                excerpt = _restore(lead)[:40]
                self.errors.append(f"« {excerpt} » précède la première réponse : une réponse commence par = ou ~")
        return [(parts[i], parts[i + 1].strip()) for i in range(1, len(parts), 2)]

    def _choices(self, question: ParsedQuestion, answer_text: str) -> None:
        answers, equals, weighted = [], 0, False
        for prefix, raw in self._split(answer_text, "=~"):
            fraction, raw = _weight(raw, self.errors)
            weighted = weighted or fraction is not None
            if fraction is None:
                fraction = 1.0 if prefix == "=" else 0.0
                equals += prefix == "="
            text, _, feedback = raw.partition("#")
            answer = ParsedAnswer(_clean(text, question.text_format), fraction, _clean(feedback, question.text_format))
            if not answer.text:
                self.errors.append(f"réponse vide après « {prefix} »")
            answers.append(answer)
        if len(answers) < 2:
            self.errors.append("une question à choix doit avoir au moins deux réponses")
        if not weighted and equals == 1:
            question.type = "single_choice"
        else:
            question.type = "multiple_choice"
            if not weighted and equals > 1:  # several right answers share the credit
                for answer in answers:
                    answer.fraction = answer.fraction / equals
        if answers and not any(answer.fraction > 0 for answer in answers):
            self.errors.append("aucune bonne réponse : marquez-la avec = ou un poids positif comme ~%50%")
        question.answers = answers

    def _short_answers(self, answer_text: str, fmt: str) -> list[ParsedAnswer]:
        # One right answer may be written without "=".
        pieces = [raw for _, raw in self._split(answer_text, "=")] if "=" in answer_text else [answer_text]
        answers = []
        for raw in pieces:
            fraction, raw = _weight(raw, self.errors)
            text, _, feedback = raw.partition("#")
            answer = ParsedAnswer(_clean(text, fmt), 1.0 if fraction is None else fraction, _clean(feedback, fmt))
            if not answer.text:
                self.errors.append("réponse vide après « = »")
            answers.append(answer)
        if answers and not any(answer.fraction > 0 for answer in answers):
            self.errors.append("aucune réponse acceptée : une réponse au moins doit valoir plus de 0 %")
        return answers

    def _matching(self, answer_text: str, fmt: str) -> list[ParsedAnswer]:
        answers = []
        pairs = self._split(answer_text, "=")
        for _, raw in pairs:
            if "->" not in raw:
                excerpt = _restore(raw)[:40]
                self.errors.append(f"paire d'appariement « {excerpt} » sans « -> » : écrivez =élément -> réponse")
                continue
            left, _, right = raw.partition("->")
            answer = ParsedAnswer(text=_clean(left, fmt), match=_restore(right).strip())
            if not answer.match:
                self.errors.append(f"paire d'appariement « {answer.text} » sans réponse après « -> »")
            answers.append(answer)
        if len(pairs) < 3:
            self.errors.append("une question d'appariement doit avoir au moins trois paires")
        elif sum(1 for answer in answers if answer.text) < 2:
            self.errors.append("une question d'appariement doit avoir au moins deux éléments à associer")
        return answers

    def _true_false(self, answer_text: str, fmt: str) -> list[ParsedAnswer]:
        bits = [*answer_text.split("#", 2), "", ""]
        correct = _TRUE_FALSE[bits[0].strip()]
        wrong, right = _clean(bits[1], fmt), _clean(bits[2], fmt)
        return [
            ParsedAnswer("true", 1.0 if correct else 0.0, right if correct else wrong),
            ParsedAnswer("false", 0.0 if correct else 1.0, wrong if correct else right),
        ]

    def _numerical(self, answer_text: str, fmt: str) -> list[ParsedAnswer]:
        wrong = None
        tilde = answer_text.find("~")
        if tilde != -1:
            answer_text, wrong = answer_text[:tilde], answer_text[tilde + 1 :]
        pieces = answer_text.split("=")
        if not pieces[0].strip():
            pieces = pieces[1:]
        answers = []
        for raw in pieces:
            raw = raw.strip()
            fraction, raw = _weight(raw, self.errors)
            value_text, _, feedback = raw.partition("#")
            answer = ParsedAnswer(fraction=1.0 if fraction is None else fraction, feedback=_clean(feedback, fmt))
            try:
                self._numerical_value(answer, _split_format(value_text, fmt)[1])
            except _QuestionError as exc:
                self.errors.append(str(exc))
            answers.append(answer)
        if not answers:
            raise _QuestionError("aucune réponse numérique entre les accolades (par exemple {#3:0.5})")
        if wrong is not None:
            head, _, feedback = wrong.partition("#")
            if head.strip() and head.strip() != "*":
                self.errors.append(
                    "dans une question numérique, « ~ » n'introduit que le feedback des autres réponses (~#feedback)"
                )
            answers.append(ParsedAnswer("*", 0.0, _clean(feedback, fmt)))
        return answers

    @staticmethod
    def _numerical_value(answer: ParsedAnswer, value_text: str) -> None:
        value_text = value_text.strip()
        if not value_text:
            raise _QuestionError("réponse numérique vide")
        if value_text == "*":
            answer.text = "*"  # any other number
        elif value_text.find("..") > 0:
            low, _, high = value_text.partition("..")
            answer.low = _number(low, "la borne basse")
            answer.high = _number(high, "la borne haute")
            if answer.low > answer.high:
                raise _QuestionError(f"intervalle « {value_text} » : la borne basse dépasse la borne haute")
        elif value_text.find(":") > 0:
            value, _, tolerance = value_text.partition(":")
            answer.value = _number(value, "la réponse numérique")
            answer.tolerance = _number(tolerance, "la marge d'erreur")
            if answer.tolerance < 0:
                raise _QuestionError(f"la marge d'erreur « {tolerance.strip()} » est négative")
        else:
            answer.value = _number(value_text, "la réponse numérique")


def _blocks(text: str):
    """Yield (line numbers, lines) of each block of non-blank lines, comment lines left out."""
    numbers: list[int] = []
    lines: list[str] = []
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.strip()
        if not line:
            if lines:
                yield numbers, lines
            numbers, lines = [], []
        elif not line.startswith("//"):
            numbers.append(number)
            lines.append(line)
    if lines:
        yield numbers, lines


def parse_gift(data: bytes | str) -> ParseResult:
    """Read a GIFT file: every question it holds, and every error with its line."""
    result = ParseResult()
    try:
        text = decode_text(data)
    except DecodingError as exc:
        result.errors.append(FormatError(exc.line, exc.message))
        return result
    category = ""
    for numbers, lines in _blocks(text):
        while lines and _CATEGORY.match(lines[0]):
            category = _CATEGORY.match(lines[0]).group(1).strip()
            if category and category not in result.categories:
                result.categories.append(category)
            numbers, lines = numbers[1:], lines[1:]
        if not lines:
            continue
        block = _Block(numbers, lines, category)
        question = block.parse()
        result.errors.extend(FormatError(block.start, message) for message in block.errors)
        if question is not None:
            result.questions.append(question)
    if not result.questions and not result.errors:
        result.errors.append(FormatError(0, "aucune question trouvée dans le fichier"))
    return result


# Writing ------------------------------------------------------------------------------------------------

_SPECIAL = str.maketrans({"\\": "\\\\", "#": "\\#", "=": "\\=", "~": "\\~", "{": "\\{", "}": "\\}", ":": "\\:"})


def _escape(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.translate(_SPECIAL).replace("\n", "\\n")


def _starts_with_marker(text: str) -> bool:
    return any(text.startswith(f"[{fmt}]") for fmt in TEXT_FORMATS)


def _write_text(text: str, fmt: str, default: str = "moodle") -> str:
    """A text with its format marker when it differs from the default, or when the text could be read
    as starting with one (or, for an answer, with a %weight%)."""
    text = text.strip()
    if text and fmt != default:
        return f"[{fmt}]" + _escape(text)
    if _starts_with_marker(text) or _WEIGHT_LIKE.match(text):
        return f"[{default}]" + _escape(text)
    return _escape(text)


def _format_number(number: float) -> str:
    if number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    return repr(number)


def _format_weight(fraction: float) -> str:
    """A percentage that reads back as exactly the same fraction (shifting decimal digits is exact)."""
    return format((Decimal(repr(fraction)) * 100).normalize(), "f")


def _answer_with_feedback(text: str, feedback: str, fmt: str) -> str:
    written = _write_text(text, fmt, fmt)
    if feedback.strip():
        written += "#" + _write_text(feedback, fmt, fmt)
    return written


def _choice_lines(question: ParsedQuestion, fmt: str) -> list[str]:
    fractions = [answer.fraction for answer in question.answers]
    plain = question.type == "single_choice" and fractions.count(1.0) == 1
    plain = plain and all(fraction in (0.0, 1.0) for fraction in fractions)
    lines = []
    for answer in question.answers:
        if plain:
            prefix = "=" if answer.fraction == 1.0 else "~"
        else:
            prefix = "~" if answer.fraction == 0 else f"~%{_format_weight(answer.fraction)}%"
        lines.append(prefix + _answer_with_feedback(answer.text, answer.feedback, fmt))
    return lines


def _short_answer_lines(question: ParsedQuestion, fmt: str) -> list[str]:
    lines = []
    for answer in question.answers:
        prefix = "=" if answer.fraction == 1.0 else f"=%{_format_weight(answer.fraction)}%"
        lines.append(prefix + _answer_with_feedback(answer.text, answer.feedback, fmt))
    return lines


def _numerical_lines(question: ParsedQuestion, fmt: str) -> list[str]:
    lines = []
    for index, answer in enumerate(question.answers):
        feedback = "#" + _write_text(answer.feedback, fmt, fmt) if answer.feedback.strip() else ""
        if answer.low is not None and answer.high is not None:
            value = f"{_format_number(answer.low)}..{_format_number(answer.high)}"
        elif answer.value is not None and answer.text != "*":
            value = _format_number(answer.value)
            if answer.tolerance:
                value += f":{_format_number(answer.tolerance)}"
        else:
            value = "*"
            if answer.fraction == 0 and index == len(question.answers) - 1:
                lines.append("~" + feedback)  # Moodle's feedback for any other number
                continue
        prefix = "=" if answer.fraction == 1.0 else f"=%{_format_weight(answer.fraction)}%"
        lines.append(prefix + value + feedback)
    return lines


def _matching_lines(question: ParsedQuestion, fmt: str) -> list[str]:
    return [f"={_write_text(answer.text, fmt, fmt)} -> {_escape(answer.match.strip())}" for answer in question.answers]


def _true_false_block(question: ParsedQuestion, fmt: str) -> str:
    by_text = {answer.text: answer for answer in question.answers}
    true, false = by_text.get("true", ParsedAnswer("true")), by_text.get("false", ParsedAnswer("false"))
    correct = true.fraction > 0 if "true" in by_text else false.fraction <= 0
    right, wrong = (true, false) if correct else (false, true)
    block = "TRUE" if correct else "FALSE"
    if wrong.feedback.strip() or right.feedback.strip():
        block += "#" + _write_text(wrong.feedback, fmt, fmt)
    if right.feedback.strip():
        block += "#" + _write_text(right.feedback, fmt, fmt)
    if question.general_feedback.strip():
        block += "####" + _write_text(question.general_feedback, fmt, fmt)
    return "{" + block + "}"


_LINE_WRITERS = {
    "single_choice": _choice_lines,
    "multiple_choice": _choice_lines,
    "short_answer": _short_answer_lines,
    "matching": _matching_lines,
}
EXPORTABLE_TYPES = {*_LINE_WRITERS, "true_false", "numerical", "essay", "description"}


def _answer_block(question: ParsedQuestion, fmt: str) -> str:
    general = question.general_feedback.strip()
    if question.type == "true_false":
        return _true_false_block(question, fmt)
    if question.type == "essay":
        return "{" + ("####" + _write_text(general, fmt, fmt) if general else "") + "}"
    if question.type == "numerical":
        opening, lines = "{#", _numerical_lines(question, fmt)
    else:
        opening, lines = "{", _LINE_WRITERS[question.type](question, fmt)
    if general:
        lines.append("####" + _write_text(general, fmt, fmt))
    return opening + "".join(f"\n\t{line}" for line in lines) + "\n}"


def _write_question(question: ParsedQuestion) -> str:
    fmt = question.text_format if question.text_format in TEXT_FORMATS else "moodle"
    name = f"::{_escape(clean_name(question.name))}::" if question.name.strip() else ""
    text = question.text.strip()
    if question.type == "description":
        return name + _write_text(text, fmt)
    block = _answer_block(question, fmt)
    before, blank, after = text.partition(BLANK)
    if blank and after.strip() and BLANK not in after:
        # Missing-word question: the answers go back where the blank was.
        marker = f"[{fmt}]" if fmt != "moodle" or _starts_with_marker(text) else ""
        return name + marker + _escape(before) + block + _escape(after)
    return name + _write_text(text, fmt) + block


def export_gift(questions: Iterable[ParsedQuestion]) -> str:
    """GIFT text that `parse_gift` (and Moodle) read back as the same questions."""
    chunks = []
    category = ""
    for question in questions:
        if question.type not in EXPORTABLE_TYPES:
            chunks.append(f"// {_escape(question.name)} : type « {question.type} » non exportable en GIFT")
            continue
        if question.category != category:
            category = question.category
            chunks.append(f"$CATEGORY: {category}" if category else "$CATEGORY:")
        chunks.append(_write_question(question))
    return "\n\n".join(chunks) + "\n" if chunks else ""
