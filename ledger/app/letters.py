"""The letters the register sends: each is a ``Mail`` aggregate saved with the event that called for it (its
cause), so a letter is never lost and never sent twice; the mailer process sends them."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate

from ledger.app.vault import Shredded
from ledger.app.wiring import LedgerBase
from ledger.domain.aggregates import (
    Application,
    Registrant,
)
from ledger.domain.aggregates.mail import Mail
from ledger.domain.aggregates.ppd_audit import ACCEPTED, DEFERRED, NOT_RENEWED, OUTCOME_NAMES, PpdAudit
from ledger.domain.statuses import Appeal, Outcome


class Letters(LedgerBase):
    def queue_letter(self, registrant_id: UUID, kind: str, cause: Aggregate, subject: str, text: str) -> Mail | None:
        """A letter to the registrant, called for by ``cause`` (an aggregate whose latest event is the cause),
        committed now (inside a batch: with the batch, in the same transaction). None if the cause has already
        queued one, or the registrant's personal data was erased."""
        mail = self._letter(registrant_id, kind, cause, subject, text)
        if mail is not None:
            self._commit(mail)
        return mail

    def _letter(self, registrant_id: UUID, kind: str, cause: Aggregate, subject: str, text: str) -> Mail | None:
        """The letter, not yet committed: the caller saves it with its cause."""
        mail_id = Mail.id_for(cause.id, cause.version, kind)
        registrant = self._get(Registrant, registrant_id, "registrant")
        if registrant.erased or self._exists(mail_id):
            return None
        try:
            name = self.vault.open(registrant.name) or "registrant"
            to = self.vault.seal(registrant_id, self.vault.open(registrant.email))
            body = self.vault.seal(registrant_id, f"Dear {name},\n\n{text}\n\n{self.settings.body.signature}\n")
        except Shredded:
            return None
        assert to is not None  # the address opened, since sealing the body found the registrant's key
        return Mail(
            id=mail_id,
            registrant_id=registrant_id,
            kind=kind,
            to=to,
            subject=subject,
            body=body,
            occurred_at=self._now(),
        )

    def _decision_letter(self, application: Application, outcome: str, reasons: str, number: str | None) -> Mail | None:
        """The decision, with the assessors' feedback area by area; for an award, the registration number and
        where the credential is."""
        level = self.framework.level(application.level)
        words: dict[str, str] = {
            Outcome.AWARD: "awarded",
            Outcome.DEFER: "deferred: you may resubmit",
            Outcome.REJECT: "not successful",
        }
        lines = [
            f"Your application for {level.name} ({level.post_nominal}) has been decided: {words.get(outcome, outcome)}."
        ]
        if reasons:
            lines.append(f"Reasons: {reasons}")
        if number:
            url = self.settings.issuer_url.rstrip("/")
            lines.append(
                f"Your registration number is {number}. Your credential, its QR badge and the link to "
                f"share it are at {url}/r/{number} (and in your account); anyone can check it at {url}/v."
            )
        for i, assessment in enumerate(application.assessments.values(), 1):
            judged = ", ".join(
                f"{area} {self.framework.rules.judgement_names.get(j, j)}"
                for area, j in sorted(assessment["judgements"].items())
            )
            feedback = self.vault.open(assessment.get("feedback")) or "no written feedback"
            lines.append(f"Assessor {i} ({assessment['recommendation']}): {judged}. {feedback}")
        kind = "award letter" if number else "decision letter"
        return self._letter(
            application.registrant_id,
            kind,
            application,
            f"Your application for {level.post_nominal}: {words.get(outcome, outcome).split(':')[0]}",
            "\n\n".join(lines),
        )

    def _audit_letter(self, audit: PpdAudit, reasons: str, about: str = "decision") -> Mail | None:
        """What the registrant is told at each turn of an audit (``about``: decision, appeal, ended): the decision
        with the assessor's judgement of each standard and their feedback, the appeal's result, the lapse."""
        rules = self.framework.rules
        outcome = OUTCOME_NAMES[audit.outcome or ACCEPTED].lower()
        if about == "ended":
            subject = "Your registration has lapsed after its PPD audit"
            lines = [
                f"The 'not renewed' outcome of the {audit.year} audit of your PPD record has taken effect: "
                f"registration {audit.number} has lapsed. You can be reinstated within 12 months with the PPD "
                "you missed."
            ]
        elif about == "appeal":
            subject = f"Your appeal about the {audit.year} PPD audit: {audit.appeal}"
            lines = [
                f"Your appeal was {audit.appeal}. "
                + (
                    "Your audit is accepted."
                    if audit.appeal == Appeal.UPHELD
                    else f"The audit outcome stands: registration {audit.number} has lapsed. "
                    "You can be reinstated within 12 months with the PPD you missed."
                )
            ]
        else:
            subject = f"Your {audit.year} PPD audit: {outcome}"
            lines = [f"The audit of your PPD record for registration {audit.number} has been decided: {outcome}."]
            if audit.outcome == DEFERRED:
                lines.append(f"Please send an improved PPD profile by {audit.profile_due}.")
            if audit.outcome == NOT_RENEWED:
                lines.append(
                    f"You may appeal until {audit.appeal_by}. Your registration stays as it is until then "
                    "and while an appeal is heard; otherwise it lapses."
                )
        if reasons:
            lines.append(f"Reasons: {reasons}")
        if audit.judgements and audit.ended_on is None:
            lines.append(
                "The assessor's judgement: "
                + "; ".join(
                    f"{rules.audit_standard_names.get(s, s)}: {rules.judgement_names.get(j, j)}"
                    for s, j in audit.judgements.items()
                )
                + "."
            )
            lines.append(self.vault.open(audit.feedback) or "No written feedback.")
        return self._letter(audit.registrant_id, "audit letter", audit, subject, "\n\n".join(lines))
