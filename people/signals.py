"""Signals people sends, and the session lifetime set at login."""

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import Signal, receiver

from .permissions import is_staff_role

# Sent after a commit that created or changed agents (import, creation, transfer), so that rooms to
# the right (paths: live assignment rules) can react. Arguments: organisation_id, agent_ids.
agents_changed = Signal()


@receiver(user_logged_in)
def set_session_lifetime(sender, request, user, **kwargs):
    """Staff roles get a shorter session than agents (shared workstations, wider rights)."""
    if is_staff_role(user):
        request.session.set_expiry(settings.STAFF_SESSION_AGE)
    else:
        request.session.set_expiry(settings.SESSION_COOKIE_AGE)
