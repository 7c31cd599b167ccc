"""At least once: a notice or digest claimed by a worker that died before e-mailing it is sent again by
the sweep after half an hour, once, without a second in-app notice; a delivered one never is; a failed
resend waits for the next sweep; a claim older than a week is given up."""

from datetime import date, datetime, time, timedelta
from smtplib import SMTPException
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend

from courses.factories import CoursePageFactory
from paths import notifications, services, tasks
from paths.models import AgentAssignment, DigestLog, NotificationLog, PathStep, TrainingPath
from paths.notifications import remind_agent, resend_undelivered, send_due_notifications, send_weekly_digests
from paths.services import Targets
from people.factories import AgentFactory, HRAgentFactory, OrganisationFactory
from people.models import Notification

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
DAY0 = date(2027, 6, 14)  # a Monday
PATH_TITLE = "Cybersécurité au quotidien"
ASSIGNED_SUBJECT = f"Nouvelle formation : {PATH_TITLE}"


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=PARIS)


class WorkerKilled(BaseException):
    """SIGKILL between the claim and the e-mail: nothing more runs in that process."""


def _die(*args, **kwargs):
    raise WorkerKilled


def killed_before_mailing(job) -> None:
    """Run `job` in a worker that dies when it is about to hand the e-mail to the relay."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(notifications, "_mail", _die)
        with pytest.raises(WorkerKilled):
            job()


class FailingBackend(BaseEmailBackend):
    """An SMTP relay that is down."""

    def send_messages(self, email_messages):
        raise SMTPException("relay unreachable")


@pytest.fixture
def clock():
    with time_machine.travel(at(DAY0), tick=False) as traveller:
        yield traveller


@pytest.fixture
def town():
    return OrganisationFactory(name="Ville de Quimper", slug="quimper")


@pytest.fixture
def boss(town):
    return AgentFactory(organisation=town, user__email="n.benali@quimper.fr", user__first_name="Nadia")


@pytest.fixture
def agent(town, boss):
    return AgentFactory(organisation=town, manager=boss, user__email="c.dupre@quimper.fr", user__first_name="Camille")


@pytest.fixture
def assign(clock, town, django_capture_on_commit_callbacks):
    """HR assigns a one-course path to the agent, a month before `due_date`; the clock then comes back
    to Monday 14 June 2027, 10:00."""

    def assign(agent, due_date):
        path = TrainingPath.objects.create(organisation=town, title=PATH_TITLE)
        PathStep.objects.create(path=path, course=CoursePageFactory(title="Mots de passe"), required=True)
        clock.move_to(at(min(DAY0, due_date - timedelta(days=30))))
        with django_capture_on_commit_callbacks(execute=True):
            services.create_assignment(
                organisation_id=town.pk,
                path_id=path.pk,
                targets=Targets(agent_ids=[agent.pk]),
                due_mode="date",
                due_date=due_date,
            )
        clock.move_to(at(DAY0))
        return AgentAssignment.objects.get(agent=agent, path=path)

    return assign


@pytest.fixture
def hr(town):
    return HRAgentFactory(organisation=town, user__email="rh@quimper.fr")


@pytest.fixture
def item(clock, hr, agent, assign) -> AgentAssignment:
    """Camille's assignment, made on Monday 14 June 2027, due on 14 July."""
    return assign(agent, date(2027, 7, 14))


@pytest.fixture
def lost_notice(item) -> NotificationLog:
    """The assignment notice claimed at 10:00 by a worker killed before it e-mailed it."""
    killed_before_mailing(send_due_notifications)
    return NotificationLog.objects.get(agent_assignment=item, kind="assigned")


def later(clock, minutes: int) -> None:
    clock.move_to(at(DAY0) + timedelta(minutes=minutes))


def to_agent(agent) -> list[str]:
    return [message.subject for message in mail.outbox if message.to == [agent.user.email]]


# Normal sending marks the row delivered


def test_a_sent_notice_is_marked_delivered(item):
    """The hourly job marks each notice it e-mailed delivered."""
    send_due_notifications()
    assert NotificationLog.objects.get(agent_assignment=item).delivered_at == at(DAY0)


def test_a_manager_s_reminder_is_marked_delivered(item, boss):
    """A manager's one-click reminder is marked delivered once e-mailed."""
    remind_agent(agent_assignment_id=item.pk, manager=boss)
    assert NotificationLog.objects.get(kind="manual").delivered_at == at(DAY0)


def test_a_sent_digest_is_marked_delivered(clock, agent, boss, assign):
    """The weekly digest is marked delivered once e-mailed."""
    assign(agent, date(2027, 6, 1))
    send_weekly_digests()
    assert DigestLog.objects.get(manager=boss).delivered_at == at(DAY0)


def test_a_killed_worker_leaves_its_claim_undelivered(lost_notice):
    """A worker killed between claim and send leaves the row claimed, not delivered, and sends nothing."""
    assert lost_notice.delivered_at is None
    assert not mail.outbox


# The sweep


def test_a_lost_notice_is_sent_again_once_after_half_an_hour(clock, lost_notice, agent):
    """Thirty-one minutes later the sweep e-mails the notice once and marks it delivered."""
    later(clock, 31)
    assert resend_undelivered() == 1
    assert to_agent(agent) == [ASSIGNED_SUBJECT]
    lost_notice.refresh_from_db()
    assert lost_notice.delivered_at == at(DAY0) + timedelta(minutes=31)


