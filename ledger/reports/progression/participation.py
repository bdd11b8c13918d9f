"""The report's tables of who takes part beyond their own registration: PPD uptake by socio-economic band and working
pattern ("ensure training opportunities are taken up equally by those from all backgrounds"), and who is appointed
an assessor by band ("who is invited to key meetings").

**Who is counted: the representation table's own people.** Both tables count the people registered (at any level,
registered or suspended) at the end of a quarter, with the band and working pattern they had given by then, and
what they did in the 12 months up to that day: the PPD they recorded (the categories and the hours) and whether they
were appointed an assessor. The day is chosen as every snapshot table's is (``snapshots``): among the
representation's own days, and only where, against every day the table took before, what it shows of people changed
for nobody or for at least ``MIN_BLOCK`` (23) of them (``PPD_SHOWS``, ``APPOINTMENTS_SHOWS``: for PPD uptake the
band, working pattern, categories and hours; for appointments the level, band and whether appointed). Otherwise the
table stays at the last day it took, and says so (``reported_until``).

Why both conditions: the first version of these tables counted *registered years* (a record per person per calendar
year, dated 31 December) on a grid of their own; a newcomer registered alone in May was, by February, one of 2025's
registered years, while the representation still showed the register as at 31 March. "Lower, Registered" read 25 in
one table and "Lower" 20 in the other: the newcomer's band. And between two of the representation's days its people
may stay the same while one person's PPD changes; a table that moved with the representation would then differ from
its previous report by that one person's PPD, and "Any PPD, Lower" tipping from 20 to 25 would say her band.

The dates are final when read: a day is a quarter end that has settled (``suppression.SETTLE_DAYS``), PPD counts
by the day it was **recorded** (never the date the registrant gave the activity, which may be months back) and
appointments by the day they were made (they cannot be backdated), so nothing recorded later changes a day a table
has shown. An assessor who is not a registrant has no background and is not counted; nor is one appointed in the
window who was not registered at its end.

The rules of ``suppression`` hold: counts rounded at the finest breakdown (band x working pattern for PPD; level x
band for appointments, the representation's own atoms, so its registered counts by band are the representation's
figures exactly when both are as at the same day) and every row a sum of rounded atoms; shares from rounded counts,
suppressed under a base of 22.5; average hours suppressed for 7 or fewer (the one figure from raw values, as in
every table, and a part of what a table shows of a person, so a change of hours alone is a change); the rate per
1,000 registered is worked out from rounded counts and suppressed like a percentage.

What remains is what remains of the representation: someone who knows every other change between two days can
infer the last one's.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from ledger.reports.progression import suppression
from ledger.reports.progression.characteristics import WORKING_PATTERN, by_group
from ledger.reports.progression.counts import Column, Counts, Rate, Test, by_band
from ledger.reports.progression.people import state_at
from ledger.reports.progression.shape import Row, Table
from ledger.reports.progression.snapshots import Views
from ledger.reports.progression.suppression import Figure, Period

if TYPE_CHECKING:
    from ledger.reports.progression.analyses import Analyses

REGISTERED = "Registered"
ANY_PPD = "Any PPD"
AVERAGE_HOURS = "Average (hours)"
APPOINTED = "Appointed"
PER_THOUSAND = "Per 1,000 registered"

PPD_SHOWS = ("band", WORKING_PATTERN, "categories", "hours")
"""What the PPD uptake table shows of a person: a change to any of it is a change to the table."""
APPOINTMENTS_SHOWS = ("level", "band", "appointed")
"""What the appointments table shows of a person (its atoms are level x band)."""


def window_of(day: date) -> Period:
    """The 12 months up to ``day`` (a quarter's end): four whole quarters."""
    after = day + timedelta(days=1)
    return Period(after.replace(year=after.year - 1), day)


class Registered:
    """The people registered at any day, with what they did in the 12 months up to it: worked out once per day and
    shared by both tables."""

    def __init__(self, analyses: Analyses) -> None:
        self.analyses = analyses
        enrolled = analyses.people.enrolled
        self.ppd: dict[str, list[tuple[date, str, float]]] = {}
        for p in analyses.rows.get("ppd", ()):
            if p["person"] in enrolled:
                self.ppd.setdefault(p["person"], []).append((p["recorded_on"], p["category"], float(p["hours"])))
        self.appointed: dict[str, list[date]] = {}
        for a in analyses.rows.get("assessors", ()):
            if a["person"] in enrolled:
                self.appointed.setdefault(a["person"], []).append(a["appointed_on"])
        self._at: dict[date, list[dict[str, Any]]] = {}

    def at(self, day: date) -> list[dict[str, Any]]:
        """One record per person registered on ``day``."""
        if day not in self._at:
            window = window_of(day)
            records = []
            for person, timeline in self.analyses.timelines.items():
                state = state_at(timeline, day)
                if state is None or not state.level:
                    continue
                done = [(category, hours) for on, category, hours in self.ppd.get(person, ()) if window.holds(on)]
                records.append(
                    {
                        "person": person,
                        "level": state.level,
                        "band": state.band,
                        WORKING_PATTERN: getattr(state, WORKING_PATTERN),
                        "categories": frozenset(category for category, _ in done),
                        "hours": round(sum(hours for _, hours in done), 2),
                        "appointed": any(window.holds(on) for on in self.appointed.get(person, ())),
                    }
                )
            self._at[day] = records
        return self._at[day]


def take(table: Table, registered: Registered, shows: tuple[str, ...]) -> list[dict[str, Any]]:
    """Place ``table`` on the last day it may take (``snapshots``: one of the representation's, apart from the
    others in what ``shows``) and return the people registered then; none (and no period) before it may take one."""

    def views_at(day: date) -> Views:
        return {r["person"]: tuple(r[k] for k in shows) for r in registered.at(day)}

    days = registered.analyses.snapshot(table, views_at=views_at)
    if not days:
        return []
    table.period = window_of(days[-1])
    return registered.at(days[-1])


def per_thousand(numerator: Figure, base: Figure) -> Figure:
    """One count per 1,000 of another, as shown (rounded), to one decimal place; suppressed, like a percentage,
    unless the rounded counts prove the base is at least 22.5 people."""
    if base.floor < suppression.MIN_PERCENTAGE_BASE or not base.value:
        return Figure(
            "rate", None, True, f"based on fewer than {suppression.MIN_PERCENTAGE_BASE:g} people", "per 1,000"
        )
    return Figure("rate", round(1000.0 * int(numerator.given) / int(base.value), 1), unit="per 1,000")


WAITS = (
    "People registered on {day} (a day the representation table can be shown as at), and what they did in the 12 "
    "months to then."
)


# -- PPD uptake
def took_up(category: str) -> Test:
    """The test "recorded PPD in ``category`` in the 12 months"."""
    return lambda record: category in record["categories"]


def ppd_uptake(analyses: Analyses, registered: Registered | None = None) -> Table:
    """Among the people registered at the end of the period, the share who recorded PPD in each category (and in
    any) in the 12 months to then, and the average hours recorded, by band and by working pattern."""
    rules = analyses.framework.rules
    names = [rules.ppd_category_names[c] for c in rules.ppd_categories]
    table = Table(
        "ppd_uptake",
        "PPD uptake by background and working pattern",
        "People registered (at any level) at the end of the period - the people the representation table counts "
        "- by the socio-economic band of their parents' occupation at 14 and by working pattern as given by then: "
        "how many recorded professional development (PPD) in the 12 months to that day, in any category and in "
        "each of the framework's categories, each as a share of those registered, and the average hours recorded "
        "per person registered (those who recorded none count as 0).",
        [
            REGISTERED,
            ANY_PPD,
            f"{ANY_PPD} %",
            *(column for name in names for column in (name, f"{name} %")),
            AVERAGE_HOURS,
        ],
    )
    inside = take(table, registered or Registered(analyses), PPD_SHOWS)
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
    table.notes.append(WAITS.format(day=table.period.end.isoformat()))
    table.notes.append(
        "PPD counts on the day it was recorded. A category a newer framework dropped counts towards any PPD and the "
        "hours, not in a column of its own."
    )
    return table


# -- assessor appointments
def assessor_appointments(analyses: Analyses, registered: Registered | None = None) -> Table:
    """Among the people registered at the end of the period, how many were appointed assessors in the 12 months to
    then, and the rate per 1,000 registered, by band."""
    table = Table(
        "assessor_appointments",
        "Assessor appointments by background",
        "People registered (at any level) at the end of the period - the people the representation table counts "
        "- and how many of them were appointed assessors in the 12 months to that day, by the socio-economic band "
        "of their parents' occupation at 14 as given by then, with appointments per 1,000 registered. Assessors "
        "who are not on the register have no background and are not counted.",
        [REGISTERED, APPOINTED, PER_THOUSAND],
    )
    inside = take(table, registered or Registered(analyses), APPOINTMENTS_SHOWS)
    if table.period is None:
        return table
    columns = [Column(REGISTERED, lambda r: True), Column(APPOINTED, lambda r: r["appointed"])]
    table.rows = Counts(inside, ("level", "band"), columns, table).rows(
        "By background", by_band(), (), "All backgrounds"
    )
    for row in table.rows:
        row.cells[PER_THOUSAND] = per_thousand(row.cells[APPOINTED], row.cells[REGISTERED])
    table.notes.append(WAITS.format(day=table.period.end.isoformat()))
    table.notes.append(
        "The rate is worked out from the rounded counts shown: with few appointments it moves in steps of 5 "
        "appointments."
    )
    return table


def participation_tables(analyses: Analyses) -> list[Table]:
    """Every table of this module, in the order the report shows them (the people worked out once for both)."""
    registered = Registered(analyses)
    return [ppd_uptake(analyses, registered), assessor_appointments(analyses, registered)]
