"""Signing up, and the links mailed about accounts: confirm your email (``/verify``), forgotten password
(``/forgot``, then ``/reset``), a staff invitation (``/invitation``).

What the visitor is told never depends on whether an email has an account (the same page for a known and an
unknown email); the account's owner is mailed instead. A link that has expired or was used says so in plain words
and offers a new one on the spot. Asking for letters is throttled per client address and per email address (a
plain 429 page saying when to try again). A form sent twice acts once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from ledger.api.deps import account_desk, account_mail_wait
from ledger.api.pages.forms import errors_of, form_of, parse_form
from ledger.api.pages.render import back, render
from ledger.api.schemas.accounts import AccountEmail, SignUp, WithToken
from ledger.api.security import start_session
from ledger.app.account_links import LinkNotUsable
from ledger.domain.errors import LedgerError

router = APIRouter(include_in_schema=False)
LABELS = {
    "email": "Email address",
    "password": "Password",
    "confirm_password": "Confirm your password",
    "token": "The link",
}


def _typed(form: dict[str, Any], *names: str) -> dict[str, str]:
    return {n: form[n] for n in names if isinstance(form.get(n), str)}


def throttled(request: Request, wait: float) -> Response:
    """The plain 429 page: when to try again."""
    minutes = max(1, round(wait / 60))
    at = (datetime.now(UTC) + timedelta(seconds=wait)).strftime("%H:%M UTC")
    response = render(request, "account_throttled.html", status_code=429, minutes=minutes, at=at)
    response.headers["Retry-After"] = str(max(1, round(wait)))
    return response


async def _once(request: Request, form: dict[str, Any], act: Callable[[], Any]) -> bool:
    """Run ``act`` once for the form's key: False if the same form acted before. A refusal frees the key."""
    desk = account_desk(request)
    key = form.get("form_key")
    if not await run_in_threadpool(desk.once, key):
        return False
    try:
        await run_in_threadpool(act)
    except LedgerError:
        await run_in_threadpool(desk.release, key)
        raise
    return True


# -- signing up
@router.get("/signup", response_class=HTMLResponse)
def signup_page(request: Request) -> Response:
    return render(request, "account_signup.html", values={}, errors={})


@router.post("/signup")
async def signup(request: Request) -> Response:
    form = await form_of(request)
    values = _typed(form, "email")
    try:
        asked = parse_form(SignUp, form)
        wait = account_mail_wait(request, asked.email)
        if wait:
            return throttled(request, wait)
        desk = account_desk(request)
        await _once(request, form, lambda: desk.sign_up(asked.email, asked.password))
    except LedgerError as error:
        return render(
            request, "account_signup.html", status_code=422, values=values, errors=errors_of(error, LABELS, "email")
        )
    return _check_email(request, asked.email, "verify")


def _check_email(request: Request, email: str, about: str) -> Response:
    return render(request, "account_check_email.html", email=email.strip(), about=about, values={"email": email})


# -- confirming the email
@router.get("/verify", response_class=HTMLResponse)
async def verify(request: Request, token: str = "") -> Response:
    desk = account_desk(request)
    try:
        account = await run_in_threadpool(desk.verify, token)
    except LinkNotUsable as error:
        return _link_problem(request, error, "verify")
    return render(request, "account_verified.html", email=account.email)


@router.post("/verify/resend")
async def resend(request: Request) -> Response:
    form = await form_of(request)
    try:
        asked = parse_form(AccountEmail, form)
    except LedgerError as error:
        return _link_problem(request, None, "verify", errors_of(error, LABELS, "email"), _typed(form, "email"))
    wait = account_mail_wait(request, asked.email)
    if wait:
        return throttled(request, wait)
    desk = account_desk(request)
    await _once(request, form, lambda: desk.resend_verification(asked.email))
    return _check_email(request, asked.email, "verify")


