"""Reading and checking the starter catalogue files (``courses/starter/*.toml``).

Pure Python (no Django import) so that a trainer can check a file with
``python3 courses/starter_format.py courses/starter/*.toml``; ``load_demo`` uses the same reader.
"""

from __future__ import annotations

import re
import sys
import tomllib
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

STARTER_DIR = Path(__file__).resolve().parent / "starter"

LEVELS = ("decouverte", "intermediaire", "avance")
AUDIENCES = (
    "all_staff",
    "managers",
    "elected_officials",
    "hr",
    "technical_staff",
    "communication",
    "front_desk",
)
CRCN_CODES = (
    "1.1", "1.2", "1.3",
    "2.1", "2.2", "2.3", "2.4",
    "3.1", "3.2", "3.3", "3.4",
    "4.1", "4.2", "4.3",
    "5.1", "5.2",
)  # fmt: skip
BLOCK_FIELDS = {
    "heading": {"text"},
    "text": {"html"},
    "callout": {"kind", "title", "html"},
    "procedure": {"title", "steps"},
    "checklist": {"title", "items"},
    "try_it": {"title", "html", "minutes"},
    "resource": {"title", "url", "publisher", "description"},
}
OPTIONAL_BLOCK_FIELDS = {"checklist": {"intro"}}
CALLOUT_KINDS = ("tip", "warning", "key")
ALLOWED_TAGS = {"p", "ul", "ol", "li", "strong", "em", "a", "br"}
MIN_LESSON_WORDS = 300
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class StarterFormatError(ValueError):
    """A starter file does not follow the format of courses/starter/README.md."""


@dataclass
class StarterLesson:
    slug: str
    title: str
    minutes: int
    required: bool
    blocks: list[dict]

    @property
    def word_count(self) -> int:
        return sum(_words(block) for block in self.blocks if block["type"] != "heading")


@dataclass
class StarterCourse:
    path: Path
    slug: str
    title: str
    summary: str
    description: str
    objectives: list[str]
    level: str
    audiences: list[str]
    tags: list[str]
    certificate: bool
    prerequisites: list[str]
    competences: list[tuple[str, int]]
    lessons: list[StarterLesson] = field(default_factory=list)

    @property
    def gift_path(self) -> Path:
        return self.path.with_suffix(".gift")

    @property
    def duration_minutes(self) -> int:
        return sum(lesson.minutes for lesson in self.lessons)


class _TextAndTags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.bad_tags: set[str] = set()
        self.bad_links: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in ALLOWED_TAGS:
            self.bad_tags.add(tag)
        if tag == "a":
            href = dict(attrs).get("href") or ""
            if not href.startswith("https://"):
                self.bad_links.append(href)

    def handle_data(self, data):
        self.text.append(data)


def _parse_html(html: str) -> _TextAndTags:
    parser = _TextAndTags()
    parser.feed(html)
    parser.close()
    return parser


def _words(block: dict) -> int:
    chunks: list[str] = []
    for key in ("text", "title", "intro", "description"):
        if isinstance(block.get(key), str):
            chunks.append(block[key])
    if "html" in block:
        chunks.append(" ".join(_parse_html(block["html"]).text))
    for step in block.get("steps", []):
        chunks.append(step.get("title", ""))
        chunks.append(" ".join(_parse_html(step.get("html", "")).text))
    chunks.extend(block.get("items", []))
    return len(re.findall(r"\w+", " ".join(chunks)))


def _require(condition: bool, where: str, message: str) -> None:
    if not condition:
        raise StarterFormatError(f"{where}: {message}")


def _check_html(html: str, where: str) -> None:
    parsed = _parse_html(html)
    _require(not parsed.bad_tags, where, f"tags not allowed: {sorted(parsed.bad_tags)}")
    _require(not parsed.bad_links, where, f"links must be https://: {parsed.bad_links}")


def _check_block(block: dict, where: str) -> dict:
    kind = block.get("type")
    _require(kind in BLOCK_FIELDS, where, f"unknown block type {kind!r}")
    expected = BLOCK_FIELDS[kind]
    present = set(block) - {"type"}
    missing = expected - present
    extra = present - expected - OPTIONAL_BLOCK_FIELDS.get(kind, set())
    _require(not missing, where, f"{kind} block misses {sorted(missing)}")
    _require(not extra, where, f"{kind} block has unknown fields {sorted(extra)}")
    if "html" in block:
        _check_html(block["html"], where)
    if kind == "callout":
        _require(block["kind"] in CALLOUT_KINDS, where, f"callout kind must be one of {CALLOUT_KINDS}")
    if kind == "procedure":
        _require(len(block["steps"]) >= 2, where, "a procedure needs at least two steps")
        for step in block["steps"]:
            _require(set(step) == {"title", "html"}, where, "a step has exactly title and html")
            _check_html(step["html"], where)
    if kind == "checklist":
        _require(len(block["items"]) >= 2, where, "a checklist needs at least two items")
    if kind == "resource":
        _require(block["url"].startswith("https://"), where, "resource url must be https://")
    return block


