"""Navigation by role, for the site header."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from . import permissions


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "current_agent": None}
    items = [(reverse("home:dashboard"), _("Mon espace"))]
    if permissions.is_hr(user):
        items.append((reverse("people:agent_list"), _("Agents")))
    if permissions.is_trainer(user):
        items.append(("/admin/", _("Administration des cours")))
    return {"nav_items": items, "current_agent": permissions.agent_of(user)}
