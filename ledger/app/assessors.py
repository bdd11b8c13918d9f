"""Assessors: appointed, and standing down (which ends their open assignments and their account)."""

from __future__ import annotations

from uuid import UUID

from ledger.app.wiring import LedgerBase, _name, command
from ledger.domain.aggregates import (
    Application,
    Assessor,
    Registrant,
)


class Assessors(LedgerBase):
    @command
    def appoint_assessor(self, name: str, registrant_id: UUID | None = None) -> UUID:
        name = _name("name", name)
        if registrant_id is not None:
            self._get(Registrant, registrant_id, "registrant")
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
        """The open applications an assessor is assigned to, from the events (every AssessorAssigned naming them):
        not from a read model, which may not have seen the latest assignment yet."""
        found: list[UUID] = []
        for event in self.events_of(Application.AssessorAssigned):
            if event.assessor_id == assessor_id and event.originator_id not in found:
                found.append(event.originator_id)
        return found

    def assessor(self, assessor_id: UUID) -> Assessor:
        return self._get(Assessor, assessor_id, "assessor")
