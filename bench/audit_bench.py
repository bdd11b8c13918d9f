"""The transparency log: leaves logged and hashed per second, the tree head and proofs, and the audit bundle's
export and offline verification, for a store of --events synthetic events (about 450 stored bytes each, like the
register's own)."""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--events", type=int, default=200_000, help="events in the store (default 200,000)")
    parser.add_argument("--proofs", type=int, default=1000, help="proofs to make and check (default 1000)")


def run(args: argparse.Namespace) -> dict[str, Any]:
    from eventsourcing.persistence import StoredEvent

    from ledger.app.ledger import Ledger
    from ledger.processes.transparency_log import TransparencyLog, leaf_line
    from ledger.settings import Settings
    from verifier.audit import verify_bundle
    from verifier.merkle import Tree, leaf_hash, verify_consistency, verify_inclusion

    rng = random.Random(1)
    figures: dict[str, Any] = {"events": args.events}
    with tempfile.TemporaryDirectory() as tmp:
        ledger = Ledger(
            Settings(
                database_url=f"sqlite:///{Path(tmp) / 'r.db'}",
                master_key="a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U=",
            )
        )
        started = time.perf_counter()
        for start in range(0, args.events, 10_000):
            batch = []
            for _ in range(min(10_000, args.events - start)):
                state = (
                    b'{"occurred_at":{"_type_":"datetime_iso","_data_":"2026-03-02T09:00:00+00:00"},'
                    b'"note":"' + os.urandom(160).hex().encode() + b'"}'
                )
                batch.append(
                    StoredEvent(
                        originator_id=uuid.UUID(int=rng.getrandbits(128), version=4),
                        originator_version=1,
                        topic="bench.audit_bench:Synthetic",
                        state=state,
                    )
                )
            ledger.recorder.insert_events(batch)
        figures["store_fill_seconds"] = round(time.perf_counter() - started, 1)
        log = TransparencyLog(ledger)

        # (a) the log catching up: read, make each leaf, hash it, record it
        started = time.perf_counter()
        log.catch_up()
        figures["a_log_leaves_per_s"] = round(args.events / (time.perf_counter() - started))
        # beside: SHA-256 alone over the same leaf lines
        sample = [leaf_line(i, n) for i, n in enumerate(ledger.recorder.select_notifications(start=None, limit=50_000))]
        started = time.perf_counter()
        for line in sample:
            leaf_hash(line)
        figures["raw_leaf_hashes_per_s"] = round(len(sample) / (time.perf_counter() - started))
        figures["leaf_line_bytes"] = round(sum(map(len, sample)) / len(sample))

        # (b) the tree head
        hashes = log.hashes()
        started = time.perf_counter()
        tree = Tree(hashes)
        root = tree.root()
        figures["b_tree_and_root_seconds"] = round(time.perf_counter() - started, 3)

        # (c) proofs
        indexes = [rng.randrange(tree.size) for _ in range(args.proofs)]
        started = time.perf_counter()
        proofs = [tree.inclusion_proof(i) for i in indexes]
        figures["c_inclusion_proof_us"] = round((time.perf_counter() - started) / args.proofs * 1e6, 1)
        started = time.perf_counter()
        for i, proof in zip(indexes, proofs, strict=True):
            verify_inclusion(hashes[i], i, tree.size, proof, root)
        figures["c_inclusion_verify_us"] = round((time.perf_counter() - started) / args.proofs * 1e6, 1)
        sizes = [rng.randrange(1, tree.size) for _ in range(args.proofs)]
        started = time.perf_counter()
        consistency = [tree.consistency_proof(m) for m in sizes]
        figures["c_consistency_proof_us"] = round((time.perf_counter() - started) / args.proofs * 1e6, 1)
        old_roots = [tree.root(m) for m in sizes]
        started = time.perf_counter()
        for m, proof, old in zip(sizes, consistency, old_roots, strict=True):
            verify_consistency(m, tree.size, old, root, proof)
        figures["c_consistency_verify_us"] = round((time.perf_counter() - started) / args.proofs * 1e6, 1)

        # (d) the bundle's export and (e) its verification
        bundle = Path(tmp) / "bundle"
        started = time.perf_counter()
        log.export(bundle)
        export_seconds = time.perf_counter() - started
        figures["d_export_events_per_s"] = round(args.events / export_seconds)
        figures["d_export_seconds"] = round(export_seconds, 1)
        figures["bundle_mb"] = round(sum(p.stat().st_size for p in bundle.rglob("*") if p.is_file()) / 2**20, 1)
        started = time.perf_counter()
        report = verify_bundle(bundle, key=(bundle / "log.pub").read_text().strip())
        verify_seconds = time.perf_counter() - started
        assert report.valid, report.problems[:3]
        figures["e_verify_events_per_s"] = round(args.events / verify_seconds)
        figures["e_verify_seconds"] = round(verify_seconds, 1)
        figures["root"] = root.hex()[:16] + "..."
        ledger.close()
    return figures
