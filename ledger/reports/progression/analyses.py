"""Progression and fairness: who is registered, at which level, by which route, from which background - the
figures the Social Mobility Commission asks employers to know and publish, made from the statistics read model
(``ledger.read.projections.statistics``) and protected by ``ledger.reports.progression.suppression``.

``progression_report(conn, today, asked_from, asked_to)`` gives a ``Report``: a list of tables, each with the period
it covers (its own run of whole blocks on the quarter grid), rows of ``Figure`` cells, and notes. The analyses:

- **Representation** by background band at each level, as at the end of the period, against the benchmarks (52% of
  the creative workforce and 37% of the working population are from a professional background).
- **Response** to the background questions, against the targets (66%, then 70%), as at the end of the period and at
  the end of each earlier block.
- **Application outcomes** (first decision, or withdrawal) and award rates by route, by band, by route and band, by
  level and route; and a **pass-rate parity** flag when the equivalency route's award rate trails the standard
  route's by more than a margin (overall and at each level).
- **Time from one level to the next**, by step, route and band (average months between the two awards).
- **Renewals and lapses** (renewed, lapsed, lapsed after a PPD audit) by band; **PPD audits**: selections, outcomes
  and appeals by band.

Each record's band is the one the person had given by the record's date ("not known" if none: not answered, other,
or prefer not to say); band percentages leave "not known" out of their base, as the SMC asks.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Connection

from ledger.domain import background
from ledger.domain.framework import FRAMEWORK, Framework
from ledger.read.projections.statistics import statistics_rows
from ledger.reports.progression import suppression
from ledger.reports.progression.suppression import Figure, Grid, Period

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
            f"{suppression.MAX_AVERAGE_BASE_SUPPRESSED} or fewer.",
            "Periods are whole calendar quarters, merged into blocks of no records or at least "
            f"{suppression.MIN_BLOCK}; dates asked for snap outwards to whole blocks, and the newest records wait "
            "until they make a whole block, so no two reports differ by one person.",
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


# -- people over time, from the statistics rows
@dataclass(frozen=True)
class State:
    responded: bool
    band: str | None
    level: str | None  # the level held, while registered (or suspended); None otherwise


class People:
    """Each person's background and standing over time, by pseudonym."""

    def __init__(self, rows: dict[str, list[dict[str, Any]]]) -> None:
        self.enrolled = {p["person"]: p["enrolled_on"] for p in rows["people"] if not p["erased"]}
        self.answers: dict[str, list[tuple[date, int, bool, str | None]]] = defaultdict(list)
        for a in rows["answers"]:
            if a["person"] in self.enrolled:
                self.answers[a["person"]].append((a["on"], a["seq"], a["responded"], a["band"]))
        for history in self.answers.values():
            history.sort(key=lambda a: (a[0], a[1]))
        self.standing: dict[str, list[tuple[date, int, str, str | None]]] = defaultdict(list)
        for e in rows["events"]:
            if e["kind"] in ("awarded", "reinstated", *LEFT_REGISTER) and e["person"] in self.enrolled:
                self.standing[e["person"]].append((e["on"], e["seq"], e["kind"], e["level"]))
        for history in self.standing.values():
            history.sort(key=lambda s: (s[0], s[1]))

    def band_at(self, person: str, day: date) -> str | None:
        band = None
        for on, _, _, given in self.answers.get(person, ()):
            if on > day:
                break
            band = given
        return band

    def timeline(self, person: str) -> list[tuple[date, State]]:
        """The person's state after each day on which it changed, from enrolment."""
        changes: dict[date, list[tuple[int, int, Any]]] = defaultdict(list)
        for on, seq, responded, band in self.answers.get(person, ()):
            changes[on].append((0, seq, ("answer", responded, band)))
        for on, seq, kind, level in self.standing.get(person, ()):
            changes[on].append((1, seq, (kind, level, None)))
        enrolled = self.enrolled[person]
        if enrolled is not None:
            changes.setdefault(enrolled, [])
        responded, band, level, held = False, None, None, None
        out: list[tuple[date, State]] = []
        for day in sorted(changes):
            for _, _, (kind, a, b) in sorted(changes[day], key=lambda c: (c[0], c[1])):
                if kind == "answer":
                    responded, band = a, b
                elif kind == "awarded":
                    level = held = a
                elif kind == "reinstated":
                    level = held
                else:
                    level = None
            out.append((day, State(responded, band, level)))
        return out


def state_at(timeline: list[tuple[date, State]], day: date) -> State | None:
    state = None
    for on, s in timeline:
        if on > day:
            break
        state = s
    return state


