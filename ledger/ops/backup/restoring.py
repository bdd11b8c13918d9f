"""Restoring a backup into an empty register (or replacing one), then checking that what was restored is what was
backed up."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import Table, delete, func, insert, select, text

from ledger.app.db import upsert
from ledger.app.ledger import Ledger
from ledger.ops.backup.format import (
    BATCH,
    ROWS_BATCH,
    STATE_TABLES,
    WORKER_TABLES,
    BackupError,
    Progress,
    RunningHead,
    _events_table,
    _public_url,
    restore_master_key,
)
from ledger.ops.backup.reading import _Contents, _read
from ledger.ops.backup.writing import _quiet, _recorded_leaves
from ledger.processes.transparency_log import TransparencyLog, log_leaves
from ledger.read.projections.base import projection_positions
from ledger.read.projections.runner import ProjectionRunner
from ledger.read.replay import register_digest, stored_event
from ledger.settings import Settings
from verifier.merkle import leaf_hash


# -- restore
def holdings(ledger: Ledger) -> dict[str, int]:
    """What a register already holds: its events, and rows in each state table and in the log."""
    held = {"events": ledger.recorder.max_notification_id() or 0}
    with ledger.engine.connect() as conn:
        for table in (*STATE_TABLES, log_leaves):
            held[table.name] = conn.execute(select(func.count()).select_from(table)).scalar() or 0
    return {name: count for name, count in held.items() if count}


def _empty(ledger: Ledger) -> None:
    """Delete every event, every state row and the log of the register ``ledger`` holds (for ``replace``)."""
    schema, events = _events_table(ledger.recorder)
    with ledger.engine.begin() as conn:
        if ledger.settings.is_sqlite:
            conn.execute(text(f"DELETE FROM {events}"))
        else:
            conn.execute(text(f'TRUNCATE TABLE "{schema}"."{events}" RESTART IDENTITY'))
        for table in (*STATE_TABLES, log_leaves, projection_positions, *WORKER_TABLES):
            conn.execute(delete(table))


class _EventWriter:
    """Writes events through the library's recorder with the notification ids they had. The recorder gives each
    event the next id; where the source had a gap (PostgreSQL's sequence skips the ids of a transaction that lost
    a race), the next id is moved on first, so every event keeps its id and every leaf its bytes."""

    GAP_TOPIC = "regledger.backup:gap"

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.recorder = ledger.recorder
        self.last = 0

    def write(self, batch: list[tuple[int, bytes, dict[str, Any]]]) -> None:
        run: list[tuple[int, bytes, dict[str, Any]]] = []
        for item in batch:
            if run and item[2]["n"] != run[-1][2]["n"] + 1:
                self._write_run(run)
                run = []
            run.append(item)
        if run:
            self._write_run(run)

    def _write_run(self, run: list[tuple[int, bytes, dict[str, Any]]]) -> None:
        first = run[0][2]["n"]
        # PostgreSQL: the first run too, since an emptied table's sequence may have moved on
        placeholder = (
            self._skip_to(first)
            if first != self.last + 1 or (self.last == 0 and not self.ledger.settings.is_sqlite)
            else None
        )
        try:
            ids = self.recorder.insert_events([stored_event(record) for _, _, record in run])
        finally:
            if placeholder is not None:
                with self.ledger.engine.begin() as conn:
                    conn.execute(
                        text(f"DELETE FROM {_events_table(self.recorder)[1]} WHERE originator_id = :o"),
                        {"o": placeholder},
                    )
        wanted = [record["n"] for _, _, record in run]
        if ids is not None and list(ids) != wanted:
            raise BackupError(
                f"the event store gave notification ids {ids[0]}..{ids[-1]} where the backup has "
                f"{wanted[0]}..{wanted[-1]}: is another process writing to the register?"
            )
        rows = [{"idx": idx, "notification_id": record["n"], "hash": leaf_hash(line)} for idx, line, record in run]
        with self.ledger.engine.begin() as conn:
            conn.execute(insert(log_leaves), rows)
        self.last = wanted[-1]

    def _skip_to(self, first: int) -> str | None:
        """Make ``first`` the next notification id. PostgreSQL: set the sequence to it. SQLite gives
        max(rowid) + 1, so a placeholder row holds ``first - 1`` while the run is inserted, and is deleted after it."""
        schema, table = _events_table(self.recorder)
        with self.ledger.engine.begin() as conn:
            if self.ledger.settings.is_sqlite:
                placeholder = uuid.uuid4().hex
                conn.execute(
                    text(
                        f"INSERT INTO {table} (rowid, originator_id, originator_version, topic, state) "
                        "VALUES (:r, :o, 0, :t, x'')"
                    ),
                    {"r": first - 1, "o": placeholder, "t": self.GAP_TOPIC},
                )
                return placeholder
            conn.execute(
                text("SELECT setval(pg_get_serial_sequence(:t, 'notification_id'), :v, false)"),
                {"t": f'"{schema}"."{table}"', "v": first},
            )  # not yet called: the next value is ``first``
            return None


def restore(
    settings: Settings,
    path: Path,
    progress: Progress = _quiet,
    *,
    replace_existing: bool = False,
    master_key: bytes | None = None,
) -> dict[str, Any]:
    """Restore the backup at ``path`` into the register named by ``settings``. The file is checked completely
    before anything is written; the target must hold nothing (or, with ``replace_existing``, is emptied first).
    After writing, the restored store's log root and register digest are checked against the manifest."""
    path = Path(path)
    started = time.perf_counter()
    master_key = master_key or restore_master_key(settings)
    contents = _read(path, master_key, progress=progress)
    checked = time.perf_counter() - started

    ledger = Ledger(settings, master_key=master_key)
    try:
        held = holdings(ledger)
        if held and not replace_existing:
            what = ", ".join(f"{count} {name.replace('_', ' ')}" for name, count in held.items())
            raise BackupError(
                f"the register at {_public_url(settings.database_url)} is not empty ({what}): "
                "restore only into an empty register, or replace what it holds on purpose "
                "(--replace). Nothing was restored"
            )
        if held:
            progress("Emptying the register", 0, 0)
            _empty(ledger)
        try:
            _write(ledger, path, master_key, contents, progress)
        except BackupError as error:  # the file changed since the first reading
            raise BackupError(
                str(error).replace(" Nothing was restored", "") + " (found on the second reading: "
                "the file changed during the restore); the register holds a partial restore: restore "
                "again with --replace"
            ) from error
        except Exception as error:  # noqa: BLE001 - the database refused part-way: say what state it is in
            raise BackupError(
                f"the restore failed part-way ({type(error).__name__}: {error}); the register holds "
                "a partial restore: once the cause is put right, restore again with --replace"
            ) from error
        wrote = time.perf_counter() - started - checked

        runner = ProjectionRunner(ledger)
        rebuilt_at = time.perf_counter()
        runner.rebuild(lambda done, total: progress("Rebuilding read models", done, total))
        rebuilt = time.perf_counter() - rebuilt_at
        figures = verify_restored(ledger, contents.manifest, progress)
        from ledger.processes.keyring import Keyring

        keyring = Keyring(ledger)  # a backup made before a key was retired or compromised still held its private half
        keyring.destroy_private_key(*(k.kid for k in keyring.records() if k.state in ("retired", "compromised")))
    finally:
        ledger.close()
    return {
        "file": str(path),
        "database": _public_url(settings.database_url),
        "events": contents.events,
        "tables": contents.tables,
        "replaced": bool(held),
        "log_root": figures["log_root"],
        "register_digest": figures["register_digest"],
        "registrations": figures["registrations"],
        "seconds": round(time.perf_counter() - started, 3),
        "phases": {
            "check": round(checked, 3),
            "write": round(wrote, 3),
            "rebuild": round(rebuilt, 3),
            "verify": figures["seconds"],
        },
    }


