"""The root keys ``regverify`` has pinned, one per register: a folder for each issuer under the cache directory
(``~/.cache/regverify/registers/<issuer>-<hash>/``, holding ``root.json``, ``sequence`` and ``issuer``), so that
checking a second register's credentials on the same machine never meets the first register's root key or bundle
number.

Which folder a bundle belongs to is read from the issuer it claims, before it is checked: that only chooses which
pinned key to check it against. A bundle claiming a register whose root is pinned must be signed by that root; one
claiming a register with nothing pinned is refused unless a root is given or trust on first use is asked for.
Earlier versions kept one ``root.json`` for every register directly in the cache directory: it is moved to its
register's folder the first time a bundle signed by it is checked."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from verifier.jose import Malformed, split, thumbprint

REGISTERS = "registers"


@dataclass(frozen=True)
class Pin:
    issuer: str
    folder: Path
    root_kid: str | None
    sequence: int | None

    @property
    def root_file(self) -> Path:
        return self.folder / "root.json"


def claimed(bundle: str) -> tuple[str | None, str | None]:
    """The issuer a trust bundle claims and the key id it says signed it, read without checking anything (None
    where the bundle does not say, or is not a bundle at all)."""
    try:
        jws = split(bundle.strip(), 1024 * 1024)
    except Malformed:
        return None, None
    issuer, kid = jws.payload.get("iss"), jws.header.get("kid")
    return (issuer if isinstance(issuer, str) and issuer else None), (kid if isinstance(kid, str) else None)


def folder_for(base: Path, issuer: str) -> Path:
    """The register's own folder under the cache: readable (the issuer's host and port) and unique (a hash)."""
    readable = re.sub(r"^[a-z]+://", "", issuer.lower())
    readable = re.sub(r"[^a-z0-9.-]+", "_", readable).strip("_.")[:60] or "issuer"
    return base / REGISTERS / f"{readable}-{hashlib.sha256(issuer.encode()).hexdigest()[:10]}"


def prepare(base: Path, issuer: str, signed_by: str | None) -> tuple[Path, str | None]:
    """The register's folder, with the one root key an earlier version pinned for every register moved into it if
    that key signed this bundle. Returns the folder and what was moved, said in words (or None)."""
    folder = folder_for(base, issuer)
    legacy = base / "root.json"
    if (folder / "root.json").exists() or not legacy.is_file() or signed_by is None:
        return folder, None
    try:
        if thumbprint(json.loads(legacy.read_text())) != signed_by:
            return folder, None
    except (OSError, ValueError, Malformed):
        return folder, None
    folder.mkdir(parents=True, exist_ok=True)
    if (base / "sequence").is_file():
        shutil.move(base / "sequence", folder / "sequence")
    shutil.move(legacy, folder / "root.json")
    _write(folder / "issuer", issuer)
    return folder, (
        f"moved the root key {signed_by}, pinned by an earlier regverify in {legacy}, to {folder / 'root.json'} "
        f"(root keys are pinned per register now)"
    )


def record_issuer(folder: Path, issuer: str | None) -> None:
    if issuer and folder.is_dir() and not (folder / "issuer").exists():
        _write(folder / "issuer", issuer)


def replace_root(folder: Path, root: dict[str, Any]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    _write(folder / "root.json", json.dumps(root))


def pinned_kid(folder: Path) -> str | None:
    try:
        return thumbprint(json.loads((folder / "root.json").read_text()))
    except (OSError, ValueError, Malformed):
        return None


def pins(base: Path) -> list[Pin]:
    """Every register pinned under the cache directory, by issuer."""
    found = []
    for folder in sorted((base / REGISTERS).glob("*")) if (base / REGISTERS).is_dir() else []:
        if not (folder / "root.json").is_file():
            continue
        try:
            issuer = (folder / "issuer").read_text().strip()
        except OSError:
            issuer = folder.name
        try:
            sequence: int | None = int((folder / "sequence").read_text().strip())
        except (OSError, ValueError):
            sequence = None
        found.append(Pin(issuer, folder, pinned_kid(folder), sequence))
    return found


def forget(base: Path, issuer: str) -> Path | None:
    """Unpin a register (its root key and newest bundle number); the folder removed, or None if none was pinned."""
    folder = folder_for(base, issuer)
    if not folder.is_dir():
        return None
    shutil.rmtree(folder)
    return folder


def _write(path: Path, text: str) -> None:
    temporary = path.with_suffix(".tmp")
    temporary.write_text(text)
    os.replace(temporary, path)
