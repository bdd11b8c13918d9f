"""Backup and restore: one file that brings a register back, on SQLite or PostgreSQL, from one to the other.

What a register holds, and what a backup keeps of it:

- **State** (kept): the event store's stored events, in notification order, with their notification ids and their
  exact stored bytes (the transparency log hashes those, so a restored log has the same root); the vault's sealed
  data keys and the marks of shredded ones (``vault_keys``); the issuer's sealed private keys
  (``issuer_private_keys``); accounts (``accounts``, Argon2id hashes); the log's signed checkpoints
  (``log_checkpoints``); and the positions of followers that are not read models (the credential issuer's), so
  they resume where they stopped. (Idempotent requests' receipts are events, so they travel with the events.)
- **Rebuilt** (not kept): every read model (the projection runner rebuilds them from the events, as
  ``regledger rebuild`` does) and the log's leaves (one per event, recomputed from the stored bytes; the backup
  checks them against the leaves the log recorded as each event arrived, and refuses a store that no longer
  matches its log).
- **Not in the file**: the master key. The data keys and issuer keys in a backup are sealed by it: restoring needs
  the same master key, and without it the personal data in the events stays unreadable.

The file is gzip'd JSON lines: a header, one section per state table (a line naming the table and its columns,
then one JSON array per row), the events (each line the transparency log's own leaf line: index, notification id,
aggregate id and version, topic and base64 of the stored bytes) and last a manifest: counts, the log's size and
root, the register's digest (``ledger.read.replay.register_digest``), the SHA-256 of everything before it, an id of the
master key and an HMAC under a key derived from the master key. Restore reads the whole file and checks all of it
before it writes anything: a truncated, corrupted or altered file, or one made under another master key, is
refused with a message that says which; then it writes the events through the library's recorder (keeping their
notification ids), the tables, rebuilds the read models, and checks the log root and register digest again.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import hashlib
import hmac
import json
import os
import time
import uuid
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from importlib import metadata as package_metadata
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from uuid import UUID

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Column, DateTime, LargeBinary, Table, delete, func, insert, select, text

from ledger.app.accounts import account_access, accounts
from ledger.app.ledger import Ledger
from ledger.app.vault import load_master_key, vault_keys
from ledger.domain.errors import LedgerError
from ledger.processes.keyring import issuer_private_keys
from ledger.processes.parking import parked_events
from ledger.processes.published import published_documents
from ledger.processes.transparency_log import TransparencyLog, log_checkpoints, log_leaves
from ledger.processes.workers import workers
from ledger.read.projections import ALL_PROJECTIONS
from ledger.read.projections.base import projection_positions, upsert
from ledger.read.projections.runner import ProjectionRunner
from ledger.read.replay import register_digest, stored_event
from ledger.settings import Settings
from verifier.merkle import EMPTY_ROOT, leaf_hash, node_hash

FORMAT = "regledger-backup"
VERSION = 1
BATCH = 5000
ROWS_BATCH = 1000
STATE_TABLES: tuple[Table, ...] = (vault_keys, issuer_private_keys, accounts, account_access, log_checkpoints)
WORKER_TABLES: tuple[Table, ...] = (parked_events, published_documents, workers)
"""The worker's own tables: derived from the events (parked events are found again, documents published again) or
transient (heartbeats); emptied by a restore with --replace, never backed up."""
"""Tables that hold state no event can give back, in the order a backup writes them."""
EVENT_KEYS = {"idx", "n", "id", "v", "topic", "state"}
NOT_IN_FILE = "The master key is not in this file: restoring needs the same master key."

Progress = Callable[[str, int, int], None]  # (what is being done, done, out of)


class BackupError(LedgerError):
    """A backup that cannot be made, or a file that cannot be restored; the message says why."""


# -- the master key's part
def _derive(master_key: bytes, purpose: bytes) -> bytes:
    return HKDF(hashes.SHA256(), 32, salt=None, info=b"regledger backup " + purpose).derive(master_key)


def master_key_id(master_key: bytes) -> str:
    """A short public name of the master key (derived, so it reveals nothing of the key)."""
    return _derive(master_key, b"key id")[:8].hex()


def _mac(master_key: bytes, content_sha256: str, manifest: dict[str, Any]) -> str:
    body = {k: v for k, v in manifest.items() if k != "mac"}
    message = content_sha256.encode() + b"\n" + _canonical(body)
    return hmac.new(_derive(master_key, b"mac"), message, hashlib.sha256).hexdigest()


def _canonical(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), sort_keys=True).encode("utf-8")


class RunningHead:
    """The RFC 9162 tree head of leaves added one at a time, in O(log n) memory: the perfect subtrees so far
    (largest first); the head folds them from the right, as the RFC's split at the largest power of two does."""

    def __init__(self) -> None:
        self.size = 0
        self._stack: list[tuple[int, bytes]] = []

    def add(self, leaf: bytes) -> None:
        width, node = 1, leaf
        while self._stack and self._stack[-1][0] == width:
            _, left = self._stack.pop()
            node, width = node_hash(left, node), width * 2
        self._stack.append((width, node))
        self.size += 1

    def root(self) -> bytes:
        if not self._stack:
            return EMPTY_ROOT
        node = self._stack[-1][1]
        for _, left in reversed(self._stack[:-1]):
            node = node_hash(left, node)
        return node


