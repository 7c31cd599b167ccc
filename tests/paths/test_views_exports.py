"""HR export pages: the forms, CSV downloads, background spreadsheets, and who may reach them."""

from __future__ import annotations

import csv
import io
import tracemalloc
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from paths.models import AgentAssignment, Assignment, ExportFile, TrainingPath
from people.factories import AgentFactory, HRAgentFactory, OrganisationFactory, ServiceFactory, UserFactory
from people.models import Agent, User

from .exportdata import assign, complete, training_path

pytestmark = pytest.mark.django_db

STREAMED_ROWS = 20_000
# Measured: streaming the 20 000 rows peaks near 2.5 MB; holding them all at once (a list) near 9.3 MB.
STREAM_PEAK_LIMIT = 6 * 1024 * 1024


@pytest.fixture
def town():
    return OrganisationFactory(slug="ville", name="Ville de Test")


@pytest.fixture
def hr(town):
    return HRAgentFactory(organisation=town)


@pytest.fixture
def hr_client(client, hr):
    client.force_login(hr.user)
    return client


@pytest.fixture
def other_hr_client(client):
    """HR of another organisation."""
    client.force_login(HRAgentFactory(organisation=OrganisationFactory(slug="ailleurs")).user)
    return client


@pytest.fixture
def agent_client(client, town):
    client.force_login(AgentFactory(organisation=town).user)
    return client


@pytest.fixture
def assigned(town):
    """One agent of the town with one assignment."""
    agent = AgentFactory(organisation=town, user=UserFactory(last_name="Durand", first_name="Léa"), matricule="D1")
    today = timezone.localdate()
    assign(agent, training_path(town), assigned_on=today - timedelta(days=10), due_date=today + timedelta(days=20))
    complete(agent, minutes=90, at=timezone.now())
    return agent


def body(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8")


def rows_of(response_or_text) -> list[list[str]]:
    text = response_or_text if isinstance(response_or_text, str) else body(response_or_text)
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))


def hours_query() -> dict:
    today = timezone.localdate()
    return {"start": date(today.year, 1, 1).isoformat(), "end": today.isoformat()}


CSV_ENDPOINTS = [
    ("paths:export_status_csv", {}),
    ("paths:export_hours_csv", None),
    ("paths:export_social_csv", {"year": 2025}),
]


def _query(query):
    return hours_query() if query is None else query


# --- the exports page -----------------------------------------------------------------------------


def test_exports_page_offers_the_three_exports(hr_client, town):
    """HR sees the three exports with their parameters and the format choice."""
    response = hr_client.get(reverse("paths:exports"))
    assert response.status_code == 200
    html = response.content.decode()
    for text in ("Avancement des parcours par agent", "Heures de formation par agent", "rapport social unique"):
        assert text in html
    assert html.count('name="kind"') == 3
    assert "<legend>Format du fichier</legend>" in html
    assert 'name="hours-start"' in html
    assert 'name="social-year"' in html


def test_exports_page_is_for_hr_only(agent_client):
    """A plain agent gets 403."""
    assert agent_client.get(reverse("paths:exports")).status_code == 403


def test_exports_page_needs_a_login(client):
    """Anonymous visitors are sent to the login page."""
    response = client.get(reverse("paths:exports"))
    assert response.status_code == 302


def test_exports_page_lists_my_recent_exports_only(hr_client, hr, town):
    """The list shows the user's own exports, not a colleague's nor another organisation's."""
    mine = ExportFile.objects.create(
        organisation=town, requested_by=hr.user, kind="hours", format="xlsx", parameters={"label": "Mon export"}
    )
    colleague = HRAgentFactory(organisation=town)
    ExportFile.objects.create(
        organisation=town, requested_by=colleague.user, kind="hours", format="ods", parameters={"label": "Collègue"}
    )
    response = hr_client.get(reverse("paths:exports"))
    html = response.content.decode()
    assert list(response.context["recent"]) == [mine]
    assert "Mon export" in html
    assert "Collègue" not in html
    assert "En préparation" in html


