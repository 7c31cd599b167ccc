"""What the lesson's quiz block says to the agent reading it: their last result, an attempt to resume."""

from django import template

from people.permissions import agent_of
from quizzes.models import Attempt

register = template.Library()


@register.simple_tag(takes_context=True)
def quiz_standing(context, quiz):
    """The agent's attempt in progress and best graded attempt on this quiz (two small queries)."""
    request = context.get("request")
    agent = agent_of(request.user) if request is not None else None
    if agent is None or quiz is None:
        return {}
    attempts = Attempt.objects.filter(quiz=quiz, agent=agent)
    return {
        "in_progress": attempts.filter(state=Attempt.State.IN_PROGRESS).exists(),
        "best": attempts.filter(state=Attempt.State.GRADED).order_by("-score", "-submitted_at").first(),
    }
