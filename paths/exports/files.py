"""Spreadsheets built in the background: an `ExportFile` row, the `build_export` task, the file."""

from __future__ import annotations

import logging
import tempfile
from datetime import datetime

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from people import permissions

from ..models import ExportFile
from .tables import ExportError, filename_stem, parameters_from_json, sheet_title, table
from .writers import WRITERS

logger = logging.getLogger(__name__)

TECHNICAL_FAILURE = gettext_lazy(
    "Une erreur technique a empêché la préparation du fichier. Demandez l'export à nouveau ; si l'erreur "
    "persiste, signalez-la à l'administrateur de la plateforme."
)


def request_export(
    *, organisation_id: int, user_id: int, kind: str, fmt: str, parameters: dict, label: str = ""
) -> ExportFile:
    """Record the export, then build it in a Celery task once the row is committed."""
    from ..tasks import build_export as build_task

    if kind not in ExportFile.Kind.values or fmt not in ExportFile.Format.values:
        raise ExportError(_("Cet export n'existe pas."))
    stored = {**parameters, "language": translation.get_language() or settings.LANGUAGE_CODE, "label": label[:300]}
    with transaction.atomic():
        export = ExportFile.objects.create(
            organisation_id=organisation_id, requested_by_id=user_id, kind=kind, format=fmt, parameters=stored
        )
        transaction.on_commit(lambda: build_task.delay(export.pk))
    return export


def mark_failed(export_id: int, message: str) -> None:
    """The export will not be made; the message is shown to HR, in the language of the request."""
    ExportFile.objects.filter(pk=export_id).exclude(status=ExportFile.Status.READY).update(
        status=ExportFile.Status.FAILED, error=str(message)[:2000]
    )


def build_export(*, export_id: int, now: datetime | None = None) -> ExportFile:
    """Write the file once: a ready (or definitively failed) export is returned as it is. Refusals (the
    requester lost access, parameters no longer valid) fail at once; other errors propagate so that the
    task retries them."""
    export = ExportFile.objects.select_related("requested_by").get(pk=export_id)
    if export.status != ExportFile.Status.PENDING:
        return export
    now = now or timezone.now()
    today = timezone.localdate(now)
    user = export.requested_by
    try:
        if user is None or not permissions.can_manage_agents(user, export.organisation_id):
            raise ExportError(_("La personne qui a demandé cet export n'a plus accès aux données de l'organisation."))
        with translation.override(export.parameters.get("language") or settings.LANGUAGE_CODE):
            parameters = parameters_from_json(export.kind, export.parameters, today=today)
            agents = permissions.visible_agents(user)
            columns, rows = table(
                export.kind,
                agents=agents,
                parameters=parameters,
                organisation_id=export.organisation_id,
                today=today,
            )
            with tempfile.TemporaryFile() as spool:
                count = WRITERS[export.format](spool, sheet_title(export.kind), columns, rows)
                spool.seek(0)
                name = f"{filename_stem(export.kind, parameters, today)}-{export.uuid.hex[:8]}.{export.format}"
                export.file.save(name, File(spool), save=False)
    except ExportError as refused:
        mark_failed(export.pk, refused.message)
        logger.warning("Export %s refused: %s", export.pk, refused.message)
        export.refresh_from_db()
        return export
    # The row names the file only once it is complete; of two workers given the same message (a
    # redelivery), the first to record its file wins and the other removes its own copy.
    claimed = ExportFile.objects.filter(pk=export.pk, status=ExportFile.Status.PENDING).update(
        status=ExportFile.Status.READY, file=export.file.name, rows=count, ready_at=now, error=""
    )
    if not claimed:
        export.file.delete(save=False)
    export.refresh_from_db()
    return export
