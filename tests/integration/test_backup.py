"""Backup and restore (issue 9, part 5): a register backed up and restored, on SQLite and PostgreSQL and from one
to the other, has the same events under the same notification ids, the same transparency-log root, the same
register digest, and still opens its sealed data, signs with its keys and signs in its accounts; a register that
already holds something is refused unless replaced; ``--check`` writes nothing; every table is kept by a backup or
rebuilt on restore. A truncated, corrupted or altered backup is refused with nothing written:
test_backup_tampering.py. The source registers and snapshots are built by tests/builders/backup.py."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from tests.builders.backup import (
    open_ledger,
    other_postgres_fixture,  # noqa: F401 - the other_postgres fixture
    run,
    snapshot,
    source,
    sources_fixture,  # noqa: F401 - the sources fixture
    target,
)
from tests.conftest import MASTER_KEY

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
    ledger = open_ledger(url)  # a retried request finds its first answer in the restored register
    try:
        assert ledger.once("acct:retry-1", "0" * 64, lambda: pytest.fail("acted twice")) == ({"ok": True}, False)
    finally:
        ledger.close()


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
    ledger = open_ledger(url)
    with ledger.engine.begin() as conn:
        conn.execute(text("SELECT setval(pg_get_serial_sequence('regledger_events', 'notification_id'), 500)"))
    ledger.close()
    assert run(["restore", str(file), "--erasures", "none"], url).exit_code == 0
    after = snapshot(url)
    assert after["events"] == before["events"] and after["root"] == before["root"]
