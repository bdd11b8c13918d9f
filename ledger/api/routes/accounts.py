"""Signing in (a bearer token; staff also send their second factor's code as ``otp``), who you are, and the
admin's accounts: list, add, invite (and invite again), change a role, disable, enable. The same commands and
schemas as the admin's page (``ledger.api.pages.account_admin``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request

from ledger.api.deps import AdminAccount, AnyAccount, ServiceDep, account_desk, login_rate, uuid_or_404
from ledger.api.pages.account_admin import chosen_assessor
from ledger.api.problems import Problem
from ledger.api.schemas.accounts import MAX_EMAIL, Invitation, NewAccount, RoleChange, SignIn
from ledger.api.security import issue_token
from ledger.app.accounts import STAFF
from ledger.read.views import registrant_view

router = APIRouter(prefix="/api")
BEARER = {"WWW-Authenticate": "Bearer"}


@router.post("/token", tags=["auth"], dependencies=[login_rate])
def token(request: Request, service: ServiceDep, body: Annotated[SignIn, Form()]) -> dict[str, Any]:
    """A bearer token for the API (15 minutes), from an email and password (form fields, as OAuth2 password).
    Staff (assessor, registrar, auditor, admin) also send ``otp``: the current code from their authenticator app
    (each code works once) or one of their recovery codes."""
    account, state = service.accounts.check(body.email, body.password)
    if account is None or state == "disabled":
        raise Problem(401, "the email or password is wrong", headers=BEARER)
    if state == "unverified":
        raise Problem(403, "confirm your email address first: open the link in the letter we sent (or ask at /login)")
    if state == "invited":
        raise Problem(403, "take up your invitation first: open the link in its letter")
    factors = account_desk(request).factors
    has_factor = factors.is_set_up(account.id)
    if account.role in STAFF and not has_factor:
        raise Problem(
            403, "staff sign in with a second factor: set it up first at /account/two-factor (sign in on the site)"
        )
    if has_factor:
        if not body.otp:
            raise Problem(401, "otp: send the code from your authenticator app in the form field 'otp'", headers=BEARER)
        if not factors.check(account.id, body.otp):
            raise Problem(
                401, "otp: the code is wrong or was used already: send the newest code your app shows", headers=BEARER
            )
    value, seconds = issue_token(service.ledger.session_secret, account)
    return {"access_token": value, "token_type": "bearer", "expires_in": seconds, "role": account.role}


@router.get("/me", tags=["auth"])
def me(service: ServiceDep, account: AnyAccount) -> dict[str, Any]:
    """Who you are; a registrant also gets their record (with their own background answers)."""
    view: dict[str, Any] = {"email": account.email, "role": account.role}
    if account.registrant_id:
        view["registrant"] = registrant_view(service.ledger, account.registrant_id, personal=True)
    elif account.role == "registrant":
        view["enrolled"] = False
    if account.assessor_id:
        view["assessor_id"] = str(account.assessor_id)
    return view


# -- the admin's
@router.post("/accounts", tags=["admin"])
def add_account(service: ServiceDep, body: NewAccount, account: AdminAccount) -> dict[str, Any]:
    """An account with a password the admin chooses (inviting staff, ``POST /api/accounts/invitations``, lets them
    choose their own)."""
    registrant = (
        service.ledger.registrant_by_number(body.registration_number)
        if body.registration_number
        else uuid_or_404(body.registrant_id, "registrant")
        if body.registrant_id
        else None
    )
    if registrant is not None:
        service.ledger.registrant(registrant)
    assessor = uuid_or_404(body.assessor_id, "assessor") if body.assessor_id else None
    if assessor is not None:
        service.ledger.assessor(assessor)
    made = service.accounts.add(body.email, body.password, body.role, registrant_id=registrant, assessor_id=assessor)
    return {"id": made.id, "email": made.email, "role": made.role}


@router.get("/accounts", tags=["admin"])
def list_accounts(request: Request, account: AdminAccount) -> list[dict[str, Any]]:
    """Every account: email, role, state (active, invited, unverified, disabled), second factor set up or not."""
    return [row.as_dict() for row in account_desk(request).overview()]


@router.post("/accounts/invitations", tags=["admin"])
def invite(request: Request, body: Invitation, account: AdminAccount) -> dict[str, Any]:
    """Invite a member of staff: they are mailed a link (valid 7 days, once) to choose their password, then set up
    their second factor. An assessor's account names an appointed assessor who has no account yet."""
    desk = account_desk(request)
    made = desk.invite(body.email, body.role, chosen_assessor(desk, body.role, body.assessor_id))
    return {"id": made.id, "email": made.email, "role": made.role, "state": "invited"}


AccountInPath = Annotated[str, Path(max_length=MAX_EMAIL)]


@router.post("/accounts/{email}/invitation", tags=["admin"])
def invite_again(request: Request, email: AccountInPath, account: AdminAccount) -> dict[str, Any]:
    """Mail the invitation again (the earlier link stops working)."""
    desk = account_desk(request)
    desk.send_invitation(desk.accounts.by_email(email))
    return {"email": email.strip().lower(), "state": "invited"}


@router.post("/accounts/{email}/role", tags=["admin"])
def change_role(service: ServiceDep, email: AccountInPath, body: RoleChange, account: AdminAccount) -> dict[str, Any]:
    """A staff account's new role (registrar, auditor, admin; assessor only for an assessor's account)."""
    if email.strip().lower() == account.email:
        raise Problem(409, "you cannot change your own role (another admin can)")
    changed = service.accounts.set_role(service.accounts.by_email(email).id, body.role)
    return {"email": changed.email, "role": changed.role}


@router.post("/accounts/{email}/disable", tags=["admin"])
def disable_account(service: ServiceDep, email: AccountInPath, account: AdminAccount) -> dict[str, Any]:
    """The account can no longer sign in or act; every session and token it holds ends now."""
    if email.strip().lower() == account.email:
        raise Problem(409, "you cannot disable your own account (another admin can)")
    found = service.accounts.disable(email)
    return {"email": found.email, "disabled": True}


@router.post("/accounts/{email}/enable", tags=["admin"])
def enable_account(service: ServiceDep, email: AccountInPath, account: AdminAccount) -> dict[str, Any]:
    found = service.accounts.enable(email)
    return {"email": found.email, "disabled": False}
