"""A day of the register's calendar, closed by the daily tick. Its id is derived from the date, so a second tick of
the same day finds it closed and does nothing; the event records what the day did."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from ledger.domain.aggregates.base import LedgerAggregate

DAY_NAMESPACE = uuid5(NAMESPACE_URL, "https://regledger.invalid/day")


class Day(LedgerAggregate):
    @staticmethod
    def create_id(day: date) -> UUID:
        return uuid5(DAY_NAMESPACE, day.isoformat())

    id_for = create_id

    class Closed(LedgerAggregate.Created):
        """Version 2 added the renewals the tick approved and the registrations lapsed because a PPD audit was not
        renewed."""

        day: date
        reminders: int
        overdue: int
        lapsed: int
        suspensions_ended: int
        renewed: int
        ended_after_audit: int
        audit_seed: str | None
        audit_selected: int
        occurred_at: datetime
        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["renewed"] = state["ended_after_audit"] = 0

    @event(Closed)
    def __init__(
        self,
        day: date,
        reminders: int,
        overdue: int,
        lapsed: int,
        suspensions_ended: int,
        renewed: int,
        ended_after_audit: int,
        audit_seed: str | None,
        audit_selected: int,
        occurred_at: datetime,
    ) -> None:
        self.day = day
        self.reminders, self.overdue, self.lapsed = reminders, overdue, lapsed
        self.suspensions_ended, self.ended_after_audit = suspensions_ended, ended_after_audit
        self.renewed = renewed
        self.audit_seed, self.audit_selected = audit_seed, audit_selected
