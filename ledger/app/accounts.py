"""Who may sign in, and as what. Accounts are operational data, not register history: they live in one table.

Roles: ``registrant`` (their own records only), ``assessor`` (applications assigned to them, never background
answers), ``registrar`` (casework, decisions, audits, suspensions), ``auditor`` (reads everything but personal
background answers; writes nothing), ``admin`` (accounts and keys),
``organisation`` (an employer's or client's account: the people who linked their registration to that
organisation, and bulk checks of registration numbers; the organisation it belongs to is in
``account_organisations``, a table of its own, so older registers gain it without a migration). Passwords are
hashed with Argon2id.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Column, DateTime, Engine, Row, String, Table, insert, select, update
from sqlalchemy.exc import IntegrityError

from ledger.app.account_tables import (
    account_challenges,
    account_factors,
    account_letters,
    account_links,
    account_pending,
    account_recovery_codes,
)
from ledger.app.db import metadata
from ledger.app.wiring import EMAIL
from ledger.domain.clock import utc
from ledger.domain.errors import Conflict, InvalidInput, LedgerError, NotFound


class Busy(LedgerError):
    """Too much work of one kind at once: try again shortly."""


ROLES = ("registrant", "assessor", "registrar", "auditor", "admin", "organisation")
STAFF = ("assessor", "registrar", "auditor", "admin")
"""The roles that must sign in with a second factor (``ledger.app.account_factors``)."""
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

account_access = Table(
    "account_access",
    metadata,
    Column("account_id", String(32), primary_key=True),
    Column("disabled_at", DateTime(timezone=True), nullable=True),  # set: the account cannot sign in or act
    Column("sessions_from", DateTime(timezone=True), nullable=True),  # sessions and tokens issued before: ended
)
"""Who may still act: a disabled account acts no more, and signing out (or disabling) ends every session and token
issued before, wherever they were copied to. (A table of its own: older registers gain it without a migration.)"""

account_organisations = Table(
    "account_organisations",
    metadata,
    Column("account_id", String(32), primary_key=True),
    Column("organisation_id", String(32), nullable=False, index=True),
)
"""The organisation an ``organisation`` account belongs to (an organisation may have several accounts)."""

PASSWORD_CHECKS = threading.BoundedSemaphore(4)
"""At most four password hashes computed at once per process (Argon2id takes 64 MB each): a burst of sign-ins waits
its turn rather than exhausting memory."""
PASSWORD_CHECK_WAIT = 10.0

_HASHER = PasswordHasher()
_DUMMY_HASH = _HASHER.hash("a password nobody has: keeps unknown emails as slow as wrong passwords")


@dataclass(frozen=True)
class Account:
    id: str
    email: str
    role: str
    registrant_id: UUID | None = None
    assessor_id: UUID | None = None


def _account(row: Row[Any]) -> Account:
    return Account(
        row.id,
        row.email,
        row.role,
        UUID(row.registrant_id) if row.registrant_id else None,
        UUID(row.assessor_id) if row.assessor_id else None,
    )


def check_password(password: object) -> str:
    if not isinstance(password, str) or not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InvalidInput("password", f"must be {MIN_PASSWORD} to {MAX_PASSWORD} characters")
    return password


class Accounts:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(
        self,
        email: str,
        password: str,
        role: str,
        *,
        registrant_id: UUID | None = None,
        assessor_id: UUID | None = None,
        unenrolled: bool = False,
        pending: str | None = None,
        organisation_id: UUID | None = None,
    ) -> Account:
        """A new account. ``unenrolled``: a registrant account made by signing up, with no registrant yet (they
        enrol from their own pages, and ``link_registrant`` then gives the account its registrant). ``pending``:
        ``unverified`` (signed up, the email not yet confirmed) or ``invited`` (staff, no password chosen yet): it
        cannot sign in until then. Accounts made otherwise (``users add``, the demo) are active at once."""
        if not isinstance(email, str) or not EMAIL.match(email.strip()) or len(email) > 254:
            raise InvalidInput("email", "is not an email address")
        if role not in ROLES:
            raise InvalidInput("role", f"expected one of {', '.join(ROLES)}")
        if role == "registrant" and registrant_id is None and not unenrolled:
            raise InvalidInput("registrant", "a registrant account names the registrant it belongs to")
        if role == "assessor" and assessor_id is None:
            raise InvalidInput("assessor", "an assessor account names the assessor it belongs to")
        if role == "organisation" and organisation_id is None:
            raise InvalidInput("organisation", "an organisation account names the organisation it belongs to")
        check_password(password)
        account = Account(
            secrets.token_hex(16),
            email.strip().lower(),
            role,
            registrant_id if role == "registrant" else None,
            assessor_id if role == "assessor" else None,
        )
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    insert(accounts).values(
                        id=account.id,
                        email=account.email,
                        password_hash=_HASHER.hash(password),
                        role=role,
                        registrant_id=account.registrant_id.hex if account.registrant_id else None,
                        assessor_id=account.assessor_id.hex if account.assessor_id else None,
                        created_at=datetime.now(UTC),
                    )
                )
                if role == "organisation" and organisation_id is not None:
                    conn.execute(
                        insert(account_organisations).values(account_id=account.id, organisation_id=organisation_id.hex)
                    )
                if pending is not None:
                    conn.execute(
                        insert(account_pending).values(account_id=account.id, reason=pending, since=datetime.now(UTC))
                    )
        except IntegrityError:
            raise Conflict("an account with that email (or for that registrant or assessor) exists already") from None
        return account

    def check(self, email: object, password: object) -> tuple[Account | None, str]:
        """The account and its state if the password is right: ``active``, ``unverified``, ``invited`` or
        ``disabled``; ``(None, "wrong")`` otherwise (as slowly for an unknown email, so timing tells no one which
        emails have accounts). Raises ``Busy`` when too many passwords are being checked at once."""
        if not isinstance(email, str) or not isinstance(password, str) or len(password) > MAX_PASSWORD:
            return None, "wrong"
        with self.engine.connect() as conn:
            row = conn.execute(select(accounts).where(accounts.c.email == email.strip().lower())).first()
        if not PASSWORD_CHECKS.acquire(timeout=PASSWORD_CHECK_WAIT):
            raise Busy("too many sign-ins are being checked just now: try again in a few seconds")
        try:
            _HASHER.verify(row.password_hash if row else _DUMMY_HASH, password)
        except (VerificationError, InvalidHashError):
            return None, "wrong"
        finally:
            PASSWORD_CHECKS.release()
        if row is None:
            return None, "wrong"
        if _HASHER.check_needs_rehash(row.password_hash):
            with self.engine.begin() as conn:
                conn.execute(
                    update(accounts).where(accounts.c.id == row.id).values(password_hash=_HASHER.hash(password))
                )
        return _account(row), self.state(row.id)

    def authenticate(self, email: object, password: object) -> Account | None:
        """The account, if the password is right and the account may sign in (not disabled, not waiting for its
        email to be confirmed or its invitation to be taken up); None otherwise."""
        account, state = self.check(email, password)
        return account if state == "active" else None

    def state(self, account_id: str) -> str:
        """``active``, ``unverified``, ``invited`` or ``disabled``."""
        with self.engine.connect() as conn:
            pending = conn.execute(
                select(account_pending.c.reason).where(account_pending.c.account_id == account_id)
            ).scalar()
        if self._disabled(account_id):
            return "disabled"
        return str(pending) if pending else "active"

    def activate(self, account_id: str) -> None:
        """The account may sign in: its email is confirmed, or its invitation taken up."""
        with self.engine.begin() as conn:
            conn.execute(account_pending.delete().where(account_pending.c.account_id == account_id))

    def set_password(self, account_id: str, password: str) -> None:
        """A new password; every session and token issued before ends."""
        check_password(password)
        with self.engine.begin() as conn:
            conn.execute(
                update(accounts).where(accounts.c.id == account_id).values(password_hash=_HASHER.hash(password))
            )
        self.end_sessions(account_id)

    def set_role(self, account_id: str, role: str) -> Account:
        """A staff account's new role (registrar, auditor or admin; assessor only for an account that belongs to an
        assessor). A registrant's account keeps its role: it belongs to a registrant."""
        found = self.get(account_id)
        if found is None:
            raise NotFound("no such account")
        if role not in ROLES:
            raise InvalidInput("role", f"expected one of {', '.join(ROLES)}")
        if found.role == "registrant" or role == "registrant":
            raise InvalidInput("role", "a registrant's account keeps its role; staff roles change among themselves")
        if found.role == "organisation" or role == "organisation":
            raise InvalidInput("role", "an organisation's account keeps its role; staff roles change among themselves")
        if role == "assessor" and found.assessor_id is None:
            raise InvalidInput("role", "only an account that belongs to an assessor can have the assessor role")
        with self.engine.begin() as conn:
            conn.execute(update(accounts).where(accounts.c.id == account_id).values(role=role))
        changed = self.get(account_id)
        assert changed is not None
        return changed

    def link_registrant(self, account_id: str, registrant_id: UUID) -> Account:
        """A registrant account made by signing up gets the registrant it enrolled as. Refused when the account is
        not a registrant's, is linked already, or the registrant has an account already."""
        with self.engine.begin() as conn:
            row = conn.execute(select(accounts).where(accounts.c.id == account_id)).first()
            if row is None:
                raise NotFound("no such account")
            if row.role != "registrant":
                raise InvalidInput("account", "only a registrant's account enrols")
            if row.registrant_id is not None:
                raise Conflict("this account has enrolled already")
            try:
                done = conn.execute(
                    update(accounts)
                    .where(accounts.c.id == account_id, accounts.c.registrant_id.is_(None))
                    .values(registrant_id=registrant_id.hex)
                ).rowcount
            except IntegrityError:
                raise Conflict("that registrant has an account already") from None
            if done != 1:
                raise Conflict("this account has enrolled already")
            row = conn.execute(select(accounts).where(accounts.c.id == account_id)).first()
        assert row is not None
        return _account(row)

    def organisation_of(self, account_id: str) -> UUID | None:
        """The organisation an ``organisation`` account belongs to (None for any other account)."""
        with self.engine.connect() as conn:
            found = conn.execute(
                select(account_organisations.c.organisation_id).where(account_organisations.c.account_id == account_id)
            ).scalar()
        return UUID(found) if found else None

    def of_organisation(self, organisation_id: UUID) -> list[Account]:
        """The accounts of an organisation."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(accounts)
                .join(account_organisations, account_organisations.c.account_id == accounts.c.id)
                .where(account_organisations.c.organisation_id == organisation_id.hex)
                .order_by(accounts.c.email)
            ).all()
        return [_account(row) for row in rows]

    def get(self, account_id: str) -> Account | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(accounts).where(accounts.c.id == account_id)).first()
        return _account(row) if row else None

    def acting(self, account_id: str, issued_at: datetime | None) -> Account | None:
        """The account behind a session or token issued at ``issued_at``, if it may still act: it exists, is not
        disabled, and that session was not ended (by signing out, or by disabling the account)."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(
                    accounts,
                    account_access.c.disabled_at,
                    account_access.c.sessions_from,
                    account_pending.c.reason.label("pending"),
                )
                .join(account_access, account_access.c.account_id == accounts.c.id, isouter=True)
                .join(account_pending, account_pending.c.account_id == accounts.c.id, isouter=True)
                .where(accounts.c.id == account_id)
            ).first()
        if row is None or row.disabled_at is not None or row.pending is not None:
            return None
        if row.sessions_from is not None and (issued_at is None or utc(issued_at) < utc(row.sessions_from)):
            return None
        return _account(row)

    def _disabled(self, account_id: str) -> bool:
        with self.engine.connect() as conn:
            return (
                conn.execute(
                    select(account_access.c.disabled_at).where(account_access.c.account_id == account_id)
                ).scalar()
                is not None
            )

    def end_sessions(self, account_id: str) -> None:
        """End every session and token of the account issued until now (signing out does)."""
        self._set_access(account_id, sessions_from=datetime.now(UTC))

    def disable(self, email: str) -> Account:
        """The account cannot sign in or act any more; its sessions and tokens end now."""
        account = self.by_email(email)
        now = datetime.now(UTC)
        self._set_access(account.id, disabled_at=now, sessions_from=now)
        return account

    def enable(self, email: str) -> Account:
        account = self.by_email(email)
        self._set_access(account.id, disabled_at=None)
        return account

    def disable_assessor(self, assessor_id: UUID) -> None:
        """A stood-down assessor's account acts no more."""
        with self.engine.connect() as conn:
            ids = list(conn.execute(select(accounts.c.id).where(accounts.c.assessor_id == assessor_id.hex)).scalars())
        now = datetime.now(UTC)
        for account_id in ids:
            self._set_access(account_id, disabled_at=now, sessions_from=now)

    def delete_registrant(self, registrant_id: UUID) -> int:
        """An erased registrant's account goes (its email is personal data); returns how many were deleted."""
        with self.engine.begin() as conn:
            found = conn.execute(
                select(accounts.c.id, accounts.c.email).where(accounts.c.registrant_id == registrant_id.hex)
            ).all()
            ids = [row.id for row in found]
            if found:  # and the letters about the account: they hold its email
                conn.execute(account_letters.delete().where(account_letters.c.to.in_([row.email for row in found])))
            if ids:
                for table in (
                    account_access,
                    account_pending,
                    account_links,
                    account_factors,
                    account_recovery_codes,
                    account_challenges,
                ):
                    conn.execute(table.delete().where(table.c.account_id.in_(ids)))
                conn.execute(accounts.delete().where(accounts.c.id.in_(ids)))
        return len(ids)

    def _set_access(self, account_id: str, **values: object) -> None:
        from ledger.app.db import upsert

        with self.engine.begin() as conn:
            found = conn.execute(select(account_access).where(account_access.c.account_id == account_id)).first()
            row = {
                "account_id": account_id,
                "disabled_at": found.disabled_at if found else None,
                "sessions_from": found.sessions_from if found else None,
                **values,
            }
            conn.execute(upsert(conn, account_access), [row])

    def is_disabled(self, email: str) -> bool:
        return self._disabled(self.by_email(email).id)

    def by_email(self, email: str) -> Account:
        with self.engine.connect() as conn:
            row = conn.execute(select(accounts).where(accounts.c.email == email.strip().lower())).first()
        if row is None:
            raise NotFound(f"no account for {email}")
        return _account(row)

    def all(self) -> list[Account]:
        with self.engine.connect() as conn:
            return [_account(row) for row in conn.execute(select(accounts).order_by(accounts.c.email))]
