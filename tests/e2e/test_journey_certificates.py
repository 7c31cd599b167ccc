"""Journey: an agent finishes a course that gives a certificate; it is rendered at once (Celery runs
eagerly in tests) and Mon espace lists it under "Mes attestations". The agent downloads the PDF and opens
its public verification page ("Attestation valable"). An HR officer of the same organisation finds it in
the certificates list, opens it and revokes it with a reason: the verification page now says
"Attestation révoquée". axe finds no WCAG 2.1 AA violation on Mon espace, the verification page (valid
and revoked), HR's list and the certificate's page.

The PDF goes through the download view, which reads the default storage: tests/conftest.py points
MEDIA_ROOT at the test's own folder, and the live server's threads see the same settings.

As in test_journey_progress.py, the lesson page's heartbeat is dropped in the browser: with SQLite the
live server's threads share the test's database connection, and a beacon sent while the next page loads
could collide with it.
"""

from __future__ import annotations

import re

import pytest
from django.utils import timezone, translation
from django.utils.formats import date_format
from playwright.sync_api import expect

from certificates.models import Certificate
from courses.factories import CoursePageFactory, LessonPageFactory
from people.factories import DEFAULT_PASSWORD, AgentFactory, HRAgentFactory, OrganisationFactory, ServiceFactory
from progress.models import CourseCompletion

pytestmark = pytest.mark.django_db(transaction=True)

COURSE_TITLE = "Sécuriser ses mots de passe"
LESSONS = [
    ("Choisir une phrase de passe", "Quatre mots au hasard valent mieux qu'un mot compliqué."),
    ("Utiliser un gestionnaire", "Un gestionnaire retient pour vous un mot de passe différent par site."),
]
REASON = "Attestation délivrée par erreur : la session a été annulée."
DONE_BUTTON = "J'ai terminé cette leçon"
HEARTBEAT = re.compile(r"/progression/lecons/\d+/activite/$")
VERIFY_URL = re.compile(r"/verify/[^/]+/$")


# --- Data ------------------------------------------------------------------------------------------------


@pytest.fixture
def town():
    return OrganisationFactory(name="Commune de Saint-Aubin", slug="saint-aubin")


@pytest.fixture
def service(town):
    return ServiceFactory(organisation=town, name="Médiathèque")


@pytest.fixture
def agent(town, service):
    return AgentFactory(
        organisation=town,
        service=service,
        user__first_name="Camille",
        user__last_name="Roux",
        user__email="camille.roux@saint-aubin.example.org",
    )


@pytest.fixture
def hr_officer(town):
    return HRAgentFactory(
        organisation=town,
        user__first_name="Sophie",
        user__last_name="Garnier",
        user__email="rh@saint-aubin.example.org",
    )


@pytest.fixture
def course():
    course = CoursePageFactory(
        title=COURSE_TITLE,
        slug="securiser-ses-mots-de-passe",
        duration_minutes=30,
        certificate_on_completion=True,
    )
    for number, (title, text) in enumerate(LESSONS, start=1):
        LessonPageFactory(
            parent=course,
            title=title,
            slug=f"lecon-{number}",
            minutes=15,
            body=[{"type": "text", "value": f"<p>{text}</p>"}],
        )
    return course


# --- Helpers ---------------------------------------------------------------------------------------------


def french_date(day) -> str:
    with translation.override("fr"):
        return date_format(day, "j F Y")


def navigate(page, label: str) -> None:
    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name=label).click()


def finish_the_course(page, course) -> None:
    """Enrol from the course page, then mark both lessons done."""
    page.goto(course.url)
    expect(page.get_by_role("heading", level=1)).to_have_text(COURSE_TITLE)
    page.get_by_role("button", name="S'inscrire à ce cours").click()
    expect(page.get_by_text(f"Vous êtes inscrit au cours « {COURSE_TITLE} ».")).to_be_visible()
    page.get_by_role("link", name="Commencer le cours").click()
    for title, _text in LESSONS:
        expect(page.get_by_role("heading", level=1)).to_have_text(title)
        page.get_by_role("button", name=DONE_BUTTON).click()
    expect(page).to_have_url(re.compile(re.escape(course.url) + "$"))
    expect(page.get_by_text(f"Bravo, vous avez terminé le cours « {COURSE_TITLE} » !")).to_be_visible()


