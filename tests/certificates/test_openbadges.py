"""The Open Badges 3.0 credential of a certificate, checked against 1EdTech's official JSON Schema, and its
eddsa-jcs-2022 proof, checked against the W3C test vector and RFC 8785's canonicalization examples."""

from __future__ import annotations

import copy
import json
import re
import struct
from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from jsonschema import Draft201909Validator, FormatChecker

from certificates.openbadges import (
    CRCN_FRAMEWORK,
    Alignment,
    BadgeInput,
    base58btc_decode,
    base58btc_encode,
    build_credential,
    canonicalize,
    sign_credential,
    verify_credential,
)

from .testdata import locate_testdata

SPEC_EXAMPLES = (
    "achievementAlignmentCase_0.json",
    "achievementAlignmentCe_0.json",
    "basicOpenBadgeCredential_0.json",
    "fullOpenBadge_0.json",
    "skillAssertionCase_0.json",
    "skillAssertionCtdl_0.json",
)
VERIFICATION_METHOD = "https://capnum.example/organisations/ville-de-lyon#key-1"
SIGNED_AT = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)

# The eddsa-jcs-2022 test vector of the W3C specification (w3c/vc-di-eddsa, TestVectors/keyPair.json and
# TestVectors/eddsa-jcs-2022/signedJCS.json; W3C Software and Document License).
W3C_PRIVATE_KEY_MULTIBASE = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"
W3C_PUBLIC_KEY_MULTIBASE = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
W3C_CONTEXT = ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"]
W3C_UNSIGNED = {
    "@context": W3C_CONTEXT,
    "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
    "type": ["VerifiableCredential", "AlumniCredential"],
    "name": "Alumni Credential",
    "description": "A minimum viable example of an Alumni Credential.",
    "issuer": "https://vc.example/issuers/5678",
    "validFrom": "2023-01-01T00:00:00Z",
    "credentialSubject": {"id": "did:example:abcdefgh", "alumniOf": "The School of Examples"},
}
W3C_PROOF = {
    "type": "DataIntegrityProof",
    "cryptosuite": "eddsa-jcs-2022",
    "created": "2023-02-24T23:36:38Z",
    "verificationMethod": "https://vc.example/issuers/5678#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",
    "proofPurpose": "assertionMethod",
    "@context": W3C_CONTEXT,
    "proofValue": "z63t83Y53KfzJ5ZosfKTnqfMcKB2dmTrfjSaQjeNNjAD5srBowQfmWqeRb8rRjmeEuCBEsddF9LsVogtuTsijJKh4",
}
W3C_CANONICAL_DOCUMENT = (
    '{"@context":["https://www.w3.org/ns/credentials/v2","https://www.w3.org/ns/credentials/examples/v2"],'
    '"credentialSubject":{"alumniOf":"The School of Examples","id":"did:example:abcdefgh"},'
    '"description":"A minimum viable example of an Alumni Credential.",'
    '"id":"urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33","issuer":"https://vc.example/issuers/5678",'
    '"name":"Alumni Credential","type":["VerifiableCredential","AlumniCredential"],'
    '"validFrom":"2023-01-01T00:00:00Z"}'
)

# RFC 8785 appendix B: IEEE 754 doubles (hex) and their canonical form.
RFC8785_NUMBERS = (
    ("0000000000000000", "0"),
    ("8000000000000000", "0"),
    ("0000000000000001", "5e-324"),
    ("8000000000000001", "-5e-324"),
    ("7fefffffffffffff", "1.7976931348623157e+308"),
    ("ffefffffffffffff", "-1.7976931348623157e+308"),
    ("4340000000000000", "9007199254740992"),
    ("c340000000000000", "-9007199254740992"),
    ("4430000000000000", "295147905179352830000"),
    ("44b52d02c7e14af5", "9.999999999999997e+22"),
    ("44b52d02c7e14af6", "1e+23"),
    ("44b52d02c7e14af7", "1.0000000000000001e+23"),
    ("444b1ae4d6e2ef4e", "999999999999999700000"),
    ("444b1ae4d6e2ef4f", "999999999999999900000"),
    ("444b1ae4d6e2ef50", "1e+21"),
    ("3eb0c6f7a0b5ed8c", "9.999999999999997e-7"),
    ("3eb0c6f7a0b5ed8d", "0.000001"),
    ("41b3de4355555553", "333333333.3333332"),
    ("41b3de4355555554", "333333333.33333325"),
    ("41b3de4355555555", "333333333.3333333"),
    ("41b3de4355555556", "333333333.3333334"),
    ("41b3de4355555557", "333333333.33333343"),
    ("becbf647612f3696", "-0.0000033333333333333333"),
    ("43143ff3c1cb0959", "1424953923781206.2"),
)
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")


