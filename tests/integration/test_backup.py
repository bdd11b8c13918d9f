"""Backup and restore (issue 9, part 5): a register backed up and restored, on SQLite and PostgreSQL and from one
to the other, has the same events under the same notification ids, the same transparency-log root, the same
register digest, and still opens its sealed data, signs with its keys and signs in its accounts; a truncated,
corrupted or altered backup is refused with nothing written; so is a register that already holds something."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from ledger.cli.main import app
from ledger.settings import Settings
from tests.conftest import ADMIN_URL, MASTER_KEY, _reset_postgres, unavailable

OTHER_KEY = base64.b64encode(b"o" * 32).decode()
PASSWORD = "a long enough password"


def run(args: list[str], database_url: str, master_key: str = MASTER_KEY) -> Any:
    return CliRunner().invoke(
        app, args, env={"REGLEDGER_DATABASE_URL": database_url, "REGLEDGER_MASTER_KEY": master_key}
    )


def _ledger(url: str) -> Any:
    from ledger.app.ledger import Ledger

    return Ledger(Settings(database_url=url, master_key=MASTER_KEY))


def snapshot(url: str) -> dict[str, Any]:
    """Everything a restore must give back, read from a register."""
    from ledger.app.accounts import Accounts, accounts
    from ledger.app.vault import vault_keys
    from ledger.processes.keyring import Keyring
    from ledger.processes.transparency_log import TransparencyLog
    from ledger.read.projections.runner import ProjectionRunner
    from ledger.read.replay import register_digest

    ledger = _ledger(url)
    try:
        ProjectionRunner(ledger).catch_up()
        log = TransparencyLog(ledger)
        log.catch_up()
        events = [line for _, line in log.events()]
        with ledger.engine.connect() as conn:
            digest = register_digest(conn)
            keys = {
                row.owner: (bytes(row.wrapped) if row.wrapped else None) for row in conn.execute(select(vault_keys))
            }
            emails = sorted(conn.execute(select(accounts.c.email)).scalars())
        keyring = Keyring(ledger)
        issuer = keyring.active("issuer")
        signed_in = Accounts(ledger.engine).authenticate("registrar@example.org", PASSWORD)
        return {
            "events": events,
            "root": log.tree().root().hex(),
            "digest": digest,
            "checkpoints": log.checkpoints(),
            "vault_keys": keys,
            "accounts": emails,
            "signed_in": signed_in.role if signed_in else None,
            "issuer_kid": issuer.kid,  # its private half opened under the master key, and it is the same key
            "issuer_key_opens": issuer.signing_key.kid == issuer.kid,
            "max_notification_id": ledger.recorder.max_notification_id(),
        }
    finally:
        ledger.close()


def build_source(url: str, *, gap: bool) -> dict[str, Any]:
    """A small demo register with everything a backup must keep: events (an erasure among them), issued
    credentials, a signed checkpoint, an account and an idempotent request's receipt; on PostgreSQL, a gap in the
    notification ids (a save that lost a race burns sequence numbers)."""
    result = run(["demo", "--registrants", "30", "--years", "2", "--seed", "5", "--json"], url)
    assert result.exit_code == 0, result.output
    from eventsourcing.persistence import IntegrityError

    from ledger.app.accounts import Accounts
    from ledger.processes.transparency_log import TransparencyLog

    ledger = _ledger(url)
    try:
        if gap:
            [first] = ledger.recorder.select_notifications(start=1, limit=1)
            from ledger.read.replay import stored_event

            duplicate = stored_event(
                {
                    "id": str(first.originator_id),
                    "v": first.originator_version,
                    "topic": first.topic,
                    "state": base64.b64encode(first.state).decode(),
                }
            )
            for _ in range(2):
                with pytest.raises(IntegrityError):
                    ledger.recorder.insert_events([duplicate])
        TransparencyLog(ledger).checkpoint()  # makes the log key (events after the gap), then signs
        Accounts(ledger.engine).add("registrar@example.org", PASSWORD, "registrar")
        assert ledger.once("acct:retry-1", "0" * 64, lambda: {"ok": True}) == ({"ok": True}, True)
    finally:
        ledger.close()
    return snapshot(url)


@pytest.fixture(scope="module")
def other_postgres() -> Iterator[str]:
    """A second database of this module's own on the PostgreSQL server (PostgreSQL to PostgreSQL needs two)."""
    try:
        import psycopg

        admin = psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=3)
    except Exception as error:  # noqa: BLE001
        unavailable("postgres", f"no PostgreSQL server at {ADMIN_URL}: {error}".strip())
    name = f"regledger_backup_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return {}  # built on first use, one per kind of database


