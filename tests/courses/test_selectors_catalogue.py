"""Catalogue selectors: filters, accent-blind search, published content only, course outline, lesson context."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.base import ContentFile
from django.http import QueryDict
from django.test import RequestFactory
from taggit.models import Tag
from wagtail.documents.models import Document

from courses.factories import CatalogPageFactory, CoursePageFactory, LessonPageFactory
from courses.search import MAX_QUERY_LENGTH, MAX_QUERY_WORDS
from courses.selectors import catalogue_courses, course_outline, parse_filters

pytestmark = pytest.mark.django_db


def query(*pairs) -> QueryDict:
    """A GET query as the catalogue view receives it; a name may repeat."""
    params = QueryDict(mutable=True)
    for name, value in pairs:
        params.appendlist(name, value)
    return params


def titles(catalog, *pairs) -> list[str]:
    return [course.title for course in catalogue_courses(catalog, parse_filters(query(*pairs)))]


@pytest.fixture
def catalog():
    return CatalogPageFactory()


@pytest.fixture
def courses(catalog):
    """Four courses that differ on every filter."""
    return {
        "cyber": CoursePageFactory(
            title="Cybersécurité au quotidien",
            level="decouverte",
            duration_minutes=90,
            competences=(("4.1", 2), ("4.2", 2)),
            audiences=("all_staff",),
            tags=["mots de passe", "sécurité"],
        ),
        "social": CoursePageFactory(
            title="Réseaux sociaux",
            level="intermediaire",
            duration_minutes=45,
            competences=(("2.4", 3), ("2.2", 2)),
            audiences=("communication", "elected_officials"),
            tags=["réseaux sociaux", "communication"],
        ),
        "sheet": CoursePageFactory(
            title="Tableur avancé",
            level="avance",
            duration_minutes=150,
            competences=(("1.3", 4),),
            audiences=("hr",),
            tags=["tableur"],
        ),
        "visio": CoursePageFactory(
            title="Visioconférence",
            level="decouverte",
            duration_minutes=20,
            competences=(("2.1", 2),),
            audiences=("all_staff", "managers"),
            tags=["réunion", "communication"],
        ),
    }


ALL = ["Cybersécurité au quotidien", "Réseaux sociaux", "Tableur avancé", "Visioconférence"]


def tag_slug(name: str) -> str:
    return Tag.objects.get(name=name).slug


# Filters alone


def test_without_filters_every_live_course_is_listed_by_title(catalog, courses):
    """With no filter the catalogue lists every published course, ordered by title."""
    assert titles(catalog) == ALL


@pytest.mark.parametrize(
    ("domain", "expected"),
    [
        ("4", ["Cybersécurité au quotidien"]),
        ("2", ["Réseaux sociaux", "Visioconférence"]),
        ("1", ["Tableur avancé"]),
        ("5", []),
    ],
)
def test_domain_filter_keeps_courses_training_a_competence_of_that_domain(catalog, courses, domain, expected):
    """`domain=N` keeps the courses that name at least one competence of CRCN domain N, each once."""
    assert titles(catalog, ("domain", domain)) == expected


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        ("decouverte", ["Cybersécurité au quotidien", "Visioconférence"]),
        ("intermediaire", ["Réseaux sociaux"]),
        ("avance", ["Tableur avancé"]),
    ],
)
def test_level_filter(catalog, courses, level, expected):
    """`level=` keeps the courses of that level only."""
    assert titles(catalog, ("level", level)) == expected


@pytest.mark.parametrize(
    ("audience", "expected"),
    [
        ("all_staff", ["Cybersécurité au quotidien", "Visioconférence"]),
        ("elected_officials", ["Réseaux sociaux"]),
        ("managers", ["Visioconférence"]),
        ("front_desk", []),
    ],
)
def test_audience_filter(catalog, courses, audience, expected):
    """`audience=` keeps the courses written for that audience, each once."""
    assert titles(catalog, ("audience", audience)) == expected


@pytest.mark.parametrize(
    ("band", "expected"),
    [
        ("lt30", ["Visioconférence"]),
        ("30-60", ["Réseaux sociaux"]),
        ("60-120", ["Cybersécurité au quotidien"]),
        ("gt120", ["Tableur avancé"]),
    ],
)
def test_duration_filter(catalog, courses, band, expected):
    """`duration=` keeps the courses whose estimated duration falls in the band."""
    assert titles(catalog, ("duration", band)) == expected


@pytest.mark.parametrize(
    ("minutes", "band"),
    [(29, "lt30"), (30, "30-60"), (60, "30-60"), (61, "60-120"), (120, "60-120"), (121, "gt120")],
)
def test_duration_band_boundaries(catalog, minutes, band):
    """Each boundary minute falls in exactly one band: 30 and 60 in "30-60", 120 in "60-120"."""
    CoursePageFactory(title="Borne", duration_minutes=minutes)
    found = {name for name in ("lt30", "30-60", "60-120", "gt120") if titles(catalog, ("duration", name))}
    assert found == {band}


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("communication", ["Réseaux sociaux", "Visioconférence"]),
        ("réseaux sociaux", ["Réseaux sociaux"]),
        ("mots de passe", ["Cybersécurité au quotidien"]),
    ],
)
def test_tag_filter_by_slug(catalog, courses, tag, expected):
    """`tag=<slug>` keeps the courses carrying that tag, accented and multi-word slugs included."""
    assert titles(catalog, ("tag", tag_slug(tag))) == expected


def test_tag_filter_works_for_a_slug_with_an_underscore(catalog, courses):
    """A tag whose slug contains an underscore, offered in the filter list, filters the catalogue."""
    CoursePageFactory(title="Données ouvertes", tags=["open_data"])
    assert titles(catalog, ("tag", tag_slug("open_data"))) == ["Données ouvertes"]


def test_unknown_tag_is_ignored_like_an_unknown_domain(catalog, courses):
    """A well-formed tag that no course carries (a stale bookmark) is dropped, as an unknown domain is."""
    assert titles(catalog, ("tag", "tag-supprime")) == ALL


# Filters combined


def test_domain_and_audience_combined(catalog, courses):
    """Domain 2 for all staff keeps only the course matching both."""
    assert titles(catalog, ("domain", "2"), ("audience", "all_staff")) == ["Visioconférence"]


def test_level_and_duration_combined(catalog, courses):
    """A discovery course of one to two hours."""
    assert titles(catalog, ("level", "decouverte"), ("duration", "60-120")) == ["Cybersécurité au quotidien"]


def test_tag_and_domain_and_level_combined(catalog, courses):
    """Three filters at once keep only the course matching all three."""
    chosen = titles(catalog, ("tag", "communication"), ("domain", "2"), ("level", "intermediaire"))
    assert chosen == ["Réseaux sociaux"]


def test_every_filter_and_search_combined(catalog, courses):
    """Search, domain, level, audience, duration and tag together."""
    chosen = titles(
        catalog,
        ("q", "visioconference"),
        ("domain", "2"),
        ("level", "decouverte"),
        ("audience", "managers"),
        ("duration", "lt30"),
        ("tag", "communication"),
    )
    assert chosen == ["Visioconférence"]


def test_filters_that_exclude_each_other_give_an_empty_list(catalog, courses):
    """Domain 4 among advanced courses matches nothing, without error."""
    assert titles(catalog, ("domain", "4"), ("level", "avance")) == []


# Unknown or malformed values


@pytest.mark.parametrize(
    "pairs",
    [
        [("domain", "9")],
        [("domain", "4.1")],
        [("domain", "")],
        [("level", "<script>alert(1)</script>")],
        [("level", "expert")],
        [("audience", "astronauts")],
        [("duration", "abc")],
        [("duration", "30-61")],
        [("tag", "vie;privée")],
        [("tag", "<b>tableur</b>")],
        [("tag", "mots de passe")],
        [("tag", "x" * 500 + "!")],
        [("unknown", "1")],
        [("page", "-1")],
    ],
    ids=lambda pairs: "&".join(f"{name}={value[:20]}" for name, value in pairs),
)
def test_unknown_or_malformed_filter_is_ignored(catalog, courses, pairs):
    """A value the catalogue does not know is dropped: the full catalogue is listed, no error."""
    assert titles(catalog, *pairs) == ALL


def test_malformed_filter_does_not_cancel_a_valid_one(catalog, courses):
    """A valid level still applies when the duration beside it is garbage."""
    assert titles(catalog, ("level", "avance"), ("duration", "abc")) == ["Tableur avancé"]


def test_malformed_values_leave_empty_filters(courses):
    """parse_filters keeps nothing of malformed values, so nothing of them reaches a query or a link."""
    filters = parse_filters(
        query(("domain", "9"), ("level", "<script>"), ("duration", "abc"), ("tag", "a,b"), ("audience", "x"))
    )
    assert not filters.active()


def test_repeated_parameter_uses_its_last_value(catalog, courses):
    """`level=avance&level=intermediaire` gives a normal result for one level (the last), never an error."""
    assert titles(catalog, ("level", "avance"), ("level", "intermediaire")) == ["Réseaux sociaux"]


def test_repeated_parameter_with_a_malformed_last_value_is_ignored(catalog, courses):
    """When the last of repeated values is malformed, the filter is dropped."""
    assert titles(catalog, ("domain", "4"), ("domain", "<x>")) == ALL


def test_a_thousand_character_query_is_cut_and_still_searches(catalog, courses):
    """A 1,000-character `q` is cut to a bounded query and still finds the course it names."""
    long_query = ("reseaux " * 125)[:1000]
    filters = parse_filters(query(("q", long_query)))
    assert len(filters.q) <= MAX_QUERY_LENGTH
    assert len(filters.q.split()) <= MAX_QUERY_WORDS
    assert titles(catalog, ("q", long_query)) == ["Réseaux sociaux"]


def test_a_thousand_character_single_word_query_gives_an_empty_result(catalog, courses):
    """One word of 1,000 letters matches nothing and raises nothing."""
    assert titles(catalog, ("q", "x" * 1000)) == []


@pytest.mark.parametrize("text", ["!!!", "?! … « » — ;:", "%'\"\\/*", "   "])
def test_punctuation_only_query_lists_the_whole_catalogue(catalog, courses, text):
    """A query with no word in it is no search: the catalogue is listed whole."""
    assert parse_filters(query(("q", text))).q == ""
    assert titles(catalog, ("q", text)) == ALL


def test_underscores_only_query_lists_the_whole_catalogue(catalog, courses):
    """A query of underscores is punctuation too: the catalogue is listed whole."""
    assert titles(catalog, ("q", "___")) == ALL


def test_sql_wildcards_in_a_query_are_not_wildcards(catalog, courses):
    """`%` and `_` around a word search for the word only."""
    assert titles(catalog, ("q", "%tableur_%")) == ["Tableur avancé"]


# Search


@pytest.mark.parametrize("text", ["reseaux sociaux", "RÉSEAUX", "Réseaux Sociaux", "reSEAUx", "RESEAUX SOCIAUX"])
def test_search_is_accent_and_case_blind(catalog, courses, text):
    """Without accents, in capitals or mixed case, the query finds "Réseaux sociaux"."""
    assert titles(catalog, ("q", text)) == ["Réseaux sociaux"]


def test_search_with_accents_finds_an_unaccented_title(catalog):
    """ "sécurité informatique" finds a course whose text is written without accents."""
    CoursePageFactory(title="Securite informatique", summary="Les bases de la securite.")
    CoursePageFactory(title="Autre cours")
    assert titles(catalog, ("q", "Sécurité")) == ["Securite informatique"]


def test_search_needs_every_word(catalog, courses):
    """Two words find only the courses that contain both."""
    assert titles(catalog, ("q", "reseaux tableur")) == []


def test_search_finds_a_word_of_the_summary(catalog):
    """A word of the summary only finds the course."""
    CoursePageFactory(title="Cours A", summary="Comprendre la dématérialisation des marchés publics.")
    CoursePageFactory(title="Cours B")
    assert titles(catalog, ("q", "dematerialisation")) == ["Cours A"]


def test_search_finds_a_tag(catalog, courses):
    """A tag's words find the course that carries it."""
    assert titles(catalog, ("q", "mots de passe")) == ["Cybersécurité au quotidien"]