def test_other_organisations_hr_sees_none_of_our_exports(other_hr_client, hr, town):
    """HR of another organisation gets an empty list of exports."""
    ExportFile.objects.create(organisation=town, requested_by=hr.user, kind="status", format="xlsx")
    response = other_hr_client.get(reverse("paths:exports"))
    assert list(response.context["recent"]) == []


# --- CSV downloads --------------------------------------------------------------------------------


def test_status_csv_download(hr_client, assigned):
    """The CSV streams with its type, file name, BOM and the agent's row."""
    response = hr_client.get(reverse("paths:export_status_csv"))
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="avancement-parcours-')
    assert "no-store" in response["Cache-Control"]
    rows = rows_of(response)
    assert rows[0][:3] == ["Nom", "Prénom", "Matricule"]
    assert rows[1][:3] == ["Durand", "Léa", "D1"]
    assert rows[1][9] == "Non commencé"


def test_hours_csv_download_uses_a_decimal_comma(hr_client, assigned):
    """Hours come as "1,5" in the hours CSV."""
    response = hr_client.get(reverse("paths:export_hours_csv"), hours_query())
    assert response.status_code == 200
    text = body(response)
    assert text.startswith("\ufeffNom;")
    rows = rows_of(text)
    assert rows[1][0] == "Durand"
    assert rows[1][7] == "1,5"


def test_social_csv_download(hr_client, assigned):
    """The RSU CSV ends with the total row."""
    response = hr_client.get(reverse("paths:export_social_csv"), {"year": timezone.localdate().year})
    assert response.status_code == 200
    rows = rows_of(response)
    assert rows[0] == [
        "Ventilation",
        "Groupe",
        "Effectif",
        "Agents formés",
        "Part d'agents formés (%)",
        "Heures de formation attestées",
    ]
    assert rows[-1] == ["Total", "Tous les agents", "2", "1", "50", "1,5"]


@pytest.mark.parametrize(("name", "query"), CSV_ENDPOINTS)
def test_csv_endpoints_refuse_a_plain_agent(agent_client, name, query):
    """Every CSV endpoint answers 403 to an agent."""
    assert agent_client.get(reverse(name), _query(query)).status_code == 403


@pytest.mark.parametrize(("name", "query"), CSV_ENDPOINTS)
def test_csv_endpoints_never_show_another_organisation(other_hr_client, assigned, name, query):
    """HR of another organisation gets their own (here empty) figures, never ours."""
    response = other_hr_client.get(reverse(name), _query(query))
    assert response.status_code == 200
    assert "Durand" not in body(response)


def test_csv_refuses_another_organisations_service(other_hr_client, town):
    """A service of another organisation in the URL is refused (400), not exported."""
    service = ServiceFactory(organisation=town)
    response = other_hr_client.get(reverse("paths:export_status_csv"), {"service": service.pk})
    assert response.status_code == 400


def test_csv_service_filter_in_the_url(hr_client, town, assigned):
    """The service filter of the URL takes the subtree."""
    direction = ServiceFactory(organisation=town, name="Direction")
    unit = ServiceFactory(parent=direction, name="Unité")
    inside = AgentFactory(organisation=town, service=unit, user=UserFactory(last_name="Dedans"))
    today = timezone.localdate()
    assign(inside, training_path(town, "Autre"), assigned_on=today, due_date=today + timedelta(days=5))
    rows = rows_of(hr_client.get(reverse("paths:export_status_csv"), {"service": direction.pk}))
    assert [row[0] for row in rows[1:]] == ["Dedans"]
    assert rows[1][3] == "Direction / Unité"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"start": "2026-03-01", "end": "2026-02-01"}, "La date de fin ne peut pas précéder la date de début."),
        ({"start": "2020-01-01", "end": "2026-01-02"}, "La période ne peut pas dépasser 5 ans"),
        ({"start": "", "end": "2026-01-02"}, "Indiquez le premier jour de la période."),
        ({"start": "31/02/2026", "end": "2026-01-02"}, "Indiquez une date valide"),
    ],
)
def test_hours_csv_period_errors(hr_client, query, message):
    """A wrong period shows the exports page again with a French message (400)."""
    response = hr_client.get(reverse("paths:export_hours_csv"), query)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert 'class="error-summary"' in html


