"""Catalogue, course and lesson pages as an agent sees them, with their query counts."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.documents.models import Document
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file

from courses.blocks import LessonStreamBlock
from courses.factories import CatalogPageFactory, CoursePageFactory, LessonPageFactory
from courses.views import COURSES_PER_PAGE
from people.factories import DEFAULT_PASSWORD, AgentFactory
from quizzes.factories import QuestionFactory, QuizFactory

pytestmark = pytest.mark.django_db
LOGIN = "/compte/connexion/"


@pytest.fixture
def agent():
    return AgentFactory()


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent.user)
    return client


@pytest.fixture
def catalog():
    return CatalogPageFactory()


@pytest.fixture
def course():
    """A course of three lessons, with objectives, two competences and a prerequisite."""
    basics = CoursePageFactory(title="Les bases du poste de travail")
    page = CoursePageFactory(
        title="Cybersécurité au quotidien",
        duration_minutes=90,
        level="intermediaire",
        objectives=["Créer un mot de passe robuste", "Repérer un courriel d'hameçonnage"],
        competences=(("4.1", 2), ("4.2", 3)),
        prerequisites=[basics],
    )
    for number, minutes in ((1, 15), (2, 20), (3, 25)):
        LessonPageFactory(parent=page, title=f"Leçon numéro {number}", minutes=minutes)
    return page


def lessons_of(course):
    return list(course.lessons())


def html(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def login_next(response) -> str:
    """The `next` of a redirect to the login page."""
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == LOGIN
    return parse_qs(location.query)["next"][0]


def card_count(page_html: str) -> int:
    return page_html.count('class="course-card"')


# Sign-in


@pytest.mark.parametrize("which", ["catalogue", "course", "lesson"])
def test_anonymous_visitor_is_sent_to_the_login_page_with_next(client, catalog, course, which):
    """An anonymous visitor of a catalogue, course or lesson page goes to the login page, `next=` set."""
    url = {"catalogue": catalog.url, "course": course.url, "lesson": lessons_of(course)[1].url}[which]
    assert login_next(client.get(url)) == url


def test_anonymous_filtered_catalogue_keeps_its_query_in_next(client, catalog, course):
    """The query string of a filtered catalogue survives the detour through the login page."""
    response = client.get(catalog.url, {"level": "avance", "q": "réseaux"})
    assert login_next(response) == f"{catalog.url}?level=avance&q=r%C3%A9seaux"


@pytest.mark.parametrize("which", ["catalogue", "course", "lesson"])
def test_after_login_the_visitor_comes_back_to_the_page(client, agent, catalog, course, which):
    """Logging in from the redirect brings the visitor back to the page asked for, which now shows."""
    url = {"catalogue": catalog.url, "course": course.url, "lesson": lessons_of(course)[1].url}[which]
    login_url = client.get(url)["Location"]
    login_page = client.get(login_url)
    assert f'name="next" value="{url}"' in html(login_page)
    response = client.post(
        login_url, {"username": agent.user.email, "password": DEFAULT_PASSWORD, "next": url}, REMOTE_ADDR="203.0.113.9"
    )
    assert response.status_code == 302
    assert response["Location"] == url
    assert client.get(url).status_code == 200


def test_login_ignores_a_next_pointing_to_another_site(client, agent, catalog):
    """`next=` to another host is not followed after login."""
    response = client.post(
        f"{LOGIN}?next=https://evil.example/",
        {"username": agent.user.email, "password": DEFAULT_PASSWORD, "next": "https://evil.example/"},
        REMOTE_ADDR="203.0.113.9",
    )
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


# Catalogue page


@pytest.mark.parametrize(("minutes", "shown"), [(90, "1 h 30"), (45, "45 min"), (120, "2 h"), (125, "2 h 05")])
def test_card_shows_the_duration_in_hours_and_minutes(agent_client, catalog, minutes, shown):
    """A card gives the duration as "45 min", "1 h 30", "2 h", "2 h 05"."""
    CoursePageFactory(title="Cours", duration_minutes=minutes)
    assert f"</span>{shown}</li>" in html(agent_client.get(catalog.url))


def test_card_shows_title_link_summary_and_level(agent_client, catalog):
    """A card links the course by its title and gives its summary and its level's label."""
    page = CoursePageFactory(title="Tableur avancé", summary="Formules et tableaux croisés.", level="avance")
    content = html(agent_client.get(catalog.url))
    assert f'<a href="{page.url}">Tableur avancé</a>' in content
    assert "Formules et tableaux croisés." in content
    assert "</span>Avancé</li>" in content