def test_search_finds_an_objective(catalog):
    """A word of an objective finds the course."""
    CoursePageFactory(title="Cours A", objectives=["Paramétrer la messagerie chiffrée"])
    CoursePageFactory(title="Cours B")
    assert titles(catalog, ("q", "chiffree")) == ["Cours A"]


def test_search_finds_a_course_by_a_word_of_a_lesson_text(catalog, courses):
    """A word present only in a lesson's text block finds the lesson's course."""
    LessonPageFactory(
        parent=courses["cyber"], body=[{"type": "text", "value": "<p>Repérer l'<b>hameçonnage</b> ciblé.</p>"}]
    )
    LessonPageFactory(parent=courses["sheet"])
    assert titles(catalog, ("q", "hameconnage")) == ["Cybersécurité au quotidien"]


def test_search_by_lesson_word_combines_with_a_filter(catalog, courses):
    """A lesson word and a level filter both apply."""
    body = [{"type": "text", "value": "<p>Le télétravail.</p>"}]
    LessonPageFactory(parent=courses["cyber"], body=body)
    LessonPageFactory(parent=courses["sheet"], body=body)
    assert titles(catalog, ("q", "teletravail"), ("level", "avance")) == ["Tableur avancé"]


def _video_document():
    return Document.objects.create(title="Vidéo", file=ContentFile(b"\x00" * 16, name="video.mp4"))


