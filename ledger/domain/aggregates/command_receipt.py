"""A command carried out for a client's ``Idempotency-Key``. Its id is derived from the account and the key, and it
is saved in the same transaction as the command's own events: so the receipt exists exactly when the command acted,
a second receipt for the same key is refused by the event store itself (the save raises ``IntegrityError``), and a
retry after any fault (even a commit whose acknowledgement was lost) finds the first answer instead of acting again.

It holds a digest of the key (the client's key is not kept), a digest of the request (to refuse the key's reuse for a
different request) and the answer given: ids and statuses, never the request's personal data."""

from __future__ import annotations

from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from ledger.domain.aggregates.base import LedgerAggregate

RECEIPT_NAMESPACE = uuid5(NAMESPACE_URL, "https://regledger.invalid/command-receipt")


class CommandReceipt(LedgerAggregate):
    @staticmethod
    def create_id(key_digest: str) -> UUID:
        return uuid5(RECEIPT_NAMESPACE, key_digest)

    id_for = create_id

    class Recorded(LedgerAggregate.Created):
        key_digest: str
        request_hash: str
        answer: str  # JSON
        occurred_at: datetime

    @event(Recorded)
    def __init__(self, key_digest: str, request_hash: str, answer: str, occurred_at: datetime) -> None:
        self.request_hash = request_hash
        self.answer = answer  # JSON
