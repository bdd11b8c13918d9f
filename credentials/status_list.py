"""W3C Bitstring Status List v1.0: the bitstring, its bounded decoding, random index allocation, and the status
list credential that publishes it.

Bit order per the Recommendation: index 0 is the left-most (most significant) bit of the first byte. The encoded
list is the bitstring GZIP-compressed, base64url-encoded without padding, with the multibase prefix ``u``.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import random
import re
import zlib
from collections.abc import Container
from datetime import datetime
from typing import Any

from credentials.did_web import issuer_base_url
from credentials.open_badges import VC_V2_CONTEXT, Issuer
from credentials.timestamps import rfc3339, utc

MIN_LENGTH = 131_072
"""Entries in a list at least (16 KiB): the Recommendation's minimum, for group privacy."""

PURPOSES = ("revocation", "suspension")
DEFAULT_MAX_BYTES = 2**24
"""The largest decompressed bitstring ``decode`` accepts by default: 16 MiB, 134 million entries."""

_CHUNK = 64 * 1024
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")
_RANDOM_TRIES = 64


class StatusListError(ValueError):
    """An encoded status list that cannot be, or should not be, decoded."""


class StatusListFull(ValueError):
    """Every index of the list is taken."""


class StatusList:
    """A bitstring of ``length`` status entries, all clear to start with."""

    def __init__(self, length: int = MIN_LENGTH) -> None:
        if not isinstance(length, int) or length < MIN_LENGTH or length % 8:
            raise ValueError(f"a status list has a multiple of 8 entries, at least {MIN_LENGTH:,}; not {length!r}")
        self._bits = bytearray(length // 8)

    @property
    def length(self) -> int:
        return len(self._bits) * 8

    def __len__(self) -> int:
        return self.length

    def _locate(self, index: int) -> tuple[int, int]:
        if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < self.length:
            raise IndexError(f"status index {index!r} is outside 0..{self.length - 1}")
        return index // 8, 0x80 >> (index % 8)

    def set(self, index: int, value: bool = True) -> None:
        byte, mask = self._locate(index)
        if value:
            self._bits[byte] |= mask
        else:
            self._bits[byte] &= ~mask & 0xFF

    def get(self, index: int) -> bool:
        byte, mask = self._locate(index)
        return bool(self._bits[byte] & mask)

    def set_indexes(self) -> list[int]:
        """Every index whose bit is set, in order."""
        return [
            byte * 8 + bit
            for byte, value in enumerate(self._bits)
            if value
            for bit in range(8)
            if value & (0x80 >> bit)
        ]

    def encode(self) -> str:
        """``u`` + base64url(GZIP(bitstring)), no padding. Deterministic: the GZIP header carries no time."""
        compressed = gzip.compress(bytes(self._bits), compresslevel=9, mtime=0)
        return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")

    @classmethod
    def decode(cls, encoded: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> StatusList:
        """The list from its encoding. Decompresses a chunk at a time and stops as soon as the output would pass
        ``max_bytes``, so a GZIP bomb costs neither time nor memory."""
        if not isinstance(encoded, str):
            raise StatusListError(f"an encoded status list is a string, not {type(encoded).__name__}")
        if not encoded.startswith("u"):
            raise StatusListError("an encoded status list starts with the multibase prefix 'u' (base64url)")
        body = encoded[1:]
        if len(body) > 2 * max_bytes:
            raise StatusListError(
                f"encoded status list is {len(body):,} characters, longer than any list of at most {max_bytes:,} bytes"
            )
        if not _BASE64URL.fullmatch(body):
            raise StatusListError("encoded status list is not base64url (characters outside A-Z a-z 0-9 - _)")
        try:
            compressed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        except (binascii.Error, ValueError):
            raise StatusListError("encoded status list is not valid base64url (wrong length)") from None
        bits = _gunzip_bounded(compressed, max_bytes)
        if len(bits) * 8 < MIN_LENGTH:
            raise StatusListError(f"status list has {len(bits) * 8:,} entries, fewer than the minimum {MIN_LENGTH:,}")
        decoded = cls.__new__(cls)
        decoded._bits = bits
        return decoded


def _gunzip_bounded(compressed: bytes, max_bytes: int) -> bytearray:
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)  # GZIP framing only, CRC-32 and size checked
    output = bytearray()
    pending = compressed
    try:
        while not inflater.eof:
            chunk = inflater.decompress(pending, _CHUNK)
            output += chunk
            if len(output) > max_bytes:
                raise StatusListError(f"status list decompresses to more than {max_bytes:,} bytes; refused")
            pending = inflater.unconsumed_tail
            if not pending and not chunk:
                raise StatusListError("status list GZIP data is truncated")
    except zlib.error as error:
        raise StatusListError(f"status list is not valid GZIP data: {error}") from None
    if inflater.unused_data:
        raise StatusListError("status list has data after the end of its GZIP stream")
    return output


def allocate_index(rng: random.Random, taken: Container[int], length: int = MIN_LENGTH) -> int:
    """A random index in ``0..length-1`` not in ``taken``; ``StatusListFull`` when there is none.

    Random draws first; if those keep colliding (a nearly full list), a uniform choice among the free indexes."""
    for _ in range(_RANDOM_TRIES):
        index = rng.randrange(length)
        if index not in taken:
            return index
    free = [index for index in range(length) if index not in taken]
    if not free:
        raise StatusListFull(f"all {length:,} indexes of the status list are taken")
    return rng.choice(free)


def status_list_url(issuer_id: str, purpose: str) -> str:
    """Where the issuer publishes its status list for ``purpose``: ``<issuer URL>/status/<purpose>``. The compact
    credential relies on this to name a list by its purpose alone."""
    _check_purpose(purpose)
    return f"{issuer_base_url(issuer_id)}/status/{purpose}"


def build_status_list_credential(
    *, list_id: str, issuer: str | Issuer, purpose: str, encoded_list: str, valid_from: datetime, valid_until: datetime
) -> dict[str, Any]:
    """A ``BitstringStatusListCredential`` publishing ``encoded_list`` (checked to decode) for ``purpose``; sign it
    with ``credentials.achievement.sign_credential_jwt``."""
    _check_purpose(purpose)
    StatusList.decode(encoded_list)
    if utc(valid_until) <= utc(valid_from):
        raise ValueError("a status list credential's validUntil must come after its validFrom")
    issuer_json: str | dict[str, str] = {"id": issuer.id, "name": issuer.name} if isinstance(issuer, Issuer) else issuer
    return {
        "@context": [VC_V2_CONTEXT],
        "id": list_id,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_json,
        "validFrom": rfc3339(valid_from),
        "validUntil": rfc3339(valid_until),
        "credentialSubject": {
            "id": f"{list_id}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": encoded_list,
        },
    }


def _check_purpose(purpose: str) -> None:
    if purpose not in PURPOSES:
        raise ValueError(f"status purpose {purpose!r} is not one of {', '.join(PURPOSES)}")