LESSON_BLOCKS = {
    "heading": lambda: {"text": "Le mot motclef"},
    "text": lambda: "<p>Le mot motclef</p>",
    "resource": lambda: {
        "title": "Le mot motclef",
        "url": "https://www.cybermalveillance.gouv.fr",
        "publisher": "GIP ACYMA",
        "description": "Assistance.",
    },
    "callout": lambda: {"kind": "tip", "title": "Astuce", "text": "<p>Le mot motclef</p>"},
    "try_it": lambda: {"title": "Exercice", "instructions": "<p>Le mot motclef</p>", "minutes": 5},
    "checklist": lambda: {"title": "Vérifier", "intro": "", "items": ["Le mot motclef", "Autre point"]},
    "procedure": lambda: {
        "title": "Procédure",
        "steps": [{"title": "Le mot motclef", "text": ""}, {"title": "Étape deux", "text": ""}],
    },
    "video": lambda: {
        "title": "Vidéo",
        "embed": None,
        "file": _video_document().pk,
        "captions": None,
        "transcript": "<p>Le mot motclef</p>",
    },
}


@pytest.mark.parametrize(
    "kind",
    [
        "heading",
        "text",
        "resource",
        "callout",
        "try_it",
        "checklist",
        "procedure",
        "video",
    ],
)
def test_search_finds_a_word_in_any_lesson_block(catalog, courses, kind):
    """A word present only in one block of a lesson, whatever its type, finds the lesson's course."""
    LessonPageFactory(parent=courses["visio"], body=[{"type": kind, "value": LESSON_BLOCKS[kind]()}])
    assert titles(catalog, ("q", "motclef")) == ["Visioconférence"]


