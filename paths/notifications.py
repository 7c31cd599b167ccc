"""Notices, reminders, escalations and weekly digests of assignments — e-mail (HTML and text) and in-app.

Each send is first claimed by inserting a NotificationLog row (unique per agent assignment, kind and
day) or a DigestLog row (unique per manager and ISO week): two beat processes, or a task retried after
a crash, find the row taken and send nothing. A failed e-mail releases its claim, to be sent next run.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime
from functools import lru_cache

import holidays as public_holidays
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from people.models import Agent, User
from people.notifications import notify
from people.permissions import report_ids
from people.roles import HR_GROUP

from . import rules
from .models import AgentAssignment, DigestLog, NotificationLog, ReminderSettings

logger = logging.getLogger(__name__)

BATCH = 1000


@lru_cache(maxsize=64)
def _holidays(subdivision: str, year: int) -> frozenset[date]:
    calendar = public_holidays.France(subdiv=subdivision or None, years=[year])
    return frozenset(calendar.keys())


def working_day_checker(subdivision: str = "") -> Callable[[date], bool]:
    """Monday to Friday, French public holidays excepted (with local ones, e.g. Alsace-Moselle)."""

    def working(day: date) -> bool:
        return rules.is_working_day(day, _holidays(subdivision, day.year))

    return working


def _settings_for(organisation_id: int) -> ReminderSettings:
    return ReminderSettings.objects.filter(organisation_id=organisation_id).first() or ReminderSettings()


def claim(item_id: int, kind: str, day: date) -> NotificationLog | None:
    try:
        with transaction.atomic():
            return NotificationLog.objects.create(agent_assignment_id=item_id, kind=kind, day=day)
    except IntegrityError:
        return None


def _mail(to: list[str], subject: str, context: dict) -> None:
    if not to:
        return
    with translation.override(settings.LANGUAGE_CODE):
        message = EmailMultiAlternatives(
            subject=subject, body=render_to_string("paths/email/notice.txt", context), to=to
        )
        message.attach_alternative(render_to_string("paths/email/notice.html", context), "text/html")
        message.send()


def _due(day: date) -> str:
    return date_format(day, "j F Y")


def _hr_users(organisation_id: int) -> list[User]:
    group = Group.objects.filter(name=HR_GROUP).first()
    if group is None:
        return []
    return list(User.objects.filter(groups=group, agent__organisation_id=organisation_id, is_active=True))


def deliver(item: AgentAssignment, kind: str, day: date) -> None:
    """Write and send one notice; who receives it depends on its kind."""
    agent = item.agent
    path = item.path.title
    link = settings.SITE_URL + reverse("home:dashboard")
    due = _due(item.due_date)
    texts = {
        rules.ASSIGNED: (
            _("Nouvelle formation : %(path)s") % {"path": path},
            _("La formation « %(path)s » vous est assignée. Elle est à terminer avant le %(due)s.")
            % {"path": path, "due": due},
        ),
        rules.REMINDER_7: (
            _("Rappel : %(path)s à terminer avant le %(due)s") % {"path": path, "due": due},
            _("Il vous reste une semaine pour terminer la formation « %(path)s ».") % {"path": path},
        ),
        rules.REMINDER_1: (
            _("Dernier rappel : %(path)s à terminer avant le %(due)s") % {"path": path, "due": due},
            _("La formation « %(path)s » est à terminer avant le %(due)s.") % {"path": path, "due": due},
        ),
        rules.OVERDUE_NOTICE: (
            _("Formation en retard : %(path)s") % {"path": path},
            _("La formation « %(path)s » devait être terminée le %(due)s. Reprenez-la dès que possible.")
            % {"path": path, "due": due},
        ),
        NotificationLog.Kind.MANUAL: (
            _("Votre responsable vous rappelle : %(path)s") % {"path": path},
            _("Votre responsable vous rappelle la formation « %(path)s », à terminer avant le %(due)s.")
            % {"path": path, "due": due},
        ),
    }
    if kind in texts:
        subject, line = texts[kind]
        notify(
            agent_id=agent.pk,
            kind=f"path_{kind}",
            title=subject,
            body=line,
            url=reverse("home:dashboard"),
            key=f"path:{item.pk}:{kind}:{day.isoformat()}",
        )
        _mail([agent.user.email], subject, {"name": agent.user.first_name, "lines": [line], "link": link})
        return
    late = (day - item.due_date).days
    subject = _("Formation en retard dans votre équipe : %(name)s") % {"name": agent.full_name}
    line = _("%(name)s n'a pas terminé la formation « %(path)s », attendue le %(due)s (%(late)s jours de retard).") % {
        "name": agent.full_name,
        "path": path,
        "due": due,
        "late": late,
    }
    if kind == rules.ESCALATION_MANAGER and agent.manager_id:
        manager = agent.manager
        team_link = settings.SITE_URL + reverse("paths:team")
        notify(
            agent_id=manager.pk,
            kind="path_escalation",
            title=subject,
            body=line,
            url=reverse("paths:team"),
            key=f"path:{item.pk}:{kind}:{day.isoformat()}",
        )
        _mail([manager.user.email], subject, {"name": manager.user.first_name, "lines": [line], "link": team_link})
    elif kind == rules.ESCALATION_HR:
        hr_link = settings.SITE_URL + reverse("paths:hr_assignment", args=[item.assignment.uuid])
        recipients = _hr_users(agent.organisation_id)
        for user in recipients:
            hr_agent = getattr(user, "agent", None)
            if hr_agent is not None:
                notify(
                    agent_id=hr_agent.pk,
                    kind="path_escalation",
                    title=subject,
                    body=line,
                    url=reverse("paths:hr_assignment", args=[item.assignment.uuid]),
                    key=f"path:{item.pk}:{kind}:{day.isoformat()}:{user.pk}",
                )
        _mail([user.email for user in recipients], subject, {"name": "", "lines": [line], "link": hr_link})


def _open_items():
    return (
        AgentAssignment.objects.filter(
            completed_at__isnull=True,
            cancelled_at__isnull=True,
            assignment__ended_at__isnull=True,
            agent__is_active=True,
        )
        .select_related("agent__user", "agent__manager__user", "path", "assignment")
        .order_by("pk")
    )


def send_due_notifications(*, now: datetime | None = None) -> int:
    """Send every notice due today; returns how many were sent."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    sent_count = 0
    checkers: dict[int, tuple[Callable[[date], bool], ReminderSettings]] = {}
    last_pk = 0
    while True:
        batch = list(_open_items().filter(pk__gt=last_pk)[:BATCH])
        if not batch:
            return sent_count
        last_pk = batch[-1].pk
        sent: dict[int, set[str]] = defaultdict(set)
        for item_id, kind in NotificationLog.objects.filter(agent_assignment__in=batch).values_list(
            "agent_assignment_id", "kind"
        ):
            sent[item_id].add(kind)
        for item in batch:
            organisation_id = item.agent.organisation_id
            if organisation_id not in checkers:
                reminder_settings = _settings_for(organisation_id)
                checkers[organisation_id] = (
                    working_day_checker(reminder_settings.holidays_subdivision),
                    reminder_settings,
                )
            working, reminder_settings = checkers[organisation_id]
            kinds = rules.notifications_due(
                today=today,
                due_date=item.due_date,
                completed=False,
                sent=sent[item.pk],
                working=working,
                escalate_manager_after=reminder_settings.escalate_to_manager_after,
                escalate_hr_after=reminder_settings.escalate_to_hr_after,
                has_manager=item.agent.manager_id is not None,
            )
            for kind in kinds:
                log = claim(item.pk, kind, today)
                if log is None:
                    continue
                try:
                    deliver(item, kind, today)
                except Exception:
                    log.delete()  # released: the next run sends it
                    logger.exception("Notice %s for agent assignment %s failed", kind, item.pk)
                    continue
                sent_count += 1


