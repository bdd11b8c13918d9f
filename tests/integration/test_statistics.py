"""The statistics read model and the progression and fairness report: what the model holds (no ids in clear, bands
not answers, nothing of an erased person), and attacks on the report that must fail to single anyone out -
differencing two date ranges, percentages against counts, totals minus their parts - each beside a naive report
that the same attack does break, so the test shows the protection is doing the work."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from ledger.app.ledger import Ledger
from ledger.read.projections import register
from ledger.read.projections.runner import ProjectionRunner
from ledger.read.projections.statistics import (
    PERSONAL_TABLES,
    StatisticsProjection,
    statistics_people,
    statistics_rows,
)
from ledger.reports.progression import suppression
from ledger.reports.progression.report import figures, progression_report, report_from_rows
from tests.builders.records import assessors
from tests.builders.world import INTERMEDIATE, LOWER, PROFESSIONAL, TODAY, world

MONTHS = [date(2024 + (11 + i) // 12, (11 + i) % 12 + 1, 1) for i in range(24)]  # 2024-12-01 .. 2026-11-01


def month_end(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


ASKED = (
    [(None, None)]
    + [(a, None) for a in MONTHS]
    + [(None, month_end(b)) for b in MONTHS]
    + [(a, month_end(b)) for a in MONTHS for b in MONTHS if a <= b]
)


def rows_of(ledger: Ledger) -> dict[str, list[dict[str, Any]]]:
    with ledger.engine.connect() as conn:
        return statistics_rows(conn)


def naive_counts(rows: dict[str, list[dict[str, Any]]], start: date, end: date) -> dict[str | None, int]:
    """What a report with HESA rounding but exact dates (no grid) would show: decisions by band, rounded."""
    bands = {a["person"]: a["band"] for a in rows["answers"]}
    raw: dict[str | None, int] = {}
    for a in rows["applications"]:
        if a["closed_on"] and start <= a["closed_on"] <= end:
            raw[bands.get(a["person"])] = raw.get(bands.get(a["person"]), 0) + 1
    return {band: suppression.round_count(n) for band, n in raw.items()}


@pytest.fixture(scope="module")
def two_worlds(tmp_path_factory):
    """22 people of professional background, 22 of lower, 4 who did not answer, all decided in 2025 Q1; the target,
    decided alone in May 2025, is of lower background in one world and professional in the other."""
    people = [PROFESSIONAL] * 22 + [LOWER] * 22 + [None] * 4
    folder = tmp_path_factory.mktemp("worlds")
    made = {band: world(folder / f"{band}.db", people, band) for band in (LOWER, PROFESSIONAL)}
    yield made
    for ledger in made.values():
        ledger.close()


def test_differencing_two_date_ranges_cannot_tell_the_targets_background(two_worlds):
    lower, professional = (rows_of(two_worlds[band]) for band in (LOWER, PROFESSIONAL))
    # the attack works on a report that only rounds: January to April against January to May shows who was added
    before = naive_counts(lower, date(2025, 1, 1), date(2025, 4, 30))
    assert (
        before
        == naive_counts(professional, date(2025, 1, 1), date(2025, 4, 30))
        == {"professional": 20, "lower": 20, None: 5}
    )
    assert naive_counts(lower, date(2025, 1, 1), date(2025, 5, 31))["lower"] == 25  # 23: the target is lower
    assert naive_counts(professional, date(2025, 1, 1), date(2025, 5, 31))["professional"] == 25
    # the report: every date range asked for, every figure, the same in both worlds
    for asked_from, asked_to in ASKED:
        one = report_from_rows(lower, TODAY, asked_from, asked_to).to_dict()
        other = report_from_rows(professional, TODAY, asked_from, asked_to).to_dict()
        assert one == other, (asked_from, asked_to)
    outcomes = report_from_rows(lower, TODAY).table("outcomes")
    assert outcomes.period.label == "2025 Q1"  # the target's quarter waits for a whole block
    assert outcomes.row("By background", "Lower").cells["Decided"].value == 20


def test_a_later_release_cannot_tell_either(two_worlds):
    """Reports made on every day from before the target's decision to long after it, in both worlds, agree."""
    lower, professional = (rows_of(two_worlds[band]) for band in (LOWER, PROFESSIONAL))
    for day in [date(2025, 4, 1) + timedelta(days=d) for d in range(0, 640, 9)]:
        assert report_from_rows(lower, day).to_dict() == report_from_rows(professional, day).to_dict(), day


