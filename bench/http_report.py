"""The report of ``python -m bench http``: each run's figures flattened into the JSON object's keys, and the table of
every run side by side."""

from __future__ import annotations

from typing import Any

from bench.http_load import ENDPOINTS


def flat(prefix: str, run: dict[str, Any]) -> dict[str, Any]:
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


def show(title: str, runs: dict[int, dict[str, Any]], postgres: bool) -> None:
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
