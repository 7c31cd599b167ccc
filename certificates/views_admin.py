"""The certificate design in the Wagtail admin: each HR edits their own organisation's design and sees
a preview rendered from sample data (nothing is saved by a preview)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from people import permissions
from people.models import Organisation

from . import pdf
from .models import CertificateDesign


class CertificateDesignForm(forms.ModelForm):
    class Meta:
        model = CertificateDesign
        fields = ["logo", "heading", "statement", "signatory_name", "signatory_title", "accent_colour", "footer"]
        widgets = {"accent_colour": forms.TextInput(attrs={"type": "color"})}


def _organisation(request) -> Organisation:
    """HR's own organisation; the instance administrator chooses one with ?organisation=<id>."""
    organisations = permissions.hr_organisations(request.user)
    wanted = request.GET.get("organisation") or request.POST.get("organisation")
    if permissions.is_administrator(request.user) and wanted and str(wanted).isdigit():
        organisation = organisations.filter(pk=int(wanted)).first()
    else:
        agent = permissions.agent_of(request.user)
        organisation = organisations.filter(pk=agent.organisation_id).first() if agent else organisations.first()
    if organisation is None:
        raise PermissionDenied
    return organisation


def _preview_data(design: CertificateDesign, organisation: Organisation) -> pdf.CertificateData:
    logo = None
    if design.logo:
        try:
            design.logo.open("rb")
            logo = design.logo.read()
        except (OSError, ValueError):
            logo = None
    return pdf.sample_data(
        organisation=organisation.name,
        heading=design.heading,
        statement=design.statement,
        signatory_name=design.signatory_name,
        signatory_title=design.signatory_title,
        accent_colour=design.accent_colour,
        footer=design.footer,
        logo=logo,
    )


class CertificateDesignView(WagtailAdminTemplateMixin, View):
    template_name = "certificates/admin/design.html"
    page_title = gettext_lazy("Modèle d'attestation")
    header_icon = "doc-full"

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.get_page_title()}]

    def _form(self, request, organisation):
        design = CertificateDesign.objects.filter(organisation=organisation).first()
        design = design or CertificateDesign(organisation=organisation)
        return CertificateDesignForm(request.POST or None, request.FILES or None, instance=design)

    def _render(self, request, form, organisation, status=200):
        context = self.get_context_data(
            form=form,
            organisation=organisation,
            organisations=permissions.hr_organisations(request.user)
            if permissions.is_administrator(request.user)
            else None,
        )
        return self.render_to_response(context, status=status)

    def get(self, request):
        organisation = _organisation(request)
        return self._render(request, self._form(request, organisation), organisation)

    def post(self, request):
        organisation = _organisation(request)
        form = self._form(request, organisation)
        if not form.is_valid():
            messages.error(request, _("Le modèle n'a pas été enregistré : corrigez les erreurs signalées."))
            return self._render(request, form, organisation, status=400)
        if "preview" in request.POST:
            design = form.save(commit=False)  # an unsaved copy: a preview writes nothing
            if "logo" in request.FILES:
                design.logo = request.FILES["logo"]
            _filename, content_type, content = pdf.render_certificate(_preview_data(design, organisation))
            response = HttpResponse(content, content_type=content_type)
            response["Content-Disposition"] = 'inline; filename="apercu-attestation.pdf"'
            return response
        form.save()
        messages.success(
            request, _("Le modèle d'attestation est enregistré ; il s'applique aux prochaines attestations.")
        )
        return redirect(request.get_full_path())
