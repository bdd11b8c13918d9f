"""The consortium export: the progression report's suppressed tables in a form other bodies can read and pool, and the
pooling itself. The Social Mobility Commission's toolkit asks bodies to "connect with consortia of organisations to
undertake more advanced analysis"; a consortium sees each body's published figures, never its records, so what is
pooled must be what was published, and pooling must not undo the suppression.

The format (``regledger-consortium-export``, version 1)
------------------------------------------------------
A folder holding ``datapackage.json``, a Frictionless **Tabular Data Package** (Data Package v1,
https://specs.frictionlessdata.io/tabular-data-package/, profile ``tabular-data-package``), and one CSV per table of
the report: every table the report holds, in its order, whatever tables it has.

- **Package properties**: ``profile``, ``name``, ``id`` (a fresh UUID: pooling refuses the same export twice),
  ``title``, ``description``, and the custom properties ``format`` (``regledger-consortium-export``),
  ``formatVersion`` (1), ``generatedOn`` (the report's date), ``pooledFrom`` (the ids of the exports pooled into
  this one; empty for a body's own), ``rounding`` (``roundTo`` 5, ``zeroBelow`` 2.5, ``totals`` "sums of rounded
  parts"), ``suppression`` (``minPercentageBase`` 22.5, ``maxAverageBaseSuppressed`` 7, ``minBlock`` 23,
  ``settleDays`` 31, and ``rules``: the report's rules in words) and ``legend``.
- **One resource per table** (profile ``tabular-data-resource``; ``name`` the table's key, ``path`` ``<key>.csv``,
  ``format`` csv, UTF-8), with ``title`` and ``description`` (what the table is) and the custom properties
  ``period`` (``{"from", "to", "label"}``, or null when the table is not reported yet), ``snapshot`` (true: figures as
  at the period's end; false: records dated within it), ``base`` (what each count counts, in words),
  ``reportedUntil`` and ``notes``.
- **Its Table Schema**: the fields ``group`` and ``row`` (the row's group and label), then one field per column of
  the table, typed by what it holds: a count is an ``integer``, a percentage, an average or a gap in points a
  ``number``, words a ``string`` (``any`` for a table with no rows yet). Each carries ``figure`` (count, percent,
  average, points, text) and ``suppressedWhen`` (the rule). Each count column ``C`` is followed by ``C (at least)``:
  the fewest records the rounded count can stand for (each rounded atom of 5 may be as few as 3 people), read from
  the rounded atoms alone; it is what the percentage rule reads, and pooling needs it to re-apply the rule. A
  percentage column carries ``percentOf``: ``{"numerator": [columns], "base": [columns], "baseRow": label or null}``
  (its figure is the sum of the numerator columns over the sum of the base columns, in the same row, or in the row
  ``baseRow``), or null where the report does not declare one (``RATES`` below): such a column is exported but not
  pooled. ``missingValues`` is ``["", "suppressed"]``: ``suppressed`` is a figure withheld by the rule, empty a cell
  the row does not have. ``primaryKey`` is ``["group", "row"]``.

Pooling (``pool_exports``)
--------------------------
Only like with like: every export must be of this format and version, with the same rounding and suppression, the
same tables with the same columns, figures, definitions and rows, and **the same period for each table** (each
body's periods come from its own blocks of quarters; bodies pool the releases whose periods agree). Anything else is
refused with an error naming the file and the field, and nothing is written. Then:

- **Counts** are added cell by cell. Every body's count is a sum of rounded atoms, so every pooled count is a sum of
  rounded atoms too: a multiple of 5, and each pooled total (a row or a column that sums others) is exactly the sum
  of the pooled parts, as each body's was. ``at least`` adds likewise.
- **Percentages** are worked out again from the pooled counts and suppressed again by the report's own rule
  (``suppression.percentage``): a base of fewer than 22.5 people as the pooled rounded counts prove it.
- **Averages, gaps and flags are not pooled**: an average would need each body's raw durations, and a gap or flag is
  read off pooled percentages by whoever uses them. They are marked suppressed, with that reason.

Why nothing unsuppressed follows: every pooled figure is a function of the bodies' published figures alone (the
rounded counts and their ``at least``), so whoever holds the exports and the pool learns nothing the exports did not
already say; two sets of registers whose rounded atoms agree give byte-identical exports and pools
(``tests/integration/test_consortium_export.py`` shows it beside a naive pool of raw counts that the same attack
breaks). What the export adds to the report is ``at least``: how many non-zero rounded atoms make up a count, a fact
about rounded figures, never about the raw counts rounding hid.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ledger.domain import background
from ledger.reports.progression import suppression
from ledger.reports.progression.shape import Report, Row, Table, band_name
from ledger.reports.progression.suppression import Figure, Period

FORMAT = "regledger-consortium-export"
FORMAT_VERSION = 1
DESCRIPTOR = "datapackage.json"
SUPPRESSED = suppression.SUPPRESSED
MISSING_VALUES = ["", SUPPRESSED]
AT_LEAST = " (at least)"
KEY_FIELDS = ("group", "row")
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
    "percent": "not pooled: the export does not say what this percentage is a share of",
    "rate": "not pooled: a rate per 1,000 is read off the pooled counts",
}
SUPPRESSED_WHEN = {
    "count": "never: a count is rounded to the nearest 5 (under 2.5 shows as 0)",
    "percent": f"its base is fewer than {suppression.MIN_PERCENTAGE_BASE:g} people, as the rounded counts prove it",
    "rate": f"its base is fewer than {suppression.MIN_PERCENTAGE_BASE:g} people, as the rounded counts prove it",
    "average": f"it is based on {suppression.MAX_AVERAGE_BASE_SUPPRESSED} or fewer people",
    "points": "a percentage it compares is suppressed",
    "text": "a figure it is read from is suppressed",
}


class ExportError(ValueError):
    """An export that cannot be written, read or pooled; the message names the file and the field."""


@dataclass(frozen=True)
class PercentOf:
    """A percentage column: the sum of ``numerator`` over the sum of ``base`` (columns of the same row, or of the row
    labelled ``base_row`` in the same group)."""

    numerator: tuple[str, ...]
    base: tuple[str, ...]
    base_row: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"numerator": list(self.numerator), "base": list(self.base), "baseRow": self.base_row}

    @classmethod
    def from_dict(cls, data: Any, where: str) -> PercentOf | None:
        if data is None:
            return None
        try:
            return cls(tuple(data["numerator"]), tuple(data["base"]), data.get("baseRow"))
        except (TypeError, KeyError, AttributeError) as error:
            raise ExportError(f"{where}: field 'percentOf' is not {{numerator, base, baseRow}}") from error

    def figure(self, table: Table, row: Row) -> Figure:
        """The percentage, worked out and suppressed by the report's own rule from the rounded counts."""
        base_row = row if self.base_row is None else table.row(row.group, self.base_row)
        if base_row is None:
            return Figure("percent", None, True, f"no row {self.base_row!r} to be a share of")
        return suppression.percentage(
            suppression.total(row.cells[c] for c in self.numerator if c in row.cells),
            suppression.total(base_row.cells[c] for c in self.base if c in base_row.cells),
        )


