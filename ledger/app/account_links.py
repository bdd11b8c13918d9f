"""The links mailed to people about their accounts: confirm your email (``verify``), choose a new password
(``reset``), take up an invitation (``invitation``). Each carries a random token (32 bytes); only its SHA-256 is
kept (the token is as strong as a key, so a plain hash is enough, and a copy of the database holds no working link).
Each works once and until its expiry; a new link of the same purpose ends the older ones."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, insert, select, update

from ledger.app.account_tables import account_links
from ledger.domain.clock import utc
from ledger.domain.errors import LedgerError

PURPOSES = ("verify", "reset", "invitation")
MAX_TOKEN = 100


class LinkNotUsable(LedgerError):
    """A link that cannot be used: ``why`` is ``unknown``, ``expired`` or ``used``."""

    def __init__(self, why: str, message: str) -> None:
        super().__init__(message)
        self.why = why


WORDS = {
    "verify": "confirm your email address",
    "reset": "choose a new password",
    "invitation": "take up your invitation",
}


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(conn: Connection, account_id: str, purpose: str, lifetime: timedelta) -> str:
    """A new link's token (in the caller's transaction); the account's older unused links of the purpose end."""
    assert purpose in PURPOSES
    now = datetime.now(UTC)
    conn.execute(
        update(account_links)
        .where(
            account_links.c.account_id == account_id,
            account_links.c.purpose == purpose,
            account_links.c.used_at.is_(None),
        )
        .values(expires_at=now)
    )
    token = secrets.token_urlsafe(32)
    conn.execute(
        insert(account_links).values(
            token_hash=_hash(token),
            account_id=account_id,
            purpose=purpose,
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    return token


def peek(conn: Connection, token: object, purpose: str) -> str:
    """The account the link is for, if it can still be used (without using it); else ``LinkNotUsable``."""
    row = _row(conn, token, purpose)
    _usable(row, purpose)
    return str(row.account_id)


def redeem(conn: Connection, token: object, purpose: str) -> str:
    """Use the link (once): the account it is for; else ``LinkNotUsable``."""
    row = _row(conn, token, purpose)
    _usable(row, purpose)
    used = conn.execute(
        update(account_links)
        .where(account_links.c.token_hash == row.token_hash, account_links.c.used_at.is_(None))
        .values(used_at=datetime.now(UTC))
    ).rowcount
    if used != 1:  # used by another request meanwhile
        raise LinkNotUsable("used", f"This link has been used already. You can ask for a new one to {WORDS[purpose]}.")
    return str(row.account_id)


def _row(conn: Connection, token: object, purpose: str):  # type: ignore[no-untyped-def]
    if not isinstance(token, str) or not 0 < len(token) <= MAX_TOKEN:
        raise LinkNotUsable("unknown", "This link is not complete or not right: copy the whole link from the email.")
    row = conn.execute(
        select(account_links).where(account_links.c.token_hash == _hash(token), account_links.c.purpose == purpose)
    ).first()
    if row is None:
        raise LinkNotUsable("unknown", "This link is not complete or not right: copy the whole link from the email.")
    return row


def _usable(row, purpose: str) -> None:  # type: ignore[no-untyped-def]
    if row.used_at is not None:
        raise LinkNotUsable("used", f"This link has been used already. You can ask for a new one to {WORDS[purpose]}.")
    if utc(row.expires_at) <= datetime.now(UTC):
        raise LinkNotUsable("expired", f"This link has expired. You can ask for a new one to {WORDS[purpose]}.")
