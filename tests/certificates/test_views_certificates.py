"""Certificate pages: the agent's own downloads, HR's list, actions and archives (their organisation only),
the public verification page and its Open Badges credential, the design admin, and Mon espace."""

from __future__ import annotations

import base64
import csv
import io
import json
import re
import zipfile
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
import time_machine
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat
from django.conf import settings as django_settings
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from jsonschema import Draft201909Validator, FormatChecker
from PIL import Image

from certificates import codes, openbadges_export, services
from certificates.models import Certificate, CertificateArchive, CertificateDesign
from certificates.openbadges import base58btc_decode, verify_credential
from paths import services as path_services
from paths.models import PathCompletion, PathStep, TrainingPath
from people.factories import AgentFactory, HRAgentFactory, ServiceFactory

from .conftest import certify, complete, make_agent, make_course, pending_certificate
from .test_openbadges import schema_errors
from .testdata import locate_testdata

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DESIGN_URL = "/admin/attestations/modele/"


def page_text(response) -> str:
    return unescape(response.content.decode())


def body_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# --- set-up ---------------------------------------------------------------------------------------------


@pytest.fixture
def certificate(agent, course, django_capture_on_commit_callbacks):
    """Camille Martin's ready certificate of the course."""
    return certify(agent, course, django_capture_on_commit_callbacks)


@pytest.fixture
def hr(town):
    return HRAgentFactory(organisation=town)


@pytest.fixture
def other_hr(other_town):
    return HRAgentFactory(organisation=other_town)


@pytest.fixture
def hr_client(client, hr):
    client.force_login(hr.user)
    return client


# --- downloads ------------------------------------------------------------------------------------------


