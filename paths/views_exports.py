"""HR exports: the exports page, CSV downloads streamed at once, and spreadsheets (XLSX, ODS) prepared
by a Celery task then downloaded.

HR only, for their own organisation: another role gets 403; another organisation's export file 404.
The forms check the parameters (a period of at most five years, a year from 2000 to next year); the
CSV endpoints are plain GET URLs, so that dashboards can link to them with their filters.
"""

from __future__ import annotations

import logging
from datetime import date

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from people import permissions
from people.models import Service

from . import exports as export_data
from .models import ExportFile, TrainingPath

logger = logging.getLogger(__name__)

RECENT_EXPORTS = 10
REFRESH_SECONDS = 5
CSV_URLS = {
    ExportFile.Kind.STATUS: "paths:export_status_csv",
    ExportFile.Kind.HOURS: "paths:export_hours_csv",
    ExportFile.Kind.SOCIAL: "paths:export_social_csv",
}


# --- forms ----------------------------------------------------------------------------------------


class ExportForm(forms.Form):
    kind: str = ""
    format = forms.ChoiceField(
        label=gettext_lazy("Format du fichier"),
        choices=[
            (ExportFile.Format.CSV, gettext_lazy("CSV — téléchargé tout de suite, s'ouvre dans tout tableur")),
            (ExportFile.Format.XLSX, gettext_lazy("Excel (.xlsx) — préparé en arrière-plan")),
            (ExportFile.Format.ODS, gettext_lazy("OpenDocument (.ods) — préparé en arrière-plan")),
        ],
        initial=ExportFile.Format.CSV,
        required=False,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, organisation_id: int, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation_id = organisation_id
        if "service" in self.fields:
            self.fields["service"].queryset = (
                permissions.visible_services(user).filter(organisation_id=organisation_id).order_by("path")
            )

    def clean_format(self):
        return self.cleaned_data.get("format") or ExportFile.Format.CSV

    # Each export's form adds parameters() (its export_data.Parameters) and label() (its title).


class ServiceChoiceField(forms.ModelChoiceField):
    def __init__(self, **kwargs):
        super().__init__(
            queryset=Service.objects.none(),
            required=False,
            label=gettext_lazy("Service"),
            empty_label=gettext_lazy("Tous les services"),
            help_text=gettext_lazy("Les sous-services du service choisi sont compris."),
            **kwargs,
        )

    def label_from_instance(self, obj):
        return obj.full_name


class PathChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        if obj.archived_at:
            return _("%(title)s (archivé)") % {"title": obj.title}
        return obj.title


class StatusExportForm(ExportForm):
    kind = ExportFile.Kind.STATUS
    path = PathChoiceField(
        queryset=TrainingPath.objects.none(),
        required=False,
        label=gettext_lazy("Parcours"),
        empty_label=gettext_lazy("Tous les parcours"),
    )
    service = ServiceChoiceField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["path"].queryset = TrainingPath.objects.filter(organisation_id=self.organisation_id).order_by(
            "title", "pk"
        )

    def parameters(self) -> export_data.StatusParameters:
        path, service = self.cleaned_data["path"], self.cleaned_data["service"]
        return export_data.StatusParameters(path.pk if path else None, service.pk if service else None)

    def label(self) -> str:
        parts = [self.cleaned_data["path"].title if self.cleaned_data["path"] else _("Tous les parcours")]
        if self.cleaned_data["service"]:
            parts.append(self.cleaned_data["service"].full_name)
        return " · ".join(parts)


def _long_date(day: date) -> str:
    return format_date(day, "j F Y")


class HoursExportForm(ExportForm):
    kind = ExportFile.Kind.HOURS
    start = forms.DateField(
        label=gettext_lazy("Du"),
        help_text=gettext_lazy("Premier jour de la période, par exemple 01/01/2026."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": gettext_lazy("Indiquez le premier jour de la période."),
            "invalid": gettext_lazy("Indiquez une date valide, par exemple 01/01/2026."),
        },
    )
    end = forms.DateField(
        label=gettext_lazy("Au"),
        help_text=gettext_lazy("Dernier jour de la période, compris. Cinq ans au plus après le premier jour."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": gettext_lazy("Indiquez le dernier jour de la période."),
            "invalid": gettext_lazy("Indiquez une date valide, par exemple 31/12/2026."),
        },
    )
    service = ServiceChoiceField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["start"].initial = date(today.year, 1, 1)
        self.fields["end"].initial = today

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            for message in export_data.period_errors(start, end):
                self.add_error("end", message)
        return data

    def parameters(self) -> export_data.HoursParameters:
        service = self.cleaned_data["service"]
        return export_data.HoursParameters(
            self.cleaned_data["start"], self.cleaned_data["end"], service.pk if service else None
        )

    def label(self) -> str:
        text = _("Du %(start)s au %(end)s") % {
            "start": _long_date(self.cleaned_data["start"]),
            "end": _long_date(self.cleaned_data["end"]),
        }
        if self.cleaned_data["service"]:
            text += " · " + self.cleaned_data["service"].full_name
        return text


class SocialExportForm(ExportForm):
    kind = ExportFile.Kind.SOCIAL
    year = forms.IntegerField(
        label=gettext_lazy("Année"),
        help_text=gettext_lazy("Les formations terminées du 1er janvier au 31 décembre de cette année."),
        error_messages={
            "required": gettext_lazy("Indiquez l'année du rapport, par exemple 2025."),
            "invalid": gettext_lazy("Indiquez une année en chiffres, par exemple 2025."),
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["year"].initial = today.year - 1
        self.fields["year"].widget.attrs.update({"min": export_data.FIRST_YEAR, "max": today.year + 1})

    def clean_year(self):
        year = self.cleaned_data["year"]
        for message in export_data.year_errors(year, timezone.localdate()):
            raise forms.ValidationError(message)
        return year

    def parameters(self) -> export_data.SocialParameters:
        return export_data.SocialParameters(self.cleaned_data["year"])

    def label(self) -> str:
        return _("Année %(year)s") % {"year": self.cleaned_data["year"]}


FORMS: dict[str, type[ExportForm]] = {form.kind: form for form in (StatusExportForm, HoursExportForm, SocialExportForm)}


# --- helpers --------------------------------------------------------------------------------------


def _organisation_id(request) -> int:
    """The organisation whose exports this HR user makes (the instance administrator may choose one)."""
    user = request.user
    if not permissions.is_hr(user):
        raise PermissionDenied
    organisations = permissions.hr_organisations(user)
    agent = permissions.agent_of(user)
    if agent is not None and organisations.filter(pk=agent.organisation_id).exists():
        return agent.organisation_id
    chosen = request.GET.get("organisation") or request.POST.get("organisation") or ""
    if chosen.isdigit() and organisations.filter(pk=chosen).exists():
        return int(chosen)
    first = organisations.order_by("name").values_list("pk", flat=True).first()
    if first is None:
        raise PermissionDenied
    return first


def _form(kind: str, request, organisation_id: int, data=None, prefix: str | None = None) -> ExportForm:
    return FORMS[kind](data, organisation_id=organisation_id, user=request.user, prefix=prefix)


def _page(request, organisation_id: int, bound: ExportForm | None = None, status: int = 200):
    forms_by_kind = {kind: _form(kind, request, organisation_id, prefix=kind) for kind in FORMS}
    if bound is not None:
        forms_by_kind[bound.kind] = bound
    recent = ExportFile.objects.filter(organisation_id=organisation_id, requested_by=request.user)[:RECENT_EXPORTS]
    return render(
        request,
        "paths/exports/index.html",
        {
            "status_form": forms_by_kind[ExportFile.Kind.STATUS],
            "hours_form": forms_by_kind[ExportFile.Kind.HOURS],
            "social_form": forms_by_kind[ExportFile.Kind.SOCIAL],
            "bound": bound,
            "recent": recent,
            "organisation_id": organisation_id,
            "max_years": export_data.MAX_PERIOD_YEARS,
        },
        status=status,
    )


# --- views ----------------------------------------------------------------------------------------


@login_required
@never_cache
def exports(request):
    return _page(request, _organisation_id(request))


def _csv(request, kind: str):
    organisation_id = _organisation_id(request)
    # Bound under the prefix of the exports page, so that the page can show it again with its errors.
    data = {f"{kind}-{key}": value for key, value in request.GET.items()}
    data.setdefault(f"{kind}-format", ExportFile.Format.CSV)
    form = _form(kind, request, organisation_id, data=data, prefix=kind)
    if not form.is_valid():
        return _page(request, organisation_id, bound=form, status=400)
    parameters = form.parameters()
    today = timezone.localdate()
    try:
        columns, rows = export_data.table(
            kind,
            agents=permissions.visible_agents(request.user),
            parameters=parameters,
            organisation_id=organisation_id,
            today=today,
        )
    except export_data.ExportError as refused:
        form.add_error(None, refused.message)
        return _page(request, organisation_id, bound=form, status=400)
    logger.info("CSV export %s by user %s for organisation %s", kind, request.user.pk, organisation_id)
    response = StreamingHttpResponse(export_data.csv_chunks(columns, rows), content_type="text/csv; charset=utf-8")
    filename = f"{export_data.filename_stem(kind, parameters, today)}.csv"
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def assignment_status_csv(request):
    return _csv(request, ExportFile.Kind.STATUS)


@login_required
def training_hours_csv(request):
    return _csv(request, ExportFile.Kind.HOURS)


@login_required
def social_report_csv(request):
    return _csv(request, ExportFile.Kind.SOCIAL)


@login_required
@require_POST
def request_export(request):
    """One of the export forms: CSV goes to its download URL, XLSX and ODS to a background task."""
    organisation_id = _organisation_id(request)
    kind = request.POST.get("kind", "")
    if kind not in FORMS:
        raise Http404
    form = _form(kind, request, organisation_id, data=request.POST, prefix=kind)
    if not form.is_valid():
        return _page(request, organisation_id, bound=form, status=400)
    parameters = form.parameters().as_json()
    fmt = form.cleaned_data["format"]
    if fmt == ExportFile.Format.CSV:
        query = {**parameters}
        if permissions.is_administrator(request.user):
            query["organisation"] = organisation_id
        return HttpResponseRedirect(f"{reverse(CSV_URLS[kind])}?{urlencode(query)}", status=303)
    try:
        export = export_data.request_export(
            organisation_id=organisation_id,
            user_id=request.user.pk,
            kind=kind,
            fmt=fmt,
            parameters=parameters,
            label=form.label(),
        )
    except export_data.ExportError as refused:
        form.add_error(None, refused.message)
        return _page(request, organisation_id, bound=form, status=400)
    return HttpResponseRedirect(reverse("paths:export_download", args=[export.uuid]) + "?suivi=1", status=303)


@login_required
@never_cache
def download_export(request, uuid):
    """The file when it is ready; otherwise (or with ?suivi=1) a page that follows its preparation."""
    _organisation_id(request)
    export = get_object_or_404(ExportFile, uuid=uuid, organisation__in=permissions.hr_organisations(request.user))
    ready = export.status == ExportFile.Status.READY and bool(export.file)
    if ready and not request.GET.get("suivi"):
        try:
            handle = export.file.open("rb")
        except OSError as exc:
            raise Http404 from exc
        logger.info("Export %s downloaded by user %s", export.pk, request.user.pk)
        response = FileResponse(handle, as_attachment=True, filename=export.file.name.rsplit("/", 1)[-1])
        response["Cache-Control"] = "private, no-store"
        return response
    return render(
        request,
        "paths/exports/status.html",
        {"export": export, "ready": ready, "refresh_seconds": REFRESH_SECONDS},
    )
