"""The statistics of assessor consistency against published values: R's ``mantelhaen.test`` on Agresti's penicillin
and rabbits data (classical X-squared 3.9286, p = 0.0475; exact conditional p = 0.0399), Fisher's lady tasting tea
(two-sided p = 17/35), the chi-squared tail at its 5% point, ``p.adjust(..., "holm")``; then, on seeded data, a
biased assessor flagged and fair ones not."""

from __future__ import annotations

import random
from datetime import date

import pytest

from ledger.reports.assessor_consistency import (
    MIN_CASES,
    Assessment,
    Stratum,
    chi_square_1df_p,
    consistency,
    exact_stratified_test,
    holm,
)

# R: Rabbits <- array(c(0, 0, 6, 5,  3, 0, 3, 6,  6, 2, 0, 4,  5, 6, 1, 0,  2, 5, 0, 0), dim = c(2, 2, 5))
# rows Delay (None, 1.5h), columns Response (Cured, Died); "this assessor" is the first row
RABBITS = [
    Stratum(awards=0, cases=6, peer_awards=0, peer_cases=5),
    Stratum(awards=3, cases=6, peer_awards=0, peer_cases=6),
    Stratum(awards=6, cases=6, peer_awards=2, peer_cases=6),
    Stratum(awards=5, cases=6, peer_awards=6, peer_cases=6),
    Stratum(awards=2, cases=2, peer_awards=5, peer_cases=5),
]


def test_the_rabbits_give_r_s_published_mantel_haenszel_results():
    test = exact_stratified_test(RABBITS)
    assert test.observed == 16  # R: "S = 16"
    assert test.chi_square == pytest.approx(3.9286, abs=1e-4)  # R: "Mantel-Haenszel X-squared = 3.9286"
    assert test.chi_square_p == pytest.approx(0.04747, abs=1e-5)
    assert test.p_value == pytest.approx(0.03994, abs=1e-5)  # R, exact = TRUE: "p-value = 0.03994"
    assert test.direction == "more"


def test_one_stratum_is_fisher_s_exact_test():
    tea = exact_stratified_test([Stratum(awards=3, cases=4, peer_awards=1, peer_cases=4)])
    assert tea.p_value == pytest.approx(17 / 35, abs=1e-12)  # 0.4857, Fisher (1935)
    same = exact_stratified_test([Stratum(awards=2, cases=4, peer_awards=2, peer_cases=4)])
    assert same.p_value == pytest.approx(1.0)
    extreme = exact_stratified_test([Stratum(awards=0, cases=10, peer_awards=10, peer_cases=10)])
    assert extreme.p_value == pytest.approx(2 / 184756, rel=1e-9)  # both tables as unlikely: 2 / C(20, 10)
    assert extreme.direction == "fewer"


def test_strata_without_peers_carry_nothing_and_none_at_all_is_an_error():
    with_empty = exact_stratified_test([*RABBITS, Stratum(awards=4, cases=9, peer_awards=0, peer_cases=0)])
    assert with_empty.p_value == pytest.approx(exact_stratified_test(RABBITS).p_value)
    with pytest.raises(ValueError, match="no stratum"):
        exact_stratified_test([Stratum(awards=1, cases=3, peer_awards=0, peer_cases=0)])
    with pytest.raises(ValueError, match="awards cannot exceed cases"):
        Stratum(awards=4, cases=3, peer_awards=0, peer_cases=1)


def test_the_chi_squared_tail_at_its_five_percent_point():
    assert chi_square_1df_p(3.841458820694124) == pytest.approx(0.05, abs=1e-12)
    assert chi_square_1df_p(0.0) == 1.0
    with pytest.raises(ValueError):
        chi_square_1df_p(-1.0)


def test_holm_matches_r_p_adjust():
    # R: p.adjust(c(0.01, 0.02, 0.03, 0.04, 0.05), "holm") -> 0.05 0.08 0.09 0.09 0.09
    assert holm([0.01, 0.02, 0.03, 0.04, 0.05]) == pytest.approx([0.05, 0.08, 0.09, 0.09, 0.09])
    # order kept, capped at 1: p.adjust(c(0.04, 0.001, 0.6), "holm") -> 0.08 0.003 0.6
    assert holm([0.04, 0.001, 0.6]) == pytest.approx([0.08, 0.003, 0.6])
    assert holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])
    assert holm([]) == []
    with pytest.raises(ValueError, match="between 0 and 1"):
        holm([0.2, 1.5])


STRATA = [("RCT", "standard", 0.8), ("RCT", "equivalency", 0.6), ("RCP", "standard", 0.7), ("ACP", "standard", 0.5)]
TODAY = date(2026, 6, 1)


