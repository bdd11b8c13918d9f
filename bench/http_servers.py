"""The servers ``python -m bench http`` measures, and what they serve: the register it builds (the demo's, on
SQLite), the regledger processes it starts and stops (``regledger serve``, ``regledger worker``, uvicorn), the fresh
PostgreSQL database the register is restored into, the worker's catch-up rate, and one run of the load against each
server (bench/http_load.py)."""

from __future__ import annotations

import argparse
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
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench.http_load import measure

MASTER_KEY = "a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U="
ISSUER_URL = "http://127.0.0.1:8000"  # what the built register's credentials name; the servers say the same
START_SECONDS = 300  # how long a server may take to answer /healthz
SETTLE_SECONDS = 600  # how long the worker may take to bring every follower to the head and finish its first tick


def build(db: Path, registrants: int) -> None:
    """The demo's register of ``registrants`` in the SQLite file ``db``, its read models caught up."""
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


def run_postgres(args: argparse.Namespace, db: Path, counts: list[int]) -> tuple[dict[str, Any], dict[int, Any]]:
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
                        "results": measure(base, args.clients, args.seconds, args.warmup),
                    }
                if worker.poll() is not None:
                    raise RuntimeError(f"regledger worker exited ({worker.returncode}) during the load")
    finally:
        _drop_database(args.postgres_server, name)
    return figures, runs


def run_sqlite(args: argparse.Namespace, db: Path) -> tuple[dict[str, Any], dict[int, Any]]:
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
                "results": measure(base, args.clients, args.seconds, args.warmup),
            }
        }
    return figures, runs
