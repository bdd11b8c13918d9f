"""Presentations (``verifier.presentation``): a ``vp+jwt`` holding enveloped credentials, signed in the test with
real keys, checked offline -- its signature by the holder's DID key, the credentials inside, the nonce and audience
the verifier asked for, the holder binding (a did:jwk or did:key subject), and the EnvelopedVerifiablePresentation
object. Bad input of any kind gives failed checks, never an exception."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from credentials.jwt_sign import encode_jws, sign_jws
from credentials.keys import generate_key
from verifier.dids import resolve_did
from verifier.presentation import PRESENTATION_CHECKS, did_jwk, is_presentation, verify_presentation
from verifier.trust import Trust

ISSUER = "https://register.example"
V2 = "https://www.w3.org/ns/credentials/v2"
NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
ISSUER_KEY = generate_key("ES256")
HOLDER = generate_key("ES256")
OTHER = generate_key("ES256")
TRUST = Trust.from_keys([ISSUER_KEY.public_jwk], issuer=ISSUER)


def did_of(key):
    return did_jwk(key.public_jwk)


def credential(subject_id, key=ISSUER_KEY):
    payload = {
        "@context": [V2],
        "id": "urn:uuid:3f2c1d6e-2b1a-4c8e-9a71-0d3c4b5a6f70",
        "type": ["VerifiableCredential"],
        "issuer": ISSUER,
        "validFrom": "2027-01-01T00:00:00Z",
        "validUntil": "2028-01-01T00:00:00Z",
        "credentialSubject": {"id": subject_id, "licenseNumber": "RT-000123"},
    }
    return sign_jws(payload, key, typ="vc+jwt")


def envelope(token, kind="EnvelopedVerifiableCredential", media="vc+jwt"):
    return {"@context": [V2], "id": f"data:application/{media},{token}", "type": kind}


def presentation(tokens, key=HOLDER, holder=None, *, nonce="n-123", aud="Acme Studios", typ="vp+jwt", **claims):
    holder = holder or did_of(key)
    payload = {
        "@context": [V2],
        "type": ["VerifiablePresentation"],
        "holder": holder,
        "verifiableCredential": [envelope(t) for t in tokens],
        "iat": int(NOW.timestamp()) - 60,
        "exp": int(NOW.timestamp()) + 600,
        **({"nonce": nonce} if nonce is not None else {}),
        **({"aud": aud} if aud is not None else {}),
        **claims,
    }
    return encode_jws(payload, key, {"kid": f"{holder}#0", "typ": typ})


def check(vp, nonce="n-123", audience="Acme Studios"):
    return verify_presentation(vp, TRUST, NOW, nonce=nonce, audience=audience)


def outcomes(result):
    return {c.name: c.outcome for c in result.checks}


def failed(result):
    return [c.name for c in result.checks if c.outcome == "fail"]


def test_a_valid_presentation_passes_every_check_and_binds_its_holder():
    result = check(presentation([credential(did_of(HOLDER))]))
    assert result.valid, result.to_json()
    assert [c.name for c in result.checks] == list(PRESENTATION_CHECKS)
    assert all(c.outcome == "pass" for c in result.checks), result.to_json()
    assert result.holder == did_of(HOLDER) and len(result.credentials) == 1 and result.credentials[0].valid
    assert result.summary.startswith(f"Valid presentation by {did_of(HOLDER)}.")
    assert json.loads(json.dumps(result.to_json()))["kind"] == "presentation"


def test_nonce_and_audience_must_be_the_ones_asked_for():
    token = credential(did_of(HOLDER))
    assert failed(check(presentation([token], nonce="other"))) == ["nonce"]
    assert failed(check(presentation([token], nonce=None))) == ["nonce"]
    assert failed(check(presentation([token], aud="Someone Else"))) == ["audience"]
    assert failed(check(presentation([token], aud=None))) == ["audience"]
    assert check(presentation([token], aud=["Other", "Acme Studios"])).valid
    assert not check(presentation([token], nonce="other")).valid
    # not asked for: not checked, and the presentation may still be valid
    free = check(presentation([token], nonce=None, aud=None), nonce=None, audience=None)
    assert free.valid and outcomes(free)["nonce"] == outcomes(free)["audience"] == "not checked"
    assert "replayed" in dict((c.name, c.reason) for c in free.checks)["nonce"]


def test_a_tampered_credential_inside_fails_the_credentials_check():
    header, payload, signature = credential(did_of(HOLDER)).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["credentialSubject"]["licenseNumber"] = "RT-999999"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    result = check(presentation([f"{header}.{forged}.{signature}"]))
    assert not result.valid and failed(result) == ["credentials"]
    assert "signature" in [c.name for c in result.credentials[0].checks if c.outcome == "fail"]
    # a credential signed by a key the trust bundle does not hold
    assert failed(check(presentation([credential(did_of(HOLDER), key=OTHER)]))) == ["credentials"]


def test_a_bad_presentation_signature_fails():
    vp = presentation([credential(did_of(HOLDER))])
    head, body, sig = vp.split(".")
    altered = base64.urlsafe_b64decode(sig + "==")
    altered = bytes([altered[0] ^ 1]) + altered[1:]
    result = check(f"{head}.{body}.{base64.urlsafe_b64encode(altered).rstrip(b'=').decode()}")
    assert not result.valid and failed(result) == ["signature"]
    # signed by another key while naming the holder's DID
    result = check(presentation([credential(did_of(HOLDER))], key=OTHER, holder=did_of(HOLDER)))
    assert failed(result) == ["signature"] and outcomes(result)["credentials"] == "not checked"


def test_holder_binding_fails_when_the_signer_is_not_the_subject():
    result = check(presentation([credential(did_of(OTHER))]))
    assert not result.valid and failed(result) == ["holder binding"]
    # two credentials, one of them someone else's
    result = check(presentation([credential(did_of(HOLDER)), credential(did_of(OTHER))]))
    assert failed(result) == ["holder binding"] and "credential 2" in result.checks[-1].reason


def test_holder_binding_is_not_checked_when_the_subject_has_no_key():
    result = check(presentation([credential("urn:uuid:0e6f8a3c-1b2d-4e5f-8a9b-0c1d2e3f4a5b")]))
    assert result.valid and outcomes(result)["holder binding"] == "not checked"
    assert "not a DID with a key" in result.checks[-1].reason


def _did_key_ed25519(key):
    raw = key.public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    data = b"\xed\x01" + raw
    number, text = int.from_bytes(data, "big"), ""
    alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
    while number:
        number, digit = divmod(number, 58)
        text = alphabet[digit] + text
    return "did:key:z" + text


def test_did_key_subjects_bind_to_the_same_key_named_by_did_jwk():
    ed = generate_key("EdDSA")
    subject = _did_key_ed25519(ed)
    assert resolve_did(subject)[0] == "EdDSA"
    result = check(presentation([credential(subject)], key=ed))
    assert result.valid and outcomes(result)["holder binding"] == "pass", result.to_json()
    # a did:key signer whose key the verifier resolves from the DID itself
    result = check(presentation([credential(subject)], key=ed, holder=subject))
    assert result.valid and result.holder == subject


def test_an_enveloped_verifiable_presentation_object():
    vp = presentation([credential(did_of(HOLDER))])
    wrapped = envelope(vp, "EnvelopedVerifiablePresentation", "vp+jwt")
    for given in (wrapped, json.dumps(wrapped), f"data:application/vp+jwt,{vp}", vp.encode()):
        assert is_presentation(given if not isinstance(given, bytes) else given.decode())
        assert check(given).valid, given
    for broken, why in (
        ({**wrapped, "@context": []}, "@context"),
        ({**wrapped, "type": "EnvelopedVerifiableCredential"}, "type"),
        ({**wrapped, "id": vp}, "id"),
    ):
        result = check(broken)
        assert failed(result) == ["format"] and why in result.checks[0].reason


@pytest.mark.parametrize(
    "change, check_name",
    [
        ({"typ": "vc+jwt"}, "header"),
        ({"typ": "JWT"}, "header"),
        ({"vp": {}}, "format"),
        ({"type": ["VerifiableCredential"]}, "format"),
        ({"verifiableCredential": ["eyJhbGciOi.not.an-object"]}, "format"),
        ({"verifiableCredential": [{"@context": [V2], "type": ["VerifiableCredential"], "proof": {}}]}, "format"),
        ({"verifiableCredential": [{"@context": [], "type": "EnvelopedVerifiableCredential", "id": "x"}]}, "format"),
        ({"exp": int((NOW - timedelta(hours=1)).timestamp())}, "validity"),
        ({"iat": int((NOW + timedelta(hours=1)).timestamp())}, "validity"),
        ({"holder": "did:web:example.com"}, "holder key"),
        ({"iss": "did:jwk:eyJ9"}, "holder key"),
    ],
)
def test_what_makes_a_presentation_unacceptable(change, check_name):
    token = credential(did_of(HOLDER))
    typ = change.pop("typ", "vp+jwt")
    holder = change.get("holder") if isinstance(change.get("holder"), str) else None
    vp = presentation([token], typ=typ, holder=holder, **{k: v for k, v in change.items() if k != "holder"})
    result = check(vp)
    assert not result.valid and failed(result) == [check_name], result.to_json()


def test_bad_input_never_raises():
    for given in (
        None,
        42,
        "",
        "a.b",
        "{",
        "{}",
        "[]",
        b"\xff",
        {"type": "EnvelopedVerifiablePresentation"},
        "x" * 300_000,
    ):
        result = check(given)
        assert not result.valid and failed(result) == ["format"]
    empty = check(presentation([]))
    assert failed(empty) == ["credentials"] and empty.checks[7].reason == "the presentation holds no credential"
