"""The report's tables by working pattern, sex and ethnic group: how freelancers' applications and progression
compare with employed people's, and who is registered by socio-economic band crossed with sex and with ethnic group.

Every table keeps the rules of ``suppression``: counts rounded at the table's finest breakdown (its atoms) and every
row a sum of rounded atoms, percentages from rounded counts, periods on a grid of whole blocks (a snapshot's day
chosen by ``snapshots``). The two-way intersections (band x sex, band x ethnic group) are stricter: their blocks,
the people two of their days must differ by, and the bases of their percentages need ``MIN_INTERSECTION_BASE``
people, twice the one-way minimum, because a person picked out by two characteristics at
once is rarer and easier to recognise. Each record's groups are the ones the person had given by the record's date,
as with the band, so a later answer never rewrites an earlier period.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ledger.domain import background
from ledger.reports.progression import suppression
from ledger.reports.progression.counts import Column, Counts, Rate, Test, _flow, average_rows, where
from ledger.reports.progression.people import State
from ledger.reports.progression.shape import BANDS, ROUTE_NAMES, Row, Table, band_name
from ledger.reports.progression.suppression import Figure

if TYPE_CHECKING:
    from ledger.reports.progression.analyses import Analyses

WORKING_PATTERN, SEX, ETHNIC_GROUP = background.CHARACTERISTICS
INTERSECTION_BLOCK = math.ceil(suppression.MIN_INTERSECTION_BASE)
"""Records in each block of an intersection table's quarters (or none); people two days of a snapshot intersection
differ by (or none)."""
INTERSECTIONS = tuple(f"band_by_{c}" for c in (SEX, ETHNIC_GROUP))
"""The keys of the intersection tables, whose blocks hold ``INTERSECTION_BLOCK`` records."""
OUTCOMES = [("Awarded", "award"), ("Deferred", "defer"), ("Rejected", "reject"), ("Withdrawn", "withdrawn")]


def groups(characteristic: str) -> list[str | None]:
    """A characteristic's groups and, last, not known (None)."""
    return [*background.groups_of(characteristic), None]


def by_group(characteristic: str, also: Test | None = None) -> list[tuple[str, Test]]:
    """One part per group of ``characteristic`` (and not known), optionally within ``also``."""
    return [(background.group_name(characteristic, g), where(characteristic, g, also)) for g in groups(characteristic)]


def intersection_percentage(numerator: Figure, base: Figure) -> Figure:
    """``suppression.percentage`` with the intersection's stricter base, proved (like the one-way rule) from the
    rounded counts alone."""
    if base.floor < suppression.MIN_INTERSECTION_BASE or not base.value:
        return Figure(
            "percent", None, True, f"an intersection based on fewer than {suppression.MIN_INTERSECTION_BASE:g} people"
        )
    return Figure("percent", round(100.0 * int(numerator.given) / int(base.value)))


# -- progression by working pattern
def outcomes_by_working_pattern(analyses: Analyses) -> Table:
    """Applications' first outcomes and award rates by working pattern, overall and within each route."""
    table = Table(
        "working_pattern_outcomes",
        "Application outcomes by working pattern",
        "Applications by their first outcome (the first decision, or withdrawal before one) in the period, by the "
        "applicant's working pattern (employed, freelance, or both) when it was decided, overall and within each "
        "route; the award rate is awarded as a share of decided (awarded, deferred or rejected).",
        [*(name for name, _ in OUTCOMES), "Decided", "Award rate"],
    )
    people = analyses.people
    records = [
        {
            "on": a["closed_on"],
            "route": a["route"],
            "outcome": a["first_outcome"],
            WORKING_PATTERN: people.characteristic_at(a["person"], a["closed_on"], WORKING_PATTERN),
        }
        for a in analyses.rows["applications"]
        if a["closed_on"] is not None and a["person"] in people.enrolled
    ]
    inside = _flow(table, records, analyses.today, analyses.asked_from, analyses.asked_to)
    if table.period is None:
        return table
    columns = [Column(name, where("outcome", code)) for name, code in OUTCOMES]
    columns.append(Column("Decided", parts=("Awarded", "Deferred", "Rejected")))
    rates = [Rate("Award rate", ("Awarded",), ("Decided",))]
    counts = Counts(inside, ("route", WORKING_PATTERN), columns, table)
    table.rows = counts.rows("By working pattern", by_group(WORKING_PATTERN), rates, "All working patterns")
    for code, name in ROUTE_NAMES.items():
        table.rows += counts.rows(f"{name}, by working pattern", by_group(WORKING_PATTERN, where("route", code)), rates)
    table.notes.append("Decided is the sum of awarded, deferred and rejected as shown.")
    return table


