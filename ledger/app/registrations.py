"""Registrations: PPD, renewal, lapse, suspension, removal, resignation, reinstatement, career breaks, the daily
tick's commands, and re-issuing credentials after a key compromise."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from uuid import UUID

from ledger.app.letters import Letters
from ledger.app.wiring import _text, command
from ledger.domain.aggregates import (
    Registration,
)
from ledger.domain.aggregates.ppd_audit import PpdAudit
from ledger.domain.errors import InvalidInput, RuleBroken
from ledger.domain.statuses import Appeal


def _day(day: date) -> str:
    """A date as a letter says it: 12 March 2026."""
    return f"{day.day} {day:%B %Y}"


class Registrations(Letters):
    @command
    def record_ppd(
        self, registrant_id: UUID, on: date, category: str, hours: float, areas: list[str], learned: str, impact: str
    ) -> UUID:
        registration = self._live_registration(registrant_id)
        if not isinstance(hours, (int, float)) or isinstance(hours, bool):
            raise InvalidInput("hours", "give the hours as a number")
        if not isinstance(areas, list):
            raise InvalidInput("areas", "give a list of competency area codes")
        activity_id = self._new_id()
        registration.record_ppd(
            activity_id,
            on,
            category,
            hours,
            areas,
            self._seal(registrant_id, "learned", _text("learned", learned)),
            self._seal(registrant_id, "impact", _text("impact", impact)),
            self._today(),
            self.framework.rules,
            {a.code for a in self.framework.required_areas(registration.level or "")},  # the level held's areas
            self.framework.version,
            occurred_at=self._now(),
        )
        self._commit(registration)
        return activity_id

    @command
    def submit_renewal(
        self,
        registrant_id: UUID,
        declaration: str = "I declare that my PPD record is true and "
        "complete and that I continue to practise to the standard of my level.",
    ) -> None:
        registration = self._live_registration(registrant_id)
        registration.submit_renewal(
            _text("declaration", declaration, max_length=2000),
            self._today(),
            self.framework.rules,
            self.framework.version,
            occurred_at=self._now(),
        )
        self._commit(registration)

    @command
    def renew(self, registrant_id: UUID, by: str) -> date:
        registration = self._live_registration(registrant_id)
        self._check_no_audit_blocks_renewal(registration)
        registration.renew(by, self._today(), self.framework.rules, self.framework.version, occurred_at=self._now())
        self._commit(registration)
        assert registration.valid_until is not None
        return registration.valid_until

    def _check_no_audit_blocks_renewal(self, registration: Registration) -> None:
        for selection in registration.audits:
            audit = self._get(PpdAudit, PpdAudit.id_for(registration.id, selection["year"]), "PPD audit")
            if audit.blocks_renewal:
                raise RuleBroken(
                    f"the {audit.year} PPD audit was decided 'not renewed'"
                    + (
                        ": the appeal is being heard"
                        if audit.appeal == Appeal.PENDING
                        else f"; it takes effect after {audit.appeal_by} unless appealed"
                    )
                )

    @command
    def lapse(self, registrant_id: UUID) -> None:
        registration = self._live_registration(registrant_id)
        registration.lapse(self._today(), self.framework.rules, self.framework.version, occurred_at=self._now())
        self._commit(registration)

    @command
    def suspend(self, registrant_id: UUID, reason: str, by: str, until: date | None = None) -> None:
        """Suspend a registration, for a reason the registrant is told (in a letter saved with the suspension),
        until a date or until the registrar lifts it."""
        registration = self._live_registration(registrant_id)
        reason = _text("reason", reason, max_length=2000)
        registration.suspend(
            self._seal(registrant_id, "reason", reason), until, self._today(), by, occurred_at=self._now()
        )
        ends = f"until {_day(until)}" if until else "until the registrar lifts it"
        letter = self._letter(
            registrant_id,
            "suspension letter",
            registration,
            "Your registration is suspended",
            f"Your registration {registration.number} is suspended from {_day(self._today())}, {ends}.\n\n"
            f"The reason: {reason}\n\n"
            "Your credential is withdrawn: anyone who checks it, or its QR badge, is told it is not valid, and you "
            "cannot apply for another level while suspended. When the suspension ends you get a new credential to "
            "share (the one you have stays withdrawn). If you think the suspension is wrong, or you can put right "
            "what caused it, reply to this letter: the registrar will consider what you send.",
        )
        self._commit(registration, *([letter] if letter else []))

    @command
    def lift_suspension(self, registrant_id: UUID, by: str) -> None:
        registration = self._live_registration(registrant_id)
        registration.lift_suspension(self._today(), by, occurred_at=self._now())
        letter = self._letter(
            registrant_id,
            "suspension lifted",
            registration,
            "The suspension of your registration is lifted",
            f"The suspension of your registration {registration.number} was lifted on {_day(self._today())}.\n\n"
            "We are signing a new credential for you: the one you had stays withdrawn. Download the new credential "
            f"and QR badge from {self.settings.issuer_url.rstrip('/')}/r/{registration.number} and replace every "
            "copy you have shared (profiles, email signatures, printed badges).",
        )
        self._commit(registration, *([letter] if letter else []))

    @command
    def remove(self, registrant_id: UUID, reason: str, by: str) -> None:
        """Remove a registration from the register, for a reason the registrant is told (in a letter saved with the
        removal)."""
        registration = self._live_registration(registrant_id)
        reason = _text("reason", reason, max_length=2000)
        registration.remove(self._seal(registrant_id, "reason", reason), self._today(), by, occurred_at=self._now())
        letter = self._letter(
            registrant_id,
            "removal letter",
            registration,
            "You have been removed from the register",
            f"Your registration {registration.number} was removed from the register on {_day(self._today())}."
            f"\n\nThe reason: {reason}\n\n"
            "Your credential is withdrawn: anyone who checks it is told it is not valid, so please stop using it "
            "and its QR badge. "
            "If you think the removal is wrong, reply to this letter within 28 days and the registrar will review it.",
        )
        self._commit(registration, *([letter] if letter else []))

    @command
    def resign(self, registrant_id: UUID) -> None:
        registration = self._live_registration(registrant_id)
        registration.resign(self._today(), occurred_at=self._now())
        self._commit(registration)

    @command
    def reinstate(self, registrant_id: UUID, by: str) -> date:
        registration = self._live_registration(registrant_id)
        registration.reinstate(self._today(), by, self.framework.rules, self.framework.version, occurred_at=self._now())
        self._commit(registration)
        assert registration.valid_until is not None
        return registration.valid_until

    @command
    def take_career_break(self, registrant_id: UUID, start: date, end: date) -> None:
        """A career break (up to the framework's limit, 3 years): the PPD requirement is paused for renewals whose
        period it overlaps."""
        for name, value in (("start", start), ("end", end)):
            if not isinstance(value, date) or isinstance(value, datetime):
                raise InvalidInput(name, "give a date (YYYY-MM-DD)")
        registration = self._live_registration(registrant_id)
        registration.take_career_break(start, end, self._today(), self.framework.rules, occurred_at=self._now())
        self._commit(registration)

    @command
    def send_reminder(self, registrant_id: UUID, days_before: int) -> None:
        registration = self._live_registration(registrant_id)
        registration.remind(days_before, self._today(), occurred_at=self._now())
        self._commit(registration)

    @command
    def mark_overdue(self, registrant_id: UUID) -> None:
        registration = self._live_registration(registrant_id)
        registration.mark_overdue(self._today(), occurred_at=self._now())
        self._commit(registration)

    @command
    def select_for_audit(self, registrant_id: UUID, year: int, seed: str) -> UUID:
        """Selected in the year's sample: the selection and the audit, whose profile is due in the framework's
        number of days, are saved together."""
        registration = self._live_registration(registrant_id)
        registration.select_for_audit(year, seed, occurred_at=self._now())
        audit = PpdAudit(
            registration_id=registration.id,
            registrant_id=registrant_id,
            number=registration.number,
            year=year,
            seed=seed,
            profile_due=self._today() + timedelta(days=self.framework.rules.audit_profile_days),
            occurred_at=self._now(),
        )
        self._commit(registration, audit)
        return audit.id

    def registration(self, registrant_id: UUID) -> Registration:
        return self._live_registration(registrant_id)

    def reissue_after_compromise(self, kid: str) -> int:
        """Every current registration whose newest credential was signed with ``kid`` (now compromised) gets a fresh
        credential (the issuer signs it with the active key) and a letter telling the holder to fetch it. Safe to
        run again: a registration already re-issued for this key is skipped. Returns how many were re-issued."""
        from ledger.domain.aggregates import Credential

        newest: dict[UUID, tuple[int, tuple[str, str | None]]] = {}
        # from the events, not a read model that may lag behind the newest credential; either of its two signing
        # keys (the vc+jwt's and the Open Badges 3.0 form's) condemns it
        for event in self.events_of(Credential.Issued):
            if event.trigger_version >= newest.get(event.registration_id, (-1, ("", None)))[0]:
                newest[event.registration_id] = (event.trigger_version, (event.kid, event.ob3_kid))
        reissued = 0
        for registration_id, (_, signed_with) in newest.items():
            if kid in signed_with and self._reissue(registration_id, kid):
                reissued += 1
        return reissued

    @command
    def _reissue(self, registration_id: UUID, kid: str) -> bool:
        registration = self._get(Registration, registration_id, "registration")
        if not registration.is_live or registration.reissued_for(kid):
            return False
        registration.reissue(
            "the key that signed the credential was reported compromised", kid, occurred_at=self._now()
        )
        url = f"{self.settings.issuer_url.rstrip('/')}/r/{registration.number}"
        letter = self._letter(
            registration.registrant_id,
            "reissue",
            registration,
            "Your credential has been re-issued: please fetch the new one",
            "The key the register used to sign your credential can no longer be trusted, so we "
            "have signed a new credential for you. Your registration itself has not changed.\n\n"
            f"Download the new credential and QR badge from {url} and replace every copy you "
            "have shared (profiles, email signatures, printed badges): the old one now shows as "
            "not valid.",
        )
        self._commit(registration, *([letter] if letter is not None else []))
        return True

    @command
    def revoke_requested_credential(self, credential_id: UUID, by: str) -> None:
        """Revoke a credential signed through the VC API (its revocation bit is set at the next publication)."""
        from ledger.domain.aggregates import RequestedCredential

        record = self._get(RequestedCredential, credential_id, "credential")
        record.revoke(by=by, occurred_at=self._now())
        self._commit(record)
