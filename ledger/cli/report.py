"""The reports of the ``regledger`` CLI: ``report progression``, ``report export --for-consortium`` and
``report pool``. It parses, asks
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

    if fmt not in FORMATS:
        cli._fail(ValueError(f"--format must be one of {', '.join(FORMATS)}"))
    _render(_report(asked_from, asked_to, margin), fmt, out)


def _report(asked_from: datetime | None, asked_to: datetime | None, margin: float) -> Report:
    from ledger.cli import main as cli
    from ledger.read.projections.runner import ProjectionRunner
    from ledger.reports.progression.report import progression_report

    ledger = cli._ledger()
    try:
        ProjectionRunner(ledger).catch_up()
        with ledger.engine.connect() as conn:
            return progression_report(
                conn,
                ledger.clock.today(),
                asked_from.date() if asked_from else None,
                asked_to.date() if asked_to else None,
                margin,
                ledger.framework,
            )
    finally:
        ledger.close()


@report_app.command("export")
def export(
    folder: Path = typer.Option(
        ...,
        "--for-consortium",
        metavar="FOLDER",
        help="Write the consortium export here (a new or empty folder): one CSV per table of the progression "
        "report and datapackage.json, a Frictionless Tabular Data Package saying what each table is, its period, "
        "its base, the rounding and the suppression rules. Other bodies' exports for the same periods can be "
        "pooled with it (regledger report pool).",
    ),
    asked_from: datetime | None = typer.Option(
        None, "--from", formats=["%Y-%m-%d"], help="Start of the period (YYYY-MM-DD), as for report progression."
    ),
    asked_to: datetime | None = typer.Option(
        None, "--to", formats=["%Y-%m-%d"], help="End of the period (YYYY-MM-DD), as for report progression."
    ),
    margin: float = typer.Option(
        5.0, "--parity-margin", min=0, max=100, help="As for report progression: the parity flag's margin."
    ),
) -> None:
    """The progression report's suppressed tables, for a consortium of bodies: only the rounded and suppressed
    figures the report shows, plus, for each rounded count, the fewest records it can stand for (so a pool can
    apply the percentage rule again). The format is described in ledger/reports/progression/consortium.py."""
    from ledger.cli import main as cli
    from ledger.reports.progression import consortium

    report = _report(asked_from, asked_to, margin)
    try:
        consortium.export_report(report, folder)
    except consortium.ExportError as error:
        cli._fail(error)
    reported = sum(1 for t in report.tables if t.period is not None)
    cli.err.print(f"Wrote {len(report.tables)} tables ({reported} reported) and datapackage.json to {folder}")


@report_app.command("pool")
def pool(
    folders: list[Path] = typer.Argument(
        ..., metavar="EXPORT...", help="Two or more folders written by regledger report export --for-consortium."
    ),
    out: Path = typer.Option(
        ..., "--out", metavar="FOLDER", help="Write the pooled export here (a new or empty folder), in the same format."
    ),
    tables: list[str] | None = typer.Option(
        None,
        "--table",
        metavar="KEY",
        help="Pool only this table (its resource name, e.g. outcomes); repeat for more. Use it when the bodies' "
        "releases cover the same periods for some tables and not others.",
    ),
) -> None:
    """Pool several bodies' consortium exports: counts are added cell by cell (so they stay multiples of 5 and
    totals stay the sums of their parts), percentages are worked out again and suppressed when the pooled base is
    under the threshold, and averages, gaps and flags are not pooled. Exports whose periods, tables, columns or rows
    differ are refused, and nothing is written."""
    from ledger.cli import main as cli
    from ledger.reports.progression import consortium

    try:
        pooled = consortium.pool_exports(folders, tables or None)
        consortium.write_export(pooled, out)
    except consortium.ExportError as error:
        cli._fail(error)
    cli.err.print(f"Pooled {len(folders)} exports into {out}")


def _render(report: Report, fmt: str, out: Path | None) -> None:
    from ledger.cli import main as cli

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


from ledger.cli.assessors import assessors as _assessors  # noqa: E402 - the command lives in its own module

report_app.command("assessors")(_assessors)
