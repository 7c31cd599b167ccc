"""Importing Pix Orga campaign results: keep the checked file for the preview, record it on confirmation.

Nothing is written from a file with an error. Confirming reads the kept file again (the organisation's
agents may have changed since the preview), then records every participant's levels as evidence and marks
the import applied, in one transaction; confirming twice records nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import pix
from .models import Evidence, PixImport
from .services import EvidenceBatchItem, EvidenceItem, record_evidence_batch


@dataclass(frozen=True)
class PixApplyResult:
    """What confirming did: `recorded` new pieces of evidence, or why nothing was written."""

    ok: bool
    recorded: int = 0
    participants: int = 0
    already_done: bool = False
    message: str = ""


def preview_pix_import(*, organisation_id: int, uploaded_by_id: int | None, filename: str, data: bytes) -> PixImport:
    """Check an uploaded export without recording anything, and keep it for the confirmation step.

    A file with errors is kept as a rejected import (its errors, not its content).
    """
    result = pix.read_pix_file(data, organisation_id=organisation_id, uploaded_at=timezone.now())
    content = data.decode(result.encoding).lstrip("\ufeff") if result.ok else ""
    return PixImport.objects.create(
        organisation_id=organisation_id,
        uploaded_by_id=uploaded_by_id,
        filename=filename[:255],
        content=content,
        state=PixImport.State.PREVIEWED if result.ok else PixImport.State.REJECTED,
        summary=result.summary(),
    )


def earlier_imports(*, record: PixImport) -> list[PixImport]:
    """Imports of the same campaign already applied in this organisation, to warn before recording it again."""
    code = (record.summary or {}).get("campaign", {}).get("code", "")
    if not code:
        return []
    return list(
        PixImport.objects.filter(
            organisation_id=record.organisation_id, state=PixImport.State.APPLIED, summary__campaign__code=code
        )
        .exclude(pk=record.pk)
        .order_by("-applied_at")
    )


def apply_pix_import(*, import_id: int, organisation_id: int) -> PixApplyResult:
    """Record the levels of a previewed import, all or nothing; a second call records nothing more."""
    with transaction.atomic():
        record = PixImport.objects.select_for_update().get(pk=import_id, organisation_id=organisation_id)
        if record.state != PixImport.State.PREVIEWED:
            return PixApplyResult(
                ok=record.state == PixImport.State.APPLIED,
                already_done=True,
                recorded=record.summary.get("recorded", 0),
                participants=record.summary.get("participants", 0),
                message=_("Cet import a déjà été traité."),
            )
        result = pix.read_pix_text(
            record.content, organisation_id=organisation_id, uploaded_at=record.created_at, encoding="utf-8"
        )
        summary = result.summary()
        record.content = ""  # personal data is not kept once the import is done
        if not result.ok:
            record.state = PixImport.State.REJECTED
            record.summary = summary
            record.save(update_fields=["state", "summary", "content"])
            return PixApplyResult(
                ok=False,
                message=_("Le fichier ne correspond plus aux agents de votre organisation : rien n'a été enregistré."),
            )
        source_ref = f"pix:{record.pk}:{result.campaign_code}"
        label = f"Pix — {result.campaign_name or record.filename}"
        recorded = record_evidence_batch(
            entries=[
                EvidenceBatchItem(
                    row.agent_id,
                    tuple(EvidenceItem(code, level) for code, level in row.levels.items()),
                    row.observed_at,
                )
                for row in result.rows
            ],
            source=Evidence.Source.PIX,
            source_ref=source_ref,
            label=label,
        )
        summary["recorded"] = recorded
        record.state = PixImport.State.APPLIED
        record.applied_at = timezone.now()
        record.summary = summary
        record.save(update_fields=["state", "summary", "content", "applied_at"])
    return PixApplyResult(ok=True, recorded=recorded, participants=len(result.rows))
