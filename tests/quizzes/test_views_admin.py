"""The trainers' quiz tools in the real Wagtail admin: import (preview, then confirm), export, preview as an
agent sees it, and the queue of open answers to grade — and who may use them."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import strip_tags

from people.factories import AgentFactory, OrganisationFactory, TrainerAgentFactory, UserFactory
from quizzes.factories import QuestionFactory, QuizFactory
from quizzes.formats import MAX_BYTES, parse_gift
from quizzes.importing import import_quiz
from quizzes.models import Attempt, Question, Quiz, Response
from quizzes.services import start_attempt, submit_attempt
from quizzes.views_admin import PENDING_SESSION_KEY

pytestmark = pytest.mark.django_db

GIFT = """$CATEGORY: municipal/cyber

::Choix::Que faut-il privilégier ?{=Une phrase de passe longue#Bravo. ~Un mot court#Non.}

::Multi::Lesquels protègent un compte ?{~%50%La double authentification#Bravo. ~%50%Un gestionnaire ~%-100%Un post-it}

::VF::Le RGPD s'applique aux collectivités.{T#Si.#Exact.}

::Court::Quel organisme contrôle les données personnelles ?{=CNIL#Bravo. =%50%La CNIL}

::Nombre::En combien d'heures notifier une violation ?{#72:0#Bravo.}

::Paires::Associez.{=mot de passe -> savoir =téléphone -> posséder =empreinte -> être}

::Libre::Décrivez un hameçonnage reçu.{}

::Texte::Lisez attentivement la suite.
"""
# The broken question starts on line 3.
BROKEN_GIFT = "::Q1::Question ?{=oui ~non}\n\n::Q2::Mauvaise question{=oui ~non\n\n::Q3::Encore ?{=a ~b}\n"
AIKEN = "Quel outil chiffre les messages ?\nA) Un tableur\nB) Une messagerie chiffrée\nANSWER: B\n"
REFUSAL_403_TOOLS = [
    ("get", "quiz_tools:import", []),
    ("post", "quiz_tools:import_confirm", []),
    ("post", "quiz_tools:import_cancel", []),
    ("get", "quiz_tools:export", ["quiz"]),
    ("get", "quiz_tools:export_download", ["quiz", "gift"]),
    ("get", "quiz_tools:preview", ["quiz"]),
    ("get", "quiz_tools:essay_queue", []),
    ("post", "quiz_tools:essay_grade", ["attempt", 0]),
]


# --- Actors and data --------------------------------------------------------------------------------


@pytest.fixture
def trainer():
    return TrainerAgentFactory()


@pytest.fixture
def trainer_client(client, trainer):
    client.force_login(trainer.user)
    return client


@pytest.fixture
def admin_client_(client):
    client.force_login(UserFactory(email="admin@example.org", is_superuser=True, is_staff=True))
    return client


@pytest.fixture
def every_type_quiz():
    """A quiz with one question of every type (GIFT cannot hold ordering: it is added by hand)."""
    quiz = import_quiz(data=GIFT.encode(), fmt="gift", title="Cybersécurité").quiz
    QuestionFactory(
        quiz=quiz,
        type="ordering",
        name="Ordre",
        text="<p>Remettez dans l'ordre.</p>",
        answers=[{"type": "item", "value": {"text": text}} for text in ("Détecter", "Signaler", "Supprimer")],
        sort_order=99,
    )
    return quiz


def essay_attempt(agent, answer: str = "Un courriel imitant la mairie.") -> Attempt:
    """An attempt of this agent waiting for a trainer: one choice question, one open answer."""
    quiz = QuizFactory(title="Repérer l'hameçonnage")
    QuestionFactory(quiz=quiz, sort_order=0)
    QuestionFactory(quiz=quiz, type="essay", text="<p>Racontez un hameçonnage.</p>", answers=[], sort_order=1)
    attempt = start_attempt(quiz_id=quiz.pk, agent_id=agent.pk)
    right = next(choice["key"] for choice in attempt.questions[0]["choices"] if choice["fraction"] == 1)
    return submit_attempt(attempt_id=attempt.pk, agent_id=agent.pk, answers={0: right, 1: answer})


def upload(client, content: bytes, fmt: str = "gift", title: str = "Cybersécurité", name: str = "banque.gift"):
    file = SimpleUploadedFile(name, content, content_type="text/plain")
    return client.post(reverse("quiz_tools:import"), {"title": title, "format": fmt, "file": file})


def confirm(client):
    token = client.session[PENDING_SESSION_KEY]["token"]
    return client.post(reverse("quiz_tools:import_confirm"), {"token": token})


def kept_files() -> list[Path]:
    folder = Path(settings.MEDIA_ROOT) / "tmp-imports"
    return sorted(folder.iterdir()) if folder.exists() else []


def text_of(response) -> str:
    """The page's words, one space between cells and elements."""
    return " ".join(html.unescape(re.sub(r"<[^>]*>", " ", response.content.decode())).split())


def messages_of(response) -> list[str]:
    return [html.unescape(strip_tags(str(message))).strip() for message in get_messages(response.wsgi_request)]


def sidebar_menu(response) -> str:
    """The admin's sidebar menu, which Wagtail sends as JSON for its script to draw."""
    props = re.search(
        r'<script id="wagtail-sidebar-props" type="application/json">(.*?)</script>', response.content.decode()
    )
    return json.dumps(json.loads(props.group(1)), ensure_ascii=False)


def grade_url(attempt: Attempt, slot: int = 1) -> str:
    return reverse("quiz_tools:essay_grade", args=[attempt.pk, slot])


def grade_data(attempt: Attempt, grade, comment: str = "", slot: int = 1) -> dict:
    prefix = f"essay-{attempt.pk}-{slot}"
    return {f"{prefix}-grade": grade, f"{prefix}-comment": comment}


# --- Import -----------------------------------------------------------------------------------------


def test_upload_shows_counts_by_type_and_categories_and_writes_nothing(trainer_client):
    """Step 1 shows the questions by type and the categories, and creates no quiz."""
    response = upload(trainer_client, GIFT.encode())

    text = text_of(response)
    assert response.status_code == 200
    assert "8 questions lues sans erreur" in text
    assert "Choix unique 1" in text
    assert "Réponse libre (corrigée par un formateur) 1" in text
    assert "municipal/cyber" in text
    assert "Importer les 8 questions" in text
    assert not Quiz.objects.exists()


def test_upload_keeps_the_file_aside_until_confirmation(trainer_client):
    """The uploaded bytes wait in a temporary file named in the session, not in the database."""
    upload(trainer_client, GIFT.encode())

    pending = trainer_client.session[PENDING_SESSION_KEY]
    assert [path.name for path in kept_files()] == [pending["token"]]
    assert kept_files()[0].read_bytes() == GIFT.encode()


def test_confirm_creates_the_quiz_and_opens_its_edit_page(trainer_client):
    """Confirming imports every question and redirects to the quiz's edit page."""
    upload(trainer_client, GIFT.encode(), title="Cybersécurité au quotidien")

    response = confirm(trainer_client)

    quiz = Quiz.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("quiz_admin:edit", args=[quiz.pk])
    assert quiz.title == "Cybersécurité au quotidien"
    assert quiz.questions.count() == 8
    assert "Le quiz « Cybersécurité au quotidien » est créé avec 8 questions" in messages_of(response)[0]


def test_confirm_deletes_the_temporary_file(trainer_client):
    """After the import, the file kept aside and its session entry are gone."""
    upload(trainer_client, GIFT.encode())

    confirm(trainer_client)

    assert kept_files() == []
    assert PENDING_SESSION_KEY not in trainer_client.session


def test_confirming_twice_imports_once(trainer_client):
    """A second click on "Importer" creates no second quiz."""
    upload(trainer_client, GIFT.encode())
    token = trainer_client.session[PENDING_SESSION_KEY]["token"]

    trainer_client.post(reverse("quiz_tools:import_confirm"), {"token": token})
    response = trainer_client.post(reverse("quiz_tools:import_confirm"), {"token": token})

    assert response.url == reverse("quiz_tools:import")
    assert Quiz.objects.count() == 1


def test_cancel_deletes_the_file_and_writes_nothing(trainer_client):
    """Cancelling after the preview removes the temporary file and creates nothing."""
    upload(trainer_client, GIFT.encode())

    trainer_client.post(reverse("quiz_tools:import_cancel"))

    assert kept_files() == []
    assert not Quiz.objects.exists()


def test_aiken_file_imports_single_choice_questions(trainer_client):
    """An Aiken file goes through the same two steps."""
    upload(trainer_client, AIKEN.encode(), fmt="aiken", name="banque.txt")

    confirm(trainer_client)

    assert list(Question.objects.values_list("type", flat=True)) == ["single_choice"]


def test_file_with_an_error_shows_the_line_and_writes_nothing(trainer_client):
    """A broken question is reported with its line; no quiz, no temporary file, no confirm button."""
    response = upload(trainer_client, BROKEN_GIFT.encode())

    text = text_of(response)
    assert "1 erreur à corriger" in text
    assert "ligne 3 Accolade fermante manquante" in text
    assert "Importer les" not in text
    assert not Quiz.objects.exists()
    assert kept_files() == []


def test_confirm_after_an_error_imports_nothing(trainer_client):
    """A file refused at step 1 leaves nothing to confirm."""
    upload(trainer_client, BROKEN_GIFT.encode())

    response = trainer_client.post(reverse("quiz_tools:import_confirm"), {"token": "0" * 32})

    assert response.url == reverse("quiz_tools:import")
    assert not Quiz.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "Le fichier est vide"), (b"\x00\x01\x02PK\x03\x04", "Le fichier semble binaire")],
    ids=["empty", "binary"],
)
def test_empty_or_binary_file_is_refused(trainer_client, content, message):
    """An empty or binary file is refused with the importer's message and nothing is kept."""
    response = upload(trainer_client, content)

    assert message in text_of(response)
    assert not Quiz.objects.exists()
    assert kept_files() == []


