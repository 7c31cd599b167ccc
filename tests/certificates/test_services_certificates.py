"""Certificate services: issued once per completion (course or path), rendered to a stored PDF, failures
recorded and retried, revoked and reissued, and the agent told once."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from pypdf import PdfReader

from certificates import pdf, services, tasks
from certificates.models import Certificate, CertificateDesign
from paths import services as path_services
from paths.models import PathCompletion, PathStep, TrainingPath
from people.models import Notification
from progress.models import CourseCompletion
from progress.signals import course_completed

from .conftest import certify, complete, make_agent, make_course, pending_certificate

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def pdf_text(certificate: Certificate) -> str:
    with certificate.pdf.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    return " ".join(reader.pages[0].extract_text().split())


def pdf_images(certificate: Certificate) -> int:
    with certificate.pdf.open("rb") as handle:
        return len(PdfReader(io.BytesIO(handle.read())).pages[0].images)


@pytest.fixture
def failing_renderer(monkeypatch):
    """The PDF renderer raises, as a broken font or a full disk would."""

    def broken(data):
        raise RuntimeError("renderer down")

    monkeypatch.setattr(pdf, "render_certificate", broken)
    return monkeypatch


# --- issuing ------------------------------------------------------------------------------------------


def test_completing_a_course_issues_one_ready_certificate(agent, course, django_capture_on_commit_callbacks):
    """Completing a course that gives a certificate issues exactly one, ready, for the agent's organisation."""
    certificate = certify(agent, course, django_capture_on_commit_callbacks)
    assert Certificate.objects.count() == 1
    assert certificate.status == Certificate.Status.READY
    assert (certificate.agent, certificate.organisation, certificate.kind) == (agent, agent.organisation, "course")
    assert certificate.ready_at is not None
    assert certificate.render_attempts == 1


def test_ready_certificate_has_its_pdf_in_media_storage(
    agent, course, settings, tmp_path, django_capture_on_commit_callbacks
):
    """The rendered PDF is stored under MEDIA_ROOT (the test's own folder) and is a real PDF."""
    settings.MEDIA_ROOT = tmp_path
    certificate = certify(agent, course, django_capture_on_commit_callbacks)
    stored = Path(certificate.pdf.path)
    assert stored.is_relative_to(tmp_path)
    assert stored.read_bytes().startswith(b"%PDF-")
    assert certificate.pdf.name == f"certificates/{certificate.uuid}.pdf"


def test_pdf_shows_name_title_and_code(agent, course, django_capture_on_commit_callbacks):
    """The PDF prints the agent's name, the course title and the verification code."""
    certificate = certify(agent, course, django_capture_on_commit_callbacks)
    text = pdf_text(certificate)
    assert "Camille Martin" in text
    assert "Cybersécurité au quotidien" in text
    assert certificate.display_code in text


def test_snapshot_records_what_is_attested(agent, course, django_capture_on_commit_callbacks):
    """The snapshot holds the agent, organisation, course, duration, date, competences and design."""
    certificate = certify(agent, course, django_capture_on_commit_callbacks)
    completion = certificate.course_completion
    assert certificate.snapshot == {
        "kind": "course",
        "agent_name": "Camille Martin",
        "organisation": "Commune de Saint-Aubin",
        "title": "Cybersécurité au quotidien",
        "duration_minutes": 90,
        "completed_at": timezone.localtime(completion.completed_at).date().isoformat(),
        "competences": [{"code": "4.1", "name": "Sécuriser l'environnement numérique", "level": 2}],
        "score": None,
        "course_id": course.pk,
        "heading": "Attestation de formation",
        "statement": "a suivi avec succès la formation",
        "signatory_name": "",
        "signatory_title": "",
        "accent_colour": "#000091",
        "footer": "",
        "logo": "",
    }


def test_snapshot_date_is_the_local_completion_day(agent, course):
    """completed_at is the completion's day in Paris time (23:30 UTC on 1 March is 2 March in Paris)."""
    late_evening = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
    certificate = pending_certificate(agent, course, now=late_evening)
    assert certificate.snapshot["completed_at"] == "2026-03-02"


