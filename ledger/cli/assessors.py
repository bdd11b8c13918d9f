"""``regledger report assessors``: assessor consistency, for the registrar (whoever runs the command holds the
register and its master key). It names assessors: print it for yourself, never publish it. The figures, the test
and its correction are ``ledger.reports.assessor_consistency``'s; this module parses and renders.

Wired as a command of the ``report`` group: ``report_app.command("assessors")(assessors)``."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from ledger.reports.assessor_consistency import Consistency, Finding


def assessors(
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON (the API's form) instead of tables."),
) -> None:
    """Assessor consistency, for the registrar only (never publish it: it names assessors). Each assessor's award
    recommendations against every other assessor's on cases of the same level and route, overall and by the
    applicant's socio-economic band: the exact conditional (Cochran-Mantel-Haenszel) test, Holm-corrected across
    assessors, flagged where the corrected p-value is under 0.05 and the assessor has at least 23 comparable cases.
    Counts are rounded to 5 and small percentages suppressed."""
    from ledger.cli import main as cli
    from ledger.read.projections.runner import ProjectionRunner
    from ledger.reports.assessor_consistency import assessor_consistency

    ledger = cli._ledger()
    try:
        ProjectionRunner(ledger).catch_up()
        report = assessor_consistency(ledger)
    finally:
        ledger.close()
    if as_json:
        print(json.dumps(report.to_dict(), indent=2))
        return
    print_report(report, cli.console)


def _p(value: float | None) -> str:
    if value is None:
        return "not tested"
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def _table(title: str, rows: list[Finding], console: Console) -> None:
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for column in ("Assessor", "Cases", "Award rate", "Peers' rate", "p (exact)", "Holm", "Verdict"):
        table.add_column(column, justify="left" if column in ("Assessor", "Verdict") else "right")
    for f in rows:
        verdict = f"[bold red]{f.verdict}[/bold red]" if f.flagged else f.verdict
        table.add_row(
            f.name,
            f.shown_cases.shown,
            f.rate.shown,
            f.peer_rate.shown,
            _p(f.test.p_value if f.test else None),
            _p(f.adjusted_p),
            verdict,
        )
    if not rows:
        table.add_row("[dim]no assessments recorded yet[/dim]", *([""] * 6))
    console.print(table)


def print_report(report: Consistency, console: Console) -> None:
    from ledger.reports.assessor_consistency import BANDS

    if not console.is_terminal:
        console.width = max(console.width, 160)
    console.print(
        f"[bold]Assessor consistency[/bold], made on {report.today.isoformat()}: for the registrar only, never "
        f"published. About {report.shown_assessments.shown} assessments."
    )
    for rule in report.rules:
        console.print(f"  - {rule}")
    _table("Every applicant", report.overall, console)
    for band in BANDS:
        _table(f"Applicants of the band: {band}", [f for f in report.by_band if f.band == band], console)
    flagged = report.flagged
    console.print(f"{len(flagged)} flag(s)." if flagged else "No flags: no assessor differs beyond chance.")