def source(
    kind: str, sources: dict[str, Any], tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> tuple[dict[str, Any], Path, dict[str, Any]]:
    """(the source's snapshot, its backup file, the backup's figures), built once per kind; the source's URL is
    kept as ``sources["url-KIND"]``."""
    if kind not in sources:
        folder = tmp_path_factory.mktemp(f"source-{kind}")
        url = f"sqlite:///{folder / 'source.db'}" if kind == "sqlite" else request.getfixturevalue("other_postgres")
        before = build_source(url, gap=kind == "postgres")
        file = folder / "register.backup.gz"
        made = run(["backup", str(file), "--json"], url)
        assert made.exit_code == 0, made.output
        figures = json.loads(made.stdout)
        assert snapshot(url)["events"] == before["events"]  # a backup changes nothing in the register
        sources[kind] = (before, file, figures)
        sources[f"url-{kind}"] = url
    return sources[kind]


def target(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / 'restored.db'}"
    url = request.getfixturevalue("postgres_server")
    _reset_postgres(url)
    return url


ROUTES = [
    ("sqlite", "sqlite"),
    pytest.param("postgres", "postgres", marks=pytest.mark.postgres),
    pytest.param("sqlite", "postgres", marks=pytest.mark.postgres),
    pytest.param("postgres", "sqlite", marks=pytest.mark.postgres),
]


@pytest.mark.parametrize(("from_kind", "to_kind"), ROUTES)
def test_round_trip_gives_the_same_log_root_and_register_digest(
    from_kind, to_kind, sources, tmp_path_factory, tmp_path, request
):
    before, file, figures = source(from_kind, sources, tmp_path_factory, request)
    assert figures["events"] == len(before["events"]) and figures["log_root"] == before["root"]
    assert figures["register_digest"] == before["digest"][0]
    assert figures["tables"]["vault_keys"] > 30 and figures["tables"]["accounts"] == 1
    assert figures["tables"]["log_checkpoints"] == 1
    if from_kind == "postgres":  # the source has a gap in its notification ids, which the restore keeps
        assert before["max_notification_id"] > len(before["events"])

    url = target(to_kind, tmp_path, request)
    restored = run(["restore", str(file), "--erasures", "none", "--json"], url)
    assert restored.exit_code == 0, restored.output
    result = json.loads(restored.stdout)
    assert result["log_root"] == before["root"] and result["register_digest"] == before["digest"][0]

    after = snapshot(url)
    assert after["events"] == before["events"]  # every leaf line: index, notification id, id, version, bytes
    assert after["root"] == before["root"] and after["digest"] == before["digest"]
    assert after["checkpoints"] == before["checkpoints"] and after["vault_keys"] == before["vault_keys"]
    assert after["accounts"] == before["accounts"] and after["signed_in"] == "registrar"
    assert after["issuer_kid"] == before["issuer_kid"] and after["issuer_key_opens"]
    assert after["max_notification_id"] == before["max_notification_id"]

    # the sealed names open (same master key), the register reads the same, the issuer owes nothing new
    listing = run(["register", "--json", "--limit", "1000"], url)
    assert listing.exit_code == 0 and "Aisha Patel" in listing.stdout
    assert None in after["vault_keys"].values()  # the demo's erasure stays an erasure
    assert json.loads(listing.stdout) == sources.setdefault(f"listing-{from_kind}", json.loads(listing.stdout))
    issued = run(["issue", "--json"], url)
    assert issued.exit_code == 0, issued.output
    assert json.loads(issued.stdout)["issued"] == 0
    digest = run(["register", "--digest"], url)
    assert digest.stdout.strip() == before["digest"][0]
    ledger = _ledger(url)  # a retried request finds its first answer in the restored register
    try:
        assert ledger.once("acct:retry-1", "0" * 64, lambda: pytest.fail("acted twice")) == ({"ok": True}, False)
    finally:
        ledger.close()


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


def test_restore_into_a_register_that_holds_something_is_refused_unless_replaced(
    database_url, sources, tmp_path_factory, request
):
    before, file, _ = source("sqlite", sources, tmp_path_factory, request)
    assert run(["demo", "--registrants", "5", "--years", "1", "--seed", "2", "--quiet"], database_url).exit_code == 0
    held = snapshot(database_url)

    refused = run(["restore", str(file), "--erasures", "none"], database_url)
    assert refused.exit_code == 1 and "is not empty" in refused.output and "--replace" in refused.output
    assert snapshot(database_url)["events"] == held["events"]  # untouched

    replaced = run(["restore", str(file), "--replace", "--erasures", "none", "--json"], database_url)
    assert replaced.exit_code == 0, replaced.output
    assert json.loads(replaced.stdout)["replaced"] is True
    after = snapshot(database_url)
    assert after["events"] == before["events"] and after["root"] == before["root"]
    assert after["digest"] == before["digest"] and after["accounts"] == before["accounts"]

    again = run(["restore", str(file), "--erasures", "none"], database_url)
    assert again.exit_code == 1 and "is not empty" in again.output


def test_check_reads_the_manifest_and_writes_nothing(sources, tmp_path_factory, tmp_path, request):
    before, file, _ = source("sqlite", sources, tmp_path_factory, request)
    result = run(["restore", str(file), "--check", "--json"], f"sqlite:///{tmp_path / 'r.db'}")
    assert result.exit_code == 0, result.output
    manifest = json.loads(result.stdout)
    assert manifest["events"] == len(before["events"]) and manifest["log"]["root"] == before["root"]
    assert manifest["register"]["digest"] == before["digest"][0]
    assert not (tmp_path / "r.db").exists()
    assert MASTER_KEY.encode() not in gzip.decompress(file.read_bytes())


def test_backup_refuses_to_overwrite_and_says_the_master_key_is_not_in_it(sources, tmp_path_factory, request):
    _, file, _ = source("sqlite", sources, tmp_path_factory, request)
    url = sources["url-sqlite"]
    again = run(["backup", str(file)], url)
    assert again.exit_code == 1 and "exists" in again.output
    for command in ("backup", "restore"):
        text = " ".join(run([command, "--help"], url).output.split())
        assert "master key is not in the backup" in text and "same master key" in text


def test_a_backup_of_a_store_that_no_longer_matches_its_log_is_refused(tmp_path):
    from sqlalchemy import text

    url = f"sqlite:///{tmp_path / 'r.db'}"
    assert run(["demo", "--registrants", "5", "--years", "1", "--quiet"], url).exit_code == 0
    assert run(["audit", "checkpoint"], url).exit_code == 0
    ledger = _ledger(url)
    with ledger.engine.begin() as conn:  # someone rewrites a stored event behind the log's back
        conn.execute(text("UPDATE stored_events SET state = x'00' WHERE rowid = 3"))
    ledger.close()
    result = run(["backup", str(tmp_path / "b.gz")], url)
    assert result.exit_code == 1 and "log index 2 no longer matches" in result.output
    assert not (tmp_path / "b.gz").exists() and not list(tmp_path.glob("b.gz.partial*"))


def test_running_head_is_the_tree_head():
    from ledger.ops.backup import RunningHead
    from verifier.merkle import Tree, leaf_hash

    leaves = [leaf_hash(str(i).encode()) for i in range(70)]
    head = RunningHead()
    assert head.root() == Tree([]).root()
    for size in range(1, 71):
        head.add(leaves[size - 1])
        assert head.root() == Tree(leaves[:size]).root()


def test_every_table_is_either_kept_by_a_backup_or_rebuilt_on_restore():
    """A new table must be put on one side: state a backup keeps (ledger.ops.backup.STATE_TABLES) or a read model the
    projection runner rebuilds. Otherwise a restore would silently lose it."""
    import importlib

    from ledger.app.db import TABLE_MODULES, metadata
    from ledger.ops.backup import STATE_TABLES, WORKER_TABLES
    from ledger.processes.transparency_log import log_leaves
    from ledger.read.projections import ALL_PROJECTIONS
    from ledger.read.projections.base import projection_positions

    for module in TABLE_MODULES:
        importlib.import_module(module)
    rebuilt = {table.name for projection in ALL_PROJECTIONS for table in projection.tables}
    derived = {
        log_leaves.name,
        projection_positions.name,  # from the events; followers' positions are kept
        *(table.name for table in WORKER_TABLES),
    }  # found again, published again, or transient
    kept = {table.name for table in STATE_TABLES}
    assert not kept & rebuilt
    assert set(metadata.tables) - kept - rebuilt - derived == set()


@pytest.mark.postgres
def test_restore_keeps_notification_ids_when_the_target_sequence_has_moved_on(sources, tmp_path_factory, request):
    """An emptied PostgreSQL table's sequence does not start again at 1: the restore sets it."""
    from sqlalchemy import text

    before, file, _ = source("sqlite", sources, tmp_path_factory, request)
    url = target("postgres", Path("."), request)
    ledger = _ledger(url)
    with ledger.engine.begin() as conn:
        conn.execute(text("SELECT setval(pg_get_serial_sequence('regledger_events', 'notification_id'), 500)"))
    ledger.close()
    assert run(["restore", str(file), "--erasures", "none"], url).exit_code == 0
    after = snapshot(url)
    assert after["events"] == before["events"] and after["root"] == before["root"]
