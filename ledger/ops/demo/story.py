"""The demo's run through its calendar, and one person's story in it: enrolment, an application and its assessment,
the decision and any appeal, and an upgrade."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from ledger.domain.statuses import RegistrationStatus
from ledger.ops.demo.audits import AuditStory
from ledger.ops.demo.cast import BODIES, EVIDENCE, FIRST, LAST, QUALIFICATIONS, DemoResult, Person
from ledger.processes.issuance import CredentialIssuer
from ledger.processes.tick import DayResult, Ticker

ETHNIC_WEIGHTS = {
    "white_british": 72,
    "white_irish": 2,
    "white_gypsy_traveller": 0.3,
    "white_roma": 0.3,
    "white_other": 7,
    "mixed_white_black_caribbean": 1.2,
    "mixed_white_black_african": 0.8,
    "mixed_white_asian": 1.2,
    "mixed_other": 0.8,
    "asian_indian": 2,
    "asian_pakistani": 1.2,
    "asian_bangladeshi": 0.5,
    "asian_chinese": 0.8,
    "asian_other": 0.8,
    "black_caribbean": 1.2,
    "black_african": 1.8,
    "black_other": 0.4,
    "other_arab": 0.4,
    "other_any": 0.8,
    "prefer_not_to_say": 4,
}
"""The demo's ethnic group answers (``background_questions.json`` ids), weighted near England and Wales 2021."""


class Demo(AuditStory):
    """The whole demo: the run through the calendar and people's stories (here), their audits (``AuditStory``),
    their years (``YearStory``) and the calendar itself (``Schedule``). Each class calls only what it or the classes
    it builds on define."""

    with_employers = True
    """Register the demo's employers and link some registrants to them (``employers``); off only to show that the
    rest of the history does not depend on them."""

    # -- the calendar, run
    def run(
        self,
        progress: Callable[[int, int], None] | None = None,
        batch_size: int = 2000,
        issue_credentials: bool = True,
        tick: bool = True,
    ) -> DemoResult:
        self.clock.set(self.start)
        self.ticking = tick
        if self.with_employers:
            self.employers.register(self.ledger)
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

    # -- the story of one person
    def appoint_assessor(self, i: int) -> None:
        name = f"{self.rng.choice(FIRST)} {self.rng.choice(LAST)} (assessor {i + 1})"
        self.assessors.append(self.ledger.appoint_assessor(name))

    def later_answers(self) -> dict[str, str]:
        """Working pattern, sex and ethnic group, drawn near the creative technical workforce's shares (freelance
        the largest pattern; about two in three men; ethnic groups near England and Wales 2021), from a generator of
        their own so the other answers and the demo's events are what they were before these questions."""
        draw = self.answers_rng.choices
        return {
            "working_pattern": draw(["employed", "freelance", "both", "prefer_not_to_say"], [35, 45, 15, 5])[0],
            "sex": draw(["female", "male", "prefer_not_to_say"], [28, 66, 6])[0],
            "ethnic_group": draw(list(ETHNIC_WEIGHTS), list(ETHNIC_WEIGHTS.values()))[0],
        }

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
            answers |= self.later_answers()
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"  # drawn in the order the call below once drew them
        email = f"person{rng.randrange(10**9)}@example.org"
        disciplines = sorted(rng.sample(self.disciplines, rng.choice([1, 1, 2])))
        registrant_id = self.ledger.enrol(
            name=name,
            email=email,
            disciplines=disciplines,
            background_answers=answers,
            listing="listed" if rng.random() < 0.9 else "verify-only",
        )
        pattern = answers.get("working_pattern") if answers else None
        person = Person(registrant_id, band_weight, working_pattern=pattern, disciplines=disciplines)
        self.people[registrant_id] = person
        level = rng.choices(self.levels, [60, 30, 10])[0]
        self.at(self.clock.today(), self.apply, person, level)

    def apply(self, person: Person, level: str) -> None:
        rng = self.rng
        if (
            self.held_status(person) == RegistrationStatus.SUSPENDED
        ):  # the rules say: not while suspended; try again later
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
        if plan == "award" and self.held_status(person) == RegistrationStatus.SUSPENDED:
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
        # some experienced registrants become assessors, a little more often from professional backgrounds (drawn
        # from the later questions' generator, so the rest of the history is what it was)
        level = self.ledger.registration(person.registrant_id).level
        if level in ("RCP", "ACP") and self.answers_rng.random() < 0.05 + person.band_weight:
            self.at(self.clock.today() + timedelta(days=self.answers_rng.randint(180, 720)), self.appoint, person)
        # some link to an employer on the day they are first registered (drawn apart: see ``employers``)
        employer = self.employers.choose(person.registrant_id, person.working_pattern, person.disciplines)
        if employer is not None:
            self.ledger.link_organisation(person.registrant_id, employer)

    def appoint(self, person: Person) -> None:
        """A registrant appointed an assessor (the statistics' "assessor appointments by band"); not added to the
        demo's pool of assessors, so the assessments drawn stay as they were and nobody assesses their own upgrade."""
        registration = self.ledger.registration(person.registrant_id)
        if registration.status == RegistrationStatus.REGISTERED and person.registrant_id not in self.appointed:
            self.appointed.add(person.registrant_id)
            self.ledger.appoint_assessor(None, registrant_id=person.registrant_id)

    def upgrade(self, person: Person) -> None:
        registration = self.ledger.registration(person.registrant_id)
        higher = self.framework.next_level(registration.level) if registration.level else None
        if (
            registration.status != RegistrationStatus.REGISTERED
            or higher is None
            or registration.renewal_pending is not None
        ):
            return
        application = self.ledger.application(person.application) if person.application else None
        if application is not None and application.is_open:
            return
        self.apply(person, higher.code)