def test_card_shows_competence_codes_with_their_names(agent_client, catalog):
    """A card lists the CRCN codes trained, each with its full name as a tooltip."""
    CoursePageFactory(competences=(("4.1", 2), ("2.4", 3)))
    content = html(agent_client.get(catalog.url))
    assert '<abbr title="Sécuriser l&#x27;environnement numérique">4.1</abbr>' in content
    assert '<abbr title="S&#x27;insérer dans le monde numérique">2.4</abbr>' in content


def test_card_shows_the_tags(agent_client, catalog):
    """A card lists the course's tags."""
    CoursePageFactory(tags=["hameçonnage", "mots de passe"])
    content = html(agent_client.get(catalog.url))
    card = content[content.index('class="course-card"') :]
    assert "<li>hameçonnage</li>" in card
    assert "<li>mots de passe</li>" in card


def test_catalogue_counts_the_courses_found(agent_client, catalog):
    """The results heading says how many courses match."""
    for _number in range(3):
        CoursePageFactory()
    assert ">3 cours</h2>" in html(agent_client.get(catalog.url))


def test_filters_are_shown_selected(agent_client, catalog):
    """The filters of the URL are shown selected in the form."""
    CoursePageFactory(level="avance")
    content = html(agent_client.get(catalog.url, {"level": "avance", "domain": "4"}))
    assert '<option value="avance" selected>' in content
    assert '<option value="4" selected>' in content


def test_search_text_is_kept_in_the_search_box(agent_client, catalog):
    """The query typed is shown back, escaped, in the search box."""
    content = html(agent_client.get(catalog.url, {"q": 'réseaux "<b>'}))
    assert 'value="réseaux &quot;&lt;b&gt;"' in content


def test_empty_result_says_so(agent_client, catalog):
    """A search that finds nothing says so and offers to clear the filters."""
    CoursePageFactory()
    content = html(agent_client.get(catalog.url, {"q": "introuvable"}))
    assert "Aucun cours ne correspond" in content
    assert "Effacer les filtres" in content


@pytest.mark.parametrize(
    "params",
    [
        {"level": "<script>alert(1)</script>"},
        {"duration": "abc", "domain": "99", "audience": "zz"},
        {"tag": "a;b"},
        {"q": "x" * 1000},
        {"q": "!!!"},
        {"page": "abc"},
        {"page": "-3"},
    ],
)
def test_malformed_parameters_give_a_normal_page(agent_client, catalog, params):
    """Malformed filters or page numbers give a normal page, with nothing of them echoed unescaped."""
    CoursePageFactory()
    content = html(agent_client.get(catalog.url, params))
    assert "<script>alert(1)</script>" not in content


def test_repeated_parameters_give_a_normal_page(agent_client, catalog):
    """The same parameter twice in the URL gives a normal page."""
    CoursePageFactory(level="avance")
    response = agent_client.get(f"{catalog.url}?level=avance&level=decouverte&page=1&page=2")
    assert response.status_code == 200


@pytest.fixture
def thirteen_courses(catalog):
    return [CoursePageFactory(title=f"Cours {number:02d}", level="avance") for number in range(13)]


def test_thirteen_courses_make_two_pages(agent_client, catalog, thirteen_courses):
    """Twelve cards on page 1, the thirteenth on page 2."""
    first = html(agent_client.get(catalog.url))
    second = html(agent_client.get(catalog.url, {"page": 2}))
    assert (card_count(first), card_count(second)) == (COURSES_PER_PAGE, 1)
    assert "Page 1 sur 2" in first
    assert "Page 2 sur 2" in second
    assert "Cours 12" in second
    assert "Cours 12" not in first


def test_page_beyond_the_last_shows_the_last(agent_client, catalog, thirteen_courses):
    """`page=99` shows the last page rather than an error."""
    assert card_count(html(agent_client.get(catalog.url, {"page": 99}))) == 1


def test_pagination_links_keep_the_filters(agent_client, catalog, thirteen_courses):
    """The next-page link carries the active filters."""
    CoursePageFactory(level="decouverte")
    content = html(agent_client.get(catalog.url, {"level": "avance", "duration": "30-60"}))
    assert 'href="?level=avance&amp;duration=30-60&amp;page=2" rel="next"' in content


