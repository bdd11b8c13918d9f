"""The report's tables on what the toolkit asks beyond who progresses: whether feedback (a deferral or rejection)
and appeals fall alike across backgrounds, who reaches the advanced level by background, and award rates where
background meets sex and ethnic group.

Every table keeps the rules of ``suppression``: counts rounded at the table's finest breakdown (its atoms) and every
row a sum of rounded atoms, percentages from rounded counts, periods on a grid of whole blocks. The award-rate
intersections (band x sex, band x ethnic group) are as strict as the representation intersections in
``characteristics``: blocks and percentage bases of ``MIN_INTERSECTION_BASE``.

An appeal is counted with the decision it appeals, in that decision's period. A deferral or rejection can be
appealed only within the framework's appeal window (28 days), shorter than the ``SETTLE_DAYS`` (31) a quarter waits
before it is reported, so every appeal a reported period will ever hold is in it when the period is first shown: a
later report never shows the same period with one more appeal (which would give that appellant's band away). Should
a framework's window outgrow the settling time, a decision is dated by the end of its window instead.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from ledger.domain import background
from ledger.reports.progression import suppression
from ledger.reports.progression.characteristics import (
    ETHNIC_GROUP,
    INTERSECTION_BLOCK,
    OUTCOMES,
    SEX,
    groups,
    intersection_percentage,
)
from ledger.reports.progression.counts import Column, Counts, Rate, Test, by_band, where
from ledger.reports.progression.people import state_at
from ledger.reports.progression.shape import BANDS, ROUTE_NAMES, Table, band_name

if TYPE_CHECKING:
    from ledger.reports.progression.analyses import Analyses

FEEDBACK, ADVANCED = "feedback_by_band", "advanced_level_by_band"
AWARD_INTERSECTIONS = tuple(f"award_rate_by_band_and_{c}" for c in (SEX, ETHNIC_GROUP))
"""The keys of the award-rate intersection tables, whose blocks hold ``INTERSECTION_BLOCK`` records."""
NOUNS = {SEX: "sex", ETHNIC_GROUP: "ethnic group"}


def _placed(
    analyses: Analyses, table: Table, records: list[dict[str, Any]], min_block: int = suppression.MIN_BLOCK
) -> list[dict[str, Any]]:
    """Place a table of dated records on its grid of blocks of at least ``min_block``; the records inside its
    period (``counts._flow`` with a choice of block)."""
    found = suppression.grid((r["on"] for r in records), analyses.today, min_block)
    table.period = found.snap(analyses.asked_from, analyses.asked_to)
    table.reported_until = found.blocks[-1].end if found.blocks else None
    if table.period is None:
        return []
    return [r for r in records if table.period.holds(r["on"])]


def _decisions(analyses: Analyses) -> list[dict[str, Any]]:
    """Every first decision (not withdrawals) of an enrolled person, with the band the person had given by then."""
    return [
        {
            "on": a["closed_on"],
            "route": a["route"],
            "outcome": a["first_outcome"],
            "appealed": a.get("appealed_on") is not None,
            "band": analyses.people.band_at(a["person"], a["closed_on"]),
            "person": a["person"],
        }
        for a in analyses.rows["applications"]
        if a["closed_on"] is not None
        and a["first_outcome"] in ("award", "defer", "reject")
        and a["person"] in analyses.people.enrolled
    ]


# -- feedback, deferral and appeal rates
def feedback_by_band(analyses: Analyses) -> Table:
    """Decisions that gave feedback (a deferral or rejection), and appeals against them, by band and route."""
    table = Table(
        FEEDBACK,
        "Feedback, deferrals and appeals by background",
        "Applications decided for the first time in the period, by the socio-economic band the applicant had given "
        "by then, overall and within each route: how many were deferred or rejected (each comes with the "
        "assessors' feedback), as a share of those decided, and how many of those were appealed, as a share of "
        "those deferred or rejected. An appeal counts in the period of the decision it appeals.",
        [
            "Decided",
            "Deferred",
            "Rejected",
            "Feedback given",
            "Appealed",
            "Feedback rate",
            "Deferral rate",
            "Rejection rate",
            "Appeal rate",
        ],
    )
    late = max(0, analyses.framework.rules.appeal_window_days - suppression.SETTLE_DAYS)
    records = _decisions(analyses)
    for r in records:
        r["on"] = r["on"] + timedelta(days=late)
    inside = _placed(analyses, table, records)
    if table.period is None:
        return table
    columns = [
        Column("Awarded", where("outcome", "award")),
        Column("Deferred", where("outcome", "defer")),
        Column("Rejected", where("outcome", "reject")),
        Column("Appealed", lambda r: r["appealed"]),
        Column("Decided", parts=("Awarded", "Deferred", "Rejected")),
        Column("Feedback given", parts=("Deferred", "Rejected")),
    ]
    rates = [
        Rate("Feedback rate", ("Feedback given",), ("Decided",)),
        Rate("Deferral rate", ("Deferred",), ("Decided",)),
        Rate("Rejection rate", ("Rejected",), ("Decided",)),
        Rate("Appeal rate", ("Appealed",), ("Feedback given",)),
    ]
    counts = Counts(inside, ("route", "band"), columns, table)
    table.rows = counts.rows("By background", by_band(), rates, "All backgrounds")
    table.rows += counts.rows("By route", [(name, where("route", code)) for code, name in ROUTE_NAMES.items()], rates)
    for code, name in ROUTE_NAMES.items():
        table.rows += counts.rows(
            f"{name}, by background", [(label, where("route", code, test)) for label, test in by_band()], rates
        )
    table.notes.append(
        "Decided is awarded, deferred and rejected as shown; feedback given is deferred and rejected as shown. "
        "Awards are counted but not shown: decided less feedback given."
    )
    return table


# -- the advanced level
def advanced_level_by_band(analyses: Analyses) -> Table:
    """Of the people registered at the end of the period, the share at the framework's highest level, by band and
    by band within the route of their first award."""
    top = max(analyses.framework.levels, key=lambda level: level.rank)
    table = Table(
        ADVANCED,
        "The advanced level by background",
        f"People registered (at any level) at the end of the period, and how many of them hold the highest level, "
        f"{top.code} ({top.name}), as a share of those registered, by the socio-economic band they had given by "
        "then, overall and by the route of their first award (standard: by qualification; equivalency: by "
        "experience).",
        ["Registered", f"At {top.code}", f"{top.code} %"],
    )
    analyses.snapshot(table, lambda s: (s.level == top.code, s.band) if s.level else None)
    if table.period is None:
        return table
    day = table.period.end
    first_route = _first_award_routes(analyses.rows["events"])
    records = []
    for person, timeline in analyses.timelines.items():
        state = state_at(timeline, day)
        if state is not None and state.level:
            records.append({"band": state.band, "route": first_route.get(person), "top": state.level == top.code})
    columns = [Column("Registered", lambda r: True), Column(f"At {top.code}", lambda r: r["top"])]
    rates = [Rate(f"{top.code} %", (f"At {top.code}",), ("Registered",))]
    counts = Counts(records, ("route", "band"), columns, table)
    table.rows = counts.rows("By background", by_band(), rates, "All backgrounds")
    for code, name in ROUTE_NAMES.items():
        table.rows += counts.rows(
            f"First awarded by the {name.lower()} route, by background",
            [(label, where("route", code, test)) for label, test in by_band()],
            rates,
        )
    return table


def _first_award_routes(events: list[dict[str, Any]]) -> dict[str, str | None]:
    """Each person's route of their first award (the earliest, by date and order)."""
    routes: dict[str, str | None] = {}
    for e in sorted((e for e in events if e["kind"] == "awarded"), key=lambda e: (e["on"], e["seq"])):
        routes.setdefault(e["person"], e["route"])
    return routes