def test_agent_downloads_own_certificate(client, agent, certificate):
    """The agent downloads their certificate as a PDF attachment named after its code."""
    client.force_login(agent.user)
    response = client.get(reverse("certificates:download", args=[certificate.uuid]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="attestation-{certificate.display_code}.pdf"'
    assert body_of(response).startswith(b"%PDF-")


def test_another_agent_gets_404(client, town, certificate):
    """An agent of the same organisation cannot download someone else's certificate."""
    client.force_login(make_agent(town, "Louis", "Bernard").user)
    assert client.get(reverse("certificates:download", args=[certificate.uuid])).status_code == 404


def test_hr_of_the_organisation_downloads(hr_client, certificate):
    """HR of the agent's organisation can download the certificate."""
    response = hr_client.get(reverse("certificates:download", args=[certificate.uuid]))
    assert response.status_code == 200
    assert body_of(response).startswith(b"%PDF-")


def test_hr_of_another_organisation_gets_404(client, other_hr, certificate):
    """HR of another organisation cannot download the certificate."""
    client.force_login(other_hr.user)
    assert client.get(reverse("certificates:download", args=[certificate.uuid])).status_code == 404


def test_pending_certificate_cannot_be_downloaded(client, agent, course):
    """A certificate not rendered yet gives 404 rather than an empty file."""
    certificate = pending_certificate(agent, course)
    client.force_login(agent.user)
    assert client.get(reverse("certificates:download", args=[certificate.uuid])).status_code == 404


def test_anonymous_download_goes_to_login(client, certificate):
    """Someone signed out is sent to the login page."""
    response = client.get(reverse("certificates:download", args=[certificate.uuid]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("people:login"))


# --- HR list and filters ----------------------------------------------------------------------------------


@pytest.fixture
def services_tree(town):
    technical = ServiceFactory(organisation=town, name="Services techniques")
    roads = ServiceFactory(parent=technical, name="Voirie")
    reception = ServiceFactory(organisation=town, name="Accueil")
    return {"technical": technical, "roads": roads, "reception": reception}


@pytest.fixture
def population(town, other_town, services_tree, course):
    """Pending certificates issued on different days, in different services and organisations."""
    people = {
        "lea": make_agent(town, "Léa", "Durand", service=services_tree["roads"]),
        "paul": make_agent(town, "Paul", "Petit", service=services_tree["technical"]),
        "nina": make_agent(town, "Nina", "Roux", service=services_tree["reception"]),
        "outsider": make_agent(other_town, "Omar", "Autre"),
    }
    issued = {"lea": T0, "paul": T0 + timedelta(days=10), "nina": T0 + timedelta(days=20), "outsider": T0}
    return {name: pending_certificate(person, course, now=issued[name]) for name, person in people.items()}


def listed(response) -> set[int]:
    return {certificate.pk for certificate in response.context["page"]}


def test_hr_list_shows_only_own_organisation(hr_client, population):
    """HR's list holds their organisation's certificates and none of another organisation."""
    response = hr_client.get(reverse("certificates:hr_list"))
    assert response.status_code == 200
    assert listed(response) == {population[name].pk for name in ("lea", "paul", "nina")}
    assert "Omar" not in page_text(response)


def test_hr_list_filters_by_service_subtree(hr_client, population, services_tree):
    """Filtering by a service lists its agents and those of the services below it."""
    response = hr_client.get(reverse("certificates:hr_list"), {"service": services_tree["technical"].pk})
    assert listed(response) == {population["lea"].pk, population["paul"].pk}


def test_hr_list_filters_by_status(hr_client, hr, population):
    """Filtering on "revoked" lists the revoked certificates only."""
    services.revoke_certificate(certificate_id=population["paul"].pk, by_user_id=hr.user_id, reason="Erreur")
    response = hr_client.get(reverse("certificates:hr_list"), {"status": "revoked"})
    assert listed(response) == {population["paul"].pk}


def test_hr_list_filters_replaced(hr_client, hr, population):
    """Filtering on "replaced" lists the replaced certificates, not their replacements."""
    services.reissue_certificate(certificate_id=population["nina"].pk, by_user_id=hr.user_id)
    response = hr_client.get(reverse("certificates:hr_list"), {"status": "replaced"})
    assert listed(response) == {population["nina"].pk}


def test_hr_list_filters_by_period(hr_client, population):
    """Filtering by issue dates keeps the certificates issued in the period, both days included."""
    start, end = (T0 + timedelta(days=10)).date(), (T0 + timedelta(days=20)).date()
    response = hr_client.get(
        reverse("certificates:hr_list"), {"issued_from": start.isoformat(), "issued_to": end.isoformat()}
    )
    assert listed(response) == {population["paul"].pk, population["nina"].pk}


def test_hr_list_filters_by_name(hr_client, population):
    """Searching a name lists that agent's certificates."""
    response = hr_client.get(reverse("certificates:hr_list"), {"q": "durand"})
    assert listed(response) == {population["lea"].pk}


def test_hr_list_finds_a_code_in_display_form(hr_client, population):
    """Searching a code as printed (with dashes, in lowercase) finds its certificate."""
    code = population["nina"].display_code.lower()
    response = hr_client.get(reverse("certificates:hr_list"), {"q": code})
    assert listed(response) == {population["nina"].pk}


def test_hr_list_ignores_a_service_of_another_organisation(hr_client, population, other_town):
    """A service id of another organisation is not a valid filter: nothing of the other organisation shows."""
    foreign = ServiceFactory(organisation=other_town, name="Ailleurs")
    response = hr_client.get(reverse("certificates:hr_list"), {"service": foreign.pk})
    assert "service" in response.context["form"].errors
    assert population["outsider"].pk not in listed(response)


# --- HR actions -----------------------------------------------------------------------------------------


def test_hr_revokes_with_a_reason(hr_client, hr, certificate):
    """HR revokes a certificate by posting a reason; it is recorded with HR as author."""
    url = reverse("certificates:hr_detail", args=[certificate.uuid])
    response = hr_client.post(url, {"reason": "Formation suivie par un homonyme"}, follow=True)
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.REVOKED
    assert certificate.revoked_by == hr.user
    assert certificate.revoked_reason == "Formation suivie par un homonyme"
    assert f"L'attestation {certificate.display_code} est révoquée." in messages_of(response)


def test_revoke_without_reason_changes_nothing(hr_client, certificate):
    """Posting an empty reason shows an error on the form and leaves the certificate valid."""
    url = reverse("certificates:hr_detail", args=[certificate.uuid])
    response = hr_client.post(url, {"reason": "   "})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"] == ["Champ requis."]
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.READY
    assert certificate.revoked_at is None


def test_revoking_twice_shows_a_warning(hr_client, hr, certificate):
    """Revoking a revoked certificate is refused with a message; the first reason stays."""
    services.revoke_certificate(certificate_id=certificate.pk, by_user_id=hr.user_id, reason="Première")
    url = reverse("certificates:hr_detail", args=[certificate.uuid])
    response = hr_client.post(url, {"reason": "Seconde"}, follow=True)
    assert "Cette attestation est déjà révoquée." in messages_of(response)
    certificate.refresh_from_db()
    assert certificate.revoked_reason == "Première"


def test_hr_reissues(hr_client, certificate, django_capture_on_commit_callbacks):
    """Posting a reissue creates a new ready certificate and shows its page; the old one is replaced."""
    with django_capture_on_commit_callbacks(execute=True):
        response = hr_client.post(reverse("certificates:hr_reissue", args=[certificate.uuid]))
    new = Certificate.objects.get(replaced_at__isnull=True)
    assert response.status_code == 302
    assert response.url == reverse("certificates:hr_detail", args=[new.uuid])
    certificate.refresh_from_db()
    assert certificate.replaced_by == new
    assert new.status == Certificate.Status.READY


def test_reissue_is_post_only(hr_client, certificate):
    """A GET on the reissue address changes nothing (405)."""
    assert hr_client.get(reverse("certificates:hr_reissue", args=[certificate.uuid])).status_code == 405
    assert Certificate.objects.count() == 1


def test_hr_detail_shows_the_reason_to_hr(hr_client, hr, certificate):
    """The HR page of a revoked certificate shows its reason."""
    services.revoke_certificate(certificate_id=certificate.pk, by_user_id=hr.user_id, reason="Homonyme")
    response = hr_client.get(reverse("certificates:hr_detail", args=[certificate.uuid]))
    assert "Homonyme" in page_text(response)


@pytest.mark.parametrize(
    ("name", "method"),
    [("certificates:hr_detail", "get"), ("certificates:hr_detail", "post"), ("certificates:hr_reissue", "post")],
)
def test_hr_of_another_organisation_cannot_act(client, other_hr, certificate, name, method):
    """HR of another organisation gets 404 on the certificate's page, revocation and reissue."""
    client.force_login(other_hr.user)
    response = getattr(client, method)(reverse(name, args=[certificate.uuid]), {"reason": "Intrusion"})
    assert response.status_code == 404
    certificate.refresh_from_db()
    assert (certificate.status, Certificate.objects.count()) == ("ready", 1)


@pytest.mark.parametrize(
    ("name", "method", "needs"),
    [
        ("certificates:hr_list", "get", None),
        ("certificates:hr_archive", "post", None),
        ("certificates:hr_detail", "get", "certificate"),
        ("certificates:hr_reissue", "post", "certificate"),
        ("certificates:hr_archive_download", "get", "archive"),
    ],
)
def test_agent_without_hr_role_gets_403(client, town, hr, certificate, name, method, needs):
    """An agent who is not HR is refused every HR page of certificates (403, as in the paths pages)."""
    archive = CertificateArchive.objects.create(organisation=town, requested_by=hr.user, status="ready")
    args = {None: [], "certificate": [certificate.uuid], "archive": [archive.uuid]}[needs]
    client.force_login(AgentFactory(organisation=town).user)
    assert getattr(client, method)(reverse(name, args=args)).status_code == 403
    assert Certificate.objects.count() == 1


# --- archives ---------------------------------------------------------------------------------------------


@pytest.fixture
def ready_pair(town, course, services_tree, django_capture_on_commit_callbacks):
    """Two ready certificates, one in Voirie and one at Accueil, and a pending one in Voirie."""
    lea = make_agent(town, "Léa", "Durand", service=services_tree["roads"])
    nina = make_agent(town, "Nina", "Roux", service=services_tree["reception"])
    pending = pending_certificate(make_agent(town, "Paul", "Petit", service=services_tree["roads"]), course)
    return {
        "lea": certify(lea, course, django_capture_on_commit_callbacks),
        "nina": certify(nina, course, django_capture_on_commit_callbacks),
        "pending": pending,
    }


def request_archive(client, callbacks, **filters):
    with callbacks(execute=True):
        response = client.post(reverse("certificates:hr_archive"), filters)
    assert response.status_code == 302
    return CertificateArchive.objects.latest("created_at")


def zip_of(response) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(body_of(response)))


def test_archive_holds_the_ready_pdfs_and_an_index(hr_client, hr, ready_pair, django_capture_on_commit_callbacks):
    """An archive request builds a ZIP of the ready certificates' PDFs with an index.csv."""
    archive = request_archive(hr_client, django_capture_on_commit_callbacks)
    assert (archive.status, archive.count, archive.requested_by) == ("ready", 2, hr.user)
    response = hr_client.get(reverse("certificates:hr_archive_download", args=[archive.uuid]))
    assert response.status_code == 200
    bundle = zip_of(response)
    expected = {f"{ready_pair[name].display_code}.pdf" for name in ("lea", "nina")}
    assert set(bundle.namelist()) == expected | {"index.csv"}
    assert all(bundle.read(name).startswith(b"%PDF-") for name in expected)


def test_archive_index_lists_each_certificate(hr_client, ready_pair, services_tree, django_capture_on_commit_callbacks):
    """index.csv (UTF-8 with BOM, semicolons) has a header and one row per PDF with code, agent and service."""
    archive = request_archive(hr_client, django_capture_on_commit_callbacks)
    bundle = zip_of(hr_client.get(reverse("certificates:hr_archive_download", args=[archive.uuid])))
    rows = list(csv.reader(io.StringIO(bundle.read("index.csv").decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["code", "agent", "service", "formation", "terminee_le", "delivree_le", "fichier"]
    lea = ready_pair["lea"]
    row = next(row for row in rows if row[0] == lea.display_code)
    assert row[1:4] == ["Léa Durand", str(services_tree["roads"]), "Cybersécurité au quotidien"]
    assert row[6] == f"{lea.display_code}.pdf"
    assert len(rows) == 3


def test_archive_follows_the_service_filter(hr_client, ready_pair, services_tree, django_capture_on_commit_callbacks):
    """An archive of one service holds that service's certificates only."""
    archive = request_archive(hr_client, django_capture_on_commit_callbacks, service=services_tree["reception"].pk)
    bundle = zip_of(hr_client.get(reverse("certificates:hr_archive_download", args=[archive.uuid])))
    assert set(bundle.namelist()) == {f"{ready_pair['nina'].display_code}.pdf", "index.csv"}


def test_archive_is_listed_for_its_requester(hr_client, ready_pair, django_capture_on_commit_callbacks):
    """The HR list shows the ready archive with its download link."""
    archive = request_archive(hr_client, django_capture_on_commit_callbacks)
    response = hr_client.get(reverse("certificates:hr_list"))
    assert reverse("certificates:hr_archive_download", args=[archive.uuid]) in page_text(response)


def test_other_hr_of_the_organisation_downloads_the_archive(
    client, hr_client, town, ready_pair, django_capture_on_commit_callbacks
):
    """Another HR officer of the same organisation may download the archive."""
    archive = request_archive(hr_client, django_capture_on_commit_callbacks)
    client.force_login(HRAgentFactory(organisation=town).user)
    assert client.get(reverse("certificates:hr_archive_download", args=[archive.uuid])).status_code == 200


def test_hr_of_another_organisation_cannot_download_the_archive(
    client, hr_client, other_hr, ready_pair, django_capture_on_commit_callbacks
):
    """HR of another organisation gets 404 for the archive."""
    archive = request_archive(hr_client, django_capture_on_commit_callbacks)
    client.force_login(other_hr.user)
    assert client.get(reverse("certificates:hr_archive_download", args=[archive.uuid])).status_code == 404


def test_archive_request_with_bad_dates_is_refused(hr_client, ready_pair, django_capture_on_commit_callbacks):
    """An end date before the start date is refused and no archive is made."""
    with django_capture_on_commit_callbacks(execute=True):
        response = hr_client.post(
            reverse("certificates:hr_archive"), {"issued_from": "2026-03-10", "issued_to": "2026-03-01"}, follow=True
        )
    assert "Les filtres de l'archive ne sont pas valides." in messages_of(response)
    assert not CertificateArchive.objects.exists()


# --- public verification -----------------------------------------------------------------------------------


def verify(client, code, **extra):
    return client.get(reverse("certificates:verify", args=[code]), **extra)


CSRF_VALUE = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


def neutral(response, code: str) -> str:
    """The page with the echoed code and the per-request CSRF tokens taken out."""
    return CSRF_VALUE.sub("", response.content.decode()).replace(code, "<CODE>")


def unused_code() -> str:
    code = codes.new_code()
    assert not Certificate.objects.filter(code=code).exists()
    return code


def test_verify_shows_a_valid_certificate(client, certificate):
    """A valid code shows "Attestation valable" with the name, title, completion date and organisation."""
    response = verify(client, certificate.code)
    text = page_text(response)
    assert response.status_code == 200
    assert "Attestation valable" in text
    for shown in ("Camille Martin", "Cybersécurité au quotidien", "Commune de Saint-Aubin", certificate.display_code):
        assert shown in text
    assert certificate.snapshot["completed_at"] in text


def test_verify_accepts_the_code_as_printed(client, certificate):
    """The code typed with dashes and in lowercase finds the certificate."""
    assert "Attestation valable" in page_text(verify(client, certificate.display_code.lower()))


def test_verify_shows_revoked(client, hr, certificate):
    """A revoked certificate shows "Attestation révoquée", without the reason."""
    services.revoke_certificate(certificate_id=certificate.pk, by_user_id=hr.user_id, reason="Homonyme confondu")
    text = page_text(verify(client, certificate.code))
    assert "Attestation révoquée" in text
    assert "Attestation valable" not in text
    assert "Homonyme confondu" not in text


def test_verify_shows_replaced(client, hr, certificate):
    """A replaced certificate shows "Attestation remplacée", not "révoquée"."""
    services.reissue_certificate(certificate_id=certificate.pk, by_user_id=hr.user_id)
    text = page_text(verify(client, certificate.code))
    assert "Attestation remplacée" in text
    assert "Attestation révoquée" not in text


def test_unknown_and_malformed_codes_show_the_same_page(client, certificate):
    """An unknown well-formed code and a malformed one give the same neutral page, the code aside."""
    unknown, malformed = unused_code(), "PAS-UN-CODE-VALIDE"
    first, second = verify(client, unknown), verify(client, malformed)
    assert (first.status_code, second.status_code) == (200, 200)
    assert neutral(first, unknown) == neutral(second, malformed)
    assert "Aucune attestation valable ne correspond au code" in page_text(first)


def test_echoed_code_is_escaped(client):
    """A code made of markup is echoed as text, never as HTML."""
    typed = "<img src=x onerror=alert(1)>"
    response = verify(client, typed)
    assert response.status_code == 200
    assert typed not in response.content.decode()
    assert "&lt;img src=x onerror=alert(1)&gt;" in response.content.decode()


def test_pending_certificate_looks_unknown(client, agent, course):
    """A certificate not rendered yet verifies exactly like an unknown code."""
    pending = pending_certificate(agent, course)
    unknown = unused_code()
    assert neutral(verify(client, pending.code), pending.code) == neutral(verify(client, unknown), unknown)


def test_failed_certificate_looks_unknown(client, agent, course):
    """A certificate that failed to render verifies like an unknown code."""
    failed = pending_certificate(agent, course)
    Certificate.objects.filter(pk=failed.pk).update(status=Certificate.Status.FAILED)
    unknown = unused_code()
    assert neutral(verify(client, failed.code), failed.code) == neutral(verify(client, unknown), unknown)


def test_verify_shows_no_other_personal_data(client, town, course, django_capture_on_commit_callbacks):
    """The public page shows no e-mail, registration number, job title or service of the agent."""
    service = ServiceFactory(organisation=town, name="Direction des finances")
    agent = make_agent(town, service=service, job_title="Gestionnaire de paie", matricule="MAT-778899")
    certificate = certify(agent, course, django_capture_on_commit_callbacks)
    text = page_text(verify(client, certificate.code))
    assert "Attestation valable" in text
    for private in (agent.user.email, "MAT-778899", "Gestionnaire de paie", "Direction des finances"):
        assert private not in text
    assert "@" not in text


def test_verify_page_is_not_indexed(client, certificate):
    """The verification page asks search engines not to index it and is not cached."""
    response = verify(client, certificate.code)
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_21st_lookup_in_a_minute_is_refused(client, certificate):
    """From one address, 20 lookups a minute are answered and the 21st gets 429 with Retry-After."""
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, 5, tzinfo=UTC), tick=False):
        statuses = [verify(client, unused_code()).status_code for _ in range(20)]
        refused = verify(client, certificate.code)
    assert statuses == [200] * 20
    assert refused.status_code == 429
    assert refused["Retry-After"] == "60"
    assert "Trop de vérifications" in page_text(refused)
    assert "Camille Martin" not in page_text(refused)


def test_rate_limit_is_per_address(client, certificate):
    """After one address reached the limit, another address is still answered."""
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, 5, tzinfo=UTC), tick=False):
        for _ in range(21):
            verify(client, unused_code())
        other = verify(client, certificate.code, REMOTE_ADDR="203.0.113.9")
    assert other.status_code == 200


def test_rate_limit_resets_the_next_minute(client, certificate):
    """The next minute, the same address is answered again."""
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, 5, tzinfo=UTC), tick=False):
        for _ in range(21):
            verify(client, unused_code())
    with time_machine.travel(datetime(2026, 3, 2, 9, 1, 5, tzinfo=UTC), tick=False):
        assert verify(client, certificate.code).status_code == 200


