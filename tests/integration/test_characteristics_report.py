"""The report's tables by working pattern, sex and ethnic group: what the statistics keep of the new answers (a broad
group, on SQLite and PostgreSQL, gone with an erasure), the tables with figures on a seeded population, the stricter
minimum base of the intersections, and a differencing attack across an intersection and its margins that fails on
the report and breaks a naive table rounding each cell and margin on its own."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from ledger.app.ledger import Ledger
from ledger.domain.clock import SettableClock
from ledger.read.projections.runner import ProjectionRunner
from ledger.read.projections.statistics import StatisticsProjection, statistics_rows
from ledger.read.projections.statistics_tables import statistics_answers
from ledger.reports.progression import suppression
from ledger.reports.progression.characteristics import intersection_percentage
from ledger.reports.progression.report import figures, report_from_rows
from ledger.settings import Settings
from tests.builders.records import assessed, assessors, enrol, submitted
from tests.conftest import MASTER_KEY

TODAY = date(2026, 11, 23)
NEW_TABLES = (
    "working_pattern_outcomes",
    "working_pattern_progression",
    "band_by_sex",
    "band_by_ethnic_group",
)


def rows_of(ledger: Ledger) -> dict[str, list[dict[str, Any]]]:
    with ledger.engine.connect() as conn:
        return statistics_rows(conn)


# -- what the statistics keep
def test_the_statistics_keep_a_broad_group_of_each_answer_and_lose_it_with_an_erasure(ledger):
    """On SQLite and PostgreSQL: the groups, never the answers; a later "prefer not to say" makes them not known;
    an erasure deletes them."""
    answers = {"parental_occupation_14": "routine", "working_pattern": "freelance", "sex": "female"}
    someone = enrol(ledger, "Fay Freelance", background_answers={**answers, "ethnic_group": "black_caribbean"})
    ProjectionRunner(ledger).catch_up()
    person = StatisticsProjection(ledger.vault).person(someone)

    def kept() -> list[tuple[Any, ...]]:
        with ledger.engine.connect() as conn:
            found = conn.execute(
                select(
                    statistics_answers.c.band,
                    statistics_answers.c.working_pattern,
                    statistics_answers.c.sex,
                    statistics_answers.c.ethnic_group,
                )
                .where(statistics_answers.c.person == person)
                .order_by(statistics_answers.c.seq)
            )
            return [tuple(r) for r in found]

    assert kept() == [("lower", "freelance", "female", "black")]
    ledger.clock.advance(timedelta(days=1))
    ledger.answer_background(someone, {"sex": "prefer_not_to_say", "ethnic_group": "prefer_not_to_say"})
    ProjectionRunner(ledger).catch_up()
    assert kept()[-1] == (None, None, None, None)
    ledger.erase(someone, "registrar")
    ProjectionRunner(ledger).catch_up()
    assert kept() == []


# -- the tables on a seeded population
def seeded_rows(count: int, seed: int = 20) -> dict[str, list[dict[str, Any]]]:
    """A register of ``count`` people as statistics rows, drawn from ``random.Random(seed)``: enrolled over 2024
    and 2025, each answering (or not), applying once, and some moving up a level about a year later."""
    rng = random.Random(seed)
    rows: dict[str, list[dict[str, Any]]] = {"people": [], "answers": [], "applications": [], "events": []}
    for i in range(count):
        person, enrolled = f"p{i}", date(2024, 1, 1) + timedelta(days=rng.randrange(700))
        rows["people"].append({"person": person, "enrolled_on": enrolled, "erased": False})
        rows["answers"].append(
            {
                "id": f"a{i}",
                "person": person,
                "on": enrolled,
                "seq": 1,
                "responded": True,
                "band": rng.choice(["professional", "professional", "intermediate", "lower", "lower", None]),
                "working_pattern": rng.choice(["employed", "freelance", "freelance", "both", None]),
                "sex": rng.choice(["female", "male", "male", None]),
                "ethnic_group": rng.choice(["white"] * 6 + ["asian", "black", "mixed", "other", None]),
            }
        )
        closed, level = enrolled + timedelta(days=rng.randrange(30, 120)), rng.choice(["RCT", "RCT", "RCP"])
        outcome = rng.choice(["award", "award", "award", "defer", "reject", "withdrawn"])
        route = rng.choice(["standard", "equivalency"])
        rows["applications"].append(
            {
                "id": f"x{i}",
                "person": person,
                "level": level,
                "route": route,
                "closed_on": closed,
                "first_outcome": outcome,
            }
        )
        if outcome != "award":
            continue
        rows["events"].append(_awarded(f"e{i}", person, closed, level, None, None, route))
        if level == "RCT" and rng.random() < 0.5:
            later = closed + timedelta(days=rng.randrange(240, 500))
            rows["events"].append(_awarded(f"u{i}", person, later, "RCP", "RCT", closed, route))
    return rows


def _awarded(
    key: str, person: str, on: date, level: str, previous: str | None, previous_on: date | None, route: str
) -> dict[str, Any]:
    return {
        "id": key,
        "person": person,
        "kind": "awarded",
        "on": on,
        "seq": 2 if previous is None else 3,
        "level": level,
        "previous_level": previous,
        "previous_on": previous_on,
        "route": route,
        "year": None,
        "outcome": None,
    }


def test_the_new_tables_show_figures_on_a_seeded_population_and_keep_the_rules():
    report = report_from_rows(seeded_rows(1500), TODAY)
    for key in NEW_TABLES:
        table = report.table(key)
        assert table.period is not None and table.rows, key
        shown = [f for r in table.rows for f in r.cells.values() if not f.suppressed and f.kind != "text"]
        assert any(f.value for f in shown), key  # figures, not only suppression
    outcomes = report.table("working_pattern_outcomes")
    freelance = outcomes.cell("By working pattern", "Freelance or self-employed", "Award rate")
    assert not freelance.suppressed and 30 <= freelance.value <= 80
    everyone = outcomes.cell("By working pattern", "All working patterns", "Decided").value
    assert everyone == sum(
        outcomes.cell("By working pattern", label, "Decided").value
        for label in ("Employed", "Freelance or self-employed", "Both employed and freelance", "Not known")
    )
    progression = report.table("working_pattern_progression")
    assert not progression.cell("RCT to RCP, by working pattern", "Employed", "Average (months)").suppressed
    by_sex = report.table("band_by_sex")
    assert by_sex.snapshot and [r.label for r in by_sex.rows] == [
        "Professional",
        "Intermediate",
        "Lower",
        "Not known",
        "All backgrounds",
    ]
    ethnic = report.table("band_by_ethnic_group")
    assert ethnic.columns[:5] == ["White", "Mixed", "Asian", "Black", "Other"]
    assert "Black: Black, Black British, Black Welsh, Caribbean or African" in " ".join(report.legend)
    for table, row, column, figure in figures(report):
        if table.key in NEW_TABLES and figure.kind == "count":
            assert figure.value % 5 == 0, (table.key, row.label, column)
        if table.key in NEW_TABLES and row.label == "All backgrounds" and figure.kind == "count":
            parts = [r.cells[column].value for r in table.rows if r.group == row.group and r is not row]
            assert figure.value == sum(parts), (table.key, column)  # a margin is its rounded parts


def test_an_intersection_needs_twice_the_base_for_a_percentage_and_for_a_block():
    forty = suppression.count(40)  # as few as 38 people
    assert not suppression.percentage(suppression.count(10), forty).suppressed
    assert intersection_percentage(suppression.count(10), forty).suppressed
    assert intersection_percentage(suppression.count(10), suppression.count(50)).value == 20
    assert suppression.MIN_INTERSECTION_BASE == 2 * suppression.MIN_PERCENTAGE_BASE
    # 30 people registered in one quarter, then nobody: a block for the one-way table, not for the intersections
    rows = seeded_rows(30, seed=3)
    for a in rows["applications"]:
        a["closed_on"], a["first_outcome"] = date(2025, 2, 1), "award"
    for p, a in zip(rows["people"], rows["answers"], strict=True):
        p["enrolled_on"] = a["on"] = date(2025, 1, 10)
    rows["events"] = [
        _awarded(f"e{i}", p["person"], date(2025, 2, 1), "RCT", None, None, "standard")
        for i, p in enumerate(rows["people"])
    ]
    report = report_from_rows(rows, TODAY)
    assert report.table("representation").period is not None
    for key in ("band_by_sex", "band_by_ethnic_group"):
        table = report.table(key)
        assert table.period is None and not table.rows
        assert any("fewer than 45 records" in note for note in table.notes)
    shares = [
        f
        for r in report_from_rows(seeded_rows(200), TODAY).table("band_by_sex").rows
        for c, f in r.cells.items()
        if c.endswith("%")
    ]
    assert any(f.suppressed and "intersection" in (f.reason or "") for f in shares)


# -- the differencing attack: an intersection against its margins
def characteristics_world(path: Any, people: list[dict[str, str]], target: dict[str, str]) -> Ledger:
    """Everyone in ``people`` (their answers) and then the target enrol, apply and are awarded RCT in 2025 Q1:
    all in one block, so only rounding stands between the target and the reader."""
    clock = SettableClock(date(2025, 1, 6))
    ledger = Ledger(
        Settings(database_url=f"sqlite:///{path}", master_key=MASTER_KEY), clock=clock, rng=random.Random(7)
    )
    pair = assessors(ledger)
    with ledger.batch():
        for i, answers in enumerate([*people, target]):
            clock.set(date(2025, 1, 6) + timedelta(days=i % 60))
            registrant = enrol(ledger, f"Person {i}", email=f"person{i}@example.org", background_answers=answers)
            application = submitted(ledger, registrant)
            assessed(ledger, application, pair)
            ledger.decide(application, "award", "", "registrar")
    clock.set(TODAY)
    ProjectionRunner(ledger).catch_up()
    return ledger


PROFESSIONAL, LOWER = "professional", "routine"  # an occupation answer in each band
FEMALE_BLACK = {"sex": "female", "ethnic_group": "black_african"}
MALE_WHITE = {"sex": "male", "ethnic_group": "white_british"}


@pytest.fixture(scope="module")
def two_worlds(tmp_path_factory):
    """22 professional Black women, 20 professional White men, 20 lower-band White men; the target, of the lower
    band, is a Black woman in one world and a White man in the other: only her sex and ethnic group differ."""
    people = (
        [{"parental_occupation_14": PROFESSIONAL, **FEMALE_BLACK}] * 22
        + [{"parental_occupation_14": PROFESSIONAL, **MALE_WHITE}] * 20
        + [{"parental_occupation_14": LOWER, **MALE_WHITE}] * 20
    )
    folder = tmp_path_factory.mktemp("characteristics")
    made = {
        name: characteristics_world(folder / f"{name}.db", people, {"parental_occupation_14": LOWER, **answers})
        for name, answers in (("female_black", FEMALE_BLACK), ("male_white", MALE_WHITE))
    }
    yield made
    for ledger in made.values():
        ledger.close()


def naive_intersection(rows: dict[str, list[dict[str, Any]]], characteristic: str) -> dict[str, int]:
    """What a table rounding every cell and every margin on its own (HESA's rounding, but no atoms) shows of
    people registered, by band and ``characteristic``: cells "band/group", margins "band/*", "*/group", "*/*"."""
    latest = {a["person"]: a for a in sorted(rows["answers"], key=lambda a: (a["on"], a["seq"]))}
    registered = [latest[e["person"]] for e in rows["events"] if e["kind"] == "awarded"]
    raw: dict[str, int] = {}
    for a in registered:
        for key in (f"{a['band']}/{a[characteristic]}", f"{a['band']}/*", f"*/{a[characteristic]}", "*/*"):
            raw[key] = raw.get(key, 0) + 1
    return {key: suppression.round_count(n) for key, n in raw.items()}


@pytest.mark.parametrize(
    ("characteristic", "table_key", "target_group", "target_column"),
    [
        ("sex", "band_by_sex", "female", "Female"),
        ("ethnic_group", "band_by_ethnic_group", "black", "Black"),
    ],
)
def test_an_intersection_set_against_its_margins_cannot_tell_the_targets_sex_or_ethnic_group(
    two_worlds, characteristic, table_key, target_group, target_column
):
    rows = {name: rows_of(ledger) for name, ledger in two_worlds.items()}
    naive = {name: naive_intersection(r, characteristic) for name, r in rows.items()}
    # the attack on the naive table: every cell reads the same in both worlds ...
    cells = {name: {k: v for k, v in table.items() if "*" not in k} for name, table in naive.items()}
    assert {k: v for k, v in cells["female_black"].items() if v} == {k: v for k, v in cells["male_white"].items() if v}
    assert cells["female_black"][f"lower/{target_group}"] == 0  # her own cell rounds away
    # ... but the group's margin, rounded on its own, is 23 -> 25 with her and 22 -> 20 without: it gives her away
    assert naive["female_black"][f"*/{target_group}"] == 25 and naive["male_white"][f"*/{target_group}"] == 20
    margin_less_cells = naive["female_black"][f"*/{target_group}"] - sum(
        v for k, v in cells["female_black"].items() if k.endswith(f"/{target_group}")
    )
    assert margin_less_cells == 5  # "someone of this group is hidden somewhere": with her band known, it is her

    # the report: margins are sums of rounded atoms, so every figure of every table is the same in both worlds
    reports = {name: report_from_rows(r, TODAY) for name, r in rows.items()}
    assert reports["female_black"].to_dict() == reports["male_white"].to_dict()
    table = reports["female_black"].table(table_key)
    assert table.period is not None and table.period.end == date(2026, 9, 30)
    column = [table.cell("By background", label, target_column).value for label in ("Professional", "Lower")]
    assert column == [20, 0]
    margin = table.cell("By background", "All backgrounds", target_column).value
    parts = sum(r.cells[target_column].value for r in table.rows if r.label != "All backgrounds")
    assert margin == parts == 20  # the margin less its cells is exactly 0: nothing hidden shows
    assert table.cell("By background", "Lower", "Total").value == 20  # 21 people: the target's band is no secret
