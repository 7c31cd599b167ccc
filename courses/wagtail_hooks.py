"""Course administration: the audiences list."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSet

from .models import Audience


class AudienceViewSet(ModelViewSet):
    model = Audience
    icon = "group"
    menu_label = _("Publics visés")
    menu_order = 310
    add_to_admin_menu = True
    form_fields = ["name", "code", "position"]
    list_display = ["name", "code", "position"]


@hooks.register("register_admin_viewset")
def register_audiences():
    return AudienceViewSet("audiences")