def _link_problem(
    request: Request,
    error: LinkNotUsable | None,
    purpose: str,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    status = 422 if errors else 410 if error is not None and error.why in ("expired", "used") else 400
    return render(
        request,
        "account_link_problem.html",
        status_code=status,
        message=str(error) if error else "Enter your email address to get a new link.",
        purpose=purpose,
        why=error.why if error is not None else None,
        errors=errors or {},
        values=values or {},
    )


# -- a forgotten password
@router.get("/forgot", response_class=HTMLResponse)
def forgot_page(request: Request) -> Response:
    return render(request, "account_forgot.html", values={}, errors={})


@router.post("/forgot")
async def forgot(request: Request) -> Response:
    form = await form_of(request)
    try:
        asked = parse_form(AccountEmail, form)
    except LedgerError as error:
        return render(
            request,
            "account_forgot.html",
            status_code=422,
            values=_typed(form, "email"),
            errors=errors_of(error, LABELS, "email"),
        )
    wait = account_mail_wait(request, asked.email)
    if wait:
        return throttled(request, wait)
    desk = account_desk(request)
    await _once(request, form, lambda: desk.forgot(asked.email))
    return _check_email(request, asked.email, "reset")


@router.get("/reset", response_class=HTMLResponse)
async def reset_page(request: Request, token: str = "") -> Response:
    desk = account_desk(request)
    try:
        account = await run_in_threadpool(desk.reset_account, token)
    except LinkNotUsable as error:
        return _link_problem(request, error, "reset")
    return render(request, "account_reset.html", token=token, email=account.email, errors={})


@router.post("/reset")
async def reset(request: Request) -> Response:
    form = await form_of(request)
    token = form.get("token") if isinstance(form.get("token"), str) else ""
    desk = account_desk(request)
    try:
        asked = parse_form(WithToken, form)
        if not await _once(request, form, lambda: desk.reset(asked.token, asked.password)):
            return back("/login", "Your password is changed: sign in with it.", request=request)
    except LinkNotUsable as error:
        return _link_problem(request, error, "reset")
    except LedgerError as error:
        try:
            email = (await run_in_threadpool(desk.reset_account, token)).email
        except LinkNotUsable as problem:
            return _link_problem(request, problem, "reset")
        return render(
            request, "account_reset.html", status_code=422, token=token, email=email, errors=errors_of(error, LABELS)
        )
    request.session.clear()
    return back(
        "/login",
        "Your password is changed, and every session of your account has ended: sign in with it.",
        request=request,
    )


# -- a staff invitation
@router.get("/invitation", response_class=HTMLResponse)
async def invitation_page(request: Request, token: str = "") -> Response:
    desk = account_desk(request)
    try:
        account = await run_in_threadpool(desk.invitation_account, token)
    except LinkNotUsable as error:
        return _link_problem(request, error, "invitation")
    return render(request, "account_invitation.html", token=token, invited=account, errors={})


@router.post("/invitation")
async def accept_invitation(request: Request) -> Response:
    form = await form_of(request)
    token = form.get("token") if isinstance(form.get("token"), str) else ""
    desk = account_desk(request)
    accepted: list[Any] = []
    try:
        asked = parse_form(WithToken, form)
        if not await _once(request, form, lambda: accepted.append(desk.accept_invitation(asked.token, asked.password))):
            return back("/login", "Your password is set: sign in with it.", request=request)
    except LinkNotUsable as error:
        return _link_problem(request, error, "invitation")
    except LedgerError as error:
        try:
            invited = await run_in_threadpool(desk.invitation_account, token)
        except LinkNotUsable as problem:
            return _link_problem(request, problem, "invitation")
        return render(
            request,
            "account_invitation.html",
            status_code=422,
            token=token,
            invited=invited,
            errors=errors_of(error, LABELS),
        )
    start_session(request, accepted[0])  # the password alone: the second factor is next
    return back("/account/two-factor", "Your password is set. Now set up your second factor.", request=request)
