from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from home import demo, demo_catalogue, demo_paths, demo_progress, demo_skills


class Command(BaseCommand):
    help = "Load the demo organisations, people and content (idempotent). Refused in production."

    def add_arguments(self, parser):
        parser.add_argument("--size", choices=["tiny", "normal"], default="normal")
        parser.add_argument("--quiet-logins", action="store_true", help="do not print the demo logins")

    def handle(self, *args, size: str, quiet_logins: bool, **options):
        if settings.CAPNUM_SETTINGS_NAME == "production":
            raise CommandError("La démo ne se charge jamais avec les réglages de production.")
        demo.load_people(size=size)
        courses = demo_catalogue.load_catalogue(size=size)
        self.stdout.write(self.style.SUCCESS(f"Démo chargée : {len(courses)} cours au catalogue."))
        demo_progress.load_progress(size=size, stdout=self.stdout)
        demo_paths.load_paths(size=size, stdout=self.stdout)
        demo_skills.load_skills(size=size, stdout=self.stdout)
        if not quiet_logins:
            self.stdout.write(f"Comptes de démonstration (mot de passe : {demo.DEFAULT_PASSWORD}) :")
            for login in demo.demo_logins():
                self.stdout.write(f"  {login.role:<34} {login.email}")
