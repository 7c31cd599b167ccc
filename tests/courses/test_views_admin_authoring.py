"""Authoring courses in the real Wagtail admin: drafts, moderation, validation, rights and the page tree.

Every request goes through Wagtail's own admin views with the form data the page editor posts
(built with `wagtail.test.utils.form_data`), so the rules of `CoursePageForm`, of the lesson blocks and of
the "Relecture pédagogique" workflow are checked where trainers and reviewers meet them.
"""

from __future__ import annotations

import html

import pytest
from django.contrib.messages import get_messages
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils.html import strip_tags
from wagtail.documents.models import Document
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import Page, WorkflowState
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from courses.blocks import RICH_FEATURES
from courses.factories import CoursePageFactory, LessonPageFactory
from courses.models import CatalogPage, CoursePage, LessonPage
from home.models import Branding, HomePage
from people.factories import AgentFactory, TrainerAgentFactory, UserFactory
from people.roles import REVIEWER_GROUP
from skills.models import Competence

pytestmark = pytest.mark.django_db

NO_LESSON_MESSAGE = "Un cours sans leçon ne peut pas être publié : enregistrez-le en brouillon et ajoutez ses leçons."
COVER_ALT_MESSAGE = "Décrivez l'image de couverture : le texte alternatif est obligatoire."
REQUIRED_MESSAGE = "Champ requis."
VIDEO_SOURCE_MESSAGE = "Indiquez soit un lien de vidéo en ligne, soit un fichier déposé."
# What Draftail posts for a rich text editor left empty (its raw content state serialised as null).
EMPTY_EDITOR = "null"
# What the editor posts when it holds one empty paragraph (a draft saved with an empty block, reopened).
EMPTY_PARAGRAPH = rich_text("<p></p>", features=RICH_FEATURES)
ADMIN_REFUSAL = "Désolé, vous n'avez pas les autorisations pour accéder à cette zone."


# --- Actors ----------------------------------------------------------------------------------------


@pytest.fixture
def catalog():
    return CatalogPage.objects.get(slug="catalogue")


@pytest.fixture
def trainer_client(client):
    client.force_login(TrainerAgentFactory().user)
    return client


@pytest.fixture
def reviewer_client(client):
    client.force_login(AgentFactory(groups=[REVIEWER_GROUP]).user)
    return client


@pytest.fixture
def admin_client_(client):
    """The instance administrator (a superuser), who alone may delete a course with its lessons."""
    client.force_login(UserFactory(email="admin@example.org", is_superuser=True, is_staff=True))
    return client


# --- Form data as the page editor posts it -----------------------------------------------------------


def add_url(model_name: str, parent: Page) -> str:
    return reverse("wagtailadmin_pages:add", args=("courses", model_name, parent.pk))


def edit_url(page: Page) -> str:
    return reverse("wagtailadmin_pages:edit", args=(page.pk,))


def course_form(*, title: str, slug: str, competences=(("4.1", 2),), course: CoursePage | None = None, **extra):
    """The course editor's fields; `course` keeps the ids of its existing competence rows."""
    existing = list(course.competences.all()) if course is not None else []
    rows = [
        {"id": str(link.pk), "competence": str(link.competence_id), "target_level": str(link.target_level)}
        for link in existing
    ]
    rows += [
        {"id": "", "competence": str(Competence.objects.get(code=code).pk), "target_level": str(level)}
        for code, level in competences
        if not any(link.competence.code == code for link in existing)
    ]
    data = nested_form_data(
        {
            "title": title,
            "slug": slug,
            "summary": "Protéger les postes et les données du service au quotidien.",
            "description": rich_text("<p>Un cours pratique.</p>", features=["bold", "italic", "link", "ul", "ol"]),
            "objectives": streamfield([("objective", "Reconnaître un courriel d'hameçonnage")]),
            "level": "intermediaire",
            "duration_minutes": "45",
            "tags": "",
            "competences": inline_formset(rows, initial=len(existing), min=1),
            "cover_image": "",
            "cover_alt": "",
            "certificate_on_completion": "on",
            "seo_title": "",
            "search_description": "",
            "go_live_at": "",
            "expire_at": "",
        }
    )
    data.update(extra)
    return data


