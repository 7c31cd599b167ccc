"""HR exports (paths.exports): rows, CSV shape, spreadsheets, the RSU figures and the build task."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Group
from odf import teletype
from odf.opendocument import load as load_ods
from odf.table import Table, TableCell, TableRow
from openpyxl import load_workbook

from paths import exports
from paths.models import ExportFile
from paths.tasks import build_export
from people.factories import AgentFactory, HRAgentFactory, OrganisationFactory, ServiceFactory, UserFactory
from people.models import Agent
from people.roles import HR_GROUP

from .exportdata import assign, complete, local, spend, training_path

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 28)


@pytest.fixture
def town():
    return OrganisationFactory(slug="ville", name="Ville de Test")


@pytest.fixture
def hr(town):
    return HRAgentFactory(organisation=town, user=UserFactory(last_name="Rh", first_name="Rose"))


@pytest.fixture
def tree(town):
    """Two directions; Voirie sits under Services techniques."""
    technical = ServiceFactory(organisation=town, name="Services techniques")
    roads = ServiceFactory(parent=technical, name="Voirie")
    population = ServiceFactory(organisation=town, name="Population")
    return technical, roads, population


def person(organisation, last, first="Anne", **kwargs) -> Agent:
    return AgentFactory(organisation=organisation, user=UserFactory(last_name=last, first_name=first), **kwargs)


def agents_of(user):
    from people import permissions

    return permissions.visible_agents(user)


def csv_text(columns, rows) -> str:
    return b"".join(exports.csv_chunks(columns, rows)).decode("utf-8")


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))


def status_table(hr, town, **parameters):
    return exports.table(
        ExportFile.Kind.STATUS,
        agents=agents_of(hr.user),
        parameters=exports.StatusParameters(**parameters),
        organisation_id=town.pk,
        today=TODAY,
    )


def hours_table(hr, town, start, end, service_id=None):
    return exports.table(
        ExportFile.Kind.HOURS,
        agents=agents_of(hr.user),
        parameters=exports.HoursParameters(start, end, service_id),
        organisation_id=town.pk,
        today=TODAY,
    )


# --- assignment status ----------------------------------------------------------------------------


def test_status_csv_has_bom_semicolons_and_french_headers(hr, town):
    """The CSV starts with a BOM, uses ';' and names its columns in French."""
    text = csv_text(*status_table(hr, town))
    assert text.startswith("\ufeff")
    assert text.splitlines()[0] == (
        "\ufeffNom;Prénom;Matricule;Service;Catégorie;Statut;Parcours;Assigné le;À terminer avant le;"
        "Avancement;Terminé le"
    )


def test_status_rows_give_each_state_in_words(hr, town, tree):
    """Not started, in progress, completed (with its date) and overdue rows, sorted by name."""
    path = training_path(town)
    _technical, roads, _population = tree
    done = person(town, "Arnaud", matricule="M1", service=roads, category="B", status=Agent.Status.CONTRACTUEL)
    late = person(town, "Bernard", matricule="M2")
    going = person(town, "Chevalier", matricule="M3")
    idle = person(town, "Dubois", matricule="M4", category="")
    assign(done, path, assigned_on=date(2026, 9, 1), due_date=date(2026, 12, 1), completed_at=local(2026, 10, 3))
    assign(late, path, assigned_on=date(2026, 9, 1), due_date=date(2026, 11, 27))
    assign(going, path, assigned_on=date(2026, 9, 1), due_date=date(2026, 12, 1), started_at=local(2026, 10, 1))
    assign(idle, path, assigned_on=date(2026, 9, 1), due_date=date(2026, 11, 28))
    rows = csv_rows(csv_text(*status_table(hr, town)))[1:]
    assert rows[0] == [
        "Arnaud",
        "Anne",
        "M1",
        "Services techniques / Voirie",
        "B",
        "Contractuel",
        "Cybersécurité au quotidien",
        "01/09/2026",
        "01/12/2026",
        "Terminé",
        "03/10/2026",
    ]
    assert [row[9] for row in rows] == ["Terminé", "En retard", "En cours", "Non commencé"]
    assert rows[3][4] == ""
    assert rows[3][10] == ""


def test_status_leaves_out_cancelled_renewed_inactive_and_other_organisations(hr, town):
    """Only current cycles of active agents of the organisation are exported."""
    path = training_path(town)
    kept = person(town, "Gardé")
    assign(kept, path, assigned_on=date(2026, 1, 5), due_date=date(2026, 12, 1))
    assign(kept, path, assigned_on=date(2025, 1, 5), due_date=date(2025, 3, 1), renewed=True)
    assign(
        person(town, "Annulé"),
        path,
        assigned_on=date(2026, 1, 5),
        due_date=date(2026, 12, 1),
        cancelled_at=local(2026, 2, 1),
    )
    assign(person(town, "Parti", is_active=False), path, assigned_on=date(2026, 1, 5), due_date=date(2026, 12, 1))
    elsewhere = OrganisationFactory()
    assign(
        person(elsewhere, "Ailleurs"),
        training_path(elsewhere),
        assigned_on=date(2026, 1, 5),
        due_date=date(2026, 12, 1),
    )
    rows = list(status_table(hr, town)[1])
    assert [row[0] for row in rows] == ["Gardé"]


def test_status_service_filter_takes_the_subtree(hr, town, tree):
    """Filtering on a direction keeps the agents of its sub-services, not the others."""
    technical, roads, population = tree
    path = training_path(town)
    for name, service in (("Direction", technical), ("Voirie", roads), ("Accueil", population), ("Aucun", None)):
        assign(person(town, name, service=service), path, assigned_on=date(2026, 1, 5), due_date=date(2026, 12, 1))
    rows = list(status_table(hr, town, service_id=technical.pk)[1])
    assert sorted(row[0] for row in rows) == ["Direction", "Voirie"]


def test_status_path_filter(hr, town):
    """Filtering on a path keeps its assignments only."""
    first, second = training_path(town, "Premier"), training_path(town, "Second")
    agent = person(town, "Martin")
    assign(agent, first, assigned_on=date(2026, 1, 5), due_date=date(2026, 12, 1))
    assign(agent, second, assigned_on=date(2026, 1, 5), due_date=date(2026, 12, 1))
    rows = list(status_table(hr, town, path_id=second.pk)[1])
    assert [row[6] for row in rows] == ["Second"]


def test_status_refuses_another_organisations_service_or_path(hr, town):
    """A service or a path of another organisation is refused, not silently ignored."""
    elsewhere = OrganisationFactory()
    with pytest.raises(exports.ExportError):
        status_table(hr, town, service_id=ServiceFactory(organisation=elsewhere).pk)
    with pytest.raises(exports.ExportError):
        status_table(hr, town, path_id=training_path(elsewhere).pk)


def test_csv_cells_starting_like_a_formula_stay_text(hr, town):
    """A name that starts with '=' is written with a leading apostrophe in the CSV."""
    agent = person(town, "=HYPERLINK(1)")
    assign(agent, training_path(town), assigned_on=date(2026, 1, 5), due_date=date(2026, 12, 1))
    rows = csv_rows(csv_text(*status_table(hr, town)))
    assert rows[1][0] == "'=HYPERLINK(1)"


# --- training hours -------------------------------------------------------------------------------


def test_hours_use_a_decimal_comma_and_report_measured_time_apart(hr, town):
    """90 + 45 attested minutes give "2,25" h; 5 400 measured seconds give "1,5" h in their own column."""
    agent = person(town, "Leroy", matricule="L1")
    complete(agent, minutes=90, at=local(2026, 3, 2))
    complete(agent, minutes=45, at=local(2026, 4, 2))
    spend(agent, seconds=5400, last_visit=local(2026, 3, 1))
    columns, rows = hours_table(hr, town, date(2026, 1, 1), date(2026, 12, 31))
    parsed = csv_rows(csv_text(columns, rows))
    assert parsed[0][-3:] == ["Cours terminés", "Heures attestées", "Temps passé mesuré (heures)"]
    assert parsed[1] == ["Leroy", "Anne", "L1", "", "C", "Titulaire", "2", "2,25", "1,5"]


def test_hours_period_boundaries_are_whole_local_days(hr, town):
    """The first and last days count from midnight to midnight local time; the days around do not."""
    agent = person(town, "Bornes")
    complete(agent, minutes=60, at=local(2026, 1, 1, 0, 0))  # 31/12 at 23:00 UTC
    complete(agent, minutes=30, at=local(2026, 1, 31, 23, 59))
    complete(agent, minutes=600, at=local(2025, 12, 31, 23, 59))
    complete(agent, minutes=600, at=local(2026, 2, 1, 0, 0))
    spend(agent, seconds=3600, last_visit=local(2026, 1, 31, 23, 30))
    spend(agent, seconds=7200, last_visit=local(2026, 2, 1, 0, 30))
    rows = list(hours_table(hr, town, date(2026, 1, 1), date(2026, 1, 31))[1])
    assert rows == [("Bornes", "Anne", agent.matricule, "", "C", "Titulaire", 2, 1.5, 1.0)]


def test_hours_keep_only_agents_with_activity_in_the_period(hr, town, tree):
    """Agents without a completion or measured time are left out; the service filter takes the subtree."""
    technical, roads, population = tree
    active = person(town, "Actif", service=roads)
    timed = person(town, "Lecteur", service=technical)
    person(town, "Inactif", service=roads)
    outside = person(town, "Accueil", service=population)
    idle = person(town, "Zéro", service=roads)
    complete(active, minutes=30, at=local(2026, 5, 1))
    spend(timed, seconds=600, last_visit=local(2026, 5, 1))
    spend(idle, seconds=0, last_visit=local(2026, 5, 1))
    complete(outside, minutes=30, at=local(2026, 5, 1))
    rows = list(hours_table(hr, town, date(2026, 1, 1), date(2026, 12, 31), service_id=technical.pk)[1])
    assert [(row[0], row[6], row[7], row[8]) for row in rows] == [("Actif", 1, 0.5, 0.0), ("Lecteur", 0, 0.0, 0.17)]


def test_hours_include_agents_who_left_since(hr, town):
    """A deactivated agent's training of the period is still reported."""
    complete(person(town, "Parti", is_active=False), minutes=60, at=local(2026, 5, 1))
    rows = list(hours_table(hr, town, date(2026, 1, 1), date(2026, 12, 31))[1])
    assert [row[0] for row in rows] == ["Parti"]