# --- Open Badges credential ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def validator():
    """The official achievementcredential schema, set up as in test_openbadges.py."""
    schema_file = locate_testdata() / "openbadges" / "schema" / "achievementcredential.json"
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    Draft201909Validator.check_schema(schema)
    return Draft201909Validator(schema, format_checker=FormatChecker())


def credential_of(client, code):
    return client.get(reverse("certificates:credential", args=[code]))


@pytest.fixture
def signing_key(settings):
    """A fresh Ed25519 key configured as OPENBADGES_SIGNING_KEY (base64 of the raw private bytes)."""
    key = Ed25519PrivateKey.generate()
    raw = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    settings.OPENBADGES_SIGNING_KEY = base64.b64encode(raw).decode()
    openbadges_export._signing_key.cache_clear()
    yield key
    openbadges_export._signing_key.cache_clear()


@pytest.fixture
def no_signing_key(settings):
    settings.OPENBADGES_SIGNING_KEY = ""
    openbadges_export._signing_key.cache_clear()
    yield
    openbadges_export._signing_key.cache_clear()


def test_credential_is_valid_json_ld(client, certificate, validator, no_signing_key):
    """credential.json is JSON-LD valid against the official Open Badges 3.0 achievementcredential schema."""
    response = credential_of(client, certificate.code)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/ld+json; charset=utf-8"
    credential = json.loads(response.content)
    assert schema_errors(validator, credential) == []
    assert credential["credentialSubject"]["achievement"]["name"] == "Cybersécurité au quotidien"
    assert credential["issuer"]["name"] == "Commune de Saint-Aubin"


