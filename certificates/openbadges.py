"""A certificate as an Open Badges 3.0 `OpenBadgeCredential` (W3C Verifiable Credentials 2.0), and its proof.

Pure: no database, no models. The caller gathers the facts into a `BadgeInput`; `build_credential` returns
the JSON-ready credential, valid against 1EdTech's `achievementcredential.json` schema. `sign_credential`
adds a W3C Data Integrity proof with the `eddsa-jcs-2022` cryptosuite (Ed25519 over SHA-256 hashes of the
JSON Canonicalization Scheme, RFC 8785, of the proof options and of the document); `verify_credential`
checks it again.

Personal data is kept to what the badge needs: an opaque recipient id and the agent's name; never an e-mail.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_SCHEMA_ID = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
OB_SCHEMA_TYPE = "1EdTechJsonSchemaValidator2019"
ACHIEVEMENT_TYPE = "Course"

CRCN_FRAMEWORK = "CRCN — Cadre de référence des compétences numériques"
CRCN_URL = "https://pix.fr/competences"
CRCN_TARGET_TYPE = "ext:CRCN"  # the schema's extension pattern for AlignmentTargetType: "ext:" + name
CRCN_MIN_LEVEL = 1
CRCN_MAX_LEVEL = 8

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-jcs-2022"
PROOF_PURPOSE = "assertionMethod"

# BCP 47 as the Open Badges schema restricts it for `inLanguage`.
LANGUAGE_PATTERN = re.compile(r"^[a-z]{2,4}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?$")


@dataclass(frozen=True)
class Alignment:
    """A CRCN competence the course trains, at a level from 1 to 8."""

    code: str  # "1.1"
    name: str  # "Mener une recherche et une veille d'information"
    level: int


@dataclass(frozen=True)
class BadgeInput:
    """Everything a credential says, already resolved to strings and URLs by the caller."""

    credential_url: str  # https://site/verify/<code>/credential.json — the credential's "id"
    verification_url: str  # https://site/verify/<code>/ — the public page showing the certificate
    achievement_url: str  # stable id of the achievement, e.g. https://site/xapi/activities/course/12
    issuer_id: str  # URL of the organisation, e.g. https://site/organisations/<slug>
    issuer_name: str
    recipient_id: str  # opaque and stable, e.g. "urn:uuid:<agent uuid>"
    recipient_name: str
    title: str
    description: str
    criteria: str  # what the agent did to earn it
    hours: float
    valid_from: datetime  # aware
    alignments: tuple[Alignment, ...] = ()
    image_url: str | None = None
    language: str = "fr"


# --- the credential ---------------------------------------------------------------------------------------


def build_credential(data: BadgeInput) -> dict:
    """The unsigned `OpenBadgeCredential` for `data`, as plain JSON types (str, list, dict, bool, int)."""
    if not LANGUAGE_PATTERN.match(data.language):
        raise ValueError(f"language {data.language!r} is not a BCP 47 tag the Open Badges schema accepts")
    achievement: dict = {
        "id": data.achievement_url,
        "type": ["Achievement"],
        "achievementType": ACHIEVEMENT_TYPE,
        "name": data.title,
        "description": _description_with_hours(data.description, data.hours),
        "criteria": {"narrative": data.criteria},
        "inLanguage": data.language,
    }
    if data.image_url:
        achievement["image"] = {"id": data.image_url, "type": "Image", "caption": data.title}
    if data.alignments:
        achievement["alignment"] = [_alignment(alignment) for alignment in data.alignments]

    subject: dict = {"id": data.recipient_id, "type": ["AchievementSubject"]}
    if data.recipient_name:
        # The schema's way to name the recipient: an IdentityObject of type "name", not hashed.
        subject["identifier"] = [
            {
                "type": "IdentityObject",
                "identityHash": data.recipient_name,
                "identityType": "name",
                "hashed": False,
            }
        ]
    subject["achievement"] = achievement

    return {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": data.credential_url,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": data.title,
        "issuer": {"id": data.issuer_id, "type": ["Profile"], "name": data.issuer_name},
        "validFrom": _utc_timestamp(data.valid_from, "valid_from"),
        "credentialSubject": subject,
        "evidence": [
            {
                "id": data.verification_url,
                "type": ["Evidence"],
                "name": "Page de vérification de l'attestation",
            }
        ],
        "credentialSchema": [{"id": OB_SCHEMA_ID, "type": OB_SCHEMA_TYPE}],
    }


def _alignment(alignment: Alignment) -> dict:
    if not CRCN_MIN_LEVEL <= alignment.level <= CRCN_MAX_LEVEL:
        raise ValueError(f"CRCN level {alignment.level} of {alignment.code} is not between 1 and 8")
    return {
        "type": ["Alignment"],
        "targetCode": alignment.code,
        "targetName": f"{alignment.code} {alignment.name}",
        "targetDescription": f"Niveau {alignment.level}",
        "targetFramework": CRCN_FRAMEWORK,
        "targetType": CRCN_TARGET_TYPE,
        "targetUrl": CRCN_URL,
    }


def _description_with_hours(description: str, hours: float) -> str:
    """The description, then the duration in words: the schema has no field for hours of training."""
    if hours < 0 or not math.isfinite(hours):
        raise ValueError(f"hours must be a non-negative number, not {hours!r}")
    text = description.strip()
    if not hours:
        return text
    if text and not text.endswith((".", "!", "?", "…")):
        text += "."
    amount = f"{hours:.2f}".rstrip("0").rstrip(".").replace(".", ",")
    return f"{text} Durée : {amount} h".lstrip() + "."


def _utc_timestamp(moment: datetime, what: str) -> str:
    """`2024-05-06T07:08:09Z`: an XML Schema / RFC 3339 date-time in UTC, to the second."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must be an aware datetime")
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- eddsa-jcs-2022 proofs ----------------------------------------------------------------------------------


