"""The CRCN framework in the Wagtail admin (editable by administrators; read by trainers' choosers)."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup

from .models import Competence, Domain


class DomainViewSet(ModelViewSet):
    model = Domain
    icon = "folder-open-inverse"
    menu_label = _("Domaines")
    form_fields = ["code", "name"]
    list_display = ["code", "name"]
    add_to_admin_menu = False


class CompetenceViewSet(ModelViewSet):
    model = Competence
    icon = "pick"
    menu_label = _("Compétences")
    form_fields = ["domain", "code", "name", "description", "digcomp_code"]
    list_display = ["code", "name", "digcomp_code", "domain"]
    list_filter = ["domain"]
    search_fields = ["code", "name"]
    add_to_admin_menu = False


class CrcnViewSetGroup(ModelViewSetGroup):
    menu_label = _("Référentiel CRCN")
    menu_icon = "pick"
    menu_order = 300
    items = (DomainViewSet("crcn_domains"), CompetenceViewSet("crcn_competences"))


@hooks.register("register_admin_viewset")
def register_crcn():
    return CrcnViewSetGroup()
