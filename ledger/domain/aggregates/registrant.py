"""A registrant: a person known to the register, with sealed personal details and a public-listing choice."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from ledger.domain.aggregates.base import LedgerAggregate
from ledger.domain.errors import RuleBroken
from ledger.domain.sealed import Sealed
from ledger.domain.statuses import Listing

LISTED = Listing.LISTED
VERIFY_ONLY = Listing.VERIFY_ONLY
LISTINGS = tuple(Listing)


class Registrant(LedgerAggregate):
    class Event(LedgerAggregate.Event):
        """Every event of a registrant."""

    class Enrolled(LedgerAggregate.Created):
        """Version 2 added the public-listing choice; version 1 enrolments were all listed."""

        name: Sealed
        email: Sealed
        disciplines: list[str]
        background: Sealed | None
        listing: str
        occurred_at: datetime
        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["listing"] = LISTED

    @event(Enrolled)
    def __init__(
        self,
        id: UUID,  # noqa: A002 - chosen by the Ledger (seeded in the demo); applied by the library
        name: Sealed,
        email: Sealed,
        disciplines: list[str],
        background: Sealed | None,
        listing: str,
        occurred_at: datetime,
    ) -> None:
        self.name = name
        self.email = email
        self.disciplines = list(disciplines)
        self.background = background
        self.listing = listing
        self.enrolled_at = occurred_at
        self.erased = False
        self.applications: list[UUID] = []
        self.name_request: Sealed | None = None  # a name change waiting for the registrar

    # -- rules
    def _must_not_be_erased(self) -> None:
        if self.erased:
            raise RuleBroken("this registrant's personal data was erased; the record can no longer change")

    def change_details(self, changes: dict[str, Any], occurred_at: datetime) -> None:
        self._must_not_be_erased()
        if not changes:
            raise RuleBroken("nothing to change: give at least one of name, email, disciplines, listing")
        self._details_changed(changes=changes, occurred_at=occurred_at)

    def request_name_change(self, name: Sealed, evidence: Sealed, occurred_at: datetime) -> None:
        """A registered person's name changes only when the registrar approves a request, with evidence."""
        self._must_not_be_erased()
        if self.name_request is not None:
            raise RuleBroken("a name change is already waiting for the registrar; withdraw it or wait for the decision")
        self._name_change_requested(name=name, evidence=evidence, occurred_at=occurred_at)

    def decide_name_change(self, approved: bool, reason: Sealed | None, by: str, occurred_at: datetime) -> None:
        self._must_not_be_erased()
        if self.name_request is None:
            raise RuleBroken("there is no name change waiting for a decision")
        self._name_change_decided(approved=approved, reason=reason, by=by, occurred_at=occurred_at)

    def answer_background(self, background: Sealed | None, occurred_at: datetime) -> None:
        self._must_not_be_erased()
        self._background_answered(background=background, occurred_at=occurred_at)

    @property
    def latest_application(self) -> UUID | None:
        return self.applications[-1] if self.applications else None

    def record_application(self, application_id: UUID, occurred_at: datetime) -> None:
        """The registrant's list of applications: the Ledger checks the latest is closed before a new one opens,
        and saving this event with the new application makes two racing starts conflict."""
        self._must_not_be_erased()
        self._application_started(application_id=application_id, occurred_at=occurred_at)

    def erase(self, by: str, occurred_at: datetime) -> None:
        if self.erased:
            raise RuleBroken("this registrant was already erased")
        self._erased(by=by, occurred_at=occurred_at)

    # -- events: each declared with its stored fields, then applied to the state (and only that: see the package)
    class DetailsChanged(Event):
        changes: dict[str, Any]  # name, email (sealed), disciplines, listing
        occurred_at: datetime

    @event(DetailsChanged)
    def _details_changed(self, changes: dict[str, Any], occurred_at: datetime) -> None:
        for field, value in changes.items():
            setattr(self, field, value)

    class NameChangeRequested(Event):
        name: Sealed
        evidence: Sealed
        occurred_at: datetime

    @event(NameChangeRequested)
    def _name_change_requested(self, name: Sealed, evidence: Sealed, occurred_at: datetime) -> None:
        self.name_request = name

    class NameChangeDecided(Event):
        approved: bool
        reason: Sealed | None
        by: str
        occurred_at: datetime

    @event(NameChangeDecided)
    def _name_change_decided(self, approved: bool, reason: Sealed | None, by: str, occurred_at: datetime) -> None:
        if approved and self.name_request is not None:  # approved is only ever decided on a waiting request
            self.name = self.name_request
        self.name_request = None

    class BackgroundAnswered(Event):
        background: Sealed | None
        occurred_at: datetime

    @event(BackgroundAnswered)
    def _background_answered(self, background: Sealed | None, occurred_at: datetime) -> None:
        self.background = background

    class ApplicationStarted(Event):
        application_id: UUID
        occurred_at: datetime

    @event(ApplicationStarted)
    def _application_started(self, application_id: UUID, occurred_at: datetime) -> None:
        self.applications.append(application_id)

    class Erased(Event):
        by: str
        occurred_at: datetime

    @event(Erased)
    def _erased(self, by: str, occurred_at: datetime) -> None:
        self.erased = True
