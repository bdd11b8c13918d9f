"""Credentials signed at someone's request through the VC API (``POST /credentials/issue``), not by a decision of
the register: each gets an id and a revocation entry, and a ``RequestedCredential`` event records who asked, what
was signed (its SHA-256) and its indexes, so it is in the transparency log and can be revoked. Register credentials
(a level's Open Badge) are never made this way: only decisions make them (``ledger.processes.issuance``)."""

from __future__ import annotations

import hashlib
import json
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from credentials.achievement import sign_credential_jwt
from credentials.status_list import StatusListFull
from ledger.app.ledger import Ledger
from ledger.domain.aggregates import RequestedCredential, StatusIndexClaim
from ledger.domain.errors import InvalidInput
from ledger.processes.keyring import Keyring
from ledger.processes.signing import INDEX_ATTEMPTS, free_index, issuer_profile, status_entries

REGISTER_TYPES = ("OpenBadgeCredential", "AchievementCredential")
REGISTER_CLAIMS = ('"licenseNumber"', '"achievement"')


def issue_on_request(
    ledger: Ledger, keyring: Keyring, credential: dict[str, Any], requested_by: str
) -> tuple[UUID, str]:
    """Sign ``credential`` (a checked VC 2.0 document) at ``requested_by``'s request, through the ledger: it gets an
    id and a revocation entry, and a ``RequestedCredential`` event records who asked, what was signed (its SHA-256)
    and its indexes, in one save with the index claims; so it is in the transparency log and can be revoked. A
    credential that would pass for a register credential (a level's badge, a licence number, an achievement) is
    refused: only the register's decisions make those. Returns (credential id, the vc+jwt)."""
    types = credential.get("type")
    types = [types] if isinstance(types, str) else types if isinstance(types, list) else []
    claims = json.dumps(credential.get("credentialSubject"), default=str)
    if any(t in REGISTER_TYPES for t in types) or any(c in claims for c in REGISTER_CLAIMS):
        raise InvalidInput(
            "credential",
            "register credentials (a level's Open Badge, a licence number, an "
            "achievement) are issued only by the register's own decisions, not on "
            "request",
        )
    if "credentialStatus" in credential:
        raise InvalidInput(
            "credential",
            "leave credentialStatus out: the register gives every credential it signs its own revocation entry",
        )
    url = issuer_profile(ledger).id
    key = keyring.active()
    for _ in range(INDEX_ATTEMPTS):
        credential_id = ledger._new_id()
        now = ledger.clock.now()
        revocation = free_index(ledger, "revocation")
        (status,) = status_entries(url, revocation)
        document = {
            **credential,
            "id": credential.get("id") or f"urn:uuid:{credential_id}",
            "credentialStatus": status.to_json(f"{status.list_url}#{status.index}"),
        }
        token = sign_credential_jwt(document, key.signing_key, issued_at=now)
        record = RequestedCredential(
            id=credential_id,
            requested_by=requested_by,
            sha256=hashlib.sha256(token.encode()).hexdigest(),
            kid=key.kid,
            revocation_index=revocation,
            suspension_index=None,
            occurred_at=now,
        )
        claim = StatusIndexClaim(purpose="revocation", index=revocation, credential_id=record.id, occurred_at=now)
        try:
            ledger._commit(record, claim)
        except IntegrityError:
            continue  # an index was claimed meanwhile: draw again
        return record.id, token
    raise StatusListFull(f"could not find a free status index after {INDEX_ATTEMPTS} attempts")
