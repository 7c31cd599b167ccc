"""Page-serving integration of paths: a path with an enforced order opens its steps one after another."""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from wagtail import hooks

from courses.models import CoursePage, LessonPage
from people.permissions import agent_of

from .learner import locked_course_reason


# Runs before progress records the visit of a lesson (a locked lesson is not opened).
@hooks.register("before_serve_page", order=-10)
def enforce_step_order(page, request, serve_args, serve_kwargs):
    if not isinstance(page, CoursePage | LessonPage) or getattr(request, "is_preview", False):
        return None
    agent = agent_of(request.user)
    if agent is None:
        return None
    course_id = page.pk if isinstance(page, CoursePage) else page.get_parent().pk
    before = locked_course_reason(agent, course_id)
    if before is None:
        return None
    messages.warning(
        request,
        _("Ce cours s'ouvrira quand vous aurez terminé l'étape « %(title)s » de votre parcours.") % {"title": before},
    )
    return redirect("home:dashboard")
