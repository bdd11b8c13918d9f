"""Credentials and their status bits: every credential issued (no personal data: the tokens stay sealed in the
events), and the standing of each registration that drives the two status lists.

The rule, from the register's status to the bits:
- removal revokes every credential issued for an event before the removal (a later award, after a new
  application, gets a credential with fresh indexes that the removal does not touch);
- suspended, lapsed or resigned sets the suspension bit of every credential the registration holds; a lifted
  suspension, a reinstatement, a renewal or a new award clears it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Connection, Date, DateTime, Integer, String, Table, select

from ledger.app.db import metadata
from ledger.domain.aggregates import Credential, Registration, RequestedCredential
from ledger.domain.statuses import SUSPENDING, RegistrationStatus
from ledger.read.projections.base import Projection, key

credentials = Table(
    "credentials",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("registration_id", String(32), nullable=False, index=True),
    Column("registrant_id", String(32), nullable=False, index=True),
    Column("number", String(16), nullable=False, index=True),
    Column("level", String(8), nullable=False),
    Column("trigger", String(16), nullable=False),
    Column("trigger_version", Integer, nullable=False),
    Column("kid", String(64), nullable=False),
    Column("revocation_index", Integer, nullable=False, unique=True),
    Column("suspension_index", Integer, nullable=False, unique=True),
    Column("valid_from", Date, nullable=False),
    Column("valid_until", Date, nullable=False),
    Column("issued_at", DateTime(timezone=True), nullable=False),
)

credential_standing = Table(
    "credential_standing",
    metadata,
    Column("id", String(32), primary_key=True),  # the registration
    Column("status", String(16), nullable=False),
    Column("removed_version", Integer, nullable=True),  # the registration's version at its latest removal
)

requested_credentials = Table(
    "requested_credentials",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("requested_by", String(64), nullable=False),
    Column("kid", String(64), nullable=False),
    Column("revocation_index", Integer, nullable=False, unique=True),
    Column("suspension_index", Integer, nullable=False, unique=True),
    Column("issued_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
)
"""Credentials signed through the VC API at someone's request (``RequestedCredential``): revocable like the rest."""

STATUS_AFTER: dict[type[Registration.Event], RegistrationStatus] = {
    Registration.LevelAwarded: RegistrationStatus.REGISTERED,
    Registration.Renewed: RegistrationStatus.REGISTERED,
    Registration.Reinstated: RegistrationStatus.REGISTERED,
    Registration.SuspensionLifted: RegistrationStatus.REGISTERED,
    Registration.Suspended: RegistrationStatus.SUSPENDED,
    Registration.Lapsed: RegistrationStatus.LAPSED,
    Registration.Resigned: RegistrationStatus.RESIGNED,
    Registration.Removed: RegistrationStatus.REMOVED,
}


class CredentialsProjection(Projection):
    name = "credentials"
    tables = (credentials, credential_standing, requested_credentials)
    handlers = {
        Credential.Issued: "issued",
        **{cls: "standing" for cls in STATUS_AFTER},
        RequestedCredential.Issued: "requested",
        RequestedCredential.Revoked: "requested_revoked",
    }

    def prefetch(self, events: list[Any]) -> None:
        self.rows["credential_standing"].want(key(e.originator_id) for e in events if type(e) in STATUS_AFTER)

    def issued(self, e: Any) -> None:
        self.put(
            "credentials",
            {
                "id": key(e.originator_id),
                "registration_id": key(e.registration_id),
                "registrant_id": key(e.registrant_id),
                "number": e.number,
                "level": e.level,
                "trigger": e.trigger,
                "trigger_version": e.trigger_version,
                "kid": e.kid,
                "revocation_index": e.revocation_index,
                "suspension_index": e.suspension_index,
                "valid_from": e.valid_from,
                "valid_until": e.valid_until,
                "issued_at": e.occurred_at,
            },
        )

    def requested(self, e: Any) -> None:
        self.put(
            "requested_credentials",
            {
                "id": key(e.originator_id),
                "requested_by": e.requested_by,
                "kid": e.kid,
                "revocation_index": e.revocation_index,
                "suspension_index": e.suspension_index,
                "issued_at": e.occurred_at,
                "revoked_at": None,
            },
        )

    def requested_revoked(self, e: Any) -> None:
        self.update("requested_credentials", key(e.originator_id), revoked_at=e.occurred_at)

    def standing(self, e: Any) -> None:
        registration = key(e.originator_id)
        row = self.get("credential_standing", registration) or {"id": registration, "removed_version": None}
        row["status"] = STATUS_AFTER[type(e)]
        if row["status"] == RegistrationStatus.REMOVED:
            row["removed_version"] = e.originator_version
        self.put("credential_standing", row)


# -- queries
def status_bits(conn: Connection) -> tuple[list[int], list[int]]:
    """The revocation and suspension indexes whose bits are set now."""
    statement = select(
        credentials.c.revocation_index,
        credentials.c.suspension_index,
        credentials.c.trigger_version,
        credential_standing.c.status,
        credential_standing.c.removed_version,
    ).join(credential_standing, credential_standing.c.id == credentials.c.registration_id, isouter=True)
    revoked, suspended = [], []
    for row in conn.execute(statement):
        if row.removed_version is not None and row.removed_version > row.trigger_version:
            revoked.append(row.revocation_index)
        elif row.status in SUSPENDING:
            suspended.append(row.suspension_index)
    revoked += conn.execute(
        select(requested_credentials.c.revocation_index).where(requested_credentials.c.revoked_at.is_not(None))
    ).scalars()
    return revoked, suspended


def credentials_of(conn: Connection, number: str, limit: int | None = None) -> list[dict[str, Any]]:
    """The credentials issued under a registration number, newest first."""
    statement = (
        select(credentials)
        .where(credentials.c.number == number)
        .order_by(credentials.c.trigger_version.desc())
        .limit(limit)
    )
    return [dict(row) for row in conn.execute(statement).mappings()]
