"""Certificates listens to progress (to its left): a completed course may give a certificate."""

from django.dispatch import receiver

from progress.signals import course_completed

from . import tasks


@receiver(course_completed, dispatch_uid="certificates.course_completed")
def on_course_completed(sender, completion_id, **kwargs):
    tasks.issue_course_certificate.delay(completion_id)
