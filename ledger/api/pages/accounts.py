"""Signing in and out, and the admin's accounts page (disable, enable)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from ledger.api.deps import AdminPage, ServiceDep, current_account, login_rate
from ledger.api.pages.forms import FormInvalid, form_of, parse_form
from ledger.api.pages.render import back, render
from ledger.api.problems import Problem
from ledger.api.schemas.accounts import AccountEmail, SignIn
from ledger.api.security import start_session
from ledger.domain.errors import LedgerError

router = APIRouter(include_in_schema=False)
HOME_OF = {
    "registrant": "/me",
    "assessor": "/assess",
    "registrar": "/casework",
    "auditor": "/casework",
    "admin": "/casework",
}


def _local(target: object) -> str:
    """Where to go after signing in: a path on this site, never another site's address."""
    if not isinstance(target, str) or not target.startswith("/") or target.startswith("//"):
        return "/me"
    return target


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/me") -> HTMLResponse:  # noqa: A002
    return render(request, "login.html", next=_local(next))


@router.post("/login", dependencies=[login_rate])
async def login(request: Request, service: ServiceDep) -> Response:
    form = await form_of(request)
    target = _local(form.get("next") or "/me")
    try:
        asked = parse_form(SignIn, form)
    except FormInvalid as error:
        return render(request, "login.html", status_code=422, next=target, error=str(error))
    account = await run_in_threadpool(
        service.accounts.authenticate, asked.email, asked.password
    )  # Argon2 is slow on purpose: not in the event loop
    if account is None:
        return render(request, "login.html", status_code=401, next=target, error="The email or password is wrong.")
    start_session(request, account)
    return back(target if target != "/me" else HOME_OF[account.role], request=request)


@router.post("/logout")
async def logout(request: Request, service: ServiceDep) -> Response:
    await form_of(request)
    account = current_account(request)
    if account is not None:  # every session of the account ends, including copies of this cookie
        await run_in_threadpool(service.accounts.end_sessions, account.id)
    request.session.clear()
    return back("/", "You are signed out.", request=request)


# -- the admin's
@router.get("/admin/accounts", response_class=HTMLResponse)
def accounts_page(request: Request, service: ServiceDep, account: AdminPage) -> Response:
    accounts = service.accounts
    rows = [{"email": a.email, "role": a.role, "disabled": accounts.is_disabled(a.email)} for a in accounts.all()]
    return render(request, "accounts.html", accounts=rows, account=account)


@router.post("/admin/accounts/{action}")
async def account_action(request: Request, service: ServiceDep, action: str, account: AdminPage) -> Response:
    form = await form_of(request)
    accounts = service.accounts
    if action not in ("disable", "enable"):
        raise Problem(404, "the account actions are disable and enable")
    try:
        email = parse_form(AccountEmail, form).email
    except FormInvalid as error:
        return back("/admin/accounts", str(error), request=request, error=True)
    if email.strip().lower() == account.email:
        return back(
            "/admin/accounts", "You cannot disable your own account (another admin can).", request=request, error=True
        )
    try:
        found = await run_in_threadpool(accounts.disable if action == "disable" else accounts.enable, email)
    except LedgerError as error:
        return back("/admin/accounts", str(error), request=request, error=True)
    said = "disabled: its sessions and tokens have ended" if action == "disable" else "enabled"
    return back("/admin/accounts", f"{found.email} {said}.", request=request)