def test_the_report_on_its_own(two_worlds):
    ledger = two_worlds[LOWER]
    with ledger.engine.connect() as conn:
        report = progression_report(conn, TODAY)
    representation = report.table("representation")  # no change since 2025 Q1: every quarter since is a block
    assert representation.period.end == date(2026, 9, 30) and representation.snapshot
    assert report.table("response").period.end == date(2025, 3, 31)  # the target's enrolment waits
    rct = representation.row("", "RCT").cells
    assert (rct["Professional"].value, rct["Lower"].value, rct["Not known"].value, rct["Total"].value) == (
        20,
        20,
        5,
        45,
    )
    assert rct["Professional %"].value == 50 and rct["vs creative workforce (52%)"].value == -2
    everyone = report.table("response").row("By standing", "Everyone enrolled").cells
    assert everyone["Response rate"].value == 90  # 45 of 50, as shown
    parity = report.table("parity").row("", "All levels").cells
    assert parity["Equivalency award rate"].suppressed and parity["Flag"].suppressed  # no equivalency applicants
    assert report.table("progression").period is None  # nobody has moved up a level
    for table, row, column, figure in figures(report):
        if figure.kind == "count":
            assert figure.value % 5 == 0, (table.key, row.label, column)


def test_percentages_are_made_from_rounded_counts_so_they_cannot_tell_either(tmp_path):
    """Within one block: 30 professional, 11 intermediate and the target, lower or intermediate. The counts shown
    are the same either way (10 and 0); a percentage of the raw counts would not be (11 of 42 against 12 of 42)."""
    people = [PROFESSIONAL] * 30 + [INTERMEDIATE] * 11
    worlds = {
        band: world(tmp_path / f"{band}.db", people, band, target_decided=date(2025, 2, 20), target_outcome="award")
        for band in (LOWER, INTERMEDIATE)
    }
    try:
        rows = {band: rows_of(ledger) for band, ledger in worlds.items()}
        assert report_from_rows(rows[LOWER], TODAY).to_dict() == report_from_rows(rows[INTERMEDIATE], TODAY).to_dict()
        shown = report_from_rows(rows[LOWER], TODAY).table("representation").row("", "RCT").cells
        assert (shown["Intermediate"].value, shown["Lower"].value, shown["Intermediate %"].value) == (10, 0, 25)
        raw_percentages = {
            band: round(100 * sum(1 for a in r["answers"] if a["band"] == "intermediate") / 42, 1)
            for band, r in rows.items()
        }
        assert raw_percentages[LOWER] != raw_percentages[INTERMEDIATE]  # what the rounding of counts alone leaks
    finally:
        for ledger in worlds.values():
            ledger.close()


def test_two_breakdowns_set_against_each_other_cannot_tell(tmp_path):
    """The target is the only applicant by the equivalency route, decided inside a full block. A report rounding
    each row on its own gives it away: 'lower, all routes' minus 'lower, standard route' is 25 - 20 in one world and
    20 - 20 in the other. Rows made of rounded atoms do not."""
    people = [PROFESSIONAL] * 22 + [LOWER] * 22 + [None] * 4
    worlds = {
        band: world(tmp_path / f"{band}.db", people, band, target_decided=date(2025, 2, 20), target_route="equivalency")
        for band in (LOWER, PROFESSIONAL)
    }
    try:
        rows = {band: rows_of(ledger) for band, ledger in worlds.items()}

        def naive(r: dict[str, list[dict[str, Any]]], band: str, route: str | None) -> int:
            bands = {a["person"]: a["band"] for a in r["answers"]}
            return suppression.round_count(
                sum(
                    1
                    for a in r["applications"]
                    if bands.get(a["person"]) == band and (route is None or a["route"] == route)
                )
            )

        leaks = {world_band: naive(r, "lower", None) - naive(r, "lower", "standard") for world_band, r in rows.items()}
        assert leaks == {LOWER: 5, PROFESSIONAL: 0}  # the attack works on independently rounded rows
        reports = {band: report_from_rows(r, TODAY) for band, r in rows.items()}
        assert reports[LOWER].to_dict() == reports[PROFESSIONAL].to_dict()
        outcomes = reports[LOWER].table("outcomes")
        lower_all = outcomes.row("By background", "Lower").cells["Decided"].value
        lower_standard = outcomes.row("Standard, by background", "Lower").cells["Decided"].value
        lower_equivalency = outcomes.row("Equivalency, by background", "Lower").cells["Decided"].value
        assert lower_all - lower_standard == lower_equivalency == 0
    finally:
        for ledger in worlds.values():
            ledger.close()


