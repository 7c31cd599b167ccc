"""Journey: an HR officer imports agents from a CSV file, checks the preview, confirms, finds them."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from people.factories import DEFAULT_PASSWORD, HRAgentFactory, OrganisationFactory
from people.models import Agent, AgentImport, Service, User

pytestmark = pytest.mark.django_db(transaction=True)

HEADER = "email;first_name;last_name;matricule;service;job_title;category;status;manager_email;hire_date"
# Line 2 names a manager who only appears on line 3; line 2's service path creates two services.
VALID_ROWS = [
    "lea.martin@example.org;Léa;Martin;E1001;Direction des services techniques / Voirie;"
    "Agente de voirie;C;titulaire;paul.bernard@example.org;2023-09-01",
    "paul.bernard@example.org;Paul;Bernard;E1002;Direction des services techniques;"
    "Directeur des services techniques;A;titulaire;;01/02/2019",
]
BAD_DATE_ROW = (
    "samir.haddad@example.org;Samir;Haddad;E1003;Direction des services techniques / Voirie;"
    "Agent de voirie;C;contractuel;;31/02/2024"
)


def write_csv(folder: Path, name: str, rows: list[str]) -> Path:
    path = folder / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def hr_officer():
    organisation = OrganisationFactory(name="Commune de Saint-Aubin-des-Bois", slug="saint-aubin-des-bois")
    return HRAgentFactory(organisation=organisation, user__email="rh@saint-aubin.example.org")


def open_import_page(page, live_server, hr_officer, login):
    """From Mon espace: Agents in the main navigation, then "Importer des agents"."""
    login(page, live_server, hr_officer.user.email, DEFAULT_PASSWORD)
    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Agents").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Agents")
    page.get_by_role("link", name="Importer des agents").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Importer des agents")


def upload(page, csv_path: Path) -> None:
    page.get_by_label("Fichier CSV des agents").set_input_files(csv_path)
    page.get_by_role("button", name="Vérifier le fichier").click()


def count_row(page, heading: str):
    return page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=heading, exact=True))


def test_hr_officer_imports_agents_and_finds_them_in_the_list(page, live_server, hr_officer, login, tmp_path):
    """A valid file is previewed (step 2 of 2), confirmed, and its agents are listed with their service."""
    open_import_page(page, live_server, hr_officer, login)
    upload(page, write_csv(tmp_path, "agents.csv", VALID_ROWS))

    preview = page.get_by_role("table", name="Étape 2 sur 2 : ce qui va changer")
    expect(preview).to_be_visible()
    expect(count_row(page, "Agents créés").get_by_role("cell")).to_have_text("2")
    expect(count_row(page, "Agents mis à jour").get_by_role("cell")).to_have_text("0")
    expect(count_row(page, "Services créés").get_by_role("cell")).to_have_text(
        "2 : Direction des services techniques, Direction des services techniques / Voirie"
    )
    assert not User.objects.filter(email="lea.martin@example.org").exists()  # nothing written before confirming

    page.get_by_role("button", name="Confirmer l'import").click()
    expect(page.get_by_role("status")).to_contain_text("Import terminé : 2 créés, 0 mis à jour, 0 inchangés.")
    page.get_by_role("link", name="Voir les agents").click()

    agents = page.get_by_role("table", name="3 agents trouvés")
    # Cells after the name: service, job, category, manager, state.
    lea = agents.get_by_role("row").filter(has=page.get_by_role("link", name="MARTIN Léa")).get_by_role("cell")
    expect(lea.nth(0)).to_have_text("Direction des services techniques / Voirie")
    expect(lea.nth(3)).to_have_text("Paul Bernard")
    paul = agents.get_by_role("row").filter(has=page.get_by_role("link", name="BERNARD Paul")).get_by_role("cell")
    expect(paul.nth(0)).to_have_text("Direction des services techniques")


def test_import_with_a_bad_date_shows_the_line_and_writes_nothing(page, live_server, hr_officer, login, tmp_path):
    """An invalid date is reported with its line number, and no agent or service is written."""
    open_import_page(page, live_server, hr_officer, login)
    upload(page, write_csv(tmp_path, "agents-erreur.csv", [*VALID_ROWS, BAD_DATE_ROW]))

    errors = page.get_by_role("alert")
    expect(errors).to_be_focused()
    expect(errors.get_by_role("heading")).to_have_text("1 erreur : rien n'a été enregistré")
    expect(errors.get_by_role("listitem")).to_have_text(
        "Ligne 4, colonne « hire_date » : date invalide « 31/02/2024 » : écrivez-la AAAA-MM-JJ ou JJ/MM/AAAA."
    )
    expect(page.get_by_role("button", name="Confirmer l'import")).to_have_count(0)

    assert list(Agent.objects.values_list("user__email", flat=True)) == ["rh@saint-aubin.example.org"]
    assert not Service.objects.exists()
    assert AgentImport.objects.get().state == AgentImport.State.REJECTED


def test_import_pages_have_no_axe_violation(page, live_server, hr_officer, login, assert_no_axe_violations, tmp_path):
    """The import page, the preview and the agent list meet WCAG 2.1 AA as far as axe can tell."""
    open_import_page(page, live_server, hr_officer, login)
    assert_no_axe_violations(page)

    upload(page, write_csv(tmp_path, "agents.csv", VALID_ROWS))
    expect(page.get_by_role("button", name="Confirmer l'import")).to_be_visible()
    assert_no_axe_violations(page)

    page.get_by_role("button", name="Confirmer l'import").click()
    page.get_by_role("link", name="Voir les agents").click()
    expect(page.get_by_role("table", name="3 agents trouvés")).to_be_visible()
    assert_no_axe_violations(page)


def test_rejected_import_page_has_no_axe_violation(
    page, live_server, hr_officer, login, assert_no_axe_violations, tmp_path
):
    """The preview of a rejected file, with its error summary, meets WCAG 2.1 AA as far as axe can tell."""
    open_import_page(page, live_server, hr_officer, login)
    upload(page, write_csv(tmp_path, "agents-erreur.csv", [BAD_DATE_ROW]))
    expect(page.get_by_role("alert")).to_be_visible()
    assert_no_axe_violations(page)
