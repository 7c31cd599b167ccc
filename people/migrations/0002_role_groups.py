"""The groups that carry the HR, trainer and reviewer roles (see people/roles.py)."""

from django.db import migrations

HR_GROUP = "RH"
TRAINER_GROUP = "Formateurs"
REVIEWER_GROUP = "Relecteurs pédagogiques"


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth.Group")
    Permission = apps.get_model("auth.Permission")
    ContentType = apps.get_model("contenttypes.ContentType")
    admin_type, _created = ContentType.objects.get_or_create(app_label="wagtailadmin", model="admin")
    access_admin, _created = Permission.objects.get_or_create(
        content_type=admin_type, codename="access_admin", defaults={"name": "Can access Wagtail admin"}
    )
    for name in (HR_GROUP, TRAINER_GROUP, REVIEWER_GROUP):
        Group.objects.get_or_create(name=name)
    for name in (TRAINER_GROUP, REVIEWER_GROUP):
        Group.objects.get(name=name).permissions.add(access_admin)


def remove_groups(apps, schema_editor):
    apps.get_model("auth.Group").objects.filter(name__in=[HR_GROUP, TRAINER_GROUP, REVIEWER_GROUP]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0001_initial"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
    ]
    operations = [migrations.RunPython(create_groups, remove_groups)]
