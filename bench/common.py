"""What every bench script shares: Django on a dedicated, migrated database, a query counter, and the
name of the database in the report."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def set_up_django(sqlite_url: str) -> None:
    """Settings from the environment, a dedicated database, migrated; never the developer's var/db.sqlite3."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.dev")
    os.environ.setdefault("DATABASE_URL", sqlite_url)
    # Production runs with DEBUG off; with it on, Django keeps every query and, on SQLite, runs an extra
    # query per query to quote its parameters, which would be measured too.
    os.environ.setdefault("DEBUG", "0")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import DatabaseError

    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        developer_database = (ROOT / "var" / "db.sqlite3").resolve()
        if Path(database["NAME"]).resolve() == developer_database:
            sys.exit(f"Refusing to run against {developer_database}: point DATABASE_URL at a bench database.")
    # Building pages runs Wagtail's index and reference tasks inline, each logged at INFO.
    for name in ("django_tasks", "wagtail", "modelsearch"):
        logging.getLogger(name).setLevel(logging.WARNING)
    try:
        call_command("migrate", interactive=False, verbosity=0)
    except DatabaseError as exc:
        sys.exit(
            f"Cannot migrate the bench database ({exc}).\n"
            "For PostgreSQL, create it first, e.g. createdb -h 127.0.0.1 -U postgres capnum_bench"
        )


class QueryCounter:
    """Counts the statements sent to the database (an executemany counts once)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def database_label() -> str:
    from django.db import connection

    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version} ({settings_dict['NAME']})"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    return f"PostgreSQL {version} ({settings_dict['NAME']} on {settings_dict.get('HOST') or 'local socket'})"
