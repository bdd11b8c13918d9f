"""The progression report's shape: rows, tables and the report, the bands and routes they are labelled with, and the
constants the analyses share."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ledger.domain import background
from ledger.reports.progression import suppression
from ledger.reports.progression.suppression import Figure, Period

BANDS: tuple[str | None, ...] = (*background.BANDS, None)
BENCHMARKS: dict[str, int] = background.DATA["benchmarks_professional_pct"]
RESPONSE_TARGETS = (66, 70)
"""The response rate to aim for first, then next."""
DEFAULT_PARITY_MARGIN = 5.0
"""Percentage points the equivalency route's award rate may trail the standard route's before it is flagged."""
NOT_KNOWN = "not known"
LEFT_REGISTER = ("lapsed", "lapsed_after_audit", "removed", "resigned")
ROUTE_NAMES = {"standard": "Standard", "equivalency": "Equivalency"}
"""Row labels for the routes: standard (by qualification) and equivalency (by experience)."""


def band_name(band: str | None) -> str:
    return (band or NOT_KNOWN).capitalize()


# -- the report's shape
@dataclass
class Row:
    group: str
    label: str
    cells: dict[str, Figure]


@dataclass
class Table:
    key: str
    title: str
    about: str
    columns: list[str]
    rows: list[Row] = field(default_factory=list)
    period: Period | None = None
    snapshot: bool = False  # figures as at the end of the period (else: records dated within it)
    reported_until: date | None = None  # the end of the table's last whole block: newer records wait
    notes: list[str] = field(default_factory=list)

    @property
    def period_words(self) -> str:
        if self.period is None:
            return "not yet reported: too few records for a whole block"
        if self.snapshot:
            return f"as at {self.period.end.isoformat()} (end of {suppression.quarter_label(self.period.end)})"
        return f"{self.period.start.isoformat()} to {self.period.end.isoformat()} ({self.period.label})"

    @property
    def suppressed_cells(self) -> list[tuple[str, str, str]]:
        return [
            (f"{r.group}: {r.label}" if r.group else r.label, column, r.cells[column].reason or "")
            for r in self.rows
            for column in self.columns
            if column in r.cells and r.cells[column].suppressed
        ]

    def row(self, group: str, label: str) -> Row | None:
        return next((r for r in self.rows if r.group == group and r.label == label), None)

    def cell(self, group: str, label: str, column: str) -> Figure:
        """The figure in ``column`` of a row the table must have."""
        row = self.row(group, label)
        if row is None:
            raise LookupError(f"table {self.key} has no row {label!r} in group {group!r}")
        return row.cells[column]

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "about": self.about,
            "snapshot": self.snapshot,
            "period": self.period.to_dict() if self.period else None,
            "period_words": self.period_words,
            "reported_until": self.reported_until.isoformat() if self.reported_until else None,
            "columns": self.columns,
            "notes": self.notes,
            "rows": [
                {
                    "group": r.group,
                    "label": r.label,
                    "cells": {c: r.cells[c].to_dict() for c in self.columns if c in r.cells},
                }
                for r in self.rows
            ],
        }


@dataclass
class Report:
    today: date
    asked_from: date | None
    asked_to: date | None
    parity_margin: float
    tables: list[Table]
    legend: list[str] = field(default_factory=list)

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)

    @property
    def rules(self) -> list[str]:
        return [
            f"Counts are rounded to the nearest {suppression.ROUND_TO} (under {suppression.ZERO_BELOW:g} shows as "
            "0); totals are the sums of the rounded figures above them.",
            "Percentages are worked out from the rounded counts and suppressed when based on fewer than "
            f"{suppression.MIN_PERCENTAGE_BASE:g} people; averages are suppressed when based on "
            f"{suppression.MAX_AVERAGE_BASE_SUPPRESSED} or fewer. An intersection of two characteristics (band x "
            f"sex, band x ethnic group) needs a base of {suppression.MIN_INTERSECTION_BASE:g} for a percentage.",
            "Periods are whole calendar quarters, merged into blocks of no records or at least "
            f"{suppression.MIN_BLOCK} ({suppression.MIN_INTERSECTION_BASE:g} for an intersection); dates asked for "
            "snap outwards to whole blocks, and the newest records wait until they make a whole block, so no two "
            "reports differ by one person.",
            "A table of people as at a day is shown only as at quarter ends where, against every day shown before, "
            f"at least {suppression.MIN_BLOCK} people ({suppression.MIN_INTERSECTION_BASE:g} for an intersection) "
            "differ in what it shows, or nobody does, and only on days the representation table may show.",
            f"A quarter is reported from {suppression.SETTLE_DAYS} days after it ends.",
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "report": "progression and fairness",
            "generated_on": self.today.isoformat(),
            "asked": {
                "from": self.asked_from.isoformat() if self.asked_from else None,
                "to": self.asked_to.isoformat() if self.asked_to else None,
            },
            "parity_margin_points": self.parity_margin,
            "benchmarks_professional_pct": BENCHMARKS,
            "response_targets_pct": list(RESPONSE_TARGETS),
            "rules": self.rules,
            "legend": self.legend,
            "tables": [t.to_dict() for t in self.tables],
        }
