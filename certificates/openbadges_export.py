"""A certificate as an Open Badges 3.0 credential: the data from its snapshot, then the pure builder of
`openbadges.py`, signed with the platform's Ed25519 key when OPENBADGES_SIGNING_KEY is set."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, time
from functools import lru_cache

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from . import openbadges
from .models import Certificate


def _absolute(path: str) -> str:
    return settings.SITE_URL + path


def badge_input(certificate: Certificate) -> openbadges.BadgeInput:
    snap = certificate.snapshot
    completed = datetime.fromisoformat(snap["completed_at"]).date()
    minutes = int(snap.get("duration_minutes") or 0)
    score = snap.get("score")
    if snap.get("kind") == Certificate.Kind.PATH:
        criteria = _("A terminé toutes les étapes obligatoires du parcours.")
    else:
        criteria = _("A terminé toutes les leçons requises du cours.")
    if score:
        criteria = _("A terminé toutes les leçons requises du cours et réussi son quiz final (%(score)s %%).") % {
            "score": score.rstrip("0").rstrip(".")
        }
    course_id = snap.get("course_id")
    if snap.get("kind") == Certificate.Kind.PATH and snap.get("path_id"):
        achievement = _absolute(f"/xapi/activities/path/{snap['path_id']}")
    elif course_id:
        achievement = _absolute(f"/xapi/activities/course/{course_id}")
    else:
        achievement = _absolute(f"/verify/{certificate.code}/")
    return openbadges.BadgeInput(
        credential_url=_absolute(reverse("certificates:credential", args=[certificate.code])),
        verification_url=_absolute(reverse("certificates:verify", args=[certificate.code])),
        achievement_url=achievement,
        issuer_id=_absolute(f"/organisations/{certificate.organisation_id}"),
        issuer_name=snap.get("organisation", ""),
        recipient_id=f"urn:uuid:{certificate.uuid}",
        recipient_name=snap.get("agent_name", ""),
        title=snap.get("title", ""),
        description=_("Formation de %(hours)s suivie sur Cap Numérique.")
        % {"hours": f"{minutes // 60} h {minutes % 60:02d}" if minutes >= 60 else f"{minutes} min"},
        criteria=criteria,
        hours=round(minutes / 60, 2),
        valid_from=timezone.make_aware(datetime.combine(completed, time(12, 0)), UTC),
        alignments=tuple(
            openbadges.Alignment(item["code"], item["name"], int(item.get("level") or 0))
            for item in snap.get("competences", [])
        ),
        language=certificate.language or "fr",
    )


@lru_cache(maxsize=1)
def _signing_key():
    raw = settings.OPENBADGES_SIGNING_KEY
    if not raw:
        return None
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return Ed25519PrivateKey.from_private_bytes(base64.b64decode(raw))


def credential_for(certificate: Certificate) -> dict:
    credential = openbadges.build_credential(badge_input(certificate))
    key = _signing_key()
    if key is None:
        return credential
    return openbadges.sign_credential(
        credential,
        key,
        verification_method=_absolute(reverse("certificates:keys")) + "#key-1",
        created=certificate.ready_at or certificate.issued_at,
    )


def public_key_multibase() -> str | None:
    """The signing key's public half as a Multikey (multicodec ed25519-pub 0xed01, base58btc)."""
    key = _signing_key()
    if key is None:
        return None
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return "z" + openbadges.base58btc_encode(b"\xed\x01" + raw)
