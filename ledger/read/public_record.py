"""What a registrant's public page shows beyond the register's row: since when the registration has stood as it does
(and until when a suspension runs), and the levels it has held, dates only.

Read from the registration's own events (one record, so an aggregate read, like ``views``): no reasons, no free
text, nothing sealed is opened; only the level codes and the dates the public register already shows."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import select

from ledger.app.ledger import Ledger
from ledger.domain.aggregates import Registration
from ledger.domain.statuses import LIVE, RegistrationStatus
from ledger.read.projections.register import registrations

ENDING: dict[type[Registration.Event], RegistrationStatus] = {
    Registration.Lapsed: RegistrationStatus.LAPSED,
    Registration.Removed: RegistrationStatus.REMOVED,
    Registration.Resigned: RegistrationStatus.RESIGNED,
}
"""The events that end the holding of a level, and the status each leaves (a suspension does not: a suspended
person still holds their level, and must keep it in good standing)."""


def public_record(ledger: Ledger, number: str) -> dict[str, Any]:
    """For the registration numbered ``number`` (canonical): ``status_since`` and ``suspended_until`` (dates or
    None), and ``levels``: each level held, oldest first, as ``{"level", "start", "end", "ended"}`` where ``end`` is
    None while it is held and ``ended`` says how it ended (``"higher"`` for a higher award, else the status)."""
    with ledger.engine.connect() as conn:
        row = conn.execute(
            select(registrations.c.id, registrations.c.status_since, registrations.c.suspended_until).where(
                registrations.c.number == number
            )
        ).first()
    if row is None:
        return {"status_since": None, "suspended_until": None, "levels": []}
    events = [ledger.mapper.to_domain_event(stored) for stored in ledger.recorder.select_events(UUID(row.id))]
    return {"status_since": row.status_since, "suspended_until": row.suspended_until, "levels": levels_held(events)}


def levels_held(events: list[Any]) -> list[dict[str, Any]]:
    """The spans of a registration's events during which it held a level (see ``public_record``)."""
    spans: list[dict[str, Any]] = []
    status: RegistrationStatus | None = None
    level: str | None = None

    def close(on: date, ended: str) -> None:
        if spans and spans[-1]["end"] is None:
            spans[-1].update(end=on, ended=ended)

    def open_(code: str, on: date) -> None:
        spans.append({"level": code, "start": on, "end": None, "ended": None})

    for event in events:
        if isinstance(event, Registration.LevelAwarded):
            if status in LIVE:
                close(event.awarded_on, "higher")
            level, status = event.level, RegistrationStatus.REGISTERED
            open_(event.level, event.awarded_on)
        elif isinstance(event, Registration.Reinstated) and level is not None:
            status = RegistrationStatus.REGISTERED
            open_(level, event.on)
        elif type(event) in ENDING:
            status = ENDING[type(event)]
            close(event.on, status)
        elif isinstance(event, Registration.Suspended):
            status = RegistrationStatus.SUSPENDED
        elif isinstance(event, Registration.SuspensionLifted):
            status = RegistrationStatus.REGISTERED
    return spans
