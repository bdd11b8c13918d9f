"""The organisations pages for the registrar and the admin (``/casework/organisations``): every organisation with its
code, name, contact, how many people have linked to it and whether it is open, found by name or code; registering
one (its name and contact email; it is given its code); an organisation's own page with the people count, its
accounts and the invitations not yet taken up, renaming it, and closing it after a confirmation page that says what
closing does. Giving an organisation an account (an invitation by email) is the admin's, as staff accounts are.

The list is read from the aggregates (``Organisations.all_organisations``), not a projection: organisations are
registered by hand and are few, and a page read straight after a change shows it. Each form parses the body the
JSON API takes for the same command (``ledger.api.routes.organisations``), so a bad value gets the same
field-named error."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from ledger.api.deps import AdminPage, LedgerDep, account_desk, page_for, service, uuid_or_404
from ledger.api.pages.account_admin import STATE_NAMES
from ledger.api.pages.forms import errors_of, form_of, parse_form, write
from ledger.api.pages.render import back, render
from ledger.api.problems import Problem
from ledger.api.routes.organisations import Closing, NewAccount, NewOrganisation
from ledger.api.service import Behind
from ledger.app.accounts import Account
from ledger.app.ledger import Ledger
from ledger.app.organisations import parse_code
from ledger.domain.aggregates import Organisation
from ledger.domain.errors import InvalidInput, LedgerError, NotFound

router = APIRouter(include_in_schema=False)
HERE = "/casework/organisations"
RegistrarOrAdminPage = Annotated[Account, Depends(page_for("registrar", "admin"))]
LABELS = {
    "name": "Name",
    "contact_email": "Contact email address",
    "reason": "Reason for closing",
    "email": "Email address",
}


class Renaming(BaseModel):
    """An organisation's new name (the API has no rename yet: this is the form's body)."""

    name: str = Field(max_length=200)


def given(field: str, value: str, what: str) -> str:
    """The value, or an error that says what to type (the command's own check says only "must be given as text")."""
    if not value.strip():
        raise InvalidInput(field, what)
    return value


# -- reading
def matching(organisations: list[Organisation], query: str) -> list[Organisation]:
    """The organisations (open or closed) with this code, or whose name holds the query (any case, any spacing)."""
    code = parse_code(query)
    if code is not None:
        return [o for o in organisations if o.code == code]
    wanted = " ".join(query.casefold().split())
    return [o for o in organisations if wanted in " ".join(o.name.casefold().split())]


def row_of(ledger: Ledger, organisation: Organisation) -> dict[str, Any]:
    return {
        "id": str(organisation.id),
        "code": organisation.code,
        "name": organisation.name,
        "contact": ledger.contact_email(organisation) or "(erased)",
        "linked": len(organisation.members),
        "open": organisation.open,
        "registered_at": organisation.registered_at,
        "closed_at": organisation.closed_at,
    }


def _organisation(ledger: Ledger, organisation_id: str) -> Organisation:
    found = uuid_or_404(organisation_id, "organisation")
    try:
        return ledger.organisation(found)
    except NotFound:
        raise Problem(404, f"no organisation {organisation_id}") from None


def _accounts_of(request: Request, organisation: Organisation) -> list[dict[str, str]]:
    """The organisation's accounts with their state: an ``invited`` one is an invitation not yet taken up."""
    accounts = service(request).accounts
    found = [{"email": a.email, "state": accounts.state(a.id)} for a in accounts.of_organisation(organisation.id)]
    return sorted(found, key=lambda a: a["email"])


# -- the list and registering
@router.get(HERE, response_class=HTMLResponse)
def organisations_page(request: Request, ledger: LedgerDep, account: RegistrarOrAdminPage, q: str = "") -> Response:
    query = q.strip()[:200]
    everyone = ledger.all_organisations()
    shown = matching(everyone, query) if query else everyone
    return render(
        request,
        "casework_organisations.html",
        rows=[row_of(ledger, o) for o in shown],
        total=len(everyone),
        query=query,
    )


@router.get(HERE + "/new", response_class=HTMLResponse)
def new_organisation_page(request: Request, account: RegistrarOrAdminPage) -> Response:
    return render(request, "casework_organisations_new.html", errors={}, values={})


@router.post(HERE + "/new")
async def register(request: Request, ledger: LedgerDep, account: RegistrarOrAdminPage) -> Response:
    form = await form_of(request)

    def act() -> str:
        body = parse_form(NewOrganisation, form)
        name = given("name", body.name, "type the organisation's name, as its people know it")
        email = given("contact_email", body.contact_email, "type the address the register writes to it at")
        try:
            return str(ledger.register_organisation(name, email, account.email))
        except InvalidInput as error:  # the command names its email check "email": this form calls it otherwise
            if error.field == "email":
                raise InvalidInput("contact_email", error.message) from None
            raise

    try:
        made = write(request, account, act)
    except LedgerError as error:
        values = {k: v for k, v in form.items() if k in ("name", "contact_email") and isinstance(v, str)}
        return render(
            request,
            "casework_organisations_new.html",
            status_code=422,
            errors=errors_of(error, LABELS, "name"),
            values=values,
        )
    except Behind:  # read from the aggregates: nothing waits on the read models here
        return back(HERE, "Organisation registered.", request=request)
    organisation = ledger.organisation(UUID(made))
    return back(
        f"{HERE}/{made}",
        f"{organisation.name} is registered with the code {organisation.code}: give the code to its people, who "
        "type it to link their registration.",
        request=request,
    )


# -- one organisation
def _organisation_page(
    request: Request,
    ledger: Ledger,
    account: Account,
    organisation_id: str,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    notice: str | None = None,
) -> Response:
    organisation = _organisation(ledger, organisation_id)
    return render(
        request,
        "casework_organisations_one.html",
        status_code=status_code,
        o=row_of(ledger, organisation),
        accounts=_accounts_of(request, organisation),
        states=STATE_NAMES,
        me=account,
        errors=errors or {},
        values=values or {},
        notice=notice,
    )


@router.get(HERE + "/{organisation_id}", response_class=HTMLResponse)
def organisation_page(
    request: Request, ledger: LedgerDep, organisation_id: str, account: RegistrarOrAdminPage
) -> Response:
    return _organisation_page(request, ledger, account, organisation_id)


@router.post(HERE + "/{organisation_id}/rename")
async def rename(request: Request, ledger: LedgerDep, organisation_id: str, account: RegistrarOrAdminPage) -> Response:
    form = await form_of(request)
    organisation = _organisation(ledger, organisation_id)

    def act() -> None:
        name = given("name", parse_form(Renaming, form).name, "type the organisation's new name")
        ledger.rename_organisation(organisation.id, name, account.email)

    try:
        write(request, account, act)
    except LedgerError as error:
        values = {"name": form["name"]} if isinstance(form.get("name"), str) else {}
        return _organisation_page(
            request, ledger, account, organisation_id, 422, errors_of(error, LABELS, "name"), values
        )
    except Behind:
        pass
    renamed = ledger.organisation(organisation.id).name
    return back(f"{HERE}/{organisation_id}", f"Renamed: the organisation is now {renamed}.", request=request)


# -- closing, after a confirmation
def _close_page(
    request: Request,
    ledger: Ledger,
    account: Account,
    organisation_id: str,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
) -> Response:
    organisation = _organisation(ledger, organisation_id)
    if not organisation.open:
        return _organisation_page(
            request, ledger, account, organisation_id, notice=f"{organisation.name} is closed already."
        )
    name = f"{organisation.name} ({organisation.code})"
    people = len(organisation.members)
    return render(
        request,
        "casework_confirm.html",
        status_code=422 if errors else 200,
        title=f"Close {name}?",
        consequences=[
            f"No one can link their registration to {organisation.name} any more, by its code or its name.",
            "Its accounts stop working at once: it can no longer see its people or check registration numbers.",
            (
                f"The {people} {'person' if people == 1 else 'people'} linked to it stay linked; their own pages "
                "show it closed, and each can unlink."
                if people
                else "No one is linked to it now."
            ),
            "It cannot be opened again: an organisation that comes back is registered anew, with a new code.",
        ],
        action=f"{HERE}/{organisation_id}/close",
        hidden={"confirmed": "yes"},
        field="reason",
        label="Reason for closing",
        hint="Kept in the register's history, for the record (it is not sent to anyone).",
        button=f"Close {organisation.name}",
        cancel=f"{HERE}/{organisation_id}",
        errors=errors or {},
        values=values or {},
    )


@router.get(HERE + "/{organisation_id}/close", response_class=HTMLResponse)
def close_page(request: Request, ledger: LedgerDep, organisation_id: str, account: RegistrarOrAdminPage) -> Response:
    return _close_page(request, ledger, account, organisation_id)


@router.post(HERE + "/{organisation_id}/close")
async def close(request: Request, ledger: LedgerDep, organisation_id: str, account: RegistrarOrAdminPage) -> Response:
    form = await form_of(request)
    if form.get("confirmed") != "yes":  # the organisation page's button: first, what closing does
        return _close_page(request, ledger, account, organisation_id)
    organisation = _organisation(ledger, organisation_id)

    def act() -> None:
        reason = given("reason", parse_form(Closing, form).reason, "say why it is closing, for the record")
        ledger.close_organisation(organisation.id, reason, account.email)

    try:
        write(request, account, act)
    except LedgerError as error:
        values = {"reason": form["reason"]} if isinstance(form.get("reason"), str) else {}
        return _close_page(request, ledger, account, organisation_id, errors_of(error, LABELS, "reason"), values)
    except Behind:
        pass
    return back(
        f"{HERE}/{organisation_id}",
        f"{organisation.name} is closed: no one can link to it, and its accounts no longer sign in.",
        request=request,
    )


# -- accounts: the admin's
@router.post(HERE + "/{organisation_id}/accounts")
async def invite(request: Request, ledger: LedgerDep, organisation_id: str, account: AdminPage) -> Response:
    """An invitation to a new account for the organisation (a form sent twice invites once)."""
    form = await form_of(request)
    organisation = _organisation(ledger, organisation_id)
    desk = account_desk(request)
    try:
        email = parse_form(NewAccount, form).email
        if await run_in_threadpool(desk.once, form.get("form_key")):
            await run_in_threadpool(ledger.invite_organisation_account, organisation.id, email)
    except LedgerError as error:
        await run_in_threadpool(desk.release, form.get("form_key"))
        values = {"email": form["email"]} if isinstance(form.get("email"), str) else {}
        return _organisation_page(
            request, ledger, account, organisation_id, 422, errors_of(error, LABELS, "email"), values
        )
    return back(
        f"{HERE}/{organisation_id}",
        f"Invitation sent to {email.strip().lower()}: the link in it works once, to choose a password.",
        request=request,
    )
