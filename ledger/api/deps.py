"""What routes and pages depend on, typed (FastAPI's dependencies): the service, the signed-in account and the role
it must have, rate limits, the Idempotency-Key header, and ids taken from the path.

The JSON API takes bearer tokens only; pages take the session cookie too, and send someone who is not signed in to
the sign-in page instead of answering 401."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated
from urllib.parse import quote
from uuid import UUID

from fastapi import Depends, Header, Path, Request

from ledger.api.problems import Problem
from ledger.api.security import (
    API_PATHS,
    READERS,
    SESSION_ACCOUNT,
    SESSION_FACTOR,
    SESSION_SINCE,
    account_from_token,
)
from ledger.api.service import Service
from ledger.app.account_desk import AccountDesk
from ledger.app.accounts import STAFF, Account
from ledger.app.ledger import Ledger


def service(request: Request) -> Service:
    """The web process's service (``ledger.api.main.create_app`` puts it on the app)."""
    found: Service = request.app.state.service
    return found


def account_desk(request: Request) -> AccountDesk:
    """Sign-up, links, invitations and second factors, for the web process (made once, kept on the app)."""
    found: AccountDesk | None = getattr(request.app.state, "account_desk", None)
    if found is None:
        found = request.app.state.account_desk = AccountDesk.of(service(request).ledger)
    return found


async def _service(request: Request) -> Service:  # async: a dependency this cheap takes no thread
    return service(request)


async def _ledger(request: Request) -> Ledger:
    return service(request).ledger


ServiceDep = Annotated[Service, Depends(_service)]
LedgerDep = Annotated[Ledger, Depends(_ledger)]