class ReminderRefusedError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def remind_agent(*, agent_assignment_id: int, manager: Agent, now: datetime | None = None) -> None:
    """A manager's one-click reminder to one report: at most once a day per assignment."""
    today = timezone.localdate(now or timezone.now())
    item = (
        AgentAssignment.objects.select_related("agent__user", "path", "assignment")
        .filter(pk=agent_assignment_id, completed_at__isnull=True, cancelled_at__isnull=True, agent__is_active=True)
        .first()
    )
    if item is None or item.agent_id not in report_ids(manager):
        raise ReminderRefusedError(_("Cette formation ne concerne pas votre équipe ou est déjà terminée."))
    log = claim(item.pk, NotificationLog.Kind.MANUAL, today)
    if log is None:
        raise ReminderRefusedError(_("Un rappel a déjà été envoyé aujourd'hui à cette personne pour cette formation."))
    try:
        deliver(item, NotificationLog.Kind.MANUAL, today)
    except Exception:
        log.delete()
        raise


def send_weekly_digests(*, now: datetime | None = None) -> int:
    """On the first working day of the week, each manager with overdue items in their team gets one
    summary (direct and indirect reports)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    week = rules.iso_week(today)
    sent = 0
    managers = Agent.objects.filter(is_active=True, reports__is_active=True).distinct().select_related("user")
    for manager in managers:
        if not rules.is_digest_day(
            today, working_day_checker(_settings_for(manager.organisation_id).holidays_subdivision)
        ):
            continue
        overdue = list(
            _open_items()
            .filter(agent_id__in=report_ids(manager), due_date__lt=today)
            .order_by("due_date", "agent__user__last_name")
        )
        if not overdue:
            continue
        try:
            with transaction.atomic():
                log = DigestLog.objects.create(manager=manager, week=week)
        except IntegrityError:
            continue
        lines = [
            _("%(name)s — « %(path)s », attendue le %(due)s")
            % {"name": item.agent.full_name, "path": item.path.title, "due": _due(item.due_date)}
            for item in overdue
        ]
        subject = _("Votre équipe : %(count)s formation(s) en retard") % {"count": len(overdue)}
        try:
            _mail(
                [manager.user.email],
                subject,
                {"name": manager.user.first_name, "lines": lines, "link": settings.SITE_URL + reverse("paths:team")},
            )
        except Exception:
            log.delete()
            logger.exception("Weekly digest for manager %s failed", manager.pk)
            continue
        sent += 1
    return sent
