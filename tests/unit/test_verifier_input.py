"""The offline verifier and bad input: malformed tokens of every kind as a failed format check with a reason, a
token whose base64url is spelt otherwise, inputs that once crashed it, the W3C VC-JOSE-COSE verification vectors,
and credentials from outside the register (EdDSA badges, a vector's key, a credential that names no registrant)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime, timedelta

import pytest

from credentials.achievement import sign_credential_jwt
from credentials.compact import build_compact_claims, sign_compact
from credentials.keys import generate_key
from credentials.status_list import status_list_url
from credentials.trust import TrustedKey as IssuedKey
from tests.builders.register import ISSUER, START
from tests.builders.verifier import failed, register_fixture  # noqa: F401 - the register fixture
from tests.conftest import shared_file
from verifier import Trust, verify
from verifier.jose import Malformed, b64url_decode

DUPLICATE_ALG = b'{"alg":"ES256","alg":"none"}'
NAN = b'{"a": NaN}'


def _b64(value) -> str:
    data = value if isinstance(value, bytes) else json.dumps(value).encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.mark.parametrize(
    ("token", "words"),
    [
        ("", "three parts"),
        ("a.b", "three parts"),
        ("x" * 17_000, "at most"),
        ("é.é.é", "not base64url"),
        ("@@@.@@@.@@@", "not base64url"),
        (f"{_b64({'alg': 'ES256'})}.{_b64([1, 2])}.AAAA", "not an object"),
        (_b64(DUPLICATE_ALG) + "." + _b64({}) + ".AAAA", "names 'alg' twice"),
        (_b64({"alg": "ES256"}) + "." + _b64(NAN) + ".AAAA", "not a JSON number"),
        (f"{_b64({'alg': 'ES256'})}.{_b64(b'[' * 5000 + b']' * 5000)}.AAAA", "not valid JSON"),
        (f"{_b64({'alg': 'ES256', 'typ': 'rl-badge+jwt'})}.{_b64({'i': 5})}.AAAA", "wrong type"),
        (f"{_b64({'alg': 'ES256', 'typ': 'vc+jwt'})}.{_b64({'vc': {}})}.AAAA", "'vc' claim"),
        (_b64({"alg": "ES256"}) + "." + _b64(bytes([255, 254])) + ".AAAA", "not UTF-8"),
        (None, "not text"),
        (12345, "not text"),
        ("https://register.creativetechnicians.org.uk/v", "nothing after '#'"),
    ],
)
def test_bad_input_is_a_failed_format_check_with_a_reason(register, token, words):
    result = verify(token, register.trust(), at=register.clock.now())
    assert failed(result) == ["format"] and words in result.summary, result.summary
    assert all(c.outcome == "not checked" for c in result.checks[1:])


def _altered_last_character(part: str) -> str:
    """The same bytes, spelt otherwise: the last character's unused low bits set ('Q' -> 'R')."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    return part[:-1] + alphabet[alphabet.index(part[-1]) + 1]


def test_a_token_spelt_otherwise_does_not_verify(register):
    """The attack: the last base64url character of a signature changed so that the bytes stay the same (its unused
    bits set). It verified; now base64url must be the one encoding of its bytes."""
    shared = register.credential("Valid Val")
    trust = register.trust()
    for token in (shared.full, shared.compact):
        head, body, signature = token.split(".")
        assert len(signature) % 4 and signature[-1] in "AQgw"  # 86 characters for 64 bytes: 4 bits unused
        altered = _altered_last_character(signature)
        assert b64url_decode(signature, "s") == base64.urlsafe_b64decode(altered + "==")  # the same bytes
        for tampered in (f"{head}.{body}.{altered}", f"{shared.badge_url.split('#')[0]}#{head}.{body}.{altered}"):
            result = verify(tampered, trust, at=register.clock.now())
            assert not result.valid and failed(result) == ["format"]
            assert result.summary == (
                "Not valid: the token signature is not canonical base64url text (its last character was altered)."
            )
        if len(body) % 4:
            result = verify(f"{head}.{_altered_last_character(body)}.{signature}", trust, at=register.clock.now())
            assert failed(result) == ["format"] and "token payload is not canonical" in result.summary
    assert b64url_decode("AQ", "x") == b"\x01"
    for spelling in ("AR", "AB", "QR9", "_-"):
        with pytest.raises(Malformed, match="not canonical base64url"):
            b64url_decode(spelling, "x")


# -- the W3C VC-JOSE-COSE verification vectors
def _cases():
    return [
        c
        for c in json.loads(shared_file("standards/vc-jose-cose/cases.json").read_text())["cases"]
        if c["fn"] == "verify"
    ]


@pytest.mark.parametrize("case", _cases(), ids=lambda c: f"case-{c['number']}")
def test_w3c_vc_jose_cose_verification_cases(case, monkeypatch):
    from verifier import verify as verify_module

    key = json.loads(shared_file(f"standards/vc-jose-cose/{case['key']}").read_text())["publicKeyJwk"]
    token = shared_file(f"standards/vc-jose-cose/{case['input']}").read_text().strip()
    at = datetime(2024, 1, 1, tzinfo=UTC)
    trust = Trust.from_keys([key])
    strict = verify(token, trust, at=at)
    assert not strict.valid  # every vector carries iat as text (w3c/vc-jose-cose#334) or is meant to fail
    # the one relaxation cases.json allows: iat as RFC 3339 text
    import importlib

    module = importlib.import_module("verifier.verify")
    monkeypatch.setattr(
        module,
        "_issued_at",
        lambda value: module.parse_time(value, "iat") if isinstance(value, str) else module.numeric_date(value, "iat"),
    )
    relaxed = verify_module(token, trust, at=at)
    assert relaxed.valid == (case["expected"] == "success"), (case, relaxed.to_json())
    if case["expected"] == "success":
        assert [c.reason for c in strict.checks if c.outcome == "fail"] == [
            "the token's iat is text, not a NumericDate"
        ]


