"""Load the CRCN framework. Keyed on the official codes: re-running never duplicates a row, and names
edited in the admin are kept."""

from django.db import migrations

from skills.crcn import COMPETENCES, DOMAINS


def load(apps, schema_editor):
    Domain = apps.get_model("skills", "Domain")
    Competence = apps.get_model("skills", "Competence")
    domains = {}
    for code, name in DOMAINS:
        domains[code], _created = Domain.objects.get_or_create(code=code, defaults={"name": name})
    for code, name, digcomp, description in COMPETENCES:
        Competence.objects.get_or_create(
            code=code,
            defaults={
                "domain": domains[code.split(".")[0]],
                "name": name,
                "digcomp_code": digcomp,
                "description": description,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("skills", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