# Published content only


def test_unpublished_course_is_not_listed(catalog, courses):
    """A draft course never appears in the catalogue."""
    CoursePageFactory(title="Brouillon", publish=False)
    assert titles(catalog) == ALL


def test_unpublished_course_is_not_found_by_search(catalog, courses):
    """A draft course whose title matches the query is not found."""
    CoursePageFactory(title="Réseaux sociaux, suite", publish=False)
    assert titles(catalog, ("q", "reseaux")) == ["Réseaux sociaux"]


def test_unpublished_course_is_not_found_by_a_filter(catalog, courses):
    """A draft course matching a filter is not listed under that filter."""
    CoursePageFactory(title="Brouillon avancé", level="avance", publish=False)
    assert titles(catalog, ("level", "avance")) == ["Tableur avancé"]


def test_course_unpublished_after_publication_disappears(catalog, courses):
    """Unpublishing a course removes it from the list and from search."""
    courses["social"].unpublish()
    assert "Réseaux sociaux" not in titles(catalog)
    assert titles(catalog, ("q", "reseaux")) == []


def test_draft_changes_of_a_live_course_are_not_searchable(catalog, courses):
    """A title saved as a draft but not published finds nothing; the published title still does."""
    page = courses["sheet"]
    page.title = "Feuilles de calcul"
    page.save_revision()
    assert titles(catalog, ("q", "feuilles")) == []
    assert titles(catalog, ("q", "tableur")) == ["Tableur avancé"]


def test_word_of_an_unpublished_lesson_does_not_find_the_course(catalog, courses):
    """A word present only in a draft lesson does not find the course."""
    LessonPageFactory(parent=courses["cyber"], body=[{"type": "text", "value": "<p>Rançongiciel</p>"}], publish=False)
    assert titles(catalog, ("q", "rancongiciel")) == []


def test_lesson_of_an_unpublished_course_does_not_surface_it(catalog):
    """A published lesson under a draft course does not bring the course into the results."""
    draft = CoursePageFactory(title="Brouillon", publish=False)
    LessonPageFactory(parent=draft, body=[{"type": "text", "value": "<p>Rançongiciel</p>"}])
    assert titles(catalog, ("q", "rancongiciel")) == []


