from django import forms
from django.utils.translation import gettext_lazy as _

from people.models import Service

from .models import Certificate
from .selectors import CertificateFilters

STATUS_CHOICES = [
    ("", _("Tous les états")),
    (Certificate.Status.READY, _("Disponibles")),
    (Certificate.Status.PENDING, _("En préparation")),
    (Certificate.Status.FAILED, _("En échec")),
    (Certificate.Status.REVOKED, _("Révoquées")),
    ("replaced", _("Remplacées")),
]


class CertificateFilterForm(forms.Form):
    q = forms.CharField(label=_("Nom de l'agent ou code"), required=False, max_length=100)
    service = forms.ModelChoiceField(label=_("Service"), queryset=Service.objects.none(), required=False)
    status = forms.ChoiceField(label=_("État"), choices=STATUS_CHOICES, required=False)
    issued_from = forms.DateField(
        label=_("Délivrées à partir du"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    issued_to = forms.DateField(label=_("jusqu'au"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, services=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services if services is not None else Service.objects.none()
        self.fields["service"].empty_label = _("Tous les services")

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("issued_from"), cleaned.get("issued_to")
        if start and end and start > end:
            self.add_error("issued_to", _("La date de fin doit suivre la date de début."))
        return cleaned

    def filters(self) -> CertificateFilters:
        data = self.cleaned_data if self.is_valid() else {}
        return CertificateFilters(
            q=(data.get("q") or "").strip(),
            service=data.get("service"),
            status=data.get("status") or "",
            issued_from=data.get("issued_from"),
            issued_to=data.get("issued_to"),
        )


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif de la révocation"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Visible des RH seulement ; la page de vérification indique seulement « révoquée »."),
    )