def text_block(text: str = "Une leçon courte, lisible sur un téléphone."):
    return ("text", rich_text(f"<p>{text}</p>", features=RICH_FEATURES))


def lesson_form(*, title: str, slug: str, blocks=(), **extra):
    data = nested_form_data(
        {
            "title": title,
            "slug": slug,
            "minutes": "10",
            "completion_required": "on",
            "body": streamfield(list(blocks)),
            "seo_title": "",
            "search_description": "",
            "go_live_at": "",
            "expire_at": "",
        }
    )
    data.update(extra)
    return data


def page_text(response) -> str:
    return html.unescape(response.content.decode())


def messages_of(response) -> list[str]:
    """The admin's messages as plain text (Wagtail may append an HTML list of errors to a message)."""
    return [html.unescape(strip_tags(str(message))).strip() for message in get_messages(response.wsgi_request)]


def assert_refused(response) -> None:
    """Wagtail answers 403, or sends an admin user back to the dashboard with its refusal message."""
    if response.status_code == 302:
        assert response.url == reverse("wagtailadmin_home")
        assert ADMIN_REFUSAL in messages_of(response)
    else:
        assert response.status_code == 403


def block_errors(response, field: str = "body") -> dict:
    """The errors of a StreamField, as the page editor receives them: {block index: {child: [messages]}}."""
    error = response.context["form"].errors.as_data()[field][0]
    return error.as_json_data()["blockErrors"]


def submit_course(client, course: CoursePage):
    return client.post(
        edit_url(course),
        course_form(title=course.title, slug=course.slug, course=course) | {"action-submit": "Soumettre"},
    )


# --- Drafts ------------------------------------------------------------------------------------------


def test_trainer_creates_a_course_draft_with_a_competence(trainer_client, catalog):
    """A trainer saves a new course under the catalogue as a draft, with one CRCN competence; it is not live."""
    response = trainer_client.post(
        add_url("coursepage", catalog), course_form(title="Sécurité des réseaux", slug="securite-des-reseaux")
    )

    course = CoursePage.objects.get(slug="securite-des-reseaux")
    assert response.status_code == 302
    assert response.url == edit_url(course)
    assert course.get_parent().pk == catalog.pk
    assert not course.live
    assert course.has_unpublished_changes
    assert [(link.competence.code, link.target_level) for link in course.competences.all()] == [("4.1", 2)]
    assert course.owner == response.wsgi_request.user


def test_course_draft_may_lack_its_lessons(trainer_client, catalog):
    """Saving a draft defers the lesson rule: a course without lessons is saved, not refused."""
    response = trainer_client.post(add_url("coursepage", catalog), course_form(title="Brouillon", slug="brouillon"))

    assert response.status_code == 302
    assert not CoursePage.objects.get(slug="brouillon").live


# --- Publication and moderation ---------------------------------------------------------------------


def test_trainer_cannot_publish_a_course(trainer_client):
    """A trainer's publish action is not honoured: the course with its lesson stays a draft."""
    course = CoursePageFactory(title="Mots de passe", slug="mots-de-passe", publish=False)
    LessonPageFactory(parent=course, publish=False)

    trainer_client.post(
        edit_url(course), course_form(title=course.title, slug=course.slug, course=course) | {"action-publish": "1"}
    )

    course.refresh_from_db()
    assert not course.live
    assert course.live_revision is None
    assert not WorkflowState.objects.for_instance(course).exists()


def test_trainer_cannot_publish_a_new_course(trainer_client, catalog):
    """A trainer posting the publish action while creating a course only gets a draft."""
    trainer_client.post(
        add_url("coursepage", catalog), course_form(title="Messagerie", slug="messagerie") | {"action-publish": "1"}
    )

    course = CoursePage.objects.get(slug="messagerie")
    assert not course.live
    assert course.live_revision is None


def test_trainer_submits_a_course_with_a_lesson_for_review(trainer_client):
    """A course with a lesson is submitted to "Relecture pédagogique" and waits for a reviewer, not live."""
    course = CoursePageFactory(title="Mots de passe", slug="mots-de-passe", publish=False)
    LessonPageFactory(parent=course, publish=False)

    response = submit_course(trainer_client, course)

    assert response.status_code == 302
    course.refresh_from_db()
    state = WorkflowState.objects.for_instance(course).get()
    assert state.workflow.name == "Relecture pédagogique"
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    assert state.current_task_state.task.name == "Validation par un relecteur pédagogique"
    assert not course.live