def test_snapshot_does_not_follow_later_changes(agent, course, django_capture_on_commit_callbacks):
    """Renaming the agent or the course after issuance leaves the certificate's snapshot as it was."""
    certificate = certify(agent, course, django_capture_on_commit_callbacks)
    agent.user.last_name = "Durand"
    agent.user.save()
    course.title = "Nouveau titre"
    course.save_revision().publish()
    certificate.refresh_from_db()
    assert (certificate.agent_name, certificate.title) == ("Camille Martin", "Cybersécurité au quotidien")


def test_snapshot_takes_the_organisation_design(agent, course, town, django_capture_on_commit_callbacks):
    """The organisation's design (heading, signatory, colour, footer) is copied into the snapshot and printed."""
    CertificateDesign.objects.create(
        organisation=town,
        heading="Certificat de réussite",
        signatory_name="Marie Dupont",
        signatory_title="La Maire",
        accent_colour="#AA3300",
        footer="1 place de la Mairie",
    )
    certificate = certify(agent, course, django_capture_on_commit_callbacks)
    assert certificate.snapshot["heading"] == "Certificat de réussite"
    assert certificate.snapshot["accent_colour"] == "#AA3300"
    text = pdf_text(certificate)
    assert "Certificat de réussite" in text
    assert "Marie Dupont" in text


def test_course_without_certificate_gives_none(agent, django_capture_on_commit_callbacks):
    """A course with certificate_on_completion=False gives no certificate when completed."""
    course = make_course(title="Sans attestation", certificate_on_completion=False)
    completion = complete(agent, course, django_capture_on_commit_callbacks)
    assert completion is not None
    assert not Certificate.objects.exists()
    assert services.issue_course_certificate(completion_id=completion.pk) is None


def test_issuing_twice_through_the_service_keeps_one(agent, course):
    """Calling the issuing service twice for one completion returns the same certificate."""
    completion = complete(agent, course)
    first = services.issue_course_certificate(completion_id=completion.pk)
    second = services.issue_course_certificate(completion_id=completion.pk)
    assert first.pk == second.pk
    assert Certificate.objects.count() == 1


def test_retried_issuing_task_keeps_one(agent, course, django_capture_on_commit_callbacks):
    """The issuing task run twice (a retry) leaves one certificate, rendered once."""
    completion = complete(agent, course)
    with django_capture_on_commit_callbacks(execute=True):
        first = tasks.issue_course_certificate.delay(completion.pk).get()
    with django_capture_on_commit_callbacks(execute=True):
        second = tasks.issue_course_certificate.delay(completion.pk).get()
    assert first == second
    certificate = Certificate.objects.get()
    assert (certificate.status, certificate.render_attempts) == ("ready", 1)


def test_duplicate_completion_signal_keeps_one(agent, course, django_capture_on_commit_callbacks):
    """A course_completed signal delivered twice gives one certificate."""
    completion = certify(agent, course, django_capture_on_commit_callbacks).course_completion
    with django_capture_on_commit_callbacks(execute=True):
        course_completed.send(
            sender=CourseCompletion, completion_id=completion.pk, agent_id=agent.pk, course_id=course.pk
        )
    assert Certificate.objects.count() == 1


def test_database_refuses_a_second_live_certificate(agent, course):
    """Inserting a second live certificate for the same completion directly is refused by the database."""
    first = pending_certificate(agent, course)
    with pytest.raises(IntegrityError), transaction.atomic():
        Certificate.objects.create(
            agent=agent,
            organisation=agent.organisation,
            course_completion=first.course_completion,
            snapshot=first.snapshot,
            issued_at=T0,
        )
    assert Certificate.objects.count() == 1


def test_database_refuses_a_certificate_of_no_completion(agent):
    """A certificate must attest exactly one completion (a course or a path)."""
    with pytest.raises(IntegrityError), transaction.atomic():
        Certificate.objects.create(agent=agent, organisation=agent.organisation, snapshot={}, issued_at=T0)


# --- rendering failures and the beat that retries -------------------------------------------------------


def test_render_failure_is_recorded(agent, course, failing_renderer):
    """A renderer error leaves the certificate failed, with the error and one attempt counted, and no file."""
    certificate = pending_certificate(agent, course)
    with pytest.raises(RuntimeError, match="renderer down"):
        services.render_certificate_file(certificate_id=certificate.pk)
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.FAILED
    assert certificate.error == "RuntimeError: renderer down"
    assert certificate.render_attempts == 1
    assert not certificate.pdf


