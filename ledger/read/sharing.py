"""A registrant's credential in the forms they share: the full credential (a ``vc+jwt`` file, or its JSON), the same
credential in the Open Badges 3.0 JWT form (``ob3-jwt``: ``credentials.ob3_jwt``, signed and recorded at issuance),
the compact badge token, its QR code (PNG, SVG) and the LinkedIn "Add to profile" link."""

from __future__ import annotations

import base64
import json
import struct
import zlib
from datetime import date
from functools import cached_property
from typing import Any
from uuid import UUID

import jwt

from credentials.compact import badge_url
from credentials.linkedin import add_to_profile_url
from credentials.qr import qr_png, qr_svg
from ledger.app.ledger import Ledger
from ledger.domain import regnumber
from ledger.domain.aggregates import Credential
from ledger.domain.errors import Conflict, InvalidInput, NotFound, RuleBroken
from ledger.read.projections.credentials import credentials_of

FORMATS = ("jwt", "ob3-jwt", "json", "compact", "url", "qr-png", "qr-svg", "linkedin")
_PACKED = b"JWS1"


def pack_token(token: str) -> bytes:
    """A compact JWS as it is kept (sealed) in a ``Credential.Issued`` event: its three parts decoded and the whole
    compressed, a quarter of the token's size. Base64url without padding has one spelling for given bytes, so
    ``unpack_token`` gives back the very token that was signed."""
    parts = [base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)) for part in token.split(".")]
    if len(parts) != 3 or ".".join(_b64(p) for p in parts) != token:
        raise ValueError("not a compact JWS in canonical base64url")
    header, payload, signature = parts
    return _PACKED + struct.pack(">II", len(header), len(payload)) + zlib.compress(header + payload + signature, 9)


def unpack_token(data: bytes) -> str:
    if not data.startswith(_PACKED):
        return data.decode("ascii")  # kept as plain text
    header_length, payload_length = struct.unpack(">II", data[4:12])
    whole = zlib.decompress(data[12:])
    header, payload = whole[:header_length], whole[header_length : header_length + payload_length]
    return ".".join(_b64(p) for p in (header, payload, whole[header_length + payload_length :]))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def open_token(ledger: Ledger, sealed: Any) -> str | None:
    """A credential's token from its event, or None once its holder's personal data is erased."""
    data = ledger.vault.open_bytes(sealed)
    return unpack_token(data) if data is not None else None


class SharedCredential:
    """One credential in the forms its holder shares. The signed file is opened only when asked for."""

    def __init__(
        self, ledger: Ledger, credential: Credential, number: str, compact: str, withdrawn: bool = False
    ) -> None:
        self._ledger, self._credential = ledger, credential
        self.withdrawn = withdrawn  # its revocation bit is set (``projections.credentials.withdrawn``)
        self.credential_id: UUID = credential.id
        self.number, self.level, self.compact = number, credential.level, compact
        self.valid_from: date = credential.valid_from
        self.valid_until: date = credential.valid_until
        self.badge_url = badge_url(ledger.settings.issuer_url, compact)

    @cached_property
    def full(self) -> str:
        token = open_token(self._ledger, self._credential.full)
        if token is None:
            raise RuleBroken(f"the credential issued under {self.number} was erased with its holder's personal data")
        return token

    @cached_property
    def ob3(self) -> str:
        """The Open Badges 3.0 JWT form; ``NotFound`` for a credential issued before that form was signed."""
        sealed = getattr(self._credential, "ob3", None)
        if sealed is None:
            raise NotFound(
                f"the credential issued under {self.number} has no Open Badges 3.0 form: it was issued before "
                "that form was signed; the next renewal or re-issue brings one"
            )
        token = open_token(self._ledger, sealed)
        if token is None:
            raise RuleBroken(f"the credential issued under {self.number} was erased with its holder's personal data")
        return token

    @property
    def has_ob3(self) -> bool:
        return getattr(self._credential, "ob3", None) is not None

    @cached_property
    def payload(self) -> dict[str, Any]:
        return jwt.decode(self.full, options={"verify_signature": False})

    def render(self, fmt: str, organisation: str) -> bytes:
        if fmt == "jwt":
            return self.full.encode("ascii") + b"\n"
        if fmt == "ob3-jwt":
            return self.ob3.encode("ascii") + b"\n"
        if fmt == "json":
            return json.dumps(self.payload, indent=2, ensure_ascii=False).encode("utf-8") + b"\n"
        if fmt == "compact":
            return self.compact.encode("ascii") + b"\n"
        if fmt == "url":
            return self.badge_url.encode("ascii") + b"\n"
        if fmt == "qr-png":
            return qr_png(self.badge_url)
        if fmt == "qr-svg":
            return qr_svg(self.badge_url).encode("utf-8")
        if fmt == "linkedin":
            return self.linkedin(organisation).encode("ascii") + b"\n"
        raise InvalidInput("format", f"expected one of {', '.join(FORMATS)}")

    def linkedin(self, organisation: str) -> str:
        level = self._ledger.framework.level(self.level)
        return add_to_profile_url(
            name=f"{level.name} ({level.post_nominal})",
            organization_name=organisation,
            issue_year=self.valid_from.year,
            issue_month=self.valid_from.month,
            expiration_year=self.valid_until.year,
            expiration_month=self.valid_until.month,
            cert_url=self.badge_url,
            cert_id=self.number,
        )


def current_credential(ledger: Ledger, number: str) -> SharedCredential:
    """The newest credential issued under a registration number (bring the read models up to date first)."""
    try:
        canonical = regnumber.parse_number(number)
    except regnumber.InvalidRegistrationNumber as error:
        raise InvalidInput("registration_number", str(error)) from None
    with ledger.engine.connect() as conn:
        found = credentials_of(conn, canonical, limit=1)
    if not found:
        raise NotFound(f"no credential has been issued under {canonical}")
    credential = ledger._get(Credential, UUID(found[0]["id"]), "credential")
    compact = open_token(ledger, credential.compact)
    if compact is None:
        raise RuleBroken(f"the credential issued under {canonical} was erased with its holder's personal data")
    return SharedCredential(ledger, credential, canonical, compact, withdrawn=found[0]["withdrawn"])


def shareable_credential(ledger: Ledger, number: str) -> SharedCredential:
    """The newest credential under a registration number, if it may be shared: not withdrawn. A registration back in
    good standing (a lifted suspension) holds a withdrawn newest credential until the issuer signs its new one, a
    few seconds; ``Conflict`` says so rather than hand out a credential every verifier refuses."""
    shared = current_credential(ledger, number)
    if shared.withdrawn:
        raise Conflict(
            f"the credential issued under {shared.number} was withdrawn when the registration was suspended, lapsed "
            "or ended; the register is signing a new one for the registration in good standing: try again in a "
            "minute"
        )
    return shared