def read_course(path: Path) -> StarterCourse:
    """Parse and check one course file; raise StarterFormatError naming the problem."""
    where = path.name
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise StarterFormatError(f"{where}: {exc}") from exc
    for key in ("slug", "title", "summary", "description", "objectives", "level", "audiences",
                "tags", "certificate", "competences", "lessons"):  # fmt: skip
        _require(key in data, where, f"missing key {key!r}")
    _require(bool(SLUG_RE.match(data["slug"])), where, "slug must be lowercase ASCII with hyphens")
    _require(len(data["summary"]) <= 240, where, "summary longer than 240 characters")
    _require(data["level"] in LEVELS, where, f"level must be one of {LEVELS}")
    _require(bool(data["audiences"]), where, "at least one audience")
    for audience in data["audiences"]:
        _require(audience in AUDIENCES, where, f"unknown audience {audience!r}")
    _check_html(data["description"], where)
    competences = []
    for item in data["competences"]:
        _require(item.get("code") in CRCN_CODES, where, f"unknown CRCN code {item.get('code')!r}")
        _require(1 <= int(item.get("level", 0)) <= 8, where, "competence level must be 1 to 8")
        competences.append((item["code"], int(item["level"])))
    _require(bool(competences), where, "at least one CRCN competence")
    lessons = []
    for index, raw in enumerate(data["lessons"], start=1):
        lwhere = f"{where} lesson {index}"
        for key in ("slug", "title", "minutes", "blocks"):
            _require(key in raw, lwhere, f"missing key {key!r}")
        _require(bool(SLUG_RE.match(raw["slug"])), lwhere, "slug must be lowercase ASCII with hyphens")
        blocks = [_check_block(block, f"{lwhere} block {n}") for n, block in enumerate(raw["blocks"], 1)]
        lesson = StarterLesson(
            slug=raw["slug"],
            title=raw["title"],
            minutes=int(raw["minutes"]),
            required=bool(raw.get("required", True)),
            blocks=blocks,
        )
        _require(
            lesson.word_count >= MIN_LESSON_WORDS,
            lwhere,
            f"{lesson.word_count} words, at least {MIN_LESSON_WORDS} expected",
        )
        _require(
            any(block["type"] in ("checklist", "try_it") for block in blocks),
            lwhere,
            "at least one checklist or try_it block",
        )
        lessons.append(lesson)
    _require(3 <= len(lessons) <= 6, where, "a course has 3 to 6 lessons")
    _require(len({lesson.slug for lesson in lessons}) == len(lessons), where, "lesson slugs repeat")
    return StarterCourse(
        path=path,
        slug=data["slug"],
        title=data["title"],
        summary=data["summary"],
        description=data["description"],
        objectives=list(data["objectives"]),
        level=data["level"],
        audiences=list(data["audiences"]),
        tags=list(data["tags"]),
        certificate=bool(data["certificate"]),
        prerequisites=list(data.get("prerequisites", [])),
        competences=competences,
        lessons=lessons,
    )


def read_catalogue(directory: Path = STARTER_DIR) -> list[StarterCourse]:
    """Every course of the starter catalogue, in file-name order, prerequisites checked."""
    courses = [read_course(path) for path in sorted(directory.glob("*.toml"))]
    slugs = {course.slug for course in courses}
    for course in courses:
        for slug in course.prerequisites:
            _require(slug in slugs, course.path.name, f"unknown prerequisite {slug!r}")
    return courses


def main(argv: list[str]) -> int:
    paths = [Path(arg) for arg in argv] or sorted(STARTER_DIR.glob("*.toml"))
    status = 0
    for path in paths:
        try:
            course = read_course(path)
        except StarterFormatError as exc:
            print(f"ERROR {exc}")
            status = 1
            continue
        words = ", ".join(str(lesson.word_count) for lesson in course.lessons)
        gift = "quiz ok" if course.gift_path.exists() else "NO QUIZ FILE"
        if not course.gift_path.exists():
            status = 1
        print(f"ok    {path.name}: {len(course.lessons)} lessons ({words} words), {gift}")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