def sign_credential(
    credential: dict, private_key: Ed25519PrivateKey, verification_method: str, created: datetime
) -> dict:
    """A copy of `credential` with an `eddsa-jcs-2022` DataIntegrityProof appended to its `proof` list.

    Proofs already present form a proof set: they are left out of what the new proof signs, as the
    Data Integrity specification does for proof sets.
    """
    unsecured = {key: value for key, value in credential.items() if key != "proof"}
    proof: dict = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": _utc_timestamp(created, "created"),
        "verificationMethod": verification_method,
        "proofPurpose": PROOF_PURPOSE,
    }
    if "@context" in unsecured:
        proof["@context"] = copy.deepcopy(unsecured["@context"])
    signature = private_key.sign(_hash_data(unsecured, proof))
    proof["proofValue"] = "z" + base58btc_encode(signature)

    secured = copy.deepcopy(credential)
    existing = secured.get("proof", [])
    secured["proof"] = [*(existing if isinstance(existing, list) else [existing]), proof]
    return secured


def verify_credential(credential: dict, public_key: Ed25519PublicKey) -> bool:
    """Whether one of the credential's `eddsa-jcs-2022` proofs is a valid signature by `public_key`."""
    proofs = credential.get("proof")
    if isinstance(proofs, dict):
        proofs = [proofs]
    if not isinstance(proofs, list):
        return False
    unsecured = {key: value for key, value in credential.items() if key != "proof"}
    return any(_verify_proof(unsecured, proof, public_key) for proof in proofs)


def _verify_proof(unsecured: dict, proof: object, public_key: Ed25519PublicKey) -> bool:
    if not isinstance(proof, dict):
        return False
    if (proof.get("type"), proof.get("cryptosuite"), proof.get("proofPurpose")) != (
        PROOF_TYPE,
        CRYPTOSUITE,
        PROOF_PURPOSE,
    ):
        return False
    proof_value = proof.get("proofValue")
    if not isinstance(proof_value, str) or not proof_value.startswith("z"):
        return False
    try:
        signature = base58btc_decode(proof_value[1:])
    except ValueError:
        return False
    options = {key: value for key, value in proof.items() if key != "proofValue"}
    document = dict(unsecured)
    if "@context" in options:
        # The proof's contexts must open the document's, in order; the proof signed with the proof's.
        proof_context, document_context = options["@context"], document.get("@context")
        if not isinstance(proof_context, list) or not isinstance(document_context, list):
            return False
        if document_context[: len(proof_context)] != proof_context:
            return False
        document["@context"] = proof_context
    try:
        public_key.verify(signature, _hash_data(document, options))
    except (InvalidSignature, ValueError):
        return False
    return True


