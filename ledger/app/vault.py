"""The personal-data vault: per-owner data keys, sealed by the master key, and crypto-shredding.

Personal fields inside events (names, emails, free text, background answers) are sealed with their owner's data
key (AES-GCM, the owner's id as associated data). The data keys live in the ``vault_keys`` table, each wrapped by
the master key. Erasure deletes the wrapped key: the events stay as they were, and their personal fields can never
be opened again.
"""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, overload
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Column, DateTime, Engine, LargeBinary, String, Table, insert, select, update

from ledger.app.db import metadata
from ledger.domain.sealed import Sealed
from ledger.settings import Settings

vault_keys = Table(
    "vault_keys",
    metadata,
    Column("owner", String(32), primary_key=True),
    Column("wrapped", LargeBinary, nullable=True),  # NULL once shredded
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("shredded_at", DateTime(timezone=True), nullable=True),
)

MAX_SEALED_TEXT = 20_000  # characters; longer free text is refused before it is sealed


class VaultError(Exception):
    pass


class Shredded(VaultError):
    """The owner's data key was destroyed (erasure): their personal data can no longer be written or read."""


def load_master_key(settings: Settings, announce: Callable[[str], None] = lambda _: None) -> bytes:
    """The master key from settings; on the embedded default, created once under ``var/`` (and said so)."""
    if settings.master_key:
        return _decode_key(settings.master_key, "REGLEDGER_MASTER_KEY")
    path = Path(settings.master_key_file) if settings.master_key_file else settings.var_dir / "master.key"
    if path.exists():
        return _decode_key(path.read_text().strip(), str(path))
    if settings.master_key_file or not settings.is_sqlite:
        raise VaultError(
            f"no master key: set REGLEDGER_MASTER_KEY or REGLEDGER_MASTER_KEY_FILE (looked for {path}); "
            "without it sealed personal data cannot be read"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(base64.b64encode(AESGCM.generate_key(256)).decode() + "\n")
    announce(f"Created a new master key at {path}: back it up, personal data cannot be read without it.")
    return _decode_key(path.read_text().strip(), str(path))


def _decode_key(text: str, where: str) -> bytes:
    try:
        key = base64.b64decode(text, validate=True)
    except ValueError:
        key = b""
    if len(key) != 32:
        raise VaultError(f"the master key in {where} must be base64 of 32 bytes")
    return key


class Vault:
    def __init__(
        self, engine: Engine, master_key: bytes, *, cache_size: int = 50_000, cache_seconds: float = 30.0
    ) -> None:
        """Opened data keys are kept for ``cache_seconds``, so an erasure made by another process is honoured
        here within that time (at once in the process that erases)."""
        self._engine = engine
        self._master = AESGCM(master_key)
        # the statistics read model keys its rows by HMACs under this key (see ledger.read.projections.statistics), so
        # they cannot be joined back to a registrant without the master key
        self.pseudonym_key = HKDF(hashes.SHA256(), 32, salt=None, info=b"regledger statistics pseudonyms").derive(
            master_key
        )
        self._cache: OrderedDict[UUID, tuple[AESGCM | None, float]] = OrderedDict()  # None: shredded
        self._cache_size = cache_size
        self._cache_seconds = cache_seconds
        self._lock = threading.RLock()
        self._local = threading.local()

    @property
    def _pending(self) -> dict[UUID, bytes]:
        """New wrapped keys not yet written, by thread: each thread's command writes (or discards) its own."""
        pending = getattr(self._local, "pending", None)
        if pending is None:
            pending = self._local.pending = {}
        return pending

    # -- keys
    def create_key(self, owner: UUID) -> None:
        """A data key for a new owner (a registrant or assessor). Written at the next ``flush``."""
        data_key = AESGCM.generate_key(256)
        nonce = os.urandom(12)
        with self._lock:
            self._pending[owner] = nonce + self._master.encrypt(nonce, data_key, owner.bytes)
            self._remember(owner, AESGCM(data_key))

    def flush(self) -> None:
        """Write new data keys. Called before the events that use them are saved."""
        with self._lock:
            if not self._pending:
                return
            now = datetime.now(UTC)
            rows = [{"owner": o.hex, "wrapped": w, "created_at": now} for o, w in self._pending.items()]
            with self._engine.begin() as conn:
                conn.execute(insert(vault_keys), rows)
            self._pending.clear()

    def discard_pending(self) -> None:
        with self._lock:
            for owner in self._pending:
                self._cache.pop(owner, None)
            self._pending.clear()

    def shred(self, owner: UUID) -> None:
        """Destroy the owner's data key: everything sealed with it becomes unreadable, for good."""
        with self._lock:
            self._pending.pop(owner, None)
            with self._engine.begin() as conn:
                conn.execute(
                    update(vault_keys)
                    .where(vault_keys.c.owner == owner.hex)
                    .values(wrapped=None, shredded_at=datetime.now(UTC))
                )
            self._remember(owner, None)

    def is_shredded(self, owner: UUID) -> bool:
        return self._key(owner) is None

    def _remember(self, owner: UUID, key: AESGCM | None) -> None:
        self._cache[owner] = (key, time.monotonic())
        self._cache.move_to_end(owner)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    def _key(self, owner: UUID) -> AESGCM | None:
        with self._lock:
            cached = self._cache.get(owner)
            if cached is not None and (owner in self._pending or time.monotonic() - cached[1] < self._cache_seconds):
                self._cache.move_to_end(owner)
                return cached[0]
            with self._engine.connect() as conn:
                wrapped = conn.execute(select(vault_keys.c.wrapped).where(vault_keys.c.owner == owner.hex)).first()
            if wrapped is None:
                raise VaultError(f"no data key for {owner}")
            key = None
            if wrapped[0] is not None:
                blob = bytes(wrapped[0])
                key = AESGCM(self._master.decrypt(blob[:12], blob[12:], owner.bytes))
            self._remember(owner, key)
            return key

    def preload(self, owners: list[UUID]) -> None:
        """Fetch many owners' keys in one query (projections call this per batch)."""
        now = time.monotonic()
        with self._lock:
            missing = [o for o in set(owners) if o not in self._cache or now - self._cache[o][1] >= self._cache_seconds]
        if not missing:
            return
        rows: list[Any] = []
        with self._engine.connect() as conn:
            for start in range(0, len(missing), 500):
                chunk = [o.hex for o in missing[start : start + 500]]
                rows += conn.execute(
                    select(vault_keys.c.owner, vault_keys.c.wrapped).where(vault_keys.c.owner.in_(chunk))
                ).all()
        with self._lock:
            for owner_hex, wrapped in rows:
                owner = UUID(owner_hex)
                key = None
                if wrapped is not None:
                    blob = bytes(wrapped)
                    key = AESGCM(self._master.decrypt(blob[:12], blob[12:], owner.bytes))
                self._remember(owner, key)

    # -- values
    @overload
    def seal(self, owner: UUID, value: str) -> Sealed: ...
    @overload
    def seal(self, owner: UUID, value: None) -> None: ...
    @overload
    def seal(self, owner: UUID, value: str | None) -> Sealed | None: ...
    def seal(self, owner: UUID, value: str | None) -> Sealed | None:
        if value is None:
            return None
        return self.seal_bytes(owner, value.encode("utf-8"))

    def seal_bytes(self, owner: UUID, data: bytes) -> Sealed:
        key = self._key(owner)
        if key is None:
            raise Shredded(f"the personal data of {owner} was erased; nothing more can be recorded for them")
        nonce = os.urandom(12)
        return Sealed(owner, nonce + key.encrypt(nonce, data, owner.bytes))

    def open_bytes(self, sealed: Sealed | None) -> bytes | None:
        """The plain bytes, or None if there are none or their owner was erased."""
        if sealed is None:
            return None
        try:
            key = self._key(sealed.owner)
        except VaultError:
            return None
        if key is None:
            return None
        try:
            return key.decrypt(sealed.blob[:12], sealed.blob[12:], sealed.owner.bytes)
        except InvalidTag:
            return None

    def seal_json(self, owner: UUID, value: Any) -> Sealed | None:
        return None if value is None else self.seal(owner, json.dumps(value, sort_keys=True, separators=(",", ":")))

    def open(self, sealed: Sealed | None) -> str | None:
        """The plain value, or None if there is none or its owner was erased."""
        data = self.open_bytes(sealed)
        return None if data is None else data.decode("utf-8")

    def open_json(self, sealed: Sealed | None) -> Any:
        text = self.open(sealed)
        return None if text is None else json.loads(text)
