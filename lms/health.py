"""/healthz: can this process use its database, cache and broker?"""

import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _cache() -> str:
    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, "1", 10)
    value = cache.get(key)
    cache.delete(key)
    if value != "1":
        raise RuntimeError("cache did not return what was stored")
    return "ok"


def _broker() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "eager"
    from lms.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return "ok"


CHECKS = {"database": _database, "cache": _cache, "broker": _broker}


@never_cache
def healthz(request):
    states = {}
    healthy = True
    for name, check in CHECKS.items():
        try:
            states[name] = check()
        except Exception as exc:  # noqa: BLE001 - any failure means "not usable"
            states[name] = f"error: {exc.__class__.__name__}"
            healthy = False
    states["status"] = "ok" if healthy else "error"
    return JsonResponse(states, status=200 if healthy else 503)
