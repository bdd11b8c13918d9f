"""A sealed personal value as it sits inside an event: the owner's id and AES-GCM ciphertext.

Only the vault (``ledger.app.vault``) can open one, and only while the owner's data key exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID


@dataclass(frozen=True, slots=True)
class Sealed:
    owner: UUID
    blob: bytes  # 12-byte nonce followed by ciphertext and tag

    def __repr__(self) -> str:  # never print personal data, even sealed
        return f"Sealed(owner={self.owner}, {len(self.blob)} bytes)"