def test_oversized_file_is_refused(trainer_client):
    """A file over 10 MB is refused at the form with the limit in words."""
    response = upload(trainer_client, b"x" * (MAX_BYTES + 1))

    assert "la taille maximale est de 10 Mo" in text_of(response)
    assert not Quiz.objects.exists()
    assert kept_files() == []


# --- Who may use the tools --------------------------------------------------------------------------


@pytest.fixture
def tool_urls(every_type_quiz):
    attempt = essay_attempt(AgentFactory())

    def urls():
        for method, name, args in REFUSAL_403_TOOLS:
            values = [every_type_quiz.pk if a == "quiz" else attempt.pk if a == "attempt" else a for a in args]
            yield method, reverse(name, args=values)

    return urls


def test_staff_without_trainer_role_gets_403_on_every_tool(client, tool_urls):
    """An account that may open the admin but is not a trainer gets 403 from every tool."""
    agent = AgentFactory()
    agent.user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(agent.user)

    for method, url in tool_urls():
        response = getattr(client, method)(url, grade_data(Attempt.objects.get(), "100"))
        assert response.status_code == 403, url
    assert Attempt.objects.get().state == Attempt.State.AWAITING_GRADING


def test_agent_is_sent_to_the_admin_login_on_every_tool(client, tool_urls):
    """A plain agent never reaches a tool: Wagtail's admin door sends them to its login page."""
    client.force_login(AgentFactory().user)

    for method, url in tool_urls():
        response = getattr(client, method)(url, grade_data(Attempt.objects.get(), "100"))
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("wagtailadmin_login")), url
    assert Attempt.objects.get().state == Attempt.State.AWAITING_GRADING