def test_trainer_cannot_submit_a_course_without_lesson(trainer_client):
    """Submitting a course without any lesson is refused with the French message, and no review starts."""
    course = CoursePageFactory(title="Sans leçon", slug="sans-lecon", publish=False)

    response = submit_course(trainer_client, course)

    assert response.status_code == 200
    assert NO_LESSON_MESSAGE in response.context["form"].non_field_errors()
    assert NO_LESSON_MESSAGE in page_text(response)
    assert not WorkflowState.objects.for_instance(course).exists()


def test_trainer_cannot_create_and_submit_a_course_at_once(trainer_client, catalog):
    """Creating a course and submitting it in one go is refused: it cannot have lessons yet."""
    response = trainer_client.post(
        add_url("coursepage", catalog),
        course_form(title="Tout de suite", slug="tout-de-suite") | {"action-submit": "1"},
    )

    assert response.status_code == 200
    assert NO_LESSON_MESSAGE in response.context["form"].non_field_errors()
    assert not CoursePage.objects.filter(slug="tout-de-suite").exists()


def test_reviewer_cannot_publish_a_course_without_lesson(reviewer_client):
    """Even a reviewer, who may publish, cannot publish a course without any lesson."""
    course = CoursePageFactory(title="Sans leçon", slug="sans-lecon", publish=False)

    response = reviewer_client.post(
        edit_url(course), course_form(title=course.title, slug=course.slug, course=course) | {"action-publish": "1"}
    )

    assert response.status_code == 200
    assert NO_LESSON_MESSAGE in page_text(response)
    course.refresh_from_db()
    assert not course.live


def test_cover_image_without_alt_text_is_refused(trainer_client):
    """Submitting a course whose cover image has no alternative text is refused, with the message at the field."""
    course = CoursePageFactory(title="Mots de passe", slug="mots-de-passe", publish=False)
    LessonPageFactory(parent=course, publish=False)
    cover = Image.objects.create(title="Cadenas", file=get_test_image_file())
    data = course_form(title=course.title, slug=course.slug, course=course, cover_image=str(cover.pk), cover_alt=" ")

    response = trainer_client.post(edit_url(course), data | {"action-submit": "1"})

    assert response.status_code == 200
    assert response.context["form"].errors["cover_alt"] == [COVER_ALT_MESSAGE]
    assert not WorkflowState.objects.for_instance(course).exists()


def test_reviewer_cannot_bulk_publish_a_course_without_lesson(reviewer_client, catalog):
    """Publishing from the page listing (bulk action) also refuses a course without any lesson."""
    course = CoursePageFactory(title="Sans leçon", slug="sans-lecon", publish=False)
    url = reverse("wagtail_bulk_action", args=("wagtailcore", "page", "publish"))

    reviewer_client.post(f"{url}?id={course.pk}&next=/admin/pages/{catalog.pk}/", {"include_descendants": ""})

    course.refresh_from_db()
    assert not course.live


def test_reviewer_approves_a_submitted_course_and_it_goes_live(client):
    """Approving the review task publishes the course and closes the workflow."""
    trainer = TrainerAgentFactory()
    course = CoursePageFactory(title="Mots de passe", slug="mots-de-passe", publish=False, owner=trainer.user)
    LessonPageFactory(parent=course)
    client.force_login(trainer.user)
    submit_course(client, course)
    client.force_login(AgentFactory(groups=[REVIEWER_GROUP]).user)
    task_state = WorkflowState.objects.for_instance(course).get().current_task_state

    response = client.post(
        reverse("wagtailadmin_pages:workflow_action", args=(course.pk, "approve", task_state.pk)), {"comment": ""}
    )

    assert response.status_code == 302
    course.refresh_from_db()
    assert course.live
    assert WorkflowState.objects.for_instance(course).get().status == WorkflowState.STATUS_APPROVED


