"""The account outbox: letters about accounts (confirm your email, reset your password, your invitation, someone
tried to use your email). Accounts are operational data, not register history, so these are rows, not ``Mail``
events; the mailer (``ledger.processes.mailer``) sends them in the same pass as the register's letters, with the
same care: the attempt is recorded (``sending``, with its Message-ID) before the server is contacted, the outcome
after; a letter found still ``sending`` is not sent again (the server may have it). A sent letter's body is blanked,
since its link is a secret that works until used or expired."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from ledger.app.account_tables import account_letters

MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class AccountLetter:
    id: str
    kind: str
    to: str
    subject: str
    body: str


def queue_letter(conn: Connection, kind: str, to: str, subject: str, body: str) -> str:
    """A letter in the outbox, in the caller's transaction (with the change that called for it)."""
    letter_id = secrets.token_hex(16)
    conn.execute(
        insert(account_letters).values(
            id=letter_id,
            kind=kind,
            to=to,
            subject=subject,
            body=body,
            status="queued",
            attempts=0,
            queued_at=datetime.now(UTC),
        )
    )
    return letter_id


class AccountOutbox:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def due(self) -> tuple[list[AccountLetter], list[str]]:
        """The letters to send now (queued, or failed fewer than five times), and the Message-IDs of letters left
        ``sending`` by an interrupted run (not sent again)."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(account_letters)
                .where(
                    account_letters.c.status.in_(("queued", "failed", "sending")),
                    account_letters.c.attempts < MAX_ATTEMPTS,
                )
                .order_by(account_letters.c.queued_at)
            ).all()
        due = [AccountLetter(r.id, r.kind, r.to, r.subject, r.body or "") for r in rows if r.status != "sending"]
        return due, [r.message_id or r.id for r in rows if r.status == "sending"]

    def sending(self, letter_id: str, message_id: str) -> bool:
        """Record the attempt before the server hears of it; False if another sender took the letter first."""
        with self.engine.begin() as conn:
            return (
                conn.execute(
                    update(account_letters)
                    .where(account_letters.c.id == letter_id, account_letters.c.status.in_(("queued", "failed")))
                    .values(status="sending", message_id=message_id, attempts=account_letters.c.attempts + 1)
                ).rowcount
                == 1
            )

    def sent(self, letter_id: str) -> None:
        self._set(letter_id, status="sent", body=None, error=None, sent_at=datetime.now(UTC))

    def failed(self, letter_id: str, error: str) -> None:
        self._set(letter_id, status="failed", error=error[:500])

    def all(self) -> list[dict[str, Any]]:
        """Every account letter (for tests and the operator), newest last."""
        with self.engine.connect() as conn:
            return [
                dict(r._mapping) for r in conn.execute(select(account_letters).order_by(account_letters.c.queued_at))
            ]

    def _set(self, letter_id: str, **values: Any) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(account_letters).where(account_letters.c.id == letter_id).values(**values))