def expect_verification(page, verdict: str, certificate: Certificate, agent) -> None:
    expect(page).to_have_url(re.compile(re.escape(f"/verify/{certificate.code}/") + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Vérifier une attestation")
    expect(page.get_by_role("status")).to_contain_text(verdict)
    details = page.locator("dl.summary-list")
    expect(details).to_contain_text(agent.full_name)
    expect(details).to_contain_text(COURSE_TITLE)
    expect(details).to_contain_text(certificate.display_code)


# --- The journey -----------------------------------------------------------------------------------------


def test_agent_downloads_and_verifies_a_certificate_that_hr_then_revokes(
    page, live_server, agent, hr_officer, course, login, assert_no_axe_violations, tmp_path
):
    today = timezone.localdate()
    page.route(HEARTBEAT, lambda route: route.abort())

    # --- The agent finishes the course: the certificate is rendered at once. -----------------------------
    login(page, live_server, agent.user.email, DEFAULT_PASSWORD)
    finish_the_course(page, course)
    completion = CourseCompletion.objects.get(agent=agent, course=course)
    certificate = Certificate.objects.get(course_completion=completion)
    assert certificate.status == Certificate.Status.READY
    assert certificate.pdf

    # Mon espace: listed under "Mes attestations", with its date and code.
    navigate(page, "Mon espace")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon espace")
    mine = page.get_by_role("region", name="Mes attestations")
    item = mine.get_by_role("listitem").filter(has=page.get_by_role("heading", level=3, name=COURSE_TITLE))
    expect(item).to_have_count(1)
    expect(item).to_contain_text(f"Délivrée le {french_date(today)} · code {certificate.display_code}")
    download_link = item.get_by_role("link", name=f"Télécharger : {COURSE_TITLE} (PDF)")
    expect(download_link).to_have_text(re.compile(r"^Télécharger"))
    assert_no_axe_violations(page)

    # The download: a PDF named after the code.
    with page.expect_download() as info:
        download_link.click()
    download = info.value
    assert download.failure() is None
    assert download.suggested_filename == f"attestation-{certificate.display_code}.pdf"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    content = saved.read_bytes()
    assert content.startswith(b"%PDF")
    with certificate.pdf.open("rb") as stored:
        assert content == stored.read()

    # The public verification page: valid.
    item.get_by_role("link", name=f"Page de vérification : {COURSE_TITLE}").click()
    expect_verification(page, "Attestation valable", certificate, agent)
    expect(page.get_by_role("link", name="Télécharger le badge numérique (Open Badges 3.0)")).to_be_visible()
    assert_no_axe_violations(page)

    # --- HR of the same organisation: the list, the certificate, the revocation. ------------------------
    page.context.clear_cookies()
    login(page, live_server, hr_officer.user.email, DEFAULT_PASSWORD)
    navigate(page, "Attestations")
    expect(page.get_by_role("heading", level=1)).to_have_text("Attestations")
    table = page.get_by_role("table", name="1 attestation")
    row = table.get_by_role("row").filter(has=page.get_by_role("rowheader", name=agent.full_name))
    # Cells after the agent: course, service, issued on, code, state.
    expect(row.get_by_role("cell")).to_have_text(
        [COURSE_TITLE, "Médiathèque", french_date(today), certificate.display_code, "Disponible"]
    )
    assert_no_axe_violations(page)

    row.get_by_role("link", name=agent.full_name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Attestation {certificate.display_code}")
    expect(page.get_by_text("Disponible", exact=True)).to_be_visible()
    assert_no_axe_violations(page)

    revoke = page.get_by_role("region", name="Révoquer l'attestation")
    revoke.get_by_label("Motif de la révocation").fill(REASON)
    revoke.get_by_role("button", name="Révoquer").click()
    expect(page.get_by_text(f"L'attestation {certificate.display_code} est révoquée.")).to_be_visible()
    expect(page.get_by_text("Révoquée", exact=True)).to_be_visible()
    details = page.locator("dl.summary-list")
    expect(details).to_contain_text(REASON)
    expect(details.locator("div").filter(has_text="Révoquée le")).to_contain_text(french_date(today))
    expect(page.get_by_role("region", name="Révoquer l'attestation")).to_have_count(0)
    assert_no_axe_violations(page)
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.REVOKED
    assert certificate.revoked_reason == REASON
    assert certificate.revoked_by_id == hr_officer.user.pk

    # The verification page now says it is revoked, and offers no badge.
    page.get_by_role("link", name="Page de vérification").click()
    expect_verification(page, "Attestation révoquée", certificate, agent)
    expect(page.get_by_text("Attestation valable")).to_have_count(0)
    expect(page.get_by_role("link", name=re.compile("badge numérique"))).to_have_count(0)
    assert_no_axe_violations(page)
