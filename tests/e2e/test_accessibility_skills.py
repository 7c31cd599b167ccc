"""axe-core (WCAG 2.0/2.1, levels A and AA) on the pages of issue #8 (digital skills) that no browser
journey visits yet, each on a desktop (1280 px) and on a phone (360 px), where nothing may scroll sideways.

HR: the targets list, the targets form (blank, after a valid submission, with an error), the champion map,
one agent's skills page, the Pix upload page and the preview of a valid file and of a file with errors, the
list of shared positioning answers and one shared attempt. Agent: the directory of digital champions (with
results, and a search that finds nothing) and Mon espace with its skills card.

Transactional tests flush the database after each test (no module-scoped data), so the small world below is
built per test and the pages are grouped by who visits them: four tests, each signing in once per screen
through the real login form and reporting every problem (page, width, axe rule, selector) before failing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from people.factories import DEFAULT_PASSWORD, AgentFactory, HRAgentFactory, OrganisationFactory, ServiceFactory
from quizzes.factories import QuestionFactory, QuizFactory, answer
from quizzes.models import QuizKind
from quizzes.services import set_answers_shared, start_attempt, submit_attempt
from skills import services as skill_services
from skills import services_pix
from skills.factories import CompetenceLevelFactory, TargetFactory, competence
from skills.models import Evidence, PixImport
from tests.e2e.conftest import AXE_TAGS, format_axe_violations

pytestmark = pytest.mark.django_db(transaction=True)

PHONE_WIDTH = 360
JOB = "Agent de voirie"
DIRECTION = "Direction des services techniques"
TARGETS_PATH = "/rh/competences/niveaux-attendus/"
TARGET_EDIT_PATH = "/rh/competences/niveaux-attendus/modifier/?metier=Agent%20de%20voirie"
CHAMPION_MAP_PATH = "/rh/competences/referents/"
PIX_IMPORT_PATH = "/rh/competences/import-pix/"
CHAMPIONS_PATH = "/referents-numeriques/"
DASHBOARD_PATH = "/mon-espace/"
PIX_PREVIEW_URL = re.compile(r"/rh/competences/import-pix/\d+/$")

# (competence, level, statement, right answer, wrong answer): a positioning test on 4.1 and 2.1.
QUESTIONS = [
    ("4.1", 2, "Quel mot de passe protège le mieux votre messagerie ?", "Une phrase de passe longue", "Mon prénom"),
    ("4.1", 4, "Avant de saisir un mot de passe, que vérifiez-vous ?", "Le nom de domaine", "Le logo de la page"),
    ("2.1", 2, "Pour répondre à tous les destinataires :", "Répondre à tous", "Transférer"),
    ("2.1", 4, "Pour envoyer un fichier de 500 Mo :", "Un lien de partage qui expire", "Une pièce jointe"),
]


# --- Data ------------------------------------------------------------------------------------------------


def take_positioning_test(agent, quiz):
    """Right at level 2, wrong at level 4 on both competences; returns the graded attempt."""
    attempt = start_attempt(quiz_id=quiz.pk, agent_id=agent.pk)
    answers = {}
    for index, slot in enumerate(attempt.questions):
        wanted = 1 if slot["level"] == 2 else 0
        answers[index] = next(choice["key"] for choice in slot["choices"] if choice["fraction"] == wanted)
    submit_attempt(attempt_id=attempt.pk, agent_id=agent.pk, answers=answers)
    attempt.refresh_from_db()
    return attempt


@pytest.fixture
def world():
    """Saint-Aubin: a technical direction with Voirie and Espaces verts; HR; Camille (road worker, tested by
    the positioning test and by a course, answers shared with HR); Nadia (road worker, champion on 4.1);
    Marc (gardener, champion on 2.1); a job target and a service target."""
    town = OrganisationFactory(name="Commune de Saint-Aubin", slug="saint-aubin")
    general = ServiceFactory(organisation=town, name="Direction générale")
    direction = ServiceFactory(organisation=town, name=DIRECTION)
    roads = ServiceFactory(parent=direction, name="Voirie")
    parks = ServiceFactory(parent=direction, name="Espaces verts")
    hr_officer = HRAgentFactory(
        organisation=town,
        service=general,
        user__first_name="Sophie",
        user__last_name="Garnier",
        user__email="rh@saint-aubin.example.org",
    )
    camille = AgentFactory(
        organisation=town,
        service=roads,
        job_title=JOB,
        matricule="SA0001",
        user__first_name="Camille",
        user__last_name="Durand",
        user__email="camille.durand@saint-aubin.example.org",
    )
    nadia = AgentFactory(
        organisation=town,
        service=roads,
        job_title=JOB,
        matricule="SA0002",
        user__first_name="Nadia",
        user__last_name="Roux",
    )
    marc = AgentFactory(
        organisation=town,
        service=parks,
        job_title="Jardinier",
        matricule="SA0003",
        user__first_name="Marc",
        user__last_name="Lambert",
    )
    TargetFactory(organisation=town, job_title=JOB, competence=competence("4.1"), level=4)
    TargetFactory(organisation=town, job_title="", service=roads, competence=competence("2.1"), level=3)

    quiz = QuizFactory(title="Test de positionnement numérique", kind=QuizKind.POSITIONING, pass_mark=0)
    for code, level, text, right, wrong in QUESTIONS:
        QuestionFactory(
            quiz=quiz,
            competence=competence(code),
            level=level,
            text=f"<p>{text}</p>",
            answers=[answer(right, 100), answer(wrong, 0)],
        )
    attempt = take_positioning_test(camille, quiz)
    set_answers_shared(attempt_id=attempt.pk, agent_id=camille.pk, shared=True)
    skill_services.record_evidence(
        agent_id=camille.pk,
        items=[skill_services.EvidenceItem(competence_code="1.1", level=3)],
        source=Evidence.Source.COURSE,
        source_ref="course:veille",
        label="Mener une veille d'information",
        observed_at=timezone.now() - timedelta(days=30),
    )

    CompetenceLevelFactory(agent=nadia, competence=competence("4.1"), level=6)
    CompetenceLevelFactory(agent=marc, competence=competence("2.1"), level=5)
    skill_services.volunteer_as_champion(
        agent_id=nadia.pk, competence_id=competence("4.1").pk, note="Le mardi après-midi, bureau 12"
    )
    skill_services.volunteer_as_champion(agent_id=marc.pk, competence_id=competence("2.1").pk)
    return {"town": town, "hr_officer": hr_officer, "camille": camille, "attempt": attempt, "roads": roads}


def pix_csv(folder: Path, name: str, rows: list[list[str]]) -> Path:
    """A Pix Orga export ("collecte de profils"): `;`, UTF-8 with BOM, one level column per competence."""
    header = [
        "ID Campagne",
        "Code",
        "Nom de la campagne",
        "Nom du Participant",
        "Prénom du Participant",
        "Matricule",
        "Envoi (O/N)",
        "Date de l'envoi",
        "Nombre de pix total",
        *(f"Niveau pour la compétence {code} {competence(code).name}" for code in ("2.1", "4.1")),
    ]
    lines = [";".join(f'"{cell}"' for cell in line) for line in [header, *rows]]
    path = folder / name
    path.write_text("\ufeff" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


CAMPAIGN = ["104233", "VOIRIE2026", "Collecte des profils numériques 2026"]
VALID_ROWS = [
    [*CAMPAIGN, "Durand", "Camille", "SA0001", "Oui", "2026-01-14", "96", "3", "4"],
    [*CAMPAIGN, "Roux", "Nadia", "SA0002", "Oui", "2026-01-20", "120", "", "6"],
    [*CAMPAIGN, "Lambert", "Marc", "SA0003", "Non", "NA", "NA", "NA", "NA"],
]
ERROR_ROWS = [
    [*CAMPAIGN, "Durand", "Camille", "SA0001", "Oui", "2026-01-14", "96", "9", "4"],
    [*CAMPAIGN, "Inconnu", "Jean", "ZZ9999", "Oui", "2026-01-14", "60", "2", "2"],
    [*CAMPAIGN, "Roux", "Nadia", "SA0002", "Oui", "31/02/2026", "120", "abc", "6"],
]


# --- Checks ----------------------------------------------------------------------------------------------


@pytest.fixture
def audit(axe) -> Callable:
    """`audit(page, sideways=True)`: axe's violations on the current page, and sideways scrolling on a
    phone, as text (an empty list when all is well), so that a test reports every page and screen."""

    def check(page, *, sideways: bool = True) -> list[str]:
        width = page.viewport_size["width"]
        problems = []
        options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
        violations = axe.run(page, options=options).response["violations"]
        if violations:
            problems.append(f"[{width} px] " + format_axe_violations(page.url, violations))
        if sideways and width == PHONE_WIDTH:
            scroll_width = page_width(page)
            if scroll_width > PHONE_WIDTH:
                problems.append(f"[{width} px] {page.url} scrolls sideways: the document is {scroll_width} px wide")
        return problems

    return check


class Screens:
    """The desktop and the phone of a test, and the problems found on them."""

    def __init__(self, pages, live_server, login, audit):
        self.pages, self.live_server, self.login, self.audit = pages, live_server, login, audit
        self.problems: list[str] = []

    def check(self, page, *, sideways: bool = True) -> None:
        """Audit the page as it is now (a visit may call it before moving on, e.g. before submitting)."""
        self.problems += self.audit(page, sideways=sideways)

    def visit(self, email: str, *visits: Callable) -> None:
        """On the desktop then on the phone: sign in as `email`, then for each visit call `visit(page)`
        (which opens the page and checks it is the expected one) and audit the page it ends on.
        Fails at the end with every problem found."""
        for page in self.pages:
            self.login(page, self.live_server, email, DEFAULT_PASSWORD)
            for visit in visits:
                visit(page)
                self.check(page)
        if self.problems:
            pytest.fail("\n\n".join(self.problems), pytrace=False)


@pytest.fixture
def screens(page, phone_page, live_server, login, audit) -> Screens:
    return Screens((page, phone_page), live_server, login, audit)


def heading(page):
    return page.get_by_role("heading", level=1)


def page_width(page) -> int:
    """The document's width in CSS pixels: more than the screen means sideways scrolling."""
    return page.evaluate("document.documentElement.scrollWidth")