def _hash_data(document: dict, proof_options: dict) -> bytes:
    """SHA-256 of the canonical proof configuration, then SHA-256 of the canonical document (64 bytes)."""
    config = dict(proof_options)
    if "@context" in document:
        config["@context"] = document["@context"]
    return hashlib.sha256(canonicalize(config)).digest() + hashlib.sha256(canonicalize(document)).digest()


# --- RFC 8785 JSON Canonicalization Scheme ----------------------------------------------------------------


def canonicalize(value: object) -> bytes:
    """The RFC 8785 (JCS) canonical UTF-8 form of a JSON value built from dict, list, str, int, float, bool, None."""
    return _jcs(value).encode("utf-8")


def _jcs(value: object) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return _jcs_string(value)
    if isinstance(value, int):
        return str(value) if abs(value) <= 2**53 else _es_number(float(value))
    if isinstance(value, float):
        return _es_number(value)
    if isinstance(value, list | tuple):
        return "[" + ",".join(_jcs(item) for item in value) + "]"
    if isinstance(value, dict):
        for key in value:
            if not isinstance(key, str):
                raise TypeError(f"JSON object keys must be strings, not {key!r}")
        # Keys in the order of their UTF-16 code units, as RFC 8785 section 3.2.3 requires.
        keys = sorted(value, key=lambda key: key.encode("utf-16-be"))
        return "{" + ",".join(_jcs_string(key) + ":" + _jcs(value[key]) for key in keys) + "}"
    raise TypeError(f"{type(value).__name__} is not a JSON value")


def _jcs_string(text: str) -> str:
    # Same escapes as ECMAScript's JSON.stringify: \" \\ \b \f \n \r \t, other controls as lowercase \u00xx.
    if any(0xD800 <= ord(char) <= 0xDFFF for char in text):
        raise ValueError("lone surrogates cannot be canonicalized (RFC 8785 requires I-JSON)")
    return json.dumps(text, ensure_ascii=False)


def _es_number(number: float) -> str:
    """ECMAScript's Number.prototype.toString for a double, as RFC 8785 section 3.2.2.3 requires."""
    if not math.isfinite(number):
        raise ValueError("NaN and infinities are not JSON numbers")
    if number == 0:
        return "0"
    if number < 0:
        return "-" + _es_number(-number)
    # repr() gives the shortest digits that round-trip, as ECMAScript does; only the layout differs.
    _, digit_tuple, decimal_exponent = Decimal(repr(number)).as_tuple()
    digits = "".join(map(str, digit_tuple)).rstrip("0")
    exponent = int(decimal_exponent) + len(digit_tuple) - len(digits)
    k = len(digits)
    n = exponent + k  # the value is 0.<digits> × 10^n
    if k <= n <= 21:
        return digits + "0" * (n - k)
    if 0 < n <= 21:
        return digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return "0." + "0" * -n + digits
    mantissa = digits if k == 1 else digits[0] + "." + digits[1:]
    return f"{mantissa}e{'+' if n - 1 >= 0 else '-'}{abs(n - 1)}"


# --- multibase base58btc ------------------------------------------------------------------------------------

BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def base58btc_encode(data: bytes) -> str:
    """Bitcoin's base58 (without the multibase "z" prefix)."""
    number = int.from_bytes(data, "big")
    encoded = ""
    while number:
        number, remainder = divmod(number, 58)
        encoded = BASE58_ALPHABET[remainder] + encoded
    leading_zeros = len(data) - len(data.lstrip(b"\0"))
    return BASE58_ALPHABET[0] * leading_zeros + encoded


def base58btc_decode(text: str) -> bytes:
    """The bytes of a base58btc string (without the multibase "z" prefix); ValueError if it is not one."""
    number = 0
    for char in text:
        index = BASE58_ALPHABET.find(char)
        if index < 0:
            raise ValueError(f"{char!r} is not a base58btc character")
        number = number * 58 + index
    leading_zeros = len(text) - len(text.lstrip(BASE58_ALPHABET[0]))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * leading_zeros + body
