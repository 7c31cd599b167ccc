"""Pix import services: a preview writes no evidence; confirming records every level in one transaction,
only if the file is still valid, and only once."""

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import time_machine

from people.factories import AgentFactory, OrganisationFactory, UserFactory
from people.models import Agent
from skills import services_pix
from skills.factories import competence
from skills.models import CompetenceLevel, Evidence, PixImport

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"
LEVELS_IN_SAMPLE = 16 + 7 + 16  # Camille, Julien, Sophie; Nicolas did not send his profile


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(datetime(2026, 11, 20, 9, 0, tzinfo=UTC), tick=True):
        yield


@pytest.fixture
def town():
    return OrganisationFactory(slug="villeneuve", name="Villeneuve-sur-Lot")


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


def preview(town, name="collecte_profils.csv", data=None):
    return services_pix.preview_pix_import(
        organisation_id=town.pk,
        uploaded_by_id=None,
        filename=name,
        data=data if data is not None else (DATA / name).read_bytes(),
    )


def apply(record):
    return services_pix.apply_pix_import(import_id=record.pk, organisation_id=record.organisation_id)


def test_preview_keeps_the_file_and_records_nothing(town, agents):
    """A valid file is kept for confirmation with its counts; no evidence is written yet."""
    record = preview(town)
    assert record.state == PixImport.State.PREVIEWED
    assert record.content.startswith('"Nom de l\'organisation"')
    assert (record.summary["participants"], record.summary["levels"], record.summary["skipped"]) == (
        3,
        LEVELS_IN_SAMPLE,
        1,
    )
    assert Evidence.objects.count() == 0


def test_preview_sample_lists_agents_and_levels_by_competence(town, agents):
    """The summary's sample names the agents and aligns their levels with the competence columns."""
    record = preview(town)
    first = record.summary["sample"][0]
    assert (first["name"], first["matricule"], first["line"]) == ("Camille Martin", "A001", 2)
    assert record.summary["competences"][0] == ["1.1", "Mener une recherche et une veille d'information"]
    assert first["levels"][0] == 3
    assert record.summary["sample"][1]["levels"][1] is None  # Julien: 1.2 not measured


def test_confirm_records_pix_evidence(town, agents):
    """Confirming records each level as Pix evidence, dated by the share date, named after the campaign."""
    record = preview(town)
    result = apply(record)
    assert result.ok
    assert result.recorded == LEVELS_IN_SAMPLE
    evidence = Evidence.objects.get(agent=agents["A001"], competence=competence("1.1"))
    assert (evidence.level, evidence.source) == (3, Evidence.Source.PIX)
    assert evidence.source_ref == f"pix:{record.pk}:VILLE2026"
    assert evidence.label == "Pix — Collecte des profils numériques 2026"
    assert evidence.observed_at.date() == date(2026, 10, 14)


def test_confirm_refreshes_competence_levels(town, agents):
    """The agents' current levels come from the Pix results, level 0 included."""
    apply(preview(town))
    levels = dict(CompetenceLevel.objects.filter(agent=agents["A001"]).values_list("competence__code", "level"))
    assert levels["1.1"] == 3
    assert levels["3.4"] == 0
    assert len(levels) == 16
    assert CompetenceLevel.objects.get(agent=agents["A003"], competence=competence("2.1")).source == "pix"


def test_participant_who_did_not_share_gets_nothing(town, agents):
    """Nicolas did not send his profile: no evidence and no level for him."""
    apply(preview(town))
    assert not Evidence.objects.filter(agent=agents["A004"]).exists()
    assert not CompetenceLevel.objects.filter(agent=agents["A004"]).exists()


def test_confirm_marks_the_import_applied_and_forgets_the_file(town, agents):
    """Once applied, the import keeps its summary but not the file's content."""
    record = preview(town)
    apply(record)
    record.refresh_from_db()
    assert record.state == PixImport.State.APPLIED
    assert record.applied_at is not None
    assert record.content == ""
    assert record.summary["recorded"] == LEVELS_IN_SAMPLE