def test_render_after_a_failure_makes_it_ready(agent, course, failing_renderer):
    """Rendering again once the renderer works makes the failed certificate ready and clears the error."""
    certificate = pending_certificate(agent, course)
    with pytest.raises(RuntimeError):
        services.render_certificate_file(certificate_id=certificate.pk)
    failing_renderer.undo()
    certificate = services.render_certificate_file(certificate_id=certificate.pk)
    assert certificate.status == Certificate.Status.READY
    assert certificate.error == ""
    assert certificate.render_attempts == 2
    assert certificate.pdf.open("rb").read(5) == b"%PDF-"


def test_failed_render_notifies_nobody(agent, course, failing_renderer):
    """A certificate that failed to render gives the agent no notification."""
    certificate = pending_certificate(agent, course)
    with pytest.raises(RuntimeError):
        services.render_certificate_file(certificate_id=certificate.pk)
    assert not Notification.objects.exists()


def test_requeue_leaves_a_recent_pending_certificate(agent, course):
    """A certificate pending for five minutes is not yet rendered again by the beat."""
    certificate = pending_certificate(agent, course, now=T0)
    with time_machine.travel(T0 + timedelta(minutes=5), tick=False):
        assert tasks.requeue_stuck_certificates.delay().get() == 0
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.PENDING


def test_requeue_renders_a_certificate_pending_for_over_ten_minutes(agent, course):
    """A certificate left pending for more than ten minutes (a lost message) is rendered by the beat."""
    certificate = pending_certificate(agent, course, now=T0)
    with time_machine.travel(T0 + timedelta(minutes=11), tick=False):
        assert tasks.requeue_stuck_certificates.delay().get() == 1
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.READY


def test_requeue_renders_a_failed_certificate(agent, course, failing_renderer):
    """A failed certificate is rendered again by the beat once the renderer works."""
    certificate = pending_certificate(agent, course)
    with pytest.raises(RuntimeError):
        services.render_certificate_file(certificate_id=certificate.pk)
    failing_renderer.undo()
    tasks.requeue_stuck_certificates.delay()
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.READY


def test_requeue_gives_up_after_five_failed_attempts(agent, course):
    """A certificate that failed five times is left for a person to look at."""
    certificate = pending_certificate(agent, course)
    Certificate.objects.filter(pk=certificate.pk).update(status="failed", render_attempts=5)
    assert services.stuck_certificates().count() == 0


def test_requeue_issues_a_missing_certificate(agent, course, django_capture_on_commit_callbacks):
    """A completion left without certificate (a lost signal) gets one, rendered, from the beat."""
    completion = complete(agent, course, now=T0)
    with time_machine.travel(T0 + timedelta(minutes=11), tick=False), django_capture_on_commit_callbacks(execute=True):
        tasks.requeue_stuck_certificates.delay()
    certificate = Certificate.objects.get(course_completion=completion)
    assert certificate.status == Certificate.Status.READY


def test_requeue_leaves_a_just_finished_completion_to_its_signal(agent, course):
    """A completion of five minutes ago is not issued by the beat (its own signal is on the way)."""
    complete(agent, course, now=T0)
    with time_machine.travel(T0 + timedelta(minutes=5), tick=False):
        tasks.requeue_stuck_certificates.delay()
    assert not Certificate.objects.exists()


# --- revoking and reissuing -------------------------------------------------------------------------------


@pytest.fixture
def hr_user(town):
    return make_agent(town, "Hélène", "Rh").user


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_revoke_requires_a_reason(agent, course, hr_user, django_capture_on_commit_callbacks, reason):
    """Revoking without a reason is refused and changes nothing."""
    certificate = certify(agent, course, django_capture_on_commit_callbacks)
    with pytest.raises(services.CertificateError, match="motif"):
        services.revoke_certificate(certificate_id=certificate.pk, by_user_id=hr_user.pk, reason=reason)
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.READY
    assert certificate.revoked_at is None


def test_revoke_records_who_when_and_why(agent, course, hr_user, django_capture_on_commit_callbacks):
    """Revoking sets the status, the date, the person and the reason; the code then verifies as revoked."""
    certificate = certify(agent, course, django_capture_on_commit_callbacks)
    services.revoke_certificate(certificate_id=certificate.pk, by_user_id=hr_user.pk, reason="Erreur de saisie", now=T0)
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.REVOKED
    assert (certificate.revoked_at, certificate.revoked_by, certificate.revoked_reason) == (
        T0,
        hr_user,
        "Erreur de saisie",
    )
    assert certificate.verification_state == "revoked"


