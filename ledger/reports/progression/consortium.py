"""The consortium export: the progression report's suppressed tables in a form other bodies can read and pool, and the
pooling itself. The Social Mobility Commission's toolkit asks bodies to "connect with consortia of organisations to
undertake more advanced analysis"; a consortium sees each body's published figures, never its records, so what is
pooled must be what was published, and pooling must not undo the suppression.

The format (``regledger-consortium-export``, version 2)
------------------------------------------------------
A folder holding ``datapackage.json``, a Frictionless **Tabular Data Package** (Data Package v1,
https://specs.frictionlessdata.io/tabular-data-package/, profile ``tabular-data-package``), and one CSV per table of
the report: every table the report holds, in its order, whatever tables it has.

- **Package properties**: ``profile``, ``name``, ``id`` (a fresh UUID: pooling refuses the same export twice),
  ``title``, ``description``, and the custom properties ``format`` (``regledger-consortium-export``),
  ``formatVersion`` (2), ``generatedOn`` (the report's date), ``pooledFrom`` (the ids of the exports pooled into
  this one; empty for a body's own), ``rounding`` (``roundTo`` 5, ``zeroBelow`` 2.5, ``totals`` "sums of rounded
  parts"), ``suppression`` (``minPercentageBase`` 22.5, ``minIntersectionBase`` 45, ``maxAverageBaseSuppressed`` 7,
  ``minBlock`` 23, ``settleDays`` 31, and ``rules``: the report's rules in words) and ``legend``.
- **One resource per table** (profile ``tabular-data-resource``; ``name`` the table's key, ``path`` ``<key>.csv``,
  ``format`` csv, UTF-8), with ``title`` and ``description`` (what the table is) and the custom properties
  ``period`` (``{"from", "to", "label"}``, or null when the table is not reported yet), ``snapshot`` (true: figures as
  at the period's end; false: records dated within it), ``base`` (what each count counts, in words),
  ``reportedUntil`` and ``notes``.
- **Its Table Schema**: the fields ``group`` and ``row`` (the row's group and label), then one field per column of
  the table, typed by what it holds: a count is an ``integer``, a percentage, a rate per 1,000, an average or a gap
  in points a ``number``, words a ``string`` (``any`` for a table with no rows yet). Each carries ``figure`` (count,
  percent, rate, average, points, text) and ``suppressedWhen`` (the rule). Each count column ``C`` is followed by
  ``C (at least)``: the fewest records the rounded count can stand for (each rounded atom of 5 may be as few as 3
  people), read from the rounded atoms alone; it is what the percentage rule reads, and pooling needs it to re-apply
  the rule. A percentage or rate column carries ``percentOf``: ``{"numerator": [columns], "base": [columns],
  "baseRow": label or null, "per": 100 or 1000, "minBase": 22.5 or 45}`` (its figure is ``per`` times the sum of the
  numerator columns over the sum of the base columns, in the same row, or in the row ``baseRow``, suppressed unless
  the base's ``at least`` is ``minBase`` or more: 45 for the two-way intersections, 22.5 for every other table).
  Every field that is not pooled says why in ``notPooled`` (averages, gaps, words, and a percentage that is not a
  share of its own table's counts, whose ``percentOf`` is null). ``missingValues`` is ``["", "suppressed"]``:
  ``suppressed`` is a figure withheld by the rule, empty a cell the row does not have. ``primaryKey`` is
  ``["group", "row"]``.

Version 1 said nothing of ``minBase``: a version 1 reader would have pooled an intersection's percentage under the
one-way base of 22.5. So version 2 is a new version, and exports of either version are refused by the other.

Which percentage is which share (``SHARES``)
--------------------------------------------
For each table of the report (by key), ``SHARES`` derives from the table's own columns what each of its percentage
and rate columns is a share of, or why it is not pooled: the shares of the known groups (``X %`` over every column
``Y`` with a ``Y %``), shares of those registered, the award rate, rates per 1,000. The base each needs is the
report's own: ``MIN_INTERSECTION_BASE`` for the tables the report places on blocks of 45 (``INTERSECTIONS``,
``AWARD_INTERSECTIONS``), ``MIN_PERCENTAGE_BASE`` elsewhere. The export checks every share against the report's
own figures, row by row, and stops if one does not reproduce them (it would let a pool compute something the report
did not). A percentage of a table that ``SHARES`` does not know is still exported, with ``percentOf`` null and a
``notPooled`` that says so; ``tests/integration/test_consortium_export.py`` walks every table of a full report and
fails on any such column, so a new table cannot be missed without a test failing.

Pooling (``pool_exports``)
--------------------------
Only like with like: every export must be of this format and version, with the same rounding and suppression, the
same tables with the same columns, figures, definitions and rows, each ``percentOf`` the one ``SHARES`` derives for
its table (so an export cannot lower the base a pool applies), and **the same period for each table** (each body's
periods come from its own blocks of quarters; bodies pool the releases whose periods agree). Anything else is
refused with an error naming the file and the field, and nothing is written. Then:

- **Counts** are added cell by cell. Every body's count is a sum of rounded atoms, so every pooled count is a sum of
  rounded atoms too: a multiple of 5, and each pooled total (a row or a column that sums others) is exactly the sum
  of the pooled parts, as each body's was. ``at least`` adds likewise.
- **Percentages and rates per 1,000** are worked out again from the pooled counts and suppressed again by the
  report's own rule for the table (``suppression.percentage``, ``characteristics.intersection_percentage``,
  ``participation.per_thousand``, as ``per`` and ``minBase`` say): a base of fewer than ``minBase`` people as the
  pooled rounded counts prove it.
- **Averages, gaps, flags and copies are not pooled**: an average would need each body's raw durations, a gap or
  flag is read off pooled percentages by whoever uses them, and the parity table's award rates are copies of the
  outcomes table's (pooled there). They are marked suppressed, with the reason in ``notPooled``.

Why nothing unsuppressed follows: every pooled figure is a function of the bodies' published figures alone (the
rounded counts and their ``at least``), so whoever holds the exports and the pool learns nothing the exports did not
already say; two sets of registers whose rounded atoms agree give byte-identical exports and pools
(``tests/integration/test_consortium_export.py`` shows it beside a naive pool of raw counts that the same attack
breaks, for the one-way tables and for an intersection). What the export adds to the report is ``at least``: how
many non-zero rounded atoms make up a count, a fact about rounded figures, never about the raw counts rounding hid.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from ledger.reports.progression import suppression
from ledger.reports.progression.characteristics import INTERSECTIONS, intersection_percentage
from ledger.reports.progression.fairness import AWARD_INTERSECTIONS
from ledger.reports.progression.participation import APPOINTED, PER_THOUSAND, REGISTERED, per_thousand
from ledger.reports.progression.shape import Report, Row, Table
from ledger.reports.progression.suppression import Figure, Period

FORMAT = "regledger-consortium-export"
FORMAT_VERSION = 2
DESCRIPTOR = "datapackage.json"
SUPPRESSED = suppression.SUPPRESSED
MISSING_VALUES = ["", SUPPRESSED]
AT_LEAST = " (at least)"
KEY_FIELDS = ("group", "row")
SHARE_KINDS = ("percent", "rate")
"""The figures worked out as a share of counts: a percentage, a rate per 1,000."""
FIELD_TYPES = {
    "count": "integer",
    "percent": "number",
    "rate": "number",
    "average": "number",
    "points": "number",
    "text": "string",
}
NOT_POOLED = {
    "average": "not pooled: an average needs each body's raw durations, which no export holds",
    "points": "not pooled: a gap is read off the pooled percentages",
    "text": "not pooled: words and flags are read off the pooled percentages",
}
UNDECLARED = f"not pooled: this register does not say what this figure is a share of (no entry in SHARES in {__name__})"
"""Why a percentage or rate ``SHARES`` does not know is not pooled: the test of every table fails on it."""
SUPPRESSED_WHEN = {
    "count": "never: a count is rounded to the nearest 5 (under 2.5 shows as 0)",
    "percent": f"its base is fewer than {suppression.MIN_PERCENTAGE_BASE:g} people, as the rounded counts prove it",
    "rate": f"its base is fewer than {suppression.MIN_PERCENTAGE_BASE:g} people, as the rounded counts prove it",
    "average": f"it is based on {suppression.MAX_AVERAGE_BASE_SUPPRESSED} or fewer people",
    "points": "a percentage it compares is suppressed",
    "text": "a figure it is read from is suppressed",
}
STRICT_TABLES = (*INTERSECTIONS, *AWARD_INTERSECTIONS)
"""The two-way intersections: the report places them on blocks of 45 and suppresses their percentages under a base of
``MIN_INTERSECTION_BASE`` (``report.report_from_rows`` reads the same keys)."""
RULES: dict[tuple[int, float], Callable[[Figure, Figure], Figure]] = {
    (100, suppression.MIN_PERCENTAGE_BASE): suppression.percentage,
    (100, suppression.MIN_INTERSECTION_BASE): intersection_percentage,
    (1000, suppression.MIN_PERCENTAGE_BASE): per_thousand,
}
"""The report's own rules for a share, by (per, minimum base): the only ones an export may name."""