def _write(ledger: Ledger, path: Path, master_key: bytes, contents: _Contents, progress: Progress) -> None:
    """The second reading of the backup: its tables and events written as they come, then followers' positions."""
    writer = _EventWriter(ledger)
    rows: dict[str, list[dict[str, Any]]] = {}

    def on_row(table: Table, row: dict[str, Any]) -> None:
        rows.setdefault(table.name, []).append(row)
        if len(rows[table.name]) == ROWS_BATCH:
            _insert_rows(ledger, table, rows.pop(table.name))

    def on_events(batch: list[tuple[int, bytes, dict[str, Any]]]) -> None:
        for name in list(rows):
            _insert_rows(ledger, next(t for t in STATE_TABLES if t.name == name), rows.pop(name))
        writer.write(batch)

    second = _read(path, master_key, on_row=on_row, on_events=on_events, progress=progress, what="Restoring events")
    for name in list(rows):
        _insert_rows(ledger, next(t for t in STATE_TABLES if t.name == name), rows.pop(name))
    if second.root != contents.root or second.events != contents.events:
        raise BackupError(
            f"{path} changed while it was being restored; the register now holds a partial "
            "restore: restore again with --replace"
        )
    positions = contents.manifest.get("positions", {})
    if positions:
        with ledger.engine.begin() as conn:
            conn.execute(
                upsert(conn, projection_positions),
                [{"name": name, "position": position} for name, position in positions.items()],
            )


def _insert_rows(ledger: Ledger, table: Table, rows: list[dict[str, Any]]) -> None:
    if rows:
        with ledger.engine.begin() as conn:
            conn.execute(insert(table), rows)


def verify_restored(ledger: Ledger, manifest: dict[str, Any], progress: Progress = _quiet) -> dict[str, Any]:
    """Check a restored register against the manifest: the log root over the stored bytes as the store gives them
    back now, the root over the leaves recorded, and the register digest. Raises BackupError on a difference."""
    started = time.perf_counter()
    log = TransparencyLog(ledger)
    from_store = RunningHead()
    for index, line in log.events():
        from_store.add(leaf_hash(line))
        if (index + 1) % BATCH == 0:
            progress("Checking the restored log", index + 1, manifest["events"])
    from_leaves = RunningHead()
    for hashed in _recorded_leaves(ledger):
        from_leaves.add(hashed)
    appended = log.catch_up()
    with ledger.engine.connect() as conn:
        digest, registrations = register_digest(conn)
    wanted = manifest["log"]["root"]
    problems = []
    if from_store.root().hex() != wanted or from_store.size != manifest["events"]:
        problems.append(
            f"the restored events give log root {from_store.root().hex()} ({from_store.size} events), "
            f"the backup's is {wanted} ({manifest['events']})"
        )
    if from_leaves.root().hex() != wanted or appended:
        problems.append("the restored log's recorded leaves differ from the backup's")
    if digest != manifest["register"]["digest"] or registrations != manifest["register"]["registrations"]:
        problems.append(
            f"the rebuilt register's digest is {digest} ({registrations} registrations), the backup's "
            f"is {manifest['register']['digest']} ({manifest['register']['registrations']})"
        )
    if problems:
        raise BackupError("the restore was written but does not match the backup: " + "; ".join(problems))
    return {
        "log_root": wanted,
        "register_digest": digest,
        "registrations": registrations,
        "seconds": round(time.perf_counter() - started, 3),
    }
