"""Celery tasks of the skills room: thin, idempotent wrappers over services."""

from celery import shared_task

from . import services


@shared_task(acks_late=True, autoretry_for=(Exception,), max_retries=5, retry_backoff=True, retry_backoff_max=600)
def refresh_expired_levels() -> int:
    """Nightly: levels decided by evidence older than three years are derived again (or dropped)."""
    return services.refresh_expired_levels()