def test_agent_upload_writes_nothing(client):
    """A refused upload keeps no file and creates no quiz."""
    client.force_login(AgentFactory().user)

    upload(client, GIFT.encode())

    assert kept_files() == []
    assert not Quiz.objects.exists()


def test_menu_offers_essay_grading_to_trainers(trainer_client):
    """The admin menu shows "Correction des réponses libres" to a trainer."""
    response = trainer_client.get(reverse("wagtailadmin_home"))

    menu = sidebar_menu(response)
    assert '"label": "Correction des réponses libres"' in menu
    assert reverse("quiz_tools:essay_queue") in menu


def test_menu_hides_essay_grading_from_other_staff(client):
    """An admin user who is not a trainer does not see the grading menu item."""
    agent = AgentFactory()
    agent.user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(agent.user)

    assert "Correction des réponses libres" not in sidebar_menu(client.get(reverse("wagtailadmin_home")))


def test_quiz_list_has_the_import_button(admin_client_, every_type_quiz):
    """The quiz list offers "Importer (GIFT, Aiken)" next to "Add"."""
    response = admin_client_.get(reverse("quiz_admin:index"))

    page = response.content.decode()
    assert "Importer (GIFT, Aiken)" in page
    assert reverse("quiz_tools:import") in page


def test_quiz_edit_page_links_to_preview_and_export(admin_client_, every_type_quiz):
    """The quiz's edit page links to its agent preview and its export."""
    response = admin_client_.get(reverse("quiz_admin:edit", args=[every_type_quiz.pk]))

    page = response.content.decode()
    assert reverse("quiz_tools:preview", args=[every_type_quiz.pk]) in page
    assert reverse("quiz_tools:export", args=[every_type_quiz.pk]) in page