def seeded(harsh_rate: float | None, cases_each: int = 60, seed: int = 7) -> list[Assessment]:
    """Eight assessors, each with ``cases_each`` assessments per stratum at the stratum's award rate; the first
    ("harsh") at ``harsh_rate`` times it instead, when given."""
    rng = random.Random(seed)
    found = []
    for number in range(8):
        for level, route, rate in STRATA:
            chance = rate * (harsh_rate if number == 0 and harsh_rate is not None else 1.0)
            for i in range(cases_each):
                band = ("professional", "intermediate", "lower", "not known")[i % 4]
                found.append(Assessment(f"a{number}", level, route, rng.random() < chance, band))
    return found


NAMES = {f"a{n}": f"Assessor {n}" for n in range(12)}


def test_a_harsh_assessor_is_flagged_and_the_fair_ones_are_not():
    report = consistency(seeded(harsh_rate=0.6), NAMES, TODAY)
    flagged = [f for f in report.overall if f.flagged]
    assert [f.assessor for f in flagged] == ["a0"]
    harsh = flagged[0]
    assert harsh.test is not None and harsh.test.direction == "fewer"
    assert harsh.adjusted_p is not None and harsh.adjusted_p < 0.05
    assert harsh.verdict.startswith("FLAG: recommends award fewer often")
    assert int(harsh.rate.given) < int(harsh.peer_rate.given)
    fair = [f for f in report.overall if f.assessor != "a0"]
    assert all(not f.flagged and f.adjusted_p is not None and f.adjusted_p >= 0.05 for f in fair)
    # the harsh assessor is harsh on every band, and seen there too
    assert {f.band for f in report.by_band if f.flagged and f.assessor == "a0"}
    assert not [f for f in report.by_band if f.flagged and f.assessor != "a0"]


def test_in_a_fair_world_nobody_is_flagged_over_many_seeds():
    for seed in range(10):
        report = consistency(seeded(harsh_rate=None, seed=seed), NAMES, TODAY)
        assert not report.flagged, (seed, [(f.assessor, f.band, f.adjusted_p) for f in report.flagged])


def test_an_assessor_harsh_on_one_band_only_is_flagged_for_that_band():
    found = []
    rng = random.Random(3)
    for number in range(10):
        for level, route, rate in STRATA:
            for i in range(40):
                band = ("professional", "lower")[i % 2]
                chance = rate * (0.5 if number == 0 and band == "lower" else 1.0)
                found.append(Assessment(f"a{number}", level, route, rng.random() < chance, band))
    report = consistency(found, NAMES, TODAY)
    flags = [(f.assessor, f.band) for f in report.by_band if f.flagged]
    assert ("a0", "lower") in flags and ("a0", "professional") not in flags
    assert not [f for f in report.overall if f.flagged and f.assessor != "a0"]
    # the harsh one stands out most; a fair one can be flagged beside them (their peers include the harsh one,
    # which lowers the peers' rate: the module says so), never before them
    lower = sorted((f for f in report.by_band if f.band == "lower"), key=lambda f: f.adjusted_p or 1.0)
    assert lower[0].assessor == "a0" and lower[0].adjusted_p is not None and lower[0].adjusted_p < 0.001


def test_too_few_cases_are_not_tested_however_lopsided():
    few = [Assessment("a0", "RCT", "standard", False) for _ in range(MIN_CASES - 1)]
    # many peers, at a rate that is not lopsided: one outlier among few would make the others differ too
    peers = [Assessment(f"a{n}", "RCT", "standard", i % 10 != 0) for n in range(1, 12) for i in range(40)]
    report = consistency([*few, *peers], NAMES, TODAY)
    (lonely,) = [f for f in report.overall if f.assessor == "a0"]
    assert lonely.test is None and not lonely.flagged
    assert lonely.verdict == f"not tested: fewer than {MIN_CASES} comparable cases"
    assert lonely.rate.suppressed  # 22 rounds to 20: under the base a percentage needs
    enough = consistency([*few, Assessment("a0", "RCT", "standard", False), *peers], NAMES, TODAY)
    assert [f.assessor for f in enough.overall if f.flagged] == ["a0"]


def test_shown_figures_are_rounded_and_the_json_names_no_raw_count():
    report = consistency(seeded(harsh_rate=0.6), NAMES, TODAY)
    shown = report.to_dict()
    assert shown["audience"] == "the registrar only: never published"
    for row in shown["overall"]:
        assert row["comparable_cases"]["value"] % 5 == 0
        assert row["comparable_cases"]["value"] == 240
    assert shown["overall"][0]["assessor_id"] == "a0" and shown["overall"][0]["flagged"] is True