def test_last_lesson_of_a_course_in_review_cannot_be_deleted(client):
    """While a course is in review, its only lesson cannot be deleted, so approval never publishes it empty."""
    trainer = TrainerAgentFactory()
    course = CoursePageFactory(title="Mots de passe", slug="mots-de-passe", publish=False)
    lesson = LessonPageFactory(parent=course, publish=False)
    client.force_login(trainer.user)
    submit_course(client, course)

    response = client.post(reverse("wagtailadmin_pages:delete", args=(lesson.pk,)), follow=True)

    assert LessonPage.objects.child_of(course).filter(pk=lesson.pk).exists()
    assert "dernière leçon" in response.content.decode()


def test_trainer_cannot_approve_own_course(trainer_client):
    """The review task belongs to reviewers: a trainer's approval is refused and the course stays a draft."""
    course = CoursePageFactory(title="Mots de passe", slug="mots-de-passe", publish=False)
    LessonPageFactory(parent=course)
    submit_course(trainer_client, course)
    task_state = WorkflowState.objects.for_instance(course).get().current_task_state

    response = trainer_client.post(
        reverse("wagtailadmin_pages:workflow_action", args=(course.pk, "approve", task_state.pk)), {"comment": ""}
    )

    assert_refused(response)
    course.refresh_from_db()
    assert not course.live


# --- Lesson content ----------------------------------------------------------------------------------


@pytest.fixture
def draft_course():
    return CoursePageFactory(title="Sécurité des réseaux", slug="securite-des-reseaux", publish=False)


def test_lesson_without_block_cannot_be_published(reviewer_client, draft_course):
    """A lesson whose content has no block is refused at publication, and not created."""
    response = reviewer_client.post(
        add_url("lessonpage", draft_course), lesson_form(title="Vide", slug="vide") | {"action-publish": "1"}
    )

    assert response.status_code == 200
    assert "body" in response.context["form"].errors
    assert "La page ne peut être créée du fait d'erreurs de validation." in messages_of(response)
    assert not LessonPage.objects.filter(slug="vide").exists()


def test_lesson_with_a_text_block_is_submitted(trainer_client, draft_course):
    """A lesson with one text block is created and submitted for review in one go."""
    response = trainer_client.post(
        add_url("lessonpage", draft_course),
        lesson_form(title="Leçon 1", slug="lecon-1", blocks=[text_block()]) | {"action-submit": "1"},
    )

    assert response.status_code == 302
    lesson = LessonPage.objects.get(slug="lecon-1")
    assert lesson.get_parent().pk == draft_course.pk
    assert not lesson.live
    assert WorkflowState.objects.for_instance(lesson).get().status == WorkflowState.STATUS_IN_PROGRESS


def test_image_block_without_alt_text_is_refused(trainer_client, draft_course):
    """An image block without its alternative text is refused, with the message at the field."""
    image = Image.objects.create(title="Schéma du réseau", file=get_test_image_file())
    image_block = ("image", {"image": str(image.pk), "alt_text": "", "caption": "Le réseau de la mairie"})

    response = trainer_client.post(
        add_url("lessonpage", draft_course),
        lesson_form(title="Le réseau", slug="le-reseau", blocks=[image_block]) | {"action-submit": "1"},
    )

    assert response.status_code == 200
    assert block_errors(response) == {0: {"blockErrors": {"alt_text": {"messages": [REQUIRED_MESSAGE]}}}}
    assert "La page ne peut être créée du fait d'erreurs de validation." in messages_of(response)
    assert not LessonPage.objects.filter(slug="le-reseau").exists()


def test_video_block_without_transcript_is_refused(trainer_client, draft_course):
    """A video block without its transcript is refused, with the message at the field."""
    video = Document.objects.create(title="Hameçonnage", file=ContentFile(b"video", name="hameconnage.mp4"))
    video_block = (
        "video",
        {
            "title": "Repérer un courriel d'hameçonnage",
            "embed": "",
            "file": str(video.pk),
            "captions": "",
            "transcript": EMPTY_EDITOR,
        },
    )

    response = trainer_client.post(
        add_url("lessonpage", draft_course),
        lesson_form(title="La vidéo", slug="la-video", blocks=[video_block]) | {"action-submit": "1"},
    )

    assert response.status_code == 200
    assert block_errors(response) == {0: {"blockErrors": {"transcript": {"messages": [REQUIRED_MESSAGE]}}}}
    assert not LessonPage.objects.filter(slug="la-video").exists()