def test_trainer_can_open_the_imported_quiz(trainer_client):
    """After an import, the trainer lands on the quiz's edit page, not on a refusal."""
    upload(trainer_client, GIFT.encode())

    response = trainer_client.get(confirm(trainer_client).url)

    assert response.status_code == 200


# --- Export -----------------------------------------------------------------------------------------


def test_gift_export_is_an_attachment_that_parses_back(trainer_client, every_type_quiz):
    """The GIFT download is a UTF-8 attachment that reads back as the same questions."""
    response = trainer_client.get(reverse("quiz_tools:export_download", args=[every_type_quiz.pk, "gift"]))

    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="cybersecurite-gift.txt"'
    result = parse_gift(response.content)
    assert result.ok
    assert [question.name for question in result.questions] == [
        "Choix",
        "Multi",
        "VF",
        "Court",
        "Nombre",
        "Paires",
        "Libre",
        "Texte",
    ]


def test_export_page_lists_what_each_format_leaves_out(trainer_client, every_type_quiz):
    """The export page names the questions GIFT and Aiken cannot hold."""
    response = trainer_client.get(reverse("quiz_tools:export", args=[every_type_quiz.pk]))

    text = text_of(response)
    assert "Cette question ne peut pas s'écrire en GIFT et sera laissée de côté : Ordre" in text
    assert "Ces 7 questions ne peuvent pas s'écrire en Aiken" in text


def test_aiken_download_without_any_fitting_question_is_refused(trainer_client):
    """A quiz with nothing Aiken can hold gives a message, not an empty file."""
    quiz = QuizFactory()
    QuestionFactory(quiz=quiz, type="essay", answers=[])

    response = trainer_client.get(reverse("quiz_tools:export_download", args=[quiz.pk, "aiken"]))

    assert response.url == reverse("quiz_tools:export", args=[quiz.pk])
    assert messages_of(response) == ["Aucune question de ce quiz ne peut s'écrire en Aiken."]


def test_unknown_export_format_is_404(trainer_client, every_type_quiz):
    """Only GIFT and Aiken are offered."""
    response = trainer_client.get(reverse("quiz_tools:export_download", args=[every_type_quiz.pk, "xml"]))

    assert response.status_code == 404


# --- Preview ----------------------------------------------------------------------------------------


