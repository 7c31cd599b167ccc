"""Reading a Pix Orga campaign export: columns, participants, levels, dates — and every error with its
line and column, in French. Reads the database, never writes."""

from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine

from people.factories import AgentFactory, OrganisationFactory, UserFactory
from people.importing import decode
from people.models import Agent, User
from skills.pix import plain, read_pix_file

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"
PARIS = ZoneInfo("Europe/Paris")
UPLOADED_AT = datetime(2026, 11, 20, 8, 30, tzinfo=UTC)
LEVEL_11 = "Niveau pour la compétence Mener une recherche et une veille d'information"
LEVEL_12 = "Niveau pour la compétence Gérer des données"
HEADER = [
    "Nom de l'organisation",
    "ID Campagne",
    "Code",
    "Nom de la campagne",
    "Nom du Participant",
    "Prénom du Participant",
    "Matricule",
    "Envoi (O/N)",
    "Date de l'envoi",
    LEVEL_11,
    LEVEL_12,
]


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(datetime(2026, 11, 20, 9, 0, tzinfo=UTC), tick=True):
        yield


@pytest.fixture
def town():
    return OrganisationFactory(slug="villeneuve", name="Villeneuve-sur-Lot")


def make_agent(organisation, matricule, first_name, last_name, email, *, active=True):
    user = UserFactory(email=email, first_name=first_name, last_name=last_name)
    return AgentFactory(user=user, organisation=organisation, matricule=matricule, is_active=active)


@pytest.fixture
def agents(town):
    """The town's agents named in the sample files, an inactive one, and an agent of another town."""
    other = OrganisationFactory(slug="autre", name="Autre commune")
    return {
        "A001": make_agent(town, "A001", "Camille", "Martin", "camille.martin@ville-exemple.fr"),
        "A002": make_agent(town, "A002", "Julien", "Bernard", "julien.bernard@ville-exemple.fr"),
        "A003": make_agent(town, "A003", "Sophie", "Petit", "sophie.petit@ville-exemple.fr"),
        "A004": make_agent(town, "A004", "Nicolas", "Durand", "nicolas.durand@ville-exemple.fr"),
        "A005": make_agent(town, "A005", "Lucie", "Moreau", "lucie.moreau@ville-exemple.fr", active=False),
        "A006": make_agent(town, "A006", "Hélène", "Lefèvre", "helene.lefevre@ville-exemple.fr"),
        "other": make_agent(other, "Z999", "Paul", "Roux", "paul.roux@autre-commune.fr"),
    }


def sample(name: str) -> bytes:
    return (DATA / name).read_bytes()


def read(data: bytes, town):
    return read_pix_file(data, organisation_id=town.pk, uploaded_at=UPLOADED_AT)


def pix_csv(*rows: list[str], header: list[str] = HEADER) -> bytes:
    lines = [";".join(header), *(";".join(row) for row in rows)]
    return ("\ufeff" + "\n".join(lines) + "\n").encode("utf-8")


def row(matricule="A001", shared="Oui", shared_on="2026-10-14", level_11="3", level_12="2") -> list[str]:
    campaign = ["Mairie", "104233", "VILLE2026", "Collecte 2026"]
    return [*campaign, "Nom", "Prénom", matricule, shared, shared_on, level_11, level_12]


def errors_of(result) -> set[tuple[int, str]]:
    return {(error.line, error.column) for error in result.errors}


def message(result, line: int, column: str) -> str:
    return next(error.message for error in result.errors if (error.line, error.column) == (line, column))


# --- the sample exports ---------------------------------------------------------------------------


def test_sample_export_reads_every_participant_who_sent_their_profile(town, agents):
    """The Pix sample (BOM, `;`, quoted cells) gives the three participants who sent their profile."""
    result = read(sample("collecte_profils.csv"), town)
    assert result.ok, result.errors
    assert [row.agent_id for row in result.rows] == [agents["A001"].pk, agents["A002"].pk, agents["A003"].pk]
    assert result.encoding == "utf-8-sig"


def test_sample_export_reads_levels_by_competence_code(town, agents):
    """Levels are keyed by CRCN code; level 0 is kept, empty cells are absent (not measured)."""
    result = read(sample("collecte_profils.csv"), town)
    camille, julien, _sophie = result.rows
    assert camille.levels["1.1"] == 3
    assert camille.levels["3.4"] == 0
    assert len(camille.levels) == 16
    assert julien.levels == {"1.1": 1, "1.3": 0, "2.1": 2, "2.2": 1, "3.1": 1, "4.1": 2, "4.2": 1}
    assert result.level_count == 16 + 7 + 16


