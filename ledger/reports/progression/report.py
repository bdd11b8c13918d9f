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
from ledger.reports.progression.characteristics import INTERSECTION_BLOCK, INTERSECTIONS, characteristics_tables
from ledger.reports.progression.fairness import AWARD_INTERSECTIONS, fairness_tables
from ledger.reports.progression.participation import participation_tables
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
        *characteristics_tables(analyses),
        *fairness_tables(analyses),
        *participation_tables(analyses),
    ]
    for table in tables:
        block = INTERSECTION_BLOCK if table.key in (*INTERSECTIONS, *AWARD_INTERSECTIONS) else suppression.MIN_BLOCK
        if table.period is None:
            table.notes.append(
                f"Not reported yet: fewer than {block} records in the quarters so far (or none in the dates asked for)."
            )
        if table.reported_until is not None and not table.snapshot:  # a snapshot says its own (Analyses.snapshot)
            table.notes.append(
                f"Records after {table.reported_until.isoformat()} wait until their quarter has "
                f"settled and they make a whole block of at least {block}."
            )
    legend = [
        "Levels: " + "; ".join(f"{level.code} {level.name}" for level in framework.levels) + ".",
        "Routes: Standard, by qualification; Equivalency, by experience.",
        "Bands (the main household earner's occupation at 14): "
        + ", ".join(background.BANDS)
        + "; not known: not answered, other, or prefer not to say.",
        "Working pattern, sex and ethnic group are as the person gave them by the date of each record; not known: "
        "not answered, or prefer not to say. Ethnic groups are the 2021 census's five: "
        + "; ".join(
            f"{background.SHORT_GROUP_NAMES[g]}: {background.group_name('ethnic_group', g)}"
            for g in background.groups_of("ethnic_group")
        )
        + ".",
    ]
    return Report(today, asked_from, asked_to, parity_margin, tables, legend)


def figures(report: Report) -> Iterable[tuple[Table, Row, str, Figure]]:
    """Every cell of the report, in order: what the CSV and the tests walk."""
    for table in report.tables:
        for row in table.rows:
            for column in table.columns:
                if column in row.cells:
                    yield table, row, column, row.cells[column]
