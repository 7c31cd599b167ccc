"""HR edits its organisation's certificate design in the Wagtail admin: the RH group may open it."""

from django.db import migrations


def grant_admin_access(apps, schema_editor):
    Group = apps.get_model("auth.Group")
    Permission = apps.get_model("auth.Permission")
    ContentType = apps.get_model("contenttypes.ContentType")
    admin_type, _created = ContentType.objects.get_or_create(app_label="wagtailadmin", model="admin")
    access_admin, _created = Permission.objects.get_or_create(
        content_type=admin_type, codename="access_admin", defaults={"name": "Can access Wagtail admin"}
    )
    group, _created = Group.objects.get_or_create(name="RH")
    group.permissions.add(access_admin)


class Migration(migrations.Migration):
    dependencies = [
        ("certificates", "0001_initial"),
        ("people", "0002_role_groups"),
    ]
    operations = [migrations.RunPython(grant_admin_access, migrations.RunPython.noop)]
