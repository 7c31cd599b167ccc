"""Celery tasks of progress: thin wrappers over services, idempotent, retried with backoff."""

from __future__ import annotations

import logging

from celery import shared_task

from . import lrs, services

logger = logging.getLogger(__name__)

MAX_BATCHES_PER_RUN = 50


@shared_task(acks_late=True, autoretry_for=(Exception,), max_retries=5, retry_backoff=True, retry_backoff_max=300)
def record_attempt_started(attempt_id: int) -> None:
    services.record_attempt_started(attempt_id=attempt_id)


@shared_task(acks_late=True, autoretry_for=(Exception,), max_retries=5, retry_backoff=True, retry_backoff_max=300)
def record_attempt_graded(attempt_id: int) -> int:
    """Answers and result to the learning record; lessons and courses the pass completes."""
    return len(services.record_attempt_graded(attempt_id=attempt_id))


@shared_task(bind=True, acks_late=True, max_retries=8, retry_backoff=True, retry_backoff_max=600)
def send_statements(self) -> int:
    """Send queued statements to the LRS, batch after batch; after an outage, retry with backoff and
    resume with the first statement not yet accepted. Does nothing without LRS_ENDPOINT."""
    config = lrs.config_from_settings()
    if config is None:
        return 0
    sent = 0
    rejected: set = set()
    try:
        for _batch in range(MAX_BATCHES_PER_RUN):
            report = lrs.send_batch(config, skip=rejected)
            sent += report.sent
            rejected |= report.rejected_ids
            if report.sent + report.rejected < config.batch_size:
                return sent
    except lrs.LrsUnavailableError as exc:
        logger.warning("LRS unavailable after %s statements: %s", sent, exc)
        raise self.retry(exc=exc) from exc
    send_statements.delay()  # more remain: continue in a new task, leaving the worker to others meanwhile
    return sent
