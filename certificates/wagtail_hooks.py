"""Admin integration of certificates: the organisation's certificate design, for its HR."""

from django.urls import path, reverse_lazy
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from people.permissions import hr_organisations


@hooks.register("register_admin_urls")
def register_certificate_design_urls():
    from .views_admin import CertificateDesignView

    return [path("attestations/modele/", CertificateDesignView.as_view(), name="certificate_design")]


class HRMenuItem(MenuItem):
    def is_shown(self, request):
        return hr_organisations(request.user).exists()


@hooks.register("register_admin_menu_item")
def register_certificate_design_menu_item():
    return HRMenuItem(
        _("Modèle d'attestation"),
        reverse_lazy("certificate_design"),
        name="certificate-design",
        icon_name="doc-full",
        order=900,
    )
