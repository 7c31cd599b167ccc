"""Re-create the rows that migrations create, after a transactional test flushed them.

Transactional tests (live server, real worker) end with a flush that empties every table, including
what data migrations made: Wagtail's root page and collection, the home page and site, the role groups,
the CRCN framework, the catalogue and its review workflow. Rather than relying on serialized rollback,
these tests call `ensure_migration_rows()` first; it runs the same migration functions, idempotently.
"""

from importlib import import_module

from django.apps import apps


def _migration(app_label: str, name: str):
    return import_module(f"{app_label}.migrations.{name}")


def ensure_migration_rows() -> None:
    from wagtail.models import Collection, Locale, Page

    from home.models import HomePage

    Locale.objects.get_or_create(language_code="fr")
    if not Page.objects.filter(depth=1).exists():
        Page.add_root(title="Root", slug="root", locale=Locale.objects.get(language_code="fr"))
    if not Collection.objects.filter(depth=1).exists():
        Collection.add_root(name="Root")
    if not HomePage.objects.exists():
        root = Page.objects.get(depth=1)
        root.refresh_from_db()
        Page.objects.filter(depth=2).delete()
        root.refresh_from_db()
        home = root.add_child(
            instance=HomePage(title="Cap Numérique", slug="home", locale=Locale.objects.get(language_code="fr"))
        )
        from wagtail.models import Site

        Site.objects.all().delete()
        Site.objects.create(hostname="localhost", root_page=home, is_default_site=True, site_name="Cap Numérique")
    _migration("people", "0002_role_groups").create_groups(apps, None)
    _migration("certificates", "0002_hr_admin_access").grant_admin_access(apps, None)
    _migration("skills", "0002_load_crcn").load(apps, None)
    _migration("courses", "0002_catalogue_audiences_workflow").forwards(apps, None)
    _migration("quizzes", "0002_trainer_quiz_permissions").grant(apps, None)
