"""HR pages of the Pix import: upload (form checks), preview (counts, sample, errors), confirm — scoped to
HR's own organisation."""

from datetime import UTC, datetime
from html import unescape
from pathlib import Path

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from people.factories import AgentFactory, HRAgentFactory, OrganisationFactory, UserFactory
from skills.models import CompetenceLevel, Evidence, PixImport

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"
IMPORT_URL = reverse("skills:pix_import")


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(datetime(2026, 11, 20, 9, 0, tzinfo=UTC), tick=True):
        yield


@pytest.fixture
def town():
    return OrganisationFactory(slug="villeneuve", name="Villeneuve-sur-Lot")


@pytest.fixture
def hr(town, client):
    officer = HRAgentFactory(organisation=town, user=UserFactory(first_name="Inès", last_name="Garnier"))
    client.force_login(officer.user)
    return officer


def make_agent(organisation, matricule, first_name, last_name, email):
    user = UserFactory(email=email, first_name=first_name, last_name=last_name)
    return AgentFactory(user=user, organisation=organisation, matricule=matricule)


@pytest.fixture
def agents(town):
    return {
        "A001": make_agent(town, "A001", "Camille", "Martin", "camille.martin@ville-exemple.fr"),
        "A002": make_agent(town, "A002", "Julien", "Bernard", "julien.bernard@ville-exemple.fr"),
        "A003": make_agent(town, "A003", "Sophie", "Petit", "sophie.petit@ville-exemple.fr"),
        "A004": make_agent(town, "A004", "Nicolas", "Durand", "nicolas.durand@ville-exemple.fr"),
    }


def upload(name="collecte_profils.csv", data=None, content_type="text/csv"):
    content = data if data is not None else (DATA / name).read_bytes()
    return SimpleUploadedFile(name, content, content_type=content_type)


def text(response) -> str:
    return unescape(response.content.decode())


# --- permissions ----------------------------------------------------------------------------------


def test_agent_who_is_not_hr_gets_403(client, town):
    """An ordinary agent may neither open the upload page nor a preview."""
    client.force_login(AgentFactory(organisation=town).user)
    record = PixImport.objects.create(organisation=town, filename="x.csv", content="x")
    assert client.get(IMPORT_URL).status_code == 403
    assert client.get(reverse("skills:pix_preview", args=[record.pk])).status_code == 403
    assert client.post(reverse("skills:pix_preview", args=[record.pk])).status_code == 403


def test_anonymous_visitor_is_sent_to_login(client):
    """Signing in comes first."""
    response = client.get(IMPORT_URL)
    assert response.status_code == 302
    assert reverse("people:login") in response.url


def test_import_of_another_organisation_is_404(client, hr):
    """HR cannot open or confirm another organisation's import."""
    other = OrganisationFactory(slug="autre")
    record = PixImport.objects.create(organisation=other, filename="x.csv", content="x")
    url = reverse("skills:pix_preview", args=[record.pk])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    record.refresh_from_db()
    assert record.state == PixImport.State.PREVIEWED


# --- upload page ----------------------------------------------------------------------------------


def test_upload_page_explains_where_the_export_is(client, hr):
    """The page tells where to find the export in Pix Orga and which columns are read."""
    content = text(client.get(IMPORT_URL))
    assert "Campagnes › votre campagne › Activité › Exporter les résultats (CSV)" in content
    assert "Niveau pour la compétence" in content
    assert "Matricule" in content


def test_upload_page_lists_recent_imports_of_the_organisation_only(client, hr, town):
    """The last imports show their file, state and author; another organisation's are not listed."""
    PixImport.objects.create(
        organisation=town, filename="campagne-mars.csv", uploaded_by=hr.user, state=PixImport.State.APPLIED
    )
    PixImport.objects.create(organisation=OrganisationFactory(slug="autre"), filename="secret.csv")
    content = text(client.get(IMPORT_URL))
    assert "campagne-mars.csv" in content
    assert "Appliqué" in content
    assert "Inès Garnier" in content
    assert "secret.csv" not in content


def test_upload_shows_a_preview_without_writing(client, hr, agents):
    """Uploading a valid export leads to its preview; nothing is recorded yet."""
    response = client.post(IMPORT_URL, {"file": upload()})
    record = PixImport.objects.get()
    assert response.url == reverse("skills:pix_preview", args=[record.pk])
    assert record.uploaded_by == hr.user
    assert Evidence.objects.count() == 0


