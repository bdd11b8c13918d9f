"""The web service under load, from a second process on loopback: register search and registrant-page latency (p50,
p99) and throughput, and /credentials/verify throughput, each beside a bare endpoint of the same server (/healthz)
as the ratio's baseline. The server is `regledger serve`'s application under uvicorn, on a register built by the
demo (reused from --db when it exists)."""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

MASTER_KEY = "a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U="


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--registrants", type=int, default=2000, help="registrants in the register (default 2000)")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients (default 50)")
    parser.add_argument("--seconds", type=float, default=8.0, help="seconds of load per endpoint (default 8)")
    parser.add_argument("--db", type=Path, default=None,
                        help="a SQLite file to keep the register in (built once, reused by later runs)")


def _build(db: Path, registrants: int) -> None:
    from datetime import date

    from ledger.clock import SettableClock
    from ledger.commands import Ledger
    from ledger.demo import run_demo
    from ledger.projections.runner import ProjectionRunner
    from ledger.settings import Settings

    clock = SettableClock(date.today())
    ledger = Ledger(Settings(database_url=f"sqlite:///{db}", master_key=MASTER_KEY), clock=clock,
                    rng=random.Random(1), single_writer_cache=300_000)
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
    return {"requests": len(latencies), "errors": errors, "per_s": len(latencies) / elapsed,
            "p50_ms": _percentile(latencies, 0.50) * 1000, "p99_ms": _percentile(latencies, 0.99) * 1000}


def run(args: argparse.Namespace) -> dict[str, Any]:
    import httpx

    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or Path(tmp) / "register.db"
        built = 0.0
        if not db.exists():
            started = time.perf_counter()
            _build(db, args.registrants)
            built = time.perf_counter() - started
        port = 18_000 + random.randrange(1000)
        env = {**os.environ, "REGLEDGER_DATABASE_URL": f"sqlite:///{db}", "REGLEDGER_MASTER_KEY": MASTER_KEY,
               "REGLEDGER_ISSUER_URL": f"http://127.0.0.1:{port}", "REGLEDGER_RATE_PUBLIC_PER_MINUTE": "100000000"}
        server = subprocess.Popen([sys.executable, "-m", "uvicorn", "--factory", "ledger.api.app:create_app",
                                   "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
                                   "--no-access-log"], env=env)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.perf_counter() + 300
            while True:
                try:
                    if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.perf_counter() > deadline or server.poll() is not None:
                    raise RuntimeError("the server did not start")
                time.sleep(0.5)
            entries = httpx.get(f"{base}/api/register", params={"status": "registered", "limit": 200}).json()
            numbers = [e["registration_number"] for e in entries]
            words = sorted({part[:4].lower() for e in entries for part in e["name"].split() if len(part) >= 4})
            token = httpx.get(f"{base}/r/{numbers[0]}/credential.jwt").text.strip()
            targets = {
                "bare": lambda rng: ("GET", "/healthz", None),
                "search": lambda rng: ("GET", f"/api/register?query={rng.choice(words)}&limit=20", None),
                "page": lambda rng: ("GET", f"/r/{rng.choice(numbers)}", None),
                "verify": lambda rng: ("POST", "/credentials/verify", {"verifiableCredential": token}),
            }
            results = {name: asyncio.run(_load(base, args.clients, args.seconds, make))
                       for name, make in targets.items()}
        finally:
            server.terminate()
            server.wait(30)
    figures: dict[str, Any] = {"registrants": args.registrants if not args.db else "from --db",
                               "clients": args.clients, "seconds_each": args.seconds,
                               "build_seconds": round(built, 1)}
    for name, result in results.items():
        for key, value in result.items():
            figures[f"{name}_{key}"] = round(value, 1) if isinstance(value, float) else value
    bare = results["bare"]["per_s"]
    for name in ("search", "page", "verify"):
        figures[f"{name}_throughput_ratio_to_bare"] = round(results[name]["per_s"] / bare, 3)
    return figures
