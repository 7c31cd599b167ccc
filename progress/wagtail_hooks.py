"""Admin and page-serving integration of progress."""

import contextlib

from wagtail import hooks

from courses.models import LessonPage
from people.permissions import agent_of

from . import services


@hooks.register("before_serve_page")
def record_lesson_view(page, request, serve_args, serve_kwargs):
    """Opening a lesson enrols the agent in its course and starts a timed view; the page reads the view
    from `request.lesson_progress` for its heartbeat."""
    if not isinstance(page, LessonPage) or request.method != "GET" or getattr(request, "is_preview", False):
        return None
    agent = agent_of(request.user)
    if agent is None or not agent.is_active:
        return None
    with contextlib.suppress(services.ProgressRefusedError):
        request.lesson_progress = services.open_lesson(agent_id=agent.pk, lesson_id=page.pk)
    return None