def test_credential_has_no_email(client, agent, certificate, no_signing_key):
    """The credential names the agent but never gives their e-mail."""
    text = credential_of(client, certificate.code).content.decode()
    assert "Camille Martin" in text
    assert agent.user.email not in text


def test_unsigned_credential_has_no_proof(client, certificate, no_signing_key):
    """Without a signing key, the credential has no proof and keys.json is 404."""
    assert "proof" not in json.loads(credential_of(client, certificate.code).content)
    assert client.get(reverse("certificates:keys")).status_code == 404


def test_credential_of_a_revoked_certificate_is_404(client, hr, certificate):
    """A revoked certificate has no credential."""
    services.revoke_certificate(certificate_id=certificate.pk, by_user_id=hr.user_id, reason="Erreur")
    assert credential_of(client, certificate.code).status_code == 404


def test_credential_of_a_replaced_certificate_is_404(client, hr, certificate):
    """A replaced certificate has no credential (its replacement has)."""
    services.reissue_certificate(certificate_id=certificate.pk, by_user_id=hr.user_id)
    assert credential_of(client, certificate.code).status_code == 404


def test_credential_of_pending_or_unknown_is_404(client, agent, course):
    """A pending certificate or an unknown code has no credential."""
    pending = pending_certificate(agent, course)
    assert credential_of(client, pending.code).status_code == 404
    assert credential_of(client, unused_code()).status_code == 404


