"""The registrants' commands and queries: enrolment, details, name changes by request, background answers,
erasure (crypto-shredding)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from ledger.app.wiring import LedgerBase, _name, _text, command
from ledger.domain import background, regnumber
from ledger.domain.aggregates import (
    Registrant,
    Registration,
    RegistrationNumberClaim,
)
from ledger.domain.aggregates.registrant import LISTINGS
from ledger.domain.errors import InvalidInput, NotFound, RuleBroken
from ledger.domain.framework import FrameworkError
from ledger.domain.statuses import Listing


class Registrants(LedgerBase):
    @command
    def enrol(
        self,
        name: str,
        email: str,
        disciplines: list[str],
        background_answers: dict[str, str] | None = None,
        listing: str = Listing.LISTED,
    ) -> UUID:
        name = _name("name", name)
        email = self._check_email(email)
        disciplines = self._check_disciplines(disciplines)
        answers = background.check_answers(background_answers)
        if listing not in LISTINGS:
            raise InvalidInput("listing", "expected one of " + ", ".join(LISTINGS))
        registrant_id = self._new_id()
        self.vault.create_key(registrant_id)
        registrant = Registrant(
            id=registrant_id,
            name=self.vault.seal(registrant_id, name),
            email=self.vault.seal(registrant_id, email),
            disciplines=disciplines,
            background=self.vault.seal_json(registrant_id, answers),
            listing=listing,
            occurred_at=self._now(),
        )
        self._commit(registrant)
        return registrant.id

    def _check_disciplines(self, disciplines: Any) -> list[str]:
        if not isinstance(disciplines, list) or not disciplines:
            raise InvalidInput("disciplines", "give at least one discipline")
        for code in disciplines:
            try:
                self.framework.discipline(code)
            except FrameworkError as error:
                raise InvalidInput("disciplines", str(error)) from None
        return sorted(set(disciplines))

    @command
    def change_details(
        self,
        registrant_id: UUID,
        *,
        name: str | None = None,
        email: str | None = None,
        disciplines: list[str] | None = None,
        listing: str | None = None,
    ) -> None:
        registrant = self._get(Registrant, registrant_id, "registrant")
        changes: dict[str, Any] = {}
        if name is not None:
            if not registrant.erased and self._registration_of(registrant_id) is not None:
                raise RuleBroken(
                    "a registered person's name changes by request: send the new name with evidence "
                    "(a deed poll, marriage certificate or passport) and the registrar decides"
                )
            changes["name"] = self._seal(registrant_id, "name", _name("name", name))
        if email is not None:
            changes["email"] = self._seal(registrant_id, "email", self._check_email(email))
        if disciplines is not None:
            changes["disciplines"] = self._check_disciplines(disciplines)
        if listing is not None:
            if listing not in LISTINGS:
                raise InvalidInput("listing", "expected one of " + ", ".join(LISTINGS))
            changes["listing"] = listing
        registrant.change_details(changes, occurred_at=self._now())
        self._commit(registrant)

    @command
    def request_name_change(self, registrant_id: UUID, name: str, evidence: str) -> None:
        """A registered person asks for their name to change; the registrar approves or refuses it."""
        registrant = self._get(Registrant, registrant_id, "registrant")
        new_name = _name("name", name)
        if self.vault.open(registrant.name) == new_name:
            raise InvalidInput("name", "is the name already on the register")
        registrant.request_name_change(
            self._seal(registrant_id, "name", new_name),
            self._seal(registrant_id, "evidence", _text("evidence", evidence, max_length=2000)),
            occurred_at=self._now(),
        )
        self._commit(registrant)

    @command
    def decide_name_change(self, registrant_id: UUID, approved: bool, reason: str, by: str) -> None:
        registrant = self._get(Registrant, registrant_id, "registrant")
        sealed = self._seal(registrant_id, "reason", _text("reason", reason, max_length=2000, required=False) or None)
        registrant.decide_name_change(bool(approved), sealed, by, occurred_at=self._now())
        self._commit(registrant)

    @command
    def answer_background(self, registrant_id: UUID, answers: dict[str, str] | None) -> None:
        registrant = self._get(Registrant, registrant_id, "registrant")
        sealed = (
            self.vault.seal_json(registrant_id, background.check_answers(answers)) if not registrant.erased else None
        )
        registrant.answer_background(sealed, occurred_at=self._now())
        self._commit(registrant)

    @command
    def erase(self, registrant_id: UUID, by: str) -> None:
        """Crypto-shredding: record the erasure, then destroy the registrant's data key."""
        registrant = self._get(Registrant, registrant_id, "registrant")
        registrant.erase(by=by, occurred_at=self._now())
        self._commit(registrant)

        def shred() -> None:
            from ledger.app.accounts import Accounts
            from ledger.app.blobs import BlobStore
            from ledger.app.holder_keys import HolderKeys

            self.vault.shred(registrant_id)
            HolderKeys(self.engine, self.vault).delete(registrant_id)  # their presentations' key
            Accounts(self.engine).delete_registrant(registrant_id)  # the account (an email) goes too
            BlobStore(self.settings.evidence_path).delete_owner(registrant_id)  # and their evidence files

        self._after_save(shred)

    def registrant(self, registrant_id: UUID) -> Registrant:
        return self._get(Registrant, registrant_id, "registrant")

    def registrant_by_number(self, number: str) -> UUID:
        """The registrant holding a registration number (typed by a person: the check digits are checked)."""
        try:
            canonical = regnumber.parse_number(number)
        except regnumber.InvalidRegistrationNumber as error:
            raise InvalidInput("registration_number", str(error)) from None
        try:
            claim = self._get(RegistrationNumberClaim, RegistrationNumberClaim.id_for(canonical), "registration")
        except NotFound:
            raise NotFound(f"no registration numbered {canonical}") from None
        return self._get(Registration, claim.registration_id, "registration").registrant_id

    def resolve_registrant(self, number_or_id: str) -> UUID:
        """A registrant from a registration number or a registrant id, as typed on the command line."""
        if regnumber.looks_like_number(number_or_id):
            return self.registrant_by_number(number_or_id)
        try:
            registrant_id = UUID(number_or_id.strip())
        except ValueError:
            raise InvalidInput("registrant", f"{number_or_id!r} is neither a registration number nor an id") from None
        self._get(Registrant, registrant_id, "registrant")
        return registrant_id