def _note_head(note: str) -> tuple[int, bytes]:
    """A checkpoint's size and root (its signature is the log's business; here the root must match the events)."""
    lines = note.split("\n")
    try:
        return int(lines[1]), base64.b64decode(lines[2], validate=True)
    except (IndexError, ValueError, binascii.Error):
        raise BackupError("a checkpoint in the backup is not a signed note (origin, size, tree head)") from None


# -- rows as JSON
def _encode(column: Column[Any], value: Any) -> Any:
    if value is None:
        return None
    if isinstance(column.type, LargeBinary):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(column.type, DateTime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)  # SQLite gives back naive UTC
        return moment.astimezone(UTC).isoformat()
    return value


def _decode(column: Column[Any], value: Any) -> Any:
    if value is None:
        return None
    if isinstance(column.type, LargeBinary):
        return base64.b64decode(value, validate=True)
    if isinstance(column.type, DateTime):
        return datetime.fromisoformat(value)
    return value


def _public_url(database_url: str) -> str:
    """The database URL without its password, for messages."""
    parts = urlsplit(database_url)
    if parts.password is None:
        return database_url
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc}"))


def _versions() -> dict[str, str]:
    found = {}
    for name in ("regledger", "eventsourcing"):
        try:
            found[name] = package_metadata.version(name)
        except package_metadata.PackageNotFoundError:
            found[name] = "unknown"
    return found


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
    table = ledger.recorder.events_table_name
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


# -- reading a backup
@dataclass
class _Contents:
    """What a first reading of a backup found, each part checked."""

    header: dict[str, Any] = field(default_factory=dict)
    manifest: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, int] = field(default_factory=dict)
    events: int = 0
    last_notification_id: int = 0
    root: bytes = EMPTY_ROOT
    checkpoint_roots: dict[int, bytes] = field(default_factory=dict)  # size -> the root its note signs
    event_roots: dict[int, bytes] = field(default_factory=dict)  # size -> the root of the events up to it
    bytes_read: int = 0


def _lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """The file's lines (numbered from 1), with its faults as BackupErrors."""
    try:
        with gzip.open(path, "rb") as source:
            yield from enumerate(source, 1)
    except FileNotFoundError:
        raise BackupError(f"{path}: no such file") from None
    except EOFError:
        raise BackupError(
            f"{path} is truncated: its compressed stream ends early (an interrupted copy?). Nothing was restored"
        ) from None
    except (gzip.BadGzipFile, zlib.error, OSError) as error:
        raise BackupError(f"{path} is corrupted or not a regledger backup ({error}). Nothing was restored") from None


def _parse(path: Path, number: int, line: bytes) -> Any:
    try:
        return json.loads(line)
    except ValueError:
        raise BackupError(f"{path} is corrupted: line {number} is not JSON. Nothing was restored") from None


