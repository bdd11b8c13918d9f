"""The days snapshot tables are shown as at (``ledger.reports.progression.snapshots``), attacked: reports set against
each other across time and across tables, each attack beside the naive placement it breaks (the first version's: a
grid of blocks of dated *changes*, one per table), and a property over seeded churning registers that every day any
snapshot table shows is one the representation may show, and that any two such days differ by nobody or a block."""

from __future__ import annotations

import itertools
import random
from datetime import date, timedelta
from typing import Any

import pytest

from ledger.domain.framework import FRAMEWORK
from ledger.reports.progression import suppression
from ledger.reports.progression.analyses import Analyses
from ledger.reports.progression.characteristics import INTERSECTION_BLOCK
from ledger.reports.progression.people import State, registered_view
from ledger.reports.progression.report import report_from_rows
from ledger.reports.progression.shape import DEFAULT_PARITY_MARGIN
from ledger.reports.progression.snapshots import differ
from tests.integration.test_characteristics_report import _awarded

TODAY = date(2026, 11, 23)
QUARTER_ENDS = [suppression.quarter_end(date(year, month, 1)) for year in (2024, 2025, 2026) for month in (1, 4, 7, 10)]


class Register:
    """Statistics rows made by hand: people enrolling, answering, awarded and leaving on given days."""

    def __init__(self) -> None:
        self.rows: dict[str, list[dict[str, Any]]] = {"people": [], "answers": [], "applications": [], "events": []}
        self.seq = itertools.count(1)

    def person(self, name: str, on: date, band: str | None, sex: str | None = None) -> str:
        self.rows["people"].append({"person": name, "enrolled_on": on, "erased": False})
        self.answer(name, on, band, sex)
        return name

    def answer(self, name: str, on: date, band: str | None, sex: str | None = None) -> None:
        self.rows["answers"].append(
            {
                "id": f"a{next(self.seq)}",
                "person": name,
                "on": on,
                "seq": next(self.seq),
                "responded": True,
                "band": band,
                "working_pattern": None,
                "sex": sex,
                "ethnic_group": None,
            }
        )

    def award(self, name: str, on: date, level: str = "RCT") -> None:
        self.rows["events"].append(_awarded(f"e{next(self.seq)}", name, on, level, None, None, "standard"))

    def lapse(self, name: str, on: date) -> None:
        event = _awarded(f"l{next(self.seq)}", name, on, "RCT", None, None, "standard")
        self.rows["events"].append({**event, "kind": "lapsed", "seq": next(self.seq)})


def naive_day(rows: dict[str, list[dict[str, Any]]], view: Any, block: int, asked_to: date | None) -> date | None:
    """The first version's placement: the table's own grid of the dated changes to what it shows, in blocks of
    ``block``, snapped to ``asked_to``; the day it is shown as at."""
    analyses = Analyses(rows, TODAY, None, None, DEFAULT_PARITY_MARGIN, FRAMEWORK)
    dates = []
    for timeline in analyses.timelines.values():
        last = None
        for on, state in timeline:
            if view(state) != last:
                dates.append(on)
                last = view(state)
    period = suppression.grid(dates, TODAY, block).snap(None, asked_to)
    return period.end if period else None


def naive_counts(rows: dict[str, list[dict[str, Any]]], day: date, key: Any) -> dict[Any, int]:
    """Counts of registered people by ``key`` of their state on ``day``, each rounded on its own."""
    analyses = Analyses(rows, TODAY, None, None, DEFAULT_PARITY_MARGIN, FRAMEWORK)
    raw: dict[Any, int] = {}
    for state in analyses.states_on(day).values():
        if state.level:
            raw[key(state)] = raw.get(key(state), 0) + 1
    return {k: suppression.round_count(v) for k, v in raw.items()}


def reports_alike(worlds: dict[str, dict[str, list[dict[str, Any]]]]) -> None:
    """Every report a reader can ask for (every quarter end, and none) is the same in each world."""
    for asked_to in (None, *QUARTER_ENDS):
        made = [report_from_rows(rows, TODAY, asked_to=asked_to).to_dict() for rows in worlds.values()]
        assert all(m == made[0] for m in made), asked_to


# -- churn: the same people in and out, and one newcomer
def churn_world(target_band: str) -> dict[str, list[dict[str, Any]]]:
    """22 lower and 22 professional registered in 2024 Q1; 23 others awarded in 2024 Q2 who all lapse in 2024 Q3,
    when the target is awarded alone. Every block of changes holds at least 23, yet the register at the end of Q3 is
    the register at the end of Q1 plus the target."""
    r = Register()
    for i in range(44):
        r.award(r.person(f"s{i}", date(2024, 1, 10), ("lower", "professional")[i % 2]), date(2024, 2, 1))
    for i in range(23):
        r.award(r.person(f"c{i}", date(2024, 4, 5), ("lower", "professional", None)[i % 3]), date(2024, 5, 1))
        r.lapse(f"c{i}", date(2024, 8, 1))
    r.award(r.person("target", date(2024, 7, 1), target_band), date(2024, 8, 15))
    return r.rows


@pytest.fixture(scope="module")
def churn() -> dict[str, dict[str, list[dict[str, Any]]]]:
    return {band: churn_world(band) for band in ("lower", "professional")}


