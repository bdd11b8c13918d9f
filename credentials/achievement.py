"""The full credential: an Open Badges 3.0 ``OpenBadgeCredential`` (an AchievementCredential, W3C VC Data Model
2.0) that says a registrant holds a level of the register, signed as a ``vc+jwt`` (W3C VC-JOSE-COSE).

The document and how the register maps onto Open Badges 3.0 are in ``credentials.open_badges``; signing one
credential is here; ``CredentialTemplate`` (``credentials.template``) signs many of one level fast. Every name of
those modules that callers use is importable from here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from credentials.did_web import key_id
from credentials.jwt_sign import sign_jws
from credentials.keys import SigningKey
from credentials.open_badges import (
    ACHIEVEMENT_TYPE,
    ALIGNMENT_TARGET_TYPE,
    CREDENTIAL_TYP,
    MONTHS,
    OB_ACHIEVEMENT_CREDENTIAL_SCHEMA,
    OB_V3_CONTEXT,
    VC_V2_CONTEXT,
    Alignment,
    Issuer,
    Level,
    StatusEntry,
    build_achievement,
    build_achievement_credential,
    day_month_year,
)
from credentials.template import CredentialTemplate
from credentials.timestamps import epoch_seconds, parse_rfc3339

__all__ = [
    "ACHIEVEMENT_TYPE",
    "ALIGNMENT_TARGET_TYPE",
    "CREDENTIAL_TYP",
    "MONTHS",
    "OB_ACHIEVEMENT_CREDENTIAL_SCHEMA",
    "OB_V3_CONTEXT",
    "VC_V2_CONTEXT",
    "Alignment",
    "CredentialTemplate",
    "Issuer",
    "Level",
    "StatusEntry",
    "build_achievement",
    "build_achievement_credential",
    "day_month_year",
    "jwt_claims",
    "sign_credential_jwt",
]

_FORBIDDEN_CLAIMS = ("vc", "vp")  # VC-JOSE-COSE: the payload is the credential itself, never wrapped


def jwt_claims(credential: dict[str, Any], issued_at: datetime) -> dict[str, Any]:
    """The registered JWT claims that mirror a credential's own fields (VC-JOSE-COSE allows them beside it)."""
    issuer = credential.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if not isinstance(issuer_id, str) or not issuer_id:
        raise ValueError("the credential has no issuer id")
    claims: dict[str, Any] = {"iss": issuer_id, "iat": epoch_seconds(issued_at)}
    if isinstance(credential.get("id"), str):
        claims["jti"] = credential["id"]
    subject = credential.get("credentialSubject")
    if isinstance(subject, dict) and isinstance(subject.get("id"), str):
        claims["sub"] = subject["id"]
    if "validFrom" in credential:
        claims["nbf"] = epoch_seconds(parse_rfc3339(credential["validFrom"]))
    if "validUntil" in credential:
        claims["exp"] = epoch_seconds(parse_rfc3339(credential["validUntil"]))
    return claims


def sign_credential_jwt(credential: dict[str, Any], key: SigningKey, *, issued_at: datetime | None = None) -> str:
    """The credential as a ``vc+jwt``: header ``alg``, ``kid`` (a DID URL for a did:web issuer:
    ``credentials.did_web.key_id``), ``typ``; payload the credential itself plus ``iss``,
    ``jti``, ``sub``, ``nbf``, ``exp`` mirroring its issuer, id, subject id, validFrom and validUntil, and ``iat``
    (``issued_at``, the caller's clock; now by default)."""
    present = [claim for claim in _FORBIDDEN_CLAIMS if claim in credential]
    if present:
        raise ValueError(f"a vc+jwt payload is the credential itself; it must not carry {present}")
    claims = jwt_claims(credential, issued_at or datetime.now(UTC))
    clashing = [name for name, value in claims.items() if name in credential and credential[name] != value]
    if clashing:
        raise ValueError(f"the credential already has claim(s) {clashing} that disagree with its own fields")
    return sign_jws({**credential, **claims}, key, typ=CREDENTIAL_TYP, kid=key_id(claims["iss"], key.kid))
