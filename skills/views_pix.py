"""HR pages of the Pix import: upload a Pix Orga export, see what it holds (or its errors), confirm.

Thin: permission, form, service, render. HR works on its own organisation
(`permissions.hr_organisation_id`: 403 for anyone not HR); an import of another organisation is a 404.
"""

from __future__ import annotations

from pathlib import PurePath

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from people import permissions

from . import services_pix
from .models import PixImport
from .pix import MAX_BYTES, MAX_LISTED

ACCEPTED_EXTENSIONS = frozenset({".csv", ".txt"})
ACCEPTED_CONTENT_TYPES = frozenset(
    {"", "application/csv", "application/vnd.ms-excel", "application/octet-stream", "text/x-csv"}
)
RECENT_IMPORTS = 10


class PixImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Export CSV de la campagne Pix"),
        help_text=gettext_lazy("Le fichier tel que Pix Orga le télécharge (.csv), 5 Mo au plus."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        content_type = (getattr(upload, "content_type", "") or "").split(";")[0].strip().lower()
        if PurePath(upload.name).suffix.lower() not in ACCEPTED_EXTENSIONS or not (
            content_type.startswith("text/") or content_type in ACCEPTED_CONTENT_TYPES
        ):
            raise forms.ValidationError(_("Choisissez un fichier CSV (.csv), tel que Pix Orga l'exporte."))
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                _("Le fichier dépasse %(size)s Mo : exportez une campagne à la fois.")
                % {"size": MAX_BYTES // (1024 * 1024)}
            )
        if upload.size == 0:
            raise forms.ValidationError(_("Le fichier est vide."))
        head = upload.read(8192)
        upload.seek(0)
        if b"\x00" in head:
            raise forms.ValidationError(_("Ce fichier n'est pas un fichier texte CSV."))
        return upload


@login_required
def pix_import(request):
    organisation_id = permissions.hr_organisation_id(request)
    if request.method == "POST":
        form = PixImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            record = services_pix.preview_pix_import(
                organisation_id=organisation_id,
                uploaded_by_id=request.user.pk,
                filename=PurePath(upload.name).name,
                data=upload.read(),
            )
            return redirect("skills:pix_preview", pk=record.pk)
    else:
        form = PixImportForm()
    recent = PixImport.objects.filter(organisation_id=organisation_id).select_related("uploaded_by")[:RECENT_IMPORTS]
    return render(request, "skills/pix_import.html", {"form": form, "recent": recent, "section": "pix"})


@login_required
def pix_preview(request, pk: int):
    organisation_id = permissions.hr_organisation_id(request)
    record = get_object_or_404(PixImport.objects.select_related("uploaded_by"), pk=pk, organisation_id=organisation_id)
    if request.method == "POST":
        result = services_pix.apply_pix_import(import_id=record.pk, organisation_id=organisation_id)
        if result.already_done:
            messages.info(request, result.message)
        elif result.ok:
            messages.success(
                request,
                _("Résultats enregistrés : %(levels)s niveaux pour %(participants)s agents.")
                % {"levels": result.recorded, "participants": result.participants},
            )
        else:
            messages.error(request, result.message)
        return redirect("skills:pix_preview", pk=record.pk)
    summary = record.summary or {}
    context = {
        "record": record,
        "summary": summary,
        "competences": summary.get("competences", []),
        "sample": summary.get("sample", []),
        "errors": summary.get("errors", []),
        "more_errors": max(summary.get("error_count", 0) - MAX_LISTED, 0),
        "notices": summary.get("notices", []),
        "more_notices": max(summary.get("notice_count", 0) - MAX_LISTED, 0),
        "earlier": services_pix.earlier_imports(record=record) if record.state == PixImport.State.PREVIEWED else [],
        "section": "pix",
    }
    return render(request, "skills/pix_preview.html", context)