# Course outline


@pytest.fixture
def course_with_lessons(courses):
    """A course with a live lesson, a draft lesson, a live optional lesson, in this tree order."""
    course = courses["cyber"]
    first = LessonPageFactory(parent=course, title="Zéro : les mots de passe", minutes=15)
    draft = LessonPageFactory(parent=course, title="Brouillon", minutes=99, publish=False)
    last = LessonPageFactory(parent=course, title="Aller plus loin", minutes=20, completion_required=False)
    return course, first, draft, last


def test_outline_lists_live_lessons_in_tree_order(course_with_lessons):
    """The outline follows the page tree order (not the titles) and leaves draft lessons out."""
    course, first, _draft, last = course_with_lessons
    assert [item.pk for item in course_outline(course).lessons] == [first.pk, last.pk]


def test_outline_gives_minutes_and_total(course_with_lessons):
    """Each outline item carries its minutes, and the total counts live lessons only."""
    course, *_lessons = course_with_lessons
    outline = course_outline(course)
    assert [item.minutes for item in outline.lessons] == [15, 20]
    assert outline.total_minutes == 35


def test_outline_gives_titles_urls_and_required_flag(course_with_lessons):
    """Each item names its lesson, links to it and says whether it is required."""
    course, first, _draft, last = course_with_lessons
    items = course_outline(course).lessons
    assert [(item.title, item.url, item.required) for item in items] == [
        (first.title, first.url, True),
        (last.title, last.url, False),
    ]


def test_outline_follows_a_reordering_of_the_lessons(course_with_lessons):
    """Moving a lesson before another in the tree changes the outline order."""
    course, first, _draft, last = course_with_lessons
    last.move(first, pos="left")
    assert [item.pk for item in course_outline(course).lessons] == [last.pk, first.pk]


def test_outline_of_a_course_without_live_lesson_is_empty(courses):
    """A course whose only lesson is a draft has an empty outline."""
    LessonPageFactory(parent=courses["sheet"], publish=False)
    outline = course_outline(courses["sheet"])
    assert (outline.lessons, outline.total_minutes) == ([], 0)


# Lesson page context


@pytest.fixture
def three_lessons(courses):
    """Lessons one, (a draft), two and three of a course."""
    course = courses["social"]
    one = LessonPageFactory(parent=course, title="Un")
    LessonPageFactory(parent=course, title="Brouillon", publish=False)
    two = LessonPageFactory(parent=course, title="Deux")
    three = LessonPageFactory(parent=course, title="Trois")
    return one, two, three


def lesson_context(lesson) -> dict:
    request = RequestFactory().get(lesson.url)
    request.user = AnonymousUser()
    return lesson.get_context(request)


def test_first_lesson_has_no_previous_and_the_second_as_next(three_lessons):
    """Lesson 1: position 1, no previous, next is lesson 2."""
    one, two, _three = three_lessons
    context = lesson_context(one)
    assert (context["position"], context["previous_lesson"], context["next_lesson"].pk) == (1, None, two.pk)


def test_middle_lesson_skips_the_draft_between(three_lessons):
    """Lesson 2 (after a draft lesson in the tree) is at position 2, between lessons 1 and 3."""
    one, two, three = three_lessons
    context = lesson_context(two)
    assert (context["position"], context["previous_lesson"].pk, context["next_lesson"].pk) == (2, one.pk, three.pk)


def test_last_lesson_has_no_next(three_lessons):
    """Lesson 3: position 3, previous is lesson 2, no next."""
    _one, two, three = three_lessons
    context = lesson_context(three)
    assert (context["position"], context["previous_lesson"].pk, context["next_lesson"]) == (3, two.pk, None)


def test_lesson_context_gives_the_course_and_its_outline(three_lessons, courses):
    """The context names the specific course page and its three-lesson outline."""
    one, _two, _three = three_lessons
    context = lesson_context(one)
    assert context["course"] == courses["social"]
    assert isinstance(context["course"], type(courses["social"]))
    assert len(context["outline"].lessons) == 3


def test_draft_lesson_has_no_position(three_lessons, courses):
    """A lesson outside the outline (a draft being previewed) has no position and no neighbours."""
    draft = LessonPageFactory(parent=courses["social"], title="Nouvelle", publish=False)
    context = lesson_context(draft)
    assert (context["position"], context["previous_lesson"], context["next_lesson"]) == (None, None, None)
