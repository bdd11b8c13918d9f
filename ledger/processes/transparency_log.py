"""The transparency log over the event store: one leaf per stored event, in notification order, with a dense index
(PostgreSQL's notification ids may have gaps); signed checkpoints (C2SP signed notes, Ed25519); the audit bundle.

A leaf is the canonical JSON of the event as stored: its index, notification id, aggregate id and version, topic
and the stored bytes (base64). Crypto-shredding erases no stored byte, so an erasure leaves every leaf as it was.
The log keeps the leaf hashes it computed when each event arrived, so an event changed, removed, reordered or
inserted later no longer matches the log, and the bundle names it.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Column, DateTime, Integer, LargeBinary, Table, Text, func, insert, select, text
from sqlalchemy.exc import IntegrityError

from ledger.app.db import metadata
from ledger.app.ledger import Ledger
from ledger.domain.statuses import KeyRole
from ledger.processes.keyring import Keyring
from verifier.checkpoint import body, verifier_key
from verifier.merkle import Tree, leaf_hash

log_leaves = Table(
    "log_leaves",
    metadata,
    Column("idx", Integer, primary_key=True, autoincrement=False),
    Column("notification_id", Integer, nullable=False, unique=True),
    Column("hash", LargeBinary(32), nullable=False),
)

log_checkpoints = Table(
    "log_checkpoints",
    metadata,
    Column("size", Integer, primary_key=True, autoincrement=False),
    Column("note", Text, nullable=False),
    Column("made_at", DateTime(timezone=True), nullable=False),
)

BATCH = 5000
_APPENDING = threading.Lock()
_TREES: dict[str, Tree] = {}  # the tree of the latest checkpoint, per database
Progress = Callable[[int, int], None]


def leaf_line(index: int, notification: Any) -> bytes:
    """The leaf's data: one canonical JSON line."""
    return json.dumps(
        {
            "idx": index,
            "n": notification.id,
            "id": str(notification.originator_id),
            "v": notification.originator_version,
            "topic": notification.topic,
            "state": base64.b64encode(bytes(notification.state)).decode("ascii"),
        },
        separators=(",", ":"),
        sort_keys=True,
    ).encode("utf-8")


