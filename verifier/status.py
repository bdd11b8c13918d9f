"""W3C Bitstring Status List: decoding an ``encodedList`` (multibase ``u``, base64url, GZIP) within fixed bounds,
so a compressed bomb costs a failed check, not the machine. Index 0 is the left-most bit of the first byte."""

from __future__ import annotations

import zlib

from verifier.jose import Malformed, b64url_decode

MAX_ENCODED_CHARS = 4 * 1024 * 1024
MAX_BITSTRING_BYTES = 2 * 1024 * 1024  # 16.7 million entries
MIN_ENTRIES = 131_072


class Bitstring:
    def __init__(self, data: bytes) -> None:
        self.data = data

    @property
    def length(self) -> int:
        return len(self.data) * 8

    def get(self, index: int) -> bool:
        if not 0 <= index < self.length:
            raise IndexError(index)
        return bool(self.data[index // 8] & (0x80 >> (index % 8)))

    @classmethod
    def decode(cls, encoded: object) -> Bitstring:
        if not isinstance(encoded, str) or not encoded.startswith("u"):
            raise Malformed("the status list is not multibase base64url text (it must start with 'u')")
        if len(encoded) > MAX_ENCODED_CHARS:
            raise Malformed("the status list is too large to be genuine")
        compressed = b64url_decode(encoded[1:], "status list")
        inflater = zlib.decompressobj(wbits=31)  # GZIP only
        try:
            data = inflater.decompress(compressed, MAX_BITSTRING_BYTES + 1)
        except zlib.error:
            raise Malformed("the status list is not valid GZIP data") from None
        if len(data) > MAX_BITSTRING_BYTES or inflater.unconsumed_tail:
            raise Malformed(
                f"the status list expands beyond {MAX_BITSTRING_BYTES:,} bytes: refused as a compression bomb"
            )
        if not inflater.eof:
            raise Malformed("the status list's GZIP data is cut short")
        if len(data) * 8 < MIN_ENTRIES:
            raise Malformed(f"the status list has {len(data) * 8:,} entries; at least {MIN_ENTRIES:,} are required")
        return cls(data)
