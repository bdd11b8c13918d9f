"""What a verifier trusts: the signed trust bundle (the issuer's public keys with their validity windows and
compromise times, and the current status lists, signed by a long-lived root key that verifiers pin), and the same
keys published as a JWK Set (``/.well-known/jwks.json``) and as a did:web DID document.

The trust bundle's payload (a JWS with ``typ: rl-trust+jwt``, ``kid`` the root key's thumbprint)::

    {"iss": issuer id, "iat": made_at (NumericDate), "sequence": n (grows with every bundle; refuse a lower one),
     "made_at": RFC 3339, "refresh_after": RFC 3339 (fetch a newer bundle after this; not an expiry: an older
     bundle still verifies, "status as of made_at"),
     "keys": [{"jwk": public JWK with kid, "valid_from": RFC 3339,
               "valid_until": RFC 3339 (absent while the key is current),
               "compromised_since": RFC 3339 (absent unless compromised)}, ...],
     "status_lists": {"revocation": status list credential (vc+jwt), "suspension": ...}}
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from credentials.did_web import did_web_id
from credentials.jwt_sign import sign_jws
from credentials.keys import PRIVATE_JWK_MEMBERS, SigningKey, thumbprint
from credentials.status_list import PURPOSES
from credentials.timestamps import epoch_seconds, rfc3339, utc

TRUST_TYP = "rl-trust+jwt"
DID_CONTEXTS = ["https://www.w3.org/ns/did/v1.1", "https://www.w3.org/ns/cid/v1"]
_COMPACT_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+")


@dataclass(frozen=True)
class TrustedKey:
    """A public signing key and when it may be trusted: from ``valid_from``, until ``valid_until`` (retired) if set,
    and never for anything issued at or after ``compromised_since`` if set."""

    jwk: dict[str, Any]
    valid_from: datetime
    valid_until: datetime | None = None
    compromised_since: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"jwk": public_jwk(self.jwk), "valid_from": rfc3339(self.valid_from)}
        if self.valid_until is not None:
            if utc(self.valid_until) <= utc(self.valid_from):
                raise ValueError(f"key {self.jwk.get('kid')!r}: valid_until must come after valid_from")
            entry["valid_until"] = rfc3339(self.valid_until)
        if self.compromised_since is not None:
            entry["compromised_since"] = rfc3339(self.compromised_since)
        return entry


def public_jwk(jwk: dict[str, Any]) -> dict[str, Any]:
    """``jwk`` checked to be a public signing key whose ``kid`` is its RFC 7638 thumbprint; refuses private or
    symmetric key material, which must never be published."""
    if not isinstance(jwk, dict):
        raise TypeError("a JWK is a dict")
    private = sorted(PRIVATE_JWK_MEMBERS & jwk.keys())
    if private or jwk.get("kty") not in ("EC", "OKP", "RSA"):
        raise ValueError(
            f"refusing to publish key {jwk.get('kid')!r}: it carries private or symmetric key "
            f"material ({', '.join(private) or jwk.get('kty')})"
        )
    if jwk.get("kid") != thumbprint(jwk):
        raise ValueError(f"key {jwk.get('kid')!r}: kid is not the key's RFC 7638 thumbprint ({thumbprint(jwk)})")
    return dict(jwk)


def build_trust_bundle(
    *,
    issuer_id: str,
    keys: list[TrustedKey],
    status_lists: dict[str, str],
    made_at: datetime,
    refresh_after: datetime,
    sequence: int,
) -> dict[str, Any]:
    """The trust bundle's payload (see the module docstring); sign it with ``sign_trust_bundle``."""
    if not isinstance(sequence, int) or isinstance(sequence, bool) or sequence < 0:
        raise ValueError(f"sequence must be a non-negative integer, not {sequence!r}")
    if utc(refresh_after) <= utc(made_at):
        raise ValueError("refresh_after must come after made_at")
    if not keys:
        raise ValueError("a trust bundle needs at least one key")
    entries = [key.to_json() for key in keys]
    kids = [entry["jwk"]["kid"] for entry in entries]
    if len(set(kids)) != len(kids):
        raise ValueError("a key appears twice in the trust bundle")
    for purpose, token in status_lists.items():
        if purpose not in PURPOSES:
            raise ValueError(f"status list purpose {purpose!r} is not one of {', '.join(PURPOSES)}")
        if not isinstance(token, str) or not _COMPACT_JWS.fullmatch(token):
            raise ValueError(f"the {purpose} status list must be a signed status list credential (compact JWS)")
    return {
        "iss": issuer_id,
        "iat": epoch_seconds(made_at),
        "sequence": sequence,
        "made_at": rfc3339(made_at),
        "refresh_after": rfc3339(refresh_after),
        "keys": entries,
        "status_lists": dict(status_lists),
    }


def sign_trust_bundle(bundle: dict[str, Any], root_key: SigningKey) -> str:
    """The bundle as a JWS signed by the root key (``typ: rl-trust+jwt``). The header carries the root's public
    JWK too, so a verifier with nothing pinned yet can pin it on first use when its user asks for that explicitly
    (its ``kid`` is its thumbprint)."""
    if any(entry["jwk"]["kid"] == root_key.kid for entry in bundle.get("keys", [])):
        raise ValueError("the root key must not also be a credential signing key in its own bundle")
    return sign_jws(bundle, root_key, typ=TRUST_TYP, extra_headers={"jwk": root_key.public_jwk})


def jwks(keys: list[dict[str, Any]]) -> dict[str, Any]:
    """A JWK Set (RFC 7517) of public keys, for ``/.well-known/jwks.json``."""
    return {"keys": [public_jwk(jwk) for jwk in keys]}


def did_web_document(issuer_url: str, keys: list[dict[str, Any]]) -> dict[str, Any]:
    """The did:web DID document for ``issuer_url``: one ``JsonWebKey`` verification method per public key
    (``<did>#<kid>``), each listed under ``assertionMethod`` (the relationship for issuing credentials)."""
    did = did_web_id(issuer_url)
    methods = [
        {"id": f"{did}#{jwk['kid']}", "type": "JsonWebKey", "controller": did, "publicKeyJwk": jwk}
        for jwk in (public_jwk(key) for key in keys)
    ]
    return {
        "@context": list(DID_CONTEXTS),
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": [method["id"] for method in methods],
    }
