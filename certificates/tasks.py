"""Celery tasks of certificates: thin wrappers over services, idempotent, retried with backoff."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from . import archives, services
from .models import Certificate

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, autoretry_for=(Exception,), max_retries=8, retry_backoff=True, retry_backoff_max=600)
def issue_course_certificate(completion_id: int) -> int | None:
    certificate = services.issue_course_certificate(completion_id=completion_id)
    return certificate.pk if certificate else None


@shared_task(acks_late=True, autoretry_for=(Exception,), max_retries=8, retry_backoff=True, retry_backoff_max=600)
def issue_path_certificate(path_completion_id: int) -> int:
    return services.issue_path_certificate(path_completion_id=path_completion_id).pk


@shared_task(
    acks_late=True,
    autoretry_for=(Exception,),
    max_retries=services.MAX_RENDER_ATTEMPTS,
    retry_backoff=True,
    retry_backoff_max=600,
)
def render_certificate(certificate_id: int) -> str:
    """Render once; a failure is recorded on the row and retried with backoff."""
    return services.render_certificate_file(certificate_id=certificate_id).status


@shared_task(acks_late=True)
def requeue_stuck_certificates() -> int:
    """Beat: certificates left pending (a lost message, a crashed worker) or failed are rendered again."""
    ids = list(services.stuck_certificates().values_list("pk", flat=True)[:1000])
    for certificate_id in ids:
        render_certificate.delay(certificate_id)
    missing = services.completions_without_certificate()
    for completion_id in missing:
        issue_course_certificate.delay(completion_id)
    for certificate_id in services.untold_certificates().values_list("pk", flat=True)[:1000]:
        send_ready_email.delay(certificate_id)
    missing_paths = services.path_completions_without_certificate()
    for completion_id in missing_paths:
        issue_path_certificate.delay(completion_id)
    return len(ids) + len(missing) + len(missing_paths)


@shared_task(bind=True, acks_late=True, max_retries=5, retry_backoff=True, retry_backoff_max=600)
def send_ready_email(self, certificate_id: int) -> bool:
    """At least once: the certificate is claimed (notified_at) before sending and marked sent (emailed_at)
    after; a failed send releases the claim, and a claim left unsent for RESEND_AFTER may be taken again."""
    now = timezone.now()
    claimable = Q(notified_at__isnull=True) | Q(emailed_at__isnull=True, notified_at__lt=now - services.RESEND_AFTER)
    claimed = Certificate.objects.filter(claimable, pk=certificate_id).update(notified_at=now)
    if not claimed:
        return False
    certificate = Certificate.objects.select_related("agent__user").get(pk=certificate_id)
    user = certificate.agent.user
    with translation.override(certificate.language or settings.LANGUAGE_CODE):
        context = {
            "certificate": certificate,
            "name": certificate.agent_name,
            "link": settings.SITE_URL + reverse("certificates:mine"),
            "verify": services.verification_url(certificate.code),
        }
        message = EmailMultiAlternatives(
            subject=render_to_string("certificates/email/ready_subject.txt", context).strip(),
            body=render_to_string("certificates/email/ready.txt", context),
            to=[user.email],
        )
        message.attach_alternative(render_to_string("certificates/email/ready.html", context), "text/html")
    try:
        message.send()
    except Exception as exc:
        Certificate.objects.filter(pk=certificate_id, notified_at=now).update(notified_at=None)  # our claim
        logger.warning("Certificate e-mail %s failed: %s", certificate_id, exc)
        raise self.retry(exc=exc) from exc
    Certificate.objects.filter(pk=certificate_id).update(emailed_at=timezone.now())
    return True


@shared_task(bind=True, acks_late=True, max_retries=3, retry_backoff=True)
def build_archive(self, archive_id: int) -> str:
    """A ZIP of certificates requested by HR; built once, downloadable when ready."""
    return archives.build_archive(archive_id=archive_id).status
