"""Erasures made after a backup: listed at backup time, re-applied after a restore so that a restore never brings back
a person's data."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

from ledger.app.ledger import Ledger
from ledger.settings import Settings


# -- erasures made after a backup
def erasures_recorded(ledger: Ledger) -> list[tuple[str, str]]:
    """Every erasure in the event store: (registrant id, when it was recorded), oldest first."""
    from ledger.domain.aggregates import Registrant

    return [(str(event.originator_id), event.occurred_at.isoformat()) for event in ledger.events_of(Registrant.Erased)]


def read_erasures(path: Path) -> list[str]:
    """The registrant ids of an erasure list (``regledger erasures --out``): one per line, first word."""
    ids = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        word = line.split()[0]
        try:
            ids.append(str(UUID(word)))
        except ValueError:
            raise ValueError(f"line {number} of {path} does not start with a registrant id") from None
    return ids


def reapply_erasures(settings: Settings, registrant_ids: list[str]) -> int:
    """Erase again, in a restored register, everyone erased after the backup was made; returns how many were
    erased now (those already erased in the backup, or unknown to it, are passed over)."""
    from ledger.domain.errors import NotFound

    if not registrant_ids:
        return 0
    ledger = Ledger(settings)
    done = 0
    try:
        for registrant_id in registrant_ids:
            try:
                registrant = ledger.registrant(UUID(registrant_id))
            except NotFound:
                continue
            if registrant.erased:
                continue
            ledger.erase(UUID(registrant_id), "restore: erased again after restoring an earlier backup")
            done += 1
        if done:
            from ledger.read.projections.runner import ProjectionRunner

            ProjectionRunner(ledger).catch_up()
    finally:
        ledger.close()
    return done
