"""Shared test set-up: services that a test needs are checked here.

A test marked `postgres`, `redis`, `worker` or `browser` is skipped with its reason when the service is
absent on a newcomer's machine, and fails instead when CAPNUM_REQUIRE_SERVICES=1 (CI).
"""

from __future__ import annotations

import functools
import os
import shutil

import pytest
from django.conf import settings

REQUIRE_SERVICES = os.environ.get("CAPNUM_REQUIRE_SERVICES") == "1"
CHROMIUM = os.environ.get("CAPNUM_CHROMIUM", "/usr/bin/chromium")


@functools.cache
def postgres_missing() -> str | None:
    engine = settings.DATABASES["default"]["ENGINE"]
    if not engine.endswith("postgresql"):
        return "needs PostgreSQL: set DATABASE_URL=postgres://… (the default database is SQLite)"
    return None


@functools.cache
def redis_missing() -> str | None:
    url = os.environ.get("REDIS_URL")
    if not url:
        return "needs Redis: set REDIS_URL=redis://127.0.0.1:6379/0"
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        return f"Redis at {url} is not reachable ({exc})"
    return None


@functools.cache
def browser_missing() -> str | None:
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        return f"needs Chromium at {CHROMIUM} (Debian package `chromium`)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "needs the playwright package (requirements-dev.txt)"
    return None


def worker_missing() -> str | None:
    return postgres_missing() or redis_missing()


SERVICE_CHECKS = {
    "postgres": postgres_missing,
    "redis": redis_missing,
    "worker": worker_missing,
    "browser": browser_missing,
}


def pytest_runtest_setup(item):
    for marker, missing in SERVICE_CHECKS.items():
        if item.get_closest_marker(marker) is None:
            continue
        reason = missing()
        if reason is None:
            continue
        if REQUIRE_SERVICES:
            pytest.fail(f"CAPNUM_REQUIRE_SERVICES=1 but this test {reason}", pytrace=False)
        pytest.skip(reason)


def pytest_sessionstart(session):
    if REQUIRE_SERVICES:
        for name in ("postgres", "redis"):
            reason = SERVICE_CHECKS[name]()
            if reason:
                raise pytest.UsageError(f"CAPNUM_REQUIRE_SERVICES=1 but the suite {reason}")


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Every test writes its files in its own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _xapi_statements_are_valid(request):
    """Every xAPI statement any test records validates with ralph (checked before the database is reset)."""
    if request.node.get_closest_marker("django_db") is None or request.node.get_closest_marker(
        "invalid_xapi_on_purpose"
    ):
        yield
        return
    request.getfixturevalue("_django_db_helper")
    yield
    from progress.models import LearningEvent
    from tests.progress.xapi_validation import assert_valid_statement

    for statement in LearningEvent.objects.values_list("statement", flat=True).iterator():
        assert_valid_statement(statement)