def test_text_block_with_an_empty_paragraph_is_refused(trainer_client, draft_course):
    """A lesson whose only text block is an empty paragraph has no content: submitting it is refused."""
    response = trainer_client.post(
        add_url("lessonpage", draft_course),
        lesson_form(title="Vide", slug="vide", blocks=[("text", EMPTY_PARAGRAPH)]) | {"action-submit": "1"},
    )

    assert response.status_code == 200
    assert not LessonPage.objects.filter(slug="vide").exists()


def test_video_transcript_with_an_empty_paragraph_is_refused(trainer_client, draft_course):
    """A video whose transcript is an empty paragraph has no transcript: submitting it is refused."""
    video = Document.objects.create(title="Hameçonnage", file=ContentFile(b"video", name="hameconnage.mp4"))
    video_block = (
        "video",
        {"title": "Hameçonnage", "embed": "", "file": str(video.pk), "captions": "", "transcript": EMPTY_PARAGRAPH},
    )

    response = trainer_client.post(
        add_url("lessonpage", draft_course),
        lesson_form(title="La vidéo", slug="la-video", blocks=[video_block]) | {"action-submit": "1"},
    )

    assert response.status_code == 200
    assert not LessonPage.objects.filter(slug="la-video").exists()


def test_video_block_without_source_is_refused(trainer_client, draft_course):
    """A video block with neither an online link nor an uploaded file is refused with the French message."""
    video_block = (
        "video",
        {
            "title": "Repérer un courriel d'hameçonnage",
            "embed": "",
            "file": "",
            "captions": "",
            "transcript": rich_text("<p>Regardez d'abord l'adresse.</p>", features=RICH_FEATURES),
        },
    )

    response = trainer_client.post(
        add_url("lessonpage", draft_course),
        lesson_form(title="La vidéo", slug="la-video", blocks=[video_block]) | {"action-submit": "1"},
    )

    assert response.status_code == 200
    assert block_errors(response) == {0: {"blockErrors": {"embed": {"messages": [VIDEO_SOURCE_MESSAGE]}}}}
    assert not LessonPage.objects.filter(slug="la-video").exists()


# --- Rights on people data and settings ----------------------------------------------------------------


@pytest.mark.parametrize(
    "url_name",
    ["wagtailusers_users:index", "wagtailusers_users:add", "wagtailusers_groups:index", "wagtailusers_groups:add"],
)
def test_trainer_cannot_see_users_or_groups(trainer_client, url_name):
    """The Wagtail users and groups screens are refused to a trainer."""
    assert_refused(trainer_client.get(reverse(url_name)))


def branding_url() -> str:
    return reverse("wagtailsettings:edit", args=("home", "branding", Branding.load().pk))


def test_trainer_cannot_see_the_branding_settings(trainer_client):
    """The platform's branding settings are refused to a trainer."""
    assert_refused(trainer_client.get(branding_url()))


def test_trainer_cannot_change_the_branding_settings(trainer_client):
    """A trainer posting the branding form changes nothing."""
    response = trainer_client.post(
        branding_url(),
        {"platform_name": "Piraté", "support_email": "", "accessibility_status": "Conforme"},
    )

    assert_refused(response)
    assert Branding.load().platform_name == "Cap Numérique"


@pytest.mark.parametrize("path", ["/rh/agents/", "/rh/import/"])
def test_trainer_cannot_see_hr_pages(trainer_client, path):
    """The HR screens listing agents are refused to a trainer."""
    assert trainer_client.get(path).status_code == 403


# --- Where courses may live ----------------------------------------------------------------------------


def test_trainer_cannot_add_a_course_under_the_home_page(trainer_client, catalog):
    """A trainer cannot open the course form, nor post it, under the home page."""
    home = HomePage.objects.get()
    url = add_url("coursepage", home)

    assert_refused(trainer_client.get(url))
    assert_refused(trainer_client.post(url, course_form(title="Ailleurs", slug="ailleurs")))
    assert not CoursePage.objects.filter(slug="ailleurs").exists()


def test_course_cannot_live_outside_the_catalogue(admin_client_):
    """Even the administrator cannot put a course under the home page: courses belong to the catalogue."""
    url = add_url("coursepage", HomePage.objects.get())

    response = admin_client_.post(url, course_form(title="Ailleurs", slug="ailleurs"))

    assert_refused(response)
    assert not CoursePage.objects.filter(slug="ailleurs").exists()