def test_a_resent_notice_adds_no_second_in_app_notice(clock, lost_notice, agent):
    """The in-app notice created before the worker died is not duplicated by the resend."""
    later(clock, 31)
    resend_undelivered()
    assert Notification.objects.filter(agent=agent, kind="path_assigned").count() == 1


def test_a_fresh_claim_is_left_to_its_worker(clock, lost_notice):
    """A claim of twenty minutes ago may still be on its way: the sweep leaves it."""
    later(clock, 20)
    assert resend_undelivered() == 0
    assert not mail.outbox
    lost_notice.refresh_from_db()
    assert lost_notice.delivered_at is None


def test_a_delivered_notice_is_never_sent_again(clock, item):
    """A notice already delivered is not touched by the sweep, however old."""
    send_due_notifications()
    later(clock, 60 * 24)
    outbox = len(mail.outbox)
    assert resend_undelivered() == 0
    assert len(mail.outbox) == outbox


def test_running_the_sweep_twice_sends_once(clock, lost_notice, agent):
    """A second sweep finds the notice delivered and sends nothing."""
    later(clock, 31)
    resend_undelivered()
    later(clock, 41)
    assert resend_undelivered() == 0
    assert to_agent(agent) == [ASSIGNED_SUBJECT]


def test_a_failed_resend_is_kept_for_the_next_sweep(clock, lost_notice, agent, settings):
    """With the relay down the claim stays, undelivered; the next sweep sends it."""
    later(clock, 31)
    settings.EMAIL_BACKEND = f"{__name__}.FailingBackend"
    assert resend_undelivered() == 0
    lost_notice.refresh_from_db()
    assert lost_notice.delivered_at is None
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    later(clock, 41)
    assert resend_undelivered() == 1
    assert to_agent(agent) == [ASSIGNED_SUBJECT]
    assert NotificationLog.objects.filter(pk=lost_notice.pk, delivered_at__isnull=False).exists()


def test_the_hourly_job_does_not_claim_a_lost_notice_again(clock, lost_notice):
    """The next hourly run leaves the claimed notice to the sweep (no second row, no e-mail)."""
    later(clock, 60)
    assert send_due_notifications() == 0
    assert NotificationLog.objects.filter(kind="assigned").count() == 1
    assert not mail.outbox


def test_a_claim_older_than_a_week_is_given_up(clock, lost_notice):
    """After seven days the notice is no longer tried (a broken address is not retried for ever)."""
    clock.move_to(at(DAY0 + timedelta(days=7), minute=1))
    assert resend_undelivered() == 0
    assert not mail.outbox


def test_a_lost_notice_of_a_completed_assignment_is_not_sent(clock, lost_notice, item):
    """Once the training is completed, its lost assignment notice is not sent any more."""
    AgentAssignment.objects.filter(pk=item.pk).update(completed_at=at(DAY0, minute=15))
    later(clock, 31)
    assert resend_undelivered() == 0
    assert not mail.outbox


def test_a_lost_escalation_reaches_hr_again_with_its_lateness(clock, hr, agent, assign):
    """A lost HR alert is rebuilt from the assignment and its claim day: same text, same recipients."""
    overdue = assign(agent, DAY0 - timedelta(days=30))
    for kind in ("assigned", "overdue", "escalation_manager"):
        NotificationLog.objects.create(agent_assignment=overdue, kind=kind, day=DAY0, delivered_at=at(DAY0))
    killed_before_mailing(send_due_notifications)
    assert NotificationLog.objects.get(kind="escalation_hr").delivered_at is None
    clock.move_to(at(DAY0 + timedelta(days=1)))
    assert resend_undelivered() == 1
    [message] = mail.outbox
    assert message.to == ["rh@quimper.fr"]
    assert "(30 jours de retard)" in message.body


def test_a_lost_manager_reminder_is_sent_again(clock, item, boss, agent):
    """A manager's reminder lost by a dead worker reaches the agent with the sweep."""
    killed_before_mailing(lambda: remind_agent(agent_assignment_id=item.pk, manager=boss))
    later(clock, 31)
    assert resend_undelivered() == 1
    assert to_agent(agent) == [f"Votre responsable vous rappelle : {PATH_TITLE}"]


def test_a_lost_digest_is_sent_again_once(clock, agent, boss, assign):
    """A weekly digest lost by a dead worker reaches the manager once, and is marked delivered."""
    assign(agent, date(2027, 6, 1))
    killed_before_mailing(send_weekly_digests)
    later(clock, 31)
    assert resend_undelivered() == 1
    later(clock, 41)
    assert resend_undelivered() == 0
    [message] = mail.outbox
    assert (message.to, message.subject) == (["n.benali@quimper.fr"], "Votre équipe : 1 formation(s) en retard")
    assert DigestLog.objects.get(manager=boss).delivered_at is not None


def test_a_lost_digest_of_last_week_is_not_sent(clock, agent, boss, assign):
    """A digest lost last week is not sent in the middle of the next one."""
    assign(agent, date(2027, 6, 1))
    killed_before_mailing(send_weekly_digests)
    clock.move_to(at(DAY0 + timedelta(days=7), hour=9))  # next Monday, within the week of retries
    assert resend_undelivered() == 0
    assert not mail.outbox


def test_the_beat_task_runs_the_sweep(clock, lost_notice, agent):
    """The beat task sends the lost notice and says how many e-mails went out."""
    later(clock, 31)
    assert tasks.resend_undelivered_notifications.delay().get() == 1
    assert to_agent(agent) == [ASSIGNED_SUBJECT]