# -- who is asking
def current_account(request: Request) -> Account | None:
    """The signed-in account: from ``Authorization: Bearer`` (the API), or from the session (pages only); None when
    anonymous."""
    accounts = service(request).accounts
    header = request.headers.get("authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise Problem(
                401,
                "use 'Authorization: Bearer <token>' (POST /api/token gives one)",
                headers={"WWW-Authenticate": "Bearer"},
            )
        found = account_from_token(service(request).ledger.session_secret, token.strip())
        if found is None:
            raise Problem(401, "the bearer token is not valid or has expired", headers={"WWW-Authenticate": "Bearer"})
        account_id, issued_at = found
    else:
        # The JSON API takes bearer tokens only: a browser sends cookies by itself, even from another site's form,
        # and the API's writes carry no CSRF token. Pages use the session (and check CSRF on every form).
        if request.url.path.startswith(API_PATHS) or "session" not in request.scope:
            return None
        session_account = request.session.get(SESSION_ACCOUNT)
        if not isinstance(session_account, str):
            return None
        account_id = session_account
        try:
            issued_at = datetime.fromisoformat(str(request.session.get(SESSION_SINCE)))
        except ValueError:
            return None
    account = accounts.acting(account_id, issued_at)
    if account is None and header:
        raise Problem(
            401,
            "this token no longer works: its account was disabled or signed out, or is gone",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return account


MaybeAccount = Annotated[Account | None, Depends(current_account)]


def require(*roles: str) -> Callable[..., Account]:
    """A dependency of the API: the signed-in account, which must have one of ``roles``."""

    def dependency(account: MaybeAccount) -> Account:
        if account is None:
            raise Problem(401, "sign in first", headers={"WWW-Authenticate": "Bearer"})
        if account.role not in roles:
            raise Problem(403, f"this needs the role {' or '.join(roles)}; you are signed in as {account.role}")
        return account

    return dependency


EVERY_ROLE = ("registrant", "assessor", "registrar", "auditor", "admin")
AnyAccount = Annotated[Account, Depends(require(*EVERY_ROLE))]
RegistrantAccount = Annotated[Account, Depends(require("registrant"))]
AssessorAccount = Annotated[Account, Depends(require("assessor"))]
RegistrarAccount = Annotated[Account, Depends(require("registrar"))]
ReaderAccount = Annotated[Account, Depends(require(*READERS))]
AdminAccount = Annotated[Account, Depends(require("admin"))]
CaseAccount = Annotated[Account, Depends(require("registrant", "assessor", *READERS))]
"""Who may reach an application or an audit at all: its registrant, its assessor, the readers (each route then
checks the object is theirs)."""


def own_registrant(account: Account) -> UUID:
    """The registrant a registrant's account belongs to. An account made by signing up has none until its owner
    enrols (pages send them to ``/me/enrol``; ``Accounts.link_registrant`` links the two)."""
    if account.registrant_id is None:
        raise Problem(403, "this account has not enrolled yet: enrol first (the page /me/enrol)")
    return account.registrant_id


def own_assessor(account: Account) -> UUID:
    """The assessor an assessor's account belongs to (every assessor account names one)."""
    if account.assessor_id is None:
        raise Problem(403, "this account belongs to no assessor")
    return account.assessor_id


# -- pages: someone not signed in is sent to sign in
class SignInFirst(Exception):
    """A page for the signed-in only, asked for by someone who is not: they go to the sign-in page, and back."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url


def signed_in(request: Request, *roles: str, second_factor: bool = True) -> Account:
    """The signed-in account, which must have one of ``roles``. Staff (assessor, registrar, auditor, admin) must
    have signed in with their second factor: one who has none yet is sent to set it up, from every page that needs
    it (``second_factor=False``: the account's own pages, where they do that)."""
    account = current_account(request)
    if account is None:
        raise SignInFirst(f"/login?next={quote(request.url.path)}")
    if account.role not in roles:
        raise Problem(403, f"this page is for the role {' or '.join(roles)}; you are signed in as {account.role}")
    if second_factor and account.role in STAFF and not request.headers.get("authorization"):
        if not account_desk(request).factors.is_set_up(account.id):
            raise SignInFirst("/account/two-factor")
        if not request.session.get(SESSION_FACTOR):  # signed in before the factor was set up, elsewhere
            request.session.clear()
            raise SignInFirst(f"/login?next={quote(request.url.path)}")
    return account


def page_for(*roles: str) -> Callable[[Request], Account]:
    """A dependency of a page: the signed-in account, which must have one of ``roles``."""

    def dependency(request: Request) -> Account:
        return signed_in(request, *roles)

    return dependency


RegistrantPage = Annotated[Account, Depends(page_for("registrant"))]
AssessorPage = Annotated[Account, Depends(page_for("assessor"))]
RegistrarPage = Annotated[Account, Depends(page_for("registrar"))]
ReaderPage = Annotated[Account, Depends(page_for(*READERS))]
AdminPage = Annotated[Account, Depends(page_for("admin"))]


def _own_account_page(request: Request) -> Account:
    return signed_in(request, *EVERY_ROLE, second_factor=False)


AccountPage = Annotated[Account, Depends(_own_account_page)]
"""The account's own pages (its settings, setting up the second factor): any signed-in account, second factor or
not."""


# -- rate limits
def limited(purpose: str, setting: str) -> Callable[[Request], Awaitable[None]]:
    """A dependency: at most the setting's number of requests a minute for ``purpose`` from one client address."""

    async def dependency(request: Request) -> None:  # async: no thread hop for a check this cheap
        found = service(request)
        rate: int = getattr(found.settings, setting)
        wait = found.limiter.allow(purpose, request.client.host if request.client else "?", rate)
        if wait:
            raise Problem(
                429,
                f"too many requests: try again in {wait:.0f} seconds",
                headers={"Retry-After": str(max(1, round(wait)))},
            )

    return dependency


def account_mail_wait(request: Request, email: object) -> float:
    """Seconds to wait before this client may ask for another letter about an account (a sign-up, a reset, a new
    confirmation link): at most ``rate_signup_per_hour`` from one client address and ``rate_account_email_per_hour``
    for one email address (so nobody's mailbox is flooded by others). 0: go ahead (and counted)."""
    found = service(request)
    client = request.client.host if request.client else "?"
    wait = found.limiter.allow("account mail", client, found.settings.rate_signup_per_hour, 3600.0)
    if not wait and isinstance(email, str) and email.strip():
        wait = found.limiter.allow(
            "account mail to", email.strip().lower()[:254], found.settings.rate_account_email_per_hour, 3600.0
        )
    return wait


public_rate = Depends(limited("public", "rate_public_per_minute"))
login_rate = Depends(limited("login", "rate_login_per_minute"))


# -- what the request names
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description=(
            "Send the same key to retry safely: the command acts at most once and a retry gets its first answer. "
            "Without a key, a write whose answer was lost to a fault may have acted."
        ),
    ),
]
AuditYear = Annotated[int, Path(ge=2000, le=2200, description="The year of the audit sample")]


def uuid_or_404(value: str, what: str) -> UUID:
    """The id in the path, or 404: a malformed id names nothing that exists."""
    try:
        return UUID(value)
    except ValueError:
        raise Problem(404, f"no {what} {value}") from None
