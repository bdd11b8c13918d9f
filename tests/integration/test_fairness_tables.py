"""The fairness tables (feedback, deferral and appeal rates by band; the advanced level by band; award rates by band x
sex and band x ethnic group) and their charts: figures on a seeded population, counts in fives, margins that are the
sums of their parts, small bases suppressed (the intersections at twice the usual base), and a differencing attack on
the feedback table's margins that fails on the report and breaks a naive table rounding each cell and margin alone."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

import pytest

from ledger.app.ledger import Ledger
from ledger.domain.clock import SettableClock
from ledger.domain.framework import FRAMEWORK
from ledger.read.projections.runner import ProjectionRunner
from ledger.reports.progression import suppression
from ledger.reports.progression.charts import charts
from ledger.reports.progression.report import figures, report_from_rows
from ledger.settings import Settings
from tests.builders.records import assessed, assessors, enrol, submitted
from tests.conftest import MASTER_KEY
from tests.integration.test_characteristics_report import TODAY, _awarded, rows_of, seeded_rows

NEW_TABLES = (
    "feedback_by_band",
    "advanced_level_by_band",
    "award_rate_by_band_and_sex",
    "award_rate_by_band_and_ethnic_group",
)
NEW_CHARTS = (
    "working_pattern_outcomes",
    "working_pattern_progression",
    "band_by_sex",
    "band_by_ethnic_group",
    "feedback",
    "advanced_level",
    "award_rate_by_sex",
    "award_rate_by_ethnic_group",
)
BAND_ROWS = ("Professional", "Intermediate", "Lower", "Not known")


def fairness_rows(count: int, seed: int = 20) -> dict[str, list[dict[str, Any]]]:
    """``seeded_rows`` with appeals (about 4 in 10 deferrals and rejections, within the window) and about half of
    those who reached RCP moving on to ACP some ten months later."""
    rows = seeded_rows(count, seed)
    rng = random.Random(seed + 1)
    for a in rows["applications"]:
        appealed = a["first_outcome"] in ("defer", "reject") and rng.random() < 0.4
        a["appealed_on"] = a["closed_on"] + timedelta(days=rng.randrange(1, 28)) if appealed else None
    for e in list(rows["events"]):
        if e["level"] == "RCP" and rng.random() < 0.5:
            on = e["on"] + timedelta(days=rng.randrange(250, 350))
            rows["events"].append(_awarded(f"t{e['id']}", e["person"], on, "ACP", "RCP", e["on"], e["route"]))
    return rows


@pytest.fixture(scope="module")
def report():
    return report_from_rows(fairness_rows(1500), TODAY)


def test_each_new_table_shows_figures_in_fives(report):
    for key in NEW_TABLES:
        table = report.table(key)
        assert table.period is not None and table.rows, key
        shown = [f for r in table.rows for f in r.cells.values() if not f.suppressed]
        assert any(f.kind == "percent" and f.value for f in shown), key  # figures, not only suppression
    for table, row, column, figure in figures(report):
        if table.key in NEW_TABLES and figure.kind == "count":
            assert figure.value % 5 == 0, (table.key, row.label, column)
    feedback = report.table("feedback_by_band")
    lower = feedback.cell("By background", "Lower", "Deferral rate")
    assert not lower.suppressed and 5 <= lower.value <= 40
    assert 20 <= feedback.cell("By background", "All backgrounds", "Appeal rate").value <= 60
    advanced = report.table("advanced_level_by_band")
    assert advanced.snapshot and advanced.columns == ["Registered", "At ACP", "ACP %"]
    assert 5 <= advanced.cell("By background", "All backgrounds", "ACP %").value <= 50
    assert not advanced.cell("First awarded by the equivalency route, by background", "Lower", "ACP %").suppressed
    by_sex = report.table("award_rate_by_band_and_sex")
    assert 30 <= by_sex.cell("Lower, by sex", "Female", "Award rate").value <= 80
    # an appeal window shorter than the settling time: a reported period's appeals are all in it when first shown
    assert FRAMEWORK.rules.appeal_window_days <= suppression.SETTLE_DAYS


def test_margins_are_the_sums_of_their_parts(report):
    feedback = report.table("feedback_by_band")
    counts = ("Decided", "Deferred", "Rejected", "Feedback given", "Appealed")
    rows = {r.label: r for r in feedback.rows if r.group == "By background"}
    for column in counts:
        assert rows["All backgrounds"].cells[column].value == sum(rows[b].cells[column].value for b in BAND_ROWS)
        for band in BAND_ROWS:  # a band is its routes' rounded atoms
            within = [
                feedback.cell(f"{route}, by background", band, column).value for route in ("Standard", "Equivalency")
            ]
            assert rows[band].cells[column].value == sum(within), (band, column)
    for row in feedback.rows:
        cells = row.cells
        assert cells["Feedback given"].value == cells["Deferred"].value + cells["Rejected"].value
    advanced = report.table("advanced_level_by_band")
    for column in ("Registered", "At ACP"):
        everyone = advanced.cell("By background", "All backgrounds", column).value
        assert everyone == sum(advanced.cell("By background", b, column).value for b in BAND_ROWS)
        for band in BAND_ROWS:
            assert advanced.cell("By background", band, column).value == sum(
                advanced.cell(f"First awarded by the {route} route, by background", band, column).value
                for route in ("standard", "equivalency")
            )
    for key, noun in (("award_rate_by_band_and_sex", "sex"), ("award_rate_by_band_and_ethnic_group", "ethnic group")):
        table = report.table(key)
        groups = [r.label for r in table.rows if r.group == f"All backgrounds, by {noun}" and r.label != "All"]
        for column in ("Awarded", "Deferred", "Rejected", "Decided"):
            for group in [*groups, "All"]:  # a group across the bands is the sum of the band cells
                margin = table.cell(f"All backgrounds, by {noun}", group, column).value
                assert margin == sum(table.cell(f"{b}, by {noun}", group, column).value for b in BAND_ROWS)
            for band in [*BAND_ROWS, "All backgrounds"]:  # a band's "All" is the sum of its groups
                assert table.cell(f"{band}, by {noun}", "All", column).value == sum(
                    table.cell(f"{band}, by {noun}", g, column).value for g in groups
                )


def test_small_bases_are_suppressed_and_intersections_need_twice_the_base():
    small = report_from_rows(fairness_rows(200), TODAY)
    feedback = small.table("feedback_by_band")
    assert feedback.period is not None
    hidden = [f for r in feedback.rows for c, f in r.cells.items() if c.endswith("rate") and f.suppressed]
    assert hidden and all("fewer than 22.5" in (f.reason or "") for f in hidden)
    for key in ("award_rate_by_band_and_sex", "award_rate_by_band_and_ethnic_group"):
        rates = [r.cells["Award rate"] for r in small.table(key).rows]
        assert any(f.suppressed and "intersection" in (f.reason or "") for f in rates), key
        # a base of 25 to 44 shows a one-way percentage, never an intersection's
        for row in small.table(key).rows:
            if 25 <= row.cells["Decided"].value < 45:
                assert row.cells["Award rate"].suppressed, (key, row.label)
    # 30 decisions in one quarter, then nothing: a block for the one-way table, not for the intersections
    rows = seeded_rows(30, seed=3)
    for a in rows["applications"]:
        a["closed_on"], a["first_outcome"], a["appealed_on"] = date(2025, 2, 1), "defer", None
    one_block = report_from_rows(rows, TODAY)
    assert one_block.table("feedback_by_band").period is not None
    for key in ("award_rate_by_band_and_sex", "award_rate_by_band_and_ethnic_group"):
        table = one_block.table(key)
        assert table.period is None and not table.rows
        assert any("fewer than 45 records" in note for note in table.notes)


def test_each_new_chart_is_drawn_with_figures_and_marks_what_is_suppressed(report):
    drawn = {c.key: c for c in charts(report)}
    for key in NEW_CHARTS:
        chart = drawn[key]
        assert chart.svg.startswith("<?xml") and chart.svg.count("<path") > 10, key  # bars, axes
        assert chart.title in chart.svg and "Period:" in chart.caption and len(chart.alt) > 80, key
    ethnic = drawn["award_rate_by_ethnic_group"]  # thin intersections: suppressed bars named and marked
    assert ethnic.suppressed and "Suppressed (too few people to show): " in ethnic.caption
    assert ethnic.svg.count(">suppressed<") == len(ethnic.suppressed)
    assert "Professional, Black" in ethnic.caption
    small = {c.key: c for c in charts(report_from_rows(fairness_rows(200), TODAY))}
    for key in ("feedback", "award_rate_by_sex", "working_pattern_progression"):
        assert small[key].suppressed and ">suppressed<" in small[key].svg, key
    assert not drawn["feedback"].suppressed and "No figure in this chart was suppressed." in drawn["feedback"].caption


# -- the differencing attack: the feedback table's margins against its cells
def feedback_world(path: Any, target_answer: str) -> Ledger:
    """22 lower-band people deferred by the standard route, each appealing, and a target deferred by the
    equivalency route, appealing too, all in 2025 Q1; only the target's band (``target_answer``) differs."""
    clock = SettableClock(date(2025, 1, 6))
    ledger = Ledger(
        Settings(database_url=f"sqlite:///{path}", master_key=MASTER_KEY), clock=clock, rng=random.Random(7)
    )
    pair = assessors(ledger)
    people = [("routine", "standard")] * 22 + [(target_answer, "equivalency")]
    with ledger.batch():
        for i, (answer, route) in enumerate(people):
            clock.set(date(2025, 1, 6) + timedelta(days=i % 60))
            registrant = enrol(
                ledger,
                f"Person {i}",
                email=f"person{i}@example.org",
                background_answers={"parental_occupation_14": answer},
            )
            application = submitted(ledger, registrant, "RCT", route)
            assessed(ledger, application, pair, "defer", "partly_met")
            ledger.decide(application, "defer", "Not yet.", "registrar")
            clock.advance(timedelta(days=5))
            ledger.appeal(application, "The evidence for area A was there.")
    clock.set(TODAY)
    ProjectionRunner(ledger).catch_up()
    return ledger


