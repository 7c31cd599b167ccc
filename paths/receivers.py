"""Paths listens to progress (course started, course completed) and to people (agents changed)."""

from django.dispatch import receiver

from people.signals import agents_changed
from progress.signals import course_completed, course_started

from . import tasks


@receiver(course_completed, dispatch_uid="paths.course_completed")
def on_course_completed(sender, completion_id, agent_id, course_id, **kwargs):
    tasks.record_course_completion.delay(agent_id, course_id)


@receiver(course_started, dispatch_uid="paths.course_started")
def on_course_started(sender, agent_id, course_id, **kwargs):
    tasks.mark_started.delay(agent_id, course_id)


@receiver(agents_changed, dispatch_uid="paths.agents_changed")
def on_agents_changed(sender, organisation_id, agent_ids, **kwargs):
    tasks.apply_live_rules.delay(organisation_id, list(agent_ids))
