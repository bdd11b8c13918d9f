"""Strict parsing of compact JWS tokens and signature checking with pyca/cryptography.

Everything here refuses rather than guesses: a token is at most 16 KB of base64url in three parts, each JSON part
an object without duplicate keys, NaN or Infinity; keys are EC P-256, Ed25519 or RSA (2048
bits or more) JWKs whose ``kid`` is their RFC 7638 thumbprint.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from typing import Any, NoReturn

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

MAX_TOKEN_BYTES = 16 * 1024
ALGORITHMS = ("ES256", "EdDSA", "RS256")
_FROM_URLSAFE = bytes.maketrans(b"-_", b"+/")
_SHA256 = hashes.SHA256()
_ECDSA = ec.ECDSA(_SHA256)
_PKCS1 = padding.PKCS1v15()


class Malformed(ValueError):
    """Input that is not a well-formed token, key or document; the message says why, in plain words."""


def b64url_decode(part: str, what: str) -> bytes:
    """base64url without padding, strictly: any character outside the alphabet is refused, and so is any text that
    is not the one encoding of its bytes (a last character with stray low bits: 'R' where the bytes give 'Q'), so
    that one token has one spelling and an altered character never goes unnoticed."""
    if not part or "+" in part or "/" in part or "=" in part or len(part) % 4 == 1:
        raise Malformed(f"the {what} is not base64url text")
    try:
        data = part.encode("ascii").translate(_FROM_URLSAFE) + b"=" * (-len(part) % 4)
        decoded = binascii.a2b_base64(data, strict_mode=True)
    except (binascii.Error, ValueError):  # UnicodeEncodeError is a ValueError
        raise Malformed(f"the {what} is not base64url text") from None
    if b64url(decoded) != part:
        raise Malformed(f"the {what} is not canonical base64url text (its last character was altered)")
    return decoded


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for name, _ in pairs:
            if name in seen:
                raise Malformed(f"the JSON names {name!r} twice")
            seen.add(name)
    return result


def _refuse_constant(name: str) -> NoReturn:
    raise Malformed(f"the JSON holds {name}, which is not a JSON number")


_DECODER = json.JSONDecoder(object_pairs_hook=_no_duplicates, parse_constant=_refuse_constant)


def parse_object(data: bytes, what: str) -> dict[str, Any]:
    """A JSON object from UTF-8 bytes, strictly."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise Malformed(f"the {what} is not UTF-8 text") from None
    try:
        value = _DECODER.decode(text)
    except Malformed:
        raise
    except (ValueError, RecursionError):
        raise Malformed(f"the {what} is not valid JSON") from None
    if not isinstance(value, dict):
        raise Malformed(f"the {what} is JSON but not an object")
    return value


@dataclass(frozen=True)
class JWS:
    header: dict[str, Any]
    payload: dict[str, Any]
    signing_input: bytes
    signature: bytes


def split(token: str, max_bytes: int = MAX_TOKEN_BYTES) -> JWS:
    """A compact JWS, parsed but not yet verified."""
    if not isinstance(token, str):
        raise Malformed("a token is text")
    if len(token) > max_bytes:
        raise Malformed(f"the token is {len(token):,} characters long; at most {max_bytes:,} are accepted")
    if not token.isascii():
        raise Malformed("the token holds characters that are not base64url")
    parts = token.split(".")
    if len(parts) != 3:
        raise Malformed(f"a signed token has three parts separated by dots; this one has {len(parts)}")
    header_part, payload_part, signature_part = parts
    header = parse_object(b64url_decode(header_part, "token header"), "token header")
    payload = parse_object(b64url_decode(payload_part, "token payload"), "token payload")
    return JWS(
        header,
        payload,
        f"{header_part}.{payload_part}".encode("ascii"),
        b64url_decode(signature_part, "token signature"),
    )


# -- keys
_THUMBPRINT_MEMBERS = {"EC": ("crv", "kty", "x", "y"), "OKP": ("crv", "kty", "x"), "RSA": ("e", "kty", "n")}
PublicKey = ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey | rsa.RSAPublicKey


def thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638: base64url(SHA-256 of the required members, sorted, without whitespace)."""
    kty = jwk.get("kty") if isinstance(jwk, dict) else None
    members = _THUMBPRINT_MEMBERS.get(kty) if isinstance(kty, str) else None
    if members is None or not all(isinstance(jwk.get(m), str) for m in members):
        raise Malformed("the key is not a complete EC, OKP or RSA public JWK")
    canonical = json.dumps({m: jwk[m] for m in members}, separators=(",", ":"), sort_keys=True)
    return b64url(hashlib.sha256(canonical.encode("utf-8")).digest())


def _integer(jwk: dict[str, Any], member: str) -> int:
    return int.from_bytes(b64url_decode(jwk[member], f"key member {member}"), "big")


def public_key(jwk: Any) -> tuple[str, PublicKey]:
    """The algorithm and public key of a JWK (EC P-256, Ed25519, RSA of 2048 bits or more); no private members."""
    if not isinstance(jwk, dict):
        raise Malformed("a key is a JSON object (JWK)")
    if any(m in jwk for m in ("d", "p", "q", "dp", "dq", "qi", "k")):
        raise Malformed("the key holds private or secret material")
    thumbprint(jwk)
    kty, crv = jwk["kty"], jwk.get("crv")
    try:
        if kty == "EC" and crv == "P-256":
            x, y = _integer(jwk, "x"), _integer(jwk, "y")
            return "ES256", ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()
        if kty == "OKP" and crv == "Ed25519":
            return "EdDSA", ed25519.Ed25519PublicKey.from_public_bytes(b64url_decode(jwk["x"], "key member x"))
        if kty == "RSA":
            key = rsa.RSAPublicNumbers(_integer(jwk, "e"), _integer(jwk, "n")).public_key()
            if key.key_size < 2048:
                raise Malformed(f"an RSA key of {key.key_size} bits is too weak (2048 at least)")
            return "RS256", key
    except Malformed:
        raise
    except (ValueError, TypeError):
        raise Malformed("the key's numbers do not make a valid public key") from None
    raise Malformed(f"keys of type {kty} {crv or ''} are not accepted: ES256 (P-256), EdDSA (Ed25519) or RS256")


def signature_valid(alg: str, key: PublicKey, signing_input: bytes, signature: bytes) -> bool:
    try:
        if alg == "ES256":
            if len(signature) != 64 or not isinstance(key, ec.EllipticCurvePublicKey):
                return False
            der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
            key.verify(der, signing_input, _ECDSA)
        elif alg == "EdDSA":
            if not isinstance(key, ed25519.Ed25519PublicKey):
                return False
            key.verify(signature, signing_input)
        elif alg == "RS256":
            if not isinstance(key, rsa.RSAPublicKey):
                return False
            key.verify(signature, signing_input, _PKCS1, _SHA256)
        else:
            return False
    except (InvalidSignature, ValueError):
        return False
    return True
