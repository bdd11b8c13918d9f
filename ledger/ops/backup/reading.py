"""Reading a backup: every line parsed and checked, the manifest's counts, hashes and MAC compared; ``check`` reads a
file without restoring it."""

from __future__ import annotations

import base64
import binascii
import gzip
import hashlib
import hmac
import json
import uuid
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Table

from ledger.ops.backup.format import (
    BATCH,
    EVENT_KEYS,
    FORMAT,
    STATE_TABLES,
    VERSION,
    BackupError,
    Progress,
    RunningHead,
    _canonical,
    _decode,
    _mac,
    _note_head,
    master_key_id,
    restore_master_key,
)
from ledger.ops.backup.writing import _quiet
from ledger.processes.transparency_log import log_checkpoints
from ledger.settings import Settings
from verifier.merkle import EMPTY_ROOT, leaf_hash


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
                table = known.get(record["table"]) if "table" in record else None
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