def change_dates(timeline: list[tuple[date, State]], view: Callable[[State], Any]) -> list[date]:
    """The days on which what a snapshot table counts of this person changed (the first day counts as a change)."""
    dates, last = [], None
    for on, state in timeline:
        seen = view(state)
        if seen != last:
            dates.append(on)
            last = seen
    return dates


# -- building count tables
@dataclass
class Column:
    """A count column: the records it counts, or (``parts``) the sum of earlier columns as shown."""

    name: str
    counts: Callable[[dict[str, Any]], bool] = lambda r: False
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
        parts: list[tuple[str, Callable[[dict[str, Any]], bool]]],
        rates: list[Rate] = (),  # type: ignore[assignment]
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
    parts: list[tuple[str, Callable[[dict[str, Any]], bool]]],
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


def by_band(key: str = "band") -> list[tuple[str, Callable[[dict[str, Any]], bool]]]:
    return [(band_name(b), lambda r, b=b: r[key] == b) for b in BANDS]


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


# -- the analyses
class Analyses:
    def __init__(
        self,
        rows: dict[str, list[dict[str, Any]]],
        today: date,
        asked_from: date | None,
        asked_to: date | None,
        parity_margin: float,
        framework: Framework,
    ) -> None:
        self.rows, self.today, self.asked_from, self.asked_to = rows, today, asked_from, asked_to
        self.margin = parity_margin
        self.framework = framework
        self.levels = [level.code for level in framework.levels]
        self.rank = {level.code: level.rank for level in framework.levels}
        self.people = People(rows)
        self.timelines = {person: self.people.timeline(person) for person in self.people.enrolled}

    def snapshot(self, table: Table, view: Callable[[State], Any]) -> Grid:
        """Place a snapshot table on the grid of the changes to what it counts; it is taken at its period's end."""
        dates: list[date] = []
        for timeline in self.timelines.values():
            dates += change_dates(timeline, view)
        found = suppression.grid(dates, self.today)
        table.period, table.snapshot = found.snap(None, self.asked_to), True
        table.reported_until = found.blocks[-1].end if found.blocks else None
        return found

    def states_at(self, day: date) -> list[State]:
        return [s for s in (state_at(t, day) for t in self.timelines.values()) if s is not None]

    # -- representation
    def representation(self) -> Table:
        bands = [band_name(b) for b in BANDS]
        shares = [f"{band_name(b)} %" for b in background.BANDS]
        gaps = [f"vs {name.replace('_', ' ')} ({pct}%)" for name, pct in BENCHMARKS.items()]
        table = Table(
            "representation",
            "Representation by background at each level",
            "People registered at each level at the end of the period, by the socio-economic band of "
            "their parents' occupation at 14, with each band's share of those whose band is known; the "
            f"professional share is set against the benchmarks ({BENCHMARKS['creative_workforce']}% of "
            f"the creative workforce, {BENCHMARKS['working_population']}% of the working population).",
            [*bands, "Total", *shares, *gaps],
        )
        self.snapshot(table, lambda s: (s.level, s.band) if s.level else None)
        if table.period is None:
            return table
        day = table.period.end
        records = [{"level": s.level, "band": s.band} for s in self.states_at(day) if s.level]
        columns = [Column(band_name(b), lambda r, b=b: r["band"] == b) for b in BANDS]
        parts = [(code, lambda r, code=code: r["level"] == code) for code in self.levels]
        table.rows = Counts(records, ("level", "band"), columns, table).rows("", parts, total_label="All levels")
        known = tuple(band_name(b) for b in background.BANDS)
        for row in table.rows:
            row.cells["Total"] = suppression.total(row.cells[b] for b in bands)
            base = suppression.total(row.cells[b] for b in known)
            for b, share in zip(known, shares, strict=True):
                row.cells[share] = suppression.percentage(row.cells[b], base)
            for pct, gap in zip(BENCHMARKS.values(), gaps, strict=True):
                row.cells[gap] = suppression.points(row.cells[shares[0]], Figure("percent", pct))
        table.notes.append(
            "'vs' columns: the professional share minus the benchmark, in percentage points "
            "(negative: fewer people from professional backgrounds than the benchmark)."
        )
        return table

    # -- response to the questions
    def response(self) -> list[Table]:
        table = Table(
            "response",
            "Response to the background questions",
            "Everyone enrolled, and the people registered at each level, at the end of the period: how "
            "many answered the background questions (any answer, 'prefer not to say' included) and how "
            f"many gave a band, against the targets of {RESPONSE_TARGETS[0]}% and then "
            f"{RESPONSE_TARGETS[1]}%.",
            [
                "People",
                "Answered",
                "Response rate",
                *(f"Target {t}%" for t in RESPONSE_TARGETS),
                "Band known",
                "Band known %",
            ],
        )
        found = self.snapshot(table, lambda s: (s.responded, s.band, s.level))
        over_time = Table(
            "response_over_time",
            "Response rate over time",
            "The response rate to the background questions among everyone enrolled, at the end of "
            "each block of quarters (each point is a snapshot a report can show on its own).",
            ["People", "Answered", "Response rate"],
            period=table.period,
            snapshot=True,
            reported_until=table.reported_until,
        )
        if table.period is None:
            return [table, over_time]
        day = table.period.end
        ends = [d for d in found.ends() if d <= day and (self.asked_from is None or d >= self.asked_from)]
        columns = [
            Column("People", lambda r: True),
            Column("Answered", lambda r: r["responded"]),
            Column("Band known", lambda r: r["band"] is not None),
        ]
        rates = [Rate("Response rate", ("Answered",), ("People",)), Rate("Band known %", ("Band known",), ("People",))]
        records = [{"responded": s.responded, "band": s.band, "level": s.level} for s in self.states_at(day)]
        standing = [
            *((code, lambda r, code=code: r["level"] == code) for code in self.levels),
            ("Not registered", lambda r: r["level"] is None),
        ]
        table.rows = Counts(records, ("level",), columns).rows("By standing", standing, rates, "Everyone enrolled")
        for row in table.rows:
            rate = row.cells["Response rate"]
            for target in RESPONSE_TARGETS:
                row.cells[f"Target {target}%"] = (
                    rate if rate.suppressed else suppression.text("met" if float(rate.value) >= target else "not met")
                )  # type: ignore[arg-type]
        for end in ends:
            records = [{"responded": s.responded, "band": s.band, "level": s.level} for s in self.states_at(end)]
            over_time.rows += Counts(records, ("level",), columns[:2]).rows(
                "", [(end.isoformat(), lambda r: True)], rates[:1]
            )
        return [table, over_time]

    # -- applications
    def outcomes(self) -> tuple[Table, Table]:
        outcome_columns = [
            ("Awarded", "award"),
            ("Deferred", "defer"),
            ("Rejected", "reject"),
            ("Withdrawn", "withdrawn"),
        ]
        table = Table(
            "outcomes",
            "Application outcomes and award rates",
            "Applications by their first outcome (the first decision, or withdrawal before one) in the "
            "period, by route, by band, by route and band, by level and route, and by level, route and "
            "band; the award rate is "
            "awarded as a share of decided (awarded, deferred or rejected).",
            [*(name for name, _ in outcome_columns), "Decided", "Award rate"],
        )
        records = [
            {
                "on": a["closed_on"],
                "route": a["route"],
                "level": a["level"],
                "outcome": a["first_outcome"],
                "band": self.people.band_at(a["person"], a["closed_on"]),
            }
            for a in self.rows["applications"]
            if a["closed_on"] is not None and a["person"] in self.people.enrolled
        ]
        inside = _flow(table, records, self.today, self.asked_from, self.asked_to)
        columns = [Column(name, lambda r, code=code: r["outcome"] == code) for name, code in outcome_columns]
        columns.append(Column("Decided", parts=("Awarded", "Deferred", "Rejected")))
        rates = [Rate("Award rate", ("Awarded",), ("Decided",))]
        routes = [(ROUTE_NAMES[code], lambda r, code=code: r["route"] == code) for code in ROUTE_NAMES]
        if table.period is not None:
            counts = Counts(inside, ("level", "route", "band"), columns, table)
            table.rows = counts.rows("By route", routes, rates, "All routes")
            table.rows += counts.rows("By background", by_band(), rates, "All backgrounds")
            for code in ROUTE_NAMES:
                table.rows += counts.rows(
                    f"{ROUTE_NAMES[code]}, by background",
                    [
                        (name, lambda r, test=test, code=code: r["route"] == code and test(r))
                        for name, test in by_band()
                    ],
                    rates,
                )
            for level in self.levels:
                table.rows += counts.rows(
                    f"{level}, by route",
                    [
                        (name, lambda r, test=test, level=level: r["level"] == level and test(r))
                        for name, test in routes
                    ],
                    rates,
                )
            for level in self.levels:
                for code in ROUTE_NAMES:
                    table.rows += counts.rows(
                        f"{level}, {ROUTE_NAMES[code]}, by background",
                        [
                            (
                                name,
                                lambda r, test=test, level=level, code=code: (
                                    r["level"] == level and r["route"] == code and test(r)
                                ),
                            )
                            for name, test in by_band()
                        ],
                        rates,
                    )
            table.notes.append("Decided is the sum of awarded, deferred and rejected as shown.")
        return table, self.parity(table)

    def parity(self, outcomes: Table) -> Table:
        table = Table(
            "parity",
            "Pass-rate parity between the routes",
            "The equivalency (experience) route's award rate against the standard (qualification) "
            f"route's, overall and at each level; flagged when it trails by more than {self.margin:g} "
            "percentage points.",
            ["Standard award rate", "Equivalency award rate", "Gap", "Flag"],
            period=outcomes.period,
            reported_until=outcomes.reported_until,
        )
        if outcomes.period is None:
            return table
        pairs = [("All levels", "By route"), *((code, f"{code}, by route") for code in self.levels)]
        for label, group in pairs:
            standard = outcomes.row(group, ROUTE_NAMES["standard"]).cells["Award rate"]  # type: ignore[union-attr]
            equivalency = outcomes.row(group, ROUTE_NAMES["equivalency"]).cells["Award rate"]  # type: ignore[union-attr]
            gap = suppression.points(equivalency, standard)
            if gap.suppressed:
                flag = Figure("text", None, True, "an award rate it compares is suppressed")
            elif -float(gap.value) > self.margin:  # type: ignore[arg-type]
                flag = suppression.text(f"FLAG: equivalency trails by more than {self.margin:g} points")
            else:
                flag = suppression.text(f"within {self.margin:g} points")
            table.rows.append(
                Row(
                    "",
                    label,
                    {"Standard award rate": standard, "Equivalency award rate": equivalency, "Gap": gap, "Flag": flag},
                )
            )
        return table

    # -- progression
    def time_to_progress(self) -> Table:
        unit = "months"
        table = Table(
            "progression",
            "Time from one level to the next",
            "People awarded a higher level in the period: how many, and the average time since they were "
            "awarded the level below, by step, by the route of the higher award, and by band.",
            ["People", f"Average ({unit})"],
        )
        records = []
        for e in self.rows["events"]:
            if (
                e["kind"] == "awarded"
                and e["previous_level"]
                and e["previous_on"]
                and e["person"] in self.people.enrolled
                and self.rank.get(e["level"], 0) > self.rank.get(e["previous_level"], 0)
            ):
                records.append(
                    {
                        "on": e["on"],
                        "step": f"{e['previous_level']} to {e['level']}",
                        "route": e["route"],
                        "band": self.people.band_at(e["person"], e["on"]),
                        "months": (e["on"] - e["previous_on"]).days / suppression.DAYS_PER_MONTH,
                    }
                )
        inside = _flow(table, records, self.today, self.asked_from, self.asked_to)
        if table.period is None:
            return table
        steps = [f"{a} to {b}" for a, b in zip(self.levels, self.levels[1:], strict=False)]
        routes = [(ROUTE_NAMES[code], lambda r, code=code: r["route"] == code) for code in ROUTE_NAMES]
        counts = Counts(inside, ("step", "route", "band"), [Column("People", lambda r: True)], table)

        def rows(group: str, parts: list[tuple[str, Callable[[dict[str, Any]], bool]]]) -> list[Row]:
            return average_rows(group, parts, inside, counts, "months", unit)

        table.rows = rows("By step", [(s, lambda r, s=s: r["step"] == s) for s in steps])
        table.rows += rows("By route", routes)
        for step in steps:
            table.rows += rows(
                f"{step}, by route",
                [(name, lambda r, test=test, step=step: r["step"] == step and test(r)) for name, test in routes],
            )
        table.rows += rows("By background", by_band())
        for code in ROUTE_NAMES:
            table.rows += rows(
                f"{ROUTE_NAMES[code]}, by background",
                [(name, lambda r, test=test, code=code: r["route"] == code and test(r)) for name, test in by_band()],
            )
        table.rows += rows("", [("All", lambda r: True)])
        return table

    # -- renewals, lapses and audits
    def renewals(self) -> Table:
        table = Table(
            "renewals",
            "Renewals and lapses by background",
            "Each renewal date met or missed in the period: renewed, lapsed (not renewed in time), or "
            "lapsed after a PPD audit decided 'not renewed'; by band and by level.",
            ["Renewed", "Lapsed", "Lapsed after audit", "Total", "Renewal rate", "Lapse rate"],
        )
        records = [
            {"on": e["on"], "kind": e["kind"], "level": e["level"], "band": self.people.band_at(e["person"], e["on"])}
            for e in self.rows["events"]
            if e["kind"] in ("renewed", "lapsed", "lapsed_after_audit") and e["person"] in self.people.enrolled
        ]
        inside = _flow(table, records, self.today, self.asked_from, self.asked_to)
        if table.period is None:
            return table
        columns = [
            Column("Renewed", lambda r: r["kind"] == "renewed"),
            Column("Lapsed", lambda r: r["kind"] == "lapsed"),
            Column("Lapsed after audit", lambda r: r["kind"] == "lapsed_after_audit"),
            Column("Total", parts=("Renewed", "Lapsed", "Lapsed after audit")),
        ]
        rates = [
            Rate("Renewal rate", ("Renewed",), ("Renewed", "Lapsed", "Lapsed after audit")),
            Rate("Lapse rate", ("Lapsed", "Lapsed after audit"), ("Renewed", "Lapsed", "Lapsed after audit")),
        ]
        counts = Counts(inside, ("level", "band"), columns, table)
        table.rows = counts.rows("By background", by_band(), rates, "All backgrounds")
        table.rows += counts.rows(
            "By level", [(c, lambda r, c=c: r["level"] == c) for c in self.levels], rates, "All levels"
        )
        return table

    def audits(self) -> list[Table]:
        selections = Table(
            "audit_selections",
            "PPD audit selections by background",
            "Registrants selected at random for a PPD audit in the period, by band: each band's "
            "share of the selections (the sample is random, so it should mirror the register).",
            ["Selected", "Share of selections"],
        )
        records = [
            {"on": e["on"], "band": self.people.band_at(e["person"], e["on"])}
            for e in self.rows["events"]
            if e["kind"] == "audit_selected" and e["person"] in self.people.enrolled
        ]
        inside = _flow(selections, records, self.today, self.asked_from, self.asked_to)
        if selections.period is not None:
            selections.rows = Counts(inside, ("band",), [Column("Selected", lambda r: True)]).rows(
                "", by_band(), total_label="All"
            )
            everyone = selections.rows[-1].cells["Selected"]
            for row in selections.rows:
                row.cells["Share of selections"] = suppression.percentage(row.cells["Selected"], everyone)
        outcomes = Table(
            "audit_outcomes",
            "PPD audit outcomes by background",
            "PPD audit decisions in the period, by band: accepted, deferred (more time, once) or not "
            "renewed, and the share of decisions accepted and not renewed.",
            ["Accepted", "Deferred", "Not renewed", "Decisions", "Accepted %", "Not renewed %"],
        )
        records = [
            {"on": e["on"], "outcome": e["outcome"], "band": self.people.band_at(e["person"], e["on"])}
            for e in self.rows["events"]
            if e["kind"] == "audit_decided" and e["person"] in self.people.enrolled
        ]
        inside = _flow(outcomes, records, self.today, self.asked_from, self.asked_to)
        if outcomes.period is not None:
            columns = [
                Column("Accepted", lambda r: r["outcome"] == "accepted"),
                Column("Deferred", lambda r: r["outcome"] == "deferred"),
                Column("Not renewed", lambda r: r["outcome"] == "not_renewed"),
                Column("Decisions", parts=("Accepted", "Deferred", "Not renewed")),
            ]
            every = ("Accepted", "Deferred", "Not renewed")
            outcomes.rows = Counts(inside, ("band",), columns).rows(
                "",
                by_band(),
                [Rate("Accepted %", ("Accepted",), every), Rate("Not renewed %", ("Not renewed",), every)],
                "All",
            )
        appeals = Table(
            "audit_appeals",
            "Appeals against PPD audit outcomes by background",
            "Appeals against a 'not renewed' audit outcome decided in the period, by band: upheld (the "
            "audit accepted) or dismissed (the registration lapses).",
            ["Upheld", "Dismissed", "Appeals", "Upheld %"],
        )
        records = [
            {"on": e["on"], "outcome": e["outcome"], "band": self.people.band_at(e["person"], e["on"])}
            for e in self.rows["events"]
            if e["kind"] == "audit_appeal_decided" and e["person"] in self.people.enrolled
        ]
        inside = _flow(appeals, records, self.today, self.asked_from, self.asked_to)
        if appeals.period is not None:
            columns = [
                Column("Upheld", lambda r: r["outcome"] == "upheld"),
                Column("Dismissed", lambda r: r["outcome"] == "dismissed"),
                Column("Appeals", parts=("Upheld", "Dismissed")),
            ]
            appeals.rows = Counts(inside, ("band",), columns).rows(
                "", by_band(), [Rate("Upheld %", ("Upheld",), ("Upheld", "Dismissed"))], "All"
            )
        return [selections, outcomes, appeals]


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
