"""The backup file's format: its constants, the master key's part (a key id and a MAC over the content), rows as JSON,
the running head of the transparency log."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from importlib import metadata as package_metadata
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from eventsourcing.persistence import Recorder
from eventsourcing.sqlite import SQLiteAggregateRecorder
from sqlalchemy import Column, DateTime, LargeBinary, Table

from ledger.app.account_tables import (
    account_challenges,
    account_factors,
    account_forms_done,
    account_letters,
    account_links,
    account_pending,
    account_recovery_codes,
)
from ledger.app.accounts import account_access, account_organisations, accounts
from ledger.app.holder_keys import holder_keys
from ledger.app.vault import load_master_key, vault_keys
from ledger.domain.errors import LedgerError
from ledger.processes.keyring import issuer_private_keys
from ledger.processes.published import published_documents
from ledger.processes.transparency_log import log_checkpoints
from ledger.processes.webhooks import webhook_deliveries
from ledger.processes.workers import workers
from ledger.read.parking import parked_events
from ledger.settings import Settings
from verifier.merkle import EMPTY_ROOT, node_hash

FORMAT = "regledger-backup"
VERSION = 1
BATCH = 5000
ROWS_BATCH = 1000
STATE_TABLES: tuple[Table, ...] = (
    vault_keys,
    issuer_private_keys,
    accounts,
    account_access,
    account_organisations,  # which organisation an organisation account acts for
    account_pending,
    account_factors,  # sealed under a key derived from the master key: restored with the same key, they work again
    account_recovery_codes,
    log_checkpoints,
    holder_keys,  # each private half sealed with its registrant's data key: erased with it, on restore too
    webhook_deliveries,  # what was sent: kept, so the watch follower re-run after a restore sends nothing twice
)
"""Tables that hold state no event can give back, in the order a backup writes them."""
WORKER_TABLES: tuple[Table, ...] = (
    parked_events,
    published_documents,
    workers,
    account_links,
    account_letters,
    account_challenges,
    account_forms_done,
)
"""Tables derived from the events (parked events are found again, documents published again) or transient
(heartbeats; the account pages' links, letters, half-done sign-ins and forms done, which a restored register does
not honour: a link mailed before the restore says it no longer works and offers a new one); emptied by a restore
with --replace, never backed up."""
EVENT_KEYS = {"idx", "n", "id", "v", "topic", "state"}
NOT_IN_FILE = "The master key is not in this file: restoring needs the same master key."

Progress = Callable[[str, int, int], None]  # (what is being done, done, out of)


class BackupError(LedgerError):
    """A backup that cannot be made, or a file that cannot be restored; the message says why."""


# -- the event store's table
def _events_table(recorder: Recorder) -> tuple[str | None, str]:
    """The schema (PostgreSQL; ``None`` on SQLite) and the name of the event store's table. The library's SQLite and
    PostgreSQL recorders know them; the ``ApplicationRecorder`` an application's recorder is typed as does not."""
    if isinstance(recorder, SQLiteAggregateRecorder):
        return None, recorder.events_table_name
    from eventsourcing.postgres import PostgresAggregateRecorder  # imports psycopg: only asked for on PostgreSQL

    if isinstance(recorder, PostgresAggregateRecorder):
        return recorder.datastore.schema, recorder.events_table_name
    raise BackupError(f"backups need the SQLite or PostgreSQL event store, not {type(recorder).__name__}")


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


def restore_master_key(settings: Settings) -> bytes:
    """The master key from settings; unlike a new register's, restore never makes one up."""
    if not settings.master_key and not settings.master_key_file:
        settings = replace(settings, master_key_file=str(settings.var_dir / "master.key"))
    try:
        return load_master_key(settings)
    except Exception as error:  # noqa: BLE001 - VaultError: no key or not a key
        raise BackupError(f"{error}. Restore needs the master key the backup was made under") from None