@pytest.fixture(scope="module")
def two_worlds(tmp_path_factory):
    folder = tmp_path_factory.mktemp("feedback")
    made = {
        band: feedback_world(folder / f"{band}.db", answer)
        for band, answer in (("lower", "routine"), ("intermediate", "clerical"))
    }
    yield made
    for ledger in made.values():
        ledger.close()


def naive_appeals(rows: dict[str, list[dict[str, Any]]]) -> dict[str, int]:
    """What a table rounding each cell and each margin on its own (HESA's rounding, but no atoms) shows of appeals
    by band and route: cells "band/route", margins "band/*", "*/route", "*/*"."""
    latest = {a["person"]: a["band"] for a in sorted(rows["answers"], key=lambda a: (a["on"], a["seq"]))}
    raw: dict[str, int] = {}
    for a in rows["applications"]:
        if a["appealed_on"] is not None:
            band = latest.get(a["person"])
            for key in (f"{band}/{a['route']}", f"{band}/*", f"*/{a['route']}", "*/*"):
                raw[key] = raw.get(key, 0) + 1
    return {key: suppression.round_count(n) for key, n in raw.items()}


def test_the_feedback_tables_margins_set_against_its_cells_cannot_tell_the_appellants_band(two_worlds):
    rows = {band: rows_of(ledger) for band, ledger in two_worlds.items()}
    assert sum(a["appealed_on"] is not None for a in rows["lower"]["applications"]) == 23
    naive = {band: naive_appeals(r) for band, r in rows.items()}
    # the attack on the naive table: the target's own cell rounds away in both worlds ...
    assert naive["lower"]["lower/equivalency"] == naive["intermediate"]["intermediate/equivalency"] == 0
    assert naive["lower"]["lower/standard"] == naive["intermediate"]["lower/standard"] == 20
    # ... but the band's margin, rounded on its own, is 23 -> 25 with her and 22 -> 20 without: it gives her away
    assert naive["lower"]["lower/*"] == 25 and naive["intermediate"]["lower/*"] == 20
    hidden = naive["lower"]["lower/*"] - naive["lower"]["lower/standard"] - naive["lower"]["lower/equivalency"]
    assert hidden == 5  # "a lower-band appellant is hidden by the equivalency route": the one appellant there

    # the report: margins are sums of rounded atoms, so every figure of every table is the same in both worlds
    reports = {band: report_from_rows(r, TODAY) for band, r in rows.items()}
    assert reports["lower"].to_dict() == reports["intermediate"].to_dict()
    table = reports["lower"].table("feedback_by_band")
    assert table.period is not None and table.period.label == "2025 Q1 to 2026 Q3"
    assert table.cell("By background", "Lower", "Appealed").value == 20
    assert table.cell("Standard, by background", "Lower", "Appealed").value == 20
    assert table.cell("Equivalency, by background", "Lower", "Appealed").value == 0  # margin less cells: 0
    assert table.cell("By route", "Equivalency", "Appealed").value == 0
    assert table.cell("By background", "Lower", "Appeal rate").suppressed  # 20 may be 18 people: under 22.5
