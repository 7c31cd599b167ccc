"""Quizzes in the Wagtail admin: authoring with inline questions, a chooser for the lesson block, and the
trainers' tools (import, export, preview as an agent, grading of open answers: quizzes.views_admin)."""

from django.urls import include, path, reverse, reverse_lazy
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.menus import MenuItem as ListingMenuItem
from wagtail.admin.views.generic import EditView, IndexView
from wagtail.admin.viewsets.chooser import ChooserViewSet
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import Button, HeaderButton

from people.permissions import is_trainer

from .models import Quiz

PREVIEW_LABEL = _("Aperçu agent")
EXPORT_LABEL = _("Exporter (GIFT, Aiken)")


class QuizIndexView(IndexView):
    @cached_property
    def header_buttons(self):
        buttons = super().header_buttons
        if is_trainer(self.request.user):
            buttons.append(
                HeaderButton(
                    _("Importer (GIFT, Aiken)"), url=reverse("quiz_tools:import"), icon_name="upload", priority=20
                )
            )
        return buttons

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if is_trainer(self.request.user):
            buttons += [
                ListingMenuItem(
                    PREVIEW_LABEL, reverse("quiz_tools:preview", args=[instance.pk]), icon_name="view", priority=40
                ),
                ListingMenuItem(
                    EXPORT_LABEL, reverse("quiz_tools:export", args=[instance.pk]), icon_name="download", priority=50
                ),
                ListingMenuItem(
                    STATISTICS_LABEL, reverse("quizzes_statistics", args=[instance.pk]), icon_name="table", priority=60
                ),
            ]
        return buttons


STATISTICS_LABEL = _("Statistiques")


class QuizEditView(EditView):
    @cached_property
    def header_more_buttons(self):
        buttons = super().header_more_buttons
        if is_trainer(self.request.user):
            buttons += [
                Button(
                    PREVIEW_LABEL,
                    url=reverse("quiz_tools:preview", args=[self.object.pk]),
                    icon_name="view",
                    priority=5,
                ),
                Button(
                    EXPORT_LABEL,
                    url=reverse("quiz_tools:export", args=[self.object.pk]),
                    icon_name="download",
                    priority=6,
                ),
                Button(
                    STATISTICS_LABEL,
                    url=reverse("quizzes_statistics", args=[self.object.pk]),
                    icon_name="table",
                    priority=7,
                ),
            ]
        return buttons


class QuizViewSet(ModelViewSet):
    model = Quiz
    icon = "tasks"
    menu_label = _("Quiz")
    menu_order = 220
    add_to_admin_menu = True
    list_display = ["title", "category", "pass_mark", "updated_at"]
    search_fields = ["title", "category"]
    list_filter = ["category"]
    index_view_class = QuizIndexView
    edit_view_class = QuizEditView


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


# --- trainers' tools ---------------------------------------------------------------------------------


@hooks.register("register_admin_urls")
def register_quiz_tool_urls():
    # Imported here: courses.blocks imports this module while models load, before importing can be.
    from . import views_admin

    urlpatterns = [
        path("importer/", views_admin.ImportView.as_view(), name="import"),
        path("importer/confirmer/", views_admin.ImportConfirmView.as_view(), name="import_confirm"),
        path("importer/annuler/", views_admin.ImportCancelView.as_view(), name="import_cancel"),
        path("<int:pk>/exporter/", views_admin.ExportView.as_view(), name="export"),
        path("<int:pk>/exporter/<slug:fmt>/", views_admin.ExportDownloadView.as_view(), name="export_download"),
        path("<int:pk>/apercu/", views_admin.PreviewView.as_view(), name="preview"),
        path("corrections/", views_admin.EssayQueueView.as_view(), name="essay_queue"),
        path("corrections/<int:attempt_id>/<int:slot>/", views_admin.EssayGradeView.as_view(), name="essay_grade"),
    ]
    return [path("quiz-tools/", include((urlpatterns, "quiz_tools"), namespace="quiz_tools"))]


class TrainerMenuItem(MenuItem):
    def is_shown(self, request):
        return is_trainer(request.user)


@hooks.register("register_admin_menu_item")
def register_essay_grading_menu_item():
    return TrainerMenuItem(
        _("Correction des réponses libres"),
        reverse_lazy("quiz_tools:essay_queue"),
        name="essay-grading",
        icon_name="edit",
        order=225,
    )


@hooks.register("register_admin_urls")
def register_quiz_statistics_urls():
    from django.urls import path

    from . import views_statistics

    return [
        path("quiz/<int:pk>/statistiques/", views_statistics.quiz_statistics, name="quizzes_statistics"),
        path("quiz/<int:pk>/statistiques.csv", views_statistics.quiz_statistics_csv, name="quizzes_statistics_csv"),
    ]
