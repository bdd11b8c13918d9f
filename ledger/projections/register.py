"""The public register: who holds which level, since when, until when, in what standing.

Names are opened from the vault here, so an erased registrant's row shows as erased, and a rebuild after erasure
can never bring the name back.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, Column, Date, DateTime, Index, String, Table

from ledger.aggregates import Registrant, Registration
from ledger.db import metadata
from ledger.projections.base import Projection, key

registrants = Table(
    "registrants",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(200), nullable=True),  # NULL once erased
    Column("name_key", String(200), nullable=True, index=True),
    Column("disciplines", String(400), nullable=False),  # ",code,code," for matching
    Column("listing", String(16), nullable=False),
    Column("erased", Boolean, nullable=False),
    Column("enrolled_at", DateTime(timezone=True), nullable=False),
)

registrations = Table(
    "registrations",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("registrant_id", String(32), nullable=False, index=True),
    Column("number", String(16), nullable=False, unique=True),
    Column("level", String(8), nullable=True),
    Column("status", String(16), nullable=True),
    Column("registered_since", Date, nullable=True),
    Column("valid_until", Date, nullable=True),
    Column("status_since", Date, nullable=True),
    Column("suspended_until", Date, nullable=True),
    Index("registrations_level_status", "level", "status"),
)


def name_key(name: str | None) -> str | None:
    return " ".join(name.lower().split()) if name else None


class RegisterProjection(Projection):
    name = "register"
    tables = (registrants, registrations)
    handlers = {
        Registrant.Enrolled: "enrolled",
        Registrant.DetailsChanged: "details_changed",
        Registrant.Erased: "erased",
        Registration.Opened: "opened",
        Registration.LevelAwarded: "level_awarded",
        Registration.Lapsed: "status_changed",
        Registration.Suspended: "suspended",
        Registration.SuspensionLifted: "status_changed",
        Registration.Removed: "status_changed",
        Registration.Resigned: "status_changed",
        Registration.Reinstated: "reinstated",
        Registration.Renewed: "renewed",
    }

    def prefetch(self, events: list[Any]) -> None:
        self.rows["registrants"].want(
            key(e.originator_id) for e in events if isinstance(e, (Registrant.DetailsChanged, Registrant.Erased)))
        self.rows["registrations"].want(
            key(e.originator_id) for e in events
            if isinstance(e, Registration.Event) and not isinstance(e, Registration.Opened))
        self.vault.preload([e.name.owner for e in events if isinstance(e, Registrant.Enrolled)])

    def enrolled(self, e: Registrant.Enrolled) -> None:
        name = self.vault.open(e.name)
        self.put("registrants", {
            "id": key(e.originator_id), "name": name, "name_key": name_key(name),
            "disciplines": "," + ",".join(e.disciplines) + ",", "listing": e.listing, "erased": False,
            "enrolled_at": e.occurred_at,
        })

    def details_changed(self, e: Registrant.DetailsChanged) -> None:
        values: dict[str, Any] = {}
        if "name" in e.changes:
            name = self.vault.open(e.changes["name"])
            values.update(name=name, name_key=name_key(name))
        if "disciplines" in e.changes:
            values["disciplines"] = "," + ",".join(e.changes["disciplines"]) + ","
        if "listing" in e.changes:
            values["listing"] = e.changes["listing"]
        row = self.get("registrants", key(e.originator_id))
        if row is not None and not row["erased"]:
            self.update("registrants", key(e.originator_id), **values)

    def erased(self, e: Registrant.Erased) -> None:
        self.update("registrants", key(e.originator_id), name=None, name_key=None, erased=True)

    def opened(self, e: Registration.Opened) -> None:
        self.put("registrations", {
            "id": key(e.originator_id), "registrant_id": key(e.registrant_id), "number": e.number, "level": None,
            "status": None, "registered_since": None, "valid_until": None, "status_since": None,
            "suspended_until": None,
        })

    def level_awarded(self, e: Registration.LevelAwarded) -> None:
        row = self.get("registrations", key(e.originator_id))
        assert row is not None
        if row["registered_since"] is None or row["status"] not in ("registered", "suspended"):
            row["registered_since"] = e.awarded_on
        self.update("registrations", key(e.originator_id), level=e.level, status="registered",
                    status_since=e.awarded_on, valid_until=e.valid_until)

    def status_changed(self, e: Any) -> None:
        status = {
            Registration.Lapsed: "lapsed", Registration.SuspensionLifted: "registered",
            Registration.Removed: "removed", Registration.Resigned: "resigned",
        }[type(e)]
        self.update("registrations", key(e.originator_id), status=status, status_since=e.on, suspended_until=None)

    def suspended(self, e: Registration.Suspended) -> None:
        self.update("registrations", key(e.originator_id), status="suspended", status_since=e.on,
                    suspended_until=e.until)

    def reinstated(self, e: Registration.Reinstated) -> None:
        self.update("registrations", key(e.originator_id), status="registered", status_since=e.on,
                    valid_until=e.valid_until)

    def renewed(self, e: Registration.Renewed) -> None:
        self.update("registrations", key(e.originator_id), valid_until=e.valid_until)


# -- queries
def _entry(row: Any, post_nominals: dict[str, str]) -> dict[str, Any]:
    return {
        "registration_number": row.number,
        "name": row.name if not row.erased else "[erased]",
        "level": row.level,
        "post_nominal": post_nominals.get(row.level or "", None),
        "status": row.status,
        "disciplines": [d for d in row.disciplines.split(",") if d],
        "registered_since": row.registered_since.isoformat() if row.registered_since else None,
        "valid_until": row.valid_until.isoformat() if row.valid_until else None,
        "erased": bool(row.erased),
    }


def search_register(conn: Any, *, query: str | None = None, level: str | None = None, status: str | None = None,
                    discipline: str | None = None, post_nominals: dict[str, str] | None = None,
                    limit: int | None = 50, offset: int = 0) -> list[dict[str, Any]]:
    """The public register. Verify-only and erased registrants are left out of searches, but an exact
    registration number finds anyone who holds one."""
    from sqlalchemy import and_, select

    from ledger import regnumber

    joined = registrations.join(registrants, registrations.c.registrant_id == registrants.c.id)
    statement = select(registrations, registrants.c.name, registrants.c.disciplines, registrants.c.erased,
                       registrants.c.listing).select_from(joined).where(registrations.c.status.is_not(None))
    exact = regnumber.parse_number(query) if query and regnumber.looks_like_number(query) else None
    if exact:
        statement = statement.where(registrations.c.number == exact)
    else:
        statement = statement.where(and_(registrants.c.listing == "listed", registrants.c.erased.is_(False)))
        if query:
            statement = statement.where(registrants.c.name_key.contains(name_key(query), autoescape=True))
    if level:
        statement = statement.where(registrations.c.level == level)
    if status:
        statement = statement.where(registrations.c.status == status)
    if discipline:
        statement = statement.where(registrants.c.disciplines.contains(f",{discipline},", autoescape=True))
    statement = statement.order_by(registrants.c.name_key, registrations.c.number).offset(offset)
    if limit is not None:
        statement = statement.limit(limit)
    return [_entry(row, post_nominals or {}) for row in conn.execute(statement)]
