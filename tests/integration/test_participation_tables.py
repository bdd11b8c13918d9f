"""PPD uptake and assessor appointments by background: what the statistics keep of a PPD activity and an
appointment (a category code, hours and dates; on SQLite and PostgreSQL; gone with an erasure, and still gone after
a rebuild), the tables with figures on a seeded population, their suppression, and a differencing attack - two
reports differing only by one person's PPD - that fails on the report and breaks a naive table rounding each row on
its own."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from ledger.app.ledger import Ledger
from ledger.domain.clock import SettableClock
from ledger.domain.framework import FRAMEWORK
from ledger.read.projections.runner import ProjectionRunner
from ledger.read.projections.statistics import StatisticsProjection, statistics_rows
from ledger.read.projections.statistics_tables import PERSONAL_TABLES, statistics_assessors, statistics_ppd
from ledger.reports.progression import suppression
from ledger.reports.progression.analyses import Analyses
from ledger.reports.progression.participation import ANY_PPD, Registered, participation_tables, per_thousand
from ledger.reports.progression.people import State, state_at
from ledger.reports.progression.report import report_from_rows
from ledger.reports.progression.shape import DEFAULT_PARITY_MARGIN, Table
from ledger.reports.progression.suppression import Period
from ledger.settings import Settings
from tests.builders.records import assessed, assessors, awarded, enrol, log_ppd, submitted
from tests.builders.world import LOWER as LOWER_ANSWER
from tests.builders.world import PROFESSIONAL, world
from tests.conftest import MASTER_KEY
from tests.integration.test_characteristics_report import seeded_rows

TODAY = date(2026, 11, 23)
CATEGORIES = FRAMEWORK.rules.ppd_categories


def rows_of(ledger: Ledger) -> dict[str, list[dict[str, Any]]]:
    with ledger.engine.connect() as conn:
        return statistics_rows(conn)


def tables_of(rows: dict[str, list[dict[str, Any]]], today: date = TODAY, **asked: Any) -> dict[str, Table]:
    analyses = Analyses(rows, today, asked.get("asked_from"), asked.get("asked_to"), DEFAULT_PARITY_MARGIN, FRAMEWORK)
    return {t.key: t for t in participation_tables(analyses)}


# -- what the statistics keep
def test_the_statistics_keep_ppd_codes_and_hours_and_registrant_assessors_and_lose_them_with_an_erasure(ledger):
    """On SQLite and PostgreSQL: a PPD activity is its category code, hours and two dates (never what was learned);
    an appointment of a registrant is a row (of a non-registrant, none); erasure deletes both, and a rebuild
    does not bring them back."""
    someone, _ = awarded(ledger, "Ann Example", background_answers={"parental_occupation_14": "routine"})
    ledger.clock.advance(timedelta(days=20))
    log_ppd(ledger, someone, ["formal", "work_based"], days_ago=40)  # dated before it was recorded
    assessor = ledger.appoint_assessor(None, registrant_id=someone)
    ledger.appoint_assessor("Outside Expert")  # not on the register: no background, no row
    ledger.clock.advance(timedelta(days=3))
    ledger.stand_down_assessor(assessor)
    ProjectionRunner(ledger).catch_up()
    person = StatisticsProjection(ledger.vault).person(someone)
    today = ledger.clock.today()

    def kept() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        with ledger.engine.connect() as conn:
            ppd = [dict(r) for r in conn.execute(select(statistics_ppd)).mappings()]
            appointed = [dict(r) for r in conn.execute(select(statistics_assessors)).mappings()]
        return ppd, appointed

    ppd, appointed = kept()
    assert sorted((r["category"], r["hours"]) for r in ppd) == [("formal", 6.0), ("work_based", 6.0)]
    assert {r["category"] for r in ppd} <= set(CATEGORIES)  # codes of the framework, nothing typed
    assert all(r["person"] == person for r in ppd)
    assert {(r["on"], r["recorded_on"]) for r in ppd} == {(today - timedelta(days=43), today - timedelta(days=3))}
    text = " ".join(str(v) for r in ppd + appointed for v in r.values())
    assert "Learned" not in text and "practice" not in text and someone.hex not in text and "Ann" not in text
    assert [(r["person"], r["appointed_on"], r["stood_down_on"]) for r in appointed] == [
        (person, today - timedelta(days=3), today)
    ]
    assert {statistics_ppd, statistics_assessors} <= set(PERSONAL_TABLES)

    ledger.erase(someone, "registrar")
    ProjectionRunner(ledger).catch_up()
    assert kept() == ([], [])
    ProjectionRunner(ledger).rebuild()
    assert kept() == ([], [])


# -- the tables on a seeded population
def with_participation(rows: dict[str, list[dict[str, Any]]], seed: int = 8) -> dict[str, list[dict[str, Any]]]:
    """``rows`` with PPD (the professional band logging a little more, freelancers a little less formal education)
    and some registrants appointed assessors, drawn from ``random.Random(seed)``."""
    rng = random.Random(seed)
    latest = {a["person"]: a for a in sorted(rows["answers"], key=lambda a: (a["on"], a["seq"]))}
    rows["ppd"], rows["assessors"] = [], []
    for i, p in enumerate(rows["people"]):
        answers = latest[p["person"]]
        for year in (2024, 2025, 2026):
            for k, category in enumerate(CATEGORIES):
                chance = 0.5 + 0.2 * (answers["band"] == "professional")
                if category == "formal" and answers["working_pattern"] == "freelance":
                    chance -= 0.3
                if rng.random() < chance:
                    day = date(year, 1, 1) + timedelta(days=rng.randrange(330))
                    hours = rng.choice([2.0, 3.5, 6.0, 7.0, 12.0])
                    rows["ppd"].append(
                        {
                            "id": f"d{i}-{year}-{k}",
                            "person": p["person"],
                            "on": day,
                            "recorded_on": day,
                            "category": category,
                            "hours": hours,
                        }
                    )
        if rng.random() < (0.08 if answers["band"] == "professional" else 0.04):
            rows["assessors"].append(
                {
                    "id": f"s{i}",
                    "person": p["person"],
                    "appointed_on": p["enrolled_on"] + timedelta(days=rng.randrange(150, 400)),
                    "stood_down_on": None,
                }
            )
    return rows


def test_the_tables_show_figures_on_a_seeded_population_and_keep_the_rules():
    rows = with_participation(seeded_rows(2500))
    analyses = Analyses(rows, TODAY, None, None, DEFAULT_PARITY_MARGIN, FRAMEWORK)
    representation = analyses.representation()
    tables = tables_of(rows)
    uptake, appointments = tables["ppd_uptake"], tables["assessor_appointments"]
    for table in (uptake, appointments):
        # the representation's day (its grid, its block end), and the 12 months to it
        assert table.snapshot and table.period == Period(date(2025, 10, 1), date(2026, 9, 30))
        assert representation.period is not None and table.period.end == representation.period.end
        assert table.period_words.startswith("as at 2026-09-30")
        for row in table.rows:
            for column, figure in row.cells.items():
                if figure.kind == "count":
                    assert figure.value % 5 == 0, (table.key, row.label, column)
        for group, total in (("By background", "All backgrounds"), ("By working pattern", "All working patterns")):
            if table.row(group, total) is None:
                continue
            for column in table.columns:
                if table.cell(group, total, column).kind == "count":  # a margin is its rounded parts
                    parts = [r.cells[column].value for r in table.rows if r.group == group and r.label != total]
                    assert table.cell(group, total, column).value == sum(parts), (table.key, column)

    # the figures show what was drawn: more PPD from the professional band, less formal education from freelancers
    professional = uptake.cell("By background", "Professional", "Any PPD %")
    lower = uptake.cell("By background", "Lower", "Any PPD %")
    assert not professional.suppressed and not lower.suppressed and professional.value > lower.value
    formal = FRAMEWORK.rules.ppd_category_names["formal"]
    freelance = uptake.cell("By working pattern", "Freelance or self-employed", f"{formal} %").value
    employed = uptake.cell("By working pattern", "Employed", f"{formal} %").value
    assert freelance + 15 < employed
    hours = uptake.cell("By background", "All backgrounds", "Average (hours)")
    assert not hours.suppressed and hours.unit == "hours" and 5 < hours.value < 40
    # the representation's people: the appointments table's registered counts (its atoms level x band, as the
    # representation's) are the representation's own figures; the PPD table rounds the same people at band x pattern
    everyone = representation.row("", "All levels")
    assert everyone is not None
    for band in ("Professional", "Intermediate", "Lower", "Not known"):
        assert appointments.cell("By background", band, "Registered") == everyone.cells[band], band
    registered = [t.cell("By background", "All backgrounds", "Registered").value for t in (uptake, appointments)]
    assert 1000 < registered[0] and abs(registered[0] - registered[1]) <= 20
    assert registered[1] == everyone.cells["Total"].value
    rate = appointments.cell("By background", "Professional", "Per 1,000 registered")
    assert not rate.suppressed and rate.unit == "per 1,000"
    appointed = appointments.cell("By background", "Professional", "Appointed").value
    assert appointed > 0 and rate.value == round(
        1000 * appointed / appointments.cell("By background", "Professional", "Registered").value, 1
    )

    # an earlier day asked for: a block end of the representation's, and the 12 months to it
    earlier = tables_of(rows, asked_to=date(2025, 8, 1))["ppd_uptake"]
    assert earlier.period == Period(date(2024, 10, 1), date(2025, 9, 30))
    assert Analyses(rows, TODAY, None, date(2025, 8, 1), DEFAULT_PARITY_MARGIN, FRAMEWORK).representation().period
    # PPD recorded after a day shown (for an activity dated before it) leaves that day as it was
    held = Registered(analyses).at(date(2025, 9, 30))[0]["person"]
    late = {"id": "late", "person": held, "on": date(2025, 5, 1), "hours": 900.0, "category": "formal"}
    rows["ppd"].append({**late, "recorded_on": date(2025, 11, 2)})
    assert tables_of(rows, asked_to=date(2025, 8, 1))["ppd_uptake"].to_dict() == earlier.to_dict()
    assert tables_of(rows)["ppd_uptake"].to_dict() != uptake.to_dict()  # counted on the day it was recorded


def test_small_registers_suppress_shares_averages_and_rates_and_wait_for_whole_blocks():
    few = with_participation(seeded_rows(30, seed=4))
    for table in tables_of(few).values():  # fewer than 23 changes to who is registered: no block, no figures
        assert table.period is None and not table.rows and table.reported_until is None
    assert len(few["ppd"]) > 23  # many activities, but the tables count people, on the representation's grid
    assert per_thousand(suppression.count(5), suppression.count(20)).suppressed  # as few as 18 people
    assert per_thousand(suppression.count(5), suppression.count(25)).value == 200.0
    assert "fewer than 22.5" in (per_thousand(suppression.count(0), suppression.count(0)).reason or "")
    some = tables_of(with_participation(seeded_rows(200, seed=5)))
    uptake = some["ppd_uptake"]
    assert uptake.period is not None
    shares = [f for r in uptake.rows for c, f in r.cells.items() if c.endswith("%")]
    assert any(f.suppressed for f in shares) and any(not f.suppressed for f in shares)
    averages = [r.cells["Average (hours)"] for r in uptake.rows]
    assert all(a.suppressed == (r.cells["Registered"].floor <= 7) for a, r in zip(averages, uptake.rows, strict=True))
    # nobody registered yet: nothing to report, and the tables say so by having no period
    empty = tables_of({"people": [], "answers": [], "applications": [], "events": []})
    assert all(t.period is None and not t.rows for t in empty.values())


# -- the differencing attack: two reports differing by one person's PPD
def participation_world(
    path: Any, people: list[tuple[dict[str, str], str]], target: tuple[dict[str, str], str]
) -> Ledger:
    """Everyone in ``people`` (their answers, and the one PPD category they log) and then the target enrol and are
    awarded RCT in 2025 Q1 and log six hours of PPD in June: one year, one block."""
    clock = SettableClock(date(2025, 1, 6))
    ledger = Ledger(
        Settings(database_url=f"sqlite:///{path}", master_key=MASTER_KEY), clock=clock, rng=random.Random(8)
    )
    pair = assessors(ledger)
    registrants = []
    with ledger.batch():
        for i, (answers, _) in enumerate([*people, target]):
            clock.set(date(2025, 1, 6) + timedelta(days=i % 60))
            registrant = enrol(ledger, f"Person {i}", email=f"person{i}@example.org", background_answers=answers)
            application = submitted(ledger, registrant)
            assessed(ledger, application, pair)
            ledger.decide(application, "award", "", "registrar")
            registrants.append(registrant)
    clock.set(date(2025, 6, 2))
    with ledger.batch():
        for registrant, (_, category) in zip(registrants, [*people, target], strict=True):
            log_ppd(ledger, registrant, [category], days_ago=1)
    clock.set(TODAY)
    ProjectionRunner(ledger).catch_up()
    return ledger


LOWER = "routine"
EMPLOYED, BOTH, FREELANCE = ({"working_pattern": w} for w in ("employed", "both", "freelance"))


@pytest.fixture(scope="module")
def two_worlds(tmp_path_factory):
    """In the lower band, 20 employed people and 2 working both ways log formal education; 22 professional people
    log 'other'. The target, lower band and freelance, logs formal education in one world and 'other' in the
    other: the two registers differ only by her PPD."""
    people = (
        [({"parental_occupation_14": LOWER, **EMPLOYED}, "formal")] * 20
        + [({"parental_occupation_14": LOWER, **BOTH}, "formal")] * 2
        + [({"parental_occupation_14": "professional", **EMPLOYED}, "other")] * 22
    )
    folder = tmp_path_factory.mktemp("participation")
    made = {
        category: participation_world(
            folder / f"{category}.db", people, ({"parental_occupation_14": LOWER, **FREELANCE}, category)
        )
        for category in ("formal", "other")
    }
    yield made
    for ledger in made.values():
        ledger.close()


def naive_uptake(rows: dict[str, list[dict[str, Any]]], category: str) -> dict[str, int]:
    """What a table rounding every row on its own (HESA's rounding, no atoms) shows of the people logging PPD in
    ``category``: one row per band, one per working pattern, and the total."""
    latest = {a["person"]: a for a in sorted(rows["answers"], key=lambda a: (a["on"], a["seq"]))}
    raw: dict[str, int] = {}
    for person in {p["person"] for p in rows["ppd"] if p["category"] == category}:
        for key in (f"band:{latest[person]['band']}", f"pattern:{latest[person]['working_pattern']}", "all"):
            raw[key] = raw.get(key, 0) + 1
    return {key: suppression.round_count(n) for key, n in raw.items()}


def test_two_reports_differing_by_one_persons_ppd_cannot_tell_her_band(two_worlds):
    rows = {category: rows_of(ledger) for category, ledger in two_worlds.items()}
    assert len(rows["formal"]["ppd"]) == len(rows["other"]["ppd"]) == 45
    # the attack on the naive table: the lower band's row is 22 -> 20 without her and 23 -> 25 with her, and no
    # other band's row moves: whoever knows the two registers differ by her PPD learns her band
    naive = {category: naive_uptake(r, "formal") for category, r in rows.items()}
    assert naive["formal"]["band:lower"] == 25 and naive["other"]["band:lower"] == 20
    moved = {
        k for k in naive["formal"].keys() | naive["other"].keys() if naive["formal"].get(k) != naive["other"].get(k)
    }
    assert "band:lower" in moved and not any(k.startswith("band:") and k != "band:lower" for k in moved)

    # the report: rows are sums of rounded atoms (band x working pattern), so every figure is the same with or
    # without her formal education, on every day a report can be taken at
    for asked_to in (None, *(date(2025, 3 * q, 28) for q in range(1, 5)), date(2026, 3, 31), date(2026, 8, 1)):
        tables = {category: tables_of(r, asked_to=asked_to) for category, r in rows.items()}
        for key in ("ppd_uptake", "assessor_appointments"):
            assert tables["formal"][key].to_dict() == tables["other"][key].to_dict(), (key, asked_to)
    uptake = tables_of(rows["formal"], asked_to=date(2025, 12, 31))["ppd_uptake"]
    assert uptake.period == Period(date(2025, 1, 1), date(2025, 12, 31))  # the 12 months to a block end
    formal = FRAMEWORK.rules.ppd_category_names["formal"]
    assert uptake.cell("By background", "Lower", formal).value == 20
    assert uptake.cell("By working pattern", "Freelance or self-employed", formal).value == 0
    assert uptake.cell("By background", "Lower", "Registered").value == 20  # 23 people: her band is hidden too
    assert uptake.cell("By background", "All backgrounds", "Average (hours)").value == 6.0
    # a year on, June 2025's PPD has left the 12 months for all 45 at once: the table moves on, showing none
    latest = tables_of(rows["formal"])["ppd_uptake"]
    assert latest.period == Period(date(2025, 10, 1), date(2026, 9, 30))
    assert latest.cell("By background", "All backgrounds", ANY_PPD).value == 0


# -- a newcomer set against the representation
def naive_years_registered(timeline: list[tuple[date, State]], last_year: int) -> list[int]:
    """The first version's registered years (kept here as the naive version): the calendar years, up to
    ``last_year``, in which the person held a level on at least one day."""
    years: set[int] = set()
    for i, (on, state) in enumerate(timeline):
        if state.level is None or on.year > last_year:
            continue
        until = timeline[i + 1][0].year if i + 1 < len(timeline) else last_year
        if i + 1 < len(timeline) and timeline[i + 1][0] == date(until, 1, 1):
            until -= 1  # the next change came on 1 January: not a day of that year held
        years.update(range(on.year, min(until, last_year) + 1))
    return sorted(years)


def naive_registered(rows: dict[str, list[dict[str, Any]]], today: date) -> dict[str | None, int]:
    """What the first version's tables showed as "Registered" by band: one record per person per registered year,
    dated 31 December with the band given by then, on a grid of their own, rounded by band."""
    analyses = Analyses(rows, today, None, None, DEFAULT_PARITY_MARGIN, FRAMEWORK)
    records = []
    for timeline in analyses.timelines.values():
        for year in naive_years_registered(timeline, today.year):
            state = state_at(timeline, date(year, 12, 31))
            records.append({"on": date(year, 12, 31), "band": state.band if state else None})
    period = suppression.grid((r["on"] for r in records), today).snap(None, None)
    raw: dict[str | None, int] = {}
    for r in records:
        if period is not None and period.holds(r["on"]):
            raw[r["band"]] = raw.get(r["band"], 0) + 1
    return {band: suppression.round_count(n) for band, n in raw.items()}


def test_naive_years_registered_count_a_year_held_on_one_day():
    registered, gone = State(True, "lower", "RCT"), State(True, "lower", None)
    timeline = [(date(2023, 3, 1), State(True, "lower", None)), (date(2023, 11, 20), registered)]
    assert naive_years_registered([*timeline, (date(2024, 1, 1), gone)], 2026) == [2023]
    assert naive_years_registered([*timeline, (date(2024, 1, 2), gone)], 2026) == [2023, 2024]
    assert naive_years_registered(timeline, 2024) == [2023, 2024]


@pytest.fixture(scope="module")
def newcomer_worlds(tmp_path_factory):
    """22 professional, 22 lower and 4 unknown people awarded in 2025 Q1; the target, awarded alone on 12 May 2025,
    is lower in one world and professional in the other."""
    folder = tmp_path_factory.mktemp("newcomer")
    people = [PROFESSIONAL] * 22 + [LOWER_ANSWER] * 22 + [None] * 4
    made = {
        band: world(folder / f"{band}.db", people, band, target_decided=date(2025, 5, 12), target_outcome="award")
        for band in (LOWER_ANSWER, PROFESSIONAL)
    }
    yield made
    for ledger in made.values():
        ledger.close()


def test_a_newcomer_set_against_the_representation_cannot_tell_her_band(newcomer_worlds):
    rows = {band: rows_of(ledger) for band, ledger in newcomer_worlds.items()}
    report = report_from_rows(rows[LOWER_ANSWER], TODAY)
    rct = report.table("representation").row("", "RCT")
    assert rct is not None and (rct.cells["Professional"].value, rct.cells["Lower"].value) == (20, 20)
    assert report.table("representation").period.end == date(2025, 3, 31)  # her change waits for a block
    # the attack on the naive tables: their registered years of 2025 count her, so her band reads 25, the other 20
    naive = {band: naive_registered(r, TODAY) for band, r in rows.items()}
    assert (naive[LOWER_ANSWER]["lower"], naive[LOWER_ANSWER]["professional"]) == (25, 20)
    assert (naive[PROFESSIONAL]["lower"], naive[PROFESSIONAL]["professional"]) == (20, 25)
    # the report: its people are the representation's, as at its block end; every table, every day, alike
    for table in (report.table("ppd_uptake"), report.table("assessor_appointments")):
        assert table.period is not None and table.period.end == date(2025, 3, 31)
        assert table.cell("By background", "Lower", "Registered").value == 20
        assert table.cell("By background", "Professional", "Registered").value == 20
    for day in [date(2025, 4, 1) + timedelta(days=d) for d in range(0, 640, 9)]:
        lower, professional = (report_from_rows(rows[band], day).to_dict() for band in (LOWER_ANSWER, PROFESSIONAL))
        assert lower == professional, day


KEYS = ("ppd_uptake", "assessor_appointments")


# -- a table waits while fewer than a block of people differ in what it shows
def quiet_register(ppd_by: int) -> dict[str, list[dict[str, Any]]]:
    """30 people awarded in 2024 Q1, nothing changing after; then ``ppd_by`` of them (from the first) record PPD in
    2025 Q2: the representation's people stay the same while its empty quarters become blocks."""
    rows: dict[str, list[dict[str, Any]]] = {"people": [], "answers": [], "applications": [], "events": [], "ppd": []}
    for i in range(30):
        person, on = f"q{i}", date(2024, 1, 10)
        rows["people"].append({"person": person, "enrolled_on": on, "erased": False})
        rows["answers"].append(
            {
                "id": f"a{i}",
                "person": person,
                "on": on,
                "seq": 1,
                "responded": True,
                "band": ("lower", "professional")[i % 2],
            }
        )
        rows["events"].append(
            {
                "kind": "awarded",
                "person": person,
                "on": on,
                "seq": i,
                "level": "RCT",
                "route": "standard",
                "previous_level": None,
                "previous_on": None,
            }
        )
    for i in range(ppd_by):
        rows["ppd"].append(
            {
                "id": f"d{i}",
                "person": f"q{i}",
                "on": date(2025, 5, 1),
                "recorded_on": date(2025, 5, 1),
                "category": "formal",
                "hours": 6.0,
            }
        )
    return rows


def test_one_persons_ppd_in_a_quiet_register_waits_for_a_block_of_people():
    """The representation moves on quarter by quarter (no change is a block of its own); one person's PPD would move
    'Any PPD' by her alone, so the PPD table stays at the last day it took, and moves when 23 people's PPD does."""
    alone = quiet_register(1)
    representation = Analyses(alone, TODAY, None, None, DEFAULT_PARITY_MARGIN, FRAMEWORK).representation()
    assert representation.period is not None and representation.period.end == date(2026, 9, 30)
    # asked for the end of 2025, while her PPD is in the 12 months: the table stays where it was before it
    uptake, appointments = (tables_of(alone, asked_to=date(2025, 12, 31))[key] for key in KEYS)
    assert uptake.period is not None and uptake.period.end == date(2025, 3, 31)
    assert uptake.reported_until == date(2026, 9, 30)  # the latest day it may be shown as at, whatever was asked
    assert "moves to a later quarter end only when" in " ".join(uptake.notes)
    assert appointments.period is not None and appointments.period.end == date(2025, 12, 31)  # nothing it shows moved
    # and once her PPD has left the 12 months it takes the day again: on no day is her PPD in a figure (the day
    # shown may be an earlier one: that says some people's PPD changed, not whose, nor their band)
    for asked_to in (None, *(date(2025, 3 * q, 28) for q in range(1, 5)), date(2026, 5, 1)):
        for key in KEYS:
            alike = (tables_of(rows, asked_to=asked_to)[key].to_dict()["rows"] for rows in (alone, quiet_register(0)))
            assert next(alike) == next(alike), (key, asked_to)
    assert tables_of(alone)["ppd_uptake"].to_dict() == tables_of(quiet_register(0))["ppd_uptake"].to_dict()
    crowd = tables_of(quiet_register(23))["ppd_uptake"]
    assert crowd.period is not None and crowd.period.end == date(2026, 9, 30)  # a year on, all 23 left at once
    shown = tables_of(quiet_register(23), asked_to=date(2025, 6, 30))["ppd_uptake"]
    assert shown.period == Period(date(2024, 7, 1), date(2025, 6, 30))
    assert shown.cell("By background", "All backgrounds", ANY_PPD).value == 20  # 12 lower, 11 professional: 10 + 10
