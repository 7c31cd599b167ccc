"""The starter catalogue: its files, their checker, and the demo loader that builds pages from them."""

import re

import pytest
from taggit.models import Tag
from wagtail.models import Page, Revision

from courses import starter_format
from courses.models import Audience, CourseCompetence, CoursePage, LessonPage
from courses.starter_format import STARTER_DIR, StarterFormatError, read_catalogue, read_course
from home.demo_catalogue import TINY_SIZE, load_catalogue, stream_block
from quizzes.models import Quiz
from skills.crcn import COMPETENCES

STARTER_FILES = sorted(STARTER_DIR.glob("*.toml"))


# The starter files


def test_starter_directory_holds_course_files():
    """The starter catalogue has course files to read (eight at the time of writing)."""
    assert len(STARTER_FILES) >= 8


def test_read_catalogue_reads_every_starter_file():
    """read_catalogue() reads and checks every starter file without error, in file-name order."""
    courses = read_catalogue()
    assert [course.path for course in courses] == STARTER_FILES


def test_starter_slugs_are_unique():
    """No two starter courses share a slug (the loader keys on it)."""
    slugs = [course.slug for course in read_catalogue()]
    assert len(slugs) == len(set(slugs))


@pytest.mark.parametrize("path", STARTER_FILES, ids=lambda path: path.stem)
def test_starter_course_has_three_to_six_lessons(path):
    """Each starter course has 3 to 6 lessons."""
    assert 3 <= len(read_course(path).lessons) <= 6


@pytest.mark.parametrize("path", STARTER_FILES, ids=lambda path: path.stem)
def test_starter_lessons_have_at_least_300_words(path):
    """Each lesson of each starter course teaches in 300 words or more."""
    counts = {lesson.slug: lesson.word_count for lesson in read_course(path).lessons}
    assert all(count >= 300 for count in counts.values()), counts


@pytest.mark.parametrize("path", STARTER_FILES, ids=lambda path: path.stem)
def test_starter_course_has_its_gift_quiz_file(path):
    """Each starter course has its quiz beside it, same name with .gift."""
    course = read_course(path)
    assert course.gift_path == path.with_suffix(".gift")
    assert course.gift_path.is_file()


@pytest.mark.parametrize("path", STARTER_FILES, ids=lambda path: path.stem)
def test_starter_quiz_has_eight_to_fifteen_questions_under_one_category(path):
    """Each .gift file holds 8 to 15 questions under a single $CATEGORY, as courses/starter/README.md asks."""
    text = path.with_suffix(".gift").read_text(encoding="utf-8")
    assert 8 <= len(re.findall(r"^::", text, flags=re.M)) <= 15
    assert len(re.findall(r"^\$CATEGORY:", text, flags=re.M)) == 1


def test_checker_crcn_codes_match_the_framework():
    """The checker's CRCN codes are exactly those of skills.crcn."""
    assert set(starter_format.CRCN_CODES) == {code for code, *_rest in COMPETENCES}


@pytest.mark.django_db
def test_checker_audiences_match_the_database():
    """The checker's audience codes are exactly the audiences created by migration."""
    assert set(starter_format.AUDIENCES) == set(Audience.objects.values_list("code", flat=True))


# The checker, on small files


def words(count: int) -> str:
    return " ".join(["numérique"] * count)


def course_toml(*, text_words: int = 300, first_lesson_extra: str = "", description_link: str = "https://x.fr/"):
    """A small course file in the starter format: three lessons of a text block and a checklist."""
    lessons = []
    for number in (1, 2, 3):
        extra = first_lesson_extra if number == 1 else ""
        lessons.append(
            f"""
[[lessons]]
slug = "lecon-{number}"
title = "Leçon {number}"
minutes = 10

[[lessons.blocks]]
type = "text"
html = "<p>{words(text_words)}</p>"

[[lessons.blocks]]
type = "checklist"
title = "Vérifier"
items = ["Un", "Deux"]
{extra}"""
        )
    return f"""slug = "cours-test"
title = "Cours test"
summary = "Un résumé court."
description = "<p>Une description avec un <a href=\\"{description_link}\\">lien</a>.</p>"
objectives = ["Faire une chose"]
level = "decouverte"
audiences = ["all_staff"]
tags = ["test"]
certificate = true
prerequisites = []
competences = [{{ code = "4.1", level = 2 }}]
{"".join(lessons)}"""


def write(tmp_path, text: str):
    path = tmp_path / "01-cours-test.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_checker_accepts_the_small_valid_file(tmp_path):
    """The small file the checker tests start from is valid: three lessons of 303 words."""
    course = read_course(write(tmp_path, course_toml()))
    assert [lesson.word_count for lesson in course.lessons] == [303, 303, 303]


