"""Staff accounts sign in with a second factor (TOTP): the builders set one up for each staff account they make,
through the register's own ``SecondFactors``, keeping the real pyotp secret and the recovery codes here so that a
test can sign in as that person again and again.

The register accepts each time step once (and the steps either side of now), so ``code()`` hands out an unused
step's code (now, then the next one) and, when both are used within the same 30 seconds, a recovery code."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import pyotp

STEP = 30
KEPT: dict[tuple[str, str], SecondFactor] = {}
"""Every second factor a builder set up, by (the register's issuer URL, email) and by (its database URL, email):
``sign_in`` finds them here (several registers in one test session may share an issuer URL, never a database)."""


@dataclass
class SecondFactor:
    secret: str
    recovery_codes: list[str]
    last_step: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def totp(self) -> pyotp.TOTP:
        return pyotp.TOTP(self.secret)

    def code(self) -> str:
        """A code the register has not seen: a TOTP code of an unused step, else a recovery code."""
        with self.lock:
            now = int(time.time()) // STEP
            for step in (now, now + 1):
                if step > self.last_step:
                    self.last_step = step
                    return self.totp.at(step * STEP)
            return self.recovery_codes.pop()


def set_up(ledger, email: str) -> SecondFactor:
    """Give the account a second factor, as the set-up page does (confirmed with the previous step's code, so that
    the current one is still free for the first sign-in); kept under the ledger's issuer URL and the email."""
    from ledger.app.account_desk import AccountDesk

    desk = AccountDesk.of(ledger)
    account = desk.accounts.by_email(email)
    secret = desk.factors.begin(account.id)
    from ledger.domain.errors import InvalidInput

    now = int(time.time()) // STEP
    try:
        codes = desk.factors.confirm(account.id, pyotp.TOTP(secret).at((now - 1) * STEP))
        used = now - 1
    except InvalidInput:  # the step turned between the two clock readings
        used = int(time.time()) // STEP
        codes = desk.factors.confirm(account.id, pyotp.TOTP(secret).at(used * STEP))
    factor = SecondFactor(secret, codes, last_step=used)
    KEPT[(ledger.settings.issuer_url, email)] = KEPT[(ledger.settings.database_url, email)] = factor
    return factor


def of(url: str, email: str) -> SecondFactor | None:
    """The second factor set up for ``email`` on the register at ``url`` (its issuer URL or its database URL)."""
    return KEPT.get((url, email))