# --- HR --------------------------------------------------------------------------------------------------


def test_hr_target_pages(world, screens):
    """The targets list; the form of a job title, then the list confirming a valid submission; the form
    after posting a level outside the scale (error summary)."""
    field_label = f"4.1 {competence('4.1').name}"

    def targets_list(page):
        page.goto(TARGETS_PATH)
        expect(heading(page)).to_have_text("Niveaux attendus")
        expect(page.get_by_role("table", name="Par métier")).to_contain_text(JOB)
        expect(page.get_by_role("table", name="Par service")).to_contain_text("Voirie")

    def form_then_success(page):
        page.goto(TARGET_EDIT_PATH)
        expect(heading(page)).to_have_text(f"Niveaux attendus du métier « {JOB} »")
        select = page.get_by_label(field_label)
        expect(select).to_have_value(re.compile(r"^[4-6]$"))  # 4, or what the previous screen saved
        screens.check(page)
        level = "6" if select.input_value() == "5" else "5"
        select.select_option(level)
        page.get_by_role("button", name="Enregistrer les niveaux attendus").click()
        expect(page).to_have_url(re.compile(re.escape(TARGETS_PATH) + "$"))
        expect(page.get_by_text(f"Les niveaux attendus du métier « {JOB} » sont enregistrés.")).to_be_visible()
        expect(page.get_by_role("table", name="Par métier")).to_contain_text(f"4.1 {competence('4.1').name} : {level}")

    def form_with_an_error(page):
        page.goto(TARGET_EDIT_PATH)
        select = page.get_by_label(field_label)
        select_id = select.get_attribute("id")
        page.evaluate(
            """(id) => {
                const option = document.createElement("option");
                option.value = "9";
                option.textContent = "9";
                document.getElementById(id).appendChild(option);
            }""",
            select_id,
        )
        select.select_option("9")
        page.get_by_role("button", name="Enregistrer les niveaux attendus").click()
        summary = page.locator(".error-summary")
        expect(summary).to_be_visible()
        expect(summary.get_by_role("link")).to_have_text(
            f"{field_label} : Choisissez un niveau de 0 à 8, ou « aucun »."
        )
        expect(summary.get_by_role("link")).to_have_attribute("href", f"#{select_id}")

    screens.visit(world["hr_officer"].user.email, targets_list, form_then_success, form_with_an_error)