@pytest.mark.parametrize("year", [1999, timezone.localdate().year + 2])
def test_social_csv_year_errors(hr_client, year):
    """A year outside 2000 – next year is refused with the accepted range."""
    response = hr_client.get(reverse("paths:export_social_csv"), {"year": year})
    assert response.status_code == 400
    assert f"Indiquez une année entre 2000 et {timezone.localdate().year + 1}." in response.content.decode()


def test_streamed_csv_memory_stays_flat(hr_client, town):
    """20 000 rows stream with a small Python memory peak (< 6 MB): rows are never all held at once."""
    users = User.objects.bulk_create(
        User(email=f"flux{number}@example.org", last_name=f"Agent{number:04d}", first_name="Flux", password="!")
        for number in range(200)
    )
    agents = Agent.objects.bulk_create(
        Agent(user=user, organisation=town, matricule=f"F{number:04d}", category="C")
        for number, user in enumerate(users)
    )
    path = TrainingPath.objects.create(organisation=town, title="Parcours volumineux")
    now = timezone.now()
    assignments = Assignment.objects.bulk_create(
        Assignment(organisation=town, path=path, assigned_at=now, state=Assignment.State.READY)
        for _number in range(100)
    )
    today = timezone.localdate()
    AgentAssignment.objects.bulk_create(
        (
            AgentAssignment(
                assignment=assignment, agent=agent, path=path, assigned_on=today, due_date=today + timedelta(days=30)
            )
            for assignment in assignments
            for agent in agents
        ),
        batch_size=2000,
    )
    # A first request on an empty path loads the code and templates, so that only the export is measured.
    empty = TrainingPath.objects.create(organisation=town, title="Parcours vide")
    assert b"".join(hr_client.get(reverse("paths:export_status_csv"), {"path": empty.pk}).streaming_content)
    tracemalloc.start()
    try:
        response = hr_client.get(reverse("paths:export_status_csv"))
        lines = 0
        size = 0
        for chunk in response.streaming_content:
            lines += chunk.count(b"\r\n")
            size += len(chunk)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert lines == STREAMED_ROWS + 1
    assert size > 1_000_000
    assert peak < STREAM_PEAK_LIMIT, f"peak {peak / 1e6:.1f} MB"


# --- background spreadsheets ----------------------------------------------------------------------


def test_request_csv_redirects_to_the_download(hr_client):
    """Choosing CSV sends the browser to the CSV URL with the parameters."""
    response = hr_client.post(
        reverse("paths:export_request"),
        {"kind": "hours", "hours-start": "2026-01-01", "hours-end": "2026-06-30", "hours-format": "csv"},
    )
    assert response.status_code == 303
    assert response["Location"] == reverse("paths:export_hours_csv") + "?start=2026-01-01&end=2026-06-30"


def test_request_xlsx_builds_in_the_background(hr_client, hr, assigned, django_capture_on_commit_callbacks):
    """Choosing XLSX records an export, runs the task and leads to its follow-up page."""
    with django_capture_on_commit_callbacks(execute=True):
        response = hr_client.post(
            reverse("paths:export_request"),
            {"kind": "status", "status-format": "xlsx", "status-path": "", "status-service": ""},
        )
    export = ExportFile.objects.get()
    assert response.status_code == 303
    assert response["Location"] == reverse("paths:export_download", args=[export.uuid]) + "?suivi=1"
    assert (export.kind, export.format, export.status, export.requested_by) == ("status", "xlsx", "ready", hr.user)
    assert export.parameters["label"] == "Tous les parcours"
    page = hr_client.get(response["Location"])
    html = page.content.decode()
    assert "Votre fichier est prêt : 1 ligne." in html
    assert 'http-equiv="refresh"' not in html