def test_decimal_comma():
    """Hours are written with a comma and without useless zeros."""
    assert [exports.decimal_comma(value) for value in (1.5, 2.0, 0.33, 0.0, 12.25)] == [
        "1,5",
        "2",
        "0,33",
        "0",
        "12,25",
    ]


# --- parameters -----------------------------------------------------------------------------------


def test_period_rules():
    """The end may not precede the start, and a period lasts five years at most."""
    assert exports.period_errors(date(2026, 1, 1), date(2026, 1, 1)) == []
    assert exports.period_errors(date(2026, 1, 2), date(2026, 1, 1))
    assert exports.period_errors(date(2021, 1, 1), date(2026, 1, 1)) == []
    assert exports.period_errors(date(2021, 1, 1), date(2026, 1, 2))


def test_year_rules():
    """Years from 2000 to next year are accepted."""
    assert exports.year_errors(2000, TODAY) == []
    assert exports.year_errors(2027, TODAY) == []
    assert exports.year_errors(1999, TODAY)
    assert exports.year_errors(2028, TODAY) == ["Indiquez une année entre 2000 et 2027."]


def test_stored_parameters_are_checked_again():
    """Tampered stored parameters are refused with a message."""
    with pytest.raises(exports.ExportError):
        exports.parameters_from_json("hours", {"start": "2026-02-01", "end": "2026-01-01"}, today=TODAY)
    with pytest.raises(exports.ExportError):
        exports.parameters_from_json("social", {"year": "abc"}, today=TODAY)
    with pytest.raises(exports.ExportError):
        exports.parameters_from_json("unknown", {}, today=TODAY)
    assert exports.parameters_from_json("status", {"path": "3"}, today=TODAY) == exports.StatusParameters(3, None)


