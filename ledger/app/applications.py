"""Applications for a level: started by a route (qualification or experience), evidenced area by area,
submitted, assigned two assessors, assessed, decided (an award opens or raises the registration), appealed."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from ledger.app.letters import Letters
from ledger.app.wiring import MAX_NAME, _text, command
from ledger.domain import regnumber
from ledger.domain.aggregates import (
    Application,
    Assessor,
    Registrant,
    Registration,
    RegistrationNumberClaim,
)
from ledger.domain.errors import InvalidInput, RuleBroken
from ledger.domain.framework import FrameworkError
from ledger.domain.statuses import Outcome, RegistrationStatus, Remedy, RouteCode

NO_CONFLICT = "I have no conflict of interest with this applicant."


class Applications(Letters):
    @command
    def start_application(
        self,
        registrant_id: UUID,
        level: str,
        route: str,
        *,
        qualification: dict[str, Any] | None = None,
        experience: dict[str, Any] | None = None,
    ) -> UUID:
        """Start an application for a level by a route. One open application per person at a time."""
        registrant = self._get(Registrant, registrant_id, "registrant")
        if registrant.erased:
            raise RuleBroken("this registrant's personal data was erased; they cannot apply")
        try:
            wanted = self.framework.level(level)
        except FrameworkError as error:
            raise InvalidInput("level", str(error)) from None
        try:
            self.framework.route(route)
        except FrameworkError as error:
            raise InvalidInput("route", str(error)) from None
        if (
            registrant.latest_application is not None
            and self._get(Application, registrant.latest_application, "application").is_open
        ):
            raise RuleBroken("this registrant already has an open application; finish or withdraw it first")
        registration = self._registration_of(registrant_id)
        if registration is not None and registration.is_live and registration.level:
            held = self.framework.level(registration.level)
            if registration.status == RegistrationStatus.SUSPENDED:
                raise RuleBroken("a suspended registrant cannot apply until the suspension is lifted")
            if wanted.rank <= held.rank:
                raise RuleBroken(f"already registered as {held.name}: apply for a higher level to upgrade")
        qualification, experience = self._check_route_evidence(registrant_id, wanted, route, qualification, experience)
        application = Application(
            id=self._new_id(),
            registrant_id=registrant_id,
            level=level,
            route=route,
            qualification=qualification,
            experience=experience,
            framework_version=self.framework.version,
            occurred_at=self._now(),
        )
        registrant.record_application(application.id, occurred_at=self._now())
        self._commit(application, registrant)
        return application.id

    def _check_route_evidence(
        self, registrant_id: UUID, level: Any, route: str, qualification: Any, experience: Any
    ) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        if route == RouteCode.STANDARD:
            if not isinstance(qualification, dict):
                raise InvalidInput(
                    "qualification", "the standard route needs a qualification: title, awarding body and level"
                )
            q_level = qualification.get("level")
            if not isinstance(q_level, int) or isinstance(q_level, bool) or not 1 <= q_level <= 8:
                raise InvalidInput("qualification.level", "give the qualification's level as a number from 1 to 8")
            needed = level.min_qualification_level
            if q_level < needed:
                raise RuleBroken(
                    f"{level.name} needs a qualification at level {needed} or above; this one is "
                    f"level {q_level}: apply by the equivalency route or for a lower level"
                )
            return {
                "title": _text("qualification.title", qualification.get("title"), max_length=300),
                "awarding_body": _text(
                    "qualification.awarding_body", qualification.get("awarding_body"), max_length=300
                ),
                "level": q_level,
            }, None
        if not isinstance(experience, dict):
            raise InvalidInput(
                "experience", "the equivalency route needs experience: years of practice, a portfolio and a referee"
            )
        years = experience.get("years")
        if not isinstance(years, (int, float)) or isinstance(years, bool) or not 0 <= years <= 70:
            raise InvalidInput("experience.years", "give the years of practice as a number")
        if years < level.min_years_experience_equivalency:
            raise RuleBroken(
                f"{level.name} by the equivalency route needs at least "
                f"{level.min_years_experience_equivalency} years of practice; {years} given"
            )
        portfolio = _text("experience.portfolio", experience.get("portfolio"), max_length=2000)
        referee = _text("experience.referee_name", experience.get("referee_name"), max_length=MAX_NAME)
        referee_email = self._check_email(experience.get("referee_email"))
        return None, {
            "years": years,
            "portfolio": self._seal(registrant_id, "portfolio", portfolio),
            "referee_name": self._seal(registrant_id, "referee_name", referee),
            "referee_email": self._seal(registrant_id, "referee_email", referee_email),
        }

    def _required(self, application: Application) -> list[str]:
        return [a.code for a in self.framework.required_areas(application.level)]

    @command
    def add_evidence(self, application_id: UUID, area: str, text: str) -> UUID:
        application = self._get(Application, application_id, "application")
        text = _text("text", text)
        evidence_id = self._new_id()
        application.add_evidence(
            evidence_id,
            area,
            self._seal(application.registrant_id, "text", text),
            self._required(application),
            occurred_at=self._now(),
        )
        self._commit(application)
        return evidence_id

    @command
    def change_evidence(self, application_id: UUID, evidence_id: UUID, text: str) -> None:
        """Rewrite an item of written evidence in a draft."""
        application = self._get(Application, application_id, "application")
        text = _text("text", text)
        application.change_evidence(
            evidence_id, self._seal(application.registrant_id, "text", text), occurred_at=self._now()
        )
        self._commit(application)

    @command
    def remove_evidence(self, application_id: UUID, evidence_id: UUID) -> None:
        """Delete an item of written evidence from a draft."""
        application = self._get(Application, application_id, "application")
        application.remove_evidence(evidence_id, occurred_at=self._now())
        self._commit(application)

    @command
    def submit_application(self, application_id: UUID) -> None:
        application = self._get(Application, application_id, "application")
        application.submit(self._required(application), occurred_at=self._now())
        self._commit(application)

    @command
    def withdraw_application(self, application_id: UUID) -> None:
        application = self._get(Application, application_id, "application")
        application.withdraw(occurred_at=self._now())
        self._commit(application)

    @command
    def assign_assessor(self, application_id: UUID, assessor_id: UUID, declaration: str | None = None) -> None:
        """The registrar assigns an assessor, who is invited to accept (declaring that they have no conflict of
        interest) or to decline (declaring one) before assessing. ``declaration``: the assessor's own declaration,
        made outside the register (on paper, at a panel) and recorded with the assignment, which is then accepted at
        once; the pages and the API never take it from the registrar."""
        application = self._get(Application, application_id, "application")
        assessor = self._get(Assessor, assessor_id, "assessor")
        if not assessor.active:
            raise RuleBroken("this assessor has stood down")
        if assessor.registrant_id is not None:
            if assessor.registrant_id == application.registrant_id:
                raise RuleBroken("an assessor never assesses their own application")
            registration = self._registration_of(assessor.registrant_id)
            if (
                registration is None
                or registration.status != RegistrationStatus.REGISTERED
                or registration.level is None
            ):
                raise RuleBroken("an assessor who is a registrant must be currently registered")
            held, wanted = self.framework.level(registration.level), self.framework.level(application.level)
            if held.rank < wanted.rank:
                raise RuleBroken(
                    f"an assessor registered as {held.code} cannot assess an application for "
                    f"{wanted.code}: they must be registered at or above the level they assess"
                )
        sealed = None
        if declaration is not None:
            sealed = self._seal(
                application.registrant_id, "declaration", _text("declaration", declaration, max_length=2000)
            )
        application.invite_assessor(assessor_id, self.framework.rules, occurred_at=self._now())
        if sealed is not None:
            application.accept_assignment(assessor_id, sealed, occurred_at=self._now())
        self._commit(application)

    @command
    def accept_assignment(self, application_id: UUID, assessor_id: UUID, declaration: str | None = None) -> None:
        """The assessor accepts an assignment, declaring in their own words (or the register's: no conflict of
        interest) that nothing stands between them and the applicant."""
        application = self._get(Application, application_id, "application")
        if not self._get(Assessor, assessor_id, "assessor").active:
            raise RuleBroken("this assessor has stood down: their assignments ended")
        words = _text("declaration", declaration, max_length=2000, required=False) or NO_CONFLICT
        application.accept_assignment(
            assessor_id, self._seal(application.registrant_id, "declaration", words), occurred_at=self._now()
        )
        self._commit(application)

    @command
    def decline_assignment(self, application_id: UUID, assessor_id: UUID, reason: str) -> None:
        """The assessor declines an assignment, declaring a conflict of interest (the reason is required): they are
        released, and the registrar sees it and assigns another."""
        application = self._get(Application, application_id, "application")
        if not isinstance(reason, str) or not reason.strip():
            raise InvalidInput("reason", "say what the conflict of interest is: the registrar reads it")
        sealed = self._seal(application.registrant_id, "reason", _text("reason", reason, max_length=2000))
        application.decline_assignment(assessor_id, sealed, occurred_at=self._now())
        self._commit(application)

    @command
    def confirm_referee(self, application_id: UUID, confirmed: bool) -> None:
        application = self._get(Application, application_id, "application")
        application.confirm_referee(bool(confirmed), occurred_at=self._now())
        self._commit(application)

    @command
    def record_discussion(self, application_id: UUID, held_on: date, notes: str | None = None) -> None:
        application = self._get(Application, application_id, "application")
        if held_on > self._today():
            raise InvalidInput("held_on", "the professional discussion cannot be dated in the future")
        sealed = self._seal(application.registrant_id, "notes", _text("notes", notes, required=False) or None)
        application.record_discussion(
            held_on, list(application.assessors), sealed, self.framework.rules, occurred_at=self._now()
        )
        self._commit(application)

    @command
    def record_assessment(
        self,
        application_id: UUID,
        assessor_id: UUID,
        judgements: dict[str, str],
        recommendation: str,
        feedback: str | None = None,
    ) -> None:
        application = self._get(Application, application_id, "application")
        if not self._get(Assessor, assessor_id, "assessor").active:
            raise RuleBroken("this assessor has stood down: their assignments ended")
        if not isinstance(judgements, dict):
            raise InvalidInput("judgements", "give a judgement for each competency area")
        sealed = self._seal(application.registrant_id, "feedback", _text("feedback", feedback, required=False) or None)
        application.record_assessment(
            assessor_id,
            judgements,
            recommendation,
            sealed,
            self._required(application),
            self.framework.rules,
            occurred_at=self._now(),
        )
        self._commit(application)

    @command
    def request_information(self, application_id: UUID, request: str, by: str) -> None:
        application = self._get(Application, application_id, "application")
        sealed = self._seal(application.registrant_id, "request", _text("request", request))
        application.request_information(sealed, by, occurred_at=self._now())
        self._commit(application)

    @command
    def decide(self, application_id: UUID, outcome: str, reasons: str, by: str) -> str | None:
        """Decide an application. An award opens (or raises) the registration in the same save; returns its
        registration number."""
        application = self._get(Application, application_id, "application")
        reasons = _text("reasons", reasons, required=False)
        if outcome == Outcome.AWARD:
            self._check_can_award(application)
        application.decide(
            outcome,
            self._seal(application.registrant_id, "reasons", reasons or None),
            by,
            self._today(),
            self.framework.rules,
            occurred_at=self._now(),
        )
        if outcome != Outcome.AWARD:
            self._commit(application, *filter(None, [self._decision_letter(application, outcome, reasons, None)]))
            return None
        return self._award(application, reasons)

    @command
    def appeal(self, application_id: UUID, grounds: str) -> None:
        application = self._get(Application, application_id, "application")
        sealed = self._seal(application.registrant_id, "grounds", _text("grounds", grounds))
        application.appeal(sealed, self._today(), self.framework.rules, occurred_at=self._now())
        self._commit(application)

    @command
    def decide_appeal(
        self, application_id: UUID, upheld: bool, reasons: str, by: str, remedy: str | None = None
    ) -> str | None:
        application = self._get(Application, application_id, "application")
        if upheld and remedy == Remedy.AWARD:
            self._check_can_award(application)
        application.decide_appeal(
            bool(upheld),
            remedy,
            self._seal(application.registrant_id, "reasons", _text("reasons", reasons, required=False) or None),
            by,
            self._today(),
            occurred_at=self._now(),
        )
        if upheld and remedy == Remedy.AWARD:
            return self._award(application)
        self._commit(application)
        return None

    def _check_can_award(self, application: Application) -> None:
        """The registration's side of an award, checked before the application records its decision (the rule is
        the registration's own: ``Registration.check_award``)."""
        registration = self._registration_of(application.registrant_id)
        if registration is not None and registration.level is not None:
            registration.check_award(
                self.framework.level(application.level).rank, self.framework.level(registration.level).rank
            )

    def _award(self, application: Application, reasons: str = "") -> str:
        """The level is awarded: open the registration (claiming a fresh number) or raise its level."""
        today, now = self._today(), self._now()
        level = self.framework.level(application.level)
        registration = self._registration_of(application.registrant_id)
        to_save: list[Aggregate] = [application]
        if registration is None:
            number, claim_id = self._free_number()
            registration = Registration(registrant_id=application.registrant_id, number=number, occurred_at=now)
            to_save.append(RegistrationNumberClaim(number=number, registration_id=registration.id, occurred_at=now))
        current = self.framework.level(registration.level).rank if registration.level else None
        registration.award_level(
            level.code,
            level.rank,
            current,
            application.id,
            today,
            self.framework.rules,
            self.framework.version,
            occurred_at=now,
        )
        to_save.append(registration)
        letter = self._decision_letter(application, Outcome.AWARD, reasons, registration.number)
        self._commit(*to_save, *([letter] if letter else []))
        return registration.number

    def _free_number(self) -> tuple[str, UUID]:
        while True:
            number = regnumber.format_number(self.rng.randint(1, 9_999_999))
            claim_id = RegistrationNumberClaim.id_for(number)
            if not self._exists(claim_id):
                return number, claim_id

    def application(self, application_id: UUID) -> Application:
        return self._get(Application, application_id, "application")