class ExportError(ValueError):
    """An export that cannot be written, read or pooled; the message names the file and the field."""


@dataclass(frozen=True)
class PercentOf:
    """A percentage (``per`` 100) or rate per 1,000 (``per`` 1000) column: ``per`` times the sum of ``numerator``
    over the sum of ``base`` (columns of the same row, or of the row labelled ``base_row`` in the same group),
    suppressed unless the rounded counts prove a base of ``min_base``."""

    numerator: tuple[str, ...]
    base: tuple[str, ...]
    base_row: str | None = None
    per: int = 100
    min_base: float = suppression.MIN_PERCENTAGE_BASE

    @property
    def kind(self) -> str:
        return "rate" if self.per == 1000 else "percent"

    @property
    def suppressed_when(self) -> str:
        return f"its base is fewer than {self.min_base:g} people, as the rounded counts prove it"

    def to_dict(self) -> dict[str, Any]:
        return {
            "numerator": list(self.numerator),
            "base": list(self.base),
            "baseRow": self.base_row,
            "per": self.per,
            "minBase": self.min_base,
        }

    @classmethod
    def from_dict(cls, data: Any, where: str) -> PercentOf | None:
        if data is None:
            return None
        try:
            found = cls(
                tuple(str(c) for c in data["numerator"]),
                tuple(str(c) for c in data["base"]),
                data.get("baseRow"),
                data["per"],
                data["minBase"],
            )
        except (TypeError, KeyError, AttributeError) as error:
            raise ExportError(
                f"{where}: field 'percentOf' is not {{numerator, base, baseRow, per, minBase}}"
            ) from error
        if (found.per, found.min_base) not in RULES:
            known = ", ".join(f"per {p} with minBase {b:g}" for p, b in RULES)
            raise ExportError(
                f"{where}: field 'percentOf' has per {found.per!r} and minBase {found.min_base!r}; the report's "
                f"rules are {known}"
            )
        return found

    def figure(self, table: Table, row: Row) -> Figure:
        """The share, worked out and suppressed by the report's own rule from the rounded counts."""
        base_row = row if self.base_row is None else table.row(row.group, self.base_row)
        if base_row is None:
            return Figure(self.kind, None, True, f"no row {self.base_row!r} to be a share of")
        return RULES[(self.per, self.min_base)](
            suppression.total(row.cells[c] for c in self.numerator if c in row.cells),
            suppression.total(base_row.cells[c] for c in self.base if c in base_row.cells),
        )


