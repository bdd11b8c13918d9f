"""A registration number, claimed once. Its id is derived from the number, so the event store itself refuses a
second claim of the same number (the save raises ``IntegrityError``)."""

from __future__ import annotations

from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from ledger.domain.aggregates.base import LedgerAggregate

NUMBER_NAMESPACE = uuid5(NAMESPACE_URL, "https://regledger.invalid/registration-number")


class RegistrationNumberClaim(LedgerAggregate):
    @staticmethod
    def create_id(number: str) -> UUID:
        return uuid5(NUMBER_NAMESPACE, number)

    id_for = create_id

    class Claimed(LedgerAggregate.Created):
        number: str
        registration_id: UUID
        occurred_at: datetime

    @event(Claimed)
    def __init__(self, number: str, registration_id: UUID, occurred_at: datetime) -> None:
        self.number = number
        self.registration_id = registration_id
