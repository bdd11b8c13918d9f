"""``python -m bench NAME [flags]``: run a benchmark; a readable table by default, one JSON object with --json."""

from __future__ import annotations

import argparse
import importlib
import json
import platform
import sys
from datetime import date

BENCHMARKS = {"ledger": "bench.ledger_bench", "credentials": "bench.credentials_bench", "verify": "bench.verify_bench",
              "http": "bench.http_bench", "audit": "bench.audit_bench", "tick": "bench.tick_bench"}


def machine() -> str:
    import os

    return f"{platform.node()}: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in BENCHMARKS:
        print(f"usage: python -m bench {{{','.join(BENCHMARKS)}}} [--json] [flags]; "
              "python -m bench NAME --help for its flags", file=sys.stderr)
        return 2
    module = importlib.import_module(BENCHMARKS[argv[0]])
    parser = argparse.ArgumentParser(prog=f"python -m bench {argv[0]}", description=module.__doc__)
    parser.add_argument("--json", action="store_true", help="print one JSON object of figures and ratios")
    module.add_arguments(parser)
    args = parser.parse_args(argv[1:])
    figures = module.run(args)
    figures = {"benchmark": argv[0], "date": date.today().isoformat(), "machine": machine(), **figures}
    if args.json:
        print(json.dumps(figures))
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table(title=f"python -m bench {' '.join(argv)}")
        table.add_column("figure")
        table.add_column("value", justify="right")
        for name, value in figures.items():
            table.add_row(name, f"{value:,.3f}" if isinstance(value, float) else str(value))
        Console().print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
