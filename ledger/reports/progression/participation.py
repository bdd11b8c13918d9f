"""The report's tables of who takes part beyond their own registration: PPD uptake by socio-economic band and working
pattern ("ensure training opportunities are taken up equally by those from all backgrounds"), and who is appointed
an assessor by band ("who is invited to key meetings").

Both count **registered years**: one record for each person and each calendar year in which they held a level
(registered or suspended) on at least one day, dated 31 December of that year, with their band and working
pattern as given by that day, the PPD they recorded in the year and whether they were appointed an assessor in it.
Why years, and not the people registered at some time in a period: a count of distinct people over a period is not
a sum over its blocks (most people are registered in every block), so two periods a block apart could differ by a
single newcomer. A year's record is a record like any other: it lands in one quarter, periods are runs of whole
blocks of at least ``MIN_BLOCK`` records, and two reports differ by whole blocks of person-years. For a one-year
period a registered year is simply a person registered that year; a longer period counts each person once a year.

PPD counts by the day it was **recorded**, not the date the registrant gave the activity (which may be months
back): a year's record is final once the year ends, so an activity logged late can never change a reported
year and set one report against another by one person. Appointments are dated when they were made (they cannot
be backdated). An assessor who is not a registrant has no background and is not counted; nor is an appointment in
a year the person held no level.

The rules of ``suppression`` hold: counts rounded at the finest breakdown (band x working pattern for PPD, band for
appointments) and every row a sum of rounded atoms; shares from rounded counts, suppressed under a base of 22.5;
average hours suppressed for 7 or fewer (the one figure from raw values, as in every table); the rate per 1,000
registered is worked out from rounded counts and suppressed like a percentage.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from ledger.reports.progression import suppression
from ledger.reports.progression.characteristics import WORKING_PATTERN, by_group
from ledger.reports.progression.counts import Column, Counts, Rate, Test, _flow, by_band
from ledger.reports.progression.people import state_at, years_registered
from ledger.reports.progression.shape import Row, Table
from ledger.reports.progression.suppression import Figure, Period

if TYPE_CHECKING:
    from ledger.reports.progression.analyses import Analyses

REGISTERED = "Registered"
ANY_PPD = "Any PPD"
AVERAGE_HOURS = "Average (hours)"
APPOINTED = "Appointed"
PER_THOUSAND = "Per 1,000 registered"


def registered_years(analyses: Analyses) -> list[dict[str, Any]]:
    """One record per person per calendar year they held a level (see the module's docstring), up to this year."""
    people = analyses.people
    ppd: dict[tuple[str, int], tuple[set[str], float]] = {}
    for p in analyses.rows.get("ppd", ()):
        if p["person"] in people.enrolled:
            categories, hours = ppd.get((p["person"], p["recorded_on"].year), (set(), 0.0))
            ppd[(p["person"], p["recorded_on"].year)] = (categories | {p["category"]}, hours + float(p["hours"]))
    appointed: set[tuple[str, int]] = {
        (a["person"], a["appointed_on"].year)
        for a in analyses.rows.get("assessors", ())
        if a["person"] in people.enrolled
    }
    records = []
    for person, timeline in analyses.timelines.items():
        for year in years_registered(timeline, analyses.today.year):
            end = date(year, 12, 31)
            state = state_at(timeline, end)
            categories, hours = ppd.get((person, year), (set(), 0.0))
            records.append(
                {
                    "on": end,
                    "band": state.band if state else None,
                    WORKING_PATTERN: getattr(state, WORKING_PATTERN) if state else None,
                    "categories": categories,
                    "hours": hours,
                    "appointed": (person, year) in appointed,
                }
            )
    return records


def _place(table: Table, records: list[dict[str, Any]], analyses: Analyses) -> list[dict[str, Any]]:
    """Place a table of registered years on its grid; the records inside. The figures are about whole calendar
    years, so the period is shown as the years whose 31 December it holds: from 1 January of the first to 31
    December of the last (the days added or cut hold no records). A period holding no year's end is none."""
    inside = _flow(table, records, analyses.today, analyses.asked_from, analyses.asked_to)
    if table.period is not None:
        start, end = table.period.start, table.period.end
        last = end.year if (end.month, end.day) == (12, 31) else end.year - 1
        table.period = Period(date(start.year, 1, 1), date(last, 12, 31)) if last >= start.year else None
    return inside


def per_thousand(numerator: Figure, base: Figure) -> Figure:
    """One count per 1,000 of another, as shown (rounded), to one decimal place; suppressed, like a percentage,
    unless the rounded counts prove the base is at least 22.5 people."""
    if base.floor < suppression.MIN_PERCENTAGE_BASE or not base.value:
        return Figure(
            "rate", None, True, f"based on fewer than {suppression.MIN_PERCENTAGE_BASE:g} people", "per 1,000"
        )
    return Figure("rate", round(1000.0 * int(numerator.given) / int(base.value), 1), unit="per 1,000")


# -- PPD uptake
def took_up(category: str) -> Test:
    """The test "recorded PPD in ``category`` in the year"."""
    return lambda record: category in record["categories"]


def ppd_uptake(analyses: Analyses) -> Table:
    """Among people registered in each year of the period, the share who recorded PPD in each category (and in any),
    and the average hours recorded, by band and by working pattern."""
    rules = analyses.framework.rules
    names = [rules.ppd_category_names[c] for c in rules.ppd_categories]
    table = Table(
        "ppd_uptake",
        "PPD uptake by background and working pattern",
        "People registered (at any level, on at least one day) in each calendar year of the period, by the "
        "socio-economic band of their parents' occupation at 14 and by working pattern as given by the year's end: "
        "how many recorded professional development (PPD) in the year, in any category and in each of the "
        "framework's categories, each as a share of those registered, and the average hours recorded per person "
        "registered (those who recorded none count as 0). A person registered in several years of the period is "
        "counted once for each.",
        [
            REGISTERED,
            ANY_PPD,
            f"{ANY_PPD} %",
            *(column for name in names for column in (name, f"{name} %")),
            AVERAGE_HOURS,
        ],
    )
    inside = _place(table, registered_years(analyses), analyses)
    if table.period is None:
        return table
    columns = [Column(REGISTERED, lambda r: True), Column(ANY_PPD, lambda r: bool(r["categories"]))]
    columns += [Column(name, took_up(code)) for code, name in zip(rules.ppd_categories, names, strict=True)]
    rates = [Rate(f"{name} %", (name,), (REGISTERED,)) for name in (ANY_PPD, *names)]
    counts = Counts(inside, ("band", WORKING_PATTERN), columns, table)

    def rows(group: str, parts: Sequence[tuple[str, Test]], total_label: str) -> list[Row]:
        found = counts.rows(group, parts, rates, total_label)
        for row, (_, belongs) in zip(found, [*parts, ("", lambda r: True)], strict=True):
            row.cells[AVERAGE_HOURS] = suppression.average(
                [r["hours"] for r in inside if belongs(r)], row.cells[REGISTERED], "hours"
            )
        return found

    table.rows = rows("By background", by_band(), "All backgrounds")
    table.rows += rows("By working pattern", by_group(WORKING_PATTERN), "All working patterns")
    table.notes.append(
        "PPD counts in the year it was recorded. A category a newer framework dropped counts towards any PPD and the "
        "hours, not in a column of its own."
    )
    return table


# -- assessor appointments
def assessor_appointments(analyses: Analyses) -> Table:
    """People appointed assessors in each year of the period, and the rate per 1,000 registered, by band."""
    table = Table(
        "assessor_appointments",
        "Assessor appointments by background",
        "People registered (at any level, on at least one day) in each calendar year of the period, and how many of "
        "them were appointed assessors in the year, by the socio-economic band of their parents' occupation at 14 as "
        "given by the year's end, with appointments per 1,000 registered. Assessors who are not on the register have "
        "no background and are not counted.",
        [REGISTERED, APPOINTED, PER_THOUSAND],
    )
    inside = _place(table, registered_years(analyses), analyses)
    if table.period is None:
        return table
    columns = [Column(REGISTERED, lambda r: True), Column(APPOINTED, lambda r: r["appointed"])]
    table.rows = Counts(inside, ("band",), columns).rows("By background", by_band(), (), "All backgrounds")
    for row in table.rows:
        row.cells[PER_THOUSAND] = per_thousand(row.cells[APPOINTED], row.cells[REGISTERED])
    table.notes.append(
        "The rate is worked out from the rounded counts shown: with few appointments it moves in steps of 5 "
        "appointments."
    )
    return table


def participation_tables(analyses: Analyses) -> list[Table]:
    """Every table of this module, in the order the report shows them."""
    return [ppd_uptake(analyses), assessor_appointments(analyses)]