def test_signed_credential_verifies(client, certificate, signing_key, validator):
    """With a signing key, the credential carries a proof that verifies with the platform's public key."""
    credential = json.loads(credential_of(client, certificate.code).content)
    [proof] = credential["proof"]
    assert proof["verificationMethod"] == django_settings.SITE_URL + reverse("certificates:keys") + "#key-1"
    assert verify_credential(credential, signing_key.public_key())
    assert schema_errors(validator, credential) == []


def test_keys_json_serves_the_multikey(client, signing_key):
    """/verify/keys.json gives the public key as a Multikey (ed25519-pub, base58btc) for assertions."""
    response = client.get(reverse("certificates:keys"))
    assert response.status_code == 200
    document = response.json()
    [method] = document["verificationMethod"]
    assert method["type"] == "Multikey"
    assert document["assertionMethod"] == [method["id"]]
    decoded = base58btc_decode(method["publicKeyMultibase"][1:])
    assert method["publicKeyMultibase"].startswith("z")
    assert decoded[:2] == b"\xed\x01"
    assert decoded[2:] == signing_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def test_credential_verifies_with_the_published_key(client, certificate, signing_key):
    """A verifier that only reads keys.json can check the credential's signature."""
    credential = json.loads(credential_of(client, certificate.code).content)
    method = client.get(reverse("certificates:keys")).json()["verificationMethod"][0]
    assert credential["proof"][0]["verificationMethod"] == method["id"]
    public_key = Ed25519PublicKey.from_public_bytes(base58btc_decode(method["publicKeyMultibase"][1:])[2:])
    assert verify_credential(credential, public_key)