def test_not_shared_rows_are_skipped_with_a_notice(town, agents):
    """A participant who did not send their profile is skipped and counted, not an error."""
    result = read(sample("collecte_profils.csv"), town)
    assert result.skipped == 1
    assert [notice.line for notice in result.notices] == [4]
    assert agents["A004"].pk not in {row.agent_id for row in result.rows}


def test_share_date_dates_the_levels(town, agents):
    """The levels are dated by the day the participant sent their profile (noon, Paris time)."""
    result = read(sample("collecte_profils.csv"), town)
    assert result.rows[0].observed_at == datetime(2026, 10, 14, 12, 0, tzinfo=PARIS)
    assert result.rows[2].observed_at.astimezone(PARIS).date() == date(2026, 11, 3)


def test_sample_export_keeps_the_campaign(town, agents):
    """The campaign's code and name come from the file."""
    result = read(sample("collecte_profils.csv"), town)
    assert (result.campaign_code, result.campaign_name) == ("VILLE2026", "Collecte des profils numériques 2026")
    assert result.campaign_id == "104233"


def test_headers_with_competence_codes_and_email_identification(town, agents):
    """'Niveau pour la compétence 1.1 Mener…' headers, e-mail identification (any case), JJ/MM/AAAA dates."""
    result = read(sample("collecte_codes_email.csv"), town)
    assert result.ok, result.errors
    assert [code for code, _name in result.competences] == ["1.1", "2.1", "4.1", "4.2"]
    camille, sophie = result.rows
    assert camille.agent_id == agents["A001"].pk
    assert camille.levels == {"1.1": 2, "2.1": 3, "4.1": 4, "4.2": 1}
    assert camille.observed_at.date() == date(2026, 10, 14)
    assert sophie.levels == {"1.1": 1, "4.1": 3, "4.2": 2}
    assert result.skipped == 1


def test_windows_1252_file_without_bom(town, agents):
    """A file saved by a spreadsheet in Windows-1252, unquoted, with a 'N° agent' column, is read."""
    result = read(sample("collecte_windows1252.csv"), town)
    assert result.ok, result.errors
    assert result.encoding == "cp1252"
    assert [row.agent_id for row in result.rows] == [agents["A006"].pk, agents["A001"].pk]
    assert result.rows[0].name == "Hélène Lefèvre"


@pytest.mark.parametrize(
    "header",
    [
        "Niveau pour la compétence 4.1 Sécuriser l'environnement numérique",
        "Niveau pour la compétence 4.1 - Sécuriser l’environnement numérique",
        "niveau pour la competence  securiser l'environnement  NUMERIQUE",
        "Niveau pour la compétence 4.1",
    ],
)
def test_competence_headers_match_loosely(town, agents, header):
    """Competence headers match by code or name, whatever the accents, case, spaces or apostrophes."""
    result = read(pix_csv(row(), header=[*HEADER[:-2], header, LEVEL_12]), town)
    assert result.ok, result.errors
    assert result.rows[0].levels == {"4.1": 3, "1.2": 2}


def test_plain_ignores_accents_case_spaces_and_curly_apostrophes():
    """Headers are compared without accents, case, double spaces or typographic apostrophes."""
    assert plain("  Date de l’envoi ") == plain("DATE DE L'ENVOI") == "date de l'envoi"


# --- file-level errors ----------------------------------------------------------------------------


def test_unknown_column_and_unknown_competence_are_both_reported(town, agents):
    """An unknown column and an unknown competence are file errors naming each column, reported together."""
    result = read(sample("erreurs_colonnes.csv"), town)
    assert (1, "Commentaire RH") in errors_of(result)
    assert "colonne inconnue" in message(result, 1, "Commentaire RH")
    assert "compétence inconnue" in message(result, 1, "Niveau pour la compétence Faire le café")
    assert "compétence inconnue" in message(result, 1, "Nombre de pix pour la compétence Faire le café")
    assert not result.ok


def test_code_and_name_of_different_competences_is_unknown(town, agents):
    """'1.1 Gérer des données' names two different competences: refused as unknown."""
    header = [*HEADER[:-2], "Niveau pour la compétence 1.1 Gérer des données", LEVEL_12]
    result = read(pix_csv(row(), header=header), town)
    assert "compétence inconnue" in message(result, 1, "Niveau pour la compétence 1.1 Gérer des données")


def test_no_identification_column_is_a_file_error(town, agents):
    """Without a matricule or e-mail column, agents cannot be found: one file error says which to add."""
    header = [name for name in HEADER if name != "Matricule"]
    result = read(
        pix_csv(["Mairie", "1", "C", "Camp", "Nom", "Prénom", "Oui", "2026-10-14", "3", "2"], header=header), town
    )
    assert [(error.line, error.column) for error in result.errors] == [(1, "")]
    assert "Matricule" in result.errors[0].message
    assert "Adresse e-mail" in result.errors[0].message


