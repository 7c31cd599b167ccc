"""At least once: the "certificate ready" e-mail claimed by a worker that died before sending it is sent
again by the beat after half an hour, once, without a second in-app notice; a sent one never is; a failed
resend waits for the next run; a week after the certificate was ready it is given up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from smtplib import SMTPException

import pytest
import time_machine
from celery.exceptions import Retry
from django.core.mail.backends.base import BaseEmailBackend

from certificates import services, tasks
from certificates.models import Certificate
from people.models import Notification

from .conftest import certify, pending_certificate

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class WorkerKilled(BaseException):
    """SIGKILL between the claim and the e-mail: nothing more runs in that process."""


class FailingBackend(BaseEmailBackend):
    """An SMTP relay that is down."""

    def send_messages(self, email_messages):
        raise SMTPException("relay unreachable")


def _die(self, *args, **kwargs):
    raise WorkerKilled


@pytest.fixture
def lost(agent, course, monkeypatch) -> Certificate:
    """A certificate made ready at T0 whose e-mail task claimed it, then died before sending."""
    with time_machine.travel(T0, tick=False):
        certificate = pending_certificate(agent, course, now=T0)
        services.render_certificate_file(certificate_id=certificate.pk, now=T0)  # e-mail task left on commit
        with monkeypatch.context() as patch:
            patch.setattr(tasks.EmailMultiAlternatives, "send", _die)
            with pytest.raises(WorkerKilled):
                tasks.send_ready_email.delay(certificate.pk)
    certificate.refresh_from_db()
    return certificate


def sweep(at: datetime) -> None:
    """The beat task that re-queues stuck certificates and untold ones, run at `at`."""
    with time_machine.travel(at, tick=False):
        tasks.requeue_stuck_certificates.delay()


def test_a_sent_e_mail_is_marked_emailed(agent, course, mailoutbox, django_capture_on_commit_callbacks):
    """The ordinary send records when the e-mail went out."""
    certificate = certify(agent, course, django_capture_on_commit_callbacks)
    certificate.refresh_from_db()
    assert len(mailoutbox) == 1
    assert certificate.emailed_at is not None
    assert certificate.emailed_at >= certificate.notified_at


def test_a_killed_worker_leaves_the_e_mail_claimed_not_sent(lost, mailoutbox):
    """The dead worker leaves the certificate claimed (notified_at) but not e-mailed."""
    assert lost.notified_at == T0
    assert lost.emailed_at is None
    assert not mailoutbox


def test_a_lost_e_mail_is_sent_again_once_after_half_an_hour(lost, agent, mailoutbox):
    """Thirty-one minutes later the beat sends the e-mail once and records it sent."""
    sweep(T0 + timedelta(minutes=31))
    assert [message.to for message in mailoutbox] == [[agent.user.email]]
    assert lost.title in mailoutbox[0].subject
    lost.refresh_from_db()
    assert lost.emailed_at == T0 + timedelta(minutes=31)


def test_a_resent_e_mail_adds_no_second_in_app_notice(lost, agent):
    """The in-app notice of the certificate stays single."""
    sweep(T0 + timedelta(minutes=31))
    assert Notification.objects.filter(agent=agent, kind="certificate_ready").count() == 1


def test_a_fresh_claim_is_left_to_its_worker(lost, mailoutbox):
    """Twenty minutes after the claim the e-mail may still be on its way: the beat leaves it."""
    assert lost not in services.untold_certificates(now=T0 + timedelta(minutes=20))
    sweep(T0 + timedelta(minutes=20))
    assert not mailoutbox


def test_the_task_itself_does_not_take_a_fresh_claim(lost, mailoutbox):
    """A duplicate e-mail task arriving ten minutes after the claim sends nothing."""
    with time_machine.travel(T0 + timedelta(minutes=10), tick=False):
        assert tasks.send_ready_email.delay(lost.pk).get() is False
    assert not mailoutbox


def test_a_sent_e_mail_is_never_sent_again(agent, course, mailoutbox, django_capture_on_commit_callbacks):
    """Once e-mailed, the certificate is not touched by the beat, a day or a week later."""
    certificate = certify(agent, course, django_capture_on_commit_callbacks)
    for delay in (timedelta(hours=1), timedelta(days=1), timedelta(days=6)):
        assert certificate not in services.untold_certificates(now=certificate.ready_at + delay)
        sweep(certificate.ready_at + delay)
    assert len(mailoutbox) == 1


def test_running_the_beat_twice_sends_once(lost, mailoutbox):
    """A second run finds the e-mail sent and sends nothing more."""
    sweep(T0 + timedelta(minutes=31))
    sweep(T0 + timedelta(minutes=45))
    assert len(mailoutbox) == 1


def test_a_failed_resend_is_kept_for_the_next_run(lost, mailoutbox, settings):
    """With the relay down the e-mail stays unsent (its task asks to be retried); the next run sends it."""
    settings.EMAIL_BACKEND = f"{__name__}.FailingBackend"
    with pytest.raises(Retry):  # run eagerly, the task's retry surfaces here
        sweep(T0 + timedelta(minutes=31))
    lost.refresh_from_db()
    assert lost.emailed_at is None
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    sweep(T0 + timedelta(minutes=45))
    assert len(mailoutbox) == 1
    lost.refresh_from_db()
    assert lost.emailed_at == T0 + timedelta(minutes=45)


def test_a_lost_e_mail_is_given_up_after_a_week(lost, mailoutbox):
    """Seven days after the certificate was ready, the e-mail is no longer tried."""
    assert lost not in services.untold_certificates(now=T0 + timedelta(days=7, minutes=1))
    sweep(T0 + timedelta(days=7, minutes=1))
    assert not mailoutbox


def test_a_revoked_certificate_is_not_announced_again(lost, mailoutbox):
    """A certificate revoked since the claim is not e-mailed by the beat."""
    services.revoke_certificate(certificate_id=lost.pk, by_user_id=None, reason="Erreur de nom")
    sweep(T0 + timedelta(minutes=31))
    assert not mailoutbox
