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
import asyncio
import contextlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

MASTER_KEY = "a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U="
ISSUER_URL = "http://127.0.0.1:8000"  # what the built register's credentials name; the servers say the same
ENDPOINTS = ("bare", "search", "page", "verify")
START_SECONDS = 300  # how long a server may take to answer /healthz
SETTLE_SECONDS = 600  # how long the worker may take to bring every follower to the head and finish its first tick


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


def _build(db: Path, registrants: int) -> None:
    from datetime import date

    from ledger.app.ledger import Ledger
    from ledger.domain.clock import SettableClock
    from ledger.ops.demo import run_demo
    from ledger.read.projections.runner import ProjectionRunner
    from ledger.settings import Settings

    clock = SettableClock(date.today())
    ledger = Ledger(
        Settings(database_url=f"sqlite:///{db}", master_key=MASTER_KEY, issuer_url=ISSUER_URL),
        clock=clock,
        rng=random.Random(1),
        single_writer_cache=300_000,
    )
    run_demo(ledger, clock, registrants=registrants, years=3, seed=1, tick=False)
    ProjectionRunner(ledger).catch_up()
    ledger.close()


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


async def _load(base: str, clients: int, seconds: float, make_request: Any) -> dict[str, float]:
    """``clients`` concurrent keep-alive connections (aiohttp, whose C parser keeps the load generator light)
    sending requests for ``seconds``."""
    import aiohttp

    latencies: list[float] = []
    errors = 0
    stop = time.perf_counter() + seconds

    async def worker(session: Any, rng: random.Random) -> None:
        nonlocal errors
        while time.perf_counter() < stop:
            method, path, body = make_request(rng)
            started = time.perf_counter()
            async with session.request(method, base + path, json=body) as response:
                await response.read()
                if response.status >= 400:
                    errors += 1
            latencies.append(time.perf_counter() - started)

    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=connector) as session:
        started = time.perf_counter()
        await asyncio.gather(*(worker(session, random.Random(i)) for i in range(clients)))
        elapsed = time.perf_counter() - started
    return {
        "requests": len(latencies),
        "errors": errors,
        "per_s": len(latencies) / elapsed,
        "p50_ms": _percentile(latencies, 0.50) * 1000,
        "p99_ms": _percentile(latencies, 0.99) * 1000,
    }


# -- processes


def _regledger() -> str:
    """The ``regledger`` command of this interpreter's environment."""
    beside = Path(sys.executable).parent / "regledger"
    found = str(beside) if beside.exists() else shutil.which("regledger")
    if not found:
        raise RuntimeError("the regledger command is not installed beside this Python (pip install -e .)")
    return found


def _env(database_url: str) -> dict[str, str]:
    """The settings of every regledger process here. The issuer URL is the one the register was built under (not
    the server's port), so that verify checks a credential that is valid."""
    return {
        **os.environ,
        "REGLEDGER_DATABASE_URL": database_url,
        "REGLEDGER_MASTER_KEY": MASTER_KEY,
        "REGLEDGER_ISSUER_URL": ISSUER_URL,
        "REGLEDGER_RATE_PUBLIC_PER_MINUTE": "100000000",
    }


