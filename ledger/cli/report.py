"""The reports of the ``regledger`` CLI: ``report progression``. It parses, asks
``ledger.reports.progression.analyses`` for the report, and renders it; the figures and their suppression are the
report's, not this module's."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from ledger.reports.progression.shape import Report

report_app = typer.Typer(help="Aggregate reports, with small numbers suppressed.", no_args_is_help=True)

FORMATS = ("table", "csv", "json", "html")


@report_app.command("progression")
def progression(
    asked_from: datetime | None = typer.Option(
        None,
        "--from",
        formats=["%Y-%m-%d"],
        help="Start of the period (YYYY-MM-DD); snaps back to the start of its block of whole quarters.",
    ),
    asked_to: datetime | None = typer.Option(
        None,
        "--to",
        formats=["%Y-%m-%d"],
        help="End of the period (YYYY-MM-DD); snaps forward to the end of its "
        "block (at most the last reported quarter).",
    ),
    fmt: str = typer.Option("table", "--format", help="table (the terminal), csv, json or html."),
    out: Path | None = typer.Option(None, "--out", help="Write to this file instead of the terminal."),
    margin: float = typer.Option(
        5.0,
        "--parity-margin",
        min=0,
        max=100,
        help="Flag the equivalency route when its award rate trails the standard route's "
        "by more than this many percentage points.",
    ),
) -> None:
    """Progression and fairness: representation by background at each level against the benchmarks, response to
    the background questions, application outcomes and award rates by route and background with the pass-rate
    parity flag, time from one level to the next, renewals, lapses and PPD audits by background. Counts are rounded
    to 5, small percentages and averages suppressed, and periods snap to whole blocks of quarters."""
    from ledger.cli import main as cli
    from ledger.read.projections.runner import ProjectionRunner
    from ledger.reports.progression.report import progression_report

    if fmt not in FORMATS:
        cli._fail(ValueError(f"--format must be one of {', '.join(FORMATS)}"))
    ledger = cli._ledger()
    try:
        ProjectionRunner(ledger).catch_up()
        with ledger.engine.connect() as conn:
            report = progression_report(
                conn,
                ledger.clock.today(),
                asked_from.date() if asked_from else None,
                asked_to.date() if asked_to else None,
                margin,
                ledger.framework,
            )
    finally:
        ledger.close()
    if fmt == "table":
        if out:
            from rich.console import Console

            with out.open("w") as f:
                print_tables(report, Console(file=f, width=200))
        else:
            print_tables(report, cli.console)
        return
    from ledger.reports.progression import output as progression_output

    text = {"csv": progression_output.to_csv, "json": progression_output.to_json, "html": progression_output.to_html}[
        fmt
    ](report)
    if out:
        out.write_text(text)
        cli.err.print(f"Wrote the {fmt} report to {out}")
    else:
        print(text, end="" if text.endswith("\n") else "\n")


def print_tables(report: Report, console: Console) -> None:
    from rich.table import Table as RichTable

    if not console.is_terminal:
        console.width = max(console.width, 160)
    console.print(f"[bold]Progression and fairness[/bold], made on {report.today.isoformat()}")
    for rule in [*report.rules, *report.legend]:
        console.print(f"  - {rule}")
    for table in report.tables:
        rich = RichTable(
            title=f"{table.title}\n[dim]{table.period_words}[/dim]",
            title_justify="left",
            caption="\n".join(table.notes),
            caption_justify="left",
        )
        rich.add_column("")
        for column in table.columns:
            rich.add_column(column, justify="right", overflow="fold")
        group = None
        for row in table.rows:
            if row.group and row.group != group:
                rich.add_row(f"[bold]{row.group}[/bold]", *([""] * len(table.columns)))
            group = row.group
            cells = []
            for column in table.columns:
                figure = row.cells.get(column)
                if figure is None:
                    cells.append("")
                elif figure.suppressed:
                    cells.append("[italic yellow]suppressed[/italic yellow]")
                elif figure.kind == "text" and str(figure.value).startswith("FLAG"):
                    cells.append(f"[bold red]{figure.shown}[/bold red]")
                else:
                    cells.append(figure.shown)
            rich.add_row(("  " if row.group else "") + row.label, *cells)
        if not table.rows:
            rich.add_row("[dim]not yet reported[/dim]", *([""] * len(table.columns)))
        console.print(rich)
        hidden = table.suppressed_cells
        if hidden:
            console.print(f"[yellow]{len(hidden)} figure(s) suppressed in this table[/yellow]")
