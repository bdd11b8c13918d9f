"""A registrant's credential in the forms they share: the full credential (a ``vc+jwt`` file, or its JSON), the
compact badge token, its QR code (PNG, SVG) and the LinkedIn "Add to profile" link."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import jwt

from credentials.compact import badge_url
from credentials.linkedin import add_to_profile_url
from credentials.qr import qr_png, qr_svg
from ledger import regnumber
from ledger.aggregates import Credential
from ledger.commands import Ledger
from ledger.errors import InvalidInput, NotFound, RuleBroken
from ledger.projections.credentials import credentials_of

FORMATS = ("jwt", "json", "compact", "url", "qr-png", "qr-svg", "linkedin")


@dataclass(frozen=True)
class SharedCredential:
    credential_id: UUID
    number: str
    level: str
    full: str
    compact: str
    badge_url: str
    payload: dict[str, Any]

    def render(self, fmt: str, organisation: str) -> bytes:
        if fmt == "jwt":
            return self.full.encode("ascii") + b"\n"
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
        subject = self.payload["credentialSubject"]["achievement"]
        valid_from = self.payload["validFrom"]
        valid_until = self.payload["validUntil"]
        return add_to_profile_url(
            name=f"{subject['name']} ({subject['humanCode']})", organization_name=organisation,
            issue_year=int(valid_from[:4]), issue_month=int(valid_from[5:7]),
            expiration_year=int(valid_until[:4]), expiration_month=int(valid_until[5:7]),
            cert_url=self.badge_url, cert_id=self.number)


def current_credential(ledger: Ledger, number: str) -> SharedCredential:
    """The newest credential issued under a registration number (bring the read models up to date first)."""
    try:
        canonical = regnumber.parse_number(number)
    except regnumber.InvalidRegistrationNumber as error:
        raise InvalidInput("registration_number", str(error)) from None
    with ledger.engine.connect() as conn:
        found = credentials_of(conn, canonical)
    if not found:
        raise NotFound(f"no credential has been issued under {canonical}")
    credential = ledger._get(Credential, UUID(found[0]["id"]), "credential")
    full, compact = ledger.vault.open(credential.full), ledger.vault.open(credential.compact)
    if full is None or compact is None:
        raise RuleBroken(f"the credential issued under {canonical} was erased with its holder's personal data")
    return SharedCredential(
        credential_id=credential.id, number=canonical, level=credential.level, full=full, compact=compact,
        badge_url=badge_url(ledger.settings.issuer_url, compact),
        payload=jwt.decode(full, options={"verify_signature": False}))
