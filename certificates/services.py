"""Issue, render, revoke and reissue certificates. Each operation is one transaction; rendering runs in
a Celery task enqueued on commit, so a task never sees a row that was rolled back."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from paths.models import PathCompletion
from people.models import Agent
from progress.models import CourseCompletion

from .models import Certificate, CertificateDesign

logger = logging.getLogger(__name__)

MAX_RENDER_ATTEMPTS = 5
STUCK_AFTER = timedelta(minutes=10)
RESEND_AFTER = timedelta(minutes=30)  # a "ready" e-mail claimed this long ago and not sent is sent again
GIVE_UP_AFTER = timedelta(days=7)  # nor is it tried for ever (a broken address)


class CertificateError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def verification_url(code: str) -> str:
    return settings.SITE_URL + reverse("certificates:verify", args=[code])


def _design_values(organisation_id: int) -> dict:
    design = CertificateDesign.objects.filter(organisation_id=organisation_id).first() or CertificateDesign()
    return {
        "heading": design.heading,
        "statement": design.statement,
        "signatory_name": design.signatory_name,
        "signatory_title": design.signatory_title,
        "accent_colour": design.accent_colour,
        "footer": design.footer,
        "logo": design.logo.name if design.logo else "",
    }


def course_snapshot(completion: CourseCompletion, agent: Agent) -> dict:
    """What a course certificate attests, frozen at issuance."""
    return {
        "kind": Certificate.Kind.COURSE,
        "agent_name": agent.full_name,
        "organisation": agent.organisation.name,
        "title": completion.course_title,
        "duration_minutes": completion.duration_minutes,
        "completed_at": timezone.localtime(completion.completed_at).date().isoformat(),
        "competences": completion.competences,
        "score": str(completion.score) if completion.score is not None else None,
        "course_id": completion.course_id,
        **_design_values(agent.organisation_id),
    }


def path_snapshot(completion: PathCompletion, agent: Agent) -> dict:
    """What a path certificate attests, frozen at issuance."""
    return {
        "kind": Certificate.Kind.PATH,
        "agent_name": agent.full_name,
        "organisation": agent.organisation.name,
        "title": completion.path_title,
        "duration_minutes": completion.duration_minutes,
        "completed_at": timezone.localtime(completion.completed_at).date().isoformat(),
        "competences": completion.competences,
        "courses": [course["title"] for course in completion.courses],
        "score": None,
        "path_id": completion.path_id,
        **_design_values(agent.organisation_id),
    }


def _enqueue_render(certificate_id: int) -> None:
    from .tasks import render_certificate

    transaction.on_commit(lambda: render_certificate.delay(certificate_id))


def _issue(*, attests: dict, kind: str, agent: Agent, snapshot, now: datetime) -> Certificate:
    """One live certificate for what `attests` names (a course or a path completion): the existing one,
    or a new one whose render is enqueued on commit; a concurrent insert loses to the database
    constraint and returns the winner."""
    live = Certificate.objects.filter(replaced_at__isnull=True, **attests)
    existing = live.first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            certificate = Certificate.objects.create(
                agent=agent,
                organisation=agent.organisation,
                kind=kind,
                snapshot=snapshot(),
                issued_at=now,
                language=settings.LANGUAGE_CODE,
                **attests,
            )
            _enqueue_render(certificate.pk)
    except IntegrityError:
        return live.get()
    return certificate


def issue_course_certificate(*, completion_id: int, now: datetime | None = None) -> Certificate | None:
    """The certificate of a course completion, created once; None when the course gives none.

    Safe under retries and duplicate signals: the database keeps one live certificate per completion.
    """
    completion = CourseCompletion.objects.select_related("course", "agent__organisation").get(pk=completion_id)
    if completion.course is not None and not completion.course.certificate_on_completion:
        return None
    return _issue(
        attests={"course_completion": completion},
        kind=Certificate.Kind.COURSE,
        agent=completion.agent,
        snapshot=lambda: course_snapshot(completion, completion.agent),
        now=now or timezone.now(),
    )


def issue_path_certificate(*, path_completion_id: int, now: datetime | None = None) -> Certificate:
    """The certificate of a path completion, created once (same guarantees as for a course)."""
    completion = PathCompletion.objects.select_related("agent__organisation").get(pk=path_completion_id)
    return _issue(
        attests={"path_completion": completion},
        kind=Certificate.Kind.PATH,
        agent=completion.agent,
        snapshot=lambda: path_snapshot(completion, completion.agent),
        now=now or timezone.now(),
    )


def certificate_data(certificate: Certificate, logo: bytes | None):
    """The renderer's input (certificates.pdf.CertificateData) from the certificate's snapshot."""
    from . import pdf  # ReportLab is loaded by the processes that render, not by every web request

    snap = certificate.snapshot
    return pdf.CertificateData(
        code=certificate.display_code,
        verification_url=verification_url(certificate.code),
        agent_name=snap.get("agent_name", ""),
        organisation=snap.get("organisation", ""),
        title=snap.get("title", ""),
        kind=snap.get("kind", Certificate.Kind.COURSE),
        completed_at=datetime.fromisoformat(snap["completed_at"]).date(),
        duration_minutes=int(snap.get("duration_minutes") or 0),
        competences=tuple(
            pdf.CertificateCompetence(item["code"], item["name"], int(item.get("level") or 0))
            for item in snap.get("competences", [])
        ),
        heading=snap.get("heading", ""),
        statement=snap.get("statement", ""),
        signatory_name=snap.get("signatory_name", ""),
        signatory_title=snap.get("signatory_title", ""),
        accent_colour=snap.get("accent_colour", "#000091"),
        footer=snap.get("footer", ""),
        logo=logo,
    )


def _logo_bytes(name: str) -> bytes | None:
    """The logo the design had at issuance; a missing or unreadable file renders without logo."""
    if not name:
        return None
    from django.core.files.storage import default_storage

    try:
        with default_storage.open(name, "rb") as handle:
            return handle.read()
    except OSError as exc:
        logger.warning("Certificate logo %s unreadable: %s", name, exc)
        return None


def render_certificate_file(*, certificate_id: int, now: datetime | None = None) -> Certificate:
    """Render and store the PDF once. A failure is recorded on the row (status failed, error) and
    raised for the task to retry; rendering again after a crash overwrites the same file name."""
    now = now or timezone.now()
    certificate = Certificate.objects.get(pk=certificate_id)
    if certificate.status == Certificate.Status.READY and certificate.pdf:
        if certificate.notified_at is None:  # a crash after the PDF was stored: tell the agent now
            with transaction.atomic():
                _notify_ready(certificate)
        return certificate
    if certificate.status == Certificate.Status.REVOKED:
        return certificate
    from . import pdf

    try:
        _filename, _content_type, content = pdf.render_certificate(
            certificate_data(certificate, _logo_bytes(certificate.snapshot.get("logo", "")))
        )
    except Exception as exc:
        Certificate.objects.filter(pk=certificate.pk).exclude(status=Certificate.Status.READY).update(
            status=Certificate.Status.FAILED,
            error=f"{type(exc).__name__}: {exc}"[:2000],
            render_attempts=certificate.render_attempts + 1,
        )
        logger.exception("Certificate %s failed to render", certificate.pk)
        raise
    storage_name = f"certificates/{certificate.uuid}.pdf"
    storage = certificate.pdf.storage
    if storage.exists(storage_name):
        storage.delete(storage_name)
    saved_name = storage.save(storage_name, ContentFile(content))
    with transaction.atomic():
        updated = (
            Certificate.objects.filter(pk=certificate.pk)
            .exclude(status=Certificate.Status.REVOKED)
            .update(
                pdf=saved_name,
                status=Certificate.Status.READY,
                ready_at=now,
                error="",
                render_attempts=certificate.render_attempts + 1,
            )
        )
        certificate.refresh_from_db()
        if updated:  # in the same transaction: ready and told, or neither
            _notify_ready(certificate)
    return certificate


def _notify_ready(certificate: Certificate) -> None:
    """Tell the agent that their certificate can be downloaded: the in-app notice exists once (keyed);
    the e-mail task claims `notified_at` before sending and sets `emailed_at` after, and is retried until
    sent (the beat re-queues a ready certificate still untold, or claimed and never e-mailed)."""
    from people.notifications import notify

    url = reverse("certificates:mine")
    title = _("Votre attestation « %(title)s » est prête") % {"title": certificate.title}
    notify(
        agent_id=certificate.agent_id,
        kind="certificate_ready",
        title=title,
        body=_("Vous pouvez la télécharger depuis Mon espace."),
        url=url,
        key=f"certificate-ready:{certificate.pk}",
    )
    from .tasks import send_ready_email

    transaction.on_commit(lambda: send_ready_email.delay(certificate.pk))


def untold_certificates(now: datetime | None = None):
    """Ready for a while, and the agent's e-mail still not sent: never claimed (a lost task), or claimed
    over RESEND_AFTER ago and not sent (a worker killed between claim and send). Given up a week after
    the certificate was ready."""
    now = now or timezone.now()
    return Certificate.objects.filter(
        Q(notified_at__isnull=True, ready_at__lt=now - STUCK_AFTER)
        | Q(emailed_at__isnull=True, notified_at__lt=now - RESEND_AFTER),
        status=Certificate.Status.READY,
        ready_at__gte=now - GIVE_UP_AFTER,
    )


def stuck_certificates(now: datetime | None = None):
    now = now or timezone.now()
    return Certificate.objects.filter(
        Q(status=Certificate.Status.PENDING, issued_at__lt=now - STUCK_AFTER)
        | Q(status=Certificate.Status.FAILED, render_attempts__lt=MAX_RENDER_ATTEMPTS)
    ).filter(replaced_at__isnull=True)


def revoke_certificate(*, certificate_id: int, by_user_id: int | None, reason: str, now: datetime | None = None):
    reason = (reason or "").strip()
    if not reason:
        raise CertificateError(_("Indiquez le motif de la révocation."))
    now = now or timezone.now()
    with transaction.atomic():
        certificate = Certificate.objects.select_for_update().get(pk=certificate_id)
        if certificate.status == Certificate.Status.REVOKED:
            raise CertificateError(_("Cette attestation est déjà révoquée."))
        certificate.status = Certificate.Status.REVOKED
        certificate.revoked_at = now
        certificate.revoked_reason = reason[:500]
        certificate.revoked_by_id = by_user_id
        certificate.save(update_fields=["status", "revoked_at", "revoked_reason", "revoked_by"])
    return certificate


def reissue_certificate(*, certificate_id: int, by_user_id: int | None, now: datetime | None = None) -> Certificate:
    """Replace a certificate after a correction (name, organisation, design): a new code and PDF; the
    old code then shows as replaced on the verification page."""
    now = now or timezone.now()
    with transaction.atomic():
        old = Certificate.objects.select_for_update().select_related("agent__organisation").get(pk=certificate_id)
        if old.replaced_at is not None:
            raise CertificateError(_("Cette attestation a déjà été remplacée."))
        old.replaced_at = now
        old.save(update_fields=["replaced_at"])
        if old.course_completion_id is not None:
            completion = CourseCompletion.objects.get(pk=old.course_completion_id)
            attests = {"course_completion": completion, "snapshot": course_snapshot(completion, old.agent)}
        else:
            completion = PathCompletion.objects.get(pk=old.path_completion_id)
            attests = {"path_completion": completion, "snapshot": path_snapshot(completion, old.agent)}
        new = Certificate.objects.create(
            agent=old.agent,
            organisation=old.organisation,
            kind=old.kind,
            issued_at=now,
            language=old.language,
            **attests,
        )
        old.replaced_by = new
        if old.status != Certificate.Status.REVOKED:
            old.status = Certificate.Status.REVOKED
            old.revoked_at = now
            old.revoked_by_id = by_user_id
            old.revoked_reason = _("Remplacée par l'attestation %(code)s.") % {"code": new.display_code}
        old.save(update_fields=["replaced_by", "status", "revoked_at", "revoked_by", "revoked_reason"])
        _enqueue_render(new.pk)
    return new


def completions_without_certificate(*, days: int = 30, limit: int = 1000, now: datetime | None = None) -> list[int]:
    """Recent completions that should have a certificate and have none (a lost signal or task)."""
    now = now or timezone.now()
    return list(
        CourseCompletion.objects.filter(
            completed_at__gte=now - timedelta(days=days),
            course__certificate_on_completion=True,
            completed_at__lt=now - STUCK_AFTER,
        )
        .exclude(certificates__isnull=False)
        .values_list("pk", flat=True)[:limit]
    )


def path_completions_without_certificate(
    *, days: int = 30, limit: int = 1000, now: datetime | None = None
) -> list[int]:
    now = now or timezone.now()
    return list(
        PathCompletion.objects.filter(completed_at__gte=now - timedelta(days=days), completed_at__lt=now - STUCK_AFTER)
        .exclude(certificates__isnull=False)
        .values_list("pk", flat=True)[:limit]
    )