@pytest.fixture(scope="module")
def openbadges_data():
    return locate_testdata() / "openbadges"


@pytest.fixture(scope="module")
def validator(openbadges_data):
    schema = json.loads((openbadges_data / "schema" / "achievementcredential.json").read_text(encoding="utf-8"))
    Draft201909Validator.check_schema(schema)
    return Draft201909Validator(schema, format_checker=FormatChecker())


@pytest.fixture
def badge():
    return BadgeInput(
        credential_url="https://capnum.example/verify/K7QX-2M9D/credential.json",
        verification_url="https://capnum.example/verify/K7QX-2M9D/",
        achievement_url="https://capnum.example/xapi/activities/course/12",
        issuer_id="https://capnum.example/organisations/ville-de-lyon",
        issuer_name="Ville de Lyon",
        recipient_id="urn:uuid:5f1c1f3e-8a57-4a43-9d1e-3d8d2b0c6a11",
        recipient_name="Camille Martin",
        title="Bien chercher l'information en ligne",
        description="Méthodes de recherche et de veille pour les agents",
        criteria="A terminé toutes les leçons requises et réussi le quiz final (85 %).",
        hours=1.5,
        valid_from=datetime(2025, 3, 14, 10, 30, 15, 123456, tzinfo=ZoneInfo("Europe/Paris")),
        alignments=(
            Alignment(code="1.1", name="Mener une recherche et une veille d'information", level=3),
            Alignment(code="2.1", name="Interagir", level=2),
        ),
        image_url="https://capnum.example/media/badges/course-12.png",
    )


@pytest.fixture
def private_key():
    return Ed25519PrivateKey.generate()


def schema_errors(validator, credential) -> list[str]:
    return [f"{list(error.absolute_path)}: {error.message}" for error in validator.iter_errors(credential)]


def w3c_keys() -> tuple[Ed25519PrivateKey, Ed25519PublicKey]:
    private_bytes = base58btc_decode(W3C_PRIVATE_KEY_MULTIBASE[1:])
    public_bytes = base58btc_decode(W3C_PUBLIC_KEY_MULTIBASE[1:])
    assert private_bytes[:2] == b"\x80\x26"  # multicodec ed25519-priv
    assert public_bytes[:2] == b"\xed\x01"  # multicodec ed25519-pub
    return (
        Ed25519PrivateKey.from_private_bytes(private_bytes[2:]),
        Ed25519PublicKey.from_public_bytes(public_bytes[2:]),
    )


# --- the schema and the validator set-up ----------------------------------------------------------------------


@pytest.mark.parametrize("name", SPEC_EXAMPLES)
def test_spec_example_is_valid(validator, openbadges_data, name):
    """Each example credential of the Open Badges 3.0 specification passes our schema validator."""
    example = json.loads((openbadges_data / "spec-examples" / name).read_text(encoding="utf-8"))
    assert schema_errors(validator, example) == []


def test_validator_checks_date_formats(validator, badge):
    """The validator refuses a validFrom that is not an RFC 3339 date-time (format checking is active)."""
    credential = build_credential(badge)
    credential["validFrom"] = "2025-03-14 10:30"
    assert schema_errors(validator, credential)


def test_built_credential_is_valid(validator, badge):
    """The credential built for a certificate is valid against the official achievementcredential schema."""
    assert schema_errors(validator, build_credential(badge)) == []


def test_minimal_credential_is_valid(validator, badge):
    """Without alignments, image, recipient name or hours, the credential is still valid."""
    bare = replace(badge, alignments=(), image_url=None, recipient_name="", hours=0)
    assert schema_errors(validator, build_credential(bare)) == []


def test_signed_credential_is_valid(validator, badge, private_key):
    """The signed credential, with its proof, is still valid against the official schema."""
    signed = sign_credential(build_credential(badge), private_key, VERIFICATION_METHOD, SIGNED_AT)
    assert schema_errors(validator, signed) == []


# --- the credential's content ---------------------------------------------------------------------------------


