"""Certificates listens to progress and paths (to its left): a completed course (when the course gives
one) or a completed path gives a certificate."""

from django.dispatch import receiver

from paths.signals import path_completed
from progress.signals import course_completed

from . import tasks


@receiver(course_completed, dispatch_uid="certificates.course_completed")
def on_course_completed(sender, completion_id, **kwargs):
    tasks.issue_course_certificate.delay(completion_id)


@receiver(path_completed, dispatch_uid="certificates.path_completed")
def on_path_completed(sender, path_completion_id, **kwargs):
    tasks.issue_path_certificate.delay(path_completion_id)
