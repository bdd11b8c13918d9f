"""Making a backup: the events, the log's leaves and checkpoints, and the state no event can give back, written as one
file with a manifest, while the register keeps working."""

from __future__ import annotations

import gzip
import hashlib
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select, text

from ledger.app.ledger import Ledger
from ledger.ops.backup.format import (
    BATCH,
    FORMAT,
    NOT_IN_FILE,
    STATE_TABLES,
    VERSION,
    BackupError,
    Progress,
    RunningHead,
    _canonical,
    _encode,
    _events_table,
    _mac,
    _note_head,
    _versions,
    master_key_id,
)
from ledger.processes.transparency_log import TransparencyLog, log_checkpoints, log_leaves
from ledger.read.projections import ALL_PROJECTIONS
from ledger.read.projections.base import projection_positions
from ledger.read.projections.runner import ProjectionRunner
from ledger.read.replay import register_digest
from verifier.merkle import leaf_hash


# -- backup
def _quiet(_what: str, _done: int, _total: int) -> None:
    pass


def _settled_register(ledger: Ledger, runner: ProjectionRunner) -> tuple[int, str, int]:
    """(the notification id the read models have reached, the register digest there, registrations). The runner
    writes rows and position in one transaction, so a position unchanged across the digest means a digest of
    exactly that position; events arriving meanwhile (a live service) make it try again."""
    for _ in range(20):
        runner.catch_up()
        before = runner.position()
        with ledger.engine.connect() as conn:
            digest, count = register_digest(conn)
        if runner.position() == before:
            return before, digest, count
    raise BackupError("the register kept changing while the backup read it; try again when it is quieter")


def backup(ledger: Ledger, path: Path, progress: Progress = _quiet, *, overwrite: bool = False) -> dict[str, Any]:
    """Write a backup of the register ``ledger`` holds to ``path`` (via a temporary file beside it, renamed at the
    end, so a failed backup leaves no file). Returns the figures, the manifest among them."""
    path = Path(path)
    if path.exists() and not overwrite:
        raise BackupError(f"{path} exists: choose a new file (or overwrite it on purpose)")
    started = time.perf_counter()
    runner = ProjectionRunner(ledger)
    progress("Bringing the read models up to date", 0, 0)
    head, digest, registrations = _settled_register(ledger, runner)
    log = TransparencyLog(ledger)
    progress("Bringing the transparency log up to date", 0, 0)
    log.catch_up()  # it now covers every event up to ``head`` (and perhaps later ones, not backed up)
    expected = _expected_count(ledger, head)
    if log.size() < expected:
        raise BackupError(
            f"the transparency log has recorded {log.size()} of the {expected} events (another "
            "process is appending to it?); try again"
        )

    partial = path.with_name(path.name + f".partial-{os.getpid()}")
    content = hashlib.sha256()
    counts: dict[str, int] = {}
    try:
        os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))  # private from the first byte
        os.chmod(partial, 0o600)
        with gzip.open(partial, "wb", compresslevel=1) as out:  # sealed bytes hardly compress: speed first

            def write(line: bytes) -> None:
                content.update(line)
                out.write(line)

            write(_canonical({"format": FORMAT, "version": VERSION, "note": NOT_IN_FILE, "events": expected}) + b"\n")
            checkpoint_sizes: dict[int, bytes] = {}
            for table in STATE_TABLES:
                statement = select(table).order_by(*table.primary_key.columns)
                if table is log_checkpoints:
                    statement = statement.where(log_checkpoints.c.size <= expected)
                columns = list(table.columns)
                write(
                    _canonical({"section": "table", "table": table.name, "columns": [c.name for c in columns]}) + b"\n"
                )
                count = 0
                with ledger.engine.connect() as conn:
                    for row in conn.execute(statement):
                        write(_canonical([_encode(c, row[i]) for i, c in enumerate(columns)]) + b"\n")
                        count += 1
                        if table is log_checkpoints:
                            size, root = _note_head(row.note)
                            checkpoint_sizes[size] = root
                counts[table.name] = count

            write(_canonical({"section": "events"}) + b"\n")
            running = RunningHead()
            recorded = _recorded_leaves(ledger)
            for index, line in log.events(until=head):
                hashed = leaf_hash(line)
                if next(recorded, None) != hashed:
                    raise BackupError(
                        f"the event at log index {index} no longer matches the leaf the transparency log recorded "
                        "when it arrived: the store was changed. Nothing was backed up; see what changed with "
                        "'regledger audit export' and 'regverify audit'"
                    )
                running.add(hashed)
                if running.size in checkpoint_sizes and checkpoint_sizes[running.size] != running.root():
                    raise BackupError(
                        f"the signed checkpoint of size {running.size} does not match the events: the "
                        "log was changed. Nothing was backed up"
                    )
                write(line + b"\n")
                if running.size % BATCH == 0:
                    progress("Writing events", running.size, expected)
            progress("Writing events", running.size, expected)
            if running.size != expected:
                raise BackupError(
                    f"the store held {running.size} events up to notification {head}, not the "
                    f"{expected} counted a moment before; try again"
                )
            master_key = ledger.master_key
            positions = _follower_positions(ledger, head)
            manifest: dict[str, Any] = {
                "section": "manifest",
                "format": FORMAT,
                "version": VERSION,
                "created_at": datetime.now(UTC).isoformat(),
                **_versions(),
                "source": "postgresql" if not ledger.settings.is_sqlite else "sqlite",
                "events": running.size,
                "last_notification_id": head,
                "tables": counts,
                "positions": positions,
                "log": {"size": running.size, "root": running.root().hex()},
                "register": {"digest": digest, "registrations": registrations},
                "master_key_id": master_key_id(master_key),
                "content_sha256": content.hexdigest(),
            }
            manifest["mac"] = _mac(master_key, manifest["content_sha256"], manifest)
            out.write(_canonical(manifest) + b"\n")
        os.replace(partial, path)
    finally:
        if partial.exists():
            partial.unlink()
    return {
        "file": str(path),
        "bytes": path.stat().st_size,
        "seconds": round(time.perf_counter() - started, 3),
        "events": manifest["events"],
        "tables": counts,
        "log_root": manifest["log"]["root"],
        "register_digest": digest,
        "registrations": registrations,
    }


def _expected_count(ledger: Ledger, head: int) -> int:
    _, table = _events_table(ledger.recorder)
    column = "rowid" if ledger.settings.is_sqlite else "notification_id"
    with ledger.engine.connect() as conn:
        return conn.execute(text(f"SELECT count(*) FROM {table} WHERE {column} <= :head"), {"head": head}).scalar() or 0


def _recorded_leaves(ledger: Ledger) -> Iterator[bytes]:
    """The leaf hashes the log recorded, in index order, read in batches."""
    start = 0
    while True:
        with ledger.engine.connect() as conn:
            rows = conn.execute(
                select(log_leaves.c.idx, log_leaves.c.hash)
                .where(log_leaves.c.idx >= start)
                .order_by(log_leaves.c.idx)
                .limit(BATCH)
            ).all()
        if not rows:
            return
        for idx, hashed in rows:
            if idx != start:
                return  # a hole in the log: the next comparison fails
            yield bytes(hashed)
            start += 1


def _follower_positions(ledger: Ledger, head: int) -> dict[str, int]:
    """Positions of followers that are not read models (the credential issuer): they resume from these."""
    rebuilt = {p.name for p in ALL_PROJECTIONS}
    with ledger.engine.connect() as conn:
        rows = conn.execute(select(projection_positions.c.name, projection_positions.c.position)).all()
    return {name: min(position, head) for name, position in rows if name not in rebuilt}
