"""``python -m bench NAME [flags]``: run a benchmark; a readable table by default, one JSON object with --json.
``python -m bench all [flags]``: every benchmark, then BENCHMARKS.md's generated section refreshed
(bench/run_all.py)."""

from __future__ import annotations

import argparse
import importlib
import json
import platform
import sys
from datetime import date
from typing import Any

BENCHMARKS = {
    "ledger": "bench.ledger_bench",
    "credentials": "bench.credentials_bench",
    "verify": "bench.verify_bench",
    "http": "bench.http_bench",
    "audit": "bench.audit_bench",
    "tick": "bench.tick_bench",
}


def machine() -> str:
    import os

    return f"{platform.node()}: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"


def parse(name: str, argv: list[str]) -> argparse.Namespace:
    module = importlib.import_module(BENCHMARKS[name])
    parser = argparse.ArgumentParser(prog=f"python -m bench {name}", description=module.__doc__)
    parser.add_argument("--json", action="store_true", help="print one JSON object of figures and ratios")
    module.add_arguments(parser)
    return parser.parse_args(argv)


def run_one(name: str, argv: list[str]) -> dict[str, Any]:
    """Run one benchmark with its own flags; its figures, with the date and machine."""
    figures = importlib.import_module(BENCHMARKS[name]).run(parse(name, argv))
    return {"benchmark": name, "date": date.today().isoformat(), "machine": machine(), **figures}


def show(title: str, figures: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    table.add_column("figure")
    table.add_column("value", justify="right")
    for name, value in figures.items():
        table.add_row(name, f"{value:,.3f}" if isinstance(value, float) else str(value))
    Console().print(table)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "all":
        from bench.run_all import main as run_all

        return run_all(argv[1:])
    if not argv or argv[0] not in BENCHMARKS:
        print(
            f"usage: python -m bench {{{','.join(BENCHMARKS)}}} [--json] [flags]; "
            "python -m bench NAME --help for its flags; python -m bench all [--full] runs every one and "
            "refreshes BENCHMARKS.md",
            file=sys.stderr,
        )
        return 2
    figures = run_one(argv[0], argv[1:])
    if parse(argv[0], argv[1:]).json:
        print(json.dumps(figures))
    else:
        show(f"python -m bench {' '.join(argv)}", figures)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
