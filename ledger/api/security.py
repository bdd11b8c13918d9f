"""Who is asking: bearer tokens for the API, session cookies for pages (with a CSRF token on every form), the rate
limiter, and the object-level checks (who may reach an application or an audit). The dependencies that use them are
``ledger.api.deps``'s."""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from datetime import UTC, datetime, timedelta
from uuid import UUID

import jwt
from fastapi import Request

from ledger.api.problems import Problem
from ledger.app.accounts import Account
from ledger.app.ledger import Ledger

TOKEN_LIFETIME = timedelta(minutes=15)
TOKEN_AUDIENCE = "regledger-api"
SESSION_ACCOUNT = "account"
SESSION_CSRF = "csrf"
SESSION_SINCE = "since"
SESSION_FACTOR = "second_factor"  # the session began with a second factor (staff must have one)
SESSION_CHALLENGE = "challenge"  # a staff sign-in half done: the password was right, the code is awaited
SESSION_NEXT = "next"
READERS = ("registrar", "auditor", "admin")
API_PATHS = ("/api/", "/credentials/")


def issue_token(secret: bytes, account: Account, now: datetime | None = None) -> tuple[str, int]:
    now = now or datetime.now(UTC)
    token = jwt.encode(
        {
            "sub": account.id,
            "role": account.role,
            "aud": TOKEN_AUDIENCE,
            "iat": now.timestamp(),  # to the microsecond: a sign-out ends tokens issued before it
            "exp": now + TOKEN_LIFETIME,
        },
        secret,
        algorithm="HS256",
    )
    return token, int(TOKEN_LIFETIME.total_seconds())


def account_from_token(secret: bytes, token: str) -> tuple[str, datetime] | None:
    """The account id a valid token names, and when it was issued."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=["HS256"],
            audience=TOKEN_AUDIENCE,
            options={"require": ["sub", "exp", "aud", "iat"]},
        )
    except jwt.PyJWTError:
        return None
    if not isinstance(claims.get("sub"), str) or not isinstance(claims.get("iat"), int | float):
        return None
    return claims["sub"], datetime.fromtimestamp(claims["iat"], UTC)


def start_session(request: Request, account: Account, *, second_factor: bool = False) -> None:
    """Sign ``account`` in on this browser: a fresh session, stamped with when it began (signing out anywhere ends
    sessions begun before), and whether a second factor was shown."""
    request.session.clear()
    request.session[SESSION_ACCOUNT] = account.id
    request.session[SESSION_SINCE] = datetime.now(UTC).isoformat()
    if second_factor:
        request.session[SESSION_FACTOR] = True


def reachable_application(ledger: Ledger, account: Account, application_id: str) -> UUID:
    """The application, if ``account`` may reach it: its registrant, an assessor assigned to it, or a reader
    (registrar, auditor, admin). Anything else is 404, as if it did not exist."""
    from ledger.domain.errors import NotFound

    try:
        found = UUID(application_id)
        application = ledger.application(found)
    except (ValueError, NotFound):
        raise Problem(404, f"no application {application_id}") from None
    if (
        account.role in READERS
        or (account.role == "registrant" and application.registrant_id == account.registrant_id)
        or (account.role == "assessor" and account.assessor_id in application.assessors)
    ):
        return found
    raise Problem(404, f"no application {application_id}")


def readable_evidence(ledger: Ledger, account: Account, application_id: str) -> UUID:
    """The application, if ``account`` may read its evidence (its text and files): as ``reachable_application``, but
    an assessor only once they have accepted the assignment, declaring no conflict of interest (until then they see
    who applied and for what, on their page, and nothing of the evidence). Otherwise 404."""
    found = reachable_application(ledger, account, application_id)
    if account.role == "assessor" and account.assessor_id not in ledger.application(found).accepted:
        raise Problem(404, f"no application {application_id} whose evidence you may read: accept the assignment first")
    return found


def reachable_audit(ledger: Ledger, account: Account, number: str, year: int) -> UUID:
    """The registrant whose PPD audit this is, if ``account`` may reach it: the registrant, the assessor assigned
    to it, or a reader. Anything else is 404, as if it did not exist."""
    from ledger.domain.errors import InvalidInput, NotFound

    try:
        registrant_id = ledger.registrant_by_number(number)
        audit = ledger.ppd_audit(registrant_id, year)
    except (InvalidInput, NotFound):
        raise Problem(404, f"no {year} PPD audit of registration {number}") from None
    if (
        account.role in READERS
        or (account.role == "registrant" and registrant_id == account.registrant_id)
        or (account.role == "assessor" and account.assessor_id is not None and audit.assessor_id == account.assessor_id)
    ):
        return registrant_id
    raise Problem(404, f"no {year} PPD audit of registration {number}")


# -- CSRF for forms (pages only: the API takes bearer tokens, which a browser never sends by itself)
def csrf_token(request: Request) -> str:
    token = request.session.get(SESSION_CSRF)
    if not token:
        token = request.session[SESSION_CSRF] = secrets.token_urlsafe(24)
    return token


def check_csrf(request: Request, submitted: str | None) -> None:
    expected = request.session.get(SESSION_CSRF)
    if not expected or not submitted or not hmac.compare_digest(expected, submitted):
        raise Problem(403, "the form's security token is missing or stale: reload the page and try again")


# -- rate limits
class RateLimiter:
    """A token bucket per (purpose, client address): ``rate`` requests per minute (or per ``per_seconds``), bursts
    up to ``rate``."""

    def __init__(self) -> None:
        self._buckets: dict[tuple[str, str], tuple[float, float]] = {}
        self._lock = threading.Lock()

    def allow(self, purpose: str, client: str, rate: int, per_seconds: float = 60.0) -> float:
        """0 if allowed now; otherwise the seconds to wait."""
        now = time.monotonic()
        per_second = rate / per_seconds
        with self._lock:
            tokens, last = self._buckets.get((purpose, client), (float(rate), now))
            tokens = min(float(rate), tokens + (now - last) * per_second)
            if tokens >= 1:
                self._buckets[(purpose, client)] = (tokens - 1, now)
                return 0.0
            self._buckets[(purpose, client)] = (tokens, now)
            if len(self._buckets) > 100_000:  # forget the idle
                self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < 3600}
            return (1 - tokens) / per_second