def test_credential_lookups_count_towards_the_rate_limit(client, certificate, no_signing_key):
    """credential.json shares the per-address limit: after 20 lookups it answers 429."""
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, 5, tzinfo=UTC), tick=False):
        for _ in range(20):
            verify(client, unused_code())
        response = credential_of(client, certificate.code)
    assert response.status_code == 429


def test_two_paths_are_two_achievements(client, agent, town, no_signing_key, django_capture_on_commit_callbacks):
    """Credentials of two different paths name two different achievements."""
    achievement_ids = set()
    for title in ("Parcours accueil", "Parcours sécurité"):
        course = make_course(title=f"Cours de {title}", lessons=1)
        path = TrainingPath.objects.create(organisation=town, title=title)
        PathStep.objects.create(path=path, course=course, position=1, required=True)
        with django_capture_on_commit_callbacks(execute=True):
            path_services.create_assignment(
                organisation_id=town.pk,
                path_id=path.pk,
                targets=path_services.Targets(agent_ids=[agent.pk]),
                due_mode="after_assignment",
                due_days=30,
            )
        complete(agent, course, django_capture_on_commit_callbacks)
        certificate = Certificate.objects.get(path_completion=PathCompletion.objects.get(path=path))
        credential = json.loads(credential_of(client, certificate.code).content)
        achievement_ids.add(credential["credentialSubject"]["achievement"]["id"])
    assert len(achievement_ids) == 2