# --- rapport social unique ------------------------------------------------------------------------


@pytest.fixture
def social_town(town, tree):
    """Six agents in 2025: four trained (one of them gone since), one not trained, one hired in 2026."""
    technical, roads, population = tree
    a1 = person(town, "A1", category="A", status=Agent.Status.TITULAIRE, service=technical)
    b1 = person(town, "B1", category="B", status=Agent.Status.CONTRACTUEL, service=roads)
    c1 = person(town, "C1", category="C", status=Agent.Status.TITULAIRE, service=population)
    elected = person(town, "E1", category="", status=Agent.Status.ELU)
    gone = person(town, "G1", category="C", status=Agent.Status.OTHER, service=roads, is_active=False)
    person(town, "N1", category="C", status=Agent.Status.TITULAIRE, service=population)
    person(town, "Late", category="B", service=roads, hire_date=date(2026, 2, 1))
    person(town, "Old", is_active=False)  # left, not trained in 2025: not counted
    complete(a1, minutes=120, at=local(2025, 3, 1))
    complete(a1, minutes=60, at=local(2025, 12, 31, 23, 30))
    complete(b1, minutes=90, at=local(2025, 6, 1))
    complete(c1, minutes=30, at=local(2025, 6, 1))
    complete(c1, minutes=999, at=local(2024, 12, 31, 23, 59))
    complete(elected, minutes=45, at=local(2025, 9, 1))
    complete(gone, minutes=15, at=local(2025, 1, 1, 0, 0))
    return town


