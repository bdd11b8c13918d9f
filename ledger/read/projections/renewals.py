"""Renewals: when each registration falls due, whether a renewal is waiting, what PPD backs it, who has lapsed."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Date, Float, Index, String, Table

from ledger.app.db import metadata
from ledger.domain.aggregates import Registration
from ledger.domain.statuses import RegistrationStatus
from ledger.read.projections.base import Projection, key

renewals = Table(
    "renewals",
    metadata,
    Column("id", String(32), primary_key=True),  # the registration
    Column("registrant_id", String(32), nullable=False),
    Column("number", String(16), nullable=False),
    Column("level", String(8), nullable=True),
    Column("status", String(16), nullable=True),
    Column("valid_until", Date, nullable=True, index=True),
    Column("renewal_submitted_on", Date, nullable=True),
    Column("last_renewed_on", Date, nullable=True),
    Column("lapsed_on", Date, nullable=True),
    Index("renewals_status_valid_until", "status", "valid_until"),
)

ppd_activities = Table(
    "ppd_activities",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("registration_id", String(32), nullable=False, index=True),
    Column("on", Date, nullable=False),
    Column("category", String(16), nullable=False),
    Column("hours", Float, nullable=False),
    Column("areas", String(32), nullable=False),
)


STATUS_AFTER: dict[type[Registration.Event], RegistrationStatus] = {
    Registration.Suspended: RegistrationStatus.SUSPENDED,
    Registration.SuspensionLifted: RegistrationStatus.REGISTERED,
    Registration.Removed: RegistrationStatus.REMOVED,
    Registration.Resigned: RegistrationStatus.RESIGNED,
}


class RenewalsProjection(Projection):
    name = "renewals"
    tables = (renewals, ppd_activities)
    handlers = {
        Registration.Opened: "opened",
        Registration.LevelAwarded: "level_awarded",
        Registration.PpdRecorded: "ppd_recorded",
        Registration.RenewalSubmitted: "renewal_submitted",
        Registration.Renewed: "renewed",
        Registration.Lapsed: "lapsed",
        Registration.Suspended: "status_changed",
        Registration.SuspensionLifted: "status_changed",
        Registration.Removed: "status_changed",
        Registration.Resigned: "status_changed",
        Registration.Reinstated: "reinstated",
    }

    def prefetch(self, events: list[Any]) -> None:
        self.rows["renewals"].want(
            key(e.originator_id)
            for e in events
            if isinstance(e, Registration.Event) and not isinstance(e, (Registration.Opened, Registration.PpdRecorded))
        )

    def _set(self, e: Any, **values: Any) -> None:
        self.update("renewals", key(e.originator_id), **values)

    def opened(self, e: Registration.Opened) -> None:
        self.put(
            "renewals",
            {
                "id": key(e.originator_id),
                "registrant_id": key(e.registrant_id),
                "number": e.number,
                "level": None,
                "status": None,
                "valid_until": None,
                "renewal_submitted_on": None,
                "last_renewed_on": None,
                "lapsed_on": None,
            },
        )

    def level_awarded(self, e: Any) -> None:
        self._set(
            e,
            level=e.level,
            status=RegistrationStatus.REGISTERED,
            valid_until=e.valid_until,
            renewal_submitted_on=None,
            lapsed_on=None,
        )

    def ppd_recorded(self, e: Any) -> None:
        self.put(
            "ppd_activities",
            {
                "id": key(e.activity_id),
                "registration_id": key(e.originator_id),
                "on": e.on,
                "category": e.category,
                "hours": e.hours,
                "areas": ",".join(e.areas),
            },
        )

    def renewal_submitted(self, e: Any) -> None:
        self._set(e, renewal_submitted_on=e.submitted_on)

    def renewed(self, e: Any) -> None:
        self._set(e, valid_until=e.valid_until, renewal_submitted_on=None, last_renewed_on=e.occurred_at.date())

    def lapsed(self, e: Any) -> None:
        self._set(e, status=RegistrationStatus.LAPSED, lapsed_on=e.on, renewal_submitted_on=None)

    def status_changed(self, e: Any) -> None:
        status = STATUS_AFTER[type(e)]
        values: dict[str, Any] = {"status": status}
        if status in (RegistrationStatus.REMOVED, RegistrationStatus.RESIGNED):  # no renewal is coming
            values["renewal_submitted_on"] = None
        self._set(e, **values)

    def reinstated(self, e: Any) -> None:
        self._set(e, status=RegistrationStatus.REGISTERED, valid_until=e.valid_until, lapsed_on=None)


# -- queries
def _rows(conn: Any, statement: Any) -> list[dict[str, Any]]:
    return [dict(row) for row in conn.execute(statement.order_by(renewals.c.valid_until)).mappings()]


def renewals_due(conn: Any, today: Any, within_days: int = 90) -> list[dict[str, Any]]:
    """Registered people whose renewal date falls in the next ``within_days`` days."""
    from datetime import timedelta

    from sqlalchemy import select

    return _rows(
        conn,
        select(renewals).where(
            renewals.c.status == RegistrationStatus.REGISTERED,
            renewals.c.valid_until >= today,
            renewals.c.valid_until <= today + timedelta(days=within_days),
        ),
    )


def renewals_overdue(conn: Any, today: Any) -> list[dict[str, Any]]:
    """Registered people past their renewal date, in the grace period or waiting to be lapsed."""
    from sqlalchemy import select

    return _rows(
        conn, select(renewals).where(renewals.c.status == RegistrationStatus.REGISTERED, renewals.c.valid_until < today)
    )


def lapsed(conn: Any) -> list[dict[str, Any]]:
    from sqlalchemy import select

    return _rows(conn, select(renewals).where(renewals.c.status == RegistrationStatus.LAPSED))


def ppd_summary(conn: Any, registration_id: str, since: Any) -> dict[str, float]:
    """Hours of PPD per category recorded since a date."""
    from sqlalchemy import func, select

    rows = conn.execute(
        select(ppd_activities.c.category, func.sum(ppd_activities.c.hours))
        .where(ppd_activities.c.registration_id == registration_id, ppd_activities.c["on"] > since)
        .group_by(ppd_activities.c.category)
    ).all()
    return {category: float(hours) for category, hours in rows}
