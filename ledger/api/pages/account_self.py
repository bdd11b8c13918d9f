"""The signed-in person's own account (``/account``): their email, role and second factor; change the password
(the current one is needed; every other session ends); sign out everywhere. And the second factor's set-up
(``/account/two-factor``): the secret and a QR code of its ``otpauth://`` address for an authenticator app, confirmed
with a code, then ten recovery codes shown once. Staff must set it up before any other staff page opens."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from ledger.api.deps import AccountPage, ServiceDep, account_desk
from ledger.api.pages.accounts import home
from ledger.api.pages.forms import errors_of, form_of, parse_form
from ledger.api.pages.render import back, render
from ledger.api.schemas.accounts import ChangePassword, SecondFactorCode
from ledger.api.security import SESSION_FACTOR, start_session
from ledger.app.account_factors import provisioning_uri
from ledger.app.accounts import STAFF, Account
from ledger.domain.errors import LedgerError

router = APIRouter(include_in_schema=False)
LABELS = {
    "current_password": "Current password",
    "password": "New password",
    "confirm_password": "Confirm the new password",
    "code": "Code",
}


def _account_page(request: Request, account: Account, status: int = 200, **context: Any) -> Response:
    desk = account_desk(request)
    return render(
        request,
        "account_settings.html",
        status_code=status,
        me=account,
        staff=account.role in STAFF,
        second_factor=desk.factors.is_set_up(account.id),
        codes_left=desk.factors.recovery_codes_left(account.id),
        errors=context.pop("errors", {}),
        **context,
    )


@router.get("/account", response_class=HTMLResponse)
def account_page(request: Request, account: AccountPage) -> Response:
    return _account_page(request, account)


@router.post("/account/password")
async def change_password(request: Request, service: ServiceDep, account: AccountPage) -> Response:
    form = await form_of(request)
    desk = account_desk(request)
    try:
        asked = parse_form(ChangePassword, form)
        await run_in_threadpool(desk.change_password, account, asked.current_password, asked.password)
    except LedgerError as error:
        return _account_page(request, account, 422, errors=errors_of(error, LABELS, "current_password"))
    # every session ended (copies of this cookie too): this browser carries on in a new one
    start_session(request, account, second_factor=bool(request.session.get(SESSION_FACTOR)))
    return back("/account", "Your password is changed. You are signed out everywhere else.", request=request)


@router.post("/account/sign-out-everywhere")
async def sign_out_everywhere(request: Request, service: ServiceDep, account: AccountPage) -> Response:
    await form_of(request)
    await run_in_threadpool(service.accounts.end_sessions, account.id)
    request.session.clear()
    return back("/login", "You are signed out everywhere: on every device and browser.", request=request)


# -- the second factor
def qr_svg(uri: str) -> Markup:
    """The QR code of ``uri`` as inline SVG (drawn here: nothing is fetched from anywhere)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=10)
    svg = image.to_string(encoding="unicode")
    svg = svg.replace("<svg ", '<svg role="img" aria-label="QR code for your authenticator app" ', 1)
    return Markup(svg)  # noqa: S704 - made here from our own data, not from input


def _two_factor_page(
    request: Request, account: Account, status: int = 200, errors: dict[str, str] | None = None
) -> Response:
    desk = account_desk(request)
    if desk.factors.is_set_up(account.id):
        return render(request, "account_two_factor.html", status_code=status, done=True, errors={})
    secret = desk.factors.pending_secret(account.id) or desk.factors.begin(account.id)
    uri = provisioning_uri(secret, account.email, request.app.state.service.settings.issuer_name)
    return render(
        request,
        "account_two_factor.html",
        status_code=status,
        done=False,
        secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        qr=qr_svg(uri),
        errors=errors or {},
    )


@router.get("/account/two-factor", response_class=HTMLResponse)
def two_factor_page(request: Request, account: AccountPage) -> Response:
    return _two_factor_page(request, account)


@router.post("/account/two-factor")
async def two_factor(request: Request, account: AccountPage) -> Response:
    form = await form_of(request)
    desk = account_desk(request)
    try:
        asked = parse_form(SecondFactorCode, form)
        codes = await run_in_threadpool(desk.factors.confirm, account.id, asked.code)
    except LedgerError as error:
        return _two_factor_page(request, account, 422, errors_of(error, LABELS, "code"))
    request.session[SESSION_FACTOR] = True  # shown by this browser just now
    return render(request, "account_recovery_codes.html", codes=codes, next=home(account))