def test_hr_champion_and_agent_pages(world, screens):
    """The champion map; HR's page of one agent (levels, targets, evidence from a positioning test and a
    course); the tests that agent shared; one shared test."""
    camille, attempt = world["camille"], world["attempt"]

    def champion_map(page):
        page.goto(CHAMPION_MAP_PATH)
        expect(heading(page)).to_have_text("Référents numériques par service")
        expect(page.get_by_role("table", name="Référents numériques par service et par compétence")).to_contain_text(
            "Voirie"
        )

    def agent_page(page):
        page.goto(f"/rh/competences/agents/{camille.pk}/")
        expect(heading(page)).to_have_text("Compétences numériques de Camille Durand")
        expect(page.get_by_text("Mener une veille d'information").first).to_be_visible()

    def shared_answers(page):
        page.goto(f"/rh/competences/agents/{camille.pk}/reponses/")
        expect(heading(page)).to_have_text("Tests de positionnement partagés par Camille Durand")
        link = page.get_by_role("link", name=re.compile(r"^Test de positionnement numérique, rendu le "))
        expect(link).to_have_attribute("href", f"/rh/competences/tentatives/{attempt.pk}/")

    def shared_attempt(page):
        page.goto(f"/rh/competences/tentatives/{attempt.pk}/")
        expect(heading(page)).to_have_text("Réponses de Camille Durand au test de positionnement")
        expect(page.get_by_text(QUESTIONS[0][2])).to_be_visible()

    screens.visit(world["hr_officer"].user.email, champion_map, agent_page, shared_answers, shared_attempt)


