"""Backup and restore (issue 9, part 5), refused: a truncated, corrupted or altered backup (even one resealed with
the master key), a backup made under another master key, and a backup of a store that no longer matches its
transparency log are each refused with a reason, and nothing is written."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
from pathlib import Path

import pytest

from tests.builders.backup import (
    open_ledger,
    run,
    source,
    sources_fixture,  # noqa: F401 - the sources fixture
)
from tests.conftest import MASTER_KEY

OTHER_KEY = base64.b64encode(b"o" * 32).decode()


def _lines(file: Path) -> list[bytes]:
    return gzip.decompress(file.read_bytes()).splitlines(keepends=True)


def _write(file: Path, lines: list[bytes]) -> None:
    file.write_bytes(gzip.compress(b"".join(lines)))


def _reseal(lines: list[bytes], master_key: str | None = None) -> list[bytes]:
    """Recompute the manifest's checksum (and, given the master key, its authentication code) over altered
    lines: what a careless tool, or someone holding the key, would do."""
    from ledger.ops.backup.format import _canonical, _mac

    manifest = json.loads(lines[-1])
    manifest["content_sha256"] = hashlib.sha256(b"".join(lines[:-1])).hexdigest()
    if master_key:
        manifest["mac"] = _mac(base64.b64decode(master_key), manifest["content_sha256"], manifest)
    return [*lines[:-1], _canonical(manifest) + b"\n"]


def _event_indexes(lines: list[bytes]) -> list[int]:
    return [i for i, line in enumerate(lines) if line.startswith(b'{"id":')]


def _altered_state(line: bytes) -> bytes:
    record = json.loads(line)
    state = bytearray(base64.b64decode(record["state"]))
    state[len(state) // 2] ^= 0x01
    record["state"] = base64.b64encode(bytes(state)).decode()
    return json.dumps(record, separators=(",", ":"), sort_keys=True).encode() + b"\n"


def tampered(kind: str, file: Path) -> None:
    lines = _lines(file)
    events = _event_indexes(lines)
    if kind == "cut short":
        data = file.read_bytes()
        file.write_bytes(data[: len(data) * 2 // 3])
    elif kind == "no manifest":
        _write(file, lines[:-1])
    elif kind == "event changed":
        lines[events[5]] = _altered_state(lines[events[5]])
        _write(file, lines)
    elif kind == "event changed, checksum recomputed":
        lines[events[5]] = _altered_state(lines[events[5]])
        _write(file, _reseal(lines))
    elif kind == "event removed, resealed with the key":
        del lines[events[7]]
        _write(file, _reseal(lines, MASTER_KEY))
    elif kind == "event changed, resealed with the key":
        lines[events[5]] = _altered_state(lines[events[5]])
        _write(file, _reseal(lines, MASTER_KEY))
    elif kind == "not gzip":
        file.write_bytes(b"PK\x03\x04 not a backup at all")
    elif kind == "line added after the manifest":
        _write(file, [*lines, lines[events[0]]])


TAMPERING = {
    "cut short": "is truncated: its compressed stream ends early",
    "no manifest": "is truncated: it ends before its manifest",
    "event changed": "contents do not match the checksum",
    "event changed, checksum recomputed": "authentication code of this master key",
    "event removed, resealed with the key": "out of order or missing its predecessor",
    "event changed, resealed with the key": "another transparency-log root",
    "not gzip": "corrupted or not a regledger backup",
    "line added after the manifest": "lines after its manifest",
}


@pytest.mark.parametrize("kind", list(TAMPERING))
def test_a_damaged_or_altered_backup_is_refused_and_nothing_is_written(
    kind, sources, tmp_path_factory, tmp_path, request
):
    _, original, _ = source("sqlite", sources, tmp_path_factory, request)
    file = tmp_path / "damaged.backup.gz"
    file.write_bytes(original.read_bytes())
    tampered(kind, file)
    restored_db = tmp_path / "restored.db"
    result = run(["restore", str(file), "--erasures", "none"], f"sqlite:///{restored_db}")
    assert result.exit_code == 1
    assert TAMPERING[kind] in result.output and "Nothing was restored" in result.output, result.output
    assert not restored_db.exists()  # not even an empty database was made
    checked = run(["restore", str(file), "--check"], f"sqlite:///{restored_db}")
    assert checked.exit_code == 1 and TAMPERING[kind] in checked.output


def test_another_master_key_is_refused(sources, tmp_path_factory, tmp_path, request):
    _, file, _ = source("sqlite", sources, tmp_path_factory, request)
    result = run(["restore", str(file), "--erasures", "none"], f"sqlite:///{tmp_path / 'r.db'}", master_key=OTHER_KEY)
    assert result.exit_code == 1 and "made under another master key" in result.output
    assert not (tmp_path / "r.db").exists()


def test_a_backup_of_a_store_that_no_longer_matches_its_log_is_refused(tmp_path):
    from sqlalchemy import text

    url = f"sqlite:///{tmp_path / 'r.db'}"
    assert run(["demo", "--registrants", "5", "--years", "1", "--quiet"], url).exit_code == 0
    assert run(["audit", "checkpoint"], url).exit_code == 0
    ledger = open_ledger(url)
    with ledger.engine.begin() as conn:  # someone rewrites a stored event behind the log's back
        conn.execute(text("UPDATE stored_events SET state = x'00' WHERE rowid = 3"))
    ledger.close()
    result = run(["backup", str(tmp_path / "b.gz")], url)
    assert result.exit_code == 1 and "log index 2 no longer matches" in result.output
    assert not (tmp_path / "b.gz").exists() and not list(tmp_path.glob("b.gz.partial*"))
