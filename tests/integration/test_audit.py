"""The transparency log and the audit bundle: a bundle of an untouched register is consistent; flipping one byte
of a stored event, deleting one, swapping two or inserting one is found by `regverify audit`, which names the
event; erasing a registrant keeps the bundle consistent; an altered or foreign checkpoint is named."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import text

from ledger.processes.transparency_log import TransparencyLog
from tests.builders.records import awarded, enrol
from verifier.audit import verify_bundle
from verifier.cli import main


@pytest.fixture
def logged(ledger, tmp_path):
    """A small register with its log caught up and checkpointed, and a fresh bundle."""
    for i in range(3):
        awarded(ledger, f"Person {i}")
    log = TransparencyLog(ledger)
    log.checkpoint()
    return ledger, log


def export(log, tmp_path, name="bundle"):
    folder = tmp_path / name
    if folder.exists():
        shutil.rmtree(folder)
    log.export(folder)
    return folder


def stored(ledger):
    """Raw access to the stored events: (table, notification id column) for this store."""
    if ledger.settings.is_sqlite:
        return "stored_events", "rowid"
    return "regledger_events", "notification_id"


def test_an_untouched_register_is_consistent(logged, tmp_path, capsys):
    ledger, log = logged
    folder = export(log, tmp_path)
    report = verify_bundle(folder)
    assert report.valid, report.problems
    assert report.events == report.leaves > 20 and report.checkpoints[-1].size == report.leaves
    assert main(["audit", str(folder)]) == 0
    assert capsys.readouterr().out.startswith("Consistent:")


def _tamper(ledger, sql, **params):
    with ledger.engine.begin() as conn:
        conn.execute(text(sql), params)


def test_a_flipped_byte_is_named(logged, tmp_path):
    ledger, log = logged
    table, column = stored(ledger)
    victim = 7
    with ledger.engine.connect() as conn:
        state = bytes(conn.execute(text(f"SELECT state FROM {table} WHERE {column} = :n"), {"n": victim}).scalar())
    flipped = state[:5] + bytes([state[5] ^ 1]) + state[6:]
    _tamper(ledger, f"UPDATE {table} SET state = :s WHERE {column} = :n", s=flipped, n=victim)
    report = verify_bundle(export(log, tmp_path))
    assert not report.valid
    assert report.problems == [next(p for p in report.problems if f"notification {victim} " in p)]
    assert "was changed after it was recorded" in report.problems[0]


def test_a_deleted_event_is_named(logged, tmp_path):
    ledger, log = logged
    table, column = stored(ledger)
    _tamper(ledger, f"DELETE FROM {table} WHERE {column} = :n", n=5)
    report = verify_bundle(export(log, tmp_path))
    assert any("notification 5 " in p and "removed" in p for p in report.problems), report.problems


def test_two_swapped_events_are_named(logged, tmp_path):
    ledger, log = logged
    table, column = stored(ledger)
    with ledger.engine.connect() as conn:
        a, b = (
            bytes(conn.execute(text(f"SELECT state FROM {table} WHERE {column} = :n"), {"n": n}).scalar())
            for n in (3, 4)
        )
        topics = [
            conn.execute(text(f"SELECT topic FROM {table} WHERE {column} = :n"), {"n": n}).scalar() for n in (3, 4)
        ]
    assert a != b
    _tamper(ledger, f"UPDATE {table} SET state = :s, topic = :t WHERE {column} = 3", s=b, t=topics[1])
    _tamper(ledger, f"UPDATE {table} SET state = :s, topic = :t WHERE {column} = 4", s=a, t=topics[0])
    report = verify_bundle(export(log, tmp_path))
    named = [p for p in report.problems if "swapped" in p or "changed" in p]
    assert any("notification 3 " in p for p in named) and any("notification 4 " in p for p in named), report.problems


def test_an_inserted_event_is_named(logged, tmp_path):
    ledger, log = logged
    folder = export(log, tmp_path)
    lines = (folder / "events.jsonl").read_bytes().splitlines()
    forged = lines[2].replace(b'"v":', b'"v":9', 1)
    import json

    record = json.loads(forged)
    record["n"] = json.loads(lines[2])["n"] + 1000
    record["idx"] = 2
    lines.insert(3, json.dumps(record, separators=(",", ":"), sort_keys=True).encode())
    (folder / "events.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    report = verify_bundle(folder)
    assert any("inserted after the fact" in p or "out of order" in p for p in report.problems), report.problems


def test_an_altered_checkpoint_or_leaf_is_named(logged, tmp_path):
    ledger, log = logged
    folder = export(log, tmp_path)
    note_path = sorted((folder / "checkpoints").glob("*.txt"))[-1]
    note = note_path.read_text()
    lines = note.split("\n")
    lines[1] = str(int(lines[1]) - 1)
    note_path.write_text("\n".join(lines))
    report = verify_bundle(folder)
    assert any(note_path.name in p and "does not verify" in p for p in report.problems), report.problems
    folder = export(log, tmp_path, "again")
    leaves = (folder / "leaves.txt").read_text().splitlines()
    index, notification, value = leaves[4].split()
    leaves[4] = f"{index} {notification} {'0' * 64}"
    (folder / "leaves.txt").write_text("\n".join(leaves) + "\n")
    report = verify_bundle(folder)
    assert any("does not match the recorded leaves" in p for p in report.problems), report.problems


def test_a_bundle_signed_by_another_log_key_is_refused(logged, tmp_path):
    ledger, log = logged
    folder = export(log, tmp_path)
    from verifier.checkpoint import verifier_key

    other = verifier_key("someone-else", bytes(32))
    report = verify_bundle(folder, key=other)
    assert not report.valid and all(
        "no signature by someone-else" in p or "no checkpoint" in p for p in report.problems
    )


def test_erasure_keeps_the_bundle_consistent(logged, tmp_path):
    ledger, log = logged
    someone = enrol(ledger, "Erin Erased")
    kept = log.checkpoint()
    ledger.erase(someone, "registrar")
    folder = export(log, tmp_path)
    report = verify_bundle(folder, kept=kept)
    assert report.valid, report.problems


def test_a_kept_checkpoint_catches_a_rewritten_history(logged, tmp_path):
    ledger, log = logged
    kept = log.checkpoint()
    from ledger.processes.transparency_log import log_checkpoints, log_leaves

    with ledger.engine.begin() as conn:  # an operator rewrites the log itself, and all its checkpoints
        conn.execute(log_leaves.update().where(log_leaves.c.idx == 2).values(hash=b"\x00" * 32))
        conn.execute(log_checkpoints.delete())
    report = verify_bundle(export(log, tmp_path), kept=kept)
    assert any("not consistent with the checkpoint you kept" in p for p in report.problems), report.problems


def test_replay_of_the_bundle_equals_the_live_register(ledger, clock, tmp_path):
    """On SQLite and on PostgreSQL: the live register's digest, and the digest of a fresh SQLite database rebuilt
    from the bundle's events alone (no master key: no personal data), are the same."""
    import random

    from ledger.ops.demo import run_demo
    from ledger.read.projections.runner import ProjectionRunner
    from ledger.read.replay import register_digest, replay_bundle

    ledger.rng = random.Random(4)
    run_demo(ledger, clock, registrants=60, years=2, seed=4, tick=False)
    ProjectionRunner(ledger).catch_up()
    with ledger.engine.connect() as conn:
        live, registrations = register_digest(conn)
    assert registrations > 20
    folder = export(TransparencyLog(ledger), tmp_path)
    assert verify_bundle(folder).valid
    replayed = replay_bundle(folder, tmp_path / "replay.db")
    assert (replayed["digest"], replayed["registrations"]) == (live, registrations)
    from verifier.register import derive_register
    from verifier.register import register_digest as derived_digest

    derived = derive_register(folder)  # the verifier package alone, from the events
    assert (derived_digest(derived), len(derived)) == (live, registrations)
    assert replayed["events"] == verify_bundle(folder).events
    # a changed event changes what the replay produces, so the register shown would not match the history
    import base64
    import json

    lines = (folder / "events.jsonl").read_text().splitlines()
    for i, line in enumerate(lines):
        record = json.loads(line)
        state = base64.b64decode(record["state"])
        if record["topic"].endswith("Registration.LevelAwarded") and b'"level":"RCT"' in state:
            record["state"] = base64.b64encode(state.replace(b'"level":"RCT"', b'"level":"ACP"')).decode()
            lines[i] = json.dumps(record, separators=(",", ":"), sort_keys=True)
            break
    else:
        pytest.fail("the demo awarded no RCT")
    (folder / "events.jsonl").write_text("\n".join(lines) + "\n")
    other = replay_bundle(folder, tmp_path / "replay-2.db")
    assert other["digest"] != live
    report = verify_bundle(folder)
    assert not report.valid and any("was changed after it was recorded" in p for p in report.problems)


def test_a_credentials_provenance_proves_its_award_is_in_the_log(ledger, tmp_path):
    from fastapi.testclient import TestClient

    from ledger.api.main import create_app
    from verifier.checkpoint import open_checkpoint
    from verifier.merkle import leaf_hash, verify_inclusion

    _, number = awarded(ledger, "Proven Pat")
    with TestClient(create_app(ledger, worker="followers")) as client:
        facts = client.get(f"/r/{number}/provenance.json").json()
    checkpoint = open_checkpoint(facts["checkpoint"], facts["log_key"])
    assert facts["event"]["kind"] == "award" and checkpoint.size == facts["tree_size"] > facts["log_index"]
    verify_inclusion(
        bytes.fromhex(facts["leaf_hash"]),
        facts["log_index"],
        checkpoint.size,
        [bytes.fromhex(p) for p in facts["inclusion_proof"]],
        checkpoint.root,
    )
    # and the leaf is the award event as stored
    log = TransparencyLog(ledger)
    line = next(line for index, line in log.events() if index == facts["log_index"])
    assert leaf_hash(line) == bytes.fromhex(facts["leaf_hash"])
    assert b"Registration.LevelAwarded" in line