def test_churn_around_a_newcomer_breaks_the_grid_of_changes_and_not_the_days_of_people(churn):
    # the attack on the naive placement: reports as at 2024 Q1 and Q3 are both on its grid, and differ by her alone
    for band, rows in churn.items():
        first, third = (naive_day(rows, registered_view, suppression.MIN_BLOCK, d) for d in QUARTER_ENDS[0:3:2])
        assert (first, third) == (date(2024, 3, 31), date(2024, 9, 30))
        before, after = (naive_counts(rows, d, lambda s: s.band) for d in (first, third))
        assert before == {"lower": 20, "professional": 20}
        assert after[band] == 25 and after[{"lower": "professional", "professional": "lower"}[band]] == 20
    # the rule: 2024 Q3 differs from Q1 by one person, so no table is ever shown as at it (nor after, until a block
    # of people differ from every day shown); every report alike in both worlds
    analyses = Analyses(churn["lower"], TODAY, None, None, DEFAULT_PARITY_MARGIN, FRAMEWORK)
    assert analyses.registered_days()[:2] == [date(2024, 3, 31), date(2024, 6, 30)]
    assert date(2024, 9, 30) not in analyses.registered_days()
    reports_alike(churn)


# -- across tables: an intersection moving on a day the representation does not
def sex_world(target_band: str) -> dict[str, list[dict[str, Any]]]:
    """22 lower (sex not given) and 46 professional registered in 2024 Q1; in 2024 Q3 the 46 professional give
    their sex (the representation's people unchanged) and the target, sex not given, is awarded alone."""
    r = Register()
    for i in range(22):
        r.award(r.person(f"l{i}", date(2024, 1, 10), "lower"), date(2024, 2, 1))
    for i in range(46):
        r.award(r.person(f"p{i}", date(2024, 1, 10), "professional"), date(2024, 2, 1))
        r.answer(f"p{i}", date(2024, 8, 1), "professional", ("female", "male")[i % 2])
    r.award(r.person("target", date(2024, 7, 1), target_band), date(2024, 8, 15))
    return r.rows


@pytest.fixture(scope="module")
def sexes() -> dict[str, dict[str, list[dict[str, Any]]]]:
    return {band: sex_world(band) for band in ("lower", "professional")}


def test_an_intersection_set_against_the_representation_cannot_tell_a_newcomers_band(sexes):
    # the attack on the naive placement: band x sex has 47 changes in 2024 Q3, a block of its own (45), while the
    # representation's one change waits; the band margin of the one against the other gives her band away
    def by_sex(s: State) -> Any:
        return (s.band, s.sex) if s.level else None

    for band, rows in sexes.items():
        assert naive_day(rows, registered_view, suppression.MIN_BLOCK, None) == date(2024, 6, 30)
        assert naive_day(rows, by_sex, INTERSECTION_BLOCK, date(2024, 9, 30)) == date(2024, 9, 30)
        representation = naive_counts(rows, date(2024, 6, 30), lambda s: s.band)
        atoms = naive_counts(rows, date(2024, 9, 30), lambda s: (s.band, s.sex))
        lower_margin = sum(v for (b, _), v in atoms.items() if b == "lower")
        assert representation["lower"] == 20 and lower_margin == (25 if band == "lower" else 20)
    # the rule: band x sex chooses among the representation's days, so it is never shown as at 2024 Q3
    for rows in sexes.values():
        report = report_from_rows(rows, TODAY)
        assert report.table("representation").period.end == date(2024, 6, 30)
        assert report.table("band_by_sex").period.end <= date(2024, 6, 30)
    reports_alike(sexes)


# -- the property, over seeded churning registers
def churning(seed: int, people: int = 260) -> dict[str, list[dict[str, Any]]]:
    """People enrolling over 2024 and 2025, many awarded, some lapsing and coming back, some answering again with
    a different band or sex: a register whose snapshots churn."""
    rng = random.Random(seed)
    r = Register()
    bands = ["lower", "intermediate", "professional", None]
    for i in range(people):
        on = date(2024, 1, 1) + timedelta(days=rng.randrange(640))
        name = r.person(f"p{i}", on, rng.choice(bands), rng.choice(["female", "male", None]))
        if rng.random() < 0.8:
            awarded = on + timedelta(days=rng.randrange(20, 120))
            r.award(name, awarded, rng.choice(["RCT", "RCP", "ACP"]))
            if rng.random() < 0.4:
                r.lapse(name, awarded + timedelta(days=rng.randrange(90, 400)))
        if rng.random() < 0.3:
            r.answer(name, on + timedelta(days=rng.randrange(60, 500)), rng.choice(bands), rng.choice(["female", None]))
    return r.rows


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_day_any_snapshot_table_shows_is_a_day_of_the_representation_and_apart_from_every_other(seed):
    rows = churning(seed)
    analyses = Analyses(rows, TODAY, None, None, DEFAULT_PARITY_MARGIN, FRAMEWORK)
    registered = analyses.registered_days()
    assert len(registered) >= 3  # the register moves on, so there is something to compare
    shown: dict[str, set[date]] = {}
    for asked_to in (None, *QUARTER_ENDS):
        for table in report_from_rows(rows, TODAY, asked_to=asked_to).tables:
            if table.snapshot and table.period is not None:
                shown.setdefault(table.key, set()).add(table.period.end)
    assert {"representation", "response", "advanced_level_by_band", "band_by_sex", "ppd_uptake"} <= shown.keys()
    views = {day: analyses.views_on(day, registered_view) for day in registered}
    for key, days in shown.items():
        assert days <= set(registered), key
        for one, other in itertools.combinations(sorted(days), 2):
            changed = differ(views[one], views[other])
            assert changed == 0 or changed >= suppression.MIN_BLOCK, (key, one, other, changed)
    every = sorted(set().union(*shown.values()))
    for one, other in itertools.combinations(every, 2):  # across tables too
        changed = differ(views[one], views[other])
        assert changed == 0 or changed >= suppression.MIN_BLOCK, (one, other, changed)
