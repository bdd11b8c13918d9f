"""The compact credential behind a QR badge: a small JWS carried in the fragment of ``<issuer URL>/v#<token>``, so a
phone camera opens the offline verifier and the token never reaches a server.

It must fit a QR code of version 15 at error correction M: 412 bytes for the whole URL. With the issuer URL
``https://register.creativetechnicians.org.uk`` (46 bytes with ``/v#``) and a 64-byte signature (86 characters;
ES256 and EdDSA alike), about 208 bytes of JSON remain for header and claims together. Hence:

Protected header -- ``{"alg": "ES256" | "EdDSA", "typ": "rl-badge+jwt"}``, with **no ``kid``**. The verifier tries
the keys of the issuer's trust bundle that have this ``alg`` (a handful at most) and uses the one that verifies;
its validity window and compromise time are then checked as for any credential. A 43-character thumbprint would
cost 57 characters, the difference between fitting a 70-character name and not.

Claims (payload), all required except ``r``/``s``:

- ``i``:   the full credential's id, ``urn:uuid:<uuid>``, as the 22-character base64url of the UUID's 16 bytes
- ``nbf``: validFrom of the full credential, NumericDate (the moment of issue)
- ``exp``: validUntil of the full credential (the renewal date), NumericDate
- ``n``:   the registrant's name, as on the register
- ``rn``:  the registration number (``RG-1234567-89``), the full credential's ``licenseNumber``
- ``lv``:  the level's code (``RCT``, ``RCP``, ``ACP``)
- ``r``:   index in the issuer's revocation list (present when the credential has a revocation entry)
- ``s``:   index in the issuer's suspension list (present when it has a suspension entry)

Left out, each because it can be found without spending bytes on it: ``iss`` is the issuer of the trust bundle
whose key verifies the token (and the origin of the URL); the status list URLs are that issuer's
``<issuer URL>/status/revocation`` and ``/status/suspension`` (``status_list.status_list_url``), the lists the trust
bundle carries -- ``build_compact_claims`` refuses entries that point anywhere else.

With a 40-character name and 7-digit status indexes the badge URL is about 400 bytes: version 15. A name of about
50 characters or more needs version 16, and ``credentials.qr`` refuses to draw it; the full credential, as a file
or a link, carries every name.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any
from uuid import UUID

from credentials.jwt_sign import encode_jws
from credentials.keys import SigningKey
from credentials.open_badges import StatusEntry
from credentials.status_list import status_list_url
from credentials.timestamps import epoch_seconds, utc

BADGE_TYP = "rl-badge+jwt"
COMPACT_ALGORITHMS = ("ES256", "EdDSA")
"""64-byte signatures. RS256 (384 bytes with RSA 3072) and ES384/ES512 never fit the QR budget."""
PURPOSE_CLAIMS = {"revocation": "r", "suspension": "s"}
URN_UUID = "urn:uuid:"


def short_id(credential_id: str) -> str:
    """``urn:uuid:<uuid>`` as 22 base64url characters; ``ValueError`` for any other form of id."""
    if not isinstance(credential_id, str) or not credential_id.startswith(URN_UUID):
        raise ValueError(f"a compact credential carries a urn:uuid credential id, not {credential_id!r}")
    try:
        value = UUID(credential_id[len(URN_UUID) :])
    except ValueError:
        raise ValueError(f"{credential_id!r} is not a urn:uuid") from None
    return base64.urlsafe_b64encode(value.bytes).rstrip(b"=").decode("ascii")


def long_id(short: str) -> str:
    """The ``urn:uuid:`` id from its 22-character form (the inverse of ``short_id``)."""
    if not isinstance(short, str) or len(short) != 22:
        raise ValueError("a compact credential id is 22 base64url characters")
    try:
        return URN_UUID + str(UUID(bytes=base64.urlsafe_b64decode(short + "==")))
    except (ValueError, binascii.Error):
        raise ValueError("a compact credential id is 22 base64url characters") from None


def build_compact_claims(
    *,
    credential_id: str,
    issuer_id: str,
    name: str,
    registration_number: str,
    level_code: str,
    valid_from: datetime,
    valid_until: datetime,
    status: list[StatusEntry],
) -> dict[str, Any]:
    """The compact claims (see the module's table)."""
    for label, text in (
        ("credential_id", credential_id),
        ("name", name),
        ("registration_number", registration_number),
        ("level_code", level_code),
    ):
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"{label} must be a non-empty string")
    if utc(valid_until) <= utc(valid_from):
        raise ValueError("valid_until must come after valid_from")
    claims: dict[str, Any] = {
        "i": short_id(credential_id),
        "nbf": epoch_seconds(valid_from),
        "exp": epoch_seconds(valid_until),
        "n": name,
        "rn": registration_number,
        "lv": level_code,
    }
    for entry in status:
        claim = PURPOSE_CLAIMS[entry.purpose]
        if claim in claims:
            raise ValueError(f"two {entry.purpose} entries: a compact credential names one list per purpose")
        expected = status_list_url(issuer_id, entry.purpose)
        if entry.list_url != expected:
            raise ValueError(
                f"the {entry.purpose} entry points at {entry.list_url!r}, but a compact credential can "
                f"only name the issuer's own list {expected!r}"
            )
        claims[claim] = entry.index
    return claims


def sign_compact(claims: dict[str, Any], key: SigningKey) -> str:
    """The compact JWS: header ``alg`` and ``typ: rl-badge+jwt`` only."""
    if key.alg not in COMPACT_ALGORITHMS:
        raise ValueError(
            f"a QR badge is signed with {' or '.join(COMPACT_ALGORITHMS)} (64-byte signatures), not {key.alg}"
        )
    return encode_jws(claims, key, {"typ": BADGE_TYP})


def badge_url(issuer_url: str, token: str) -> str:
    """``<issuer URL>/v#<token>``: the token travels in the fragment, which browsers never send to a server."""
    return f"{issuer_url.rstrip('/')}/v#{token}"