def test_verification_cases_fail_for_the_reason_they_are_about(monkeypatch):
    import importlib

    module = importlib.import_module("verifier.verify")
    monkeypatch.setattr(module, "_issued_at", lambda value: module.parse_time(value, "iat"))  # the vectors' quirk
    reasons = {}
    at = datetime(2024, 1, 1, tzinfo=UTC)
    for case in _cases():
        key = json.loads(shared_file(f"standards/vc-jose-cose/{case['key']}").read_text())["publicKeyJwk"]
        token = shared_file(f"standards/vc-jose-cose/{case['input']}").read_text().strip()
        reasons[case["number"]] = failed(verify(token, Trust.from_keys([key]), at=at))
    assert reasons[9] == ["header"]  # ES512: not on the allow-list
    assert reasons[10] == ["format"]  # an unsecured JSON credential
    assert reasons[13] == ["header"]  # typ bad+typ
    assert reasons[15] == ["format"]  # vc and vp claims
    assert reasons[12] == ["signature"]
    assert reasons[6] == reasons[8] == []


def test_a_key_from_a_vector_file_becomes_trust(register):
    key = json.loads(shared_file("standards/vc-jose-cose/vm-ed25519.json").read_text())["publicKeyJwk"]
    trust = Trust.from_keys([key], issuer="https://example.issuer/vc-jose-cose")
    assert list(trust.keys) == [key["kid"]] and trust.keys[key["kid"]].alg == "EdDSA"


def test_badges_signed_with_eddsa_verify_too(register):
    key = generate_key("EdDSA")
    claims = build_compact_claims(
        credential_id="urn:uuid:3978344f-8596-4c3a-a978-8fcaba3903c5",
        issuer_id=ISSUER,
        name="Ed Dsa",
        registration_number="RG-1234567-89",
        level_code="RCT",
        valid_from=START,
        valid_until=START + timedelta(days=365),
        status=[],
    )
    token = sign_compact(claims, key)
    trust = Trust.from_keys([key.public_jwk], issuer=ISSUER)
    result = verify(token, trust, at=START + timedelta(days=1))
    assert result.valid and [c.outcome for c in result.checks[-4:]] == ["not checked"] * 3 + ["pass"]  # no status
    assert date.fromisoformat("2027-03-02") and IssuedKey  # (imports used)
    assert status_list_url(ISSUER, "revocation").endswith("/status/revocation")


def _full_token(**changes) -> str:
    payload = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": ISSUER,
        "validFrom": "2026-01-01T00:00:00Z",
        **changes,
    }
    return _b64({"alg": "ES256", "typ": "vc+jwt", "kid": "k"}) + "." + _b64(payload) + "." + "A" * 86


@pytest.mark.parametrize(
    "token",
    [
        "http://[x#a.b.c",
        "http://\u2100.example#a.b.c",
        _full_token(
            credentialStatus={
                "type": "BitstringStatusListEntry",
                "statusPurpose": "revocation",
                "statusListCredential": "https://x/status/revocation",
                "statusListIndex": "\u00b2",
            }
        ),
        _full_token(
            credentialStatus={
                "type": "BitstringStatusListEntry",
                "statusPurpose": ["revocation"],
                "statusListCredential": "https://x/status/revocation",
                "statusListIndex": "1",
            }
        ),
        _full_token(credentialSubject={"identifier": 1}),
        _full_token(credentialSubject={"identifier": True}),
        _full_token(validFrom="0001-01-01T00:00:00+01:00"),
        _full_token(validFrom="9999-12-31T23:30:00-01:00"),
    ],
    ids=[
        "ipv6-link",
        "nfkc-link",
        "superscript-index",
        "list-purpose",
        "number-identifier",
        "true-identifier",
        "year-0",
        "year-10000",
    ],
)
def test_inputs_that_once_crashed_the_verifier_fail_a_check_instead(token):
    """Found by the web verifier's comparison harness: each raised from verify() before it was fixed."""
    from verifier import Trust

    result = verify(token, Trust(issuer=ISSUER, keys={}), at=START)
    assert not result.valid and any(c.outcome == "fail" for c in result.checks)


def test_a_genuine_credential_that_names_no_registrant_says_so():
    key = generate_key()
    token = sign_credential_jwt(
        {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiableCredential"],
            "issuer": ISSUER,
            "validFrom": "2026-01-01T00:00:00Z",
            "credentialSubject": {"id": "did:example:1"},
        },
        key,
        issued_at=START,
    )
    result = verify(token, Trust.from_keys([key.public_jwk], issuer=ISSUER), at=START)
    assert result.valid and result.subject is None
    assert result.summary == "Valid: the credential verifies, but it does not name a registrant in the register's form."