def test_checker_rejects_an_unknown_block_type(tmp_path):
    """A block of a type the format does not know is rejected, naming it."""
    extra = '\n[[lessons.blocks]]\ntype = "quiz"\ntitle = "Un quiz"\n'
    with pytest.raises(StarterFormatError, match=r"lesson 1 block 3: unknown block type 'quiz'"):
        read_course(write(tmp_path, course_toml(first_lesson_extra=extra)))


def test_checker_rejects_a_lesson_under_300_words(tmp_path):
    """A lesson of 296 words is rejected with its word count."""
    with pytest.raises(StarterFormatError, match=r"lesson 1: 296 words, at least 300 expected"):
        read_course(write(tmp_path, course_toml(text_words=293)))


def test_checker_does_not_count_headings_as_teaching(tmp_path):
    """Words of a heading do not lift a lesson over 300 words."""
    extra = f'\n[[lessons.blocks]]\ntype = "heading"\ntext = "{words(50)}"\n'
    with pytest.raises(StarterFormatError, match=r"lesson 1: 296 words"):
        read_course(write(tmp_path, course_toml(text_words=293, first_lesson_extra=extra)))


@pytest.mark.parametrize("href", ["http://www.cnil.fr/", "javascript:alert(1)", "//www.cnil.fr/", "www.cnil.fr"])
def test_checker_rejects_a_non_https_link_in_html(tmp_path, href):
    """A link that is not https:// in an HTML field is rejected."""
    with pytest.raises(StarterFormatError, match=r"links must be https://"):
        read_course(write(tmp_path, course_toml(description_link=href)))


def test_checker_rejects_a_non_https_link_in_a_lesson_block(tmp_path):
    """An http:// link inside a lesson's callout is rejected, naming the block."""
    extra = (
        '\n[[lessons.blocks]]\ntype = "callout"\nkind = "tip"\ntitle = "Voir"\n'
        "html = \"<p><a href='http://www.cnil.fr/'>CNIL</a></p>\"\n"
    )
    with pytest.raises(StarterFormatError, match=r"lesson 1 block 3: links must be https://"):
        read_course(write(tmp_path, course_toml(first_lesson_extra=extra)))


def test_checker_rejects_a_non_https_resource_url(tmp_path):
    """A resource block pointing to an http:// address is rejected."""
    extra = (
        '\n[[lessons.blocks]]\ntype = "resource"\ntitle = "CNIL"\nurl = "http://www.cnil.fr/"\n'
        'publisher = "CNIL"\ndescription = "Le site de la CNIL."\n'
    )
    with pytest.raises(StarterFormatError, match=r"resource url must be https://"):
        read_course(write(tmp_path, course_toml(first_lesson_extra=extra)))


def test_checker_command_reports_an_error_and_fails(tmp_path, capsys):
    """`python3 courses/starter_format.py FILE` prints ERROR and exits 1 for a bad file."""
    path = write(tmp_path, course_toml(text_words=10))
    assert starter_format.main([str(path)]) == 1
    assert capsys.readouterr().out.startswith("ERROR 01-cours-test.toml lesson 1: 13 words")


def test_checker_command_fails_for_a_course_without_quiz_file(tmp_path, capsys):
    """A course file without its .gift quiz makes the checker exit 1."""
    path = write(tmp_path, course_toml())
    assert starter_format.main([str(path)]) == 1


# The demo loader


def tiny_starters():
    return [course for course in read_catalogue() if not course.prerequisites][:TINY_SIZE]


@pytest.fixture
def loaded(db):
    return load_catalogue(size="tiny")


def test_tiny_load_builds_the_first_starter_courses_without_prerequisites(loaded):
    """size="tiny" builds the first two starter courses that need no prerequisite, under their slugs."""
    assert [course.slug for course in loaded] == [starter.slug for starter in tiny_starters()]
    assert len(loaded) == TINY_SIZE


def test_loaded_courses_are_live_and_published(loaded):
    """Every loaded course is live, without unpublished changes, under the catalogue."""
    for course in CoursePage.objects.filter(pk__in=[course.pk for course in loaded]):
        assert course.live
        assert not course.has_unpublished_changes
        assert course.get_parent().specific_class.__name__ == "CatalogPage"


def test_loaded_course_fields_come_from_the_starter_file(loaded):
    """Title, summary, level, duration, audiences, tags and competences follow the starter file."""
    for starter in tiny_starters():
        course = CoursePage.objects.get(slug=starter.slug)
        assert (course.title, course.summary, course.level) == (starter.title, starter.summary, starter.level)
        assert course.duration_minutes == starter.duration_minutes
        assert set(course.audiences.values_list("code", flat=True)) == set(starter.audiences)
        assert {tag.name for tag in course.tags.all()} == set(starter.tags)
        links = CourseCompetence.objects.filter(course=course).order_by("sort_order")
        assert [(link.competence.code, link.target_level) for link in links] == starter.competences
        assert [block.value for block in course.objectives] == starter.objectives


