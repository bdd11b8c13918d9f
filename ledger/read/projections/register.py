"""The public register: who holds which level, since when, until when, in what standing.

Names are opened from the vault here, so an erased registrant's row shows as erased, and a rebuild after erasure
can never bring the name back.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, Column, Date, DateTime, Index, String, Table

from ledger.app.db import metadata
from ledger.domain.aggregates import Registrant, Registration
from ledger.domain.statuses import LIVE, Listing, RegistrationStatus
from ledger.read.projections.base import Projection, key

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

name_skeletons = Table(
    "name_skeletons",
    metadata,
    Column("id", String(32), primary_key=True),  # the registrant
    Column("skeleton", String(200), nullable=False, index=True),  # ledger.domain.names.skeleton of the name
)
"""What each name looks like, so that names confusable with another registrant's are found (a table of its own:
``regledger rebuild`` fills it for a register made before it existed)."""

name_requests = Table(
    "name_requests",
    metadata,
    Column("id", String(32), primary_key=True),  # the registrant
    Column("name", String(200), nullable=False),  # the name asked for
    Column("requested_at", DateTime(timezone=True), nullable=False),
)
"""Name changes waiting for the registrar."""

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


STATUS_AFTER: dict[type[Registration.Event], RegistrationStatus] = {
    Registration.Lapsed: RegistrationStatus.LAPSED,
    Registration.SuspensionLifted: RegistrationStatus.REGISTERED,
    Registration.Removed: RegistrationStatus.REMOVED,
    Registration.Resigned: RegistrationStatus.RESIGNED,
}
"""The status each of these events leaves a registration in (and nothing else changes but the date)."""


def name_key(name: str | None) -> str | None:
    return " ".join(name.lower().split()) if name else None


class RegisterProjection(Projection):
    name = "register"
    tables = (registrants, registrations, name_skeletons, name_requests)
    handlers = {
        Registrant.Enrolled: "enrolled",
        Registrant.DetailsChanged: "details_changed",
        Registrant.NameChangeRequested: "name_change_requested",
        Registrant.NameChangeDecided: "name_change_decided",
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
            key(e.originator_id)
            for e in events
            if isinstance(e, (Registrant.DetailsChanged, Registrant.Erased, Registrant.NameChangeDecided))
        )
        self.rows["name_requests"].want(
            key(e.originator_id) for e in events if isinstance(e, (Registrant.NameChangeDecided, Registrant.Erased))
        )
        self.rows["registrations"].want(
            key(e.originator_id)
            for e in events
            if isinstance(e, Registration.Event) and not isinstance(e, Registration.Opened)
        )
        self.vault.preload([e.name.owner for e in events if isinstance(e, Registrant.Enrolled)])

    def enrolled(self, e: Registrant.Enrolled) -> None:
        name = self.vault.open(e.name)
        self.put(
            "registrants",
            {
                "id": key(e.originator_id),
                "name": name,
                "name_key": name_key(name),
                "disciplines": "," + ",".join(e.disciplines) + ",",
                "listing": e.listing,
                "erased": False,
                "enrolled_at": e.occurred_at,
            },
        )
        self._skeleton(e.originator_id, name)

    def _skeleton(self, registrant_id: Any, name: str | None) -> None:
        from ledger.domain.names import skeleton

        if name:
            self.put("name_skeletons", {"id": key(registrant_id), "skeleton": skeleton(name)[:200]})
        else:
            self.rows["name_skeletons"].delete(key(registrant_id))

    def name_change_requested(self, e: Any) -> None:
        name = self.vault.open(e.name)
        if name is not None:
            self.put("name_requests", {"id": key(e.originator_id), "name": name, "requested_at": e.occurred_at})

    def name_change_decided(self, e: Any) -> None:
        request = self.get("name_requests", key(e.originator_id))
        self.rows["name_requests"].delete(key(e.originator_id))
        row = self.get("registrants", key(e.originator_id))
        if e.approved and request is not None and row is not None and not row["erased"]:
            self.update("registrants", key(e.originator_id), name=request["name"], name_key=name_key(request["name"]))
            self._skeleton(e.originator_id, request["name"])

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
            if "name" in values:
                self._skeleton(e.originator_id, values["name"])

    def erased(self, e: Registrant.Erased) -> None:
        self.update("registrants", key(e.originator_id), name=None, name_key=None, erased=True)
        self.rows["name_skeletons"].delete(key(e.originator_id))
        self.rows["name_requests"].delete(key(e.originator_id))

    def opened(self, e: Registration.Opened) -> None:
        self.put(
            "registrations",
            {
                "id": key(e.originator_id),
                "registrant_id": key(e.registrant_id),
                "number": e.number,
                "level": None,
                "status": None,
                "registered_since": None,
                "valid_until": None,
                "status_since": None,
                "suspended_until": None,
            },
        )

    def level_awarded(self, e: Registration.LevelAwarded) -> None:
        row = self.get("registrations", key(e.originator_id))
        assert row is not None
        if row["registered_since"] is None or row["status"] not in LIVE:
            row["registered_since"] = e.awarded_on
        self.update(
            "registrations",
            key(e.originator_id),
            level=e.level,
            status=RegistrationStatus.REGISTERED,
            status_since=e.awarded_on,
            valid_until=e.valid_until,
        )

    def status_changed(self, e: Any) -> None:
        status = STATUS_AFTER[type(e)]
        self.update("registrations", key(e.originator_id), status=status, status_since=e.on, suspended_until=None)

    def suspended(self, e: Registration.Suspended) -> None:
        self.update(
            "registrations",
            key(e.originator_id),
            status=RegistrationStatus.SUSPENDED,
            status_since=e.on,
            suspended_until=e.until,
        )

    def reinstated(self, e: Registration.Reinstated) -> None:
        self.update(
            "registrations",
            key(e.originator_id),
            status=RegistrationStatus.REGISTERED,
            status_since=e.on,
            valid_until=e.valid_until,
        )

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


def search_register(
    conn: Any,
    *,
    query: str | None = None,
    level: str | None = None,
    status: str | None = None,
    discipline: str | None = None,
    post_nominals: dict[str, str] | None = None,
    limit: int | None = 50,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """The public register. Verify-only and erased registrants are left out of searches, but an exact
    registration number finds anyone who holds one."""
    from sqlalchemy import and_, select

    from ledger.domain import regnumber

    joined = registrations.join(registrants, registrations.c.registrant_id == registrants.c.id)
    statement = (
        select(
            registrations, registrants.c.name, registrants.c.disciplines, registrants.c.erased, registrants.c.listing
        )
        .select_from(joined)
        .where(registrations.c.status.is_not(None))
    )
    exact = regnumber.parse_number(query) if query and regnumber.looks_like_number(query) else None
    if exact:
        statement = statement.where(registrations.c.number == exact)
    else:
        statement = statement.where(and_(registrants.c.listing == Listing.LISTED, registrants.c.erased.is_(False)))
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


def look_alikes(conn: Any, name: str, *, excluding: str | None = None, limit: int = 10) -> list[dict[str, Any]]:
    """Registrants (with their numbers, where they hold one) whose names look like ``name``: the same skeleton."""
    from sqlalchemy import select

    from ledger.domain.names import skeleton

    statement = (
        select(registrants.c.id, registrants.c.name, registrations.c.number)
        .join(name_skeletons, name_skeletons.c.id == registrants.c.id)
        .join(registrations, registrations.c.registrant_id == registrants.c.id, isouter=True)
        .where(name_skeletons.c.skeleton == skeleton(name)[:200], registrants.c.erased.is_(False))
        .order_by(registrations.c.number.is_(None), registrants.c.name)
        .limit(limit)
    )
    if excluding is not None:
        statement = statement.where(registrants.c.id != excluding)
    return [dict(row) for row in conn.execute(statement).mappings()]


def confusable_groups(conn: Any, limit: int = 50) -> list[list[dict[str, Any]]]:
    """Listed registrants whose names look alike but are written differently (a Cyrillic letter among Latin
    ones, say): each group for the registrar to check."""
    from sqlalchemy import func, select

    shared = (
        select(name_skeletons.c.skeleton)
        .join(registrants, registrants.c.id == name_skeletons.c.id)
        .where(registrants.c.erased.is_(False))
        .group_by(name_skeletons.c.skeleton)
        .having(func.count(func.distinct(registrants.c.name)) > 1)
        .limit(limit)
    )
    rows = conn.execute(
        select(name_skeletons.c.skeleton, registrants.c.id, registrants.c.name, registrations.c.number)
        .join(registrants, registrants.c.id == name_skeletons.c.id)
        .join(registrations, registrations.c.registrant_id == registrants.c.id, isouter=True)
        .where(name_skeletons.c.skeleton.in_(shared), registrants.c.erased.is_(False))
        .order_by(name_skeletons.c.skeleton, registrants.c.name)
    ).mappings()
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(row["skeleton"], []).append({"id": row["id"], "name": row["name"], "number": row["number"]})
    return list(groups.values())


def name_change_requests(conn: Any) -> list[dict[str, Any]]:
    """Name changes waiting for the registrar: who asks (their current name and number), the name asked for, and
    the registrants whose names it looks like."""
    from sqlalchemy import select

    rows = conn.execute(
        select(
            name_requests.c.id,
            name_requests.c.name.label("requested"),
            name_requests.c.requested_at,
            registrants.c.name,
            registrations.c.number,
        )
        .join(registrants, registrants.c.id == name_requests.c.id)
        .join(registrations, registrations.c.registrant_id == registrants.c.id, isouter=True)
        .order_by(name_requests.c.requested_at)
    ).mappings()
    return [{**row, "looks_like": look_alikes(conn, row["requested"], excluding=row["id"])} for row in rows]


def registered_by_level(conn: Any) -> dict[str, int]:
    """How many people are registered now at each level (level code -> count; listed or not: a count names no one)."""
    from sqlalchemy import func, select

    statement = (
        select(registrations.c.level, func.count())
        .where(registrations.c.status == RegistrationStatus.REGISTERED)
        .group_by(registrations.c.level)
    )
    return {level: count for level, count in conn.execute(statement) if level}