def test_pagination_links_keep_the_search(agent_client, catalog, thirteen_courses):
    """The next and previous links carry the search words."""
    first = html(agent_client.get(catalog.url, {"q": "Cours", "level": "avance"}))
    second = html(agent_client.get(catalog.url, {"q": "Cours", "level": "avance", "page": 2}))
    assert 'href="?q=cours&amp;level=avance&amp;page=2" rel="next"' in first
    assert 'href="?q=cours&amp;level=avance&amp;page=1" rel="prev"' in second


def test_pagination_links_drop_malformed_filters(agent_client, catalog, thirteen_courses):
    """A malformed filter is not carried into the pagination links."""
    content = html(agent_client.get(catalog.url, {"level": "<script>", "duration": "abc"}))
    assert 'href="?page=2" rel="next"' in content


def test_filtered_result_paginates_on_the_filtered_count(agent_client, catalog, thirteen_courses):
    """Filtering down to one course leaves a single page, without pagination."""
    CoursePageFactory(title="Seul", level="decouverte")
    content = html(agent_client.get(catalog.url, {"level": "decouverte"}))
    assert card_count(content) == 1
    assert 'aria-label="Pagination"' not in content


# Course page


def test_course_page_shows_the_outline_with_minutes(agent_client, course):
    """The programme lists the three lessons in order, with links and minutes."""
    content = html(agent_client.get(course.url))
    positions = [content.index(f">Leçon numéro {number}</a>") for number in (1, 2, 3)]
    assert positions == sorted(positions)
    for lesson, shown in zip(lessons_of(course), ("15 min", "20 min", "25 min"), strict=True):
        assert f'<a href="{lesson.url}">{lesson.title}</a> <span class="meta">{shown}' in content


def test_course_page_shows_the_objectives(agent_client, course):
    """ "Ce que vous saurez faire" lists the objectives."""
    content = html(agent_client.get(course.url))
    assert "Ce que vous saurez faire" in content
    assert "<li>Créer un mot de passe robuste</li>" in content
    assert "<li>Repérer un courriel d&#x27;hameçonnage</li>" in content


def test_course_page_shows_the_competences_with_target_levels(agent_client, course):
    """The competences trained are listed with code, name and target level."""
    content = html(agent_client.get(course.url))
    assert "<li>4.1 Sécuriser l&#x27;environnement numérique — niveau 2</li>" in content
    assert "<li>4.2 Protéger les données personnelles et la vie privée — niveau 3</li>" in content


def test_course_page_links_the_prerequisites(agent_client, course):
    """The prerequisites are linked by title."""
    basics = course.prerequisites.get()
    assert f'<a href="{basics.url}">Les bases du poste de travail</a>' in html(agent_client.get(course.url))


def test_course_page_hides_an_unpublished_prerequisite(agent_client, course):
    """A prerequisite that is no longer published is not linked."""
    course.prerequisites.get().unpublish()
    assert "Prérequis" not in html(agent_client.get(course.url))


def test_course_page_links_commencer_le_cours_to_the_first_lesson(agent_client, course):
    """ "Commencer le cours" leads to the first lesson."""
    first = lessons_of(course)[0]
    assert f'<a class="button" href="{first.url}">Commencer le cours</a>' in html(agent_client.get(course.url))


def test_course_page_shows_duration_level_and_lesson_count(agent_client, course):
    """The header gives the duration, the level and the number of lessons."""
    content = html(agent_client.get(course.url))
    assert "Durée : 1 h 30" in content
    assert "Niveau : Intermédiaire" in content
    assert "3 leçons" in content


def test_course_page_leaves_out_a_draft_lesson(agent_client, course):
    """A draft lesson is neither in the programme nor counted."""
    LessonPageFactory(parent=course, title="Leçon en brouillon", publish=False)
    content = html(agent_client.get(course.url))
    assert "Leçon en brouillon" not in content
    assert "3 leçons" in content


def test_course_without_live_lesson_has_no_start_link(agent_client):
    """A course whose lessons are all drafts offers no "Commencer le cours"."""
    page = CoursePageFactory()
    LessonPageFactory(parent=page, publish=False)
    assert "Commencer le cours" not in html(agent_client.get(page.url))


def test_unpublished_course_page_is_not_found(agent_client):
    """A draft course's URL answers 404 to an agent."""
    page = CoursePageFactory(publish=False)
    assert agent_client.get(page.url).status_code == 404