def test_request_export_invalid_shows_errors(hr_client):
    """A wrong year through the form shows the page with the error next to the field (400)."""
    response = hr_client.post(
        reverse("paths:export_request"), {"kind": "social", "social-year": "1990", "social-format": "ods"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Indiquez une année entre 2000" in html
    assert 'href="#id_social-year"' in html
    assert not ExportFile.objects.exists()


def test_request_export_refuses_an_unknown_format(hr_client):
    """An unknown format is a form error, not a crash."""
    response = hr_client.post(reverse("paths:export_request"), {"kind": "status", "status-format": "pdf"})
    assert response.status_code == 400


def test_request_export_is_post_only_and_hr_only(hr_client, agent_client):
    """GET is not allowed; an agent's POST is refused."""
    assert hr_client.get(reverse("paths:export_request")).status_code == 405
    response = agent_client.post(reverse("paths:export_request"), {"kind": "status", "status-format": "xlsx"})
    assert response.status_code == 403
    assert not ExportFile.objects.exists()


def test_request_export_keeps_another_organisations_hr_in_their_own(other_hr_client, town):
    """HR of another organisation cannot name our service, nor our organisation in the form."""
    service = ServiceFactory(organisation=town)
    response = other_hr_client.post(
        reverse("paths:export_request"),
        {"kind": "status", "status-format": "xlsx", "status-service": service.pk, "organisation": town.pk},
    )
    assert response.status_code == 400
    assert not ExportFile.objects.exists()
    response = other_hr_client.post(
        reverse("paths:export_request"), {"kind": "status", "status-format": "xlsx", "organisation": town.pk}
    )
    assert response.status_code == 303
    assert ExportFile.objects.get().organisation.slug == "ailleurs"


def test_request_export_unknown_kind(hr_client):
    """An unknown kind of export is a 404."""
    assert hr_client.post(reverse("paths:export_request"), {"kind": "salaires"}).status_code == 404


# --- following and downloading a file -------------------------------------------------------------


@pytest.fixture
def ready_export(hr, town, assigned):
    from paths.tasks import build_export

    export = ExportFile.objects.create(
        organisation=town, requested_by=hr.user, kind="status", format="ods", parameters={"language": "fr"}
    )
    build_export.delay(export.pk)
    export.refresh_from_db()
    return export


def test_download_ready_export(hr_client, ready_export):
    """HR of the organisation downloads the ready file as an attachment."""
    response = hr_client.get(reverse("paths:export_download", args=[ready_export.uuid]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="avancement-parcours-')
    assert b"".join(response.streaming_content)[:2] == b"PK"


def test_a_colleague_of_the_same_organisation_may_download(client, town, ready_export):
    """Any HR officer of the organisation may download it."""
    client.force_login(HRAgentFactory(organisation=town).user)
    assert client.get(reverse("paths:export_download", args=[ready_export.uuid])).status_code == 200


def test_download_is_404_for_another_organisations_hr(other_hr_client, ready_export):
    """HR of another organisation gets 404 for our file, with ?suivi=1 too."""
    url = reverse("paths:export_download", args=[ready_export.uuid])
    assert other_hr_client.get(url).status_code == 404
    assert other_hr_client.get(url + "?suivi=1").status_code == 404


def test_download_is_403_for_an_agent(agent_client, ready_export):
    """A plain agent gets 403."""
    assert agent_client.get(reverse("paths:export_download", args=[ready_export.uuid])).status_code == 403


def test_pending_export_page_refreshes_itself(hr_client, hr, town):
    """A pending export shows a status message and refreshes itself."""
    export = ExportFile.objects.create(organisation=town, requested_by=hr.user, kind="social", format="xlsx")
    response = hr_client.get(reverse("paths:export_download", args=[export.uuid]))
    assert response.status_code == 200
    html = response.content.decode()
    url = reverse("paths:export_download", args=[export.uuid])
    assert f'<meta http-equiv="refresh" content="5;url={url}?suivi=1">' in html
    assert '<p role="status">Votre fichier est en préparation.' in html


def test_failed_export_page_says_why(hr_client, hr, town):
    """A failed export shows its message as an error and offers a new request."""
    export = ExportFile.objects.create(
        organisation=town,
        requested_by=hr.user,
        kind="social",
        format="xlsx",
        status=ExportFile.Status.FAILED,
        error="Indiquez une année entre 2000 et 2027.",
    )
    html = hr_client.get(reverse("paths:export_download", args=[export.uuid])).content.decode()
    assert 'role="alert"' in html
    assert "Indiquez une année entre 2000 et 2027." in html
    assert 'http-equiv="refresh"' not in html
