"""/healthz reports the database, the cache and the broker."""

import pytest

pytestmark = pytest.mark.django_db


def test_healthy_in_eager_mode(client, settings):
    """With no broker configured, the broker is reported as eager and the status is 200."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "cache": "ok", "broker": "eager", "status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_unreachable_broker_gives_503(client, settings):
    """A broker that cannot be reached makes the check fail with 503."""
    from lms.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = False
    previous = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        response = client.get("/healthz")
    finally:
        app.conf.broker_url = previous
    assert response.status_code == 503
    assert response.json()["broker"].startswith("error")
    assert response.json()["database"] == "ok"


def test_unusable_cache_gives_503(client, settings):
    """A cache that cannot be reached makes the check fail with 503."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["cache"].startswith("error")


@pytest.mark.redis
def test_real_redis_broker_and_cache(client, settings):
    """With a real Redis as broker and cache, every check is ok."""
    import os

    from django.core.cache import caches

    from lms.celery import app

    url = os.environ["REDIS_URL"]
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}}
    previous = app.conf.broker_url
    app.conf.broker_url = url
    try:
        response = client.get("/healthz")
    finally:
        app.conf.broker_url = previous
        caches["default"].close()
    assert response.json() == {"database": "ok", "cache": "ok", "broker": "ok", "status": "ok"}