def _read(
    path: Path,
    master_key: bytes,
    *,
    on_row: Callable[[Table, dict[str, Any]], None] | None = None,
    on_events: Callable[[list[tuple[int, bytes, dict[str, Any]]]], None] | None = None,
    progress: Progress = _quiet,
    what: str = "Checking the backup",
) -> _Contents:
    """Read the whole backup, checking every part; hand rows and batches of events to the callbacks as they come.
    Raises BackupError at the first fault."""
    found = _Contents()
    content = hashlib.sha256()
    section: str | None = None
    table: Table | None = None
    columns: list[Column[Any]] = []
    known = {t.name: t for t in STATE_TABLES}
    running = RunningHead()
    last_n = 0
    batch: list[tuple[int, bytes, dict[str, Any]]] = []
    total = 0
    for number, line in _lines(path):
        if found.manifest:
            raise BackupError(
                f"{path} has lines after its manifest (line {number}): it was altered. Nothing was restored"
            )
        record = _parse(path, number, line)
        if number == 1:
            if not isinstance(record, dict) or record.get("format") != FORMAT:
                raise BackupError(f"{path} is not a regledger backup. Nothing was restored")
            if record.get("version") != VERSION:
                raise BackupError(
                    f"{path} is a backup of format version {record.get('version')}; this regledger "
                    f"reads version {VERSION}. Nothing was restored"
                )
            found.header = record
            content.update(line)
            continue
        if isinstance(record, dict) and "section" in record:
            if record["section"] == "manifest":
                found.manifest = record
                continue
            content.update(line)
            if batch and on_events:
                on_events(batch)
            batch = []
            section = record["section"]
            if section == "table":
                table = known.get(record.get("table"))  # type: ignore[arg-type]
                if table is None or record["table"] in found.tables:
                    raise BackupError(
                        f"{path} line {number}: an unknown or repeated table "
                        f"{record.get('table')!r}. Nothing was restored"
                    )
                names = {c.name for c in table.columns}
                if not set(record.get("columns", [])) <= names:
                    raise BackupError(
                        f"{path}: table {table.name} has columns this regledger does not know: "
                        f"{sorted(set(record['columns']) - names)}. Nothing was restored"
                    )
                columns = [table.c[name] for name in record["columns"]]
                found.tables[table.name] = 0
            elif section == "events":
                total = found.header.get("events", 0) if isinstance(found.header.get("events"), int) else 0
            else:
                raise BackupError(f"{path} line {number}: an unknown section {section!r}. Nothing was restored")
            continue
        content.update(line)
        if section == "table" and table is not None:
            if not isinstance(record, list) or len(record) != len(columns):
                raise BackupError(
                    f"{path} line {number}: a row of {table.name} of the wrong shape. Nothing was restored"
                )
            try:
                row = {c.name: _decode(c, v) for c, v in zip(columns, record, strict=True)}
            except (ValueError, TypeError, binascii.Error):
                raise BackupError(
                    f"{path} line {number}: a value in a row of {table.name} cannot be read. Nothing was restored"
                ) from None
            found.tables[table.name] += 1
            if table is log_checkpoints:
                size, root = _note_head(row["note"])
                found.checkpoint_roots[size] = root
            if on_row:
                on_row(table, row)
        elif section == "events":
            event_line = line.rstrip(b"\n")
            if not isinstance(record, dict) or set(record) != EVENT_KEYS or _canonical(record) != event_line:
                raise BackupError(f"{path} line {number}: not an event as the log records it. Nothing was restored")
            if record["idx"] != running.size or not isinstance(record["n"], int) or record["n"] <= last_n:
                raise BackupError(
                    f"{path} line {number}: event {record.get('idx')} (notification "
                    f"{record.get('n')}) is out of order or missing its predecessor: events were "
                    "removed, inserted or swapped. Nothing was restored"
                )
            try:
                uuid.UUID(record["id"])
                base64.b64decode(record["state"], validate=True)
            except (ValueError, TypeError, AttributeError, binascii.Error):
                raise BackupError(
                    f"{path} line {number}: event {record['idx']} cannot be read. Nothing was restored"
                ) from None
            last_n = record["n"]
            running.add(leaf_hash(event_line))
            if running.size in found.checkpoint_roots:
                found.event_roots[running.size] = running.root()
            if on_events:
                batch.append((record["idx"], event_line, record))
                if len(batch) == BATCH:
                    on_events(batch)
                    batch = []
            if running.size % BATCH == 0:
                progress(what, running.size, total)
        else:
            raise BackupError(f"{path} line {number}: data outside any section. Nothing was restored")
    if batch and on_events:
        on_events(batch)
    found.events, found.last_notification_id, found.root = running.size, last_n, running.root()
    _check_manifest(path, found, content.hexdigest(), master_key)
    progress(what, running.size, running.size)
    return found


