"""Ledger throughput on SQLite: (a) a demo-style import through the Ledger's commands beside (b) the eventsourcing
library's raw batch save of the same events; (c) a full rebuild of the read models beside (d) the library's raw
read-and-decode of all events; the ratios a/b and c/d, and peak memory."""

from __future__ import annotations

import argparse
import random
import resource
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

RAW_BATCH = 2000
DEMO_CACHE = 300_000  # aggregates kept in memory by the single-writer demo import


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--registrants", type=int, default=3000, help="people in the simulated body (default 3000)")
    parser.add_argument("--years", type=int, default=3, help="years simulated (default 3)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dir", default=None, help="where to put the databases (default: a temporary directory)")


def decoded_chunks(ledger: Any) -> Any:
    """Every stored event, read and decoded by the library, a chunk at a time (never all in memory)."""
    position = 0
    while True:
        batch = ledger.recorder.select_notifications(start=position, limit=RAW_BATCH, inclusive_of_start=False)
        if not batch:
            return
        yield [ledger.mapper.to_domain_event(n) for n in batch]
        position = batch[-1].id


def read_decode_rate(ledger: Any) -> tuple[int, float]:
    """(d) the library's raw read-and-decode of every stored event: (events, events/s)."""
    started = time.perf_counter()
    count = sum(len(chunk) for chunk in decoded_chunks(ledger))
    return count, count / (time.perf_counter() - started)


def rebuild_rate(ledger: Any) -> tuple[int, float]:
    """(c) a full rebuild of every read model (``ProjectionRunner.rebuild``): (events, events/s)."""
    from ledger.read.projections.runner import ProjectionRunner

    runner = ProjectionRunner(ledger)
    started = time.perf_counter()
    rebuilt = runner.rebuild()
    return rebuilt, rebuilt / (time.perf_counter() - started)


def run(args: argparse.Namespace) -> dict[str, Any]:
    from eventsourcing.application import Application

    from ledger.app.db import event_store_env
    from ledger.app.ledger import Ledger
    from ledger.app.transcodings import register_transcodings
    from ledger.domain.clock import SettableClock
    from ledger.ops.demo import run_demo
    from ledger.settings import Settings

    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        base = Path(tmp)
        settings = Settings(
            database_url=f"sqlite:///{base / 'ledger.app.db'}",
            master_key="a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U=",
        )
        clock = SettableClock(date.today())
        ledger = Ledger(settings, clock=clock, rng=random.Random(args.seed), single_writer_cache=DEMO_CACHE)

        # (a) import through the Ledger: the ledger alone (no credentials, no tick), as imported in bulk
        result = run_demo(
            ledger,
            clock,
            registrants=args.registrants,
            years=args.years,
            seed=args.seed,
            issue_credentials=False,
            tick=False,
        )
        events = result.events
        import_rate = events / result.seconds

        import_peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        ledger.repository.cache = None  # the import's aggregate cache is done with

        # (d) the library's raw read-and-decode of every event, then (c) a full rebuild of every read model
        count, read_decode = read_decode_rate(ledger)
        _, rebuild = rebuild_rate(ledger)
        db_bytes = sum(p.stat().st_size for p in base.glob("ledger.app.db*"))
        ledger.close()

        # (b) the library's raw batch save of the same events into a fresh store
        class Raw(Application):
            def register_transcodings(self, transcoder: Any) -> None:
                super().register_transcodings(transcoder)
                register_transcodings(transcoder)

        source = Ledger(settings, clock=clock)
        raw = Raw(env=event_store_env(f"sqlite:///{base / 'raw.db'}"))
        saving = 0.0
        for chunk in decoded_chunks(source):  # decoding is not timed here: only the save
            started = time.perf_counter()
            raw.save(*chunk)
            saving += time.perf_counter() - started
        raw_save_rate = count / saving
        raw.close()
        source.close()

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "registrants": args.registrants,
        "years": args.years,
        "events": events,
        "commands": result.commands,
        "refused_commands": result.refused,
        "refusals": result.refusals[:5],
        "a_ledger_import_events_per_s": round(import_rate),
        "b_raw_batch_save_events_per_s": round(raw_save_rate),
        "ratio_a_over_b": round(import_rate / raw_save_rate, 3),
        "c_rebuild_events_per_s": round(rebuild),
        "d_raw_read_decode_events_per_s": round(read_decode),
        "ratio_c_over_d": round(rebuild / read_decode, 3),
        "import_seconds": round(result.seconds, 2),
        "database_mb": round(db_bytes / 2**20, 1),
        "import_peak_memory_mb": round(import_peak_mb, 1),
        "peak_memory_mb": round(peak_mb, 1),
    }