def test_preview_renders_every_question_type_without_an_attempt(trainer_client, every_type_quiz):
    """Every question is shown as an agent sees it, under the preview banner, and no Attempt is created."""
    response = trainer_client.get(reverse("quiz_tools:preview", args=[every_type_quiz.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert page.count('<fieldset class="question"') == 9
    assert "Aperçu : les réponses ne sont pas enregistrées" in text_of(response)
    for markup in ('type="radio"', 'type="checkbox"', "<textarea", 'inputmode="decimal"', "Choisir…", "de 1 à 3"):
        assert markup in page, markup
    assert not Attempt.objects.exists()


def test_preview_hides_weights_and_feedback(trainer_client, every_type_quiz):
    """The preview's HTML holds no weight, fraction nor feedback."""
    response = trainer_client.get(reverse("quiz_tools:preview", args=[every_type_quiz.pk]))

    page = response.content.decode()
    for secret in ("Bravo.", "Exact.", "Non.", "fraction", "weight", "%50%", "-100"):
        assert secret not in page, secret


def test_preview_disables_every_input(trainer_client, every_type_quiz):
    """No field of the preview can be filled in."""
    response = trainer_client.get(reverse("quiz_tools:preview", args=[every_type_quiz.pk]))

    quiz_part = response.content.decode().split('class="quiz-form quiz-preview"', 1)[1].split("</main>", 1)[0]
    fields = re.findall(r"<(?:input|select|textarea)\b[^>]*>", quiz_part)
    assert fields
    assert [field for field in fields if " disabled" not in field] == []


# --- Open answers -----------------------------------------------------------------------------------


def test_essay_queue_lists_only_the_trainers_organisation(trainer_client, trainer):
    """A trainer sees the open answers of their organisation's agents, not another organisation's."""
    essay_attempt(AgentFactory(organisation=trainer.organisation), answer="Réponse de chez nous")
    essay_attempt(AgentFactory(organisation=OrganisationFactory()), answer="Réponse d'ailleurs")

    response = trainer_client.get(reverse("quiz_tools:essay_queue"))

    text = text_of(response)
    assert "Racontez un hameçonnage." in text
    assert "Réponse de chez nous" in text
    assert "Réponse d'ailleurs" not in text


def test_administrator_sees_every_organisation(admin_client_):
    """The instance administrator's queue holds every organisation's open answers."""
    essay_attempt(AgentFactory(), answer="Première commune")
    essay_attempt(AgentFactory(), answer="Seconde commune")

    text = text_of(admin_client_.get(reverse("quiz_tools:essay_queue")))

    assert "Première commune" in text
    assert "Seconde commune" in text


def test_essay_queue_queries_do_not_grow_with_attempts(trainer_client, trainer):
    """The queue reads a page of attempts with a fixed number of queries."""
    url = reverse("quiz_tools:essay_queue")
    essay_attempt(AgentFactory(organisation=trainer.organisation))
    trainer_client.get(url)  # the first admin page of a session reads a few settings once
    with CaptureQueriesContext(connection) as one:
        trainer_client.get(url)
    for _index in range(3):
        essay_attempt(AgentFactory(organisation=trainer.organisation))
    with CaptureQueriesContext(connection) as four:
        trainer_client.get(url)

    assert len(four) == len(one)


def test_grading_an_open_answer_grades_the_attempt(trainer_client, trainer):
    """A grade and a comment make the attempt graded, with its score."""
    attempt = essay_attempt(AgentFactory(organisation=trainer.organisation))

    response = trainer_client.post(grade_url(attempt), grade_data(attempt, "50", "Exemple trop vague."))

    attempt.refresh_from_db()
    assert response.url == reverse("quiz_tools:essay_queue")
    assert attempt.state == Attempt.State.GRADED
    assert attempt.score == 75
    answer = Response.objects.get(attempt=attempt, slot=1)
    assert (answer.fraction, answer.grader_comment) == (0.5, "Exemple trop vague.")
    assert "score 75 %" in messages_of(response)[0]


def test_grade_accepts_a_decimal_comma(trainer_client, trainer):
    """ "62,5" is read as 62.5 %, as French users type it."""
    attempt = essay_attempt(AgentFactory(organisation=trainer.organisation))

    trainer_client.post(grade_url(attempt), grade_data(attempt, "62,5"))

    assert Response.objects.get(attempt=attempt, slot=1).fraction == 0.625


@pytest.mark.parametrize("grade", ["150", "-1", "100,01", "beaucoup"])
def test_out_of_range_grade_is_refused(trainer_client, trainer, grade):
    """A grade outside 0–100 % is refused with a message and the attempt still waits."""
    attempt = essay_attempt(AgentFactory(organisation=trainer.organisation))

    response = trainer_client.post(grade_url(attempt), grade_data(attempt, grade))

    attempt.refresh_from_db()
    assert response.status_code == 200
    assert "La note n'est pas enregistrée" in messages_of(response)[0]
    assert attempt.state == Attempt.State.AWAITING_GRADING
    assert Response.objects.get(attempt=attempt, slot=1).fraction is None


def test_grading_another_organisations_attempt_is_404(trainer_client):
    """A trainer cannot grade an attempt outside their organisation."""
    attempt = essay_attempt(AgentFactory(organisation=OrganisationFactory()))

    response = trainer_client.post(grade_url(attempt), grade_data(attempt, "100"))

    attempt.refresh_from_db()
    assert response.status_code == 404
    assert attempt.state == Attempt.State.AWAITING_GRADING


def test_grading_a_question_that_is_not_open_is_404(trainer_client, trainer):
    """Only open answers are graded by hand."""
    attempt = essay_attempt(AgentFactory(organisation=trainer.organisation))

    response = trainer_client.post(grade_url(attempt, slot=0), grade_data(attempt, "100", slot=0))

    assert response.status_code == 404


def test_trainer_does_not_grade_their_own_attempt(trainer_client, trainer):
    """A trainer's own open answers wait for someone else."""
    essay_attempt(trainer, answer="Ma propre réponse")

    text = text_of(trainer_client.get(reverse("quiz_tools:essay_queue")))

    assert "Ma propre réponse" not in text