def test_credential_is_an_open_badge_credential(badge):
    """The credential has the VC 2.0 and OB 3.0 contexts, both types, its URL as id and the OB schema."""
    credential = build_credential(badge)
    assert credential["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["id"] == badge.credential_url
    assert credential["credentialSchema"] == [
        {
            "id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json",
            "type": "1EdTechJsonSchemaValidator2019",
        }
    ]


def test_alignments_carry_crcn_codes(badge):
    """Each alignment names its CRCN competence by code, with the framework, level and an extension type."""
    alignments = build_credential(badge)["credentialSubject"]["achievement"]["alignment"]
    assert [(a["targetCode"], a["targetName"], a["targetDescription"]) for a in alignments] == [
        ("1.1", "1.1 Mener une recherche et une veille d'information", "Niveau 3"),
        ("2.1", "2.1 Interagir", "Niveau 2"),
    ]
    assert {a["targetFramework"] for a in alignments} == {CRCN_FRAMEWORK}
    assert {a["targetType"] for a in alignments} == {"ext:CRCN"}
    assert all(a["targetUrl"].startswith("https://") for a in alignments)


def test_alignment_level_outside_crcn_is_refused(badge):
    """A CRCN level outside 1–8 is refused."""
    wrong = replace(badge, alignments=(Alignment(code="1.1", name="Recherche", level=9),))
    with pytest.raises(ValueError, match="between 1 and 8"):
        build_credential(wrong)


def test_valid_from_is_utc_iso_with_timezone(badge):
    """validFrom is the certificate's moment in UTC, ISO 8601 to the second, with the Z designator."""
    valid_from = build_credential(badge)["validFrom"]
    assert valid_from == "2025-03-14T09:30:15Z"
    assert datetime.fromisoformat(valid_from) == badge.valid_from.replace(microsecond=0)


def test_naive_valid_from_is_refused(badge):
    """A valid_from without a timezone is refused rather than guessed."""
    naive = replace(badge, valid_from=datetime(2025, 3, 14, 10, 30))
    with pytest.raises(ValueError, match="aware"):
        build_credential(naive)


def test_achievement_describes_the_course(badge):
    """The achievement is a Course in French with its criteria narrative and its hours in the description."""
    achievement = build_credential(badge)["credentialSubject"]["achievement"]
    assert achievement["id"] == badge.achievement_url
    assert achievement["achievementType"] == "Course"
    assert achievement["inLanguage"] == "fr"
    assert achievement["criteria"] == {"narrative": badge.criteria}
    assert achievement["description"] == "Méthodes de recherche et de veille pour les agents. Durée : 1,5 h."
    assert achievement["image"] == {"id": badge.image_url, "type": "Image", "caption": badge.title}


def test_recipient_is_an_opaque_id_and_a_name(badge):
    """The recipient is the agent's opaque id and plain-text name, nothing more."""
    subject = build_credential(badge)["credentialSubject"]
    assert subject["id"] == badge.recipient_id
    assert subject["identifier"] == [
        {"type": "IdentityObject", "identityHash": "Camille Martin", "identityType": "name", "hashed": False}
    ]
    assert set(subject) == {"id", "type", "identifier", "achievement"}


def test_no_email_in_credential(badge, private_key):
    """Neither the credential nor its signed form contains an e-mail address or an e-mail field."""
    signed = sign_credential(build_credential(badge), private_key, VERIFICATION_METHOD, SIGNED_AT)
    text = json.dumps(signed, ensure_ascii=False)
    assert not EMAIL.search(text)
    assert "email" not in text.lower()


def test_credential_has_no_numbers(badge):
    """The built credential holds no numbers, so its signature does not depend on number formatting."""

    def leaves(value):
        if isinstance(value, dict):
            return [leaf for item in value.values() for leaf in leaves(item)]
        if isinstance(value, list):
            return [leaf for item in value for leaf in leaves(item)]
        return [value]

    assert {type(leaf) for leaf in leaves(build_credential(badge))} <= {str, bool}


# --- signing and verifying --------------------------------------------------------------------------------------


def test_signed_credential_verifies(badge, private_key):
    """A signed credential verifies with the signer's public key."""
    signed = sign_credential(build_credential(badge), private_key, VERIFICATION_METHOD, SIGNED_AT)
    assert verify_credential(signed, private_key.public_key())


def test_tampered_credential_fails(badge, private_key):
    """Changing the credential's name after signing makes verification fail."""
    signed = sign_credential(build_credential(badge), private_key, VERIFICATION_METHOD, SIGNED_AT)
    signed["name"] = "Expert en cybersécurité"
    assert not verify_credential(signed, private_key.public_key())


def test_tampered_proof_options_fail(badge, private_key):
    """Changing a signed proof option (the creation date) makes verification fail."""
    signed = sign_credential(build_credential(badge), private_key, VERIFICATION_METHOD, SIGNED_AT)
    signed["proof"][0]["created"] = "2030-01-01T00:00:00Z"
    assert not verify_credential(signed, private_key.public_key())


def test_other_key_fails(badge, private_key):
    """A signed credential does not verify with another key."""
    signed = sign_credential(build_credential(badge), private_key, VERIFICATION_METHOD, SIGNED_AT)
    assert not verify_credential(signed, Ed25519PrivateKey.generate().public_key())


def test_unsigned_credential_does_not_verify(badge, private_key):
    """A credential without a proof does not verify."""
    assert not verify_credential(build_credential(badge), private_key.public_key())


def test_proof_fields(badge, private_key):
    """The proof is one eddsa-jcs-2022 DataIntegrityProof for assertionMethod, with a base58btc signature."""
    credential = build_credential(badge)
    signed = sign_credential(credential, private_key, VERIFICATION_METHOD, SIGNED_AT)
    [proof] = signed["proof"]
    assert proof["type"] == "DataIntegrityProof"
    assert proof["cryptosuite"] == "eddsa-jcs-2022"
    assert proof["created"] == "2025-03-14T09:30:00Z"
    assert proof["verificationMethod"] == VERIFICATION_METHOD
    assert proof["proofPurpose"] == "assertionMethod"
    assert proof["@context"] == credential["@context"]
    assert proof["proofValue"].startswith("z")
    assert len(base58btc_decode(proof["proofValue"][1:])) == 64


def test_signing_leaves_the_input_unchanged(badge, private_key):
    """sign_credential returns a new credential and does not add a proof to the one given."""
    credential = build_credential(badge)
    before = copy.deepcopy(credential)
    sign_credential(credential, private_key, VERIFICATION_METHOD, SIGNED_AT)
    assert credential == before


def test_second_signature_forms_a_proof_set(badge, private_key):
    """Signing a signed credential again appends a proof, and the credential verifies with either key."""
    other_key = Ed25519PrivateKey.generate()
    signed = sign_credential(build_credential(badge), private_key, VERIFICATION_METHOD, SIGNED_AT)
    twice = sign_credential(signed, other_key, VERIFICATION_METHOD + "-2", SIGNED_AT)
    assert len(twice["proof"]) == 2
    assert verify_credential(twice, private_key.public_key())
    assert verify_credential(twice, other_key.public_key())


def test_w3c_test_vector_signature_is_reproduced():
    """Signing the W3C eddsa-jcs-2022 test vector with its key gives exactly the published proofValue."""
    private_key, _ = w3c_keys()
    created = datetime.fromisoformat(W3C_PROOF["created"])
    signed = sign_credential(W3C_UNSIGNED, private_key, W3C_PROOF["verificationMethod"], created)
    assert signed["proof"] == [W3C_PROOF]


def test_w3c_signed_test_vector_verifies():
    """The W3C signed test vector, whose proof is an object rather than a list, verifies with its public key."""
    _, public_key = w3c_keys()
    assert verify_credential({**W3C_UNSIGNED, "proof": W3C_PROOF}, public_key)


# --- RFC 8785 canonicalization and base58btc --------------------------------------------------------------------


def test_canonical_document_matches_w3c_test_vector():
    """The JCS form of the W3C test document is byte for byte the published one."""
    assert canonicalize(W3C_UNSIGNED) == W3C_CANONICAL_DOCUMENT.encode()


@pytest.mark.parametrize(("bits", "expected"), RFC8785_NUMBERS)
def test_canonical_numbers_follow_rfc8785(bits, expected):
    """Doubles are written as ECMAScript writes them (RFC 8785 appendix B)."""
    assert canonicalize(struct.unpack(">d", bytes.fromhex(bits))[0]) == expected.encode()


def test_canonical_keys_sort_by_utf16_code_units():
    """Object keys are sorted by UTF-16 code units, as in RFC 8785 section 3.2.3 (emoji before U+FB33)."""
    keys = {"\u20ac": 1, "\r": 2, "\ufb33": 3, "1": 4, "\U0001f600": 5, "\u0080": 6, "\u00f6": 7}
    assert list(json.loads(canonicalize(keys))) == ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]


def test_canonical_strings_escape_like_ecmascript():
    """Strings keep non-ASCII text as UTF-8 and escape only quotes, backslashes and control characters."""
    assert canonicalize('é\u2028\x7f"\\\n\x01') == '"é\u2028\x7f\\"\\\\\\n\\u0001"'.encode()


def test_base58btc_round_trip_keeps_leading_zero_bytes():
    """base58btc encodes leading zero bytes as '1' and decodes back to the same bytes."""
    data = b"\0\0\x01\xff" + bytes(range(60))
    encoded = base58btc_encode(data)
    assert encoded.startswith("11")
    assert base58btc_decode(encoded) == data
