"""The progression report: every analysis over the blocks a period covers, from the database or from rows, and its
figures for the charts and outputs."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import Connection

from ledger.domain import background
from ledger.domain.framework import FRAMEWORK, Framework
from ledger.read.projections.statistics import statistics_rows
from ledger.reports.progression import suppression
from ledger.reports.progression.analyses import Analyses
from ledger.reports.progression.shape import DEFAULT_PARITY_MARGIN, Report, Row, Table
from ledger.reports.progression.suppression import Figure


def progression_report(
    conn: Connection,
    today: date,
    asked_from: date | None = None,
    asked_to: date | None = None,
    parity_margin: float = DEFAULT_PARITY_MARGIN,
    framework: Framework = FRAMEWORK,
) -> Report:
    """Every analysis, for the whole blocks covering ``asked_from`` to ``asked_to`` (each table on its own grid)."""
    return report_from_rows(statistics_rows(conn), today, asked_from, asked_to, parity_margin, framework)


def report_from_rows(
    rows: dict[str, list[dict[str, Any]]],
    today: date,
    asked_from: date | None = None,
    asked_to: date | None = None,
    parity_margin: float = DEFAULT_PARITY_MARGIN,
    framework: Framework = FRAMEWORK,
) -> Report:
    analyses = Analyses(rows, today, asked_from, asked_to, parity_margin, framework)
    outcomes, parity = analyses.outcomes()
    tables = [
        analyses.representation(),
        *analyses.response(),
        outcomes,
        parity,
        analyses.time_to_progress(),
        analyses.renewals(),
        *analyses.audits(),
    ]
    for table in tables:
        if table.period is None:
            table.notes.append(
                f"Not reported yet: fewer than {suppression.MIN_BLOCK} records in the quarters so far "
                "(or none in the dates asked for)."
            )
        if table.reported_until is not None:
            table.notes.append(
                f"Records after {table.reported_until.isoformat()} wait until their quarter has "
                f"settled and they make a whole block of at least {suppression.MIN_BLOCK}."
            )
    legend = [
        "Levels: " + "; ".join(f"{level.code} {level.name}" for level in framework.levels) + ".",
        "Routes: Standard, by qualification; Equivalency, by experience.",
        "Bands (the main household earner's occupation at 14): "
        + ", ".join(background.BANDS)
        + "; not known: not answered, other, or prefer not to say.",
    ]
    return Report(today, asked_from, asked_to, parity_margin, tables, legend)


def figures(report: Report) -> Iterable[tuple[Table, Row, str, Figure]]:
    """Every cell of the report, in order: what the CSV and the tests walk."""
    for table in report.tables:
        for row in table.rows:
            for column in table.columns:
                if column in row.cells:
                    yield table, row, column, row.cells[column]
