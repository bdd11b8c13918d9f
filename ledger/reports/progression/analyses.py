"""The analyses: each table of the progression report (who is registered, at which level, by which route and
background; awards, progression, retention, audits) over its periods."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, timedelta
from functools import partial
from typing import Any

from ledger.domain import background
from ledger.domain.framework import Framework
from ledger.reports.progression import snapshots, suppression
from ledger.reports.progression.counts import Column, Counts, Rate, Test, _flow, average_rows, by_band, where
from ledger.reports.progression.people import People, State, registered_view, state_at
from ledger.reports.progression.renewals import RenewalAnalyses
from ledger.reports.progression.shape import BANDS, BENCHMARKS, RESPONSE_TARGETS, ROUTE_NAMES, Row, Table, band_name
from ledger.reports.progression.snapshots import Views
from ledger.reports.progression.suppression import Figure


# -- the analyses
class Analyses(RenewalAnalyses):
    """Every table of the report but renewals and audits (``RenewalAnalyses``), over the same people."""

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
        self._states: dict[date, dict[str, State]] = {}
        self._registered_days: list[date] | None = None

    def states_on(self, day: date) -> dict[str, State]:
        """Each enrolled person's state on ``day`` (worked out once per day)."""
        if day not in self._states:
            found = ((person, state_at(t, day)) for person, t in self.timelines.items())
            self._states[day] = {person: state for person, state in found if state is not None}
        return self._states[day]

    def views_on(self, day: date, view: Callable[[State], Any]) -> Views:
        """What a snapshot table with ``view`` shows of each person on ``day`` (``snapshots``)."""
        seen = ((person, view(state)) for person, state in self.states_on(day).items())
        return {person: shown for person, shown in seen if shown is not None}

    def registered_days(self) -> list[date]:
        """The representation's taken days: the days every snapshot table chooses among (``snapshots``)."""
        if self._registered_days is None:
            firsts = [t[0][0] for t in self.timelines.values() if t]
            last = suppression.last_reportable_day(self.today)
            days = []
            if firsts:
                day = suppression.quarter_end(min(firsts))
                while day <= last:
                    days.append(day)
                    day = suppression.quarter_end(day + timedelta(days=1))
            self._registered_days = snapshots.taken(
                days, lambda d: self.views_on(d, registered_view), suppression.MIN_BLOCK
            )
        return self._registered_days

    def snapshot(
        self,
        table: Table,
        view: Callable[[State], Any] | None = None,
        block: int = suppression.MIN_BLOCK,
        views_at: Callable[[date], Views] | None = None,
    ) -> list[date]:
        """Place a snapshot table: the days it may be shown as at (``snapshots``: among the representation's, each
        apart from the others in what it shows, by ``view`` of each state or ``views_at`` a day), up to the
        representation's first day on or after the day asked for (``--to`` snaps outwards, as for every table). Its
        period is the quarter of the last of them; none, and no period, before it may take one."""
        days = registered = self.registered_days()
        own = views_at is None and view in (None, registered_view)
        if not own or block != suppression.MIN_BLOCK:
            days = snapshots.taken(days, views_at or partial(self.views_on, view=view or registered_view), block)
        reach = next((d for d in registered if self.asked_to is not None and d >= self.asked_to), None)
        shown = [d for d in days if reach is None or d <= reach]
        table.snapshot = True
        table.reported_until = days[-1] if days else None
        table.period = suppression.Period(suppression.quarter_start(shown[-1]), shown[-1]) if shown else None
        if days:
            table.notes.append(
                f"Shown as at the end of a quarter. It moves to a later quarter end only when, against every day it "
                f"has been shown as at, at least {block} people differ there in what it shows (or nobody does), so no "
                f"two reports differ by one person; the latest such day is {days[-1].isoformat()}."
            )
        return shown

    def states_at(self, day: date) -> list[State]:
        return list(self.states_on(day).values())

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
        self.snapshot(table, registered_view)
        if table.period is None:
            return table
        day = table.period.end
        records = [{"level": s.level, "band": s.band} for s in self.states_at(day) if s.level]
        columns = [Column(band_name(b), where("band", b)) for b in BANDS]
        parts = [(code, where("level", code)) for code in self.levels]
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
        days = self.snapshot(table, lambda s: (s.responded, s.band, s.level))
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
        ends = [d for d in days if self.asked_from is None or d >= self.asked_from]
        columns = [
            Column("People", lambda r: True),
            Column("Answered", lambda r: r["responded"]),
            Column("Band known", lambda r: r["band"] is not None),
        ]
        rates = [Rate("Response rate", ("Answered",), ("People",)), Rate("Band known %", ("Band known",), ("People",))]
        records = [{"responded": s.responded, "band": s.band, "level": s.level} for s in self.states_at(day)]
        standing = [
            *((code, where("level", code)) for code in self.levels),
            ("Not registered", lambda r: r["level"] is None),
        ]
        table.rows = Counts(records, ("level",), columns).rows("By standing", standing, rates, "Everyone enrolled")
        for row in table.rows:
            rate = row.cells["Response rate"]
            for target in RESPONSE_TARGETS:
                row.cells[f"Target {target}%"] = (
                    rate if rate.suppressed else suppression.text("met" if float(rate.given) >= target else "not met")
                )
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
        columns = [Column(name, where("outcome", code)) for name, code in outcome_columns]
        columns.append(Column("Decided", parts=("Awarded", "Deferred", "Rejected")))
        rates = [Rate("Award rate", ("Awarded",), ("Decided",))]
        routes = [(ROUTE_NAMES[code], where("route", code)) for code in ROUTE_NAMES]
        if table.period is not None:
            counts = Counts(inside, ("level", "route", "band"), columns, table)
            table.rows = counts.rows("By route", routes, rates, "All routes")
            table.rows += counts.rows("By background", by_band(), rates, "All backgrounds")
            for code in ROUTE_NAMES:
                table.rows += counts.rows(
                    f"{ROUTE_NAMES[code]}, by background",
                    [(name, where("route", code, test)) for name, test in by_band()],
                    rates,
                )
            for level in self.levels:
                table.rows += counts.rows(
                    f"{level}, by route",
                    [(name, where("level", level, test)) for name, test in routes],
                    rates,
                )
            for level in self.levels:
                for code in ROUTE_NAMES:
                    table.rows += counts.rows(
                        f"{level}, {ROUTE_NAMES[code]}, by background",
                        [(name, where("level", level, where("route", code, test))) for name, test in by_band()],
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
            standard = outcomes.cell(group, ROUTE_NAMES["standard"], "Award rate")
            equivalency = outcomes.cell(group, ROUTE_NAMES["equivalency"], "Award rate")
            gap = suppression.points(equivalency, standard)
            if gap.suppressed:
                flag = Figure("text", None, True, "an award rate it compares is suppressed")
            elif -float(gap.given) > self.margin:
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
        routes = [(ROUTE_NAMES[code], where("route", code)) for code in ROUTE_NAMES]
        counts = Counts(inside, ("step", "route", "band"), [Column("People", lambda r: True)], table)

        def rows(group: str, parts: Sequence[tuple[str, Test]]) -> list[Row]:
            return average_rows(group, parts, inside, counts, "months", unit)

        table.rows = rows("By step", [(s, where("step", s)) for s in steps])
        table.rows += rows("By route", routes)
        for step in steps:
            table.rows += rows(
                f"{step}, by route",
                [(name, where("step", step, test)) for name, test in routes],
            )
        table.rows += rows("By background", by_band())
        for code in ROUTE_NAMES:
            table.rows += rows(
                f"{ROUTE_NAMES[code]}, by background",
                [(name, where("route", code, test)) for name, test in by_band()],
            )
        table.rows += rows("", [("All", lambda r: True)])
        return table

    # -- renewals, lapses and audits
