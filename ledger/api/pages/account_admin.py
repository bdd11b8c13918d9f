"""The admin's accounts page (``/admin/accounts``): every account with its role, its state (invited, unverified,
active, disabled) and whether its second factor is set up; invite a member of staff (an assessor's account is for
an appointed assessor who has none yet, chosen by name); send an invitation again; change a role (not your own);
disable and enable."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from ledger.api.deps import AdminPage, ServiceDep, account_desk
from ledger.api.pages.forms import errors_of, form_of, parse_form
from ledger.api.pages.render import back, render
from ledger.api.problems import Problem
from ledger.api.schemas.accounts import AccountEmail, Invitation, RoleChange
from ledger.app.account_desk import AccountDesk
from ledger.app.accounts import STAFF, Account
from ledger.domain.errors import InvalidInput, LedgerError
from ledger.read.projections.casework import assessors

router = APIRouter(include_in_schema=False)
LABELS = {"email": "Email address", "role": "Role", "assessor_id": "Assessor"}
STATE_NAMES = {
    "active": "Active",
    "invited": "Invited (has not chosen a password yet)",
    "unverified": "Email not confirmed yet",
    "disabled": "Disabled",
}


def assessors_without_accounts(desk: AccountDesk) -> list[dict[str, str]]:
    """The appointed assessors (still serving) who have no account yet, by name: those an invitation can be for."""
    taken = {found.hex for found in desk.assessor_ids_with_accounts()}
    with desk.engine.connect() as conn:
        rows = conn.execute(
            select(assessors.c.id, assessors.c.name).where(assessors.c.active.is_(True)).order_by(assessors.c.name)
        ).all()
    return [{"id": str(UUID(r.id)), "name": r.name or "(name erased)"} for r in rows if r.id not in taken]


def chosen_assessor(desk: AccountDesk, role: str, assessor_id: str | None) -> UUID | None:
    """The assessor an invitation is for: one of those without an account (anything else is refused by name)."""
    if role != "assessor":
        return None
    if not assessor_id:
        raise InvalidInput("assessor_id", "choose the assessor this account is for")
    if assessor_id not in {a["id"] for a in assessors_without_accounts(desk)}:
        raise InvalidInput("assessor_id", "choose an appointed assessor who has no account yet")
    return UUID(assessor_id)


def _page(request: Request, account: Account, status: int = 200, **context: Any) -> Response:
    desk = account_desk(request)
    return render(
        request,
        "accounts.html",
        status_code=status,
        rows=desk.overview(),
        me=account,
        states=STATE_NAMES,
        roles=STAFF,
        free_assessors=assessors_without_accounts(desk),
        errors=context.pop("errors", {}),
        values=context.pop("values", {}),
        **context,
    )


@router.get("/admin/accounts", response_class=HTMLResponse)
def accounts_page(request: Request, account: AdminPage) -> Response:
    return _page(request, account)


@router.post("/admin/accounts/invite")
async def invite(request: Request, account: AdminPage) -> Response:
    form = await form_of(request)
    desk = account_desk(request)
    values = {k: v for k, v in form.items() if k in ("email", "role", "assessor_id") and isinstance(v, str)}
    try:
        asked = parse_form(Invitation, form)
        assessor = chosen_assessor(desk, asked.role, asked.assessor_id)
        if await run_in_threadpool(desk.once, form.get("form_key")):
            await run_in_threadpool(desk.invite, asked.email, asked.role, assessor)
    except LedgerError as error:
        await run_in_threadpool(desk.release, form.get("form_key"))
        return _page(request, account, 422, errors=errors_of(error, LABELS, "email"), values=values)
    return back("/admin/accounts", f"Invitation sent to {asked.email.strip().lower()}.", request=request)


@router.post("/admin/accounts/{action}")
async def account_action(request: Request, service: ServiceDep, action: str, account: AdminPage) -> Response:
    form = await form_of(request)
    accounts = service.accounts
    desk = account_desk(request)
    if action not in ("disable", "enable", "role", "reinvite"):
        raise Problem(404, "the account actions are invite, role, reinvite, disable and enable")
    try:
        email = parse_form(AccountEmail, {"email": form.get("email")}).email
        if email.strip().lower() == account.email and action in ("disable", "role"):
            raise LedgerError(
                f"You cannot {'disable' if action == 'disable' else 'change the role of'} your own "
                "account (another admin can)."
            )
        target = await run_in_threadpool(accounts.by_email, email)
        if action == "role":
            role = parse_form(RoleChange, {"role": form.get("role")}).role
            changed = await run_in_threadpool(accounts.set_role, target.id, role)
            said = f"{changed.email} is now {changed.role}."
        elif action == "reinvite":
            await run_in_threadpool(desk.send_invitation, target)
            said = f"A new invitation was sent to {target.email}; the earlier link no longer works."
        elif action == "disable":
            await run_in_threadpool(accounts.disable, email)
            said = f"{target.email} disabled: its sessions and tokens have ended."
        else:
            await run_in_threadpool(accounts.enable, email)
            said = f"{target.email} enabled."
    except LedgerError as error:
        text = str(error)
        return back("/admin/accounts", text[:1].upper() + text[1:], request=request, error=True)
    return back("/admin/accounts", said, request=request)