# -- award rates by background and sex, background and ethnic group
def award_rate_by(analyses: Analyses, characteristic: str) -> Table:
    """First decisions and the award rate by band crossed with ``characteristic``: an intersection, so its blocks
    and its percentages' bases need ``MIN_INTERSECTION_BASE``."""
    noun = NOUNS[characteristic]
    table = Table(
        f"award_rate_by_band_and_{characteristic}",  # one of AWARD_INTERSECTIONS
        f"Award rates by background and {noun}",
        f"Applications decided for the first time in the period, by the applicant's socio-economic band and "
        f"{noun} as given by then: the award rate is awarded as a share of decided. An intersection of two "
        f"characteristics: its periods and percentages need at least {suppression.MIN_INTERSECTION_BASE:g} people, "
        "twice the usual minimum.",
        [*(name for name, _ in OUTCOMES[:3]), "Decided", "Award rate"],
    )
    records = _decisions(analyses)
    for r in records:
        r[characteristic] = analyses.people.characteristic_at(r["person"], r["on"], characteristic)
    inside = _placed(analyses, table, records, INTERSECTION_BLOCK)
    if table.period is None:
        return table
    columns: list[Column] = [Column(name, where("outcome", code)) for name, code in OUTCOMES[:3]]
    columns.append(Column("Decided", parts=("Awarded", "Deferred", "Rejected")))
    counts = Counts(inside, ("band", characteristic), columns, table)

    def parts(also: Test | None = None) -> list[tuple[str, Test]]:
        """One part per group (its short name, as the legend gives them), and not known."""
        return [
            (background.group_name(characteristic, g, short=True), where(characteristic, g, also))
            for g in groups(characteristic)
        ]

    table.rows = counts.rows(f"All backgrounds, by {noun}", parts(), (), "All")
    for band in BANDS:
        table.rows += counts.rows(f"{band_name(band)}, by {noun}", parts(where("band", band)), (), "All")
    for row in table.rows:
        row.cells["Award rate"] = intersection_percentage(row.cells["Awarded"], row.cells["Decided"])
    table.notes.append("Decided is the sum of awarded, deferred and rejected as shown.")
    return table


def fairness_tables(analyses: Analyses) -> list[Table]:
    """Every table of this module, in the order the report shows them."""
    return [
        feedback_by_band(analyses),
        advanced_level_by_band(analyses),
        award_rate_by(analyses, SEX),
        award_rate_by(analyses, ETHNIC_GROUP),
    ]
