"""Who may sign in, and as what. Accounts are operational data, not register history: they live in one table.

Roles: ``registrant`` (their own records only), ``assessor`` (applications assigned to them, never background
answers), ``registrar`` (casework, decisions, audits, suspensions), ``auditor`` (reads everything but personal
background answers; writes nothing), ``admin`` (accounts and keys). Passwords are hashed with Argon2id.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Column, DateTime, Engine, String, Table, insert, select, update
from sqlalchemy.exc import IntegrityError

from ledger.commands import EMAIL
from ledger.db import metadata
from ledger.errors import Conflict, InvalidInput, NotFound

ROLES = ("registrant", "assessor", "registrar", "auditor", "admin")
MIN_PASSWORD = 12
MAX_PASSWORD = 256

accounts = Table(
    "accounts",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("email", String(254), nullable=False, unique=True),
    Column("password_hash", String(200), nullable=False),
    Column("role", String(16), nullable=False),
    Column("registrant_id", String(32), nullable=True, unique=True),
    Column("assessor_id", String(32), nullable=True, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

_HASHER = PasswordHasher()
_DUMMY_HASH = _HASHER.hash("a password nobody has: keeps unknown emails as slow as wrong passwords")


@dataclass(frozen=True)
class Account:
    id: str
    email: str
    role: str
    registrant_id: UUID | None = None
    assessor_id: UUID | None = None


def _account(row: object) -> Account:
    return Account(row.id, row.email, row.role,  # type: ignore[attr-defined]
                   UUID(row.registrant_id) if row.registrant_id else None,  # type: ignore[attr-defined]
                   UUID(row.assessor_id) if row.assessor_id else None)  # type: ignore[attr-defined]


def check_password(password: object) -> str:
    if not isinstance(password, str) or not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InvalidInput("password", f"must be {MIN_PASSWORD} to {MAX_PASSWORD} characters")
    return password


class Accounts:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(self, email: str, password: str, role: str, *, registrant_id: UUID | None = None,
            assessor_id: UUID | None = None) -> Account:
        if not isinstance(email, str) or not EMAIL.match(email.strip()) or len(email) > 254:
            raise InvalidInput("email", "is not an email address")
        if role not in ROLES:
            raise InvalidInput("role", f"expected one of {', '.join(ROLES)}")
        if role == "registrant" and registrant_id is None:
            raise InvalidInput("registrant", "a registrant account names the registrant it belongs to")
        if role == "assessor" and assessor_id is None:
            raise InvalidInput("assessor", "an assessor account names the assessor it belongs to")
        check_password(password)
        account = Account(secrets.token_hex(16), email.strip().lower(), role,
                          registrant_id if role == "registrant" else None,
                          assessor_id if role == "assessor" else None)
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(accounts).values(
                    id=account.id, email=account.email, password_hash=_HASHER.hash(password), role=role,
                    registrant_id=account.registrant_id.hex if account.registrant_id else None,
                    assessor_id=account.assessor_id.hex if account.assessor_id else None,
                    created_at=datetime.now(UTC)))
        except IntegrityError:
            raise Conflict("an account with that email (or for that registrant or assessor) exists already") from None
        return account

    def authenticate(self, email: object, password: object) -> Account | None:
        """The account, if the password is right; None otherwise (as slowly for an unknown email)."""
        if not isinstance(email, str) or not isinstance(password, str) or len(password) > MAX_PASSWORD:
            return None
        with self.engine.connect() as conn:
            row = conn.execute(select(accounts).where(accounts.c.email == email.strip().lower())).first()
        try:
            _HASHER.verify(row.password_hash if row else _DUMMY_HASH, password)
        except (VerificationError, InvalidHashError):
            return None
        if row is None:
            return None
        if _HASHER.check_needs_rehash(row.password_hash):
            with self.engine.begin() as conn:
                conn.execute(update(accounts).where(accounts.c.id == row.id)
                             .values(password_hash=_HASHER.hash(password)))
        return _account(row)

    def get(self, account_id: str) -> Account | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(accounts).where(accounts.c.id == account_id)).first()
        return _account(row) if row else None

    def by_email(self, email: str) -> Account:
        with self.engine.connect() as conn:
            row = conn.execute(select(accounts).where(accounts.c.email == email.strip().lower())).first()
        if row is None:
            raise NotFound(f"no account for {email}")
        return _account(row)

    def all(self) -> list[Account]:
        with self.engine.connect() as conn:
            return [_account(row) for row in conn.execute(select(accounts).order_by(accounts.c.email))]