@dataclass(frozen=True)
class NotPooled:
    """A column that is not pooled, and why; ``kind`` fixes its figure where its cells mix kinds (a target that is
    "met" or "not met", or the suppressed rate it is read from)."""

    reason: str
    kind: str | None = None


Pooling = PercentOf | NotPooled
"""What a pool does with a column that is not a count: works it out again, or says why not."""


# -- what each table's shares are, derived from its columns
def _fixed(shares: Mapping[str, Pooling]) -> Callable[[Table], dict[str, Pooling]]:
    """The same shares whatever the table's columns (those it has)."""
    return lambda table: {c: s for c, s in shares.items() if c in table.columns}


def _stem(column: str) -> str | None:
    """``X`` for a column ``X %``."""
    return column.removesuffix(" %") if column.endswith(" %") else None


def _shares_of_known(table: Table) -> dict[str, Pooling]:
    """``X %`` for each column ``X`` that has one, as a share of all such columns: each group's share of those whose
    group is known (the representation by band; band x sex, band x ethnic group)."""
    known = tuple(s for s in map(_stem, table.columns) if s is not None and s in table.columns)
    return {f"{x} %": PercentOf((x,), known) for x in known}


def _shares_of(base: str, prefix: str = "") -> Callable[[Table], dict[str, Pooling]]:
    """``X %`` as the share of ``base`` counted in the column ``prefix + X`` (``Any PPD %``; ``ACP %``, of
    ``At ACP``)."""

    def shares(table: Table) -> dict[str, Pooling]:
        stems = [(c, _stem(c)) for c in table.columns]
        return {c: PercentOf((prefix + s,), (base,)) for c, s in stems if s is not None and prefix + s in table.columns}

    return shares


AWARD_RATE = {"Award rate": PercentOf(("Awarded",), ("Decided",))}
EVERY_RENEWAL = ("Renewed", "Lapsed", "Lapsed after audit")
EVERY_AUDIT = ("Accepted", "Deferred", "Not renewed")


def _parity(table: Table) -> dict[str, Pooling]:
    reason = (
        "not pooled: a copy of the outcomes table's award rate by route (its rows 'By route' and '<level>, by "
        "route'), which is pooled there"
    )
    return {c: NotPooled(reason, "percent") for c in table.columns if c.endswith("award rate")}


def _response(table: Table) -> dict[str, Pooling]:
    targets = {
        c: NotPooled("not pooled: met or not met is read off the pooled response rate", "text")
        for c in table.columns
        if c.startswith("Target ")
    }
    return {
        "Response rate": PercentOf(("Answered",), ("People",)),
        "Band known %": PercentOf(("Band known",), ("People",)),
        **targets,
    }


