"""The second factor that staff accounts (assessor, registrar, auditor, admin) sign in with: a TOTP authenticator
app (RFC 6238, 30-second steps, 6 digits, by ``pyotp``) and ten recovery codes for when the phone is lost.

The TOTP secret is sealed at rest (AES-GCM under a key derived by HKDF from the master key, the account id as
associated data), so a copy of the database alone does not give anyone the codes. A code is accepted for the step
before, the step of and the step after now (clocks drift), and each step works once: the step used is kept, and a
code of that step or an earlier one is refused (a code seen over someone's shoulder cannot be used again). Recovery
codes are kept as keyed hashes (HMAC-SHA-256 under another derived key) and each works once.

A sign-in half done (password right, code awaited) is a challenge kept in the database: five wrong codes end it.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import time
from datetime import UTC, datetime, timedelta

import pyotp
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Engine, func, insert, select, update

from ledger.app.account_tables import account_challenges, account_factors, account_recovery_codes
from ledger.app.db import upsert
from ledger.domain.clock import utc
from ledger.domain.errors import InvalidInput, LedgerError

RECOVERY_CODES = 10
WRONG_CODES_ALLOWED = 5
CHALLENGE_MINUTES = 10
STEP_SECONDS = 30
CODE_DIGITS = 6  # an authenticator app's code (pyotp's default); recovery codes are longer, so never taken for one


class ChallengeEnded(LedgerError):
    """The half-done sign-in is over (too many wrong codes, or too long): sign in with the password again."""


def _derive(master_key: bytes, info: bytes) -> bytes:
    return HKDF(hashes.SHA256(), 32, salt=None, info=info).derive(master_key)


def normalise(code: object) -> str:
    """A code as typed, without spaces and dashes, in lower case (recovery codes are typed in groups)."""
    return "".join(str(code).split()).replace("-", "").lower() if isinstance(code, str) else ""


class SecondFactors:
    def __init__(self, engine: Engine, master_key: bytes) -> None:
        self.engine = engine
        self._seal = AESGCM(_derive(master_key, b"regledger second factors"))
        self._code_key = _derive(master_key, b"regledger recovery codes")
        self._challenge_key = _derive(master_key, b"regledger sign-in challenges")

    # -- setting up
    def begin(self, account_id: str) -> str:
        """A new secret for the account's authenticator app, not yet in force (``confirm`` puts it in force once the
        person shows a code from it). Starting again replaces an unconfirmed secret; a confirmed one stays until
        ``clear``."""
        if self.is_set_up(account_id):
            raise InvalidInput("code", "a second factor is set up already")
        secret = pyotp.random_base32()
        nonce = os.urandom(12)
        sealed = nonce + self._seal.encrypt(nonce, secret.encode(), account_id.encode())
        with self.engine.begin() as conn:
            conn.execute(
                upsert(conn, account_factors),
                [{"account_id": account_id, "secret": sealed, "confirmed_at": None, "last_step": 0}],
            )
        return secret

    def pending_secret(self, account_id: str) -> str | None:
        """The secret being set up (not yet confirmed), to show again; None if there is none."""
        with self.engine.connect() as conn:
            row = conn.execute(select(account_factors).where(account_factors.c.account_id == account_id)).first()
        if row is None or row.confirmed_at is not None:
            return None
        return self._open(account_id, row.secret)

    def confirm(self, account_id: str, code: object) -> list[str]:
        """Puts the secret being set up in force, if ``code`` is the app's current code; returns the ten recovery
        codes (shown once: only their hashes are kept)."""
        with self.engine.connect() as conn:
            row = conn.execute(select(account_factors).where(account_factors.c.account_id == account_id)).first()
        if row is None or row.confirmed_at is not None:
            raise InvalidInput("code", "there is no second factor being set up: start again")
        step = self._step_of(self._open(account_id, row.secret), normalise(code), after=0)
        if step is None:
            raise InvalidInput(
                "code", "that is not the code your app shows: check the time on your phone and try again"
            )
        codes = [secrets.token_hex(5) for _ in range(RECOVERY_CODES)]
        with self.engine.begin() as conn:
            conn.execute(
                update(account_factors)
                .where(account_factors.c.account_id == account_id)
                .values(confirmed_at=datetime.now(UTC), last_step=step)
            )
            conn.execute(account_recovery_codes.delete().where(account_recovery_codes.c.account_id == account_id))
            conn.execute(
                insert(account_recovery_codes),
                [{"code_hash": self._code_hash(account_id, c), "account_id": account_id} for c in codes],
            )
        return [f"{c[:5]}-{c[5:]}" for c in codes]

    def is_set_up(self, account_id: str) -> bool:
        with self.engine.connect() as conn:
            return (
                conn.execute(
                    select(account_factors.c.confirmed_at).where(account_factors.c.account_id == account_id)
                ).scalar()
                is not None
            )

    def recovery_codes_left(self, account_id: str) -> int:
        with self.engine.connect() as conn:
            return int(
                conn.execute(
                    select(func.count()).where(
                        account_recovery_codes.c.account_id == account_id, account_recovery_codes.c.used_at.is_(None)
                    )
                ).scalar_one()
            )

    def clear(self, account_id: str) -> None:
        """Forget the account's second factor and recovery codes (a lost phone: ``users reset --second-factor``);
        a staff account sets up a new one at its next sign-in."""
        with self.engine.begin() as conn:
            conn.execute(account_factors.delete().where(account_factors.c.account_id == account_id))
            conn.execute(account_recovery_codes.delete().where(account_recovery_codes.c.account_id == account_id))

    # -- signing in
    def check(self, account_id: str, code: object) -> bool:
        """True if ``code`` is a current TOTP code not used before, or an unused recovery code (now used)."""
        typed = normalise(code)
        if not typed or len(typed) > 20:
            return False
        with self.engine.connect() as conn:
            row = conn.execute(select(account_factors).where(account_factors.c.account_id == account_id)).first()
        if row is None or row.confirmed_at is None:
            return False
        if typed.isdigit() and len(typed) == CODE_DIGITS:  # a recovery code may be all digits too: not this
            step = self._step_of(self._open(account_id, row.secret), typed, after=row.last_step)
            if step is None:
                return False
            with self.engine.begin() as conn:  # only if no other request used this step (or a later one) meanwhile
                moved = conn.execute(
                    update(account_factors)
                    .where(account_factors.c.account_id == account_id, account_factors.c.last_step < step)
                    .values(last_step=step)
                ).rowcount
            return moved == 1
        with self.engine.begin() as conn:
            used = conn.execute(
                update(account_recovery_codes)
                .where(
                    account_recovery_codes.c.code_hash == self._code_hash(account_id, typed),
                    account_recovery_codes.c.account_id == account_id,
                    account_recovery_codes.c.used_at.is_(None),
                )
                .values(used_at=datetime.now(UTC))
            ).rowcount
        return used == 1

    def start_challenge(self, account_id: str) -> str:
        """A half-done sign-in: the id for the session to hold while the code is asked for."""
        challenge = secrets.token_urlsafe(24)
        now = datetime.now(UTC)
        with self.engine.begin() as conn:
            conn.execute(account_challenges.delete().where(account_challenges.c.expires_at < now))
            conn.execute(
                insert(account_challenges).values(
                    id=self._challenge_hash(challenge),
                    account_id=account_id,
                    wrong=0,
                    expires_at=now + timedelta(minutes=CHALLENGE_MINUTES),
                )
            )
        return challenge

    def answer_challenge(self, challenge: str, code: object) -> str | None:
        """The account id if ``code`` is right (the challenge is then over); None if wrong. Raises
        ``ChallengeEnded`` when the challenge is unknown, expired, or has now had too many wrong codes."""
        key = self._challenge_hash(challenge)
        with self.engine.connect() as conn:
            row = conn.execute(select(account_challenges).where(account_challenges.c.id == key)).first()
        if row is None or utc(row.expires_at) < datetime.now(UTC):
            raise ChallengeEnded("that sign-in has ended: sign in with your password again")
        if self.check(row.account_id, code):
            with self.engine.begin() as conn:
                conn.execute(account_challenges.delete().where(account_challenges.c.id == key))
            return str(row.account_id)
        with self.engine.begin() as conn:
            conn.execute(
                update(account_challenges)
                .where(account_challenges.c.id == key)
                .values(wrong=account_challenges.c.wrong + 1)
            )
            wrong = conn.execute(select(account_challenges.c.wrong).where(account_challenges.c.id == key)).scalar()
            ended = wrong is None or wrong >= WRONG_CODES_ALLOWED
            if ended:
                conn.execute(account_challenges.delete().where(account_challenges.c.id == key))
        if ended:
            raise ChallengeEnded(
                f"{WRONG_CODES_ALLOWED} wrong codes: that sign-in has ended. Sign in with your password again."
            )
        return None

    # -- inside
    def _open(self, account_id: str, sealed: bytes) -> str:
        try:
            return self._seal.decrypt(sealed[:12], sealed[12:], account_id.encode()).decode()
        except InvalidTag:
            raise LedgerError("the second factor's secret cannot be opened with this master key") from None

    @staticmethod
    def _step_of(secret: str, code: str, after: int) -> int | None:
        """The time step (of now, the one before or the one after) whose code this is, if later than ``after``."""
        if len(code) != 6 or not code.isdigit():
            return None
        totp = pyotp.TOTP(secret, interval=STEP_SECONDS)
        now = int(time.time()) // STEP_SECONDS
        for step in (now - 1, now, now + 1):
            if step > after and hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
                return step
        return None

    def _code_hash(self, account_id: str, code: str) -> str:
        return hmac.new(self._code_key, f"{account_id}:{code}".encode(), hashlib.sha256).hexdigest()

    def _challenge_hash(self, challenge: str) -> str:
        return hmac.new(self._challenge_key, challenge.encode(), hashlib.sha256).hexdigest()


def provisioning_uri(secret: str, email: str, issuer: str) -> str:
    """The ``otpauth://`` address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret, interval=STEP_SECONDS).provisioning_uri(name=email, issuer_name=issuer)
