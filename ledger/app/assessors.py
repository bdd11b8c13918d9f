"""Assessors: appointed, and standing down (which ends their open assignments and their account)."""

from __future__ import annotations

from uuid import UUID

from ledger.app.wiring import LedgerBase, _name, command
from ledger.domain.aggregates import (
    Application,
    Assessor,
    Registrant,
)
from ledger.domain.errors import RuleBroken


class Assessors(LedgerBase):
    @command
    def appoint_assessor(self, name: str | None, registrant_id: UUID | None = None) -> UUID:
        """Appoint an assessor: a person on the register (``registrant_id``; their name is the register's when
        none is given) or someone named here. A registrant already serving as an assessor is not appointed twice."""
        if registrant_id is not None:
            registrant = self._get(Registrant, registrant_id, "registrant")
            if registrant.erased:
                raise RuleBroken("this registrant's personal data was erased; they cannot be appointed")
            for event in self.events_of(Assessor.Appointed):
                if event.registrant_id == registrant_id and self._get(Assessor, event.originator_id, "assessor").active:
                    raise RuleBroken("this person is already an assessor")
            if name is None or not str(name).strip():
                name = self.vault.open(registrant.name)
        name = _name("name", name)
        assessor_id = self._new_id()
        self.vault.create_key(assessor_id)
        assessor = Assessor(
            id=assessor_id,
            name=self.vault.seal(assessor_id, name),
            registrant_id=registrant_id,
            occurred_at=self._now(),
        )
        self._commit(assessor)
        return assessor.id

    @command
    def stand_down_assessor(self, assessor_id: UUID) -> None:
        """The assessor stands down: their assignments to open applications end (the registrar assigns another),
        and their account can no longer sign in or act, at once."""
        assessor = self._get(Assessor, assessor_id, "assessor")
        assessor.stand_down(occurred_at=self._now())
        released = []
        for application_id in self._assigned_to(assessor_id):
            application = self._get(Application, application_id, "application")
            if application.release_assessor(assessor_id, occurred_at=self._now()):
                released.append(application)
        self._commit(assessor, *released)

        def disable_account() -> None:
            from ledger.app.accounts import Accounts

            Accounts(self.engine).disable_assessor(assessor_id)

        self._after_save(disable_account)

    def _assigned_to(self, assessor_id: UUID) -> list[UUID]:
        """The applications an assessor was ever assigned to, from the events (every assignment naming them, before
        and since assessors accepted for themselves): not from a read model, which may not have seen the latest
        assignment yet."""
        found: list[UUID] = []
        for kind in (Application.AssessorAssigned, Application.AssessorInvited):
            for event in self.events_of(kind):
                if event.assessor_id == assessor_id and event.originator_id not in found:
                    found.append(event.originator_id)
        return found

    def assessor(self, assessor_id: UUID) -> Assessor:
        return self._get(Assessor, assessor_id, "assessor")