SHARES: dict[str, Callable[[Table], dict[str, Pooling]]] = {
    "representation": _shares_of_known,
    "response": _response,
    "response_over_time": _fixed({"Response rate": PercentOf(("Answered",), ("People",))}),
    "outcomes": _fixed(AWARD_RATE),
    "parity": _parity,
    "renewals": _fixed(
        {
            "Renewal rate": PercentOf(("Renewed",), EVERY_RENEWAL),
            "Lapse rate": PercentOf(("Lapsed", "Lapsed after audit"), EVERY_RENEWAL),
        }
    ),
    "audit_selections": _fixed({"Share of selections": PercentOf(("Selected",), ("Selected",), "All")}),
    "audit_outcomes": _fixed(
        {
            "Accepted %": PercentOf(("Accepted",), EVERY_AUDIT),
            "Not renewed %": PercentOf(("Not renewed",), EVERY_AUDIT),
        }
    ),
    "audit_appeals": _fixed({"Upheld %": PercentOf(("Upheld",), ("Upheld", "Dismissed"))}),
    "working_pattern_outcomes": _fixed(AWARD_RATE),
    **{key: _shares_of_known for key in INTERSECTIONS},
    "feedback_by_band": _fixed(
        {
            "Feedback rate": PercentOf(("Feedback given",), ("Decided",)),
            "Deferral rate": PercentOf(("Deferred",), ("Decided",)),
            "Rejection rate": PercentOf(("Rejected",), ("Decided",)),
            "Appeal rate": PercentOf(("Appealed",), ("Feedback given",)),
        }
    ),
    "advanced_level_by_band": _shares_of("Registered", "At "),
    **{key: _fixed(AWARD_RATE) for key in AWARD_INTERSECTIONS},
    "ppd_uptake": _shares_of(REGISTERED),
    "assessor_appointments": _fixed({PER_THOUSAND: PercentOf((APPOINTED,), (REGISTERED,), per=1000)}),
}
"""For each table of the report (by key), what each of its percentages and rates is a share of (or why it is not
pooled), derived from the table's columns: a column the table gains (a band, a group, a PPD category) is covered as
it appears. The base each needs is set by ``pooling``."""


def pooling(table: Table) -> dict[str, Pooling]:
    """What a pool does with each of the table's columns that ``SHARES`` knows, with the table's own minimum base
    (``MIN_INTERSECTION_BASE`` for an intersection)."""
    derive = SHARES.get(table.key)
    found = derive(table) if derive is not None else {}
    if table.key in STRICT_TABLES:
        found = {
            c: replace(s, min_base=suppression.MIN_INTERSECTION_BASE) if isinstance(s, PercentOf) else s
            for c, s in found.items()
        }
    return found


# -- the export in memory
@dataclass
class Export:
    """The tables of one export (a body's, or a pool), with what each column is and what a pool does with it."""

    tables: list[Table]
    kinds: dict[str, dict[str, str | None]]  # table key -> column -> figure kind (None: no rows to tell)
    pooling: dict[str, dict[str, Pooling]]  # table key -> column that is not a count -> its share, or why not pooled
    generated_on: date
    rules: list[str]
    legend: list[str]
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    pooled_from: list[str] = field(default_factory=list)
    folder: Path | None = None

    def shares(self, key: str) -> dict[str, PercentOf]:
        """The table's columns a pool works out again, and how."""
        return {c: how for c, how in self.pooling[key].items() if isinstance(how, PercentOf)}


def from_report(report: Report) -> Export:
    """The report's tables (every one it holds), what each column is and what a pool does with it, checking each
    share against the report's own figures."""
    kinds: dict[str, dict[str, str | None]] = {}
    pooled: dict[str, dict[str, Pooling]] = {}
    for table in report.tables:
        declared = pooling(table)
        kinds[table.key] = {c: _kind_of(table, c, declared.get(c)) for c in table.columns}
        pooled[table.key] = {}
        for column, kind in kinds[table.key].items():
            how = declared.get(column)
            if kind == "count" and how is not None:
                raise ExportError(
                    f"table {table.key!r} column {column!r}: a count, but SHARES in {__name__} gives it a share"
                )
            if kind in (None, "count") and how is None:
                continue
            if how is None:
                how = NotPooled(NOT_POOLED.get(str(kind), UNDECLARED))
            if isinstance(how, PercentOf):
                _check_share(table, column, how, kinds[table.key])
            pooled[table.key][column] = how
    return Export(list(report.tables), kinds, pooled, report.today, report.rules, report.legend)