# -- the read model
def test_the_statistics_hold_no_ids_names_or_answers(two_worlds):
    ledger = two_worlds[LOWER]
    with ledger.engine.connect() as conn:
        every_value = {
            str(v)
            for table in (statistics_people, *PERSONAL_TABLES)
            for row in conn.execute(select(table)).all()
            for v in row
        }
        registrants = list(conn.execute(select(register.registrants.c.id)).scalars())
    assert len(registrants) == 49
    stored = ledger.recorder.select_notifications(start=0, limit=100_000)
    ids = {n.originator_id.hex for n in stored} | {str(n.originator_id) for n in stored}
    assert not (every_value & ids), "an aggregate id is in the statistics in clear"
    assert not any("Person" in v or "@" in v or "Tess" in v for v in every_value)
    assert not (every_value & {PROFESSIONAL, INTERMEDIATE, LOWER, "manager", "prefer_not_to_say"} - {"professional"})
    assert {"lower", "professional"} <= every_value  # bands, not answers


def test_pseudonyms_are_stable_and_need_the_master_key(two_worlds, tmp_path):
    import base64

    from ledger.app.vault import Vault

    ledger = two_worlds[PROFESSIONAL]
    before = rows_of(ledger)
    ProjectionRunner(ledger, [StatisticsProjection]).rebuild()
    assert rows_of(ledger) == before  # the same keys on every rebuild
    someone = ledger.recorder.select_notifications(start=0, limit=1)[0].originator_id
    other_key = Vault(ledger.engine, base64.b64decode(base64.b64encode(b"z" * 32)))
    assert StatisticsProjection(ledger.vault).person(someone) != StatisticsProjection(other_key).person(someone)


def test_erasure_removes_the_person_and_a_rebuild_does_not_bring_them_back(tmp_path):
    ledger = world(tmp_path / "erase.db", [PROFESSIONAL] * 3, LOWER, target_outcome="award")
    try:
        target = ledger.registrant_by_number(_number_of(ledger, "Tess Target"))
        person = StatisticsProjection(ledger.vault).person(target)
        mine = _rows_of_person(ledger, person)
        assert mine["statistics_answers"] and mine["statistics_applications"] and mine["statistics_events"]
        ledger.erase(target, "registrar")
        ledger.clock.advance(timedelta(days=1))
        ProjectionRunner(ledger).catch_up()
        assert not any(_rows_of_person(ledger, person).values())
        for _ in range(2):
            with ledger.engine.connect() as conn:
                tombstone = conn.execute(select(statistics_people).where(statistics_people.c.person == person)).one()
            assert tombstone.erased and tombstone.enrolled_on is None
            ProjectionRunner(ledger).rebuild()
            assert not any(_rows_of_person(ledger, person).values())
        assert len(rows_of(ledger)["applications"]) == 3
    finally:
        ledger.close()


def test_a_lapse_after_a_ppd_audit_is_told_apart_in_either_order(ledger):
    """'Not renewed' takes effect: the audit ends and the registration lapses in one save. Whichever of the two
    events is stored first (a batch stores aggregates in the order it met them), the lapse is the audit's."""
    from tests.builders.records import awarded

    pair = assessors(ledger)
    people = [awarded(ledger, name, pair=pair)[0] for name in ("Ann Audit", "Bob Batch")]
    for registrant in people:
        ledger.select_for_audit(registrant, 2026, "seed")
    rules = ledger.framework.rules
    ledger.clock.advance(timedelta(days=rules.audit_profile_days + 1))
    for registrant in people:
        ledger.decide_audit(registrant, 2026, "not_renewed", "No profile came.", "registrar")
    ledger.clock.advance(timedelta(days=rules.appeal_window_days + 1))
    ledger.end_after_audit(people[0], 2026)  # the audit's events first
    with ledger.batch():
        ledger.registration(people[1])  # the registration met first: its lapse is stored first
        ledger.end_after_audit(people[1], 2026)
    ProjectionRunner(ledger).catch_up()
    kinds = sorted(e["kind"] for e in rows_of(ledger)["events"] if e["kind"].startswith("lapsed"))
    assert kinds == ["lapsed_after_audit", "lapsed_after_audit"]


def _number_of(ledger: Ledger, name: str) -> str:
    from ledger.read.projections.register import search_register

    with ledger.engine.connect() as conn:
        return search_register(conn, query=name)[0]["registration_number"]


