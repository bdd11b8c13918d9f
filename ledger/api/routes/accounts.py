"""Signing in (a bearer token), who you are, and the admin's accounts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path

from ledger.api.deps import AdminAccount, AnyAccount, ServiceDep, login_rate, uuid_or_404
from ledger.api.problems import Problem
from ledger.api.schemas.accounts import MAX_EMAIL, NewAccount, SignIn
from ledger.api.security import issue_token
from ledger.read.views import registrant_view

router = APIRouter(prefix="/api")


@router.post("/token", tags=["auth"], dependencies=[login_rate])
def token(service: ServiceDep, body: Annotated[SignIn, Form()]) -> dict[str, Any]:
    """A bearer token for the API (15 minutes), from an email and password (form fields, as OAuth2 password)."""
    account = service.accounts.authenticate(body.email, body.password)
    if account is None:
        raise Problem(401, "the email or password is wrong", headers={"WWW-Authenticate": "Bearer"})
    value, seconds = issue_token(service.ledger.session_secret, account)
    return {"access_token": value, "token_type": "bearer", "expires_in": seconds, "role": account.role}


@router.get("/me", tags=["auth"])
def me(service: ServiceDep, account: AnyAccount) -> dict[str, Any]:
    """Who you are; a registrant also gets their record (with their own background answers)."""
    view: dict[str, Any] = {"email": account.email, "role": account.role}
    if account.registrant_id:
        view["registrant"] = registrant_view(service.ledger, account.registrant_id, personal=True)
    if account.assessor_id:
        view["assessor_id"] = str(account.assessor_id)
    return view


# -- the admin's
@router.post("/accounts", tags=["admin"])
def add_account(service: ServiceDep, body: NewAccount, account: AdminAccount) -> dict[str, Any]:
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
def list_accounts(service: ServiceDep, account: AdminAccount) -> list[dict[str, Any]]:
    accounts = service.accounts
    return [
        {"id": a.id, "email": a.email, "role": a.role, "disabled": accounts.is_disabled(a.email)}
        for a in accounts.all()
    ]


AccountInPath = Annotated[str, Path(max_length=MAX_EMAIL)]


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
