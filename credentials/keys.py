"""Signing keys: generation, RFC 7638 thumbprints as ``kid``, public JWKs, and private keys sealed at rest.

ES256 (P-256) is the default; EdDSA (Ed25519) and RS256 (RSA 3072) can be generated too. ES384 and ES512 are
accepted only when a key is loaded from a JWK, for interoperability with other issuers' test vectors.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm

ALGORITHMS = ("ES256", "EdDSA", "RS256")
"""What ``generate_key`` makes and what the register signs with."""

INTEROP_ALGORITHMS = ALGORITHMS + ("ES384", "ES512")
"""What a ``SigningKey`` may hold: the above, plus the larger curves of other issuers' JWKs."""

RSA_BITS = 3072
_CURVE_OF = {"ES256": "secp256r1", "ES384": "secp384r1", "ES512": "secp521r1"}
_ALG_OF_CURVE = {"P-256": "ES256", "P-384": "ES384", "P-521": "ES512"}
_THUMBPRINT_MEMBERS = {
    "EC": ("crv", "kty", "x", "y"),
    "RSA": ("e", "kty", "n"),
    "OKP": ("crv", "kty", "x"),
    "oct": ("k", "kty"),
}
PRIVATE_JWK_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
_SEALED_FORMAT = "regledger-sealed-key/1"

