"""The front door: the home page and the platform's branding."""

from django.db import models
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting
from wagtail.fields import RichTextField
from wagtail.models import Page


class HomePage(Page):
    """The public front door. A signed-in person goes straight to Mon espace."""

    intro = models.CharField(_("accroche"), max_length=250, blank=True)
    body = RichTextField(_("présentation"), blank=True, features=["bold", "italic", "link", "ul", "ol", "h2"])

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    parent_page_types = ["wagtailcore.Page"]
    max_count = 1

    class Meta:
        verbose_name = _("page d'accueil")

    def serve(self, request, *args, **kwargs):
        if request.user.is_authenticated and not getattr(request, "is_preview", False):
            return redirect("home:dashboard")
        return super().serve(request, *args, **kwargs)


@register_setting(icon="site")
class Branding(BaseGenericSetting):
    """What the platform says of itself (per instance; per-organisation branding hangs off Organisation)."""

    platform_name = models.CharField(_("nom de la plateforme"), max_length=80, default="Cap Numérique")
    support_email = models.EmailField(_("adresse d'assistance"), blank=True)
    accessibility_status = models.CharField(
        _("état de conformité RGAA"),
        max_length=200,
        default=_("Partiellement conforme (audit en cours)"),
    )

    panels = [FieldPanel("platform_name"), FieldPanel("support_email"), FieldPanel("accessibility_status")]

    class Meta:
        verbose_name = _("identité de la plateforme")
