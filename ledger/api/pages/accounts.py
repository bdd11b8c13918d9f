"""Signing in and out. Staff (assessor, registrar, auditor, admin) sign in in two steps: the password, then a code
from their authenticator app or a recovery code (``/login/code``); one who has no second factor yet is signed in
and sent to set it up. A registrant's account that has not confirmed its email cannot sign in: the page says so,
once the password is right, and offers to send the link again.

The other account pages hang from this module's router: sign-up and the mailed links (``account_links``), the
account's own page and second factor (``account_self``), the admin's accounts (``account_admin``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from ledger.api.deps import ServiceDep, account_desk, current_account, login_rate
from ledger.api.pages.forms import FormInvalid, form_of, parse_form
from ledger.api.pages.render import back, render
from ledger.api.schemas.accounts import SecondFactorCode, SignIn
from ledger.api.security import SESSION_CHALLENGE, SESSION_NEXT, start_session
from ledger.app.account_factors import ChallengeEnded
from ledger.app.accounts import STAFF, Account

router = APIRouter(include_in_schema=False)
HOME_OF = {
    "registrant": "/me",
    "assessor": "/assess",
    "registrar": "/casework",
    "auditor": "/casework",
    "admin": "/casework",
    "organisation": "/org",
}


def _local(target: object) -> str:
    """Where to go after signing in: a path on this site, never another site's address."""
    if not isinstance(target, str) or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/me"
    return target


def home(account: Account, target: str = "/me") -> str:
    return target if target != "/me" else HOME_OF[account.role]


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/me") -> HTMLResponse:  # noqa: A002
    return render(request, "login.html", next=_local(next), values={}, errors={})


@router.post("/login", dependencies=[login_rate])
async def login(request: Request, service: ServiceDep) -> Response:
    form = await form_of(request)
    target = _local(form.get("next") or "/me")
    values = {"email": form.get("email") if isinstance(form.get("email"), str) else ""}
    try:
        asked = parse_form(SignIn, form)
    except FormInvalid as error:
        return _login_refused(request, target, values, {"email": str(error)}, 422)
    # Argon2 is slow on purpose: not in the event loop
    account, state = await run_in_threadpool(service.accounts.check, asked.email, asked.password)
    if account is None or state == "disabled":
        return _login_refused(request, target, values, {"email": "The email or password is wrong."}, 401)
    if state == "unverified":
        return render(request, "login.html", status_code=403, next=target, values=values, errors={}, unverified=True)
    if state == "invited":
        return _login_refused(
            request, target, values, {"email": "Take up your invitation first: open the link in its email."}, 403
        )
    desk = account_desk(request)
    if await run_in_threadpool(desk.factors.is_set_up, account.id):  # staff; anyone else who chose one
        challenge = await run_in_threadpool(desk.factors.start_challenge, account.id)
        request.session.clear()
        request.session[SESSION_CHALLENGE] = challenge
        request.session[SESSION_NEXT] = target
        return back("/login/code", request=request)
    start_session(request, account)
    if account.role in STAFF:  # no second factor yet: set it up before anything else
        return back("/account/two-factor", request=request)
    return back(home(account, target), request=request)


def _login_refused(
    request: Request, target: str, values: dict[str, Any], errors: dict[str, str], status: int
) -> Response:
    return render(request, "login.html", status_code=status, next=target, values=values, errors=errors)


@router.get("/login/code", response_class=HTMLResponse)
def code_page(request: Request) -> Response:
    if not isinstance(request.session.get(SESSION_CHALLENGE), str):
        return back("/login", "Sign in with your email and password first.", request=request)
    return render(request, "account_code.html", errors={})


@router.post("/login/code", dependencies=[login_rate])
async def code(request: Request, service: ServiceDep) -> Response:
    form = await form_of(request)
    challenge = request.session.get(SESSION_CHALLENGE)
    if not isinstance(challenge, str):
        return back("/login", "Sign in with your email and password first.", request=request)
    target = _local(request.session.get(SESSION_NEXT) or "/me")
    try:
        asked = parse_form(SecondFactorCode, form)
    except FormInvalid:
        return render(request, "account_code.html", status_code=422, errors={"code": "Enter the code from your app."})
    desk = account_desk(request)
    try:
        account_id = await run_in_threadpool(desk.factors.answer_challenge, challenge, asked.code)
    except ChallengeEnded as error:
        request.session.clear()
        return back("/login", str(error)[:1].upper() + str(error)[1:], request=request, error=True)
    if account_id is None:
        return render(
            request,
            "account_code.html",
            status_code=401,
            errors={"code": "That code is not right, or was used already: enter the newest code your app shows."},
        )
    found = service.accounts.get(account_id)
    if found is None or service.accounts.state(account_id) != "active":  # disabled meanwhile
        request.session.clear()
        return back("/login", "This account cannot sign in.", request=request, error=True)
    start_session(request, found, second_factor=True)
    return back(home(found, target), request=request)


@router.post("/logout")
async def logout(request: Request, service: ServiceDep) -> Response:
    await form_of(request)
    account = current_account(request)
    if account is not None:  # every session of the account ends, including copies of this cookie
        await run_in_threadpool(service.accounts.end_sessions, account.id)
    request.session.clear()
    return back("/", "You are signed out.", request=request)


def _include() -> None:
    from ledger.api.pages import account_admin, account_links, account_self

    for feature in (account_links, account_self, account_admin):
        router.routes.extend(feature.router.routes)  # flat, as ``ledger.api.pages.router`` lists every page


_include()
