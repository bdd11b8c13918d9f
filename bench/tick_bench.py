"""The daily tick: seconds to close one day of a register (reminders, overdue, lapses, suspensions ending, and the
audit sample when the day is 1 January). With --db it ticks the next unclosed day of that register (each run
closes one more day); otherwise it builds a register of --registrants first."""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

MASTER_KEY = "a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U="


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--registrants", type=int, default=2000, help="registrants to build (default 2000)")
    parser.add_argument("--db", type=Path, default=None, help="an existing register (SQLite file) to tick")
    parser.add_argument("--days", type=int, default=1, help="days to close, one after another (default 1)")
    parser.add_argument(
        "--until",
        type=date.fromisoformat,
        default=None,
        help="close every day up to this one (YYYY-MM-DD) instead of --days: e.g. the next 1 "
        "January, the day the PPD audit sample is drawn",
    )


def run(args: argparse.Namespace) -> dict[str, Any]:
    from ledger.app.ledger import Ledger
    from ledger.domain.clock import SettableClock
    from ledger.processes.tick import Ticker
    from ledger.read.projections.register import registrations
    from ledger.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or Path(tmp) / "register.db"
        if args.db is None:
            from ledger.ops.demo import run_demo
            from ledger.read.projections.runner import ProjectionRunner

            clock = SettableClock(date.today())
            builder = Ledger(
                Settings(database_url=f"sqlite:///{db}", master_key=MASTER_KEY),
                clock=clock,
                rng=random.Random(1),
                single_writer_cache=300_000,
            )
            run_demo(builder, clock, registrants=args.registrants, years=3, seed=1, tick=False)
            ProjectionRunner(builder).catch_up()
            builder.close()
        clock = SettableClock(date.today())
        ledger = Ledger(Settings(database_url=f"sqlite:///{db}", master_key=MASTER_KEY), clock=clock)
        ticker = Ticker(ledger)
        ticker.runner.catch_up()
        last = ticker.last_closed()
        first = (last + timedelta(days=1)) if last else date.today() + timedelta(days=1)
        from sqlalchemy import func, select

        with ledger.engine.connect() as conn:
            registered = conn.execute(
                select(func.count()).select_from(registrations).where(registrations.c.status == "registered")
            ).scalar()
        timings, results = [], []
        days = (args.until - first).days + 1 if args.until else args.days
        for i in range(days):
            started = time.perf_counter()
            results.append(ticker.run_day(first + timedelta(days=i)))
            timings.append(time.perf_counter() - started)
        ledger.close()
    return {
        "registered": registered,
        "days": days,
        "first_day": first.isoformat(),
        "seconds_per_day_max": round(max(timings), 2),
        "slowest_day": (first + timedelta(days=timings.index(max(timings)))).isoformat(),
        "seconds_per_day_mean": round(sum(timings) / len(timings), 2),
        "reminders": sum(r.reminders for r in results),
        "overdue": sum(r.overdue for r in results),
        "lapsed": sum(r.lapsed for r in results),
        "suspensions_ended": sum(r.suspensions_ended for r in results),
        "renewed": sum(r.renewed for r in results),
        "lapsed_after_audit": sum(r.ended_after_audit for r in results),
        "audit_selected": sum(len(r.audit_selected) for r in results),
        "audit_day_seconds": next((round(t, 2) for r, t in zip(results, timings, strict=True) if r.audit_seed), None),
    }
