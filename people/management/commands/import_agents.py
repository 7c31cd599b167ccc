from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from people.models import Organisation
from people.services import import_agents


class Command(BaseCommand):
    help = "Import or update the agents of an organisation from a CSV file (nothing written on any error)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--organisation", required=True, help="slug of the organisation")
        parser.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
        parser.add_argument("--no-invitations", action="store_true", help="do not e-mail new agents")

    def handle(self, *args, file: Path, organisation: str, dry_run: bool, no_invitations: bool, **options):
        try:
            organisation_id = Organisation.objects.values_list("pk", flat=True).get(slug=organisation)
        except Organisation.DoesNotExist as exc:
            raise CommandError(f"Organisation inconnue : {organisation}") from exc
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"Lecture impossible de {file} : {exc.strerror}") from exc
        result = import_agents(
            organisation_id=organisation_id, data=data, dry_run=dry_run, send_invitations=not no_invitations
        )
        for error in result.errors:
            self.stderr.write(str(error))
        if result.errors:
            raise CommandError(f"{len(result.errors)} erreur(s) : rien n'a été enregistré.")
        prefix = "Simulation — " if dry_run else ""
        self.stdout.write(
            f"{prefix}créés : {result.created}, mis à jour : {result.updated}, inchangés : {result.unchanged}, "
            f"services créés : {len(result.services_created)}"
        )
