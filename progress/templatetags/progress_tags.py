"""Where the signed-in agent stands, for the course and lesson templates (which live in `courses`, to
the left of progress, and so cannot ask progress themselves)."""

from django import template

from people.permissions import agent_of

from .. import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def course_progress(context, course, outline):
    """The agent's state in a course: enrolment, completion, done lesson ids, percent, resume lesson."""
    request = context.get("request")
    agent = agent_of(request.user) if request is not None else None
    return selectors.course_state(agent, course, outline.lessons)


@register.simple_tag(takes_context=True)
def lesson_progress(context, lesson):
    """The current view of the lesson (for the heartbeat) and whether a quiz decides its completion."""
    request = context.get("request")
    return {
        "view": getattr(request, "lesson_progress", None),
        "needs_quiz": selectors.lesson_needs_quiz(lesson),
    }