def _rates() -> dict[tuple[str, str], PercentOf]:
    known = tuple(band_name(b) for b in background.BANDS)
    every_renewal = ("Renewed", "Lapsed", "Lapsed after audit")
    every_audit = ("Accepted", "Deferred", "Not renewed")
    return {
        **{("representation", f"{b} %"): PercentOf((b,), known) for b in known},
        ("response", "Response rate"): PercentOf(("Answered",), ("People",)),
        ("response", "Band known %"): PercentOf(("Band known",), ("People",)),
        ("response_over_time", "Response rate"): PercentOf(("Answered",), ("People",)),
        ("outcomes", "Award rate"): PercentOf(("Awarded",), ("Decided",)),
        ("renewals", "Renewal rate"): PercentOf(("Renewed",), every_renewal),
        ("renewals", "Lapse rate"): PercentOf(("Lapsed", "Lapsed after audit"), every_renewal),
        ("audit_selections", "Share of selections"): PercentOf(("Selected",), ("Selected",), "All"),
        ("audit_outcomes", "Accepted %"): PercentOf(("Accepted",), every_audit),
        ("audit_outcomes", "Not renewed %"): PercentOf(("Not renewed",), every_audit),
        ("audit_appeals", "Upheld %"): PercentOf(("Upheld",), ("Upheld", "Dismissed")),
    }