# Lesson page


def test_lesson_page_gives_its_position(agent_client, course):
    """The second of three lessons says "Leçon 2 sur 3"."""
    assert "Leçon 2 sur 3" in html(agent_client.get(lessons_of(course)[1].url))


def test_lesson_page_links_previous_and_next(agent_client, course):
    """The second lesson links to the first (rel=prev) and the third (rel=next)."""
    first, second, third = lessons_of(course)
    content = html(agent_client.get(second.url))
    assert f'href="{first.url}" rel="prev"' in content
    assert f'href="{third.url}" rel="next"' in content


def test_first_lesson_has_no_previous_link(agent_client, course):
    """The first lesson has a next link and no previous link."""
    content = html(agent_client.get(lessons_of(course)[0].url))
    assert 'rel="prev"' not in content
    assert 'rel="next"' in content


def test_last_lesson_leads_back_to_the_course(agent_client, course):
    """The last lesson offers "Revenir au cours" instead of a next link."""
    content = html(agent_client.get(lessons_of(course)[2].url))
    assert 'rel="next"' not in content
    assert f'<a class="button" href="{course.url}">Revenir au cours</a>' in content


def test_lesson_page_marks_itself_in_the_outline(agent_client, course):
    """The side programme marks the current lesson and links the others."""
    first, second, _third = lessons_of(course)
    content = html(agent_client.get(second.url))
    assert '<span aria-current="page">Leçon numéro 2</span>' in content
    assert f'<a href="{first.url}">Leçon numéro 1</a>' in content


def test_unpublished_lesson_page_is_not_found(agent_client, course):
    """A draft lesson's URL answers 404 to an agent."""
    draft = LessonPageFactory(parent=course, publish=False)
    assert agent_client.get(draft.url).status_code == 404


# Every block type


@pytest.fixture
def image():
    return Image.objects.create(title="Écran verrouillé", file=get_test_image_file())


@pytest.fixture
def quiz():
    quiz = QuizFactory(title="Quiz final — Cybersécurité", pass_mark=70)
    for _number in range(3):
        QuestionFactory(quiz=quiz)
    return quiz


@pytest.fixture
def documents():
    def make(title, name, content):
        document = Document.objects.create(title=title, file=ContentFile(content, name=name))
        document.file_size = document.file.size  # as Wagtail's upload form records it
        document.save()
        return document

    return {
        "pdf": make("Fiche réflexe", "fiche-reflexe.pdf", b"%PDF-1.4\n" + b"x" * 2048),
        "video": make("Vidéo hameçonnage", "hameconnage.mp4", b"\x00" * 64),
        "captions": make("Sous-titres", "hameconnage.vtt", b"WEBVTT\n\n00:00.000 --> 00:01.000\nBonjour\n"),
    }


def every_block(image, documents, quiz) -> list[dict]:
    """Raw StreamField data with one block of every type of LessonStreamBlock."""
    return [
        {"type": "heading", "value": {"text": "Un intertitre de leçon"}},
        {"type": "text", "value": "<p>Un paragraphe avec du <b>gras</b>.</p>"},
        {"type": "image", "value": {"image": image.pk, "alt_text": "Un écran verrouillé", "caption": "Verrou"}},
        {
            "type": "video",
            "value": {
                "title": "Repérer un courriel piégé",
                "embed": None,
                "file": documents["video"].pk,
                "captions": documents["captions"].pk,
                "transcript": "<p>Regardez d'abord l'adresse de l'expéditeur.</p>",
            },
        },
        {
            "type": "document",
            "value": {"document": documents["pdf"].pk, "title": "La fiche réflexe", "description": "À imprimer"},
        },
        {"type": "callout", "value": {"kind": "warning", "title": "Prudence", "text": "<p>Ne cliquez pas.</p>"}},
        {
            "type": "procedure",
            "value": {
                "title": "Activer la double authentification",
                "steps": [
                    {"title": "Ouvrez les paramètres", "text": "<p>Menu Sécurité.</p>"},
                    {"title": "Choisissez la validation en deux étapes", "text": ""},
                ],
            },
        },
        {
            "type": "checklist",
            "value": {
                "title": "Mon poste est-il protégé ?",
                "intro": "Cochez ce qui est vrai.",
                "items": ["Mon écran se verrouille", "Mes mises à jour sont faites"],
            },
        },
        {
            "type": "try_it",
            "value": {"title": "Testez une phrase de passe", "instructions": "<p>Inventez-en une.</p>", "minutes": 7},
        },
        {
            "type": "resource",
            "value": {
                "title": "Cybermalveillance.gouv.fr",
                "url": "https://www.cybermalveillance.gouv.fr/",
                "publisher": "GIP ACYMA",
                "description": "Assistance et prévention.",
            },
        },
        {"type": "quiz", "value": {"quiz": quiz.pk, "intro": "Vérifiez vos acquis.", "required": True}},
    ]


