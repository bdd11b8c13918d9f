"""Credentials and their status bits: every credential issued (no personal data: the tokens stay sealed in the
events), and the standing of each registration that drives the status lists.

The rule, from the register's status to the bits (one status entry, README "Status entries: the decision"):
- a suspension, lapse, resignation or removal revokes, for good, every credential issued for an event before it,
  and so does any credential issued while the registration stands so (a re-issue during a suspension); a lifted
  suspension, a reinstatement, a renewal or a new award calls for a new credential with a fresh index, which the
  earlier withdrawal does not touch. Nothing clears a revocation bit: Bitstring Status List says revocation "is not
  reversible".
- credentials issued before that design also hold a suspension index: its bit is set while the registration is
  suspended, lapsed or resigned (the suspension list is published for them until the last has expired).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, Column, Connection, Date, DateTime, Integer, String, Table, select

from ledger.app.db import metadata
from ledger.domain.aggregates import Credential, Registration, RequestedCredential
from ledger.domain.statuses import SUSPENDING, WITHDRAWING, RegistrationStatus
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
    Column("suspension_index", Integer, nullable=True, unique=True),  # credentials issued before one entry
    Column("withdrawn_at_issue", Boolean, nullable=False),  # signed while the registration was withdrawn
    Column("valid_from", Date, nullable=False),
    Column("valid_until", Date, nullable=False),
    Column("issued_at", DateTime(timezone=True), nullable=False),
)

credential_standing = Table(
    "credential_standing",
    metadata,
    Column("id", String(32), primary_key=True),  # the registration
    Column("status", String(16), nullable=False),
    Column("withdrawn_version", Integer, nullable=True),  # its version at its latest suspension, lapse, ...
)

requested_credentials = Table(
    "requested_credentials",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("requested_by", String(64), nullable=False),
    Column("kid", String(64), nullable=False),
    Column("revocation_index", Integer, nullable=False, unique=True),
    Column("suspension_index", Integer, nullable=True, unique=True),
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
        self.rows["credential_standing"].want(key(e.registration_id) for e in events if type(e) is Credential.Issued)

    def issued(self, e: Any) -> None:
        standing = self.get("credential_standing", key(e.registration_id))
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
                "withdrawn_at_issue": standing is not None and standing["status"] in WITHDRAWING,
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
        row = self.get("credential_standing", registration) or {"id": registration, "withdrawn_version": None}
        row["status"] = STATUS_AFTER[type(e)]
        if row["status"] in WITHDRAWING:
            row["withdrawn_version"] = e.originator_version
        self.put("credential_standing", row)


# -- queries
def status_bits(conn: Connection) -> tuple[list[int], list[int]]:
    """The revocation and suspension indexes whose bits are set now (the module's rule)."""
    statement = select(
        credentials.c.revocation_index,
        credentials.c.suspension_index,
        credentials.c.trigger_version,
        credentials.c.withdrawn_at_issue,
        credential_standing.c.status,
        credential_standing.c.withdrawn_version,
    ).join(credential_standing, credential_standing.c.id == credentials.c.registration_id, isouter=True)
    revoked, suspended = [], []
    for row in conn.execute(statement):
        if withdrawn(row.withdrawn_at_issue, row.withdrawn_version, row.trigger_version):
            revoked.append(row.revocation_index)
        if row.suspension_index is not None and row.status in SUSPENDING:
            suspended.append(row.suspension_index)
    revoked += conn.execute(
        select(requested_credentials.c.revocation_index).where(requested_credentials.c.revoked_at.is_not(None))
    ).scalars()
    return revoked, suspended


def credentials_of(conn: Connection, number: str, limit: int | None = None) -> list[dict[str, Any]]:
    """The credentials issued under a registration number, newest first, each with ``withdrawn``: whether its
    revocation bit is set (the module's rule; the newest is withdrawn for a moment after a lifted suspension, until
    the issuer signs the new one)."""
    statement = (
        select(credentials, credential_standing.c.withdrawn_version)
        .join(credential_standing, credential_standing.c.id == credentials.c.registration_id, isouter=True)
        .where(credentials.c.number == number)
        .order_by(credentials.c.trigger_version.desc())
        .limit(limit)
    )
    found = []
    for row in conn.execute(statement).mappings():
        item = dict(row)
        item["withdrawn"] = withdrawn(
            item["withdrawn_at_issue"], item.pop("withdrawn_version"), item["trigger_version"]
        )
        found.append(item)
    return found


def withdrawn(at_issue: bool, withdrawn_version: int | None, trigger_version: int) -> bool:
    """The rule of this module for one credential: signed while its registration stood withdrawn, or for an event
    before the registration's latest suspension, lapse, resignation or removal."""
    return bool(at_issue) or (withdrawn_version is not None and withdrawn_version > trigger_version)
