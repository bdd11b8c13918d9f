"""People as casework names them: a registrant's name opened from the vault for the one row shown (never kept in a
read model that outlives an erasure), the staff search by name or registration number, and assessors by name.

The search reads the register's ``registrants`` rows, whose names are set to NULL when a person is erased: an
erased person is never found by name (their number still finds the record, which shows as erased)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import select

from ledger.app.ledger import Ledger
from ledger.domain import regnumber
from ledger.domain.errors import NotFound
from ledger.read.projections.casework import assessors
from ledger.read.projections.register import name_key, registrants, registrations

ERASED = "[erased]"
SEARCH_LIMIT = 50


def name_of(ledger: Ledger, registrant_id: UUID | str) -> str:
    """The registrant's name, or "[erased]" once their personal data is erased (or if there is no such person)."""
    try:
        registrant = ledger.registrant(registrant_id if isinstance(registrant_id, UUID) else UUID(registrant_id))
    except (NotFound, ValueError):
        return ERASED
    if registrant.erased:
        return ERASED
    return ledger.vault.open(registrant.name) or ERASED


def search_people(conn: Any, query: str, *, limit: int = SEARCH_LIMIT) -> list[dict[str, Any]]:
    """Registrants (listed or not) whose name contains ``query``, or the holder of the registration number it is;
    by name. Each: id, name, number, level and status (of the registration, where there is one)."""
    query = " ".join(query.split())[:200]
    if not query:
        return []
    statement = select(
        registrants.c.id,
        registrants.c.name,
        registrants.c.erased,
        registrations.c.number,
        registrations.c.level,
        registrations.c.status,
    ).select_from(registrants.outerjoin(registrations, registrations.c.registrant_id == registrants.c.id))
    exact = None
    if regnumber.looks_like_number(query):
        try:
            exact = regnumber.parse_number(query)
        except regnumber.InvalidRegistrationNumber:
            return []
    if exact:
        statement = statement.where(registrations.c.number == exact)
    else:
        statement = statement.where(
            registrants.c.erased.is_(False), registrants.c.name_key.contains(name_key(query), autoescape=True)
        )
    statement = statement.order_by(registrants.c.name_key, registrations.c.number).limit(limit)
    return [
        {
            "id": str(UUID(row.id)),
            "name": ERASED if row.erased else row.name,
            "number": row.number,
            "level": row.level,
            "status": row.status,
        }
        for row in conn.execute(statement)
    ]


def assessor_names(conn: Any) -> dict[str, str]:
    """Every assessor's name, by id (as the casework tables keep it: 32 hex digits)."""
    return {row.id: row.name or "an assessor" for row in conn.execute(select(assessors.c.id, assessors.c.name))}


def active_assessors(conn: Any) -> list[dict[str, str]]:
    """The assessors who have not stood down, by name: (id as a UUID string, name, registrant id or None)."""
    rows = conn.execute(select(assessors).where(assessors.c.active.is_(True)).order_by(assessors.c.name))
    return [
        {
            "id": str(UUID(row.id)),
            "key": row.id,
            "name": row.name or "an assessor",
            "registrant_id": row.registrant_id,
        }
        for row in rows
    ]
