"""A credential issued for an award, an upgrade, a renewal, a reinstatement, a lifted suspension or a re-issue, and
the status-list index it holds.

Exactly once: a credential's id is derived from the registration and the version of the registration event that
called for it, so a second issuer (or the same one re-run after a crash) that signs again cannot record a second
credential for the same event: the event store refuses the duplicate id. Signed bytes that were never recorded were
never handed out, so a crash between signing and recording leaves nothing live.

The signed tokens carry the registrant's name, so they are sealed with the registrant's data key: erasure shreds
them with everything else. What was signed is pinned by its SHA-256, in the clear.

Version 2 of ``Issued`` added the Open Badges 3.0 JWT form (``ob3``, signed at issuance beside the ``vc+jwt`` by the
issuer's RS256 key ``ob3_kid``, pinned by ``ob3_sha256``; see ``credentials.ob3_jwt``): a credential exists only
because a recorded decision made it, so every form of it is signed and recorded here, never made later on demand.
Version 1 credentials have no OB 3.0 form (``None``).

``suspension_index`` is ``None`` for every credential issued since the one-entry status design (README, "Status
entries: the decision"): a credential holds one index, in the revocation list, and a suspension revokes it. Those
issued before hold an index in the suspension list too, which the register keeps publishing for them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from ledger.domain.aggregates.base import LedgerAggregate
from ledger.domain.aggregates.registration import Registration
from ledger.domain.sealed import Sealed
from ledger.domain.statuses import CredentialTrigger

CREDENTIAL_NAMESPACE = uuid5(NAMESPACE_URL, "https://regledger.invalid/credential")
INDEX_NAMESPACE = uuid5(NAMESPACE_URL, "https://regledger.invalid/status-index")

TRIGGERS: dict[type[Registration.Event], CredentialTrigger] = {
    Registration.LevelAwarded: CredentialTrigger.AWARD,
    Registration.Renewed: CredentialTrigger.RENEWAL,
    Registration.Reinstated: CredentialTrigger.REINSTATEMENT,
    Registration.CredentialReissued: CredentialTrigger.REISSUE,
    Registration.SuspensionLifted: CredentialTrigger.SUSPENSION_LIFTED,
}
"""The registration events that call for a credential (the issuer signs one for each, exactly once), and the
trigger each credential records."""


class Credential(LedgerAggregate):
    @staticmethod
    def create_id(registration_id: UUID, trigger_version: int) -> UUID:
        return uuid5(CREDENTIAL_NAMESPACE, f"{registration_id.hex}/{trigger_version}")

    id_for = create_id

    class Issued(LedgerAggregate.Created):
        registration_id: UUID
        registrant_id: UUID
        trigger: str
        trigger_version: int
        number: str
        level: str
        kid: str
        revocation_index: int
        suspension_index: int | None
        valid_from: date
        valid_until: date
        full: Sealed
        compact: Sealed
        sha256: str
        occurred_at: datetime
        ob3: Sealed | None
        ob3_kid: str | None
        ob3_sha256: str | None
        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state.update(ob3=None, ob3_kid=None, ob3_sha256=None)

    @event(Issued)
    def __init__(
        self,
        registration_id: UUID,
        registrant_id: UUID,
        trigger: str,
        trigger_version: int,
        number: str,
        level: str,
        kid: str,
        revocation_index: int,
        suspension_index: int | None,
        valid_from: date,
        valid_until: date,
        full: Sealed,
        compact: Sealed,
        sha256: str,
        occurred_at: datetime,
        ob3: Sealed | None = None,
        ob3_kid: str | None = None,
        ob3_sha256: str | None = None,
    ) -> None:
        self.registration_id = registration_id
        self.registrant_id = registrant_id
        self.trigger = trigger
        self.trigger_version = trigger_version
        self.number = number
        self.level = level
        self.kid = kid
        self.revocation_index = revocation_index
        self.suspension_index = suspension_index
        self.valid_from = valid_from
        self.valid_until = valid_until
        self.full = full
        self.compact = compact
        self.sha256 = sha256
        self.issued_at = occurred_at
        self.ob3 = ob3
        self.ob3_kid = ob3_kid
        self.ob3_sha256 = ob3_sha256


class StatusIndexClaim(LedgerAggregate):
    """One index of one status list, claimed once: the id is derived from the purpose and the index, so two
    credentials can never share a bit."""

    @staticmethod
    def create_id(purpose: str, index: int) -> UUID:
        return uuid5(INDEX_NAMESPACE, f"{purpose}/{index}")

    id_for = create_id

    class Claimed(LedgerAggregate.Created):
        purpose: str
        index: int
        credential_id: UUID
        occurred_at: datetime

    @event(Claimed)
    def __init__(self, purpose: str, index: int, credential_id: UUID, occurred_at: datetime) -> None:
        self.purpose = purpose
        self.index = index
        self.credential_id = credential_id
