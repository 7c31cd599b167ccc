"""Course administration: the audiences list, and the publication rules on paths the page form misses."""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.models import WorkflowState

from .models import Audience, CoursePage, LessonPage


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


NO_LESSON_MESSAGE = _("Un cours sans leçon ne peut pas être publié : ajoutez d'abord ses leçons.")
LAST_LESSON_MESSAGE = _(
    "C'est la dernière leçon d'un cours publié ou en relecture : ajoutez une autre leçon avant de supprimer "
    "celle-ci, ou dépubliez d'abord le cours."
)


@hooks.register("before_bulk_action")
def refuse_publishing_courses_without_lessons(request, action_type, objects, action_class_instance):
    """The page listing's bulk "publish" goes around the page form: apply the same rule here."""
    if action_type != "publish":
        return None
    empty = [
        page
        for page in objects
        if isinstance(page.specific, CoursePage) and not LessonPage.objects.child_of(page).exists()
    ]
    if not empty:
        return None
    messages.error(request, f"{NO_LESSON_MESSAGE} ({', '.join(page.title for page in empty)})")
    return redirect(request.GET.get("next") or reverse("wagtailadmin_explore_root"))


@hooks.register("before_delete_page")
def keep_a_lesson_in_published_courses(request, page):
    """Deleting the last lesson of a live or in-review course would leave agents an empty course."""
    specific = page.specific
    if not isinstance(specific, LessonPage) or request.method != "POST":
        return None
    course = page.get_parent()
    in_review = WorkflowState.objects.for_instance(course).filter(status=WorkflowState.STATUS_IN_PROGRESS).exists()
    if (course.live or in_review) and not LessonPage.objects.child_of(course).exclude(pk=page.pk).exists():
        messages.error(request, LAST_LESSON_MESSAGE)
        return redirect(reverse("wagtailadmin_pages:edit", args=[page.pk]))
    return None
