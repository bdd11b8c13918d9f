"""Compact JWS signing (RFC 7515), the one place that serialises and signs a payload.

Signing is pyca/cryptography's; the compact serialisation is three base64url parts, which this module writes itself
instead of through pyjwt because pyjwt's encoder doubled the cost of issuing a credential (measured by ``python -m
bench credentials``). pyjwt verifies everything signed here, in the tests and in the verifier.

Payloads are serialised as compact UTF-8 JSON, so names with accents cost two bytes a character rather than six
(``\\u00e9``), which matters inside a QR code. Headers are serialised with sorted keys, as pyjwt does.
"""

from __future__ import annotations

import binascii
import functools
import json
from collections.abc import Callable
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from credentials.keys import SigningKey

_RESERVED_HEADERS = {"alg"}
_HASHES: dict[str, Callable[[], hashes.HashAlgorithm]] = {
    "ES256": hashes.SHA256,
    "ES384": hashes.SHA384,
    "ES512": hashes.SHA512,
    "RS256": hashes.SHA256,
}
_EC_SIZES = {"ES256": 32, "ES384": 48, "ES512": 66}


_URLSAFE = bytes.maketrans(b"+/", b"-_")


def b64url(data: bytes) -> bytes:
    """base64url without padding (RFC 7515 section 2)."""
    return binascii.b2a_base64(data, newline=False).translate(_URLSAFE).rstrip(b"=")


def dumps(value: Any) -> str:
    """Compact JSON as signed here: no spaces, UTF-8 rather than escapes, no NaN."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def signature(signing_input: bytes, key: SigningKey) -> bytes:
    """The JWS signature over ``signing_input``: raw r||s for ECDSA (RFC 7518 section 3.4), as is for EdDSA and
    RS256 (PKCS#1 v1.5)."""
    private_key = key.private_key  # of the kind its alg needs: SigningKey refuses any other
    if key.alg in _EC_SIZES and isinstance(private_key, ec.EllipticCurvePrivateKey):
        der = private_key.sign(signing_input, ec.ECDSA(_HASHES[key.alg]()))
        r, s = decode_dss_signature(der)
        size = _EC_SIZES[key.alg]
        return r.to_bytes(size, "big") + s.to_bytes(size, "big")
    if key.alg == "EdDSA" and isinstance(private_key, ed25519.Ed25519PrivateKey):
        return private_key.sign(signing_input)
    if key.alg == "RS256" and isinstance(private_key, rsa.RSAPrivateKey):
        return private_key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    raise ValueError(f"a {type(private_key).__name__} cannot sign with {key.alg}")


def encoded_header(key: SigningKey, headers: dict[str, Any]) -> bytes:
    clash = _RESERVED_HEADERS & headers.keys()
    if clash:
        raise ValueError(f"header(s) {sorted(clash)} are set from the key, not by the caller")
    try:
        return _encoded_header(key.alg, tuple(sorted(headers.items())))
    except TypeError:  # a header value that cannot be a cache key (a list, say)
        return _encoded_header.__wrapped__(key.alg, tuple(sorted(headers.items())))


@functools.lru_cache(maxsize=256)
def _encoded_header(alg: str, headers: tuple[tuple[str, Any], ...]) -> bytes:
    return b64url(json.dumps({"alg": alg, **dict(headers)}, separators=(",", ":"), sort_keys=True).encode("utf-8"))


def sign_serialised(body: str, key: SigningKey, header: bytes) -> str:
    """The compact JWS of an already serialised JSON payload under an already encoded header."""
    signing_input = header + b"." + b64url(body.encode("utf-8"))
    return (signing_input + b"." + b64url(signature(signing_input, key))).decode("ascii")


def encode_jws(payload: dict[str, Any], key: SigningKey, headers: dict[str, Any]) -> str:
    """Sign ``payload`` with exactly ``headers`` plus ``alg``."""
    if not isinstance(payload, dict):
        raise TypeError("a JWS payload here is a JSON object (dict)")
    return sign_serialised(dumps(payload), key, encoded_header(key, headers))


def sign_jws(
    payload: dict[str, Any],
    key: SigningKey,
    *,
    typ: str,
    extra_headers: dict[str, Any] | None = None,
    kid: str | None = None,
) -> str:
    """A compact JWS whose protected header has ``alg``, ``kid`` and ``typ``. The ``kid`` is the key's RFC 7638
    thumbprint, or ``kid`` if given: a DID URL ending in ``#`` and that thumbprint (``credentials.did_web.key_id``),
    refused if it names another key."""
    if kid is None:
        kid = key.kid
    elif kid != key.kid and not (kid.startswith("did:") and kid.endswith("#" + key.kid)):
        raise ValueError(f"kid {kid!r} does not name the signing key {key.kid}")
    return encode_jws(payload, key, {"kid": kid, **(extra_headers or {}), "typ": typ})
