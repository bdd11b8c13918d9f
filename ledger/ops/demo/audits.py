"""A PPD audit in the demo, from selection to outcome."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from ledger.domain.statuses import RegistrationStatus
from ledger.ops.demo.cast import Person
from ledger.ops.demo.years import YearStory


class AuditStory(YearStory):
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
        if registration.status != RegistrationStatus.REGISTERED:
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