def test_confirm_twice_records_once(town, agents):
    """A double click records nothing the second time."""
    record = preview(town)
    apply(record)
    again = apply(record)
    assert again.already_done
    assert Evidence.objects.count() == LEVELS_IN_SAMPLE


def test_file_with_errors_is_rejected_and_writes_nothing(town, agents):
    """A file with any error is kept as rejected, without its content, and records nothing."""
    before = Evidence.objects.count()
    record = preview(town, "erreurs_lignes.csv")
    assert record.state == PixImport.State.REJECTED
    assert record.content == ""
    assert record.summary["error_count"] == len(record.summary["errors"]) > 0
    result = apply(record)
    assert not result.ok
    assert Evidence.objects.count() == before


@pytest.mark.parametrize("name", ["erreurs_lignes.csv", "erreurs_colonnes.csv"])
def test_no_evidence_from_a_file_with_errors_even_for_its_valid_rows(town, agents, name):
    """Nothing is written from a file with an error, not even its valid rows."""
    record = preview(town, name)
    apply(record)
    assert Evidence.objects.count() == 0
    assert CompetenceLevel.objects.count() == 0


def test_confirm_reads_the_file_again(town, agents):
    """An agent deactivated since the preview makes the confirmation fail: nothing is recorded."""
    record = preview(town)
    Agent.objects.filter(pk=agents["A002"].pk).update(is_active=False)
    result = apply(record)
    assert not result.ok
    assert Evidence.objects.count() == 0
    record.refresh_from_db()
    assert record.state == PixImport.State.REJECTED
    assert any(error["line"] == 3 for error in record.summary["errors"])


def test_confirm_is_one_transaction(town, agents, monkeypatch):
    """A failure after the evidence is inserted (while levels are derived) leaves no evidence, and the
    import still to confirm."""
    from skills import services

    def failing(**kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(services, "refresh_levels", failing)
    record = preview(town)
    with pytest.raises(RuntimeError):
        apply(record)
    assert Evidence.objects.count() == 0
    record.refresh_from_db()
    assert record.state == PixImport.State.PREVIEWED
    assert record.content


def test_import_of_another_organisation_cannot_be_confirmed(town, agents):
    """The service checks the organisation: another organisation's import does not exist for it."""
    record = preview(town)
    other = OrganisationFactory(slug="autre")
    with pytest.raises(PixImport.DoesNotExist):
        services_pix.apply_pix_import(import_id=record.pk, organisation_id=other.pk)
    assert Evidence.objects.count() == 0


def test_windows_1252_file_is_kept_and_confirmed(town, agents):
    """A Windows-1252 file is stored decoded and confirmed like any other."""
    make_agent(town, "A006", "Hélène", "Lefèvre", "helene.lefevre@ville-exemple.fr")
    record = preview(town, "collecte_windows1252.csv")
    assert "Lefèvre" in record.content
    assert apply(record).recorded == 32


def test_rows_without_share_date_are_dated_by_the_upload(town, agents):
    """Without a share date, the levels are dated by the day the file was uploaded."""
    data = "\ufeffMatricule;Envoi (O/N);Niveau pour la compétence 1.1\nA001;Oui;4\n".encode()
    record = preview(town, "sans-date.csv", data=data)
    apply(record)
    evidence = Evidence.objects.get(agent=agents["A001"])
    assert evidence.observed_at == record.created_at


def test_earlier_imports_of_the_same_campaign_are_listed(town, agents):
    """Previewing a campaign already imported names the earlier import (recording it again is a choice)."""
    first = preview(town)
    apply(first)
    second = preview(town)
    assert services_pix.earlier_imports(record=second) == [PixImport.objects.get(pk=first.pk)]
    assert services_pix.earlier_imports(record=first) == []
