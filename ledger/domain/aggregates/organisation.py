"""An organisation: an employer or client that registrants choose to link their registration to.

Why the people are held here and again on the registrant's side (``organisation_link.OrganisationLink``): the two
questions asked most are "whom has this organisation got?" (its page, its bulk checks, and next its suppressed
analyses and status letters) and "which organisations has this person let in?" (their page). Each is then one
aggregate read, with no index to keep and no projection to wait for; and the rules (no second link, only to an
open organisation) are checked on state that is current when the command runs. Both aggregates change in one save,
so they cannot disagree; two people linking to the same organisation at once conflict on it and the command runs
again (``ledger.app.wiring.command``).

The id is derived from the organisation's public code (``ORG-XXXXXX``), as a registration number's claim is: the
event store itself refuses a second organisation with the same code, and the code finds the organisation without a
search.

What this carries for the next pieces of the employers' work:
- suppressed analyses for linked people: ``members`` is the population (the statistics projection filters its rows
  by these registrant ids; suppression is unchanged, the base is smaller, so more cells are suppressed);
- status letters: a follower on ``Registration.Suspended``/``Lapsed``/``Resigned``/``Removed``
  (``ledger.processes.watch``) reads the registrant's ``OrganisationLink`` as it stood then and writes a letter to
  each linked organisation's contact;
- signed webhooks: ``WebhookSet`` (the url, and a signing secret sealed under the organisation's own data key: the
  event store never holds it in the clear, and it is shown to the organisation once) and ``WebhookRemoved``;
  deliveries are a table the worker works through (``ledger.processes.webhooks``), as letters are an outbox.

The contact email may name a person (``jo.smith@firm.example``), so it is sealed under the organisation's own data
key, as a registrant's is under theirs; the name of an organisation is public.
"""

from __future__ import annotations

from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from ledger.domain.aggregates.base import LedgerAggregate
from ledger.domain.errors import RuleBroken
from ledger.domain.sealed import Sealed

CODE_NAMESPACE = uuid5(NAMESPACE_URL, "https://regledger.invalid/organisation-code")


class Organisation(LedgerAggregate):
    @staticmethod
    def create_id(code: str) -> UUID:
        return uuid5(CODE_NAMESPACE, code)

    id_for = create_id

    class Event(LedgerAggregate.Event):
        """Every event of an organisation."""

    class Registered(LedgerAggregate.Created):
        code: str
        name: str
        contact_email: Sealed
        by: str
        occurred_at: datetime

    @event(Registered)
    def __init__(self, code: str, name: str, contact_email: Sealed, by: str, occurred_at: datetime) -> None:
        self.code = code
        self.name = name
        self.contact_email = contact_email
        self.registered_at = occurred_at
        self.closed_at: datetime | None = None
        self.members: dict[UUID, datetime] = {}  # registrant id -> when they linked
        self.webhook_url: str | None = None
        self.webhook_secret: Sealed | None = None
        self.webhook_set_at: datetime | None = None

    @property
    def open(self) -> bool:
        return self.closed_at is None

    # -- rules
    def _must_be_open(self) -> None:
        if not self.open:
            raise RuleBroken(f"the organisation {self.name} ({self.code}) is closed")

    def rename(self, name: str, by: str, occurred_at: datetime) -> None:
        self._must_be_open()
        if name == self.name:
            raise RuleBroken(f"the organisation is already called {name}")
        self._renamed(name=name, by=by, occurred_at=occurred_at)

    def close(self, reason: str, by: str, occurred_at: datetime) -> None:
        self._must_be_open()
        self._closed(reason=reason, by=by, occurred_at=occurred_at)

    def admit(self, registrant_id: UUID, occurred_at: datetime) -> None:
        """A registrant links to this organisation (their own side is checked on their ``OrganisationLink``)."""
        self._must_be_open()
        if registrant_id in self.members:
            raise RuleBroken(f"you are already linked to {self.name} ({self.code})")
        self._linked(registrant_id=registrant_id, occurred_at=occurred_at)

    def release(self, registrant_id: UUID, by: str, occurred_at: datetime) -> None:
        if registrant_id not in self.members:
            raise RuleBroken(f"you are not linked to {self.name} ({self.code})")
        self._unlinked(registrant_id=registrant_id, by=by, occurred_at=occurred_at)

    def set_webhook(self, url: str, secret: Sealed, by: str, occurred_at: datetime) -> None:
        """Status changes of linked people are also posted to ``url``, signed with ``secret`` (a new secret each
        time: it replaces the old one, which stops being accepted by a receiver that checks signatures)."""
        self._must_be_open()
        self._webhook_set(url=url, secret=secret, by=by, occurred_at=occurred_at)

    def remove_webhook(self, by: str, occurred_at: datetime) -> None:
        if self.webhook_url is None:
            raise RuleBroken(f"{self.name} ({self.code}) has no webhook to remove")
        self._webhook_removed(by=by, occurred_at=occurred_at)

    # -- events
    class WebhookSet(Event):
        url: str
        secret: Sealed  # under the organisation's own key: shown once, read again only to sign deliveries
        by: str
        occurred_at: datetime

    @event(WebhookSet)
    def _webhook_set(self, url: str, secret: Sealed, by: str, occurred_at: datetime) -> None:
        self.webhook_url, self.webhook_secret, self.webhook_set_at = url, secret, occurred_at

    class WebhookRemoved(Event):
        by: str
        occurred_at: datetime

    @event(WebhookRemoved)
    def _webhook_removed(self, by: str, occurred_at: datetime) -> None:
        self.webhook_url, self.webhook_secret, self.webhook_set_at = None, None, None

    class Renamed(Event):
        name: str
        by: str
        occurred_at: datetime

    @event(Renamed)
    def _renamed(self, name: str, by: str, occurred_at: datetime) -> None:
        self.name = name

    class Closed(Event):
        reason: str
        by: str
        occurred_at: datetime

    @event(Closed)
    def _closed(self, reason: str, by: str, occurred_at: datetime) -> None:
        self.closed_at = occurred_at

    class Linked(Event):
        registrant_id: UUID
        occurred_at: datetime

    @event(Linked)
    def _linked(self, registrant_id: UUID, occurred_at: datetime) -> None:
        self.members[registrant_id] = occurred_at

    class Unlinked(Event):
        registrant_id: UUID
        by: str
        occurred_at: datetime

    @event(Unlinked)
    def _unlinked(self, registrant_id: UUID, by: str, occurred_at: datetime) -> None:
        self.members.pop(registrant_id, None)
