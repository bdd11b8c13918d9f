"""What people do with accounts beyond signing in: sign up and confirm their email, reset or change a password,
take up a staff invitation; what the admin does: invite, change a role, list; and the second factor staff sign in
with (``SecondFactors``). Each step that mails someone queues its letter in the account outbox in the same
transaction as the change (``ledger.app.account_letters``).

Nothing here tells a visitor whether an email has an account: signing up with an email that has one, or asking to
reset the password of one that has none, looks the same from outside; the owner of an existing account is mailed a
note instead ("someone tried to sign up with your email")."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from ledger.app import account_links as links
from ledger.app.account_factors import SecondFactors
from ledger.app.account_letters import AccountOutbox, queue_letter
from ledger.app.account_tables import account_forms_done
from ledger.app.accounts import _HASHER, STAFF, Account, Accounts, accounts, check_password
from ledger.app.wiring import EMAIL
from ledger.domain.errors import Conflict, InvalidInput, LedgerError, NotFound
from ledger.settings import Settings

ROLE_NAMES = {
    "registrant": "registrant",
    "assessor": "assessor",
    "registrar": "registrar",
    "auditor": "auditor",
    "admin": "administrator",
}


@dataclass(frozen=True)
class AccountRow:
    """One account as the admin's list shows it."""

    id: str
    email: str
    role: str
    state: str  # active | unverified | invited | disabled
    second_factor: bool
    assessor_id: UUID | None
    registrant_id: UUID | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "email": self.email,
            "role": self.role,
            "state": self.state,
            "disabled": self.state == "disabled",
            "second_factor": self.second_factor,
            "assessor_id": str(self.assessor_id) if self.assessor_id else None,
        }


def checked_email(email: object) -> str:
    if not isinstance(email, str) or len(email.strip()) > 254 or not EMAIL.match(email.strip()):
        raise InvalidInput("email", "enter an email address, like name@example.com")
    return email.strip().lower()


