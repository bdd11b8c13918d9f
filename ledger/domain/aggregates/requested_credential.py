"""A credential signed at someone's request through the VC API (``POST /credentials/issue``), not by a decision of
the register: recorded like every other signature (who asked, what was signed, pinned by its SHA-256, and the
status-list indexes it holds), so it is in the transparency log and can be revoked. Register credentials (Open
Badges for a level) never come this way: only decisions make them (``ledger.processes.issuance``)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import event

from ledger.domain.aggregates.base import LedgerAggregate
from ledger.domain.errors import RuleBroken


class RequestedCredential(LedgerAggregate):
    class Event(LedgerAggregate.Event):
        """Every event of a credential signed on request."""

    class Issued(LedgerAggregate.Created):
        requested_by: str
        sha256: str
        kid: str
        revocation_index: int
        suspension_index: int | None  # None since the one-entry status design
        occurred_at: datetime

    @event(Issued)
    def __init__(
        self,
        id: UUID,  # noqa: A002 - chosen by the caller; applied by the library
        requested_by: str,
        sha256: str,
        kid: str,
        revocation_index: int,
        suspension_index: int | None,
        occurred_at: datetime,
    ) -> None:
        self.requested_by = requested_by
        self.sha256 = sha256
        self.kid = kid
        self.revocation_index = revocation_index
        self.suspension_index = suspension_index
        self.revoked = False

    def revoke(self, by: str, occurred_at: datetime) -> None:
        if self.revoked:
            raise RuleBroken("this credential was already revoked")
        self._revoked(by=by, occurred_at=occurred_at)

    class Revoked(Event):
        by: str
        occurred_at: datetime

    @event(Revoked)
    def _revoked(self, by: str, occurred_at: datetime) -> None:
        self.revoked = True