def test_hr_pix_pages(world, screens, tmp_path):
    """The Pix upload page (an earlier import listed); the preview of a valid export and of an export with
    errors, both uploaded through the file input."""
    services_pix.preview_pix_import(
        organisation_id=world["town"].pk,
        uploaded_by_id=world["hr_officer"].user.pk,
        filename="collecte-2025.csv",
        data=b"Matricule;Envoi (O/N)\nSA0001;Oui\n",
    )
    valid = pix_csv(tmp_path, "collecte-voirie.csv", VALID_ROWS)
    wrong = pix_csv(tmp_path, "collecte-erreurs.csv", ERROR_ROWS)

    def upload_page(page):
        page.goto(PIX_IMPORT_PATH)
        expect(heading(page)).to_have_text("Importer des résultats Pix")
        expect(page.get_by_role("table", name="Derniers imports")).to_contain_text("collecte-2025.csv")

    def valid_preview(page):
        upload_pix(page, valid)
        expect(page.get_by_text("Étape 2 sur 2 : vérifiez ce qui va être enregistré.")).to_be_visible()
        sample = page.get_by_role("table", name=re.compile(r"^Les participants et leurs niveaux"))
        expect(sample.get_by_role("rowheader")).to_have_text(["Camille Durand", "Nadia Roux"])
        expect(page.get_by_role("button", name="Enregistrer les résultats")).to_be_visible()

    def preview_with_errors(page):
        upload_pix(page, wrong)
        expect(page.get_by_role("alert")).to_contain_text("4 erreurs : rien n'a été enregistré")
        errors = page.get_by_role("table", name="Erreurs du fichier")
        expect(errors.get_by_role("rowheader")).to_have_text(["2", "3", "4", "4"])
        expect(page.get_by_role("button", name="Enregistrer les résultats")).to_have_count(0)

    screens.visit(world["hr_officer"].user.email, upload_page, valid_preview, preview_with_errors)
    states = dict(PixImport.objects.values_list("filename", "state").distinct())
    assert states["collecte-voirie.csv"] == PixImport.State.PREVIEWED
    assert states["collecte-erreurs.csv"] == PixImport.State.REJECTED


def upload_pix(page, path: Path) -> None:
    page.goto(PIX_IMPORT_PATH)
    page.get_by_label("Export CSV de la campagne Pix").set_input_files(path)
    page.get_by_role("button", name="Vérifier le fichier").click()
    expect(page).to_have_url(PIX_PREVIEW_URL)
    expect(heading(page)).to_have_text(f"Import Pix : {path.name}")


# --- Agent -----------------------------------------------------------------------------------------------


def test_agent_pages(world, screens):
    """The directory of digital champions, with results and after a search that finds nobody; Mon espace
    with its skills card."""

    def directory(page):
        page.goto(CHAMPIONS_PATH)
        expect(heading(page)).to_have_text("Référents numériques")
        expect(page.get_by_text("2 référents trouvés")).to_be_visible()
        expect(page.get_by_role("heading", level=3, name="Nadia Roux")).to_be_visible()

    def search_that_finds_nothing(page):
        page.get_by_label("Nom, service ou métier").fill("Zorglub")
        page.get_by_role("button", name="Rechercher").click()
        expect(page).to_have_url(re.compile(r"[?&]q=Zorglub"))
        expect(page.get_by_text("0 référent trouvé")).to_be_visible()
        expect(page.get_by_role("link", name="Effacer les filtres")).to_be_visible()

    def mon_espace(page):
        page.goto(DASHBOARD_PATH)
        expect(heading(page)).to_have_text("Mon espace")
        expect(page.get_by_text("Votre niveau est connu sur 3 compétences du cadre de référence.")).to_be_visible()

    screens.visit(world["camille"].user.email, directory, search_that_finds_nothing, mon_espace)
