"""Suppression that holds: how the progression and fairness reports keep any one person's background out of sight,
in one report and in any number of reports put side by side.

The rules for one table are HESA's (``background_questions.json``, ``suppression``):

- **Counts** are rounded to the nearest 5; a count under 2.5 becomes 0. A count is never blanked (a blank would
  say "small but not zero"); rounding is its protection.
- **Totals are the sums of the rounded parts shown above them** (every band, including "not known"), so a total
  minus its parts is always exactly 0 and cannot expose a part that rounded away.
- **Percentages** are worked out from the rounded counts shown (so they add no precision the counts do not have)
  and are suppressed when their base - the number of people they are a percentage of - is under 22.5. Whether the
  base is big enough is read from the rounded counts too (a rounded count of 5 may be as few as 3 people), never
  from the raw count: otherwise one person tipping a base from 22 to 23 would show by a percentage appearing.
- **Averages** are suppressed when based on 7 people or fewer (again as the rounded count proves it).
- **Margins are sums of rounded atoms.** Each table keeps its counts at its finest breakdown (level, route and band,
  say) and rounds them there; every row it shows - by route, by band, a total - adds up rounded atoms. So setting
  one row against another ("lower, all routes" minus "lower, standard route") gives exactly the rounded atom
  between them, never a count rounding hid. Every count, percentage and suppression decision is a function of the
  rounded atoms alone: two registers whose rounded atoms agree give the same report. (Averages are the exception:
  they are means of the raw durations, shown only over more than 7 people.) The price: a margin can be off by a
  little more than one rounding, and a category spread thinly over many atoms reads low.
- A suppressed cell says ``suppressed`` (with the reason beside it), never a blank or a zero.

Rounding alone does not stop **differencing**: two reports whose periods differ by one person differ in that
person's cells, and a change of rounded count (22 -> 23 shows as 20 -> 25) says which band they are in. So dates are
not free. Every figure is attributed to the date of the record it counts (a decision, a renewal, an award ...), and:

1. **A fixed grid of calendar quarters.** Periods are whole quarters; ``--from`` and ``--to`` snap outwards to the
   grid. A quarter is reported only once it has ended and settled for ``SETTLE_DAYS`` (events recorded late, by a
   tick catching up, land before anyone reports the quarter), so the current quarter is never in a report.
2. **Blocks of at least ``MIN_BLOCK`` records.** For each table, consecutive quarters are merged, oldest first, into
   blocks holding either no records or at least ``MIN_BLOCK`` (the same 23 people a percentage needs). Every period
   a report can cover is a run of whole blocks: the first block meeting ``--from`` to the last meeting ``--to``.
   The newest quarters, until they make a whole block, are **withheld** (the table says how many records wait).

Hence any two reports - two date ranges, an earlier and a later release, a filtered report and the unfiltered one
- differ in each table by whole blocks: by nothing, or by at least ``MIN_BLOCK`` records, never by one person or a
handful. Tables that are a snapshot at the end of a period (representation at each level, response to the
questions ...) cannot be placed on blocks of dated changes, which bound the changes between two days but not the
net difference; their days are chosen by comparing the people themselves (``snapshots``), so two snapshots differ
by nobody or by at least ``MIN_BLOCK`` people. Each record's band is the one the person had given by the
record's date, so answers given later never rewrite earlier periods (which would make old blocks differ by one
person). The tests in ``tests/unit/test_suppression.py`` and ``tests/integration/test_statistics.py`` attack this:
every pair of date ranges, total minus parts, two worlds that differ only in one person's background.

What remains, stated plainly: an erasure removes the person's records at once (the law requires it), so a report
made before an erasure and one made after differ by that one person; rounding hides the change in most cells, and
the reports are only for the registrar and the auditor. A person who knows every other member of a block's
background could still infer the last one's, as from any published table.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from ledger.domain import background

_RULES: dict[str, Any] = background.DATA["suppression"]
ROUND_TO: int = _RULES["round_counts_to"]  # 5
ZERO_BELOW: float = _RULES["zero_below"]  # 2.5
MIN_PERCENTAGE_BASE: float = _RULES["min_percentage_base"]  # 22.5
MAX_AVERAGE_BASE_SUPPRESSED: int = _RULES["min_average_base_exclusive"]  # 7: an average needs 8 or more
MIN_BLOCK = math.ceil(MIN_PERCENTAGE_BASE)
"""Records in each block of quarters (or none): two reports never differ by fewer."""
MIN_INTERSECTION_BASE = 2 * MIN_PERCENTAGE_BASE
"""People a two-way intersection (band x sex, band x ethnic group) needs: a percentage in it is suppressed unless
its base is at least 45 (twice the one-way 22.5), and its quarters merge into blocks of at least 45 records. A cell
of an intersection holds people picked out by two characteristics at once, so each is rarer and easier to recognise
than in a one-way table; statistical offices are stricter with cross-tabulations than with single breakdowns (the
ONS limited how many categories a 2021 census multivariate table may cross for a given population), and doubling
the base is the simplest such rule that leaves every other rule here (rounding, atoms, blocks) as it is."""
SETTLE_DAYS = 31
"""Days after a quarter ends before it can be reported."""
DAYS_PER_MONTH = 365.25 / 12

SUPPRESSED = "suppressed"


# -- one cell
@dataclass(frozen=True)
class Figure:
    """One cell of a report: a rounded count, a percentage, an average, a gap in points, or words."""

    kind: str  # count, percent, average, points, text
    value: float | int | str | None
    suppressed: bool = False
    reason: str | None = None
    unit: str = ""
    floor: int = 0  # a count: the fewest records it can stand for, known from the rounded counts alone

    @property
    def given(self) -> float | int | str:
        """The value, for a figure that must have one (not suppressed): ``TypeError`` if it has none, as ``int()``
        or ``float()`` of nothing would raise."""
        if self.value is None:
            raise TypeError(f"a {self.kind} figure with no value")
        return self.value

    @property
    def shown(self) -> str:
        if self.suppressed:
            return SUPPRESSED
        if self.value is None:
            return ""
        if self.kind == "count":
            return f"{self.value:,}"
        if self.kind == "percent":
            return f"{self.value:.0f}%"
        if self.kind == "average":
            return f"{self.value:.1f}" + (f" {self.unit}" if self.unit else "")
        if self.kind == "points":
            return f"{self.value:+.0f} pts"
        if self.kind == "rate":
            return f"{self.value:.1f}" + (f" {self.unit}" if self.unit else "")
        return str(self.value)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "value": None if self.suppressed else self.value,
            "shown": self.shown,
            "suppressed": self.suppressed,
            "reason": self.reason,
            "unit": self.unit or None,
        }


def round_count(n: int | float) -> int:
    """The nearest multiple of 5, halves up; anything under 2.5 is 0."""
    if n < ZERO_BELOW:
        return 0
    return int(math.floor(n / ROUND_TO + 0.5)) * ROUND_TO


def least_raw(shown: int) -> int:
    """The fewest records a rounded count can stand for: 0 for 0, else 2 below it (3 shows as 5, 8 as 10)."""
    return max(0, shown - ROUND_TO // 2)


def count(raw: int) -> Figure:
    shown = round_count(raw)
    return Figure("count", shown, floor=least_raw(shown))


def total(parts: Iterable[Figure]) -> Figure:
    """A total row or column: the sum of the rounded parts shown (never a separately rounded raw total)."""
    counted = [(p.value, p.floor) for p in parts if p.kind == "count" and isinstance(p.value, int)]
    return Figure("count", sum(value for value, _ in counted), floor=sum(floor for _, floor in counted))


def percentage(numerator: Figure, base: Figure) -> Figure:
    """One count of another, as shown (rounded). Suppressed unless the rounded counts prove the base is at least
    22.5 people: the decision, like the figure, rests on rounded counts alone, so it gives nothing more away."""
    if base.floor < MIN_PERCENTAGE_BASE or not base.value:
        return Figure("percent", None, True, f"based on fewer than {MIN_PERCENTAGE_BASE:g} people")
    return Figure("percent", round(100.0 * int(numerator.given) / int(base.value)))


def average(values: list[float], people: Figure, unit: str = "") -> Figure:
    """The mean, to one decimal place, of ``values``, ``people`` being their rounded count; suppressed unless that
    count proves there are more than 7."""
    if people.floor <= MAX_AVERAGE_BASE_SUPPRESSED or not values:
        return Figure("average", None, True, f"based on {MAX_AVERAGE_BASE_SUPPRESSED} or fewer people", unit)
    return Figure("average", round(sum(values) / len(values), 1), unit=unit)


def points(a: Figure, b: Figure) -> Figure:
    """``a`` minus ``b`` in percentage points; suppressed if either is."""
    if a.suppressed or b.suppressed or a.value is None or b.value is None:
        return Figure("points", None, True, "a percentage it compares is suppressed")
    return Figure("points", float(a.value) - float(b.value))


def text(words: str) -> Figure:
    return Figure("text", words)


# -- the grid of periods
def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def quarter_end(day: date) -> date:
    start = quarter_start(day)
    following = date(start.year + (start.month + 3 > 12), (start.month + 3 - 1) % 12 + 1, 1)
    return following - timedelta(days=1)


def quarter_label(day: date) -> str:
    return f"{day.year} Q{(day.month - 1) // 3 + 1}"


def last_reportable_day(today: date) -> date:
    """The end of the newest quarter that ended at least ``SETTLE_DAYS`` before ``today``."""
    end = quarter_start(today) - timedelta(days=1)
    while (today - end).days < SETTLE_DAYS:
        end = quarter_start(end) - timedelta(days=1)
    return end


@dataclass(frozen=True)
class Block:
    start: date
    end: date
    records: int

    @property
    def label(self) -> str:
        first, last = quarter_label(self.start), quarter_label(self.end)
        return first if first == last else f"{first} to {last}"


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @property
    def label(self) -> str:
        first, last = quarter_label(self.start), quarter_label(self.end)
        return first if first == last else f"{first} to {last}"

    def holds(self, day: date) -> bool:
        return self.start <= day <= self.end

    def to_dict(self) -> dict[str, Any]:
        return {"from": self.start.isoformat(), "to": self.end.isoformat(), "label": self.label}


@dataclass(frozen=True)
class Grid:
    """One table's blocks, and what waits to make the next one."""

    blocks: tuple[Block, ...]
    withheld: int  # records after the last whole block (rounded when shown)
    withheld_from: date | None

    def snap(self, asked_from: date | None, asked_to: date | None) -> Period | None:
        """The run of whole blocks covering ``asked_from`` to ``asked_to`` (None for no limit), or None when no
        whole block falls in it."""
        if not self.blocks:
            return None
        if asked_from is not None and asked_to is not None and asked_from > asked_to:
            return None
        first = self.blocks[0] if asked_from is None else next((b for b in self.blocks if b.end >= asked_from), None)
        if asked_to is None or asked_to > self.blocks[-1].end:
            last = self.blocks[-1]
        else:
            last = next(b for b in self.blocks if b.end >= asked_to)
            if asked_to < self.blocks[0].start:
                return None
        if first is None or first.start > last.end:
            return None
        return Period(first.start, last.end)


def grid(dates: Iterable[date], today: date, min_block: int = MIN_BLOCK) -> Grid:
    """Merge quarters, oldest first, into blocks of no records or at least ``min_block``; what is left after the
    last whole block (and anything in quarters not yet reportable) is withheld."""
    last_day = last_reportable_day(today)
    per_quarter: dict[date, int] = {}
    late = 0
    for day in dates:
        if day > last_day:
            late += 1
        else:
            start = quarter_start(day)
            per_quarter[start] = per_quarter.get(start, 0) + 1
    if not per_quarter:
        return Grid((), late, last_day + timedelta(days=1) if late else None)
    blocks: list[Block] = []
    start = quarter = min(per_quarter)
    held = 0
    while quarter <= last_day:
        held += per_quarter.get(quarter, 0)
        end = quarter_end(quarter)
        if held == 0 or held >= min_block:
            blocks.append(Block(start, end, held))
            start, held = end + timedelta(days=1), 0
        quarter = end + timedelta(days=1)
    withheld = held + late
    return Grid(tuple(blocks), withheld, start if withheld else None)
