"""A letter to a registrant, in the outbox. It is queued in the same save (so the same transaction) as the events
that call for it, and its id is derived from that cause, so the same cause never queues two letters. The sender
records each attempt before it talks to the mail server: after a crash, a letter caught between the two is never
sent again blindly (it would arrive twice if the server had already taken it), but reported for a person to check.
The address and the text are sealed with the registrant's key: an erasure shreds them."""

from __future__ import annotations

from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from ledger.domain.aggregates.base import LedgerAggregate
from ledger.domain.errors import RuleBroken
from ledger.domain.sealed import Sealed
from ledger.domain.statuses import MailStatus

MAIL_NAMESPACE = uuid5(NAMESPACE_URL, "https://regledger.invalid/mail")
QUEUED, SENDING, SENT, FAILED = MailStatus.QUEUED, MailStatus.SENDING, MailStatus.SENT, MailStatus.FAILED


class Mail(LedgerAggregate):
    @staticmethod
    def id_for(cause_id: UUID, cause_version: int, kind: str) -> UUID:
        """One letter of a kind per cause: the id of the aggregate whose event calls for it, and that version."""
        return uuid5(MAIL_NAMESPACE, f"{cause_id.hex}/{cause_version}/{kind}")

    class Event(LedgerAggregate.Event):
        """Every event of a letter."""

    class Queued(LedgerAggregate.Created):
        registrant_id: UUID
        kind: str
        to: Sealed
        subject: str
        body: Sealed
        occurred_at: datetime

    @event(Queued)
    def __init__(
        self, id: UUID, registrant_id: UUID, kind: str, to: Sealed, subject: str, body: Sealed, occurred_at: datetime
    ) -> None:
        self.registrant_id, self.kind, self.to, self.subject, self.body = registrant_id, kind, to, subject, body
        self.status = QUEUED
        self.attempts = 0
        self.message_id: str | None = None

    def start_sending(self, message_id: str, occurred_at: datetime) -> None:
        if self.status not in (QUEUED, FAILED):
            raise RuleBroken(f"this letter is {self.status}: it is not sent again")
        self._sending(message_id=message_id, attempt=self.attempts + 1, occurred_at=occurred_at)

    def delivered(self, occurred_at: datetime) -> None:
        if self.status != SENDING:
            raise RuleBroken(f"this letter is {self.status}, not being sent")
        self._sent(occurred_at=occurred_at)

    def fail(self, error: str, occurred_at: datetime) -> None:
        if self.status != SENDING:
            raise RuleBroken(f"this letter is {self.status}, not being sent")
        self._failed(error=error[:500], occurred_at=occurred_at)

    class Sending(Event):
        message_id: str
        attempt: int
        occurred_at: datetime

    @event(Sending)
    def _sending(self, message_id: str, attempt: int, occurred_at: datetime) -> None:
        self.status, self.message_id, self.attempts = SENDING, message_id, attempt

    class Sent(Event):
        occurred_at: datetime

    @event(Sent)
    def _sent(self, occurred_at: datetime) -> None:
        self.status = SENT

    class Failed(Event):
        error: str
        occurred_at: datetime

    @event(Failed)
    def _failed(self, error: str, occurred_at: datetime) -> None:
        self.status = FAILED
