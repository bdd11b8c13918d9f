"""The web service under load, from a second process on loopback: register search and registrant-page latency (p50,
p99) and throughput, and /credentials/verify throughput, each beside a bare endpoint of the same server (/healthz)
as the ratio's baseline; and the worker's catch-up rate (a full rebuild of the read models) beside the
eventsourcing library's raw read-and-decode of the same events.

On SQLite (the default) the server is `regledger serve`'s one process with its worker in-process, on a register
built by the demo (reused from --db when it exists). With --postgres that register is backed up and restored into
a fresh PostgreSQL database (`bench_http_*`, dropped after), one `regledger worker` runs the followers, and
`regledger serve --workers N` is measured for each N in --workers, side by side."""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.http_load import ENDPOINTS
from bench.http_report import flat, show
from bench.http_servers import build, run_postgres, run_sqlite


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--registrants", type=int, default=2000, help="registrants in the register (default 2000)")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients (default 50)")
    parser.add_argument("--seconds", type=float, default=8.0, help="seconds of load per endpoint (default 8)")
    parser.add_argument(
        "--db", type=Path, default=None, help="a SQLite file to keep the register in (built once, reused by later runs)"
    )
    parser.add_argument(
        "--postgres",
        action="store_true",
        help="serve the register from PostgreSQL: restored into a fresh bench_http_* database, "
        "one `regledger worker`, `regledger serve --workers N` for each N in --workers",
    )
    parser.add_argument(
        "--postgres-server",
        default="postgresql://postgres@127.0.0.1:5432",
        help="the PostgreSQL server to create the bench_http_* database on (default %(default)s)",
    )
    parser.add_argument(
        "--warmup",
        type=float,
        default=0.0,
        help="seconds of unmeasured load per endpoint before its measured seconds (default 0: "
        "the measurement includes each web process filling its caches)",
    )
    parser.add_argument(
        "--workers", default=None, help="web worker counts to measure, comma-separated (PostgreSQL only; default 1,2)"
    )


def run(args: argparse.Namespace) -> dict[str, Any]:
    if args.workers is not None and not args.postgres:
        raise SystemExit("--workers needs --postgres: on SQLite the register is served by one process")
    counts = sorted({int(n) for n in (args.workers or "1,2").split(",") if n.strip()}) if args.postgres else [1]
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or Path(tmp) / "register.db"
        built = 0.0
        if not db.exists():
            started = time.perf_counter()
            build(db, args.registrants)
            built = time.perf_counter() - started
        if args.postgres:
            extra, runs = run_postgres(args, db, counts)
        else:
            extra, runs = run_sqlite(args, db)
    figures: dict[str, Any] = {
        "registrants": args.registrants if not args.db or built else "from --db",
        "server": (
            "postgresql: one `regledger worker`, `regledger serve --workers N`"
            if args.postgres
            else "sqlite: one process, worker in-process"
        ),
        "clients": args.clients,
        "seconds_each": args.seconds,
        "warmup_seconds_each": args.warmup,
        "build_seconds": round(built, 1),
        **extra,
    }
    if args.postgres:
        for count in counts:
            figures.update(flat(f"w{count}_", runs[count]))
        for count in counts[1:]:
            for name in ENDPOINTS:
                figures[f"{name}_throughput_w{count}_over_w{counts[0]}"] = round(
                    runs[count]["results"][name]["per_s"] / runs[counts[0]]["results"][name]["per_s"], 3
                )
    else:
        figures.update(flat("", runs[1]))
    if not getattr(args, "json", False):
        show(
            "the service under load" + (" (PostgreSQL, N web workers)" if args.postgres else " (SQLite)"),
            runs,
            args.postgres,
        )
    return figures
