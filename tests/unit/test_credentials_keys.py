"""Signing keys: RFC 7638 thumbprints as kid, public JWKs, keys from JWKs, and private keys sealed at rest."""

from __future__ import annotations

import json

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from credentials.jwt_sign import sign_jws
from credentials.keys import (
    ALGORITHMS,
    SigningKey,
    generate_key,
    key_from_jwk,
    open_private_key,
    seal_private_key,
    thumbprint,
)
from tests.conftest import shared_file

# RFC 7638 section 3.1: the example RSA key and its published thumbprint.
RFC7638_KEY = {
    "kty": "RSA",
    "n": (
        "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjB"
        "ZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8"
        "KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_"
        "xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
    ),
    "e": "AQAB",
    "alg": "RS256",
    "kid": "2011-04-29",
}
RFC7638_THUMBPRINT = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
SECRET = b"\x07" * 32


def test_thumbprint_matches_rfc_7638_example():
    assert thumbprint(RFC7638_KEY) == RFC7638_THUMBPRINT


def test_thumbprint_uses_only_the_required_members():
    assert thumbprint({**RFC7638_KEY, "use": "sig", "kid": "other"}) == RFC7638_THUMBPRINT
    assert thumbprint({**RFC7638_KEY, "e": "AQAC"}) != RFC7638_THUMBPRINT


def test_thumbprint_refuses_incomplete_or_unknown_keys():
    with pytest.raises(ValueError, match="lacks the member"):
        thumbprint({"kty": "EC", "crv": "P-256", "x": "abc"})
    with pytest.raises(ValueError, match="kty"):
        thumbprint({"kty": "XYZ"})


@pytest.mark.parametrize("vector", ["vm-p256.json", "vm-p384.json", "vm-p521.json", "vm-ed25519.json"])
def test_w3c_vector_kids_are_the_thumbprints_of_keys_loaded_from_their_jwks(vector):
    method = json.loads(shared_file(f"standards/vc-jose-cose/{vector}").read_text())
    key = key_from_jwk(method["secretKeyJwk"])
    assert key.alg == method["publicKeyJwk"]["alg"]
    assert key.kid == method["publicKeyJwk"]["kid"]
    public = {name: value for name, value in key.public_jwk.items() if name not in ("use",)}
    assert public == method["publicKeyJwk"]


@pytest.mark.parametrize("alg", ALGORITHMS)
def test_generated_keys_sign_and_publish_their_public_half(alg):
    key = generate_key(alg)
    jwk = key.public_jwk
    assert jwk["kid"] == key.kid == thumbprint(jwk)
    assert jwk["alg"] == alg and jwk["use"] == "sig"
    assert not {"d", "p", "q", "dp", "dq", "qi"} & jwk.keys()
    expected = {
        "ES256": {"kty": "EC", "crv": "P-256"},
        "EdDSA": {"kty": "OKP", "crv": "Ed25519"},
        "RS256": {"kty": "RSA"},
    }[alg]
    assert expected.items() <= jwk.items()
    if alg == "RS256":
        assert key.private_key.key_size == 3072
    token = sign_jws({"hello": "world"}, key, typ="test+jwt")
    assert jwt.get_unverified_header(token) == {"alg": alg, "kid": key.kid, "typ": "test+jwt"}
    assert jwt.decode(token, jwt.PyJWK(jwk).key, algorithms=[alg]) == {"hello": "world"}


def test_public_jwk_is_a_fresh_copy():
    key = generate_key()
    key.public_jwk["kid"] = "tampered"
    assert key.public_jwk["kid"] == key.kid


def test_unknown_algorithm_names_the_allowed_ones():
    with pytest.raises(ValueError, match="ES256, EdDSA, RS256"):
        generate_key("HS256")


def test_a_key_cannot_claim_an_algorithm_it_cannot_sign_with():
    with pytest.raises(ValueError, match="cannot sign with EdDSA"):
        SigningKey("EdDSA", ec.generate_private_key(ec.SECP256R1()))
    with pytest.raises(ValueError, match="cannot sign with ES256"):
        SigningKey("ES256", ec.generate_private_key(ec.SECP384R1()))


def test_key_from_jwk_refuses_a_public_jwk():
    with pytest.raises(ValueError, match="not a private JWK"):
        key_from_jwk(generate_key().public_jwk)


def test_repr_shows_no_key_material():
    assert repr(generate_key()) == "SigningKey(alg='ES256')"


@pytest.mark.parametrize("alg", ALGORITHMS)
def test_sealed_key_opens_with_its_secret_to_the_same_key(alg):
    key = generate_key(alg)
    blob = seal_private_key(key, SECRET)
    wrapper = json.loads(blob)
    assert wrapper["alg"] == alg and wrapper["kid"] == key.kid
    assert wrapper["pkcs8"].startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")
    opened = open_private_key(blob, SECRET)
    assert (opened.alg, opened.kid) == (alg, key.kid)
    token = sign_jws({"n": 1}, opened, typ="test+jwt")
    assert jwt.decode(token, key.public_key, algorithms=[alg]) == {"n": 1}


def test_wrong_secret_gives_a_clear_value_error():
    blob = seal_private_key(generate_key(), SECRET)
    with pytest.raises(ValueError, match="secret is wrong"):
        open_private_key(blob, b"\x08" * 32)


def test_not_a_sealed_key_and_altered_wrappers_are_refused():
    with pytest.raises(ValueError, match="not a sealed private key"):
        open_private_key(b"-----BEGIN PRIVATE KEY-----", SECRET)
    key = generate_key()
    wrapper = json.loads(seal_private_key(key, SECRET))
    with pytest.raises(ValueError, match="does not match"):
        open_private_key(json.dumps({**wrapper, "kid": generate_key().kid}).encode(), SECRET)
    with pytest.raises(ValueError, match="cannot sign with EdDSA"):
        open_private_key(json.dumps({**wrapper, "alg": "EdDSA"}).encode(), SECRET)


def test_empty_secret_is_refused():
    with pytest.raises(ValueError, match="non-empty bytes"):
        seal_private_key(generate_key(), b"")
