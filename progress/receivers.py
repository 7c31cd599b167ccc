"""Progress listens to quizzes (to its left): an attempt started or graded feeds the learning record,
and a passed required quiz completes its lesson. The work runs in tasks, retried if it fails."""

from django.dispatch import receiver

from quizzes.signals import attempt_graded, attempt_started

from . import tasks


@receiver(attempt_started, dispatch_uid="progress.attempt_started")
def on_attempt_started(sender, attempt_id, **kwargs):
    tasks.record_attempt_started.delay(attempt_id)


@receiver(attempt_graded, dispatch_uid="progress.attempt_graded")
def on_attempt_graded(sender, attempt_id, **kwargs):
    tasks.record_attempt_graded.delay(attempt_id)