def test_upload_too_big_is_refused_in_french(client, hr):
    """A file over 5 MB is refused at the form."""
    big = b"Matricule;Envoi (O/N)\n" + b"A001;Oui\n" * (5 * 1024 * 1024 // 9 + 1)
    response = client.post(IMPORT_URL, {"file": upload("gros.csv", big)})
    assert response.status_code == 200
    assert "dépasse 5 Mo" in text(response)
    assert not PixImport.objects.exists()


@pytest.mark.parametrize(
    ("name", "content_type", "data"),
    [
        ("photo.png", "image/png", b"\x89PNG\r\n\x1a\n"),
        ("resultats.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b"PK\x03\x04"),
        ("resultats.csv", "image/png", b"Matricule;Envoi (O/N)\n"),
        ("resultats.csv", "text/csv", b"PK\x03\x04\x00\x00binary"),
    ],
)
def test_upload_of_another_type_is_refused(client, hr, name, content_type, data):
    """Only CSV text files are accepted."""
    response = client.post(IMPORT_URL, {"file": upload(name, data, content_type)})
    assert response.status_code == 200
    assert "CSV" in text(response)
    assert "Le formulaire contient des erreurs" in text(response)
    assert not PixImport.objects.exists()


def test_upload_saved_by_excel_is_accepted(client, hr, agents):
    """Windows sends a CSV as application/vnd.ms-excel: still a CSV."""
    response = client.post(IMPORT_URL, {"file": upload(content_type="application/vnd.ms-excel")})
    assert response.status_code == 302


# --- preview and confirmation ---------------------------------------------------------------------


def test_preview_shows_counts_sample_and_the_button(client, hr, agents):
    """The preview counts participants, levels and skipped rows, shows a sample, and offers to record."""
    client.post(IMPORT_URL, {"file": upload()})
    record = PixImport.objects.get()
    content = text(client.get(reverse("skills:pix_preview", args=[record.pk])))
    assert "Collecte des profils numériques 2026" in content
    assert "Participants reconnus</dt><dd>3<" in content
    assert "Niveaux à enregistrer</dt><dd>39<" in content
    assert "Profils non envoyés (lignes ignorées)</dt><dd>1<" in content
    assert "Camille Martin" in content
    assert '<abbr title="Mener une recherche et une veille d\'information">1.1</abbr>' in content
    assert "Nicolas Durand n'a pas envoyé son profil" in content
    assert "Enregistrer les résultats" in content


def test_confirm_records_the_levels(client, hr, agents):
    """Confirming records the levels and shows the result."""
    client.post(IMPORT_URL, {"file": upload()})
    record = PixImport.objects.get()
    url = reverse("skills:pix_preview", args=[record.pk])
    response = client.post(url, follow=True)
    assert Evidence.objects.filter(source=Evidence.Source.PIX).count() == 39
    assert CompetenceLevel.objects.filter(agent=agents["A001"]).count() == 16
    content = text(response)
    assert "Résultats enregistrés" in content
    assert "39 niveaux enregistrés le 20 novembre 2026" in content
    assert "Enregistrer les résultats" not in content


def test_confirm_twice_records_once(client, hr, agents):
    """A second confirmation (double click, back button) records nothing more."""
    client.post(IMPORT_URL, {"file": upload()})
    url = reverse("skills:pix_preview", args=[PixImport.objects.get().pk])
    client.post(url)
    response = client.post(url, follow=True)
    assert Evidence.objects.count() == 39
    assert "déjà été traité" in text(response)


def test_errors_are_listed_with_line_and_column_and_nothing_is_written(client, hr, agents):
    """A file with errors shows each error's line, column and message; there is nothing to confirm."""
    make_agent(OrganisationFactory(slug="autre"), "Z999", "Paul", "Roux", "paul.roux@autre-commune.fr")
    response = client.post(IMPORT_URL, {"file": upload("erreurs_lignes.csv")}, follow=True)
    content = text(response)
    assert "10 erreurs : rien n'a été enregistré" in content
    assert (
        '<th scope="row">6</th><td>Adresse e-mail</td><td>ce participant n\'appartient pas à votre organisation.'
        in content
    )
    assert "Enregistrer les résultats" not in content
    record = PixImport.objects.get()
    client.post(reverse("skills:pix_preview", args=[record.pk]))
    assert Evidence.objects.count() == 0


def test_many_errors_are_capped_with_a_count(client, hr, agents):
    """Only the first 200 errors are listed, followed by how many more there are."""
    rows = "".join(f"X{number:04d};Oui;3\n" for number in range(250))
    data = ("\ufeffMatricule;Envoi (O/N);Niveau pour la compétence 1.1\n" + rows).encode()
    response = client.post(IMPORT_URL, {"file": upload("erreurs.csv", data)}, follow=True)
    content = text(response)
    assert "250 erreurs : rien n'a été enregistré" in content
    assert "et 50 autres erreurs" in content
    assert "X0199" in content
    assert "X0200" not in content


def test_earlier_import_of_the_same_campaign_is_announced(client, hr, agents):
    """Previewing a campaign already recorded warns that its levels would be added again."""
    client.post(IMPORT_URL, {"file": upload()})
    client.post(reverse("skills:pix_preview", args=[PixImport.objects.get().pk]))
    response = client.post(IMPORT_URL, {"file": upload()}, follow=True)
    assert "Cette campagne a déjà été importée le 20 novembre 2026" in text(response)


def test_preview_sample_is_the_first_20_participants(client, hr, town):
    """A long file shows its first 20 participants, and says so."""
    for number in range(22):
        AgentFactory(organisation=town, matricule=f"B{number:03d}")
    rows = "".join(f"B{number:03d};Oui;3\n" for number in range(22))
    data = ("\ufeffMatricule;Envoi (O/N);Niveau pour la compétence 1.1\n" + rows).encode()
    content = text(client.post(IMPORT_URL, {"file": upload("long.csv", data)}, follow=True))
    assert "Les 20 premiers participants et leurs niveaux" in content
    assert "Participants reconnus</dt><dd>22<" in content
    assert "B019" in content
    assert "B020" not in content
