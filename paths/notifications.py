"""Notices, reminders, escalations and weekly digests of assignments — e-mail (HTML and text) and in-app.

Each send is first claimed by inserting a NotificationLog row (unique per agent assignment, kind and
day) or a DigestLog row (unique per manager and ISO week): two beat processes, or a task retried after
a crash, find the row taken and send nothing. A failed e-mail releases its claim, to be sent next run.
A sent e-mail marks its row delivered; a claim left undelivered (a worker killed between claim and send)
is sent again by `resend_undelivered` after half an hour, and given up after a week (at least once, with
a double send only if a worker dies between sending and marking).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime, timedelta
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
RESEND_AFTER = timedelta(minutes=30)
GIVE_UP_AFTER = timedelta(days=7)


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


def _delivered(model: type[NotificationLog] | type[DigestLog], pk: int) -> None:
    model.objects.filter(pk=pk).update(delivered_at=timezone.now())


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
                _delivered(NotificationLog, log.pk)
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
    _delivered(NotificationLog, log.pk)


def _overdue_of(manager: Agent, today: date) -> list[AgentAssignment]:
    return list(
        _open_items()
        .filter(agent_id__in=report_ids(manager), due_date__lt=today)
        .order_by("due_date", "agent__user__last_name")
    )


def _send_digest(manager: Agent, overdue: list[AgentAssignment]) -> None:
    lines = [
        _("%(name)s — « %(path)s », attendue le %(due)s")
        % {"name": item.agent.full_name, "path": item.path.title, "due": _due(item.due_date)}
        for item in overdue
    ]
    subject = _("Votre équipe : %(count)s formation(s) en retard") % {"count": len(overdue)}
    _mail(
        [manager.user.email],
        subject,
        {"name": manager.user.first_name, "lines": lines, "link": settings.SITE_URL + reverse("paths:team")},
    )


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
        overdue = _overdue_of(manager, today)
        if not overdue:
            continue
        try:
            with transaction.atomic():
                log = DigestLog.objects.create(manager=manager, week=week)
        except IntegrityError:
            continue
        try:
            _send_digest(manager, overdue)
        except Exception:
            log.delete()
            logger.exception("Weekly digest for manager %s failed", manager.pk)
            continue
        _delivered(DigestLog, log.pk)
        sent += 1
    return sent


def _resend_notice(pk: int) -> bool:
    """Send one undelivered notice again, under a row lock (a concurrent sweep skips it), and mark it
    delivered; False when another sweep has it or its assignment is no longer open."""
    with transaction.atomic():
        locked = NotificationLog.objects.select_for_update(skip_locked=True)
        log = locked.filter(pk=pk, delivered_at__isnull=True).first()
        item = _open_items().filter(pk=log.agent_assignment_id).first() if log else None
        if item is None:
            return False
        deliver(item, log.kind, log.day)  # the same in-app keys: no second in-app notice
        _delivered(NotificationLog, log.pk)
    return True


def _resend_digest(pk: int, today: date) -> bool:
    """Send one undelivered digest again with the team's overdue training of today; False when another
    sweep has it or nobody in the team is late any more (left undelivered, until given up)."""
    with transaction.atomic():
        log = DigestLog.objects.select_for_update(skip_locked=True).filter(pk=pk, delivered_at__isnull=True).first()
        if log is None:
            return False
        manager = Agent.objects.select_related("user").get(pk=log.manager_id)
        overdue = _overdue_of(manager, today)
        if not overdue:
            return False
        _send_digest(manager, overdue)
        _delivered(DigestLog, log.pk)
    return True


def resend_undelivered(*, now: datetime | None = None, older_than: timedelta = RESEND_AFTER) -> int:
    """Send again the notices and this week's digests claimed more than `older_than` ago and never
    delivered (a worker killed between claim and send). A failure is logged and left for the next sweep;
    claims older than GIVE_UP_AFTER are given up (a broken address is not tried for ever). Returns how
    many e-mails went out."""
    now = now or timezone.now()
    claimed = {"delivered_at__isnull": True, "sent_at__lt": now - older_than, "sent_at__gte": now - GIVE_UP_AFTER}
    resent = 0
    notices = NotificationLog.objects.filter(**claimed, agent_assignment__in=_open_items().values("pk"))
    for log in notices.order_by("pk")[:BATCH]:
        try:
            resent += int(_resend_notice(log.pk))
        except Exception:
            logger.exception(
                "Notice %s for agent assignment %s, claimed %s, failed again; tried until %s",
                log.kind,
                log.agent_assignment_id,
                log.sent_at,
                log.sent_at + GIVE_UP_AFTER,
            )
    today = timezone.localdate(now)
    digests = DigestLog.objects.filter(**claimed, week=rules.iso_week(today), manager__is_active=True)
    for log in digests.order_by("pk")[:BATCH]:
        try:
            resent += int(_resend_digest(log.pk, today))
        except Exception:
            logger.exception(
                "Weekly digest for manager %s, claimed %s, failed again; tried until %s",
                log.manager_id,
                log.sent_at,
                log.sent_at + GIVE_UP_AFTER,
            )
    return resent
