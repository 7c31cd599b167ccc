"""Celery tasks of paths: thin wrappers over services, idempotent, retried with backoff."""

from __future__ import annotations

import logging

from celery import shared_task
from django.utils import timezone

from people.models import Organisation

from . import exports, notifications, services
from .models import Assignment

logger = logging.getLogger(__name__)

RETRY = {
    "acks_late": True,
    "autoretry_for": (Exception,),
    "max_retries": 5,
    "retry_backoff": True,
    "retry_backoff_max": 600,
}


@shared_task(bind=True, acks_late=True, max_retries=5, retry_backoff=True, retry_backoff_max=600)
def apply_assignment(self, assignment_id: int) -> int:
    """Reach the agents of a new assignment (set-based); progress is readable on the assignment row."""
    try:
        return services.apply_assignment(assignment_id=assignment_id)
    except Exception as exc:
        Assignment.objects.filter(pk=assignment_id).update(error=str(exc)[:2000])
        logger.exception("Assignment %s failed", assignment_id)
        if self.request.retries >= self.max_retries:
            Assignment.objects.filter(pk=assignment_id).update(state=Assignment.State.FAILED)
            raise
        raise self.retry(exc=exc) from exc


@shared_task(**RETRY)
def record_course_completion(agent_id: int, course_id: int) -> int:
    return len(services.record_course_completion(agent_id=agent_id, course_id=course_id))


@shared_task(**RETRY)
def mark_started(agent_id: int, course_id: int) -> int:
    return services.mark_started(agent_id=agent_id, course_id=course_id)


@shared_task(**RETRY)
def apply_live_rules(organisation_id: int, agent_ids: list[int] | None = None) -> int:
    return services.apply_live_rules(organisation_id=organisation_id, agent_ids=agent_ids)


@shared_task(acks_late=True)
def run_rules() -> int:
    """Beat, nightly: live rules for every organisation (catches changes no signal announced), and
    renewal of recurring training whose validity ran out."""
    reached = 0
    for organisation_id in Organisation.objects.values_list("pk", flat=True):
        reached += services.apply_live_rules(organisation_id=organisation_id)
    return reached + services.renew_expired()


@shared_task(acks_late=True, autoretry_for=(Exception,), max_retries=3, retry_backoff=True)
def send_notifications() -> int:
    """Beat, hourly: assignment notices, reminders, overdue notices and escalations due today; the
    weekly digest to managers on the first working day of the week. Never twice (database-enforced)."""
    now = timezone.now()
    return notifications.send_due_notifications(now=now) + notifications.send_weekly_digests(now=now)


@shared_task(bind=True, acks_late=True, max_retries=3, retry_backoff=True, retry_backoff_max=600)
def build_export(self, export_id: int) -> str:
    """An XLSX or ODS export asked for by HR: built once (a ready export is not rebuilt); an error is
    logged and retried with backoff, and the export marked failed after the last try."""
    try:
        return exports.build_export(export_id=export_id).status
    except Exception as exc:
        logger.exception("Export %s failed (attempt %s)", export_id, self.request.retries + 1)
        if self.request.retries >= self.max_retries:
            exports.mark_failed(export_id, exports.TECHNICAL_FAILURE)
            raise
        raise self.retry(exc=exc) from exc


@shared_task(**RETRY)
def requeue_stuck_assignments() -> int:
    """Beat, every 5 minutes: assignments left "en cours de création" by a killed worker are applied again."""
    return len(services.requeue_stuck_assignments())


@shared_task(**RETRY)
def resend_undelivered_notifications() -> int:
    """Beat, every 10 minutes: notices and digests claimed but never sent (a worker killed between the
    claim and the e-mail) are sent again."""
    return notifications.resend_undelivered()
