"""A registered person's years in the demo: PPD, renewal or lapse, reinstatement; suspension, removal, resignation
and erasure."""

from __future__ import annotations

from datetime import date, timedelta

from ledger.domain.clock import add_months
from ledger.domain.statuses import RegistrationStatus
from ledger.ops.demo.cast import Person
from ledger.ops.demo.scheduling import Schedule


class YearStory(Schedule):
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
        if registration.status in (RegistrationStatus.REMOVED, RegistrationStatus.RESIGNED):
            return
        held = [a.code for a in self.framework.required_areas(registration.level or "")]
        # drawn from every area as before (the same seed lives the same years), kept to the level's own areas
        areas = [a for a in self.rng.sample([a.code for a in self.framework.areas], 2) if a in held] or held[:1]
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
        if registration.status != RegistrationStatus.REGISTERED or registration.valid_until != due:
            return  # suspended, gone, or an upgrade moved the due date (and scheduled its own renewal)
        self.ledger.submit_renewal(person.registrant_id)
        if not self.ticking or self.chance(0.5):  # else the tick renews it on the due date
            self.at(min(self.later(1, 10), due), self.renew, person)

    def renew(self, person: Person) -> None:
        registration = self.ledger.registration(person.registrant_id)
        if registration.status != RegistrationStatus.REGISTERED or registration.renewal_pending is None:
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
        if registration.status == RegistrationStatus.REGISTERED and registration.valid_until == add_months(
            due, self.rules.renewal_period_months
        ):
            self.schedule_year(person)
        elif (
            registration.status == RegistrationStatus.LAPSED
            and registration.status_since
            and registration.status_since >= due
            and self.chance(0.35)
        ):
            self.plan_reinstatement(person)

    def lapse(self, person: Person) -> None:
        registration = self.ledger.registration(person.registrant_id)
        if registration.status != RegistrationStatus.REGISTERED or registration.renewal_pending is not None:
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
        if registration.status != RegistrationStatus.LAPSED:
            return
        self.ledger.reinstate(person.registrant_id, "registrar")
        self.schedule_year(person)

    # -- suspension, removal, resignation and erasure
    def suspend(self, person: Person) -> None:
        registration = self.ledger.registration(person.registrant_id)
        if registration.status != RegistrationStatus.REGISTERED:
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
        if self.ledger.registration(person.registrant_id).status == RegistrationStatus.SUSPENDED:
            self.ledger.lift_suspension(person.registrant_id, "registrar")

    def remove(self, person: Person) -> None:
        if self.ledger.registration(person.registrant_id).status != RegistrationStatus.REMOVED:
            self.ledger.remove(person.registrant_id, "Found in breach of the code of conduct.", "registrar")

    def resign(self, person: Person) -> None:
        registration = self.ledger.registration(person.registrant_id)
        if registration.status not in (RegistrationStatus.REGISTERED, RegistrationStatus.LAPSED):
            return
        self.ledger.resign(person.registrant_id)
        if not self.erased_one and self.chance(0.2):
            self.erased_one = True
            self.ledger.erase(person.registrant_id, "registrar")

    def erase_someone(self) -> None:
        with self.ledger.batch():
            registrant_id = self.ledger.enrol("Erin Erasure", "erin@example.org", [self.disciplines[0]])
            self.ledger.erase(registrant_id, "registrar")
        self.erased_one = True
