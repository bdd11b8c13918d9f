"""The days a snapshot table may be shown as at: chosen by comparing the people themselves, so that no two reports of
any snapshot table, or of two snapshot tables set side by side, differ by one person.

A snapshot table counts people as they stood on one day (representation at each level, response to the questions,
the advanced level, band x sex and band x ethnic group, PPD uptake and assessor appointments). Dated records (a
decision, a renewal) are protected by blocks of at least 23 records (``suppression.grid``); a snapshot cannot be,
because blocks of *changes* do not bound the *net* difference between two days. Twenty-three people awarded in one
block and the same 23 lapsing in the next beside one newcomer make two blocks of at least 23 changes each, yet the
register before the first and after the second differ by the newcomer alone, and a count tipping from 20 to 25 would
say her band. (The first version of these tables stood on such a grid; ``tests/integration/test_snapshot_days.py``
keeps it as the naive version and breaks it with exactly this.)

**The rule.** Each snapshot table has a *view* of a person: what the table shows of them on a day (the level held and
the band for the representation; the band and sex for band x sex; the band, working pattern, PPD categories and hours
for PPD uptake ...), or nothing while they are not in it. A day is taken (``taken``) if, against **every** day taken
before it and against the empty table, the views differ for nobody or for at least the table's block (23; 45 for an
intersection) people. Days are tried oldest first and the choice never depends on the report asked for (``--to`` picks
the first taken day on or after it, the last if none is), so any two reports of one table show it as at the same day, or
as at two days between which at least a block of people differ in what it shows: never one person, however they come and
go between.

**One set of days for every table.** Each table on its own is not enough: tables count overlapping facts (the
representation's band counts are band x sex's margins; the advanced level's "registered" is the representation's
total), so two tables shown as at two different days could be set against each other. So the days tried for every
table are the representation's own taken days (``Analyses.registered_days``): a table shows a day only if the
representation may show it too, and any two days shown by any two tables are days between which at least 23 people
differ in level or band, or none do. On top of that each table keeps its own view apart (a person's sex or PPD can
change while their level and band stay put).

The days tried for the representation are every quarter end that has settled (``suppression.last_reportable_day``),
from the first quarter in which anyone enrolled: a quarter in which nothing the representation shows changed is
taken as it stands (it differs from the last taken day for nobody).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from datetime import date

Views = dict[str, Hashable]
"""What a table shows of each person in it on one day, by pseudonym (someone not in the table is absent)."""


def differ(one: Views, other: Views) -> int:
    """How many people two days' views disagree on (someone in one and not the other counts)."""
    return len({person for person, _ in one.items() ^ other.items()})


def apart(one: Views, other: Views, block: int) -> bool:
    """Whether two days' views may both be shown: they differ for nobody or for at least ``block`` people."""
    changed = differ(one, other)
    return changed == 0 or changed >= block


def taken(days: Iterable[date], views_at: Callable[[date], Views], block: int) -> list[date]:
    """The days, oldest first, each apart from every day taken before it and from the empty table."""
    kept: list[Views] = [{}]
    out: list[date] = []
    for day in sorted(days):
        views = views_at(day)
        if views == kept[-1] or all(apart(views, before, block) for before in kept):
            kept.append(views)
            out.append(day)
    return out