class AccountDesk:
    def __init__(self, engine: Any, settings: Settings, master_key: bytes) -> None:
        self.engine = engine
        self.settings = settings
        self.accounts = Accounts(engine)
        self.factors = SecondFactors(engine, master_key)
        self.outbox = AccountOutbox(engine)

    @classmethod
    def of(cls, ledger: Any) -> AccountDesk:
        """The desk for a Ledger (its database, settings and master key)."""
        return cls(ledger.engine, ledger.settings, ledger.master_key)

    # -- signing up
    def sign_up(self, email: object, password: object) -> None:
        """A new registrant account, unverified, with a link to confirm the email; for an email that has an
        account already, a note to its owner instead (the visitor is told the same either way)."""
        address = checked_email(email)
        check_password(password)
        assert isinstance(password, str)
        existing = self._find(address)
        if existing is None:
            try:
                account = self.accounts.add(address, password, "registrant", unenrolled=True, pending="unverified")
            except Conflict:  # signed up twice at once
                existing = self._find(address)
            else:
                self._send_verification(account)
                return
        _HASHER.hash(password)  # as slow as a sign-up that made an account
        if existing is not None:
            self._note(existing, "sign up")

    def resend_verification(self, email: object) -> None:
        """A new link to confirm the email, if the account is waiting for one (else nothing: the same answer)."""
        try:
            address = checked_email(email)
        except InvalidInput:
            return
        found = self._find(address)
        if found is not None and self.accounts.state(found.id) == "unverified":
            self._send_verification(found)

    def verify(self, token: object) -> Account:
        """The email is confirmed: the account may sign in."""
        with self.engine.begin() as conn:
            account_id = links.redeem(conn, token, "verify")
        self.accounts.activate(account_id)
        return self._get(account_id)

    # -- passwords
    def forgot(self, email: object) -> None:
        """A link to choose a new password, to an account that may use one (active, or still unverified: the link
        proves the email too); nothing otherwise (the same answer for the visitor)."""
        try:
            address = checked_email(email)
        except InvalidInput:
            return
        found = self._find(address)
        if found is not None and self.accounts.state(found.id) in ("active", "unverified"):
            self.reset_link(found.email)

    def reset_link(self, email: str) -> str:
        """Queue a reset letter to the account and return its link (``users reset`` prints it for the operator)."""
        account = self.accounts.by_email(email)
        lifetime = timedelta(minutes=self.settings.reset_link_minutes)
        with self.engine.begin() as conn:
            token = links.issue(conn, account.id, "reset", lifetime)
            url = self._url("reset", token)
            queue_letter(
                conn,
                "reset",
                account.email,
                "Reset your password",
                f"Someone (we hope you) asked to reset the password of your account at "
                f"{self.settings.issuer_name}.\n\nChoose a new password here (the link works once, for "
                f"{_duration(lifetime)}):\n{url}\n\nIf it was not you, ignore this letter: your password stays "
                "as it is.",
            )
        return url

    def reset_account(self, token: object) -> Account:
        """The account a reset link is for, if the link can still be used (it is not used by looking)."""
        with self.engine.connect() as conn:
            return self._get(links.peek(conn, token, "reset"))

    def reset(self, token: object, password: object) -> Account:
        """A new password through a reset link: every session ends; an unverified email counts as confirmed."""
        check_password(password)
        assert isinstance(password, str)
        with self.engine.begin() as conn:
            account_id = links.redeem(conn, token, "reset")
        self.accounts.set_password(account_id, password)
        if self.accounts.state(account_id) == "unverified":
            self.accounts.activate(account_id)
        return self._get(account_id)

    def change_password(self, account: Account, current: object, new: object) -> None:
        """A new password, given the current one: every session and token ends (the caller signs this browser in
        again)."""
        if not isinstance(current, str) or not current:
            raise InvalidInput("current_password", "enter your current password")
        check_password(new)
        found, state = self.accounts.check(account.email, current)
        if found is None or found.id != account.id:
            raise InvalidInput("current_password", "that is not your current password")
        assert isinstance(new, str)
        self.accounts.set_password(account.id, new)

    # -- staff invitations
    def invite(self, email: object, role: object, assessor_id: UUID | None = None) -> Account:
        """A staff account that cannot sign in until the person takes up the invitation mailed to them (choosing a
        password, then a second factor). An assessor's account names the assessor, who must have no account."""
        address = checked_email(email)
        if role not in STAFF:
            raise InvalidInput("role", f"choose one of {', '.join(STAFF)}")
        assert isinstance(role, str)
        if role == "assessor" and assessor_id is None:
            raise InvalidInput("assessor_id", "choose the assessor this account is for")
        account = self.accounts.add(
            address,
            secrets.token_urlsafe(32),  # nobody knows it: the invitee chooses their own
            role,
            assessor_id=assessor_id if role == "assessor" else None,
            pending="invited",
        )
        self.send_invitation(account)
        return account

    def send_invitation(self, account: Account) -> str:
        """(Again) mail the invitation to an account that has not taken it up; returns the link."""
        if self.accounts.state(account.id) != "invited":
            raise Conflict(f"{account.email} has taken up the invitation already")
        lifetime = timedelta(days=self.settings.invitation_days)
        with self.engine.begin() as conn:
            token = links.issue(conn, account.id, "invitation", lifetime)
            url = self._url("invitation", token)
            queue_letter(
                conn,
                "invitation",
                account.email,
                f"You are invited to {self.settings.issuer_name}",
                f"You have been given an account at {self.settings.issuer_name} as "
                f"{ROLE_NAMES[account.role]}.\n\nChoose your password here (the link works once, for "
                f"{_duration(lifetime)}):\n{url}\n\nThen set up a second factor: an authenticator app on your "
                "phone that gives a code each time you sign in.",
            )
        return url

    def invitation_account(self, token: object) -> Account:
        with self.engine.connect() as conn:
            return self._get(links.peek(conn, token, "invitation"))

    def accept_invitation(self, token: object, password: object) -> Account:
        check_password(password)
        assert isinstance(password, str)
        with self.engine.begin() as conn:
            account_id = links.redeem(conn, token, "invitation")
        self.accounts.set_password(account_id, password)
        self.accounts.activate(account_id)
        return self._get(account_id)

    # -- the admin's list
    def overview(self) -> list[AccountRow]:
        rows = []
        for account in self.accounts.all():
            rows.append(
                AccountRow(
                    account.id,
                    account.email,
                    account.role,
                    self.accounts.state(account.id),
                    self.factors.is_set_up(account.id),
                    account.assessor_id,
                    account.registrant_id,
                )
            )
        return rows

    def assessor_ids_with_accounts(self) -> set[UUID]:
        with self.engine.connect() as conn:
            found = conn.execute(select(accounts.c.assessor_id).where(accounts.c.assessor_id.is_not(None))).scalars()
            return {UUID(value) for value in found}

    def needs_second_factor(self, account: Account) -> bool:
        """A staff account that has not set up its second factor yet."""
        return account.role in STAFF and not self.factors.is_set_up(account.id)

    def once(self, form_key: object) -> bool:
        """True the first time a form with this key acts; False when the same form was sent before (it acted)."""
        if not isinstance(form_key, str) or not 0 < len(form_key) <= 64:
            return True  # a form without a key acts every time
        now = datetime.now(UTC)
        try:
            with self.engine.begin() as conn:
                conn.execute(account_forms_done.delete().where(account_forms_done.c.done_at < now - timedelta(days=1)))
                conn.execute(
                    insert(account_forms_done).values(
                        key_hash=hashlib.sha256(form_key.encode()).hexdigest(), done_at=now
                    )
                )
        except IntegrityError:
            return False
        return True

    def release(self, form_key: object) -> None:
        """The form did not act after all (it was refused): sending it again may act."""
        if isinstance(form_key, str):
            with self.engine.begin() as conn:
                conn.execute(
                    account_forms_done.delete().where(
                        account_forms_done.c.key_hash == hashlib.sha256(form_key.encode()).hexdigest()
                    )
                )

    # -- inside
    def _find(self, email: str) -> Account | None:
        try:
            return self.accounts.by_email(email)
        except NotFound:
            return None

    def _get(self, account_id: str) -> Account:
        found = self.accounts.get(account_id)
        if found is None:
            raise LedgerError("that account no longer exists")
        return found

    def _url(self, path: str, token: str) -> str:
        return f"{self.settings.issuer_url.rstrip('/')}/{path}?token={token}"

    def _send_verification(self, account: Account) -> None:
        lifetime = timedelta(hours=self.settings.verify_link_hours)
        with self.engine.begin() as conn:
            token = links.issue(conn, account.id, "verify", lifetime)
            queue_letter(
                conn,
                "verify",
                account.email,
                "Confirm your email address",
                f"Thank you for signing up to {self.settings.issuer_name}.\n\nConfirm your email address here "
                f"(the link works once, for {_duration(lifetime)}):\n{self._url('verify', token)}\n\n"
                "If you did not sign up, ignore this letter: no account is opened without it.",
            )

    def _note(self, account: Account, tried: str) -> None:
        """Tell the owner of an existing account that someone tried to sign up with their email."""
        url = self.settings.issuer_url.rstrip("/")
        with self.engine.begin() as conn:
            queue_letter(
                conn,
                "signup-existing",
                account.email,
                "Someone tried to sign up with your email",
                f"Someone tried to {tried} at {self.settings.issuer_name} with this email address, which "
                f"already has an account.\n\nIf it was you: sign in at {url}/login, or if you have forgotten your "
                f"password, reset it at {url}/forgot.\n\nIf it was not you, you need do nothing: your account is "
                "unchanged.",
            )


def _duration(lifetime: timedelta) -> str:
    hours = lifetime.total_seconds() / 3600
    if hours >= 48:
        return f"{round(hours / 24)} days"
    if hours >= 2:
        return f"{round(hours)} hours"
    return f"{round(hours * 60)} minutes"
