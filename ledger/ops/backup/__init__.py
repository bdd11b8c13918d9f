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

from ledger.ops.backup.erasures import erasures_recorded, read_erasures, reapply_erasures
from ledger.ops.backup.format import (
    BATCH,
    EVENT_KEYS,
    FORMAT,
    NOT_IN_FILE,
    ROWS_BATCH,
    STATE_TABLES,
    VERSION,
    WORKER_TABLES,
    BackupError,
    Progress,
    RunningHead,
    master_key_id,
    restore_master_key,
)
from ledger.ops.backup.reading import check
from ledger.ops.backup.restoring import holdings, restore, verify_restored
from ledger.ops.backup.writing import backup

__all__ = [
    "BATCH",
    "BackupError",
    "EVENT_KEYS",
    "FORMAT",
    "NOT_IN_FILE",
    "Progress",
    "ROWS_BATCH",
    "RunningHead",
    "STATE_TABLES",
    "VERSION",
    "WORKER_TABLES",
    "backup",
    "check",
    "erasures_recorded",
    "holdings",
    "master_key_id",
    "read_erasures",
    "reapply_erasures",
    "restore",
    "restore_master_key",
    "verify_restored",
]