RATES: dict[tuple[str, str], PercentOf] = _rates()
"""What each percentage of the report is a share of, by (table key, column). A table added to the report without
entries here is still exported, its percentages marked ``percentOf: null`` and not pooled; an entry that does not
reproduce the report's own figures stops the export (it would let a pool compute something the report did not)."""


# -- the export in memory
@dataclass
class Export:
    """The tables of one export (a body's, or a pool), with what each column is."""

    tables: list[Table]
    kinds: dict[str, dict[str, str | None]]  # table key -> column -> figure kind (None: no rows to tell)
    rates: dict[str, dict[str, PercentOf | None]]  # table key -> percentage column -> its definition
    generated_on: date
    rules: list[str]
    legend: list[str]
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    pooled_from: list[str] = field(default_factory=list)
    folder: Path | None = None


def from_report(report: Report) -> Export:
    """The report's tables (every one it holds) and what each column is, checking each declared percentage against
    the report's own figures."""
    kinds: dict[str, dict[str, str | None]] = {}
    rates: dict[str, dict[str, PercentOf | None]] = {}
    for table in report.tables:
        kinds[table.key] = {c: _kind_of(table, c) for c in table.columns}
        rates[table.key] = {}
        for column, kind in kinds[table.key].items():
            if kind != "percent":
                continue
            rate = RATES.get((table.key, column))
            if rate is not None:
                for row in table.rows:
                    if column in row.cells and rate.figure(table, row) != row.cells[column]:
                        raise ExportError(
                            f"table {table.key!r} column {column!r}: the declared share ({rate.to_dict()}) does not "
                            f"give the report's figure in row {row.label!r}; correct RATES in {__name__}"
                        )
            rates[table.key][column] = rate
    return Export(list(report.tables), kinds, rates, report.today, report.rules, report.legend)


def _kind_of(table: Table, column: str) -> str | None:
    figure = next((r.cells[column] for r in table.rows if column in r.cells), None)
    if figure is None and any(rate_column == column for key, rate_column in RATES if key == table.key):
        return "percent"
    return figure.kind if figure is not None else None


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
        spec: dict[str, Any] = {"name": column, "type": FIELD_TYPES.get(kind or "", "any"), "figure": kind}
        if kind is not None:
            spec["suppressedWhen"] = SUPPRESSED_WHEN[kind]
        if kind == "count":
            spec["constraints"] = {"minimum": 0}
        if kind == "percent":
            rate = export.rates[table.key].get(column)
            spec["percentOf"] = rate.to_dict() if rate else None
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
        raise ExportError(f"{path}: field 'formatVersion' is {package.get('formatVersion')!r}, not {FORMAT_VERSION}")
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
    export.kinds[key], export.rates[key] = {}, {}
    for spec in fields[2:]:
        if spec.get("figure") == "least records":
            continue
        column = spec["name"]
        table.columns.append(column)
        export.kinds[key][column] = spec.get("figure")
        if spec.get("figure") == "percent":
            export.rates[key][column] = PercentOf.from_dict(spec.get("percentOf"), f"{where} field {column!r}")
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
        first.rates,
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
            ("schema.fields percentOf", first.rates[a.key], other.rates[b.key]),
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
            "counts and suppressed by the same rule; averages, gaps and flags are not pooled."
        ],
    )
    kinds, rates = export.kinds[first.key], export.rates[first.key]
    for rows in zip(*(t.rows for t in tables), strict=True):
        cells: dict[str, Figure] = {}
        for column in first.columns:
            present = [r.cells[column] for r in rows if column in r.cells]
            if not present:
                continue
            if kinds[column] == "count":
                cells[column] = Figure("count", sum(int(f.given) for f in present), floor=sum(f.floor for f in present))
            elif kinds[column] != "percent" or rates.get(column) is None:
                cells[column] = Figure(str(kinds[column]), None, True, NOT_POOLED[str(kinds[column])])
        pooled.rows.append(Row(rows[0].group, rows[0].label, cells))
    for row, rows in zip(pooled.rows, zip(*(t.rows for t in tables), strict=True), strict=True):
        for column, rate in rates.items():
            if rate is not None and any(column in r.cells for r in rows):
                row.cells[column] = rate.figure(pooled, row)
    return pooled