def _kind_of(table: Table, column: str, how: Pooling | None) -> str | None:
    """The column's figure: as its share or ``NotPooled`` says, else as its cells show (the first one not suppressed,
    since a suppressed cell may be the figure it is read from), or None for a table with no rows."""
    if isinstance(how, PercentOf):
        return how.kind
    if how is not None and how.kind is not None:
        return how.kind
    figures = [r.cells[column] for r in table.rows if column in r.cells]
    shown = next((f for f in figures if not f.suppressed), figures[0] if figures else None)
    return shown.kind if shown is not None else None


def _check_share(table: Table, column: str, share: PercentOf, kinds: dict[str, str | None]) -> None:
    """A share names count columns of its table and gives the report's own figure in every row, or the export stops:
    a pool must not compute something the report did not."""
    where = f"table {table.key!r} column {column!r}"
    for part in (*share.numerator, *share.base):
        if part not in kinds or kinds[part] not in (None, "count"):
            raise ExportError(f"{where}: its share names {part!r}, not a count column of the table; correct SHARES")
    for row in table.rows:
        if column in row.cells and share.figure(table, row) != row.cells[column]:
            raise ExportError(
                f"{where}: the declared share ({share.to_dict()}) does not give the report's figure in row "
                f"{row.label!r} ({row.cells[column].shown}); correct SHARES in {__name__}"
            )


