"""The plain question model shared by the GIFT and Aiken formats.

No Django here: these dataclasses are what the parsers return and what the exporters read. The importer
turns them into database rows elsewhere.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

QUESTION_TYPES = (
    "single_choice",
    "multiple_choice",
    "true_false",
    "short_answer",
    "numerical",
    "matching",
    "ordering",
    "essay",
    "description",
)
TEXT_FORMATS = ("moodle", "html", "plain", "markdown")

# Moodle names a question without a title after the start of its text (80 characters) and caps names at
# 255 characters.
DEFAULT_NAME_LENGTH = 80
MAX_NAME_LENGTH = 255
UNNAMED = "Question sans titre"


@dataclass
class ParsedAnswer:
    text: str = ""
    fraction: float = 0.0  # -1.0..1.0: GIFT %50% -> 0.5, '=' -> 1.0, '~' -> 0.0
    feedback: str = ""
    match: str = ""  # matching: text -> match (an empty text is an extra, unused match)
    value: float | None = None  # numerical {#value:tolerance}
    tolerance: float = 0.0
    low: float | None = None  # numerical range {#low..high}
    high: float | None = None


@dataclass
class ParsedQuestion:
    type: str
    text: str
    name: str = ""
    # Where the question starts in the source file; not part of the question's identity.
    line: int = field(default=0, compare=False)
    text_format: str = "moodle"  # moodle | html | plain | markdown
    general_feedback: str = ""
    category: str = ""
    answers: list[ParsedAnswer] = field(default_factory=list)
    case_sensitive: bool = False


@dataclass
class FormatError:
    line: int  # 1-based; 0 when the error concerns the whole file
    message: str  # in French

    def __str__(self) -> str:
        if self.line:
            return f"ligne {self.line} : {self.message}"
        return self.message


@dataclass
class ParseResult:
    questions: list[ParsedQuestion] = field(default_factory=list)
    errors: list[FormatError] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def type_counts(self) -> dict[str, int]:
        counts = {kind: 0 for kind in QUESTION_TYPES if kind != "ordering"}
        for question in self.questions:
            counts[question.type] = counts.get(question.type, 0) + 1
        return counts


_TAG = re.compile(r"<[^>]*>")
_BLOCK_TAG = re.compile(r"<(?:br|/?(?:p|div|li|ul|ol|h[1-6]|tr|td|th|table|blockquote))\b[^>]*>", re.IGNORECASE)
_SPACES = re.compile(r"\s+")


def plain_text(text: str) -> str:
    """Text without HTML tags or entities, on one line."""
    text = _TAG.sub("", _BLOCK_TAG.sub(" ", text))
    return _SPACES.sub(" ", html.unescape(text)).strip()


def clean_name(name: str) -> str:
    """A question name as Moodle keeps it: no tags, one line, at most 255 characters."""
    name = _SPACES.sub(" ", _TAG.sub("", name)).strip()
    if len(name) > MAX_NAME_LENGTH:
        name = name[: MAX_NAME_LENGTH - 3].rstrip() + "..."
    return name


def default_name(text: str) -> str:
    """The name Moodle gives a question without a title: the start of its text."""
    name = plain_text(text)
    if len(name) > DEFAULT_NAME_LENGTH:
        cut = name[:DEFAULT_NAME_LENGTH]
        if " " in cut:
            cut = cut[: cut.rindex(" ")]
        name = cut.rstrip() + "..."
    return name or UNNAMED