class TransparencyLog:
    def __init__(self, ledger: Ledger, keyring: Keyring | None = None) -> None:
        self.ledger = ledger
        self.keyring = keyring or Keyring(ledger)
        host = urlsplit(ledger.settings.issuer_url).netloc or "regledger"
        self.origin = f"{host}/log"
        self.key_name = f"{host}-log"

    # -- the leaves
    def size(self) -> int:
        with self.ledger.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(log_leaves)).scalar() or 0

    def catch_up(self, progress: Progress | None = None) -> int:
        """Append a leaf for every stored event not yet in the log; returns how many were appended. One writer at
        a time in this process; a writer in another process that got there first makes this one stop."""
        with _APPENDING:
            try:
                return self._catch_up(progress)
            except IntegrityError:
                return 0

    def _catch_up(self, progress: Progress | None) -> int:
        with self.ledger.engine.connect() as conn:
            last = conn.execute(select(func.max(log_leaves.c.notification_id))).scalar() or 0
            index = conn.execute(select(func.count()).select_from(log_leaves)).scalar() or 0
        head = self.ledger.recorder.max_notification_id() or 0
        added = 0
        while True:
            notifications = self.ledger.recorder.select_notifications(start=last, limit=BATCH, inclusive_of_start=False)
            if not notifications:
                break
            rows = []
            for notification in notifications:
                rows.append(
                    {
                        "idx": index,
                        "notification_id": notification.id,
                        "hash": leaf_hash(leaf_line(index, notification)),
                    }
                )
                index += 1
            with self.ledger.engine.begin() as conn:
                conn.execute(insert(log_leaves), rows)
            added += len(rows)
            last = notifications[-1].id
            if progress:
                progress(min(last, head), head)
        return added

    def hashes(self) -> list[bytes]:
        with self.ledger.engine.connect() as conn:
            return [bytes(h) for h in conn.execute(select(log_leaves.c.hash).order_by(log_leaves.c.idx)).scalars()]

    def tree(self) -> Tree:
        return Tree(self.hashes())

    # -- checkpoints
    def public_key(self) -> str:
        record = self.keyring.active(KeyRole.LOG).record
        raw = base64.urlsafe_b64decode(record.public_jwk["x"] + "==")
        return verifier_key(self.key_name, raw)

    def checkpoint(self) -> str:
        """Sign the log as it stands (after catching up) and keep the note."""
        key = self.keyring.active(KeyRole.LOG)  # first: making the key records events the checkpoint must cover
        self.catch_up()
        tree = self.tree()
        text = body(self.origin, tree.size, tree.root())
        raw = base64.urlsafe_b64decode(key.record.public_jwk["x"] + "==")
        from verifier.checkpoint import key_id

        private = key.signing_key.private_key
        assert isinstance(private, Ed25519PrivateKey)  # a log key is Ed25519 (``Keyring.rotate``)
        signature = private.sign(text.encode("utf-8"))
        note = (
            text
            + "\n"
            + f"\u2014 {self.key_name} "
            + base64.b64encode(key_id(self.key_name, raw) + signature).decode()
            + "\n"
        )
        from sqlalchemy.dialects import postgresql, sqlite

        with self.ledger.engine.begin() as conn:
            dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
            conn.execute(
                dialect.insert(log_checkpoints)
                .values(size=tree.size, note=note, made_at=datetime.now(UTC))
                .on_conflict_do_nothing(index_elements=["size"])
            )
        return note

    def checkpoints(self) -> list[str]:
        with self.ledger.engine.connect() as conn:
            return list(conn.execute(select(log_checkpoints.c.note).order_by(log_checkpoints.c.size)).scalars())

    # -- provenance
    def notification_of(self, originator_id: UUID, version: int) -> int | None:
        """The notification id under which an aggregate's event was stored."""
        # both of the library's application recorders name their table so; its recorder interface does not say it
        table = self.ledger.recorder.events_table_name  # type: ignore[attr-defined]
        value: str | UUID
        if self.ledger.settings.is_sqlite:
            sql, value = (
                f"SELECT rowid FROM {table} WHERE originator_id = :o AND originator_version = :v",
                originator_id.hex,
            )
        else:
            sql, value = (
                (f"SELECT notification_id FROM {table} WHERE originator_id = :o AND originator_version = :v"),
                originator_id,
            )
        with self.ledger.engine.connect() as conn:
            return conn.execute(text(sql), {"o": value, "v": version}).scalar()

    def provenance(self, originator_id: UUID, version: int) -> dict[str, Any] | None:
        """Where an event sits in the log, and the proof that the latest checkpoint includes it: its leaf index
        and hash, the checkpoint (a signed note) and the inclusion proof. None if no checkpoint covers it yet."""
        notification = self.notification_of(originator_id, version)
        if notification is None:
            return None
        with self.ledger.engine.connect() as conn:
            row = conn.execute(select(log_leaves).where(log_leaves.c.notification_id == notification)).first()
            note = conn.execute(
                select(log_checkpoints.c.note, log_checkpoints.c.size).order_by(log_checkpoints.c.size.desc()).limit(1)
            ).first()
        if row is None or note is None or row.idx >= note.size:
            return None
        tree = self._tree_of(note.size)
        return {
            "log_index": row.idx,
            "notification_id": notification,
            "leaf_hash": bytes(row.hash).hex(),
            "tree_size": note.size,
            "checkpoint": note.note,
            "inclusion_proof": [p.hex() for p in tree.inclusion_proof(row.idx, note.size)],
            "log_key": self.public_key(),
        }

    def _tree_of(self, size: int) -> Tree:
        cached = _TREES.get(self.ledger.settings.database_url)
        if cached is None or cached.size != size:
            with self.ledger.engine.connect() as conn:
                hashes = [
                    bytes(h)
                    for h in conn.execute(
                        select(log_leaves.c.hash).where(log_leaves.c.idx < size).order_by(log_leaves.c.idx)
                    ).scalars()
                ]
            cached = Tree(hashes)
            _TREES[self.ledger.settings.database_url] = cached
        return cached

    # -- the bundle
    def events(self, until: int | None = None) -> Iterator[tuple[int, bytes]]:
        """Each stored event as a leaf line, in the log's order, read from the event store now (up to and
        including notification ``until``, if given)."""
        index, last = 0, 0
        while True:
            notifications = self.ledger.recorder.select_notifications(
                start=last, limit=BATCH, stop=until, inclusive_of_start=False
            )
            if not notifications:
                return
            for notification in notifications:
                yield index, leaf_line(index, notification)
                index += 1
            last = notifications[-1].id

    def export(self, out: Path, progress: Progress | None = None) -> dict[str, Any]:
        """Write the audit bundle: events.jsonl (the event store as it is now), leaves.txt (index, notification id
        and hash of each leaf as the log recorded it when the event arrived), checkpoints/ (signed notes) and
        log.pub (the key that signs them)."""
        self.checkpoint()
        out.mkdir(parents=True, exist_ok=True)
        total = self.ledger.recorder.max_notification_id() or 0
        count = 0
        with open(out / "events.jsonl", "wb") as events:
            for index, line in self.events():
                events.write(line + b"\n")
                count = index + 1
                if progress and count % BATCH == 0:
                    progress(count, total)
        with open(out / "leaves.txt", "w") as leaves, self.ledger.engine.connect() as conn:
            for row in conn.execute(select(log_leaves).order_by(log_leaves.c.idx)):
                leaves.write(f"{row.idx} {row.notification_id} {bytes(row.hash).hex()}\n")
        folder = out / "checkpoints"
        folder.mkdir(exist_ok=True)
        notes = self.checkpoints()
        for note in notes:
            size = note.split("\n")[1]
            (folder / f"{int(size):012d}.txt").write_text(note)
        (out / "log.pub").write_text(self.public_key() + "\n")
        return {"events": count, "checkpoints": len(notes), "directory": str(out)}
