"""ZIP archives of certificates for HR (a service, a period), built by a Celery task."""

from __future__ import annotations

import csv
import io
import logging
import tempfile
import zipfile

from django.core.files import File
from django.db import transaction
from django.utils import timezone

from .models import Certificate, CertificateArchive
from .selectors import filter_certificates, filters_from_json

logger = logging.getLogger(__name__)

MAX_CERTIFICATES = 20_000


def request_archive(*, organisation_id: int, user_id: int, filters: dict, description: str) -> CertificateArchive:
    from .tasks import build_archive as build_task

    with transaction.atomic():
        archive = CertificateArchive.objects.create(
            organisation_id=organisation_id, requested_by_id=user_id, filters=filters, description=description[:255]
        )
        transaction.on_commit(lambda: build_task.delay(archive.pk))
    return archive


def build_archive(*, archive_id: int) -> CertificateArchive:
    """Write the ZIP once (a retried task finds it ready); the ready certificates only, with an index."""
    archive = CertificateArchive.objects.get(pk=archive_id)
    if archive.status == CertificateArchive.Status.READY:
        return archive
    filters = filters_from_json(archive.filters, archive.organisation_id)
    certificates = filter_certificates(
        Certificate.objects.filter(organisation_id=archive.organisation_id, status=Certificate.Status.READY), filters
    ).exclude(pdf="")[:MAX_CERTIFICATES]
    try:
        with tempfile.TemporaryFile() as spool:
            count = _write_zip(spool, certificates)
            spool.seek(0)
            name = f"attestations-{timezone.localdate():%Y-%m-%d}-{archive.uuid.hex[:8]}.zip"
            archive.file.save(name, File(spool), save=False)
    except Exception as exc:
        CertificateArchive.objects.filter(pk=archive.pk).update(status=CertificateArchive.Status.FAILED, error=str(exc))
        logger.exception("Certificate archive %s failed", archive.pk)
        raise
    archive.status = CertificateArchive.Status.READY
    archive.count = count
    archive.ready_at = timezone.now()
    archive.error = ""
    archive.save(update_fields=["file", "status", "count", "ready_at", "error"])
    return archive


def _write_zip(spool, certificates) -> int:
    index = io.StringIO()
    writer = csv.writer(index, delimiter=";")
    writer.writerow(["code", "agent", "service", "formation", "terminee_le", "delivree_le", "fichier"])
    count = 0
    with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_STORED) as bundle:
        for certificate in certificates.iterator(chunk_size=500):
            filename = f"{certificate.display_code}.pdf"
            try:
                with certificate.pdf.open("rb") as handle:
                    bundle.writestr(filename, handle.read())
            except OSError as exc:
                logger.warning("Certificate %s file missing from the archive: %s", certificate.pk, exc)
                continue
            writer.writerow(
                [
                    certificate.display_code,
                    certificate.agent_name,
                    str(certificate.agent.service or ""),
                    certificate.title,
                    certificate.snapshot.get("completed_at", ""),
                    timezone.localtime(certificate.issued_at).date().isoformat(),
                    filename,
                ]
            )
            count += 1
        bundle.writestr("index.csv", "\ufeff" + index.getvalue())
    return count
