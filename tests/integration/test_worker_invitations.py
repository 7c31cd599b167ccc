"""Invitations cross the broker: an import commits, a real worker sends each invitation once."""

import pytest

from people.factories import OrganisationFactory
from people.models import User
from people.services import import_agents
from tests.people.csvdata import csv_bytes, row

from .conftest import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.postgres, pytest.mark.redis]


@pytest.mark.django_db(transaction=True)
def test_imported_agents_are_invited_by_a_real_worker(celery_worker_process, real_broker):
    """After the import commits, the worker e-mails each new agent a set-password link."""
    organisation = OrganisationFactory(slug="worker-town")
    before = len(celery_worker_process.mails())
    result = import_agents(
        organisation_id=organisation.pk,
        data=csv_bytes(row(email="one@example.org"), row(email="two@example.org", matricule="A002")),
        send_invitations=True,
    )
    assert result.ok

    def bodies():
        return "\n".join(path.read_text() for path in celery_worker_process.mails()[before:])

    # The file backend may append two messages to one file: wait for both recipients, not for two files.
    assert wait_for(lambda: "To: one@example.org" in bodies() and "To: two@example.org" in bodies()), bodies()
    assert "https://formation.example.fr/compte/invitation/" in bodies()
    assert User.objects.filter(invited_at__isnull=False).count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_duplicated_task_sends_no_second_invitation(celery_worker_process, real_broker):
    """The same invitation task delivered twice (a redelivery) sends one e-mail."""
    from people.tasks import send_invitations

    organisation = OrganisationFactory(slug="worker-twice")
    import_agents(
        organisation_id=organisation.pk, data=csv_bytes(row(email="twice@example.org")), send_invitations=False
    )
    user = User.objects.get(email="twice@example.org")
    finished_before = celery_worker_process.finished("people.tasks.send_invitations")
    send_invitations.delay([user.pk])
    send_invitations.delay([user.pk])
    assert wait_for(lambda: celery_worker_process.finished("people.tasks.send_invitations") >= finished_before + 2), (
        "the worker did not run both deliveries within 30 s"
    )
    texts = "\n".join(path.read_text() for path in celery_worker_process.mails())
    assert texts.count("To: twice@example.org") == 1
