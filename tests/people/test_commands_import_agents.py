"""The import_agents command: same rules as the web import, exit status on errors."""

import pytest
from django.core.management import CommandError, call_command

from people.factories import OrganisationFactory
from people.models import Agent

from .csvdata import csv_bytes, row

pytestmark = pytest.mark.django_db


def test_imports_and_prints_counts(tmp_path, capsys):
    """The command imports a file and prints created / updated / unchanged."""
    OrganisationFactory(slug="ville")
    path = tmp_path / "agents.csv"
    path.write_bytes(csv_bytes(row(), row(email="b@example.org", matricule="A2")))
    call_command("import_agents", str(path), organisation="ville", no_invitations=True)
    assert "créés : 2, mis à jour : 0, inchangés : 0" in capsys.readouterr().out
    assert Agent.objects.count() == 2


def test_dry_run_writes_nothing(tmp_path, capsys):
    """--dry-run counts and writes nothing."""
    OrganisationFactory(slug="ville")
    path = tmp_path / "agents.csv"
    path.write_bytes(csv_bytes(row()))
    call_command("import_agents", str(path), organisation="ville", dry_run=True)
    assert "Simulation" in capsys.readouterr().out
    assert not Agent.objects.exists()


def test_errors_fail_with_their_lines(tmp_path, capsys):
    """Errors are printed with their line and the command fails; nothing is written."""
    OrganisationFactory(slug="ville")
    path = tmp_path / "agents.csv"
    path.write_bytes(csv_bytes(row(), row(email="x@example.org", matricule="A9", category="Z")))
    with pytest.raises(CommandError, match="rien n'a été enregistré"):
        call_command("import_agents", str(path), organisation="ville")
    assert "Ligne 3, colonne « category »" in capsys.readouterr().err
    assert not Agent.objects.exists()


def test_unknown_organisation(tmp_path):
    """An unknown organisation slug is refused."""
    path = tmp_path / "agents.csv"
    path.write_bytes(csv_bytes(row()))
    with pytest.raises(CommandError, match="Organisation inconnue"):
        call_command("import_agents", str(path), organisation="nowhere")


def test_query_count_is_flat_in_the_number_of_rows(tmp_path):
    """Importing 10 or 200 rows costs the same number of queries (set-based writes)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def import_rows(slug, count):
        OrganisationFactory(slug=slug)
        path = tmp_path / f"{slug}.csv"
        lines = [
            row(email=f"a{n}@{slug}.org", matricule=f"M{n}", manager_email=f"a0@{slug}.org" if n else "")
            for n in range(count)
        ]
        path.write_bytes(csv_bytes(*lines))
        with CaptureQueriesContext(connection) as queries:
            call_command("import_agents", str(path), organisation=slug, no_invitations=True)
        return len(queries)

    small, large = import_rows("small", 10), import_rows("large", 200)
    # SQLite splits bulk writes into batches of at most 999 variables, hence a few more queries there;
    # one query per row would add 190.
    assert large <= small + 8