@contextlib.contextmanager
def _process(command: list[str], env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    """A child process in its own process group (uvicorn's --workers children with it), stopped on leaving: SIGTERM
    to its group, SIGKILL if it has not gone within 30 s."""
    process = subprocess.Popen(command, env=env, start_new_session=True, stdout=sys.stderr)  # stdout: the figures
    try:
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
        deadline = time.monotonic() + 10  # the group's other members (uvicorn's workers) go too
        while time.monotonic() < deadline:
            try:
                os.killpg(process.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.1)


def _wait_healthy(base: str, server: subprocess.Popen[bytes]) -> float:
    """Seconds until ``base``/healthz answers 200."""
    import httpx

    started = time.perf_counter()
    while True:
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return time.perf_counter() - started
        except httpx.HTTPError:
            pass
        if time.perf_counter() - started > START_SECONDS or server.poll() is not None:
            raise RuntimeError(f"the server at {base} did not start (exit status {server.poll()})")
        time.sleep(0.5)


def _measure(base: str, clients: int, seconds: float, warmup: float = 0.0) -> dict[str, dict[str, Any]]:
    """The four endpoints under load, one after another (each after ``warmup`` seconds of the same load, not
    measured)."""
    import httpx

    entries = httpx.get(f"{base}/api/register", params={"status": "registered", "limit": 200}, timeout=60).json()
    numbers = [e["registration_number"] for e in entries]
    words = sorted({part[:4].lower() for e in entries for part in e["name"].split() if len(part) >= 4})
    token = _valid_token(base, numbers)
    targets: dict[str, Callable[[random.Random], tuple[str, str, Any]]] = {
        "bare": lambda rng: ("GET", "/healthz", None),
        "search": lambda rng: ("GET", f"/api/register?query={rng.choice(words)}&limit=20", None),
        "page": lambda rng: ("GET", f"/r/{rng.choice(numbers)}", None),
        "verify": lambda rng: ("POST", "/credentials/verify", {"verifiableCredential": token}),
    }
    results: dict[str, dict[str, Any]] = {}
    for name, make in targets.items():
        if warmup > 0:
            asyncio.run(_load(base, clients, warmup, make))
        results[name] = asyncio.run(_load(base, clients, seconds, make))
    verdict = httpx.post(f"{base}/credentials/verify", json={"verifiableCredential": token}, timeout=60).json()
    results["verify"]["verified"] = verdict.get("verified")  # the path measured: a valid credential's, all checks
    return results


def _valid_token(base: str, numbers: list[str]) -> str:
    """The credential of the first listed registrant whose credential verifies as valid (a registrant past their
    due date is still listed as registered until the tick marks them, with an expired credential), so that
    verify measures the path where every check passes; the first one's if none does."""
    import httpx

    tokens = []
    for number in numbers[:20]:
        token = httpx.get(f"{base}/r/{number}/credential.jwt", timeout=60).text.strip()
        tokens.append(token)
        verdict = httpx.post(f"{base}/credentials/verify", json={"verifiableCredential": token}, timeout=60).json()
        if verdict.get("verified"):
            return token
    return tokens[0]


def _load_average() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


# -- the catch-up rate


def _catch_up(database_url: str) -> dict[str, Any]:
    """The worker's catch-up (``ProjectionRunner.rebuild``) beside the library's raw read-and-decode of the same
    events (bench.ledger_bench's (c) and (d)), on the register the server uses."""
    from bench.ledger_bench import read_decode_rate, rebuild_rate
    from ledger.app.ledger import Ledger
    from ledger.settings import Settings

    ledger = Ledger(Settings(database_url=database_url, master_key=MASTER_KEY))
    try:
        events, raw = read_decode_rate(ledger)
        _, rebuild = rebuild_rate(ledger)
    finally:
        ledger.close()
    return {
        "catch_up_events": events,
        "catch_up_rebuild_events_per_s": round(rebuild),
        "catch_up_raw_read_decode_events_per_s": round(raw),
        "catch_up_ratio_rebuild_over_raw": round(rebuild / raw, 3),
    }


# -- PostgreSQL


def _admin(server: str) -> Any:
    import psycopg

    return psycopg.connect(f"{server.rstrip('/')}/postgres", autocommit=True)


def _create_database(server: str) -> str:
    name = f"bench_http_{os.getpid()}_{random.randrange(10**6)}"
    with _admin(server) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    return name


def _drop_database(server: str, name: str) -> None:
    with _admin(server) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _regledger_json(arguments: list[str], env: dict[str, str]) -> dict[str, Any]:
    done = subprocess.run([_regledger(), *arguments, "--json", "--quiet"], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"regledger {' '.join(arguments)} failed ({done.returncode}):\n{done.stderr}{done.stdout}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _settle(database_url: str, worker: subprocess.Popen[bytes]) -> float:
    """Seconds until the worker has every follower at the head of the event store, and the head has stood still
    for three seconds (its first tick, 2 s after it starts, may record the day's events)."""
    from ledger.app.ledger import Ledger
    from ledger.processes.status import progress
    from ledger.settings import Settings

    ledger = Ledger(Settings(database_url=database_url, master_key=MASTER_KEY))
    started = time.perf_counter()
    still_since, last_head = None, -1
    try:
        while True:
            if worker.poll() is not None:
                raise RuntimeError(f"regledger worker exited ({worker.returncode})")
            facts = progress(ledger)
            caught_up = all(f["lag_events"] == 0 for f in facts["followers"])
            if caught_up and facts["head"] == last_head:
                still_since = still_since or time.perf_counter()
            else:
                still_since = None
            last_head = facts["head"]
            now = time.perf_counter()
            if still_since is not None and now - still_since >= 3 and now - started >= 5:
                if facts["parked"]:
                    print(f"http bench: parked events after the worker's catch-up: {facts['parked']}", file=sys.stderr)
                return now - started
            if now - started > SETTLE_SECONDS:
                raise RuntimeError(f"the worker did not catch up within {SETTLE_SECONDS} s: {facts['followers']}")
            time.sleep(0.5)
    finally:
        ledger.close()


def _run_postgres(args: argparse.Namespace, db: Path, counts: list[int]) -> tuple[dict[str, Any], dict[int, Any]]:
    figures: dict[str, Any] = {}
    runs: dict[int, dict[str, Any]] = {}
    port = 18_000 + random.randrange(1000)
    name = _create_database(args.postgres_server)
    database_url = f"{args.postgres_server.rstrip('/')}/{name}"
    try:
        with tempfile.TemporaryDirectory() as tmp:
            backup = Path(tmp) / "register.rlbackup.gz"
            started = time.perf_counter()
            made = _regledger_json(["backup", str(backup)], _env(f"sqlite:///{db}"))
            figures["backup_seconds"] = round(time.perf_counter() - started, 1)
            started = time.perf_counter()
            restored = _regledger_json(["restore", str(backup), "--erasures", "none"], _env(database_url))
            figures["restore_seconds"] = round(time.perf_counter() - started, 1)
        figures["events"] = made["events"]
        figures["restore_rebuild_seconds"] = restored.get("phases", {}).get("rebuild")
        figures.update(_catch_up(database_url))  # before any worker runs: nothing else writes the read models
        env = _env(database_url)
        base = f"http://127.0.0.1:{port}"
        with _process([_regledger(), "worker", "--quiet"], env) as worker:
            figures["worker_settle_seconds"] = round(_settle(database_url, worker), 1)
            for count in counts:
                command = [
                    _regledger(),
                    "serve",
                    "--workers",
                    str(count),
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--quiet",
                ]
                with _process(command, env) as server:
                    start = _wait_healthy(base, server)
                    time.sleep(1.0)  # every web worker up, not only the first to answer
                    load = _load_average()
                    runs[count] = {
                        "start_seconds": round(start, 1),
                        "load_average_before": load,
                        "results": _measure(base, args.clients, args.seconds, args.warmup),
                    }
                if worker.poll() is not None:
                    raise RuntimeError(f"regledger worker exited ({worker.returncode}) during the load")
    finally:
        _drop_database(args.postgres_server, name)
    return figures, runs


def _run_sqlite(args: argparse.Namespace, db: Path) -> tuple[dict[str, Any], dict[int, Any]]:
    figures: dict[str, Any] = dict(_catch_up(f"sqlite:///{db}"))
    port = 18_000 + random.randrange(1000)
    base = f"http://127.0.0.1:{port}"
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "ledger.api.main:create_app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    with _process(command, _env(f"sqlite:///{db}")) as server:
        start = _wait_healthy(base, server)
        load = _load_average()
        runs = {
            1: {
                "start_seconds": round(start, 1),
                "load_average_before": load,
                "results": _measure(base, args.clients, args.seconds, args.warmup),
            }
        }
    return figures, runs


# -- figures


def _flat(prefix: str, run: dict[str, Any]) -> dict[str, Any]:
    figures: dict[str, Any] = {
        f"{prefix}start_seconds": run["start_seconds"],
        f"{prefix}load_average_before": run["load_average_before"],
    }
    results = run["results"]
    for name, result in results.items():
        for key, value in result.items():
            figures[f"{prefix}{name}_{key}"] = round(value, 1) if isinstance(value, float) else value
    bare = results["bare"]["per_s"]
    for name in ENDPOINTS[1:]:
        figures[f"{prefix}{name}_throughput_ratio_to_bare"] = round(results[name]["per_s"] / bare, 3)
    return figures


def _show(title: str, runs: dict[int, dict[str, Any]], postgres: bool) -> None:
    """Every run side by side: per endpoint, requests/s, p50, p99 and the ratio to bare of each N."""
    from rich.console import Console
    from rich.table import Table

    counts = sorted(runs)
    table = Table(title=title)
    table.add_column("endpoint")
    for count in counts:
        label = f"N={count} " if postgres else ""
        for column in ("req/s", "p50 ms", "p99 ms", "/bare"):
            table.add_column(f"{label}{column}", justify="right")
    if len(counts) > 1:
        table.add_column(f"N={counts[-1]}/N={counts[0]}", justify="right")
    for name in ENDPOINTS:
        row = [name]
        for count in counts:
            result, bare = runs[count]["results"][name], runs[count]["results"]["bare"]["per_s"]
            row += [
                f"{result['per_s']:,.0f}",
                f"{result['p50_ms']:.1f}",
                f"{result['p99_ms']:.1f}",
                f"{result['per_s'] / bare:.3f}",
            ]
        if len(counts) > 1:
            first, last = runs[counts[0]]["results"][name]["per_s"], runs[counts[-1]]["results"][name]["per_s"]
            row.append(f"{last / first:.3f}")
        table.add_row(*row)
    console = Console()
    console.width = max(console.width, 160)  # the side-by-side columns, even when not on a terminal
    console.print(table)


def run(args: argparse.Namespace) -> dict[str, Any]:
    if args.workers is not None and not args.postgres:
        raise SystemExit("--workers needs --postgres: on SQLite the register is served by one process")
    counts = sorted({int(n) for n in (args.workers or "1,2").split(",") if n.strip()}) if args.postgres else [1]
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or Path(tmp) / "register.db"
        built = 0.0
        if not db.exists():
            started = time.perf_counter()
            _build(db, args.registrants)
            built = time.perf_counter() - started
        if args.postgres:
            extra, runs = _run_postgres(args, db, counts)
        else:
            extra, runs = _run_sqlite(args, db)
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
            figures.update(_flat(f"w{count}_", runs[count]))
        for count in counts[1:]:
            for name in ENDPOINTS:
                figures[f"{name}_throughput_w{count}_over_w{counts[0]}"] = round(
                    runs[count]["results"][name]["per_s"] / runs[counts[0]]["results"][name]["per_s"], 3
                )
    else:
        figures.update(_flat("", runs[1]))
    if not getattr(args, "json", False):
        _show(
            "the service under load" + (" (PostgreSQL, N web workers)" if args.postgres else " (SQLite)"),
            runs,
            args.postgres,
        )
    return figures