@pytest.fixture
def block_page(agent_client, course, image, documents, quiz) -> str:
    """The HTML of a lesson holding one block of every type."""
    lesson = LessonPageFactory(parent=course, title="Tous les blocs", body=every_block(image, documents, quiz))
    return html(agent_client.get(lesson.url))


def test_the_block_fixture_covers_every_block_type(image, documents, quiz):
    """The lesson of the block tests holds exactly the block types LessonStreamBlock declares."""
    assert [block["type"] for block in every_block(image, documents, quiz)] == list(LessonStreamBlock.base_blocks)


def test_heading_block_renders(block_page):
    """A heading renders as a second-level title."""
    assert "<h2>Un intertitre de leçon</h2>" in block_page


def test_text_block_renders(block_page):
    """A text block renders its rich text."""
    assert '<div class="rich-text"><p>Un paragraphe avec du <b>gras</b>.</p></div>' in block_page


def test_image_block_renders_with_alt_text_and_caption(block_page):
    """An image renders a rendition with its alternative text and its caption."""
    figure = re.search(r'<figure class="lesson-figure">(.*?)</figure>', block_page, re.S).group(1)
    assert re.search(r'<img [^>]*alt="Un écran verrouillé"', figure)
    assert re.search(r'src="/media/images/[^"]+\.max-800x600\.png"', figure)
    assert "<figcaption>Verrou</figcaption>" in figure


def test_video_block_renders_the_file_with_captions(block_page, documents):
    """An uploaded video plays from its file, with its WebVTT captions track."""
    assert f'<video controls preload="metadata" src="{documents["video"].url}">' in block_page
    assert f'<track kind="captions" srclang="fr" label="Français" src="{documents["captions"].url}" default>' in (
        block_page
    )


def test_video_block_shows_its_transcript(block_page):
    """The video's transcript is on the page, under "Lire la transcription"."""
    transcript = re.search(r'<details class="transcript">(.*?)</details>', block_page, re.S).group(1)
    assert "Lire la transcription" in transcript
    assert "<p>Regardez d'abord l'adresse de l'expéditeur.</p>" in transcript


def test_document_block_renders_a_download_link_with_format_and_size(block_page, documents):
    """A document renders a download link with its format and size."""
    assert f'<a href="{documents["pdf"].url}" download>La fiche réflexe</a>' in block_page
    assert re.search(r"\(PDF, 2[,.]0\s*Kio\)", block_page)
    assert "À imprimer" in block_page


def test_document_block_shows_the_size_of_a_document_created_by_code(agent_client, course):
    """A document saved without a recorded size still shows its size."""
    document = Document.objects.create(title="Fiche", file=ContentFile(b"x" * 2048, name="fiche.pdf"))
    lesson = LessonPageFactory(
        parent=course, body=[{"type": "document", "value": {"document": document.pk, "title": "Fiche"}}]
    )
    assert re.search(r"\(PDF, 2[,.]0\s*Kio\)", html(agent_client.get(lesson.url)))


def test_callout_block_renders_its_kind(block_page):
    """A warning callout renders as such, with its title and text."""
    assert '<aside class="callout callout-warning" aria-label="Attention">' in block_page
    assert "Prudence" in block_page
    assert "<p>Ne cliquez pas.</p>" in block_page


def test_procedure_block_renders_numbered_steps(block_page):
    """A procedure renders its steps as an ordered list, with each step's detail."""
    steps = re.search(r'<ol class="steps">(.*?)</ol>', block_page, re.S).group(1)
    assert steps.count("<li>") == 2
    assert "<strong>Ouvrez les paramètres</strong>" in steps
    assert "<p>Menu Sécurité.</p>" in steps