def test_loaded_lessons_are_live_and_in_the_starter_order(loaded):
    """Each course has its starter lessons, live, in the file's order, with their minutes."""
    for starter in tiny_starters():
        course = CoursePage.objects.get(slug=starter.slug)
        lessons = LessonPage.objects.child_of(course).order_by("path")
        assert [(lesson.slug, lesson.title, lesson.minutes, lesson.live) for lesson in lessons] == [
            (lesson.slug, lesson.title, lesson.minutes, True) for lesson in starter.lessons
        ]


def test_loaded_lesson_blocks_come_from_the_starter_file(loaded):
    """Each lesson body starts with the starter blocks, type by type and value by value."""
    for starter in tiny_starters():
        course = CoursePage.objects.get(slug=starter.slug)
        for starter_lesson in starter.lessons:
            lesson = LessonPage.objects.child_of(course).get(slug=starter_lesson.slug)
            built = [(block.block_type, block.block.get_api_representation(block.value)) for block in lesson.body]
            expected = [(block["type"], stream_block(block)["value"]) for block in starter_lesson.blocks]
            assert built[: len(expected)] == expected, starter_lesson.slug


def test_only_the_last_lesson_ends_with_the_final_quiz(loaded):
    """The last lesson of each course ends with a quiz block; the other lessons hold only starter blocks."""
    for starter in tiny_starters():
        course = CoursePage.objects.get(slug=starter.slug)
        lessons = list(LessonPage.objects.child_of(course).order_by("path"))
        extra = [
            [block.block_type for block in lesson.body][len(starter_lesson.blocks) :]
            for lesson, starter_lesson in zip(lessons, starter.lessons, strict=True)
        ]
        assert extra == [[]] * (len(lessons) - 1) + [["quiz"]]


def test_final_quiz_holds_the_questions_of_the_gift_file(loaded):
    """The quiz placed in the last lesson has as many questions as the course's .gift file."""
    for starter in tiny_starters():
        course = CoursePage.objects.get(slug=starter.slug)
        last = LessonPage.objects.child_of(course).order_by("-path").first()
        quiz = last.body[-1].value["quiz"]
        gift = starter.gift_path.read_text(encoding="utf-8")
        assert quiz.questions.count() == len(re.findall(r"^::", gift, flags=re.M))


def test_loaded_lesson_bodies_validate_against_the_block_definitions(loaded):
    """Every loaded body passes the StreamField's own validation, as if saved in the admin."""
    for lesson in LessonPage.objects.all():
        lesson.body.stream_block.clean(lesson.body)


def test_loading_twice_creates_nothing_more(loaded):
    """A second run adds no page, no revision, no competence link, no tag and no quiz."""

    def counts():
        return (
            Page.objects.count(),
            Revision.objects.count(),
            CourseCompetence.objects.count(),
            Tag.objects.count(),
            Quiz.objects.count(),
        )

    before = counts()
    again = load_catalogue(size="tiny")
    assert counts() == before
    assert [course.pk for course in again] == [course.pk for course in loaded]


def test_loading_keeps_a_course_edited_by_a_trainer(loaded):
    """A course whose title and summary a trainer changed and published keeps them after a re-run."""
    course = CoursePage.objects.get(pk=loaded[0].pk)
    course.title = "Cybersécurité : les essentiels"
    course.summary = "Version revue par la formatrice."
    course.save_revision().publish()
    load_catalogue(size="tiny")
    course.refresh_from_db()
    assert (course.title, course.summary) == ("Cybersécurité : les essentiels", "Version revue par la formatrice.")


def test_loading_keeps_a_lesson_edited_by_a_trainer(loaded):
    """A lesson body rewritten by a trainer is not reset by a re-run."""
    lesson = LessonPage.objects.child_of(loaded[0]).order_by("path").first()
    lesson.body = [{"type": "text", "value": "<p>Texte revu.</p>"}]
    lesson.save_revision().publish()
    load_catalogue(size="tiny")
    lesson.refresh_from_db()
    assert [block.value.source for block in lesson.body] == ["<p>Texte revu.</p>"]


def test_loading_keeps_a_course_unpublished_by_a_trainer(loaded):
    """A course a trainer unpublished stays unpublished, and is not built a second time."""
    course = CoursePage.objects.get(pk=loaded[0].pk)
    course.unpublish()
    load_catalogue(size="tiny")
    assert CoursePage.objects.filter(slug=course.slug).count() == 1
    assert not CoursePage.objects.get(slug=course.slug).live


def test_full_load_after_tiny_adds_the_rest_with_their_prerequisites(loaded):
    """A normal load after a tiny one adds the other courses and links prerequisites to existing ones."""
    courses = load_catalogue(size="normal")
    assert [course.slug for course in courses] == [starter.slug for starter in read_catalogue()]
    for starter in read_catalogue():
        page = CoursePage.objects.get(slug=starter.slug)
        assert sorted(page.prerequisites.values_list("slug", flat=True)) == sorted(starter.prerequisites)
