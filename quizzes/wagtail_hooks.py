"""Quizzes in the Wagtail admin: authoring with inline questions, and a chooser for the lesson block."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.chooser import ChooserViewSet
from wagtail.admin.viewsets.model import ModelViewSet

from .models import Quiz


class QuizViewSet(ModelViewSet):
    model = Quiz
    icon = "tasks"
    menu_label = _("Quiz")
    menu_order = 220
    add_to_admin_menu = True
    list_display = ["title", "category", "pass_mark", "updated_at"]
    search_fields = ["title", "category"]
    list_filter = ["category"]


class QuizChooserViewSet(ChooserViewSet):
    model = Quiz
    icon = "tasks"
    choose_one_text = _("Choisir un quiz")
    choose_another_text = _("Choisir un autre quiz")
    edit_item_text = _("Modifier ce quiz")


quiz_viewset = QuizViewSet("quiz_admin")
quiz_chooser_viewset = QuizChooserViewSet("quiz_chooser")


@hooks.register("register_admin_viewset")
def register_quiz_viewset():
    return quiz_viewset


@hooks.register("register_admin_viewset")
def register_quiz_chooser():
    return quiz_chooser_viewset