def test_no_level_column_is_a_file_error(town, agents):
    """An export without any 'Niveau pour la compétence' column (an assessment campaign) is refused."""
    result = read(pix_csv(row()[:9], header=HEADER[:9]), town)
    assert not result.ok
    assert "collecte de profils" in result.errors[0].message


def test_same_competence_twice_is_a_file_error(town, agents):
    """Two columns for the same competence are ambiguous."""
    header = [*HEADER[:-1], "Niveau pour la compétence 1.1"]
    result = read(pix_csv(row(), header=header), town)
    assert "plusieurs fois" in message(result, 1, "Niveau pour la compétence 1.1")


def test_binary_file_is_refused(town, agents):
    """A file that is not text gives one French error."""
    result = read(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", town)
    assert not result.ok
    assert "texte" in result.errors[0].message


def test_header_without_rows_is_refused(town, agents):
    """A file with only its header holds nobody."""
    result = read(pix_csv(), town)
    assert [(error.line, error.message) for error in result.errors] == [
        (2, "Le fichier ne contient aucun participant.")
    ]


BOM_THEN_WINDOWS_1252 = b"\xef\xbb\xbfMatricule;Envoi (O/N);Niveau pour la comp\xe9tence 1.1\nA001;Oui;3\n"


def test_bom_file_that_is_not_utf8_gives_a_french_error(town, agents):
    """A UTF-8 BOM followed by Windows-1252 bytes gives the French encoding error, not Python's."""
    result = read(BOM_THEN_WINDOWS_1252, town)
    assert [error.message for error in result.errors] == [
        "L'encodage du fichier n'est pas reconnu : enregistrez-le en UTF-8 ou en Windows-1252."
    ]


def test_people_decode_gives_a_french_message_for_a_bom_file_that_is_not_utf8():
    """decode() should explain a bad encoding in French whatever the BOM says."""
    with pytest.raises(ValueError, match="encodage"):
        decode(BOM_THEN_WINDOWS_1252)


def test_file_where_nobody_shared_is_refused(town, agents):
    """Nothing to import when nobody sent their profile."""
    result = read(pix_csv(row(shared="Non", level_11="NA", level_12="NA")), town)
    assert not result.ok
    assert "rien à importer" in result.errors[0].message


# --- line errors ----------------------------------------------------------------------------------


def test_every_line_error_is_reported_with_its_line_and_column(town, agents):
    """The error sample reports every problem, each with its line and column, not only the first."""
    result = read(sample("erreurs_lignes.csv"), town)
    level_13 = "Niveau pour la compétence Traiter des données"
    assert errors_of(result) == {
        (2, LEVEL_11),
        (3, LEVEL_11),
        (3, LEVEL_12),
        (3, level_13),
        (4, "Matricule"),
        (5, "Matricule"),
        (6, "Adresse e-mail"),
        (7, "Matricule"),
        (8, "Date de l'envoi"),
        (9, "Envoi (O/N)"),
    }
    assert result.rows == []


@pytest.mark.parametrize("value", ["9", "-1", "abc", "2,5", "3.0", "10"])
def test_level_outside_0_to_8_is_a_line_error(town, agents, value):
    """A level is an integer from 0 to 8: anything else is an error on its line and column."""
    result = read(pix_csv(row(level_11=value)), town)
    assert errors_of(result) == {(2, LEVEL_11)}
    assert f"« {value} »" in result.errors[0].message


@pytest.mark.parametrize(("value", "expected"), [("0", {"1.1": 0}), ("8", {"1.1": 8}), ("", {}), ("NA", {})])
def test_level_0_to_8_is_kept_and_empty_means_not_measured(town, agents, value, expected):
    """0 and 8 are levels; an empty cell (or Pix's 'NA') means the competence was not measured."""
    result = read(pix_csv(row(level_11=value, level_12="")), town)
    assert result.ok, result.errors
    assert result.rows[0].levels == expected


def test_duplicate_participant_names_the_first_line(town, agents):
    """The same agent twice: the second line is an error naming the first."""
    result = read(pix_csv(row("A001"), row("A002"), row("a001")), town)
    assert errors_of(result) == {(4, "Matricule")}
    assert "ligne 2" in result.errors[0].message


def test_agent_of_another_organisation_is_not_revealed(town, agents):
    """An e-mail of another organisation's agent: 'n'appartient pas à votre organisation', nothing more."""
    header = [*HEADER[:6], "Adresse e-mail", *HEADER[7:]]
    result = read(pix_csv(row("paul.roux@autre-commune.fr"), header=header), town)
    assert errors_of(result) == {(2, "Adresse e-mail")}
    assert result.errors[0].message == "ce participant n'appartient pas à votre organisation."
    assert "Roux" not in str(result.errors[0])


def test_matricule_of_another_organisation_is_unknown(town, agents):
    """Matricules are per organisation: another town's matricule is an unknown participant."""
    result = read(pix_csv(row("Z999")), town)
    assert errors_of(result) == {(2, "Matricule")}
    assert "inconnu" in result.errors[0].message


def test_unknown_participant_is_a_line_error(town, agents):
    """A participant found neither by matricule nor by e-mail is an error on their line."""
    result = read(pix_csv(row("A001"), row("B123")), town)
    assert errors_of(result) == {(3, "Matricule")}
    assert "« B123 »" in result.errors[0].message


def test_inactive_agent_is_a_line_error(town, agents):
    """A deactivated agent cannot receive levels."""
    result = read(pix_csv(row("A005")), town)
    assert errors_of(result) == {(2, "Matricule")}
    assert "désactivé" in result.errors[0].message


def test_external_id_holding_an_email_finds_the_agent(town, agents):
    """A campaign whose external id is the e-mail address ('Identifiant externe') finds agents by e-mail."""
    header = [*HEADER[:6], "Identifiant externe", *HEADER[7:]]
    result = read(pix_csv(row("Julien.Bernard@ville-exemple.fr"), header=header), town)
    assert result.ok, result.errors
    assert result.rows[0].agent_id == agents["A002"].pk


def test_external_id_holding_an_email_of_another_organisation(town, agents):
    """An e-mail used as external id is checked against other organisations too, revealing nothing more."""
    header = [*HEADER[:6], "Identifiant externe", *HEADER[7:]]
    result = read(pix_csv(row("paul.roux@autre-commune.fr"), header=header), town)
    assert [(error.column, error.message) for error in result.errors] == [
        ("Identifiant externe", "ce participant n'appartient pas à votre organisation.")
    ]


def test_missing_share_date_uses_the_upload_date(town, agents):
    """Without a share date, the levels are dated by the upload."""
    result = read(pix_csv(row(shared_on="")), town)
    assert result.rows[0].observed_at == UPLOADED_AT


@pytest.mark.parametrize("value", ["2026-13-01", "hier", "31/02/2026"])
def test_invalid_share_date_is_a_line_error(town, agents, value):
    """A share date that is not a date is an error on its line."""
    result = read(pix_csv(row(shared_on=value)), town)
    assert errors_of(result) == {(2, "Date de l'envoi")}


def test_share_date_in_the_future_is_a_line_error(town, agents):
    """A share date after today cannot be right."""
    result = read(pix_csv(row(shared_on="2026-12-25")), town)
    assert errors_of(result) == {(2, "Date de l'envoi")}


def test_two_campaigns_in_one_file_is_a_line_error(town, agents):
    """One file is one campaign: a row of another campaign is an error naming the first row."""
    other = row("A002")
    other[2] = "AUTRE2026"
    result = read(pix_csv(row("A001"), other), town)
    assert errors_of(result) == {(3, "Code")}


def test_row_with_more_cells_than_the_header_is_a_line_error(town, agents):
    """A row that does not fit the header is reported, not guessed."""
    result = read(pix_csv(row("A001"), [*row("A002"), "en trop"]), town)
    assert [error.line for error in result.errors] == [3]


# --- performance ----------------------------------------------------------------------------------


def test_large_file_is_read_in_a_constant_number_of_queries(town, django_assert_max_num_queries):
    """5,000 participants are found with a few queries (no query per row)."""
    users = User.objects.bulk_create(
        [User(email=f"agent{number}@ville-exemple.fr", first_name="A", last_name=str(number)) for number in range(5000)]
    )
    Agent.objects.bulk_create(
        [Agent(user=user, organisation=town, matricule=f"M{number:05d}") for number, user in enumerate(users)]
    )
    header = [*HEADER[:6], "Matricule", "Adresse e-mail", *HEADER[7:]]
    rows = []
    for number in range(5000):
        cells = row(f"M{number:05d}")
        rows.append([*cells[:7], f"agent{number}@ville-exemple.fr", *cells[7:]])
    data = pix_csv(*rows, header=header)
    with django_assert_max_num_queries(5):
        result = read(data, town)
    assert result.ok, result.errors[:3]
    assert len(result.rows) == 5000