def social(hr, town, year=2025):
    return exports.social_rows(
        agents=agents_of(hr.user), parameters=exports.SocialParameters(year), organisation_id=town.pk
    )


def test_social_breakdowns_add_up_to_the_total(hr, social_town):
    """Headcount, trained agents and hours of each breakdown sum to the total row."""
    rows = social(hr, social_town)
    total = rows[-1]
    assert total[:2] == ("Total", "Tous les agents")
    for axis in ("Catégorie", "Statut", "Service"):
        group = [row for row in rows if row[0] == axis]
        assert sum(row[2] for row in group) == total[2]
        assert sum(row[3] for row in group) == total[3]
        assert round(sum(row[5] for row in group), 2) == total[5]


def test_social_figures(hr, social_town):
    """The RSU figures by group: headcount, trained, rate and attested hours (HR is counted too)."""
    rows = {(row[0], row[1]): row[2:] for row in social(hr, social_town)}
    # Seven counted agents: HR (A, titulaire, no service), A1, B1, C1, E1, G1 (left, trained), N1.
    assert rows[("Total", "Tous les agents")] == (7, 5, 71.4, 6.0)
    assert rows[("Catégorie", "Catégorie A")] == (2, 1, 50.0, 3.0)
    assert rows[("Catégorie", "Catégorie B")] == (1, 1, 100.0, 1.5)
    assert rows[("Catégorie", "Catégorie C")] == (3, 2, 66.7, 0.75)
    assert rows[("Catégorie", "Sans catégorie")] == (1, 1, 100.0, 0.75)
    assert rows[("Statut", "Titulaire")] == (4, 2, 50.0, 3.5)
    assert rows[("Statut", "Contractuel")] == (1, 1, 100.0, 1.5)
    assert rows[("Statut", "Élu")] == (1, 1, 100.0, 0.75)
    assert rows[("Statut", "Autre")] == (1, 1, 100.0, 0.25)
    # Voirie rolls up into Services techniques.
    assert rows[("Service", "Services techniques")] == (3, 3, 100.0, 4.75)
    assert rows[("Service", "Population")] == (2, 1, 50.0, 0.5)
    assert rows[("Service", "Sans service")] == (2, 1, 50.0, 0.75)


def test_social_year_with_nothing_gives_zero_rates(hr, town, tree):
    """A year without training gives zeros, never a division error."""
    rows = {(row[0], row[1]): row[2:] for row in social(hr, town, year=2001)}
    assert rows[("Total", "Tous les agents")] == (1, 0, 0.0, 0.0)
    assert rows[("Service", "Population")] == (0, 0, 0.0, 0.0)
    assert ("Service", "Voirie") not in rows  # a sub-service, rolled up into its direction


# --- spreadsheets and the task --------------------------------------------------------------------


