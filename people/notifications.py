"""In-app notifications: add one (once per key), list them, mark them read."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from .models import Agent, Notification

LATEST = 5


def notify(
    *,
    agent_id: int,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    key: str | None = None,
    now: datetime | None = None,
) -> Notification | None:
    """Add a notification; with a key, only the first call for that key adds it (None afterwards)."""
    notification = Notification(
        agent_id=agent_id,
        kind=kind,
        title=title[:255],
        body=body,
        url=url[:500],
        key=key,
        created_at=now or timezone.now(),
    )
    try:
        with transaction.atomic():
            notification.save()
    except IntegrityError:
        return None
    return notification


def latest_notifications(agent: Agent, limit: int = LATEST) -> list[Notification]:
    return list(Notification.objects.filter(agent=agent).order_by("-created_at")[:limit])


def unread(agent: Agent) -> QuerySet[Notification]:
    return Notification.objects.filter(agent=agent, read_at__isnull=True)


def mark_all_read(*, agent_id: int, now: datetime | None = None) -> int:
    return Notification.objects.filter(agent_id=agent_id, read_at__isnull=True).update(read_at=now or timezone.now())