def progression_by_working_pattern(analyses: Analyses) -> Table:
    """How many moved up a level in the period, and how long it took them, by working pattern."""
    unit = "months"
    table = Table(
        "working_pattern_progression",
        "Time from one level to the next by working pattern",
        "People awarded a higher level in the period: how many, and the average time since they were awarded the "
        "level below, by their working pattern when they moved up, overall and for each step.",
        ["People", f"Average ({unit})"],
    )
    people, rank = analyses.people, analyses.rank
    records = [
        {
            "on": e["on"],
            "step": f"{e['previous_level']} to {e['level']}",
            WORKING_PATTERN: people.characteristic_at(e["person"], e["on"], WORKING_PATTERN),
            "months": (e["on"] - e["previous_on"]).days / suppression.DAYS_PER_MONTH,
        }
        for e in analyses.rows["events"]
        if e["kind"] == "awarded"
        and e["previous_level"]
        and e["previous_on"]
        and e["person"] in people.enrolled
        and rank.get(e["level"], 0) > rank.get(e["previous_level"], 0)
    ]
    inside = _flow(table, records, analyses.today, analyses.asked_from, analyses.asked_to)
    if table.period is None:
        return table
    levels = analyses.levels
    steps = [f"{a} to {b}" for a, b in zip(levels, levels[1:], strict=False)]
    counts = Counts(inside, ("step", WORKING_PATTERN), [Column("People", lambda r: True)], table)

    def rows(group: str, parts: Sequence[tuple[str, Any]]) -> list[Row]:
        return average_rows(group, parts, inside, counts, "months", unit)

    table.rows = rows("By working pattern", by_group(WORKING_PATTERN))
    for step in steps:
        table.rows += rows(f"{step}, by working pattern", by_group(WORKING_PATTERN, where("step", step)))
    table.rows += rows("", [("All", lambda r: True)])
    return table


# -- two-way intersections
def representation_by(analyses: Analyses, characteristic: str) -> Table:
    """People registered at the end of the period by band (rows) and ``characteristic`` (columns), with each
    group's share of those in the band whose group is known; blocks and shares need ``MIN_INTERSECTION_BASE``."""
    noun = {SEX: "sex", ETHNIC_GROUP: "ethnic group"}[characteristic]
    names = [background.group_name(characteristic, g, short=True) for g in groups(characteristic)]
    known = names[:-1]
    shares = [f"{name} %" for name in known]
    table = Table(
        f"band_by_{characteristic}",  # one of INTERSECTIONS
        f"Representation by background and {noun}",
        f"People registered (at any level) at the end of the period, by the socio-economic band of their parents' "
        f"occupation at 14 and by {noun}, with each {noun}'s share of those in the band whose {noun} is known. "
        f"An intersection of two characteristics: its periods and percentages need at least "
        f"{suppression.MIN_INTERSECTION_BASE:g} people, twice the usual minimum.",
        [*names, "Total", *shares],
    )

    def view(state: State) -> tuple[str | None, str | None] | None:
        return (state.band, getattr(state, characteristic)) if state.level else None

    days = analyses.snapshot(table, view, INTERSECTION_BLOCK)
    if not days:
        return table
    records = [
        {"band": s.band, characteristic: getattr(s, characteristic)}
        for s in analyses.states_on(days[-1]).values()
        if s.level
    ]
    columns = [Column(name, where(characteristic, g)) for name, g in zip(names, groups(characteristic), strict=True)]
    counts = Counts(records, ("band", characteristic), columns, table)
    table.rows = counts.rows("By background", [(band_name(b), where("band", b)) for b in BANDS], (), "All backgrounds")
    for row in table.rows:
        row.cells["Total"] = suppression.total(row.cells[name] for name in names)
        base = suppression.total(row.cells[name] for name in known)
        for name, share in zip(known, shares, strict=True):
            row.cells[share] = intersection_percentage(row.cells[name], base)
    return table


def characteristics_tables(analyses: Analyses) -> list[Table]:
    """Every table of this module, in the order the report shows them."""
    return [
        outcomes_by_working_pattern(analyses),
        progression_by_working_pattern(analyses),
        representation_by(analyses, SEX),
        representation_by(analyses, ETHNIC_GROUP),
    ]