def _rows_of_person(ledger: Ledger, person: str) -> dict[str, list[Any]]:
    with ledger.engine.connect() as conn:
        return {t.name: conn.execute(select(t).where(t.c.person == person)).all() for t in PERSONAL_TABLES}


def test_background_answers_are_opened_by_the_statistics_projection_alone(two_worlds, monkeypatch):
    """Rebuild every read model with a spy on the vault: each background answer opened is opened from
    ledger.read.projections.statistics (and the statistics do open them)."""
    from tests.builders.vault import background_blobs, spy_on_the_vault

    ledger = two_worlds[LOWER]
    blobs = background_blobs(ledger)
    opened = spy_on_the_vault(monkeypatch)
    ProjectionRunner(ledger).rebuild()
    background_opens = [callers for blob, callers in opened if blob in blobs]
    assert len(background_opens) >= 45
    assert all("ledger.read.projections.statistics" in callers for callers in background_opens)


# -- the invariants on any register: hypothesis makes the registers
BANDS = st.sampled_from(["professional", "intermediate", "lower", None])
DAY = st.dates(min_value=date(2023, 1, 1), max_value=TODAY)


@st.composite
def registers(draw: Any) -> dict[str, list[dict[str, Any]]]:
    count = draw(st.integers(min_value=0, max_value=120))
    rows: dict[str, list[dict[str, Any]]] = {"people": [], "answers": [], "applications": [], "events": []}
    for i in range(count):
        person = f"p{i}"
        enrolled = draw(DAY)
        rows["people"].append({"person": person, "enrolled_on": enrolled, "erased": False})
        band = draw(BANDS)
        rows["answers"].append(
            {
                "id": f"a{i}",
                "person": person,
                "on": enrolled,
                "seq": 1,
                "responded": band is not None or draw(st.booleans()),
                "band": band,
            }
        )
        closed = enrolled + timedelta(days=draw(st.integers(min_value=20, max_value=400)))
        outcome = draw(st.sampled_from(["award", "award", "defer", "reject", "withdrawn"]))
        level = draw(st.sampled_from(["RCT", "RCP", "ACP"]))
        rows["applications"].append(
            {
                "id": f"x{i}",
                "person": person,
                "level": level,
                "route": draw(st.sampled_from(["standard", "equivalency"])),
                "closed_on": closed,
                "first_outcome": outcome,
            }
        )
        if outcome == "award":
            rows["events"].append(
                {
                    "id": f"e{i}",
                    "person": person,
                    "kind": "awarded",
                    "on": closed,
                    "seq": 2,
                    "level": level,
                    "previous_level": None,
                    "previous_on": None,
                    "route": "standard",
                    "year": None,
                    "outcome": None,
                }
            )
            later = closed + timedelta(days=365)
            kind = draw(st.sampled_from(["renewed", "lapsed", "lapsed_after_audit"]))
            rows["events"].append(
                {
                    "id": f"r{i}",
                    "person": person,
                    "kind": kind,
                    "on": later,
                    "seq": 3,
                    "level": level,
                    "previous_level": None,
                    "previous_on": None,
                    "route": None,
                    "year": None,
                    "outcome": None,
                }
            )
    return rows


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(registers(), st.sampled_from(ASKED))
def test_totals_are_their_parts_and_every_figure_keeps_the_rules(rows, asked):
    report = report_from_rows(rows, TODAY, *asked)
    for table in report.tables:
        groups: dict[str, list[Any]] = {}
        for row in table.rows:
            groups.setdefault(row.group, []).append(row)
        for group_rows in groups.values():
            last = group_rows[-1]
            if last.label in ("All", "All routes", "All backgrounds", "All levels") and len(group_rows) > 1:
                for column in table.columns:
                    if last.cells[column].kind == "count":  # total minus parts is exactly zero
                        assert last.cells[column].value == sum(r.cells[column].value for r in group_rows[:-1])
        for row in table.rows:
            cells = row.cells
            if "Decided" in cells and "Awarded" in cells:  # the feedback table shows no Awarded column
                assert cells["Decided"].value == sum(cells[c].value for c in ("Awarded", "Deferred", "Rejected"))
                rate = cells.get("Award rate")
                if rate is not None and not rate.suppressed:
                    assert rate.value == round(100 * cells["Awarded"].value / cells["Decided"].value)
            for figure in cells.values():
                if figure.kind == "count":
                    assert figure.value % 5 == 0
                if figure.suppressed:
                    assert figure.shown == "suppressed" and figure.value is None and figure.reason
    json.dumps(report.to_dict())  # every report serialises
