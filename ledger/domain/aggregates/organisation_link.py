"""A registrant's links to organisations: which organisations they have chosen to let see their public register
facts (and, next, their status changes and their share of suppressed analyses). One per registrant, its id derived
from theirs, so their page reads one aggregate. ``organisation`` says why each link is held on both sides.

It holds ids and times only: nothing personal, so erasure leaves nothing here to shred; an erased registrant is left
out of every organisation's list when it is read."""

from __future__ import annotations

from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from ledger.domain.aggregates.base import LedgerAggregate
from ledger.domain.errors import RuleBroken

LINKS_NAMESPACE = uuid5(NAMESPACE_URL, "https://regledger.invalid/organisation-links")


class OrganisationLink(LedgerAggregate):
    @staticmethod
    def create_id(registrant_id: UUID) -> UUID:
        return uuid5(LINKS_NAMESPACE, registrant_id.hex)

    id_for = create_id

    class Event(LedgerAggregate.Event):
        """Every event of a registrant's links."""

    class Started(LedgerAggregate.Created):
        registrant_id: UUID
        occurred_at: datetime

    @event(Started)
    def __init__(self, registrant_id: UUID, occurred_at: datetime) -> None:
        self.registrant_id = registrant_id
        self.organisations: dict[UUID, datetime] = {}  # organisation id -> when linked

    def link(self, organisation_id: UUID, name: str, occurred_at: datetime) -> None:
        if organisation_id in self.organisations:
            raise RuleBroken(f"you are already linked to {name}")
        self._linked(organisation_id=organisation_id, occurred_at=occurred_at)

    def unlink(self, organisation_id: UUID, name: str, by: str, occurred_at: datetime) -> None:
        if organisation_id not in self.organisations:
            raise RuleBroken(f"you are not linked to {name}")
        self._unlinked(organisation_id=organisation_id, by=by, occurred_at=occurred_at)

    class Linked(Event):
        organisation_id: UUID
        occurred_at: datetime

    @event(Linked)
    def _linked(self, organisation_id: UUID, occurred_at: datetime) -> None:
        self.organisations[organisation_id] = occurred_at

    class Unlinked(Event):
        organisation_id: UUID
        by: str
        occurred_at: datetime

    @event(Unlinked)
    def _unlinked(self, organisation_id: UUID, by: str, occurred_at: datetime) -> None:
        self.organisations.pop(organisation_id, None)