def _check_manifest(path: Path, found: _Contents, content_sha256: str, master_key: bytes) -> None:
    manifest = found.manifest
    if not found.header:
        raise BackupError(f"{path} is empty. Nothing was restored")
    if not manifest:
        raise BackupError(f"{path} is truncated: it ends before its manifest. Nothing was restored")
    if manifest.get("content_sha256") != content_sha256:
        raise BackupError(
            f"{path} is corrupted or was altered: its contents do not match the checksum in its "
            "manifest. Nothing was restored"
        )
    if manifest.get("master_key_id") != master_key_id(master_key):
        raise BackupError(
            f"{path} was made under another master key (id {manifest.get('master_key_id')}; this "
            f"one is {master_key_id(master_key)}): restore needs the master key the register had "
            "when the backup was made. Nothing was restored"
        )
    if not hmac.compare_digest(str(manifest.get("mac", "")), _mac(master_key, content_sha256, manifest)):
        raise BackupError(
            f"{path} was altered: its manifest does not carry the authentication code of this "
            "master key. Nothing was restored"
        )
    problems = []
    if manifest.get("events") != found.events:
        problems.append(f"{found.events} events, the manifest says {manifest.get('events')}")
    if manifest.get("tables") != found.tables:
        problems.append(f"table rows {found.tables}, the manifest says {manifest.get('tables')}")
    if manifest.get("log", {}).get("root") != found.root.hex() or manifest["log"].get("size") != found.events:
        problems.append("the events give another transparency-log root than the manifest's")
    if found.events and manifest.get("last_notification_id") != found.last_notification_id:
        problems.append("the last notification id differs from the manifest's")
    for size, root in found.checkpoint_roots.items():
        if found.event_roots.get(size) != root:
            problems.append(f"the signed checkpoint of size {size} does not match the events")
    if problems:
        raise BackupError(f"{path} does not hold what its manifest says: {'; '.join(problems)}. Nothing was restored")


def check(path: Path, settings: Settings, progress: Progress = _quiet) -> dict[str, Any]:
    """Read and check a backup completely, writing nothing; returns its manifest."""
    return _read(Path(path), restore_master_key(settings), progress=progress).manifest


# -- restore
def restore_master_key(settings: Settings) -> bytes:
    """The master key from settings; unlike a new register's, restore never makes one up."""
    if not settings.master_key and not settings.master_key_file:
        settings = replace(settings, master_key_file=str(settings.var_dir / "master.key"))
    try:
        return load_master_key(settings)
    except Exception as error:  # noqa: BLE001 - VaultError: no key or not a key
        raise BackupError(f"{error}. Restore needs the master key the backup was made under") from None


def holdings(ledger: Ledger) -> dict[str, int]:
    """What a register already holds: its events, and rows in each state table and in the log."""
    held = {"events": ledger.recorder.max_notification_id() or 0}
    with ledger.engine.connect() as conn:
        for table in (*STATE_TABLES, log_leaves):
            held[table.name] = conn.execute(select(func.count()).select_from(table)).scalar() or 0
    return {name: count for name, count in held.items() if count}


def _empty(ledger: Ledger) -> None:
    """Delete every event, every state row and the log of the register ``ledger`` holds (for ``replace``)."""
    recorder = ledger.recorder
    with ledger.engine.begin() as conn:
        if ledger.settings.is_sqlite:
            conn.execute(text(f"DELETE FROM {recorder.events_table_name}"))
        else:
            schema = recorder.datastore.schema  # type: ignore[attr-defined]
            conn.execute(text(f'TRUNCATE TABLE "{schema}"."{recorder.events_table_name}" RESTART IDENTITY'))
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
                        text(f"DELETE FROM {self.recorder.events_table_name} WHERE originator_id = :o"),
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
        table = self.recorder.events_table_name
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
            schema = self.recorder.datastore.schema  # type: ignore[attr-defined]
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


# -- erasures made after a backup
def erasures_recorded(ledger: Ledger) -> list[tuple[str, str]]:
    """Every erasure in the event store: (registrant id, when it was recorded), oldest first."""
    from ledger.domain.aggregates import Registrant

    return [(str(event.originator_id), event.occurred_at.isoformat()) for event in ledger.events_of(Registrant.Erased)]  # type: ignore[attr-defined]


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