PrivateKey = ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey
PublicKey = ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey | rsa.RSAPublicKey


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638 JWK thumbprint: base64url(SHA-256(the required members, sorted, no whitespace))."""
    kty: Any = jwk.get("kty")  # any JSON value: only the key types above have a thumbprint
    members = _THUMBPRINT_MEMBERS.get(kty)
    if members is None:
        raise ValueError(f"cannot take the thumbprint of a JWK with kty {jwk.get('kty')!r}")
    missing = [name for name in members if not isinstance(jwk.get(name), str)]
    if missing:
        raise ValueError(f"{jwk['kty']} JWK lacks the member(s) {', '.join(missing)} needed for its thumbprint")
    canonical = json.dumps({name: jwk[name] for name in members}, separators=(",", ":"), sort_keys=True)
    return b64url(hashlib.sha256(canonical.encode("utf-8")).digest())


def _fitting_key(alg: str, private_key: object) -> PrivateKey:
    """``private_key`` if it can sign with ``alg``; ``ValueError`` saying why if not."""
    if alg not in INTEROP_ALGORITHMS:
        raise ValueError(f"unsupported algorithm {alg!r}: use one of {', '.join(INTEROP_ALGORITHMS)}")
    if alg in _CURVE_OF:
        if isinstance(private_key, ec.EllipticCurvePrivateKey) and private_key.curve.name == _CURVE_OF[alg]:
            return private_key
    elif alg == "EdDSA":
        if isinstance(private_key, ed25519.Ed25519PrivateKey):
            return private_key
    elif isinstance(private_key, rsa.RSAPrivateKey) and private_key.key_size >= 2048:
        return private_key
    raise ValueError(f"a {type(private_key).__name__} cannot sign with {alg}")


@dataclass(frozen=True)
class SigningKey:
    """A private signing key and the JOSE algorithm it signs with."""

    alg: str
    private_key: PrivateKey = field(repr=False)

    def __post_init__(self) -> None:
        _fitting_key(self.alg, self.private_key)

    @property
    def public_key(self) -> PublicKey:
        return self.private_key.public_key()

    @cached_property
    def _bare_public_jwk(self) -> dict[str, str]:
        public_key = self.public_key
        if isinstance(public_key, ec.EllipticCurvePublicKey):
            jwk = ECAlgorithm.to_jwk(public_key, as_dict=True)
        elif isinstance(public_key, ed25519.Ed25519PublicKey):
            jwk = OKPAlgorithm.to_jwk(public_key, as_dict=True)
        else:
            jwk = RSAAlgorithm.to_jwk(public_key, as_dict=True)
        return {name: jwk[name] for name in _THUMBPRINT_MEMBERS[jwk["kty"]]}

    @cached_property
    def kid(self) -> str:
        """The RFC 7638 thumbprint of the public key."""
        return thumbprint(self._bare_public_jwk)

    @property
    def public_jwk(self) -> dict[str, str]:
        """The public key as a JWK (a fresh dict each time) with ``kid``, ``alg`` and ``use: sig``."""
        return {**self._bare_public_jwk, "kid": self.kid, "alg": self.alg, "use": "sig"}


def generate_key(alg: str = "ES256") -> SigningKey:
    """A new key: P-256 for ES256, Ed25519 for EdDSA, RSA 3072 for RS256."""
    if alg == "ES256":
        return SigningKey(alg, ec.generate_private_key(ec.SECP256R1()))
    if alg == "EdDSA":
        return SigningKey(alg, ed25519.Ed25519PrivateKey.generate())
    if alg == "RS256":
        return SigningKey(alg, rsa.generate_private_key(public_exponent=65537, key_size=RSA_BITS))
    raise ValueError(f"cannot generate a key for {alg!r}: use one of {', '.join(ALGORITHMS)}")


def key_from_jwk(jwk: dict[str, Any]) -> SigningKey:
    """A signing key from a private JWK (EC P-256/P-384/P-521, OKP Ed25519, RSA); ``alg`` taken from the JWK or
    from its key type and curve."""
    if not isinstance(jwk, dict) or "d" not in jwk:
        raise ValueError("not a private JWK: it has no 'd' member")
    kty = jwk.get("kty")
    crv: Any = jwk.get("crv")  # any JSON value: only the curves above have an algorithm
    if kty == "EC":
        alg = _ALG_OF_CURVE.get(crv)
    elif kty == "OKP" and crv == "Ed25519":
        alg = "EdDSA"
    elif kty == "RSA":
        alg = "RS256"
    else:
        alg = None
    if alg is None:
        raise ValueError(f"unsupported JWK: kty {kty!r}, crv {crv!r}")
    alg = jwk.get("alg", alg)
    try:
        private_key = jwt.PyJWK(jwk, algorithm=alg).key
    except jwt.PyJWTError as error:
        raise ValueError(f"unusable JWK: {error}") from None
    # Other issuers may give their JWK a kid of their own choosing; this key's kid is always its thumbprint.
    return SigningKey(alg, private_key)


def seal_private_key(key: SigningKey, secret: bytes) -> bytes:
    """The private key encrypted at rest: PKCS#8 PEM under ``BestAvailableEncryption(secret)``, in a small JSON
    wrapper that records the algorithm and kid. ``secret`` should be a high-entropy key (e.g. 32 random bytes from
    the vault), not a memorable password."""
    _check_secret(secret)
    pem = key.private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(secret),
    )
    wrapper = {"format": _SEALED_FORMAT, "alg": key.alg, "kid": key.kid, "pkcs8": pem.decode("ascii")}
    return json.dumps(wrapper, sort_keys=True).encode("utf-8")


def open_private_key(blob: bytes, secret: bytes) -> SigningKey:
    """The key sealed by ``seal_private_key``; ``ValueError`` saying why when the secret is wrong or the blob is
    not a sealed key or has been altered."""
    _check_secret(secret)
    try:
        wrapper = json.loads(blob)
        if not isinstance(wrapper, dict) or wrapper.get("format") != _SEALED_FORMAT:
            raise ValueError
        alg, kid, pem = wrapper["alg"], wrapper["kid"], wrapper["pkcs8"].encode("ascii")
    except (ValueError, KeyError, TypeError, AttributeError, UnicodeError):
        raise ValueError(f"not a sealed private key (expected a {_SEALED_FORMAT} document)") from None
    try:
        private_key = serialization.load_pem_private_key(pem, password=secret)
    except (ValueError, TypeError):
        raise ValueError("cannot open the sealed private key: the secret is wrong or the key is damaged") from None
    key = SigningKey(alg, _fitting_key(alg, private_key))  # the PEM may hold a key of any kind (DSA, X25519...)
    if key.kid != kid:
        raise ValueError(f"the sealed key's kid {kid!r} does not match the key inside it ({key.kid!r})")
    return key


def _check_secret(secret: bytes) -> None:
    if not isinstance(secret, bytes) or not secret:
        raise ValueError("the sealing secret must be non-empty bytes")