def test_trainer_cannot_add_a_lesson_directly_under_the_catalogue(trainer_client, catalog):
    """A lesson belongs to a course, never directly to the catalogue."""
    url = add_url("lessonpage", catalog)

    response = trainer_client.post(url, lesson_form(title="Égarée", slug="egaree", blocks=[text_block()]))

    assert_refused(response)
    assert not LessonPage.objects.filter(slug="egaree").exists()


def test_trainer_cannot_nest_a_course_in_a_course(trainer_client, draft_course):
    """A course cannot be a child of another course."""
    response = trainer_client.post(add_url("coursepage", draft_course), course_form(title="Imbriqué", slug="imbrique"))

    assert_refused(response)
    assert not CoursePage.objects.filter(slug="imbrique").exists()


def test_catalogue_offers_only_courses_to_add(trainer_client, catalog):
    """The "add a child page" screen of the catalogue leads straight to the course form, the only type allowed."""
    response = trainer_client.get(reverse("wagtailadmin_pages:add_subpage", args=(catalog.pk,)))

    assert response.status_code == 302
    assert response.url == add_url("coursepage", catalog)


# --- Unpublishing and deleting ---------------------------------------------------------------------------


@pytest.fixture
def two_courses():
    kept = CoursePageFactory(title="Cours gardé", slug="cours-garde")
    kept_lessons = [LessonPageFactory(parent=kept), LessonPageFactory(parent=kept)]
    removed = CoursePageFactory(title="Cours retiré", slug="cours-retire")
    removed_lessons = [LessonPageFactory(parent=removed), LessonPageFactory(parent=removed)]
    return kept, kept_lessons, removed, removed_lessons


def test_unpublishing_a_course_leaves_the_others_live(reviewer_client, two_courses, catalog):
    """A reviewer unpublishes one course (with its lessons); the other course and its lessons stay live."""
    kept, kept_lessons, removed, removed_lessons = two_courses

    response = reviewer_client.post(
        reverse("wagtailadmin_pages:unpublish", args=(removed.pk,)), {"include_descendants": "on"}
    )

    assert response.status_code == 302
    assert not CoursePage.objects.get(pk=removed.pk).live
    assert not LessonPage.objects.filter(pk__in=[lesson.pk for lesson in removed_lessons]).live().exists()
    assert CoursePage.objects.get(pk=kept.pk).live
    assert set(LessonPage.objects.child_of(kept).live().values_list("pk", flat=True)) == {
        lesson.pk for lesson in kept_lessons
    }
    assert CoursePage.objects.child_of(catalog).count() == 2
    assert Page.find_problems() == ([], [], [], [], [])


def test_deleting_a_course_leaves_the_others_in_place(admin_client_, two_courses, catalog):
    """Deleting one course removes it and its lessons only; the tree stays consistent."""
    kept, kept_lessons, removed, removed_lessons = two_courses

    response = admin_client_.post(reverse("wagtailadmin_pages:delete", args=(removed.pk,)))

    assert response.status_code == 302
    assert not Page.objects.filter(pk__in=[removed.pk, *(lesson.pk for lesson in removed_lessons)]).exists()
    assert list(CoursePage.objects.child_of(catalog).live().values_list("pk", flat=True)) == [kept.pk]
    assert list(LessonPage.objects.child_of(kept).live().order_by("path").values_list("pk", flat=True)) == [
        lesson.pk for lesson in kept_lessons
    ]
    catalog.refresh_from_db()
    assert catalog.numchild == 1
    assert Page.find_problems() == ([], [], [], [], [])


def test_reviewer_cannot_delete_a_course_with_its_lessons(reviewer_client, two_courses):
    """A reviewer (no bulk delete right) cannot delete a course that still has lessons."""
    _kept, _kept_lessons, removed, removed_lessons = two_courses

    response = reviewer_client.post(reverse("wagtailadmin_pages:delete", args=(removed.pk,)))

    assert_refused(response)
    assert CoursePage.objects.get(pk=removed.pk).live
    assert LessonPage.objects.child_of(removed).live().count() == len(removed_lessons)
