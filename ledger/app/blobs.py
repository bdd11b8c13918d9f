"""Where evidence files' contents are kept: a directory (``REGLEDGER_EVIDENCE_DIR``: under the data directory by
default, or where an object store is mounted), one folder per owner, each content under its address.

Contents arrive here already sealed with their owner's data key (``ledger.app.vault``), so a copy of the directory
without the database and master key shows nothing, and an erased owner's contents stay unreadable even where a copy
survives. The address is a keyed digest of the plain content, so the same file sent twice by the same owner is stored
once. Each write is atomic (a temporary file in the same folder, flushed, then renamed over the address), so a
reader never sees half a file; erasure removes the owner's folder."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path
from uuid import UUID

ADDRESS = re.compile(r"^[0-9a-f]{32}/[0-9a-f]{2}/[0-9a-f]{64}$")


class BadAddress(ValueError):
    """An address that is not one this store makes (a stored event can never name a path outside the store)."""


def address_for(owner: UUID, digest: str) -> str:
    """The address of ``owner``'s content with this digest (64 hex characters)."""
    address = f"{owner.hex}/{digest[:2]}/{digest}"
    if not ADDRESS.match(address):
        raise BadAddress(f"not a content digest: {digest!r}")
    return address


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, address: str) -> Path:
        if not ADDRESS.match(address):
            raise BadAddress(f"not an evidence address: {address!r}")
        return self.root / address

    def has(self, address: str) -> bool:
        return self._path(address).is_file()

    def put(self, address: str, sealed: bytes) -> bool:
        """Store ``sealed`` at ``address`` unless something is there already (the same content, by its address).
        Returns whether it wrote."""
        path = self._path(address)
        if path.is_file():
            return False
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(sealed)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(temporary, 0o600)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return True

    def get(self, address: str) -> bytes | None:
        """The sealed content at ``address``, or None if none is stored there."""
        try:
            return self._path(address).read_bytes()
        except FileNotFoundError:
            return None

    def delete(self, address: str) -> None:
        self._path(address).unlink(missing_ok=True)

    def delete_owner(self, owner: UUID) -> None:
        """Every content of ``owner`` (erasure)."""
        shutil.rmtree(self.root / owner.hex, ignore_errors=True)