# --- the design admin --------------------------------------------------------------------------------------


def png_bytes(size=(120, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def design_data(**fields) -> dict:
    data = {
        "heading": "Certificat de formation",
        "statement": "a suivi avec assiduité la formation",
        "signatory_name": "Marie Dupont",
        "signatory_title": "La Maire",
        "accent_colour": "#AA3300",
        "footer": "1 place de la Mairie",
    }
    data.update(fields)
    return data


def logos_stored() -> list[str]:
    folder = django_settings.MEDIA_ROOT / "certificates" / "logos"
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


def test_hr_group_opens_the_design_page(client, hr):
    """An HR officer (the RH group, nothing more) reaches the design page of the Wagtail admin."""
    client.force_login(hr.user)
    response = client.get(DESIGN_URL)
    assert response.status_code == 200


@pytest.fixture
def design_client(client, hr):
    """HR signed in, with the Wagtail admin access the design page needs (see the test above)."""
    hr.user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(hr.user)
    return client


def test_hr_saves_their_organisation_design(design_client, town):
    """HR saves the design of their organisation, logo included."""
    logo = SimpleUploadedFile("logo.png", png_bytes(), content_type="image/png")
    response = design_client.post(DESIGN_URL, {**design_data(), "logo": logo})
    assert response.status_code == 302
    design = CertificateDesign.objects.get(organisation=town)
    assert (design.heading, design.signatory_name, design.accent_colour) == (
        "Certificat de formation",
        "Marie Dupont",
        "#AA3300",
    )
    assert design.logo.name.startswith("certificates/logos/")
    assert design.logo.read().startswith(b"\x89PNG")


def test_saved_design_applies_to_the_next_certificate(design_client, agent, course):
    """A certificate issued after saving the design takes its texts."""
    design_client.post(DESIGN_URL, design_data())
    certificate = pending_certificate(agent, course)
    assert certificate.snapshot["heading"] == "Certificat de formation"
    assert certificate.snapshot["signatory_title"] == "La Maire"


def test_corrupt_logo_upload_is_refused_in_french(design_client):
    """A file that is not an image is refused with a French message and nothing is saved."""
    logo = SimpleUploadedFile("logo.png", b"\x89PNG\r\n\x1a\n not really a picture", content_type="image/png")
    response = design_client.post(DESIGN_URL, {**design_data(), "logo": logo})
    assert response.status_code == 400
    errors = response.context["form"].errors["logo"]
    assert errors
    assert any("image" in error and ("valide" in error or "lisible" in error) for error in errors), errors
    assert "Le modèle n'a pas été enregistré" in page_text(response)
    assert not CertificateDesign.objects.exists()
    assert logos_stored() == []


def test_preview_returns_a_pdf_and_saves_nothing(design_client):
    """The preview answers a PDF of sample data and creates no certificate, design or file."""
    logo = SimpleUploadedFile("logo.png", png_bytes(), content_type="image/png")
    response = design_client.post(DESIGN_URL, {**design_data(), "logo": logo, "preview": "1"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert not Certificate.objects.exists()
    assert not CertificateDesign.objects.exists()
    assert logos_stored() == []


def test_preview_leaves_a_saved_design_unchanged(design_client, town):
    """Previewing other texts does not change the design already saved."""
    CertificateDesign.objects.create(organisation=town, heading="Ancien titre")
    design_client.post(DESIGN_URL, {**design_data(heading="Essai"), "preview": "1"})
    assert CertificateDesign.objects.get().heading == "Ancien titre"


def test_hr_of_another_organisation_sees_only_their_own(client, town, other_hr):
    """HR of another organisation is shown and saves their own design, even when naming this organisation."""
    CertificateDesign.objects.create(organisation=town, heading="Titre de Saint-Aubin")
    other_hr.user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(other_hr.user)
    response = client.get(DESIGN_URL, {"organisation": town.pk})
    assert response.context["organisation"] == other_hr.organisation
    assert "Titre de Saint-Aubin" not in page_text(response)
    client.post(f"{DESIGN_URL}?organisation={town.pk}", {**design_data(heading="Piratage"), "organisation": town.pk})
    assert CertificateDesign.objects.get(organisation=town).heading == "Titre de Saint-Aubin"
    assert CertificateDesign.objects.get(organisation=other_hr.organisation).heading == "Piratage"


def test_plain_agent_is_refused_the_design_page(client, agent):
    """An agent without HR role is sent to the admin login and saves nothing."""
    client.force_login(agent.user)
    response = client.post(DESIGN_URL, design_data())
    assert response.status_code == 302
    assert response.url.startswith(reverse("wagtailadmin_login"))
    assert not CertificateDesign.objects.exists()


def test_agent_with_admin_access_but_no_hr_role_is_refused(client, agent):
    """An account that may open the admin but is not HR is sent back to the admin home and saves nothing."""
    agent.user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(agent.user)
    for response in (client.get(DESIGN_URL), client.post(DESIGN_URL, design_data())):
        assert response.status_code == 302
        assert response.url == reverse("wagtailadmin_home")
    assert not CertificateDesign.objects.exists()


# --- Mon espace --------------------------------------------------------------------------------------------


def test_mon_espace_lists_certificates_with_a_download_link(client, agent, certificate):
    """Mon espace lists the agent's certificate with its title, code and download link."""
    client.force_login(agent.user)
    response = client.get(reverse("home:dashboard"))
    text = page_text(response)
    assert response.status_code == 200
    assert "Mes attestations" in text
    assert "Cybersécurité au quotidien" in text
    assert certificate.display_code in text
    assert reverse("certificates:download", args=[certificate.uuid]) in text


def test_mon_espace_shows_a_pending_certificate_without_link(client, agent, course):
    """A certificate still being made is listed as "En préparation", without a download link."""
    pending = pending_certificate(agent, course)
    client.force_login(agent.user)
    text = page_text(client.get(reverse("home:dashboard")))
    assert "En préparation" in text
    assert reverse("certificates:download", args=[pending.uuid]) not in text


def test_mon_espace_does_not_list_another_agents_certificate(client, town, certificate):
    """Another agent's Mon espace does not show Camille's certificate."""
    client.force_login(make_agent(town, "Louis", "Bernard").user)
    text = page_text(client.get(reverse("home:dashboard")))
    assert reverse("certificates:download", args=[certificate.uuid]) not in text


def test_my_certificates_page_lists_them(client, agent, certificate):
    """The "Mes attestations" page lists the agent's certificate with its download link."""
    client.force_login(agent.user)
    response = client.get(reverse("certificates:mine"))
    assert reverse("certificates:download", args=[certificate.uuid]) in page_text(response)
