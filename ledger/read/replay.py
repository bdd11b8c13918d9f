"""Replay: rebuild every read model from an audit bundle's events into a fresh database, and the digest of the
register that lets an auditor compare the result with the live register.

The digest covers what the register says of each registration: number, level, status, registered since, valid
until, public listing and whether the person was erased; not names, which an auditor (without the master key)
cannot read. It is the SHA-256 of those rows as canonical JSON, in registration-number order, computed by
``verifier.register.register_digest`` for both the live register and the one an auditor derives offline."""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from sqlalchemy import Connection, select

from ledger.app.ledger import Ledger
from ledger.read.projections.register import registrants, registrations
from ledger.read.projections.runner import ProjectionRunner
from ledger.settings import Settings
from verifier.register import register_digest as digest_of

BATCH = 5000
Progress = Callable[[int, int], None]


def register_digest(conn: Connection) -> tuple[str, int]:
    """(the digest, how many registrations it covers): the live register's rows, digested by the same function the
    standalone verifier uses on the register it derives from an audit bundle (``verifier.register``), so the two
    can only agree when the rows do."""
    joined = registrations.join(registrants, registrations.c.registrant_id == registrants.c.id)
    statement = (
        select(
            registrations.c.number,
            registrations.c.level,
            registrations.c.status,
            registrations.c.registered_since,
            registrations.c.valid_until,
            registrants.c.listing,
            registrants.c.erased,
        )
        .select_from(joined)
        .order_by(registrations.c.number)
    )
    register = {
        row.number: {
            "level": row.level,
            "status": row.status,
            "since": row.registered_since.isoformat() if row.registered_since else None,
            "until": row.valid_until.isoformat() if row.valid_until else None,
            "listing": row.listing,
            "erased": bool(row.erased),
        }
        for row in conn.execute(statement)
    }
    return digest_of(register), len(register)


def stored_event(record: dict[str, Any]) -> StoredEvent:
    """The stored event a leaf line (``ledger.processes.transparency_log.leaf_line``) describes, as the library's
    recorders take it."""
    return StoredEvent(
        originator_id=UUID(record["id"]),
        originator_version=record["v"],
        topic=record["topic"],
        state=base64.b64decode(record["state"]),
    )


def replay_bundle(folder: Path, database: Path, progress: Progress | None = None) -> dict[str, Any]:
    """Load the bundle's events into a new SQLite database at ``database`` and build every read model there."""
    if database.exists():
        raise FileExistsError(f"{database} exists: replay builds a new database")
    settings = Settings(
        database_url=f"sqlite:///{database}", master_key=base64.b64encode(secrets.token_bytes(32)).decode()
    )  # no personal data
    ledger = Ledger(settings)
    try:
        batch: list[StoredEvent] = []
        count = 0
        with open(folder / "events.jsonl", "rb") as lines:
            for line in lines:
                batch.append(stored_event(json.loads(line)))
                if len(batch) == BATCH:
                    ledger.recorder.insert_events(batch)
                    count += len(batch)
                    batch = []
        if batch:
            ledger.recorder.insert_events(batch)
            count += len(batch)
        ProjectionRunner(ledger).catch_up(progress)
        with ledger.engine.connect() as conn:
            digest, registrations_count = register_digest(conn)
    finally:
        ledger.close()
    return {"events": count, "registrations": registrations_count, "digest": digest, "database": str(database)}
