"""Building count tables: columns, rates, counts over people and periods, and the flows between states."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from ledger.reports.progression import suppression
from ledger.reports.progression.shape import BANDS, Row, Table, band_name
from ledger.reports.progression.suppression import Figure, Grid

# -- building count tables
Test = Callable[[dict[str, Any]], bool]
"""Asked of a record (does a column count it?) or of an atom's dims (does it belong to a row?)."""


def where(key: str, value: Any, also: Test | None = None) -> Test:
    """The test "is the record's ``key`` ``value``" (and, given ``also``, does the record pass that too)."""

    def test(record: dict[str, Any]) -> bool:
        return record[key] == value and (also is None or also(record))

    return test


@dataclass
class Column:
    """A count column: the records it counts, or (``parts``) the sum of earlier columns as shown."""

    name: str
    counts: Test = lambda r: False
    parts: tuple[str, ...] = ()


@dataclass
class Rate:
    name: str
    numerator: tuple[str, ...]
    base: tuple[str, ...]


class Counts:
    """A table's counts, kept per atom: each combination of the table's ``dims`` (its finest breakdown: level,
    route and band, say) and each counted column. Every row the table shows - a part, a margin ("by route" across
    levels and bands), a total - is the sum of its atoms' rounded counts. So rows and their differences are sums of
    rounded atoms: setting one breakdown against another ("all routes, lower band" minus "standard, lower band")
    gives exactly the rounded figure already shown for the atom between them, never the raw count that rounding
    hid."""

    def __init__(
        self, records: list[dict[str, Any]], dims: tuple[str, ...], columns: list[Column], table: Table | None = None
    ) -> None:
        self.dims, self.columns = dims, columns
        if table is not None and len(dims) > 1:
            table.notes.append(
                f"Every count is a sum of counts rounded at the finest breakdown shown ({', '.join(dims)}), so no two "
                "rows can be set against each other to uncover what rounding hid; a total can therefore differ a "
                "little from the rounded total of the raw records, and a category spread thinly may read low."
            )
        self.atoms: dict[tuple[Any, ...], dict[str, int]] = {}
        counted = [c for c in columns if not c.parts]
        for record in records:
            atom = self.atoms.setdefault(tuple(record[d] for d in dims), {c.name: 0 for c in counted})
            for c in counted:
                atom[c.name] += bool(c.counts(record))

    def rows(
        self,
        group: str,
        parts: Sequence[tuple[str, Test]],
        rates: Sequence[Rate] = (),
        total_label: str | None = None,
    ) -> list[Row]:
        """One row per part (``belongs`` is asked of each atom's dims), a total row summing them, and each rate from
        the rounded counts shown."""
        rows = []
        for label, belongs in parts:
            atoms = [a for key, a in self.atoms.items() if belongs(dict(zip(self.dims, key, strict=True)))]
            cells: dict[str, Figure] = {}
            for c in self.columns:
                cells[c.name] = (
                    suppression.total(cells[p] for p in c.parts)
                    if c.parts
                    else suppression.total(suppression.count(a[c.name]) for a in atoms)
                )
            rows.append(Row(group, label, cells))
        if total_label is not None:
            rows.append(
                Row(
                    group, total_label, {c.name: suppression.total(r.cells[c.name] for r in rows) for c in self.columns}
                )
            )
        for row in rows:
            for rate in rates:
                row.cells[rate.name] = suppression.percentage(
                    suppression.total(row.cells[n] for n in rate.numerator),
                    suppression.total(row.cells[n] for n in rate.base),
                )
        return rows


def average_rows(
    group: str,
    parts: Sequence[tuple[str, Test]],
    records: list[dict[str, Any]],
    counts: Counts,
    value: str,
    unit: str,
) -> list[Row]:
    """How many people (rounded, from the atoms of ``counts``) and the average of ``value`` over them, suppressed
    when based on 7 or fewer."""
    rows = counts.rows(group, parts)
    for row, (_, belongs) in zip(rows, parts, strict=True):
        row.cells[f"Average ({unit})"] = suppression.average(
            [r[value] for r in records if belongs(r)], row.cells["People"], unit
        )
    return rows


def by_band(key: str = "band") -> list[tuple[str, Test]]:
    return [(band_name(b), where(key, b)) for b in BANDS]


def _flow(
    table: Table, records: list[dict[str, Any]], today: date, asked_from: date | None, asked_to: date | None
) -> list[dict[str, Any]]:
    """Place a table of dated records on its grid; the records inside its period."""
    found: Grid = suppression.grid((r["on"] for r in records), today)
    table.period = found.snap(asked_from, asked_to)
    table.reported_until = found.blocks[-1].end if found.blocks else None
    if table.period is None:
        return []
    return [r for r in records if table.period.holds(r["on"])]
