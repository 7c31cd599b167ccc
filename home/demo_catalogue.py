"""The starter catalogue of the demo: courses/starter/*.toml built into pages through the page factories.

A course already in the catalogue (same slug) is left as it is, so trainers' edits survive `load_demo`.
"""

from __future__ import annotations

from django.db import transaction

from courses.factories import CatalogPageFactory, CoursePageFactory, LessonPageFactory
from courses.models import CoursePage
from courses.starter_format import StarterCourse, read_catalogue
from quizzes.importing import import_quiz

TINY_SIZE = 2


def stream_block(block: dict) -> dict:
    """One block of the starter format as raw StreamField data of LessonStreamBlock."""
    kind = block["type"]
    if kind == "heading":
        value = {"text": block["text"]}
    elif kind == "text":
        value = block["html"]
    elif kind == "callout":
        value = {"kind": block["kind"], "title": block["title"], "text": block["html"]}
    elif kind == "procedure":
        value = {"title": block["title"], "steps": [{"title": s["title"], "text": s["html"]} for s in block["steps"]]}
    elif kind == "checklist":
        value = {"title": block["title"], "intro": block.get("intro", ""), "items": list(block["items"])}
    elif kind == "try_it":
        value = {"title": block["title"], "instructions": block["html"], "minutes": block["minutes"]}
    elif kind == "resource":
        value = {key: block[key] for key in ("title", "url", "publisher", "description")}
    else:
        raise ValueError(f"unknown block type {kind}")
    return {"type": kind, "value": value}


@transaction.atomic
def load_catalogue(*, size: str = "normal") -> list[CoursePage]:
    """Build the starter courses that are not in the catalogue yet; return every starter course."""
    catalog = CatalogPageFactory()
    starters = read_catalogue()
    if size == "tiny":
        starters = [course for course in starters if not course.prerequisites][:TINY_SIZE]
    existing = {page.slug: page for page in CoursePage.objects.child_of(catalog)}
    built: dict[str, CoursePage] = {}
    for starter in starters:
        course = existing.get(starter.slug) or _build_course(catalog, starter, built)
        built[starter.slug] = course
    return list(built.values())


def _build_course(catalog, starter: StarterCourse, built: dict[str, CoursePage]) -> CoursePage:
    course = CoursePageFactory(
        parent=catalog,
        title=starter.title,
        slug=starter.slug,
        summary=starter.summary,
        description=starter.description,
        objectives=starter.objectives,
        level=starter.level,
        duration_minutes=starter.duration_minutes,
        certificate_on_completion=starter.certificate,
        competences=starter.competences,
        audiences=starter.audiences,
        tags=starter.tags,
        prerequisites=[built[slug] for slug in starter.prerequisites if slug in built],
    )
    quiz_block = _final_quiz_block(starter)
    last = len(starter.lessons) - 1
    for index, lesson in enumerate(starter.lessons):
        body = [stream_block(block) for block in lesson.blocks]
        if index == last and quiz_block:
            body.append(quiz_block)
        LessonPageFactory(
            parent=course,
            title=lesson.title,
            slug=lesson.slug,
            minutes=lesson.minutes,
            completion_required=lesson.required,
            body=body,
        )
    return course


def _final_quiz_block(starter: StarterCourse) -> dict | None:
    """Import the course's final quiz (GIFT, beside the course file) and place it in its last lesson."""
    if not starter.gift_path.exists():
        return None
    report = import_quiz(data=starter.gift_path.read_bytes(), fmt="gift", title=f"Quiz final — {starter.title}")
    if not report.ok:
        raise ValueError(f"{starter.gift_path.name}: {report.result.errors[0]}")
    quiz = report.quiz
    quiz.pass_mark = 70
    quiz.shuffle_choices = True
    quiz.save(update_fields=["pass_mark", "shuffle_choices"])
    intro = "Vérifiez ce que vous avez retenu du cours. Vous pouvez refaire le quiz autant de fois que nécessaire."
    return {"type": "quiz", "value": {"quiz": quiz.pk, "intro": intro, "required": True}}
