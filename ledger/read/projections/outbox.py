"""The outbox: every letter queued, and where its sending stands (no personal data: address and text stay sealed in
the events)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, DateTime, Integer, String, Table

from ledger.app.db import metadata
from ledger.domain.aggregates import Mail
from ledger.domain.statuses import MailStatus
from ledger.read.projections.base import Projection, key

outbox = Table(
    "outbox",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("registrant_id", String(32), nullable=False, index=True),
    Column("kind", String(32), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("status", String(16), nullable=False, index=True),
    Column("attempts", Integer, nullable=False),
    Column("message_id", String(200), nullable=True),
    Column("queued_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)


class OutboxProjection(Projection):
    name = "outbox"
    tables = (outbox,)
    handlers = {
        Mail.Queued: "queued",
        Mail.Sending: "sending",
        Mail.Sent: "sent",
        Mail.Failed: "failed",
    }

    def prefetch(self, events: list[Any]) -> None:
        self.rows["outbox"].want(key(e.originator_id) for e in events if not isinstance(e, Mail.Queued))

    def queued(self, e: Any) -> None:
        self.put(
            "outbox",
            {
                "id": key(e.originator_id),
                "registrant_id": key(e.registrant_id),
                "kind": e.kind,
                "subject": e.subject,
                "status": MailStatus.QUEUED,
                "attempts": 0,
                "message_id": None,
                "queued_at": e.occurred_at,
                "updated_at": e.occurred_at,
            },
        )

    def sending(self, e: Any) -> None:
        self.update(
            "outbox",
            key(e.originator_id),
            status=MailStatus.SENDING,
            attempts=e.attempt,
            message_id=e.message_id,
            updated_at=e.occurred_at,
        )

    def sent(self, e: Any) -> None:
        self.update("outbox", key(e.originator_id), status=MailStatus.SENT, updated_at=e.occurred_at)

    def failed(self, e: Any) -> None:
        self.update("outbox", key(e.originator_id), status=MailStatus.FAILED, updated_at=e.occurred_at)
