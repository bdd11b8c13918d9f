"""Assessor consistency: does an applicant's outcome depend on which assessors were assigned? For the registrar only,
never published (not on /analytics, not in the progression report, not in any export): it names assessors.

**Comparable cases.** Two assessments are comparable when they are of the same level and the same route (a
*stratum*): award rates differ between levels and between routes for reasons that are not the assessor's. Each
assessor's recommendations (award, or not: defer and reject count alike) in each stratum are set against every
other assessor's in the same stratum, a 2x2 table per stratum (this assessor / the others x award / not).

**The test: the exact conditional test of a 2x2xK table** (the exact form of the Cochran-Mantel-Haenszel test,
R's ``mantelhaen.test(exact = TRUE)``). Given each stratum's margins, the assessor's awards in it follow a
hypergeometric distribution; their total over the strata follows the convolution of those distributions. The
two-sided p-value is the probability of every total no more likely than the one observed (the "minimum likelihood"
rule of Fisher's exact test, which this test is when there is one stratum). Why exact and not the chi-squared
approximation: an assessor's cases spread over six strata are few in some of them, where the approximation is
poor; the exact test costs little (each distribution is trimmed of tails below ``TAIL`` before convolving, which
moves a p-value by less than 1e-20). The classical Mantel-Haenszel chi-squared (with continuity correction) is
worked out too and shown beside it, so the two can be compared; only the exact p-value decides a flag. Both are
tested against R's published results (Agresti's penicillin and rabbits data).

**Many assessors, one question each: Holm-Bonferroni.** Testing twenty assessors at 5% would flag one in a fair
world by chance. Holm's step-down correction controls the family-wise error rate (the chance of flagging *any* fair
assessor) at 5%, under any dependence between the tests - and these tests are dependent, since every assessor is
every other's peer and two assessors judge each application. Benjamini-Hochberg controls only the expected share of
false flags and assumes positive dependence; a flag here leads to a review of a named person's work, so a false one
costs more than a missed one, and Holm (uniformly more powerful than plain Bonferroni) is the fit. The by-band tests
are a second family with their own correction.

**Flagged** only where the corrected p-value is under ``ALPHA`` (0.05) and the assessor has at least ``MIN_CASES``
comparable cases (23: the same minimum base the progression report needs before it shows a percentage, so a flag
never stands beside a suppressed rate, and below it an exact test has little power to see anything but a gross
difference). Strata where the assessor has no peer assessments are left out (there is nothing to compare with).

**By applicant band.** The same test, for each socio-economic band (and "not known"), on the assessments of
applicants in that band only: this assessor's award rate for applicants from lower-band backgrounds against their
peers' for the same band, level and route. A band flag without an overall flag points at the band. Each
assessment's band is the one the applicant had given by the day of the assessment, read from the statistics read
model (``statistics_answers``, the only place answers are unsealed) by recomputing the applicant's pseudonym with the
vault's pseudonym key, in this function only: nothing joined is stored, and an erased applicant has no answers
there, so their assessments count under "not known".

**What is shown** follows the progression report's suppression rules (``ledger.reports.progression.suppression``):
counts rounded to 5, percentages from the rounded counts and suppressed below a base of 22.5. The tests use the raw
counts (a test on rounded counts would be wrong); p-values are shown to three places.

**What this cannot say.** The two assessors of an application see the same evidence, so an assessor and their
peers are not independent samples; the test asks whether this assessor recommends awards more or less often than
others do on cases of the same kind, not whether they were wrong. Assignment is not random: if the registrar gives
one assessor the harder cases within a stratum, they will differ for that reason. Each assessor's peers include
every other assessor, an outlier too: where few assessors share a stratum, one far from the rest lowers (or
raises) the peers' rate of all the others, and a fair assessor near the edge of chance can be flagged beside the
outlier, in the opposite direction; read the flags together, the smallest corrected p-value first. A flag is a
reason to look at the assessor's cases, never a finding.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ledger.domain import background
from ledger.domain.statuses import Outcome
from ledger.reports.progression.suppression import MIN_BLOCK, Figure, count, percentage

ALPHA = 0.05
"""A flag needs a Holm-corrected p-value below this."""
MIN_CASES = MIN_BLOCK
"""Comparable cases an assessor needs before they are tested at all (23, the progression report's least base)."""
TAIL = 1e-30
"""Probabilities below this are trimmed from each stratum's distribution before convolving (speed, not accuracy)."""
NOT_KNOWN = "not known"
BANDS: tuple[str, ...] = (*background.BANDS, NOT_KNOWN)


# -- the statistics
@dataclass(frozen=True)
class Stratum:
    """One level and route: this assessor's awards out of their cases, and the other assessors'."""

    awards: int
    cases: int
    peer_awards: int
    peer_cases: int

    def __post_init__(self) -> None:
        for name in ("awards", "cases", "peer_awards", "peer_cases"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")
        if self.awards > self.cases or self.peer_awards > self.peer_cases:
            raise ValueError("awards cannot exceed cases")

    @property
    def total(self) -> int:
        return self.cases + self.peer_cases

    @property
    def total_awards(self) -> int:
        return self.awards + self.peer_awards


def _log_choose(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def hypergeometric(stratum: Stratum) -> tuple[int, list[float]]:
    """The distribution of this assessor's awards in ``stratum`` given its margins: (the least possible number,
    the probabilities from there up), with tails under ``TAIL`` trimmed."""
    t, m, n = stratum.total, stratum.total_awards, stratum.cases
    low, high = max(0, n + m - t), min(n, m)
    whole = _log_choose(t, n)
    probabilities = [math.exp(_log_choose(m, k) + _log_choose(t - m, n - k) - whole) for k in range(low, high + 1)]
    first = next((i for i, p in enumerate(probabilities) if p >= TAIL), 0)
    last = max((i for i, p in enumerate(probabilities) if p >= TAIL), default=len(probabilities) - 1)
    return low + first, probabilities[first : last + 1]


def _convolve(a: tuple[int, list[float]], b: tuple[int, list[float]]) -> tuple[int, list[float]]:
    out = [0.0] * (len(a[1]) + len(b[1]) - 1)
    for i, p in enumerate(a[1]):
        for j, q in enumerate(b[1]):
            out[i + j] += p * q
    return a[0] + b[0], out


@dataclass(frozen=True)
class Test:
    """The exact conditional test of one assessor against their peers over the strata."""

    observed: int  # this assessor's awards
    expected: float  # awards they would have made at their peers' rate in each stratum (given the margins)
    cases: int
    p_value: float  # exact, two-sided
    chi_square: float  # the classical Mantel-Haenszel statistic, continuity-corrected (for comparison)
    chi_square_p: float

    @property
    def direction(self) -> str:
        if self.observed > self.expected:
            return "more"
        return "fewer" if self.observed < self.expected else "as many"


def exact_stratified_test(strata: Sequence[Stratum]) -> Test:
    """Two-sided exact conditional test of independence in a 2x2xK table (R: ``mantelhaen.test(exact = TRUE)``),
    and the continuity-corrected Mantel-Haenszel chi-squared beside it. Strata with no peer cases or no cases of
    this assessor carry no information and are left out. ``ValueError`` if none is left."""
    used = [s for s in strata if s.cases and s.peer_cases]
    if not used:
        raise ValueError("no stratum has cases of both this assessor and their peers")
    distribution: tuple[int, list[float]] = (0, [1.0])
    for stratum in used:
        distribution = _convolve(distribution, hypergeometric(stratum))
    observed = sum(s.awards for s in used)
    low, probabilities = distribution
    index = observed - low
    at_observed = probabilities[index] if 0 <= index < len(probabilities) else 0.0
    p_value = min(1.0, sum(p for p in probabilities if p <= at_observed * (1 + 1e-7)))
    expected = sum(s.cases * s.total_awards / s.total for s in used)
    variance = sum(
        s.cases * s.peer_cases * s.total_awards * (s.total - s.total_awards) / (s.total**2 * (s.total - 1))
        for s in used
        if s.total > 1
    )
    if variance > 0:
        chi_square = max(0.0, abs(observed - expected) - 0.5) ** 2 / variance
        chi_square_p = chi_square_1df_p(chi_square)
    else:  # every case in every stratum had one outcome: nothing can differ
        chi_square, chi_square_p = 0.0, 1.0
    return Test(observed, expected, sum(s.cases for s in used), p_value, chi_square, chi_square_p)


def chi_square_1df_p(statistic: float) -> float:
    """The upper tail of the chi-squared distribution with one degree of freedom."""
    if statistic < 0:
        raise ValueError("a chi-squared statistic is not negative")
    return math.erfc(math.sqrt(statistic / 2))


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm-Bonferroni adjusted p-values, in the order given (R: ``p.adjust(p, "holm")``)."""
    for p in p_values:
        if not 0 <= p <= 1:
            raise ValueError(f"a p-value lies between 0 and 1, not {p}")
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted


# -- the records the report is made from
@dataclass(frozen=True)
class Assessment:
    """One recorded assessment, as this report needs it (never stored)."""

    assessor: str  # the assessor's id (hex)
    level: str
    route: str
    award: bool
    band: str = NOT_KNOWN

    @property
    def stratum(self) -> tuple[str, str]:
        return (self.level, self.route)


def _strata(assessments: Iterable[Assessment], assessor: str) -> list[Stratum]:
    mine: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    peers: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for a in assessments:
        cell = (mine if a.assessor == assessor else peers)[a.stratum]
        cell[0] += a.award
        cell[1] += 1
    return [Stratum(mine[k][0], mine[k][1], peers[k][0], peers[k][1]) for k in sorted(mine) if k in peers]


# -- the report
@dataclass
class Finding:
    """One assessor (overall, or for applicants of one band) against their peers."""

    assessor: str
    name: str
    band: str | None  # None: every applicant
    cases: int  # comparable cases (in strata where they have peers)
    awards: int
    expected: float
    test: Test | None  # None: fewer than MIN_CASES comparable cases
    adjusted_p: float | None = None
    flagged: bool = False

    @property
    def shown_cases(self) -> Figure:
        return count(self.cases)

    @property
    def rate(self) -> Figure:
        return percentage(count(self.awards), self.shown_cases)

    @property
    def peer_rate(self) -> Figure:
        """Their peers' award rate on the same mix of levels and routes (suppressed with this assessor's rate)."""
        own = self.rate
        if own.suppressed or not self.cases:
            return Figure("percent", None, True, own.reason)
        return Figure("percent", round(100.0 * self.expected / self.cases))

    @property
    def verdict(self) -> str:
        if self.test is None:
            return f"not tested: fewer than {MIN_CASES} comparable cases"
        if self.flagged:
            return f"FLAG: recommends award {self.test.direction} often than peers, beyond chance"
        return "within chance"

    def to_dict(self) -> dict[str, Any]:
        return {
            "assessor_id": self.assessor,
            "name": self.name,
            "band": self.band,
            "comparable_cases": self.shown_cases.to_dict(),
            "award_rate": self.rate.to_dict(),
            "peer_award_rate": self.peer_rate.to_dict(),
            "p_value": None if self.test is None else round(self.test.p_value, 6),
            "holm_adjusted_p": None if self.adjusted_p is None else round(self.adjusted_p, 6),
            "mantel_haenszel_chi_square": None if self.test is None else round(self.test.chi_square, 4),
            "flagged": self.flagged,
            "verdict": self.verdict,
        }


@dataclass
class Consistency:
    today: date
    overall: list[Finding]
    by_band: list[Finding]
    assessments: int
    rules: list[str] = field(default_factory=list)

    @property
    def shown_assessments(self) -> Figure:
        return count(self.assessments)

    @property
    def flagged(self) -> list[Finding]:
        return [f for f in [*self.overall, *self.by_band] if f.flagged]

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": "Assessor consistency",
            "made_on": self.today.isoformat(),
            "audience": "the registrar only: never published",
            "assessments": self.shown_assessments.to_dict(),
            "rules": self.rules,
            "overall": [f.to_dict() for f in self.overall],
            "by_band": [f.to_dict() for f in self.by_band],
        }


RULES = [
    "Comparable cases: the same level and route. Each assessor's award recommendations are set against every other "
    "assessor's on cases of the same level and route.",
    "Test: the exact conditional (Cochran-Mantel-Haenszel) test over levels and routes, two-sided; the classical "
    "Mantel-Haenszel chi-squared is shown beside it.",
    f"Holm-Bonferroni correction across assessors (and, separately, across assessors and bands); flagged where the "
    f"corrected p-value is under {ALPHA:g} and the assessor has at least {MIN_CASES} comparable cases.",
    "Counts are rounded to 5 and percentages suppressed on a base under 22.5, as in the progression report.",
    "A flag is a reason to look at the assessor's cases, not a finding: assessors are not assigned at random.",
]


def _finding(assessments: list[Assessment], assessor: str, name: str, band: str | None) -> Finding:
    strata = _strata(assessments, assessor)
    cases = sum(s.cases for s in strata if s.peer_cases)
    awards = sum(s.awards for s in strata if s.peer_cases)
    expected = sum(s.cases * s.total_awards / s.total for s in strata if s.peer_cases)
    test = exact_stratified_test(strata) if cases >= MIN_CASES else None
    return Finding(assessor, name, band, cases, awards, expected, test)


def _correct(findings: list[Finding]) -> None:
    tested = [f for f in findings if f.test is not None]
    for finding, adjusted in zip(tested, holm([f.test.p_value for f in tested if f.test is not None]), strict=True):
        finding.adjusted_p = adjusted
        finding.flagged = adjusted < ALPHA


def consistency(assessments: Sequence[Assessment], names: dict[str, str], today: date) -> Consistency:
    """Every assessor against their peers, overall and for each band, corrected and flagged (see the module)."""
    everyone = list(assessments)
    assessors = sorted({a.assessor for a in everyone}, key=lambda a: (names.get(a) or "", a))
    overall = [_finding(everyone, a, names.get(a) or "an assessor", None) for a in assessors]
    _correct(overall)
    by_band: list[Finding] = []
    for band in BANDS:
        those = [a for a in everyone if a.band == band]
        by_band.extend(_finding(those, a, names.get(a) or "an assessor", band) for a in assessors)
    _correct(by_band)
    overall.sort(key=lambda f: (not f.flagged, f.name, f.assessor))
    return Consistency(today, overall, by_band, len(everyone), list(RULES))


# -- from the register
def assessments_of(ledger: Any, conn: Any) -> tuple[list[Assessment], dict[str, str]]:
    """Every recorded assessment (from the events: the casework read model keeps only how many), each with its
    level and route (the casework read model) and its applicant's band on the day (the statistics read model,
    joined through the applicant's pseudonym here and nowhere else); and the assessors' names."""
    from sqlalchemy import select

    from ledger.domain.aggregates import Application
    from ledger.read.projections.casework import applications, assessors
    from ledger.read.projections.statistics_tables import Pseudonyms, statistics_answers

    cases = {
        row.id: (row.registrant_id, row.level, row.route)
        for row in conn.execute(
            select(applications.c.id, applications.c.registrant_id, applications.c.level, applications.c.route)
        )
    }
    answers: dict[str, list[tuple[date, int, str | None]]] = defaultdict(list)
    for row in conn.execute(
        select(
            statistics_answers.c.person, statistics_answers.c.on, statistics_answers.c.seq, statistics_answers.c.band
        )
    ):
        answers[row.person].append((row.on, row.seq, row.band))
    for given in answers.values():
        given.sort(key=lambda g: (g[0], g[1]))
    pseudonym = Pseudonyms(ledger.vault.pseudonym_key)

    def band_on(registrant: str, day: date) -> str:
        from uuid import UUID

        band: str | None = None
        for on, _, found in answers.get(pseudonym("person", UUID(registrant)), []):
            if on > day:
                break
            band = found
        return band or NOT_KNOWN

    found: list[Assessment] = []
    for e in ledger.events_of(Application.Assessed):
        case = cases.get(e.originator_id.hex)
        if case is None:  # not yet in the read model
            continue
        registrant, level, route = case
        found.append(
            Assessment(
                e.assessor_id.hex,
                level,
                route,
                e.recommendation == Outcome.AWARD,
                band_on(registrant, e.occurred_at.date()),
            )
        )
    names = {row.id: row.name or "an assessor" for row in conn.execute(select(assessors.c.id, assessors.c.name))}
    return found, names


def assessor_consistency(ledger: Any) -> Consistency:
    """The report from the register as its read models stand (catch them up first)."""
    with ledger.engine.connect() as conn:
        found, names = assessments_of(ledger, conn)
    return consistency(found, names, ledger.clock.today())
