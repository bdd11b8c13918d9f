"""PPD audits: the selected registrant's profile, its assessor, the judgement, the decision and its appeal."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from ledger.app.letters import Letters
from ledger.app.wiring import _text, command
from ledger.domain.aggregates import (
    Assessor,
    Registration,
)
from ledger.domain.aggregates.ppd_audit import PpdAudit
from ledger.domain.errors import InvalidInput, RuleBroken


class Audits(Letters):
    def ppd_audit(self, registrant_id: UUID, year: int) -> PpdAudit:
        registration = self._live_registration(registrant_id)
        return self._get(PpdAudit, PpdAudit.id_for(registration.id, year), f"{year} PPD audit of this registration")

    def _live_audit(self, registrant_id: UUID, year: Any) -> tuple[Registration, PpdAudit]:
        if not isinstance(year, int) or isinstance(year, bool):
            raise InvalidInput("year", "give the audit's year as a number")
        registration = self._live_registration(registrant_id)
        audit = self.ppd_audit(registrant_id, year)
        if not registration.is_live:
            raise RuleBroken(f"this registration is {registration.status}: its audit is closed")
        return registration, audit

    @command
    def submit_audit_profile(
        self,
        registrant_id: UUID,
        year: int,
        summary: str,
        statement: str,
        activities: list[Any],
        evidence: str | None = None,
    ) -> None:
        """The selected registrant's PPD profile: a summary of their practice, the recorded PPD activities it draws
        on, a statement of how they meet the audit standards, and evidence (links or descriptions)."""
        registration, audit = self._live_audit(registrant_id, year)
        if not isinstance(activities, list):
            raise InvalidInput("activities", "give a list of PPD activity ids")
        try:
            ids = [UUID(str(a)) for a in activities]
        except ValueError:
            raise InvalidInput("activities", "each activity is given by its id from your PPD record") from None
        evidence = _text("evidence", evidence, required=False)
        audit.submit_profile(
            self._seal(registrant_id, "summary", _text("summary", summary)),
            self._seal(registrant_id, "statement", _text("statement", statement)),
            self._seal(registrant_id, "evidence", evidence) if evidence else None,
            ids,
            {a["id"] for a in registration.ppd},
            self._today(),
            occurred_at=self._now(),
        )
        self._commit(audit)

    @command
    def assign_audit_assessor(self, registrant_id: UUID, year: int, assessor_id: UUID, by: str) -> None:
        _, audit = self._live_audit(registrant_id, year)
        assessor = self._get(Assessor, assessor_id, "assessor")
        if not assessor.active:
            raise RuleBroken("this assessor has stood down")
        if assessor.registrant_id == registrant_id:
            raise RuleBroken("an assessor never audits their own PPD")
        audit.assign(assessor_id, by, occurred_at=self._now())
        self._commit(audit)

    @command
    def judge_audit(
        self, registrant_id: UUID, year: int, assessor_id: UUID, judgements: dict[str, str], feedback: str | None = None
    ) -> None:
        _, audit = self._live_audit(registrant_id, year)
        feedback = _text("feedback", feedback, required=False)
        audit.judge(
            assessor_id,
            judgements,
            self._seal(registrant_id, "feedback", feedback) if feedback else None,
            self.framework.rules,
            occurred_at=self._now(),
        )
        self._commit(audit)

    @command
    def decide_audit(self, registrant_id: UUID, year: int, outcome: str, reasons: str, by: str) -> None:
        _, audit = self._live_audit(registrant_id, year)
        audit.decide(
            outcome,
            self._seal(registrant_id, "reasons", _text("reasons", reasons, max_length=2000, required=False) or None),
            by,
            self._today(),
            self.framework.rules,
            occurred_at=self._now(),
        )
        self._commit(audit, *filter(None, [self._audit_letter(audit, reasons)]))

    @command
    def appeal_audit(self, registrant_id: UUID, year: int, grounds: str) -> None:
        _, audit = self._live_audit(registrant_id, year)
        audit.lodge_appeal(
            self._seal(registrant_id, "grounds", _text("grounds", grounds)), self._today(), occurred_at=self._now()
        )
        self._commit(audit)

    @command
    def decide_audit_appeal(self, registrant_id: UUID, year: int, upheld: bool, reasons: str, by: str) -> None:
        """An upheld appeal accepts the audit; a dismissed one lets 'not renewed' take effect at once."""
        registration, audit = self._live_audit(registrant_id, year)
        audit.decide_appeal(
            bool(upheld),
            self._seal(registrant_id, "reasons", _text("reasons", reasons, max_length=2000, required=False) or None),
            by,
            self._today(),
            occurred_at=self._now(),
        )
        to_save: list[Aggregate] = [audit]
        if not upheld:
            audit.end(self._today(), occurred_at=self._now())
            registration.lapse_after_audit(year, self._today(), self.framework.version, occurred_at=self._now())
            to_save.append(registration)
        self._commit(*to_save, *filter(None, [self._audit_letter(audit, reasons, "appeal")]))

    @command
    def end_after_audit(self, registrant_id: UUID, year: int) -> None:
        """'Not renewed' takes effect once the appeal window has closed with no appeal: the registration lapses."""
        registration, audit = self._live_audit(registrant_id, year)
        audit.end(self._today(), occurred_at=self._now())
        registration.lapse_after_audit(year, self._today(), self.framework.version, occurred_at=self._now())
        self._commit(audit, registration, *filter(None, [self._audit_letter(audit, "", "ended")]))
