"""What verifiers trust: the signed trust bundle, the JWK Set and the did:web document."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest

from credentials.achievement import sign_credential_jwt
from credentials.did_web import did_document_url, did_web_base_url, did_web_id
from credentials.keys import generate_key
from credentials.status_list import (
    StatusList,
    build_status_list_credential,
    status_list_url,
)
from credentials.trust import (
    TRUST_TYP,
    TrustedKey,
    build_trust_bundle,
    did_web_document,
    jwks,
    sign_trust_bundle,
)

ISSUER_URL = "https://register.creativetechnicians.org.uk"
MADE_AT = datetime(2026, 3, 1, 12, tzinfo=UTC)


@pytest.fixture(scope="module")
def story():
    """A root key the verifiers pin; a retired key, a compromised one and the current one; two status lists."""
    root, retired, compromised, current = (generate_key() for _ in range(4))
    lists = {}
    for purpose in ("revocation", "suspension"):
        document = build_status_list_credential(
            list_id=status_list_url(ISSUER_URL, purpose),
            issuer=ISSUER_URL,
            purpose=purpose,
            encoded_list=StatusList().encode(),
            valid_from=MADE_AT,
            valid_until=MADE_AT + timedelta(days=1),
        )
        lists[purpose] = sign_credential_jwt(document, current, issued_at=MADE_AT)
    keys = [
        TrustedKey(retired.public_jwk, datetime(2024, 1, 1), datetime(2025, 1, 1)),
        TrustedKey(
            compromised.public_jwk,
            datetime(2025, 1, 1),
            datetime(2025, 6, 1),
            compromised_since=datetime(2025, 5, 20, 8, 30),
        ),
        TrustedKey(current.public_jwk, datetime(2025, 6, 1)),
    ]
    return root, [retired, compromised, current], keys, lists


def bundle_from(story, **changes):
    _, _, keys, lists = story
    arguments = {
        "issuer_id": ISSUER_URL,
        "keys": keys,
        "status_lists": lists,
        "made_at": MADE_AT,
        "refresh_after": MADE_AT + timedelta(hours=6),
        "sequence": 42,
    }
    return build_trust_bundle(**{**arguments, **changes})


def test_trust_bundle_is_signed_by_the_pinned_root_key(story):
    root, signers, _, lists = story
    token = sign_trust_bundle(bundle_from(story), root)
    assert jwt.get_unverified_header(token) == {
        "alg": "ES256",
        "kid": root.kid,
        "typ": TRUST_TYP,
        "jwk": root.public_jwk,
    }
    payload = jwt.decode(token, root.public_key, algorithms=["ES256"])
    assert payload["iss"] == ISSUER_URL and payload["sequence"] == 42
    assert payload["made_at"] == "2026-03-01T12:00:00Z" and payload["refresh_after"] == "2026-03-01T18:00:00Z"
    assert payload["iat"] == int(MADE_AT.timestamp())
    assert [entry["jwk"]["kid"] for entry in payload["keys"]] == [key.kid for key in signers]
    retired, compromised, current = payload["keys"]
    assert retired == {
        "jwk": signers[0].public_jwk,
        "valid_from": "2024-01-01T00:00:00Z",
        "valid_until": "2025-01-01T00:00:00Z",
    }
    assert compromised["compromised_since"] == "2025-05-20T08:30:00Z"
    assert "valid_until" not in current and "compromised_since" not in current
    assert payload["status_lists"] == lists
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, signers[2].public_key, algorithms=["ES256"])


def test_the_status_lists_inside_verify_with_the_current_key(story):
    _, signers, _, lists = story
    payload = jwt.decode(
        lists["suspension"], signers[2].public_key, algorithms=["ES256"], options={"verify_exp": False}
    )
    assert payload["credentialSubject"]["statusPurpose"] == "suspension"


def test_private_key_material_is_never_published(story):
    leaked = TrustedKey({**story[1][2].public_jwk, "d": "c2VjcmV0"}, datetime(2025, 6, 1))
    with pytest.raises(ValueError, match="private or symmetric key material"):
        bundle_from(story, keys=[leaked])
    with pytest.raises(ValueError, match="private or symmetric"):
        jwks([{"kty": "oct", "k": "c2VjcmV0", "kid": "x"}])


def test_kids_must_be_thumbprints(story):
    renamed = TrustedKey({**story[1][2].public_jwk, "kid": "key-1"}, datetime(2025, 6, 1))
    with pytest.raises(ValueError, match="not the key's RFC 7638 thumbprint"):
        bundle_from(story, keys=[renamed])


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"sequence": -1}, "non-negative"),
        ({"sequence": True}, "non-negative"),
        ({"refresh_after": MADE_AT}, "refresh_after must come after"),
        ({"keys": []}, "at least one key"),
        ({"status_lists": {"revocation": "not a jws"}}, "compact JWS"),
        ({"status_lists": {"refresh": "a.b.c"}}, "purpose"),
    ],
)
def test_inconsistent_bundles_are_refused(story, changes, reason):
    with pytest.raises(ValueError, match=reason):
        bundle_from(story, **changes)


def test_a_key_twice_or_a_window_backwards_is_refused(story):
    current = story[2][2]
    with pytest.raises(ValueError, match="appears twice"):
        bundle_from(story, keys=[current, current])
    with pytest.raises(ValueError, match="valid_until must come after"):
        bundle_from(story, keys=[TrustedKey(current.jwk, datetime(2026, 1, 1), datetime(2025, 1, 1))])


def test_the_root_key_cannot_sign_credentials_in_its_own_bundle(story):
    root = story[0]
    bundle = bundle_from(story, keys=[TrustedKey(root.public_jwk, datetime(2025, 1, 1))])
    with pytest.raises(ValueError, match="root key must not also be"):
        sign_trust_bundle(bundle, root)


def test_jwks_lists_the_public_keys(story):
    signers = story[1]
    assert jwks([key.public_jwk for key in signers]) == {"keys": [key.public_jwk for key in signers]}


@pytest.mark.parametrize(
    ("url", "did", "base", "document_url"),
    [
        (
            "https://register.creativetechnicians.org.uk",
            "did:web:register.creativetechnicians.org.uk",
            "https://register.creativetechnicians.org.uk",
            "https://register.creativetechnicians.org.uk/.well-known/did.json",
        ),
        (
            "https://Register.Example.org/",
            "did:web:register.example.org",
            "https://register.example.org",
            "https://register.example.org/.well-known/did.json",
        ),
        (
            "https://example.com:8443/bodies/ctr",
            "did:web:example.com%3A8443:bodies:ctr",
            "https://example.com:8443/bodies/ctr",
            "https://example.com:8443/bodies/ctr/did.json",
        ),
        (
            "https://w3c-ccg.github.io/user/alice",
            "did:web:w3c-ccg.github.io:user:alice",
            "https://w3c-ccg.github.io/user/alice",
            "https://w3c-ccg.github.io/user/alice/did.json",
        ),
    ],
)
def test_did_web_follows_the_method_spec(url, did, base, document_url):
    assert did_web_id(url) == did
    assert did_web_base_url(did) == base
    assert did_document_url(did) == document_url


@pytest.mark.parametrize("url", ["http://register.example", "https://register.example/?q=1", "ftp://x", "https://"])
def test_did_web_needs_a_plain_https_url(url):
    with pytest.raises(ValueError):
        did_web_id(url)


def test_did_web_document(story):
    signers = story[1]
    document = did_web_document("https://example.com:8443/ctr", [key.public_jwk for key in signers])
    did = "did:web:example.com%3A8443:ctr"
    assert document["id"] == did
    assert document["@context"][0] == "https://www.w3.org/ns/did/v1.1"
    assert document["verificationMethod"][2] == {
        "id": f"{did}#{signers[2].kid}",
        "type": "JsonWebKey",
        "controller": did,
        "publicKeyJwk": signers[2].public_jwk,
    }
    assert document["assertionMethod"] == [f"{did}#{key.kid}" for key in signers]
    assert all("d" not in method["publicKeyJwk"] for method in document["verificationMethod"])
