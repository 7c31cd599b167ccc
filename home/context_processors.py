"""Navigation by role, for the site header (UI.md: agent, manager, HR, trainer)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from courses.models import CatalogPage
from people import permissions


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "current_agent": None}
    items = [(reverse("home:dashboard"), _("Mon espace"))]
    catalog = CatalogPage.objects.live().only("url_path", "path", "depth").first()
    if catalog is not None:
        items.append((catalog.url, _("Catalogue")))
    if permissions.agent_of(user) is not None:
        items.append((reverse("home:skills_profile"), _("Mes compétences")))
    if permissions.is_manager(user):
        items.append((reverse("paths:team"), _("Mon équipe")))
    if permissions.is_hr(user):
        items.append((reverse("people:agent_list"), _("Agents")))
        items.append((reverse("paths:path_list"), _("Parcours")))
        items.append((reverse("paths:hr_dashboard"), _("Suivi des formations")))
        items.append((reverse("skills:heatmap"), _("Compétences")))
        items.append((reverse("certificates:hr_list"), _("Attestations")))
    if permissions.is_trainer(user):
        items.append((reverse("wagtailadmin_home"), _("Espace formateur")))
    return {"nav_items": items, "current_agent": permissions.agent_of(user)}
