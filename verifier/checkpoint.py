"""Checkpoints in the C2SP signed-note format (https://c2sp.org/signed-note, https://c2sp.org/tlog-checkpoint):

    <origin>
    <tree size>
    <base64 tree head>

    — <key name> <base64(4-byte key id || Ed25519 signature)>

The key id is the first four bytes of SHA-256(key name || 0x0A || 0x01 || public key); a verifier key is written
``<name>+<hex key id>+<base64(0x01 || public key)>``."""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

ED25519 = b"\x01"
SIGNATURE_DASH = "\u2014 "
MAX_NOTE_BYTES = 16 * 1024


class CheckpointError(ValueError):
    """A checkpoint that is malformed or not signed by the expected key."""


def key_id(name: str, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode("utf-8") + b"\n" + ED25519 + public_key).digest()[:4]


def verifier_key(name: str, public_key: bytes) -> str:
    return f"{name}+{key_id(name, public_key).hex()}+{base64.b64encode(ED25519 + public_key).decode()}"


def parse_verifier_key(text: str) -> tuple[str, bytes, bytes]:
    try:
        name, hex_id, encoded = text.strip().split("+", 2)
        raw = base64.b64decode(encoded, validate=True)
        identifier = bytes.fromhex(hex_id)
    except (ValueError, binascii.Error):
        raise CheckpointError("the log's verifier key is not <name>+<key id>+<base64 key>") from None
    if raw[:1] != ED25519 or len(raw) != 33 or key_id(name, raw[1:]) != identifier:
        raise CheckpointError("the log's verifier key is not a consistent Ed25519 note key")
    return name, identifier, raw[1:]


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    note: str


def body(origin: str, size: int, root: bytes) -> str:
    return f"{origin}\n{size}\n{base64.b64encode(root).decode()}\n"


def open_checkpoint(note: str, key: str) -> Checkpoint:
    """The checkpoint in ``note``, if the verifier key ``key`` signed it; CheckpointError otherwise."""
    name, identifier, public = parse_verifier_key(key)
    if not isinstance(note, str) or len(note.encode("utf-8", "replace")) > MAX_NOTE_BYTES:
        raise CheckpointError("a checkpoint is text of at most 16 KB")
    text, separator, signatures = note.partition("\n\n")
    if not separator:
        raise CheckpointError("the checkpoint has no signature block")
    text += "\n"
    lines = text.split("\n")
    if len(lines) < 4:
        raise CheckpointError("the checkpoint needs an origin, a size and a tree head")
    origin, size_text, root_text = lines[0], lines[1], lines[2]
    if not size_text.isdigit() or (size_text.startswith("0") and size_text != "0"):
        raise CheckpointError("the checkpoint's size is not a number")
    try:
        root = base64.b64decode(root_text, validate=True)
    except binascii.Error:
        raise CheckpointError("the checkpoint's tree head is not base64") from None
    if len(root) != 32:
        raise CheckpointError("the checkpoint's tree head is not 32 bytes")
    for line in signatures.split("\n"):
        if not line.startswith(SIGNATURE_DASH):
            continue
        signer, _, encoded = line[len(SIGNATURE_DASH) :].rpartition(" ")
        if signer != name:
            continue
        try:
            raw = base64.b64decode(encoded, validate=True)
        except binascii.Error:
            continue
        if raw[:4] != identifier:
            continue
        try:
            Ed25519PublicKey.from_public_bytes(public).verify(raw[4:], text.encode("utf-8"))
        except (InvalidSignature, ValueError):
            raise CheckpointError(f"the checkpoint's signature by {name} does not verify: it was altered") from None
        return Checkpoint(origin, int(size_text), root, note)
    raise CheckpointError(f"the checkpoint carries no signature by {name}")
