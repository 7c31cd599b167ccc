"""Certificates: the agent's own, HR's of their organisation, and public verification.

An agent reaches only their own certificates (another's gives 404); HR only their organisation's
(through people.permissions); the public page shows the minimum for one code, rate-limited.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from people import permissions
from people.backends import client_ip

from . import archives, codes, openbadges_export, selectors, services
from .forms import CertificateFilterForm, RevokeForm
from .models import Certificate, CertificateArchive

PER_PAGE = 50
VERIFY_LIMIT_PER_MINUTE = 20


def _pdf_response(certificate: Certificate):
    if certificate.status != Certificate.Status.READY or not certificate.pdf:
        raise Http404
    try:
        handle = certificate.pdf.open("rb")
    except OSError as exc:
        raise Http404 from exc
    return FileResponse(handle, as_attachment=True, filename=f"attestation-{certificate.display_code}.pdf")


@login_required
def mine(request):
    agent = permissions.agent_of(request.user)
    if agent is None:
        raise PermissionDenied
    return render(request, "certificates/mine.html", {"certificates": selectors.agent_certificates(agent)})


@login_required
def download(request, uuid):
    """The agent's own certificate, or one of their organisation's for HR; 404 for anyone else."""
    certificate = selectors.hr_certificates(request.user).filter(uuid=uuid).first()
    if certificate is None:
        agent = permissions.agent_of(request.user)
        certificate = get_object_or_404(Certificate, uuid=uuid, agent=agent) if agent else None
    if certificate is None:
        raise Http404
    return _pdf_response(certificate)


def _hr_organisation(request):
    organisations = list(permissions.hr_organisations(request.user)[:2])
    if not organisations:
        raise PermissionDenied
    agent = permissions.agent_of(request.user)
    if agent is not None and any(org.pk == agent.organisation_id for org in organisations):
        return agent.organisation
    return organisations[0]


@login_required
def hr_list(request):
    organisation = _hr_organisation(request)
    services_qs = permissions.visible_services(request.user).filter(organisation=organisation).order_by("path")
    form = CertificateFilterForm(request.GET or None, services=services_qs)
    filters = form.filters()
    certificates = selectors.filter_certificates(
        selectors.hr_certificates(request.user).filter(organisation=organisation), filters
    )
    page = Paginator(certificates, PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "certificates/hr_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "archives": CertificateArchive.objects.filter(organisation=organisation, requested_by=request.user)[:5],
            "organisation": organisation,
        },
    )


def _require_hr(request) -> None:
    if not permissions.is_hr(request.user) and not permissions.is_administrator(request.user):
        raise PermissionDenied


@login_required
def hr_detail(request, uuid):
    _require_hr(request)
    certificate = get_object_or_404(
        selectors.hr_certificates(request.user).select_related("agent__user", "replaced_by", "revoked_by"), uuid=uuid
    )
    form = RevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.revoke_certificate(
                certificate_id=certificate.pk, by_user_id=request.user.pk, reason=form.cleaned_data["reason"]
            )
        except services.CertificateError as refused:
            messages.warning(request, refused.message)
        else:
            messages.success(request, _("L'attestation %(code)s est révoquée.") % {"code": certificate.display_code})
        return redirect("certificates:hr_detail", uuid=certificate.uuid)
    return render(
        request,
        "certificates/hr_detail.html",
        {"certificate": certificate, "form": form, "replaces": getattr(certificate, "replaces", None)},
    )


@login_required
@require_POST
def hr_reissue(request, uuid):
    _require_hr(request)
    certificate = get_object_or_404(selectors.hr_certificates(request.user), uuid=uuid)
    try:
        new = services.reissue_certificate(certificate_id=certificate.pk, by_user_id=request.user.pk)
    except services.CertificateError as refused:
        messages.warning(request, refused.message)
        return redirect("certificates:hr_detail", uuid=certificate.uuid)
    messages.success(
        request,
        _("Nouvelle attestation %(new)s délivrée ; %(old)s apparaît comme remplacée.")
        % {"new": new.display_code, "old": certificate.display_code},
    )
    return redirect("certificates:hr_detail", uuid=new.uuid)


@login_required
@require_POST
def hr_archive(request):
    organisation = _hr_organisation(request)
    services_qs = permissions.visible_services(request.user).filter(organisation=organisation)
    form = CertificateFilterForm(request.POST, services=services_qs)
    if not form.is_valid():
        messages.error(request, _("Les filtres de l'archive ne sont pas valides."))
        return redirect("certificates:hr_list")
    filters = form.filters()
    archive = archives.request_archive(
        organisation_id=organisation.pk,
        user_id=request.user.pk,
        filters=filters.as_json(),
        description=_describe(filters),
    )
    messages.success(request, _("L'archive est en préparation ; elle apparaîtra ci-dessous quand elle sera prête."))
    return redirect(reverse("certificates:hr_list") + f"#archive-{archive.pk}")


def _describe(filters) -> str:
    parts = []
    if filters.service:
        parts.append(str(filters.service))
    if filters.issued_from or filters.issued_to:
        parts.append(
            _("du %(start)s au %(end)s")
            % {
                "start": filters.issued_from.strftime("%d/%m/%Y") if filters.issued_from else "…",
                "end": filters.issued_to.strftime("%d/%m/%Y") if filters.issued_to else "…",
            }
        )
    if filters.q:
        parts.append(f"« {filters.q} »")
    return " · ".join(parts) or _("Toutes les attestations disponibles")


@login_required
def hr_archive_download(request, uuid):
    _require_hr(request)
    organisations = permissions.hr_organisations(request.user)
    archive = get_object_or_404(
        CertificateArchive, uuid=uuid, organisation__in=organisations, status=CertificateArchive.Status.READY
    )
    return FileResponse(archive.file.open("rb"), as_attachment=True, filename=archive.file.name.rsplit("/", 1)[-1])


# --- public verification --------------------------------------------------------------------------


def _rate_limited(request) -> bool:
    """At most VERIFY_LIMIT_PER_MINUTE lookups per client address and minute, whatever the codes."""
    key = f"verify:{client_ip(request)}:{timezone.now():%Y%m%d%H%M}"
    if cache.add(key, 1, timeout=70):
        return False
    try:
        count = cache.incr(key)
    except ValueError:
        return False
    return count > VERIFY_LIMIT_PER_MINUTE


def _verified(code: str) -> Certificate | None:
    canonical = codes.normalise(code)
    if canonical is None:
        return None
    # Pending or failed certificates were never handed out: they verify as unknown.
    shown = (
        Q(status=Certificate.Status.READY)
        | Q(status=Certificate.Status.REVOKED, ready_at__isnull=False)
        | Q(replaced_at__isnull=False, ready_at__isnull=False)
    )
    return Certificate.objects.filter(shown, code=canonical).select_related("replaced_by").first()


@never_cache
def verify(request, code: str):
    if _rate_limited(request):
        response = render(request, "certificates/verify_limited.html", status=429)
        response["Retry-After"] = "60"
        return response
    certificate = _verified(code)
    response = render(
        request,
        "certificates/verify.html",
        {"certificate": certificate, "code": code[:40], "noindex": True},
    )
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@never_cache
def credential(request, code: str):
    """The certificate as an Open Badges 3.0 OpenBadgeCredential (JSON-LD)."""
    if _rate_limited(request):
        return JsonResponse({"error": "rate_limited"}, status=429, headers={"Retry-After": "60"})
    certificate = _verified(code)
    if certificate is None or certificate.verification_state != "valid":
        raise Http404
    data = openbadges_export.credential_for(certificate)
    return HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2),
        content_type="application/ld+json; charset=utf-8",
        headers={"Content-Disposition": f'inline; filename="attestation-{certificate.display_code}.json"'},
    )


def keys(request):
    """The platform's public key as a controller document (Multikey), so that anyone can check the
    signature of an exported credential; 404 when credentials are not signed."""
    key = openbadges_export.public_key_multibase()
    if key is None:
        raise Http404
    url = settings.SITE_URL + reverse("certificates:keys")
    document = {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": url,
        "verificationMethod": [
            {"id": f"{url}#key-1", "type": "Multikey", "controller": url, "publicKeyMultibase": key}
        ],
        "assertionMethod": [f"{url}#key-1"],
    }
    return JsonResponse(document, content_type="application/ld+json")
