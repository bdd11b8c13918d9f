"""The full credential in Open Badges 3.0's own JWT form: the same ``OpenBadgeCredential`` document as the ``vc+jwt``
(``credentials.open_badges``), signed as OB 3.0 section 8.2 "JSON Web Token Proof Format" asks, which is narrower
than W3C VC-JOSE-COSE in three ways (Open Badges Specification 3.0, 1EdTech):

- 8.2.3 "Create the JOSE Header": the header holds ``alg``, ``kid``, ``jwk`` and ``typ`` and nothing else
  ("Additional JOSE Headers are NOT allowed"); ``typ``, if present, "MUST be set to JWT"; ``alg`` "MUST be RS256 as a
  minimum" (other algorithms "limit interoperability", and 1EdTech certifies issuers on RS256), so this form is
  always RS256; ``kid`` is "a URI that can be dereferenced" to the public JWK, and without one the header must carry
  ``jwk``. The register's ``kid`` is the DID URL ``did:web:HOST#THUMBPRINT`` with an https issuer and a bare RFC 7638
  thumbprint otherwise (not a URI), so the header carries the public ``jwk`` too (never a private member).
- 8.2.4.1 "JWT Payload Format": the payload is the credential's JSON with ``iss`` (issuer.id), ``jti`` (id),
  ``sub`` (credentialSubject.id) and ``nbf`` (validFrom) required, and ``exp`` (validUntil) when the credential
  has one; further registered claims are allowed (``iat`` says when it was signed, which the verifier's key-in-service
  check reads). No ``vc`` wrapper: the section's note keeps ``vc`` for VC Data Model 1.1 credentials only.
- 8.2.6.1 "Verify a Credential VC-JWT Signature": each of those claims must match the credential's own field, so
  ``sign_ob3_jwt`` refuses a document whose existing claims disagree.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

from credentials.achievement import jwt_claims
from credentials.did_web import key_id
from credentials.jwt_sign import encode_jws
from credentials.keys import SigningKey

OB3_TYP = "JWT"
OB3_ALG = "RS256"
OB3_HEADERS = ("alg", "kid", "jwk", "typ")
"""The only JOSE headers OB 3.0 section 8.2.3 allows."""
OB3_REQUIRED_CLAIMS = ("iss", "jti", "sub", "nbf")
"""The claims OB 3.0 section 8.2.4.1 requires (``exp`` too when the credential has ``validUntil``)."""
_CLAIMS = ("iss", "iat", "jti", "sub", "nbf", "exp")


def sign_ob3_jwt(credential: dict[str, Any], key: SigningKey, *, issued_at: datetime | None = None) -> str:
    """The credential (its JSON; JWT claims already beside it are checked, not trusted) as an OB 3.0 JWT: header
    ``alg`` RS256, ``kid``, the public ``jwk``, ``typ`` JWT; payload the credential plus ``iss``, ``jti``, ``sub``,
    ``nbf``, ``exp`` mirroring its fields, and ``iat`` (``issued_at``; now by default). ``ValueError`` when the key
    is not RS256, a required claim has no field to mirror, or a claim already there disagrees."""
    if key.alg != OB3_ALG:
        raise ValueError(f"an Open Badges 3.0 JWT is signed with {OB3_ALG} here, not {key.alg}")
    if not isinstance(credential, dict):
        raise ValueError("the credential is a JSON object")
    for claim in ("vc", "vp"):
        if claim in credential:
            raise ValueError(f"the OB 3.0 JWT payload is the credential itself; it must not carry '{claim}'")
    document = {name: value for name, value in credential.items() if name not in _CLAIMS}
    moment = issued_at
    if moment is None and isinstance(credential.get("iat"), int):
        moment = datetime.fromtimestamp(credential["iat"], UTC)
    claims = jwt_claims(document, moment or datetime.now(UTC))
    missing = [claim for claim in OB3_REQUIRED_CLAIMS if claim not in claims]
    if missing:
        raise ValueError(f"an OB 3.0 JWT needs the claim(s) {missing}: the credential lacks the fields they mirror")
    clashing = [name for name in _CLAIMS if name in credential and name in claims and credential[name] != claims[name]]
    if clashing:
        raise ValueError(f"the credential's claim(s) {clashing} disagree with its own fields")
    headers = {"kid": key_id(claims["iss"], key.kid), "jwk": key.public_jwk, "typ": OB3_TYP}
    return encode_jws({**document, **claims}, key, headers)


def payload_of(token: str) -> dict[str, Any]:
    """The payload of a compact JWS, unverified (to turn one signed form into another the register signed)."""
    part = token.split(".")[1]
    value = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    if not isinstance(value, dict):
        raise ValueError("the token's payload is not a JSON object")
    return value