def test_second_revoke_is_refused(agent, course, hr_user, django_capture_on_commit_callbacks):
    """A revoked certificate cannot be revoked again (its first date and reason stay)."""
    certificate = certify(agent, course, django_capture_on_commit_callbacks)
    services.revoke_certificate(certificate_id=certificate.pk, by_user_id=hr_user.pk, reason="Première", now=T0)
    with pytest.raises(services.CertificateError, match="déjà révoquée"):
        services.revoke_certificate(certificate_id=certificate.pk, by_user_id=hr_user.pk, reason="Seconde")
    certificate.refresh_from_db()
    assert (certificate.revoked_at, certificate.revoked_reason) == (T0, "Première")


def test_revoked_certificate_is_not_rendered(agent, course, hr_user):
    """A certificate revoked while pending is never rendered."""
    certificate = pending_certificate(agent, course)
    services.revoke_certificate(certificate_id=certificate.pk, by_user_id=hr_user.pk, reason="Doublon")
    certificate = services.render_certificate_file(certificate_id=certificate.pk)
    assert certificate.status == Certificate.Status.REVOKED
    assert not certificate.pdf


def test_reissue_gives_a_new_code_and_marks_the_old_replaced(
    agent, course, hr_user, django_capture_on_commit_callbacks
):
    """Reissuing creates a certificate with a new code; the old one verifies as replaced, pointing to it."""
    old = certify(agent, course, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        new = services.reissue_certificate(certificate_id=old.pk, by_user_id=hr_user.pk)
    old.refresh_from_db()
    assert new.code != old.code
    assert old.verification_state == "replaced"
    assert old.replaced_by == new
    assert old.replaced_at is not None
    assert new.verification_state == "valid"
    assert new.course_completion_id == old.course_completion_id


def test_reissued_certificate_renders_ready(agent, course, hr_user, django_capture_on_commit_callbacks):
    """The new certificate of a reissue is rendered to its own PDF."""
    old = certify(agent, course, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        new = services.reissue_certificate(certificate_id=old.pk, by_user_id=hr_user.pk)
    new.refresh_from_db()
    assert new.status == Certificate.Status.READY
    assert new.pdf.name != old.pdf.name
    assert new.display_code in pdf_text(new)


def test_reissue_takes_the_corrected_name(agent, course, hr_user, django_capture_on_commit_callbacks):
    """After the agent's name is corrected, the reissued certificate carries the new name, the old keeps its."""
    old = certify(agent, course, django_capture_on_commit_callbacks)
    agent.user.last_name = "Martin-Durand"
    agent.user.save()
    with django_capture_on_commit_callbacks(execute=True):
        new = services.reissue_certificate(certificate_id=old.pk, by_user_id=hr_user.pk)
    old.refresh_from_db()
    assert (old.agent_name, new.agent_name) == ("Camille Martin", "Camille Martin-Durand")


def test_reissuing_a_replaced_certificate_is_refused(agent, course, hr_user, django_capture_on_commit_callbacks):
    """A certificate already replaced cannot be reissued again (the new one can)."""
    old = certify(agent, course, django_capture_on_commit_callbacks)
    services.reissue_certificate(certificate_id=old.pk, by_user_id=hr_user.pk)
    with pytest.raises(services.CertificateError, match="déjà été remplacée"):
        services.reissue_certificate(certificate_id=old.pk, by_user_id=hr_user.pk)
    assert Certificate.objects.count() == 2


def test_agent_list_shows_the_replacement_only(agent, course, hr_user, django_capture_on_commit_callbacks):
    """After a reissue, the agent's certificates list the new one and not the replaced one."""
    from certificates.selectors import agent_certificates

    old = certify(agent, course, django_capture_on_commit_callbacks)
    new = services.reissue_certificate(certificate_id=old.pk, by_user_id=hr_user.pk)
    assert list(agent_certificates(agent)) == [new]


# --- telling the agent --------------------------------------------------------------------------------------


def test_agent_is_notified_once_in_app_and_by_email(agent, course, mailoutbox, django_capture_on_commit_callbacks):
    """A ready certificate gives the agent one notification and one e-mail."""
    certificate = certify(agent, course, django_capture_on_commit_callbacks)
    notification = Notification.objects.get(agent=agent)
    assert notification.kind == "certificate_ready"
    assert "Cybersécurité au quotidien" in notification.title
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [agent.user.email]
    assert "Cybersécurité au quotidien" in mailoutbox[0].subject
    assert services.verification_url(certificate.code) in mailoutbox[0].body


def test_rendering_again_notifies_no_more(agent, course, mailoutbox, django_capture_on_commit_callbacks):
    """Rendering a ready certificate again, even from scratch after a crash, adds no notification or e-mail."""
    certificate = certify(agent, course, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        services.render_certificate_file(certificate_id=certificate.pk)
        Certificate.objects.filter(pk=certificate.pk).update(status=Certificate.Status.PENDING)
        tasks.render_certificate.delay(certificate.pk)
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.READY
    assert Notification.objects.filter(agent=agent).count() == 1
    assert len(mailoutbox) == 1


# --- paths --------------------------------------------------------------------------------------------------


@pytest.fixture
def training_path(town, course):
    path = TrainingPath.objects.create(organisation=town, title="Bien démarrer au numérique")
    PathStep.objects.create(path=path, course=course, position=1, required=True)
    return path


def test_completing_an_assigned_path_issues_a_path_certificate(
    agent, course, town, training_path, django_capture_on_commit_callbacks
):
    """Completing the only course of an assigned path issues a path certificate with the path's title."""
    with django_capture_on_commit_callbacks(execute=True):
        path_services.create_assignment(
            organisation_id=town.pk,
            path_id=training_path.pk,
            targets=path_services.Targets(agent_ids=[agent.pk]),
            due_mode="after_assignment",
            due_days=30,
        )
    complete(agent, course, django_capture_on_commit_callbacks)
    completion = PathCompletion.objects.get(agent=agent)
    certificate = Certificate.objects.get(path_completion=completion)
    assert certificate.kind == Certificate.Kind.PATH
    assert certificate.title == "Bien démarrer au numérique"
    assert certificate.snapshot["courses"] == ["Cybersécurité au quotidien"]
    assert certificate.status == Certificate.Status.READY
    assert "Bien démarrer au numérique" in pdf_text(certificate)


def test_path_certificate_is_issued_once(agent, course, town, training_path, django_capture_on_commit_callbacks):
    """Issuing a path certificate twice returns the same one."""
    with django_capture_on_commit_callbacks(execute=True):
        path_services.create_assignment(
            organisation_id=town.pk,
            path_id=training_path.pk,
            targets=path_services.Targets(agent_ids=[agent.pk]),
            due_mode="after_assignment",
            due_days=30,
        )
    complete(agent, course, django_capture_on_commit_callbacks)
    completion = PathCompletion.objects.get(agent=agent)
    again = services.issue_path_certificate(path_completion_id=completion.pk)
    assert Certificate.objects.filter(path_completion=completion).get() == again


# --- awkward input ------------------------------------------------------------------------------------------


def test_corrupt_logo_file_still_renders(agent, course, town, django_capture_on_commit_callbacks):
    """A design whose logo file holds garbage renders the certificate without a logo."""
    name = default_storage.save("certificates/logos/logo.png", ContentFile(b"\x89PNG\r\n\x1a\n garbage bytes"))
    CertificateDesign.objects.create(organisation=town, logo=name)
    certificate = certify(agent, course, django_capture_on_commit_callbacks)
    assert certificate.snapshot["logo"] == name
    assert certificate.status == Certificate.Status.READY
    assert pdf_images(certificate) == 1  # the QR code only


def test_missing_logo_file_still_renders(agent, course, town, django_capture_on_commit_callbacks):
    """A design whose logo file was deleted renders the certificate without a logo."""
    CertificateDesign.objects.create(organisation=town, logo="certificates/logos/gone.png")
    certificate = certify(agent, course, django_capture_on_commit_callbacks)
    assert certificate.status == Certificate.Status.READY
    assert pdf_images(certificate) == 1


def test_name_with_markup_renders_literally(town, course, django_capture_on_commit_callbacks):
    """An agent named "<b>Léa</b>" gets a ready certificate printing the name as typed."""
    agent = make_agent(town, first_name="<b>Léa</b>", last_name="Martin & Fils")
    certificate = certify(agent, course, django_capture_on_commit_callbacks)
    assert certificate.status == Certificate.Status.READY
    assert "<b>Léa</b> Martin & Fils" in pdf_text(certificate)