def _export(hr, town, kind, fmt, parameters) -> ExportFile:
    return ExportFile.objects.create(
        organisation=town,
        requested_by=hr.user,
        kind=kind,
        format=fmt,
        parameters={**parameters, "language": "fr", "label": "test"},
    )


@pytest.fixture
def hours_data(town):
    agent = person(town, "Tableur", matricule="T1")
    complete(agent, minutes=90, at=local(2026, 3, 2))
    spend(agent, seconds=1800, last_visit=local(2026, 3, 2))
    return agent


def test_xlsx_opens_with_openpyxl_and_has_the_rows(hr, town, hours_data):
    """The XLSX file has the French headers, typed numbers and one row per agent."""
    export = _export(hr, town, "hours", "xlsx", {"start": "2026-01-01", "end": "2026-12-31"})
    assert build_export.delay(export.pk).get() == "ready"
    export.refresh_from_db()
    assert export.rows == 1
    with export.file.open("rb") as handle:
        sheet = load_workbook(handle, read_only=True).active
        rows = [tuple(cell for cell in row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][-3:] == ("Cours terminés", "Heures attestées", "Temps passé mesuré (heures)")
    assert rows[1] == ("Tableur", "Anne", "T1", None, "C", "Titulaire", 1, 1.5, 0.5)


def test_xlsx_dates_are_dates_and_formulas_stay_text(hr, town):
    """Dates are real date cells; a value starting with '=' is stored as text, not as a formula."""
    agent = person(town, "=1+1")
    assign(agent, training_path(town), assigned_on=date(2026, 1, 5), due_date=date(2026, 12, 1))
    export = _export(hr, town, "status", "xlsx", {})
    build_export.delay(export.pk)
    export.refresh_from_db()
    with export.file.open("rb") as handle:
        sheet = load_workbook(handle).active
        assert sheet["A2"].value == "=1+1"
        assert sheet["A2"].data_type == "s"
        assert sheet["H2"].value.date() == date(2026, 1, 5)
        assert sheet["H2"].number_format == "DD/MM/YYYY"


def test_ods_parses_with_odfpy_and_has_the_rows(hr, town, hours_data):
    """The ODS file is a valid OpenDocument spreadsheet: mimetype first, header and typed values."""
    export = _export(hr, town, "hours", "ods", {"start": "2026-01-01", "end": "2026-12-31"})
    build_export.delay(export.pk)
    export.refresh_from_db()
    assert export.status == ExportFile.Status.READY
    with export.file.open("rb") as handle:
        data = handle.read()
    with zipfile.ZipFile(io.BytesIO(data)) as bundle:
        assert bundle.namelist()[0] == "mimetype"
        assert bundle.read("mimetype") == b"application/vnd.oasis.opendocument.spreadsheet"
        content = bundle.read("content.xml").decode()
    assert "Temps passé mesuré (heures)" in content
    assert 'office:value-type="float" office:value="1.5"><text:p>1,5</text:p>' in content
    assert "CAPNUM-ROWS-FOLLOW" not in content
    document = load_ods(io.BytesIO(data))
    table = document.spreadsheet.getElementsByType(Table)[0]
    rows = [
        [teletype.extractText(cell) for cell in row.getElementsByType(TableCell)]
        for row in table.getElementsByType(TableRow)
    ]
    assert rows[1] == ["Tableur", "Anne", "T1", "", "C", "Titulaire", "1", "1,5", "0,5"]


def test_ods_dates_are_typed(hr, town):
    """Dates in the ODS file carry their ISO value and show as 28/11/2026."""
    assign(person(town, "Date"), training_path(town), assigned_on=date(2026, 1, 5), due_date=date(2026, 12, 1))
    export = _export(hr, town, "status", "ods", {})
    build_export.delay(export.pk)
    export.refresh_from_db()
    with export.file.open("rb") as handle, zipfile.ZipFile(handle) as bundle:
        content = bundle.read("content.xml").decode()
    assert 'office:value-type="date" office:date-value="2026-01-05"><text:p>05/01/2026</text:p>' in content


def test_social_export_as_xlsx(hr, social_town):
    """The RSU figures also go to a spreadsheet, total row last."""
    export = _export(hr, social_town, "social", "xlsx", {"year": 2025})
    build_export.delay(export.pk)
    export.refresh_from_db()
    with export.file.open("rb") as handle:
        rows = list(load_workbook(handle, read_only=True).active.iter_rows(values_only=True))
    assert rows[0] == (
        "Ventilation",
        "Groupe",
        "Effectif",
        "Agents formés",
        "Part d'agents formés (%)",
        "Heures de formation attestées",
    )
    assert rows[-1] == ("Total", "Tous les agents", 7, 5, 71.4, 6)


def _files(settings) -> list:
    folder = settings.MEDIA_ROOT / "exports"
    return sorted(folder.iterdir()) if folder.exists() else []


def test_build_task_is_idempotent(hr, town, hours_data, settings):
    """Running build_export twice leaves one file and a ready export."""
    export = _export(hr, town, "hours", "xlsx", {"start": "2026-01-01", "end": "2026-12-31"})
    build_export.delay(export.pk)
    export.refresh_from_db()
    first = export.file.name
    build_export.delay(export.pk)
    export.refresh_from_db()
    assert export.status == ExportFile.Status.READY
    assert export.file.name == first
    assert len(_files(settings)) == 1


def test_build_refuses_when_the_requester_is_no_longer_hr(hr, town, hours_data, settings):
    """An export asked for by someone who lost the HR role fails with a message and no file."""
    export = _export(hr, town, "hours", "csv", {"start": "2026-01-01", "end": "2026-12-31"})
    hr.user.groups.remove(Group.objects.get(name=HR_GROUP))
    assert build_export.delay(export.pk).get() == "failed"
    export.refresh_from_db()
    assert "n'a plus accès" in export.error
    assert _files(settings) == []


def test_build_fails_on_tampered_parameters(hr, town, settings):
    """Stored parameters out of bounds make the export fail at once, with the reason."""
    export = _export(hr, town, "social", "xlsx", {"year": 1990})
    build_export.delay(export.pk)
    export.refresh_from_db()
    assert export.status == ExportFile.Status.FAILED
    assert "2000" in export.error


def test_csv_file_built_by_the_task(hr, town, hours_data):
    """The task can also write the CSV to a file, with its BOM."""
    export = _export(hr, town, "hours", "csv", {"start": "2026-01-01", "end": "2026-12-31"})
    build_export.delay(export.pk)
    export.refresh_from_db()
    with export.file.open("rb") as handle:
        data = handle.read()
    assert data.startswith(b"\xef\xbb\xbf")
    assert export.rows == 1


def test_request_export_runs_the_task_after_commit(hr, town, hours_data, django_capture_on_commit_callbacks):
    """The task is queued once the export row is committed."""
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        export = exports.request_export(
            organisation_id=town.pk,
            user_id=hr.user.pk,
            kind="hours",
            fmt="ods",
            parameters={"start": "2026-01-01", "end": "2026-12-31"},
            label="Du 1 janvier au 31 décembre",
        )
    assert len(callbacks) == 1
    export.refresh_from_db()
    assert export.status == ExportFile.Status.READY
    assert export.parameters["language"] == "fr"


def test_spreadsheet_row_limit(monkeypatch, hr, town):
    """Beyond the spreadsheet row limit the export fails with advice to use CSV."""
    monkeypatch.setattr(exports.writers, "MAX_SPREADSHEET_ROWS", 1)
    path = training_path(town)
    for name in ("Un", "Deux"):
        assign(person(town, name), path, assigned_on=date(2026, 1, 5), due_date=date(2026, 12, 1))
    export = _export(hr, town, "status", "xlsx", {})
    build_export.delay(export.pk)
    export.refresh_from_db()
    assert export.status == ExportFile.Status.FAILED
    assert "CSV" in export.error


def test_a_future_completion_date_is_fine_for_the_period(hr, town):
    """A period may end in the future (the end of the current year)."""
    complete(person(town, "Futur"), minutes=60, at=local(2026, 11, 1))
    end = TODAY + timedelta(days=400)
    assert len(list(hours_table(hr, town, date(2026, 1, 1), end)[1])) == 1
