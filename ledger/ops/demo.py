"""``regledger demo``: a realistic body over some years, driven through the Ledger's own commands.

People enrol, apply by both routes at all three levels, are assessed by two assessors, are awarded, deferred or
rejected, appeal, upgrade, log PPD, renew or lapse, are suspended, removed, resign, are reinstated; one asks to be
erased. The same seed gives the same history. Every rule is still checked by the commands.

By default the daily tick runs through the simulated years as it would in service: each day is closed (reminders,
overdue notices, lapses, suspensions ending, renewals declared but not yet approved renewed on their due date, the
1 January PPD audit sample) before that day's business, and the people selected for audit send profiles that
assessors judge and the registrar decides (accepted, deferred then accepted, not renewed, appealed). The last day
closed is the demo's end, so ``regledger tick`` carries on from there. Without the tick (``tick=False``, for the
import benchmark) commands run in large batches (one transaction per batch) and the demo lapses people itself.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from ledger.app.ledger import Ledger
from ledger.domain.clock import SettableClock, add_months
from ledger.domain.errors import LedgerError
from ledger.processes.issuance import CredentialIssuer
from ledger.processes.tick import DayResult, Ticker

FIRST = [
    "Aisha",
    "Ben",
    "Chloe",
    "Dev",
    "Ella",
    "Femi",
    "Grace",
    "Harun",
    "Isla",
    "Jamal",
    "Kasia",
    "Liam",
    "Maya",
    "Niamh",
    "Owen",
    "Priya",
    "Quinn",
    "Rosa",
    "Sami",
    "Tara",
    "Uma",
    "Vik",
    "Wren",
    "Xander",
    "Yasmin",
    "Zac",
    "Alfie",
    "Bea",
    "Callum",
    "Dina",
    "Eilidh",
    "Finn",
    "Gwen",
    "Hamza",
    "Ife",
    "Jess",
    "Kofi",
    "Lowri",
]
LAST = [
    "Adeyemi",
    "Brown",
    "Chen",
    "Davies",
    "Evans",
    "Fraser",
    "Ghosh",
    "Hughes",
    "Iqbal",
    "Jones",
    "Khan",
    "Lewis",
    "MacLeod",
    "Nowak",
    "O'Brien",
    "Patel",
    "Quigley",
    "Roberts",
    "Singh",
    "Thomas",
    "Usman",
    "Vaughan",
    "Williams",
    "Xu",
    "Young",
    "Zielinski",
    "Okafor",
    "Campbell",
    "Murphy",
    "Kaur",
    "Wilson",
]
QUALIFICATIONS = {
    3: "Level 3 Extended Diploma in Creative Media Production",
    4: "Higher National Certificate in Technical Theatre",
    5: "Foundation Degree in Production Arts",
    6: "BA (Hons) Technical Arts and Special Effects",
    7: "MA Sound Design",
}
BODIES = ["Pearson", "UAL Awarding Body", "NCFE", "a UK university", "City & Guilds"]
EVIDENCE = "Portfolio item and reflective account showing how I meet this standard on recent productions."


@dataclass
class DemoResult:
    registrants: int
    years: int
    seed: int
    started: date
    ended: date
    commands: int = 0
    refused: int = 0
    credentials: int = 0
    refusals: list[str] = field(default_factory=list)
    events: int = 0
    seconds: float = 0.0
    kinds: dict[str, int] = field(default_factory=dict)
    ticked_days: int = 0
    audits: int = 0


@dataclass
class Person:
    registrant_id: UUID
    band_weight: float  # socio-economic tilt of this person's chances (demo realism only)
    application: UUID | None = None
    level: str | None = None
    registered: bool = False
    assessors: list[UUID] = field(default_factory=list)


class Demo:
    def __init__(
        self, ledger: Ledger, clock: SettableClock, registrants: int, years: int, seed: int, end: date
    ) -> None:
        self.ledger, self.clock = ledger, clock
        self.rng = random.Random(seed)
        self.framework = ledger.framework
        self.end = end
        self.start = end - timedelta(days=365 * years)
        self.result = DemoResult(registrants, years, seed, self.start, end)
        self.agenda: list[tuple[int, int, Callable[..., Any], tuple[Any, ...]]] = []
        self.seq = itertools.count()
        self.assessors: list[UUID] = []
        self.erased_one = False
        self.disciplines = [d.code for d in self.framework.disciplines]
        self.levels = [level.code for level in self.framework.levels]
        self.rules = self.framework.rules
        self.people: dict[UUID, Person] = {}
        self.ticking = False
        self.removed_one = False

    # -- scheduling
    def at(self, day: date, action: Callable[..., Any], *args: Any) -> None:
        if day <= self.end:
            heapq.heappush(self.agenda, (day.toordinal(), next(self.seq), action, args))

    def later(self, low: int, high: int) -> date:
        return self.clock.today() + timedelta(days=self.rng.randint(low, high))

    def run(
        self,
        progress: Callable[[int, int], None] | None = None,
        batch_size: int = 2000,
        issue_credentials: bool = True,
        tick: bool = True,
    ) -> DemoResult:
        self.clock.set(self.start)
        self.ticking = tick
        for i in range(max(4, self.result.registrants // 40)):
            self.at(self.start, self.appoint_assessor, i)
        enrol_span = max(1, (self.end - self.start).days - 120)
        for _ in range(self.result.registrants):
            self.at(self.start + timedelta(days=self.rng.randrange(enrol_span)), self.enrol)
        total_days = (self.end - self.start).days
        issuer = CredentialIssuer(self.ledger)
        ticker = Ticker(self.ledger) if tick else None
        next_day = self.start
        while self.agenda:
            today = date.fromordinal(self.agenda[0][0])
            if ticker is not None:  # close each day up to this one, before its business
                while next_day <= today:
                    self.after_tick(ticker.run_day(next_day))
                    next_day += timedelta(days=1)
            with self.ledger.batch():  # one transaction per batch of commands (one day's, when ticking)
                for _ in range(batch_size):
                    if not self.agenda or (ticker is not None and self.agenda[0][0] != today.toordinal()):
                        break
                    self.step(progress, total_days)
            if issue_credentials:  # each award, renewal and reinstatement gets its credential
                self.result.credentials += issuer.catch_up().issued
        if ticker is not None:
            while next_day <= self.end:
                self.after_tick(ticker.run_day(next_day))
                next_day += timedelta(days=1)
            if issue_credentials:
                self.result.credentials += issuer.catch_up().issued
        if not self.erased_one and self.result.registrants:
            self.erase_someone()
        if progress:
            progress(total_days, total_days)
        return self.result

    def after_tick(self, day: DayResult) -> None:
        """What people do about the day's tick: those selected for the PPD audit start on their profiles."""
        self.result.ticked_days += 1
        for number in day.audit_selected:
            person = self.people.get(self.ledger.registrant_by_number(number))
            if person is not None:
                self.result.audits += 1
                self.audit_story(person, day.day.year)

    def step(self, progress: Callable[[int, int], None] | None, total_days: int) -> None:
        """The next thing on the agenda, on its day. A refused command is counted, never hidden."""
        ordinal, _, action, args = heapq.heappop(self.agenda)
        day = date.fromordinal(ordinal)
        if day != self.clock.today():
            self.clock.set(datetime.combine(day, time(9), UTC))
            if progress:
                progress((day - self.start).days, total_days)
        else:
            self.clock.advance(timedelta(seconds=1))
        self.result.commands += 1
        try:
            action(*args)
        except LedgerError as error:
            self.result.refused += 1
            if len(self.result.refusals) < 20:
                self.result.refusals.append(f"{day} {action.__name__}: {error}")

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    # -- the story of one person
    def appoint_assessor(self, i: int) -> None:
        name = f"{self.rng.choice(FIRST)} {self.rng.choice(LAST)} (assessor {i + 1})"
        self.assessors.append(self.ledger.appoint_assessor(name))

    def enrol(self) -> None:
        rng = self.rng
        answers = None
        band_weight = 0.0
        if rng.random() < 0.72:
            occupation = rng.choices(
                [
                    "professional",
                    "manager",
                    "clerical",
                    "small_business",
                    "technical_craft",
                    "routine",
                    "unemployed",
                    "other",
                    "prefer_not_to_say",
                ],
                [26, 16, 9, 8, 12, 14, 3, 6, 6],
            )[0]
            band_weight = {
                "professional": 0.03,
                "manager": 0.03,
                "routine": -0.04,
                "unemployed": -0.05,
                "technical_craft": -0.02,
            }.get(occupation, 0.0)
            answers = {
                "parental_occupation_14": occupation,
                "school_type": rng.choice(["state", "state", "state", "independent", "prefer_not_to_say"]),
                "free_school_meals": rng.choice(["no", "no", "yes", "dont_know"]),
                "parental_degree": rng.choice(["no", "yes", "dont_know"]),
            }
        registrant_id = self.ledger.enrol(
            name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
            email=f"person{rng.randrange(10**9)}@example.org",
            disciplines=sorted(rng.sample(self.disciplines, rng.choice([1, 1, 2]))),
            background_answers=answers,
            listing="listed" if rng.random() < 0.9 else "verify-only",
        )
        person = Person(registrant_id, band_weight)
        self.people[registrant_id] = person
        level = rng.choices(self.levels, [60, 30, 10])[0]
        self.at(self.clock.today(), self.apply, person, level)

    def apply(self, person: Person, level: str) -> None:
        rng = self.rng
        if self.held_status(person) == "suspended":  # the rules say: not while suspended; try again later
            self.at(self.later(30, 60), self.apply, person, level)
            return
        route = "standard" if rng.random() < 0.55 else "equivalency"
        spec = self.framework.level(level)
        if route == "standard":
            needed = spec.min_qualification_level
            q_level = min(7, needed + rng.choice([0, 0, 1]))
            kwargs: dict[str, Any] = {
                "qualification": {
                    "title": QUALIFICATIONS[q_level],
                    "level": q_level,
                    "awarding_body": rng.choice(BODIES),
                }
            }
        else:
            kwargs = {
                "experience": {
                    "years": spec.min_years_experience_equivalency + rng.randint(0, 8),
                    "portfolio": "https://portfolio.example.org/" + str(rng.randrange(10**6)),
                    "referee_name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                    "referee_email": f"referee{rng.randrange(10**6)}@example.org",
                }
            }
        person.application = self.ledger.start_application(person.registrant_id, level, route, **kwargs)
        person.level = level
        for area in self.framework.required_areas(level):
            self.ledger.add_evidence(person.application, area.code, EVIDENCE)
        if rng.random() < 0.03:
            self.at(self.later(3, 20), self.withdraw, person)
        else:
            self.at(self.later(3, 25), self.submit, person)

    def withdraw(self, person: Person) -> None:
        assert person.application
        self.ledger.withdraw_application(person.application)

    def submit(self, person: Person) -> None:
        assert person.application
        self.ledger.submit_application(person.application)
        self.at(self.later(2, 10), self.assign, person)

    def assign(self, person: Person) -> None:
        assert person.application
        person.assessors = self.rng.sample(self.assessors, 2)
        for assessor in person.assessors:
            self.ledger.assign_assessor(
                person.application, assessor, "I have no conflict of interest with this applicant."
            )
        application = self.ledger.application(person.application)
        if application.route == "equivalency":
            self.at(self.later(5, 15), self.referee, person)
            self.at(self.later(14, 30), self.discussion, person)
        if self.chance(0.08):
            self.at(self.later(5, 15), self.request_information, person)
        else:
            self.at(self.later(20, 45), self.assess, person)

    def request_information(self, person: Person) -> None:
        assert person.application
        self.ledger.request_information(person.application, "Please add a recent example with dates.", "registrar")
        self.at(self.later(5, 20), self.provide_information, person)

    def provide_information(self, person: Person) -> None:
        assert person.application
        self.ledger.add_evidence(person.application, "A", EVIDENCE + " (further example)")
        self.ledger.submit_application(person.application)
        self.at(self.later(20, 40), self.assess, person)

    def referee(self, person: Person) -> None:
        assert person.application
        self.ledger.confirm_referee(person.application, self.rng.random() < 0.96)

    def discussion(self, person: Person) -> None:
        assert person.application
        if self.ledger.application(person.application).status != "submitted":
            self.at(self.later(5, 15), self.discussion, person)  # once the information asked for is in
            return
        self.ledger.record_discussion(person.application, self.clock.today(), "Discussion of portfolio.")

    def assess(self, person: Person) -> None:
        assert person.application
        application = self.ledger.application(person.application)
        award_rate = (0.78 if application.route == "standard" else 0.72) + person.band_weight
        if application.route == "equivalency" and (
            not application.discussion_held or application.referee_confirmed is None
        ):
            self.at(self.later(3, 10), self.assess, person)  # wait for the discussion and the referee
            return
        if application.route == "equivalency" and not application.referee_confirmed:
            award_rate = 0.0
        roll = self.rng.random()
        plan = "award" if roll < award_rate else ("defer" if roll < award_rate + (1 - award_rate) * 0.6 else "reject")
        areas = [a.code for a in self.framework.required_areas(application.level)]
        for assessor in person.assessors:
            judgements = {a: ("met" if plan == "award" or self.rng.random() < 0.6 else "partly_met") for a in areas}
            if plan != "award":
                judgements[self.rng.choice(areas)] = "not_met" if plan == "reject" else "partly_met"
            self.ledger.record_assessment(
                person.application,
                assessor,
                judgements,
                plan,
                "Clear evidence for most areas."
                if plan == "award"
                else "Evidence is thin in places; see the areas marked.",
            )
        self.at(self.later(3, 14), self.decide, person, plan)

    def decide(self, person: Person, plan: str) -> None:
        assert person.application
        if plan == "award" and self.held_status(person) == "suspended":
            self.at(self.later(20, 40), self.decide, person, plan)  # on hold until the suspension is resolved
            return
        reasons = "" if plan == "award" else "The evidence does not yet show the standard in every area."
        self.ledger.decide(person.application, plan, reasons, "registrar")
        if plan == "award":
            self.awarded(person)
        elif plan == "reject" and not self.ledger.application(person.application).appealed and self.chance(0.35):
            self.at(self.later(5, 25), self.appeal, person)  # one appeal per decision, even after a reassessment
        elif self.chance(0.6):
            self.at(self.later(60, 150), self.apply, person, person.level)

    def held_status(self, person: Person) -> str | None:
        return self.ledger.registration(person.registrant_id).status if person.registered else None

    def appeal(self, person: Person) -> None:
        assert person.application
        self.ledger.appeal(person.application, "The assessors did not consider my portfolio of touring work.")
        self.at(self.later(14, 27), self.decide_appeal, person)

    def decide_appeal(self, person: Person) -> None:
        assert person.application
        roll = self.rng.random()
        if roll < 0.2:
            self.ledger.decide_appeal(
                person.application, True, "The evidence was not fully considered.", "appeals panel", remedy="award"
            )
            self.awarded(person)
        elif roll < 0.4:
            self.ledger.decide_appeal(
                person.application, True, "A fresh assessment is needed.", "appeals panel", remedy="reassess"
            )
            self.at(self.later(3, 10), self.assign, person)
        else:
            self.ledger.decide_appeal(person.application, False, "The decision was reasonable.", "appeals panel")

    def awarded(self, person: Person) -> None:
        person.registered = True
        self.schedule_year(person)  # an upgrade starts a new renewal year too
        self.at(self.later(400, 800) if self.chance(0.25) else self.end + timedelta(days=1), self.upgrade, person)

    def schedule_year(self, person: Person) -> None:
        """PPD through the year, then renewal (or not) as the due date comes round."""
        registration = self.ledger.registration(person.registrant_id)
        assert registration.valid_until
        due = registration.valid_until
        period_starts = max(self.clock.today(), add_months(due, -self.rules.renewal_period_months))
        span = max(6, (due - period_starts).days - self.rules.renewal_window_days - 5)
        for category in self.rng.sample(self.rules.ppd_categories, self.rng.randint(3, 5)):
            self.at(period_starts + timedelta(days=self.rng.randint(5, span)), self.ppd, person, category)
        roll = self.rng.random()
        if roll < 0.012:
            self.at(self.later(30, 300), self.suspend, person)
        elif roll < 0.022:
            self.at(self.later(30, 300), self.resign, person)
        if self.chance(0.86):
            self.at(due - timedelta(days=self.rng.randint(5, 80)), self.submit_renewal, person, due)
        elif not self.ticking:
            self.at(due + timedelta(days=self.rules.grace_days + 1 + self.rng.randint(0, 5)), self.lapse, person)
        if self.ticking:  # the tick renews or lapses on its own days; see what became of this year
            self.at(due + timedelta(days=self.rules.grace_days + 2), self.after_due, person, due)

    def ppd(self, person: Person, category: str) -> None:
        registration = self.ledger.registration(person.registrant_id)
        if registration.status in ("removed", "resigned"):
            return
        areas = self.rng.sample([a.code for a in self.framework.areas], 2)
        self.ledger.record_ppd(
            person.registrant_id,
            self.clock.today(),
            category,
            self.rng.choice([2, 3.5, 6, 7, 12, 21]),
            areas,
            "Learned a new console workflow.",
            "Cut changeover time on our shows.",
        )

    def submit_renewal(self, person: Person, due: date) -> None:
        registration = self.ledger.registration(person.registrant_id)
        if registration.status != "registered" or registration.valid_until != due:
            return  # suspended, gone, or an upgrade moved the due date (and scheduled its own renewal)
        self.ledger.submit_renewal(person.registrant_id)
        if not self.ticking or self.chance(0.5):  # else the tick renews it on the due date
            self.at(min(self.later(1, 10), due), self.renew, person)

    def renew(self, person: Person) -> None:
        registration = self.ledger.registration(person.registrant_id)
        if registration.status != "registered" or registration.renewal_pending is None:
            return
        if any(
            self.ledger.ppd_audit(person.registrant_id, a["year"]).blocks_renewal for a in registration.audits
        ) or registration.renewal_has_expired(self.clock.today(), self.rules):
            return  # the audit decides, or the tick lapses it
        self.ledger.renew(person.registrant_id, "registrar")
        if not self.ticking:
            self.schedule_year(person)

    def after_due(self, person: Person, due: date) -> None:
        """After a due date and its grace period: renewed (by the registrar or the tick), so plan the next year;
        or lapsed, and some come back."""
        registration = self.ledger.registration(person.registrant_id)
        if registration.status == "registered" and registration.valid_until == add_months(
            due, self.rules.renewal_period_months
        ):
            self.schedule_year(person)
        elif (
            registration.status == "lapsed"
            and registration.status_since
            and registration.status_since >= due
            and self.chance(0.35)
        ):
            self.plan_reinstatement(person)

    def lapse(self, person: Person) -> None:
        registration = self.ledger.registration(person.registrant_id)
        if registration.status != "registered" or registration.renewal_pending is not None:
            return
        if registration.valid_until and self.clock.today() <= registration.valid_until + timedelta(
            days=self.rules.grace_days
        ):
            return
        self.ledger.lapse(person.registrant_id)
        if self.chance(0.35):
            self.plan_reinstatement(person)

    def plan_reinstatement(self, person: Person) -> None:
        for category in self.rng.sample(self.rules.ppd_categories, 3):
            self.at(self.later(10, 100), self.ppd, person, category)
        self.at(self.later(110, 200), self.reinstate, person)

    def reinstate(self, person: Person) -> None:
        registration = self.ledger.registration(person.registrant_id)
        if registration.status != "lapsed":
            return
        self.ledger.reinstate(person.registrant_id, "registrar")
        self.schedule_year(person)

    # -- a PPD audit, from selection to outcome
    def audit_story(self, person: Person, year: int) -> None:
        roll = self.rng.random()
        plan = "silent" if roll < 0.08 else "met" if roll < 0.75 else "deferred" if roll < 0.88 else "not_renewed"
        if plan == "silent":  # no profile comes: 'not renewed' once it is overdue
            due = self.ledger.ppd_audit(person.registrant_id, year).profile_due
            self.at(due + timedelta(days=self.rng.randint(2, 10)), self.audit_overdue, person, year)
        else:
            self.at(self.later(7, 45), self.audit_profile, person, year, plan)

    def _audit_at(self, person: Person, year: int, *stages: str) -> Any:
        """The audit, if the registration is still live and the audit at one of these stages; else None."""
        if not self.ledger.registration(person.registrant_id).is_live:
            return None
        audit = self.ledger.ppd_audit(person.registrant_id, year)
        return audit if audit.stage in stages else None

    def audit_profile(self, person: Person, year: int, plan: str) -> None:
        if self._audit_at(person, year, "awaiting profile") is None:
            return
        registration = self.ledger.registration(person.registrant_id)
        if registration.status != "registered":
            return
        recent = [a["id"] for a in registration.ppd if a["on"] > self.clock.today() - timedelta(days=365)]
        if not recent:
            self.ppd(person, self.rng.choice(self.rules.ppd_categories))
            recent = [self.ledger.registration(person.registrant_id).ppd[-1]["id"]]
        self.ledger.submit_audit_profile(
            person.registrant_id,
            year,
            "Freelance technician on touring and broadcast work over the year.",
            "My record is kept as I go; the activities mix courses, mentoring and self-directed learning, and "
            "each changed how I work on productions.",
            [str(a) for a in self.rng.sample(recent, min(4, len(recent)))],
            "Certificates and production notes available on request.",
        )
        self.at(self.later(3, 10), self.audit_assign, person, year, plan)

    def audit_assign(self, person: Person, year: int, plan: str) -> None:
        if self._audit_at(person, year, "profile received", "with assessor") is None:
            return
        audit = self.ledger.ppd_audit(person.registrant_id, year)
        if audit.assessor_id is None:
            self.ledger.assign_audit_assessor(person.registrant_id, year, self.rng.choice(self.assessors), "registrar")
        self.at(self.later(5, 20), self.audit_judge, person, year, plan)

    def audit_judge(self, person: Person, year: int, plan: str) -> None:
        audit = self._audit_at(person, year, "with assessor")
        if audit is None:
            return
        standards = list(self.rules.audit_standards)
        judgements = {s: "met" if self.chance(0.8) else "partly_met" for s in standards}
        if plan == "deferred" and not audit.deferred:
            judgements["mix"] = "not_met"
        elif plan == "not_renewed":
            for standard in self.rng.sample(standards, 2):
                judgements[standard] = "not_met"
        assert audit.assessor_id is not None
        self.ledger.judge_audit(
            person.registrant_id,
            year,
            audit.assessor_id,
            judgements,
            "Clear and well evidenced."
            if "not_met" not in judgements.values()
            else "The profile does not yet show every standard; see those marked not met.",
        )
        self.at(self.later(2, 7), self.audit_decide, person, year, plan)

    def audit_decide(self, person: Person, year: int, plan: str) -> None:
        audit = self._audit_at(person, year, "judged")
        if audit is None:
            return
        if "not_met" not in audit.judgements.values():
            self.ledger.decide_audit(person.registrant_id, year, "accepted", "", "registrar")
        elif plan == "deferred" and not audit.deferred:
            self.ledger.decide_audit(
                person.registrant_id, year, "deferred", "Show a mix of learning activities.", "registrar"
            )
            self.at(self.later(20, 60), self.audit_profile, person, year, plan)
        else:
            self.ledger.decide_audit(
                person.registrant_id, year, "not_renewed", "Two standards are not met.", "registrar"
            )
            if self.chance(0.5):
                self.at(self.later(5, 20), self.audit_appeal, person, year)

    def audit_overdue(self, person: Person, year: int) -> None:
        if self._audit_at(person, year, "awaiting profile") is None:
            return
        self.ledger.decide_audit(person.registrant_id, year, "not_renewed", "No PPD profile was sent.", "registrar")

    def audit_appeal(self, person: Person, year: int) -> None:
        if self._audit_at(person, year, "not renewed") is None:
            return
        self.ledger.appeal_audit(person.registrant_id, year, "My statement answers the standards marked not met.")
        self.at(self.later(10, 25), self.audit_appeal_decision, person, year)

    def audit_appeal_decision(self, person: Person, year: int) -> None:
        if self._audit_at(person, year, "appealed") is None:
            return
        upheld = self.chance(0.5)
        self.ledger.decide_audit_appeal(
            person.registrant_id,
            year,
            upheld,
            "The statement shows the standards are met." if upheld else "The assessor's judgement was sound.",
            "appeals panel",
        )

    def suspend(self, person: Person) -> None:
        registration = self.ledger.registration(person.registrant_id)
        if registration.status != "registered":
            return
        until = self.later(30, 90)
        self.ledger.suspend(
            person.registrant_id,
            "Complaint under investigation.",
            "registrar",
            until=until if self.chance(0.5) else None,
        )
        if self.removed_one and self.chance(0.75):
            self.at(until, self.lift, person)
        else:  # the first suspension ends in removal, so every demo tells that story too
            self.removed_one = True
            self.at(self.later(20, 60), self.remove, person)

    def lift(self, person: Person) -> None:
        if self.ledger.registration(person.registrant_id).status == "suspended":
            self.ledger.lift_suspension(person.registrant_id, "registrar")

    def remove(self, person: Person) -> None:
        if self.ledger.registration(person.registrant_id).status != "removed":
            self.ledger.remove(person.registrant_id, "Found in breach of the code of conduct.", "registrar")

    def resign(self, person: Person) -> None:
        registration = self.ledger.registration(person.registrant_id)
        if registration.status not in ("registered", "lapsed"):
            return
        self.ledger.resign(person.registrant_id)
        if not self.erased_one and self.chance(0.2):
            self.erased_one = True
            self.ledger.erase(person.registrant_id, "registrar")

    def upgrade(self, person: Person) -> None:
        registration = self.ledger.registration(person.registrant_id)
        higher = self.framework.next_level(registration.level) if registration.level else None
        if registration.status != "registered" or higher is None or registration.renewal_pending is not None:
            return
        application = self.ledger.application(person.application) if person.application else None
        if application is not None and application.is_open:
            return
        self.apply(person, higher.code)

    def erase_someone(self) -> None:
        with self.ledger.batch():
            registrant_id = self.ledger.enrol("Erin Erasure", "erin@example.org", [self.disciplines[0]])
            self.ledger.erase(registrant_id, "registrar")
        self.erased_one = True


def run_demo(
    ledger: Ledger,
    clock: SettableClock,
    *,
    registrants: int = 300,
    years: int = 3,
    seed: int = 1,
    end: date | None = None,
    progress: Callable[[int, int], None] | None = None,
    batch_size: int = 2000,
    issue_credentials: bool = True,
    tick: bool = True,
) -> DemoResult:
    import time as _time

    started = _time.perf_counter()
    before = ledger.recorder.max_notification_id() or 0
    demo = Demo(ledger, clock, registrants, years, seed, end or clock.today())
    result = demo.run(progress, batch_size=batch_size, issue_credentials=issue_credentials, tick=tick)
    result.events = (ledger.recorder.max_notification_id() or 0) - before
    result.kinds = dict(sorted(ledger.saved_kinds.items()))
    result.seconds = _time.perf_counter() - started
    return result
