"""The load generator of ``python -m bench http``: concurrent keep-alive clients against the four measured
endpoints (bare /healthz, register search, a registrant's page, /credentials/verify), each for a number of seconds,
with the latency percentiles and throughput of each."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from typing import Any

ENDPOINTS = ("bare", "search", "page", "verify")


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


def measure(base: str, clients: int, seconds: float, warmup: float = 0.0) -> dict[str, dict[str, Any]]:
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