# -- writing
def write_export(export: Export, folder: Path) -> Path:
    """Write ``export`` into ``folder`` (new, or empty), all or nothing: the files are made in a temporary folder
    beside it and moved into place at the end."""
    folder = Path(folder)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise ExportError(f"{folder}: already exists and is not an empty folder; choose a new or empty one")
    if not folder.parent.is_dir():
        raise ExportError(f"{folder.parent}: no such folder to write the export in")
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        for table in export.tables:
            _write_table(export, table, staging / f"{table.key}.csv")
        (staging / DESCRIPTOR).write_text(json.dumps(descriptor(export), indent=2, ensure_ascii=False) + "\n", "utf-8")
        if folder.exists():
            folder.rmdir()
        os.replace(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return folder


def export_report(report: Report, folder: Path) -> Path:
    """The consortium export of ``report``, written to ``folder``."""
    return write_export(from_report(report), folder)


def _columns(export: Export, table: Table) -> list[str]:
    names = list(KEY_FIELDS)
    for column in table.columns:
        names.append(column)
        if export.kinds[table.key][column] == "count":
            names.append(column + AT_LEAST)
    return names


def _write_table(export: Export, table: Table, path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(_columns(export, table))
        for row in table.rows:
            line: list[Any] = [row.group, row.label]
            for column in table.columns:
                figure = row.cells.get(column)
                line.append(_cell(figure))
                if export.kinds[table.key][column] == "count":
                    line.append("" if figure is None else figure.floor)
            writer.writerow(line)


def _cell(figure: Figure | None) -> Any:
    if figure is None or (figure.value is None and not figure.suppressed):
        return ""
    if figure.suppressed:
        return SUPPRESSED
    return figure.value


def descriptor(export: Export) -> dict[str, Any]:
    return {
        "profile": "tabular-data-package",
        "name": "regledger-progression-consortium-export" if not export.pooled_from else "regledger-progression-pool",
        "id": export.id,
        "title": "Progression and fairness: suppressed tables for a consortium"
        + (f" (pooled from {len(export.pooled_from)} exports)" if export.pooled_from else ""),
        "description": (__doc__ or "").strip().split("\n\n")[0],
        "format": FORMAT,
        "formatVersion": FORMAT_VERSION,
        "generatedOn": export.generated_on.isoformat(),
        "pooledFrom": export.pooled_from,
        "rounding": _rounding(),
        "suppression": {**_suppression(), "rules": export.rules},
        "legend": export.legend,
        "resources": [_resource(export, t) for t in export.tables],
    }


def _rounding() -> dict[str, Any]:
    return {
        "roundTo": suppression.ROUND_TO,
        "zeroBelow": suppression.ZERO_BELOW,
        "totals": "sums of rounded parts",
        "atoms": "every count is a sum of counts rounded at the table's finest breakdown",
    }


def _suppression() -> dict[str, Any]:
    return {
        "minPercentageBase": suppression.MIN_PERCENTAGE_BASE,
        "minIntersectionBase": suppression.MIN_INTERSECTION_BASE,
        "maxAverageBaseSuppressed": suppression.MAX_AVERAGE_BASE_SUPPRESSED,
        "minBlock": suppression.MIN_BLOCK,
        "settleDays": suppression.SETTLE_DAYS,
    }


def _resource(export: Export, table: Table) -> dict[str, Any]:
    fields: list[dict[str, Any]] = [
        {"name": "group", "type": "string", "description": "The group of rows this row belongs to (may be empty)."},
        {"name": "row", "type": "string", "description": "The row's label."},
    ]
    for column in table.columns:
        kind = export.kinds[table.key][column]
        how = export.pooling[table.key].get(column)
        spec: dict[str, Any] = {"name": column, "type": FIELD_TYPES.get(kind or "", "any"), "figure": kind}
        if isinstance(how, PercentOf):
            spec["suppressedWhen"] = how.suppressed_when
        elif kind is not None:
            spec["suppressedWhen"] = SUPPRESSED_WHEN[kind]
        if kind == "count":
            spec["constraints"] = {"minimum": 0}
        if kind in SHARE_KINDS:
            spec["percentOf"] = how.to_dict() if isinstance(how, PercentOf) else None
        if isinstance(how, NotPooled):
            spec["notPooled"] = how.reason
        fields.append(spec)
        if kind == "count":
            fields.append(
                {
                    "name": column + AT_LEAST,
                    "type": "integer",
                    "figure": "least records",
                    "of": column,
                    "description": f"The fewest records the rounded count '{column}' can stand for, read from the "
                    "rounded atoms alone; the percentage rule reads it.",
                    "constraints": {"minimum": 0},
                }
            )
    keys = [(r.group, r.label) for r in table.rows]
    schema: dict[str, Any] = {"fields": fields, "missingValues": MISSING_VALUES}
    if len(set(keys)) == len(keys):
        schema["primaryKey"] = list(KEY_FIELDS)
    return {
        "profile": "tabular-data-resource",
        "name": table.key,
        "path": f"{table.key}.csv",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "title": table.title,
        "description": table.about,
        "period": table.period.to_dict() if table.period else None,
        "snapshot": table.snapshot,
        "base": (
            "people as at the end of the period (a snapshot, placed on blocks of the dated changes to it)"
            if table.snapshot
            else "records dated within the period, each counted at its date"
        ),
        "reportedUntil": table.reported_until.isoformat() if table.reported_until else None,
        "notes": table.notes,
        "schema": schema,
    }


# -- reading
def read_export(folder: Path) -> Export:
    """One export, checked: its descriptor is of this format, and each CSV has the columns and figures its schema
    says."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ExportError(f"{folder}: no such folder (expected a consortium export with {DESCRIPTOR})")
    path = folder / DESCRIPTOR
    if not path.is_file():
        raise ExportError(f"{path}: not found; a consortium export is a folder holding {DESCRIPTOR}")
    try:
        package = json.loads(path.read_text("utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise ExportError(f"{path}: not JSON ({error})") from error
    if not isinstance(package, dict):
        raise ExportError(f"{path}: not a JSON object")
    if package.get("format") != FORMAT:
        raise ExportError(
            f"{path}: field 'format' is {package.get('format')!r}, not {FORMAT!r}: not a regledger consortium export"
        )
    if package.get("formatVersion") != FORMAT_VERSION:
        raise ExportError(
            f"{path}: field 'formatVersion' is {package.get('formatVersion')!r}, not {FORMAT_VERSION}: export it again "
            "with this version of regledger (version 1 did not say which base each percentage needs)"
        )
    for name, expected in (("rounding", _rounding()), ("suppression", _suppression())):
        given = {k: v for k, v in (package.get(name) or {}).items() if k != "rules"}
        if given != expected:
            raise ExportError(f"{path}: field {name!r} is {given}, but this register pools only {expected}")
    resources = package.get("resources")
    if not isinstance(resources, list) or not resources:
        raise ExportError(f"{path}: field 'resources' must list the tables")
    export = Export(
        [],
        {},
        {},
        _date(package.get("generatedOn"), f"{path}: field 'generatedOn'"),
        list(package["suppression"].get("rules", [])),
        list(package.get("legend", [])),
        str(package.get("id") or ""),
        list(package.get("pooledFrom") or []),
        folder,
    )
    if not export.id:
        raise ExportError(f"{path}: field 'id' is missing")
    for resource in resources:
        table = _read_resource(export, folder, resource, path)
        export.tables.append(table)
    return export


def _date(value: Any, where: str) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError) as error:
        raise ExportError(f"{where} is {value!r}, not a date (YYYY-MM-DD)") from error


def _read_resource(export: Export, folder: Path, resource: Any, path: Path) -> Table:
    where = f"{path}: resource {resource.get('name') if isinstance(resource, dict) else resource!r}"
    if not isinstance(resource, dict) or not isinstance(resource.get("name"), str):
        raise ExportError(f"{where}: field 'name' is missing")
    key = resource["name"]
    fields = (resource.get("schema") or {}).get("fields")
    if not isinstance(fields, list) or [f.get("name") for f in fields[:2]] != list(KEY_FIELDS):
        raise ExportError(f"{where}: field 'schema.fields' must start with 'group' and 'row'")
    period = resource.get("period")
    table = Table(
        key,
        str(resource.get("title", "")),
        str(resource.get("description", "")),
        [],
        period=None
        if period is None
        else Period(
            _date(period.get("from"), f"{where}: field 'period.from'"),
            _date(period.get("to"), f"{where}: field 'period.to'"),
        ),
        snapshot=bool(resource.get("snapshot")),
        reported_until=None
        if resource.get("reportedUntil") is None
        else _date(resource["reportedUntil"], f"{where}: field 'reportedUntil'"),
        notes=list(resource.get("notes") or []),
    )
    export.kinds[key], export.pooling[key] = {}, {}
    for spec in fields[2:]:
        if spec.get("figure") == "least records":
            continue
        column = spec["name"]
        table.columns.append(column)
        kind = export.kinds[key][column] = spec.get("figure")
        how = _read_pooling(spec, kind, f"{where} field {column!r}")
        if how is not None:
            export.pooling[key][column] = how
    given, expected = export.shares(key), {c: s for c, s in pooling(table).items() if isinstance(s, PercentOf)}
    wrong = next((c for c in table.columns if given.get(c) != expected.get(c)), None)
    if wrong is not None:
        mine, theirs = given.get(wrong), expected.get(wrong)
        raise ExportError(
            f"{where} field {wrong!r}: field 'percentOf' is {mine.to_dict() if mine else None}, but this register "
            f"pools that column as {theirs.to_dict() if theirs else None}: a share, and the base it needs, are the "
            "report's own, never the export's"
        )
    csv_path = folder / str(resource.get("path", ""))
    if resource.get("path") != f"{key}.csv" or not csv_path.is_file():
        raise ExportError(f"{where}: field 'path' is {resource.get('path')!r}; expected {key}.csv beside {DESCRIPTOR}")
    with csv_path.open(newline="", encoding="utf-8") as f:
        lines = list(csv.reader(f))
    header = [spec["name"] for spec in fields]
    if not lines or lines[0] != header:
        raise ExportError(f"{csv_path}: the header is not the schema's fields ({', '.join(header)})")
    types = {spec["name"]: spec.get("type") for spec in fields}
    for number, line in enumerate(lines[1:], start=2):
        if len(line) != len(header):
            raise ExportError(f"{csv_path}, line {number}: {len(line)} values for {len(header)} fields")
        values = dict(zip(header, line, strict=True))
        cells = {}
        for column in table.columns:
            kind = export.kinds[key][column]
            figure = _figure(values[column], kind, types[column], f"{csv_path}, line {number}, field {column!r}")
            if figure is None:
                continue
            if kind == "count":
                floor = _number(
                    values[column + AT_LEAST], "integer", f"{csv_path}, line {number}, field {column + AT_LEAST!r}"
                )
                figure = Figure("count", figure.value, floor=int(floor or 0))
            cells[column] = figure
        table.rows.append(Row(values["group"], values["row"], cells))
    return table


def _read_pooling(spec: dict[str, Any], kind: str | None, where: str) -> Pooling | None:
    """What a pool does with a field: its ``percentOf`` (of the field's own figure), or why it is not pooled."""
    share = PercentOf.from_dict(spec.get("percentOf"), where)
    if share is not None:
        if share.kind != kind:
            raise ExportError(
                f"{where}: field 'percentOf' has per {share.per}, which makes a {share.kind}, not a {kind}"
            )
        return share
    if kind in (None, "count") and "notPooled" not in spec:
        return None
    reason = spec.get("notPooled") or NOT_POOLED.get(str(kind), UNDECLARED)
    return NotPooled(str(reason), kind)


def _figure(text: str, kind: str | None, type_: str | None, where: str) -> Figure | None:
    if text == "":
        return None
    if kind is None:
        raise ExportError(f"{where}: a value in a column whose schema gives no 'figure'")
    if text == SUPPRESSED:
        return Figure(kind, None, True, SUPPRESSED_WHEN.get(kind))
    if kind == "text":
        return Figure("text", text)
    value = _number(text, type_, where)
    return Figure(kind, value)


def _number(text: str, type_: str | None, where: str) -> int | float | None:
    if text in MISSING_VALUES:
        return None
    try:
        if type_ == "integer":
            value: int | float = int(text)
            if value < 0:
                raise ValueError(text)
            return value
        value = float(text)
        return int(value) if value.is_integer() and "." not in text else value
    except ValueError as error:
        raise ExportError(f"{where}: {text!r} is not {'an integer' if type_ == 'integer' else 'a number'}") from error


# -- pooling
def pool_exports(folders: Sequence[Path], tables: Sequence[str] | None = None) -> Export:
    """The pooled tables of several bodies' exports (see the module's docstring): counts added cell by cell,
    percentages worked out again and suppressed by the report's rule, averages, gaps and flags not pooled. Refuses,
    naming the file and field, unless every export has the same tables, columns, rows and periods; ``tables`` (keys)
    pools only those, for bodies whose releases agree on some tables and not others."""
    if len(folders) < 2:
        raise ExportError("pooling needs at least two exports")
    exports = [read_export(Path(f)) for f in folders]
    if tables is not None:
        for e in exports:
            assert e.folder is not None
            unknown = [k for k in tables if k not in {t.key for t in e.tables}]
            if unknown:
                raise ExportError(f"{e.folder / DESCRIPTOR}: field 'resources' has no table {unknown[0]!r}")
            e.tables = [t for t in e.tables if t.key in tables]
    seen: dict[str, Path] = {}
    for e in exports:
        assert e.folder is not None
        for source in [e.id, *e.pooled_from]:
            if source in seen:
                raise ExportError(
                    f"{e.folder / DESCRIPTOR}: field 'id' (or 'pooledFrom'): export {source} is already in "
                    f"{seen[source] / DESCRIPTOR}; pooling it twice would count its people twice"
                )
            seen[source] = e.folder
    first = exports[0]
    for other in exports[1:]:
        _same_shape(first, other)
    return Export(
        [_pool_table(first, [e.tables[i] for e in exports]) for i in range(len(first.tables))],
        first.kinds,
        first.pooling,
        max(e.generated_on for e in exports),
        first.rules,
        first.legend,
        pooled_from=[source for e in exports for source in [e.id, *e.pooled_from]],
    )


def _same_shape(first: Export, other: Export) -> None:
    assert first.folder is not None and other.folder is not None
    here, there = other.folder / DESCRIPTOR, first.folder / DESCRIPTOR
    keys, other_keys = [t.key for t in first.tables], [t.key for t in other.tables]
    if keys != other_keys:
        raise ExportError(f"{here}: field 'resources' lists {other_keys}, but {there} lists {keys}")
    for a, b in zip(first.tables, other.tables, strict=True):
        checks: list[tuple[str, Any, Any]] = [
            ("period", a.period, b.period),
            ("snapshot", a.snapshot, b.snapshot),
            ("schema.fields", a.columns, b.columns),
            ("schema.fields figure", first.kinds[a.key], other.kinds[b.key]),
            ("schema.fields percentOf", first.shares(a.key), other.shares(b.key)),
            ("rows (group, row)", [(r.group, r.label) for r in a.rows], [(r.group, r.label) for r in b.rows]),
        ]
        for name, mine, theirs in checks:
            if mine != theirs:
                raise ExportError(
                    f"{here}: resource {b.key!r} field {name!r} is {_words(theirs)}, but {there} has {_words(mine)}: "
                    "only figures with the same definitions and periods can be pooled (pool the tables that agree "
                    "with --table)"
                )


def _words(value: Any) -> str:
    if isinstance(value, Period):
        return f"{value.start.isoformat()} to {value.end.isoformat()}"
    if value is None:
        return "none (not reported yet)"
    return repr(value)


def _pool_table(export: Export, tables: list[Table]) -> Table:
    first = tables[0]
    pooled = Table(
        first.key,
        first.title,
        first.about,
        list(first.columns),
        period=first.period,
        snapshot=first.snapshot,
        reported_until=min((t.reported_until for t in tables if t.reported_until), default=None),
        notes=[
            f"Pooled from {len(tables)} exports: each count is the sum of the bodies' rounded counts (a sum of "
            "rounded atoms, so totals are the sums of their parts); percentages are worked out again from the pooled "
            "counts and suppressed by the same rule; averages, gaps, flags and copies are not pooled."
        ],
    )
    kinds, shares = export.kinds[first.key], export.shares(first.key)
    for rows in zip(*(t.rows for t in tables), strict=True):
        cells: dict[str, Figure] = {}
        for column in first.columns:
            present = [r.cells[column] for r in rows if column in r.cells]
            if not present or column in shares:
                continue
            if kinds[column] == "count":
                cells[column] = Figure("count", sum(int(f.given) for f in present), floor=sum(f.floor for f in present))
            else:
                how = export.pooling[first.key].get(column)
                reason = how.reason if isinstance(how, NotPooled) else NOT_POOLED.get(str(kinds[column]), UNDECLARED)
                cells[column] = Figure(str(kinds[column]), None, True, reason)
        pooled.rows.append(Row(rows[0].group, rows[0].label, cells))
    for row, rows in zip(pooled.rows, zip(*(t.rows for t in tables), strict=True), strict=True):
        for column, share in shares.items():
            if any(column in r.cells for r in rows):
                row.cells[column] = share.figure(pooled, row)
    return pooled
