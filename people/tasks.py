"""Celery tasks of people: thin, idempotent, retried."""

import logging

from celery import shared_task
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from .models import User

logger = logging.getLogger(__name__)


def invitation_link(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return settings.SITE_URL + reverse("people:invitation", kwargs={"uidb64": uid, "token": token})


def send_invitation_email(user: User) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        organisation = user.agent.organisation.name if hasattr(user, "agent") else ""
        context = {"user": user, "link": invitation_link(user), "organisation": organisation}
        subject = render_to_string("people/email/invitation_subject.txt", context).strip()
        message = EmailMultiAlternatives(
            subject=subject,
            body=render_to_string("people/email/invitation.txt", context),
            to=[user.email],
        )
        message.attach_alternative(render_to_string("people/email/invitation.html", context), "text/html")
        message.send()


@shared_task(bind=True, acks_late=True, max_retries=5, retry_backoff=True, retry_backoff_max=600)
def send_invitations(self, user_ids: list[int]) -> int:
    """Invite each user once to choose a password. Claiming a user (invited_at) before sending makes a
    retried or duplicated task skip those already invited; a failed send releases the claim."""
    sent = 0
    for user_id in user_ids:
        claimed = User.objects.filter(pk=user_id, invited_at__isnull=True, is_active=True).update(
            invited_at=timezone.now()
        )
        if not claimed:
            continue
        user = User.objects.select_related("agent__organisation").get(pk=user_id)
        if user.has_usable_password():
            continue  # the user already chose a password
        try:
            send_invitation_email(user)
        except Exception as exc:
            User.objects.filter(pk=user_id).update(invited_at=None)
            logger.warning("Invitation to user %s failed: %s", user_id, exc)
            raise self.retry(exc=exc) from exc
        sent += 1
    return sent
