"""Trainers and reviewers author quizzes in the admin: give their groups the quiz permissions."""

from django.db import migrations

GROUPS = ["Formateurs", "Relecteurs pédagogiques"]
CODENAMES = ["add_quiz", "change_quiz", "delete_quiz", "view_quiz"]


def grant(apps, schema_editor):
    Group = apps.get_model("auth.Group")
    Permission = apps.get_model("auth.Permission")
    ContentType = apps.get_model("contenttypes.ContentType")
    content_type, _created = ContentType.objects.get_or_create(app_label="quizzes", model="quiz")
    permissions = [
        Permission.objects.get_or_create(
            content_type=content_type, codename=codename, defaults={"name": codename.replace("_", " ")}
        )[0]
        for codename in CODENAMES
    ]
    for name in GROUPS:
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.add(*permissions)


class Migration(migrations.Migration):
    dependencies = [("quizzes", "0001_initial"), ("people", "0002_role_groups")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