def test_checklist_block_renders_labelled_checkboxes(block_page):
    """A checklist renders one labelled checkbox per item, with unique ids."""
    ids = re.findall(r'<input type="checkbox" id="([^"]+)"><label for="\1">', block_page)
    assert len(ids) == 2
    assert len(set(ids)) == 2
    assert "Mon écran se verrouille" in block_page


def test_try_it_block_renders_its_duration(block_page):
    """A try-it exercise gives its title, duration and instructions."""
    assert "Testez une phrase de passe" in block_page
    assert "Environ 7 min" in block_page
    assert "<p>Inventez-en une.</p>" in block_page


def test_resource_block_renders_an_external_link(block_page):
    """A resource renders its link, publisher and description."""
    assert '<a href="https://www.cybermalveillance.gouv.fr/" rel="noopener">Cybermalveillance.gouv.fr</a>' in (
        block_page
    )
    assert "GIP ACYMA" in block_page
    assert "Assistance et prévention." in block_page


def test_quiz_block_renders_a_start_form(block_page, quiz):
    """A quiz block gives its title, intro, question count and pass mark, and a form to start it."""
    assert "Quiz final — Cybersécurité" in block_page
    assert "Vérifiez vos acquis." in block_page
    assert "3 questions · réussi à partir de 70 %" in block_page
    assert f'<form method="post" action="/quiz/{quiz.pk}/commencer/">' in block_page


# Query counts


def queries_for(client, url) -> int:
    """The queries of one request, after a first request has filled the caches."""
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def make_courses(count: int, start: int = 0, **extra):
    for number in range(start, start + count):
        CoursePageFactory(
            title=f"Cours {number:03d}",
            competences=(("4.1", 2), ("2.4", 3), ("1.1", 1)),
            audiences=("all_staff", "managers"),
            tags=[f"thème {number}", "numerique"],
            **extra,
        )


def test_catalogue_query_count_does_not_grow_with_the_courses(agent_client, catalog):
    """The catalogue page costs as many queries with 40 courses as with 5."""
    make_courses(5)
    with_five = queries_for(agent_client, catalog.url)
    make_courses(35, start=5)
    assert queries_for(agent_client, catalog.url) == with_five


def test_filtered_and_searched_catalogue_query_count_does_not_grow(agent_client, catalog):
    """A filtered search costs as many queries with 40 matching courses as with 5."""
    url = f"{catalog.url}?q=numerique&domain=4&audience=managers&tag=numerique"
    make_courses(5)
    with_five = queries_for(agent_client, url)
    make_courses(35, start=5)
    assert queries_for(agent_client, url) == with_five


def test_catalogue_query_count_with_cover_images_does_not_grow(agent_client, catalog):
    """Cards with their own cover image cost as many queries with 40 courses as with 5 (renditions cached)."""

    def make_covered(count, start):
        for number in range(start, start + count):
            cover = Image.objects.create(title=f"Couverture {number}", file=get_test_image_file(size=(64, 36)))
            make_courses(1, start=number, cover_image=cover, cover_alt="Une couverture")

    make_covered(5, 0)
    with_five = queries_for(agent_client, catalog.url)
    make_covered(35, 5)
    assert queries_for(agent_client, catalog.url) == with_five


def course_of(lessons: int, competences=(("4.1", 2),)):
    page = CoursePageFactory(competences=competences)
    return page, [LessonPageFactory(parent=page) for _number in range(lessons)]


def test_lesson_page_query_count_does_not_grow_with_the_lessons(agent_client):
    """A lesson of a 20-lesson course costs as many queries as one of a 3-lesson course."""
    _short, short_lessons = course_of(3)
    _long, long_lessons = course_of(20)
    assert queries_for(agent_client, long_lessons[10].url) == queries_for(agent_client, short_lessons[1].url)


def test_course_page_query_count_does_not_grow_with_the_lessons(agent_client):
    """A course page of 20 lessons costs as many queries as one of 3 lessons."""
    short, _lessons = course_of(3)
    long, _lessons = course_of(20)
    assert queries_for(agent_client, long.url) == queries_for(agent_client, short.url)


def test_course_page_query_count_does_not_grow_with_the_competences(agent_client):
    """A course page naming four competences costs as many queries as one naming one."""
    one, _lessons = course_of(3)
    four, _lessons = course_of(3, competences=(("4.1", 2), ("4.2", 2), ("2.4", 3), ("1.1", 2)))
    assert queries_for(agent_client, four.url) == queries_for(agent_client, one.url)
