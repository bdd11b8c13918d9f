"""An assessor: a person appointed to judge applications. An assessor may also be a registrant."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import event

from ledger.domain.aggregates.base import LedgerAggregate
from ledger.domain.errors import RuleBroken
from ledger.domain.sealed import Sealed


class Assessor(LedgerAggregate):
    class Event(LedgerAggregate.Event):
        """Every event of an assessor."""

    class Appointed(LedgerAggregate.Created):
        name: Sealed
        registrant_id: UUID | None
        occurred_at: datetime

    @event(Appointed)
    def __init__(self, id: UUID, name: Sealed, registrant_id: UUID | None, occurred_at: datetime) -> None:
        self.name = name
        self.registrant_id = registrant_id
        self.active = True

    def stand_down(self, occurred_at: datetime) -> None:
        if not self.active:
            raise RuleBroken("this assessor has already stood down")
        self._stood_down(occurred_at=occurred_at)

    class StoodDown(Event):
        occurred_at: datetime

    @event(StoodDown)
    def _stood_down(self, occurred_at: datetime) -> None:
        self.active = False
