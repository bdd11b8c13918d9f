"""The organisations' pages and the registrant's page for linking to one.

- ``/org``: an organisation's account sees its organisation (name, the code to give its people) and the people who
  linked to it, with the public register's facts (name, number, level, status, valid until), who linked them (the
  person themselves: only they can) and since when.
- ``/org/verify`` (organisations and the registrar): upload a CSV of registration numbers, download the results
  (``ledger.app.bulk_verify``); a file refused whole comes back to the page with what is wrong and on which row.
- ``/me/organisations``: a registrant links their registration to an organisation (by the code it gave them, or its
  name) and unlinks, told in plain words what the organisation will see.
A page for another role answers 403 (``ledger.api.deps.signed_in``)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from ledger.api.deps import LedgerDep, page_for, service
from ledger.api.pages.forms import errors_of, form_of, write
from ledger.api.pages.me.standing import Enrolled, registrant_of, render_me, standing_of
from ledger.api.pages.render import back, render
from ledger.api.problems import Problem
from ledger.api.service import Behind
from ledger.app.accounts import Account
from ledger.app.bulk_verify import MAX_BYTES, MAX_ROWS
from ledger.domain.errors import InvalidInput, LedgerError

router = APIRouter(include_in_schema=False)
OrganisationPage = Annotated[Account, Depends(page_for("organisation"))]
CheckerPage = Annotated[Account, Depends(page_for("organisation", "registrar"))]
"""Bulk checks are for organisations and the registrar (who checks lists sent in by post or email)."""
ME = "/me/organisations"
LABELS = {"organisation": "Organisation", "file": "CSV file"}
STATUS_NAMES = {
    "registered": "Registered",
    "suspended": "Suspended",
    "lapsed": "Lapsed",
    "resigned": "Resigned",
    "removed": "Removed",
}


def _organisation_of(request: Request, account: Account) -> UUID:
    found = service(request).accounts.organisation_of(account.id)
    if found is None:
        raise Problem(403, "this account belongs to no organisation")
    return found


# -- the organisation's
@router.get("/org", response_class=HTMLResponse)
def organisation_page(request: Request, ledger: LedgerDep, account: OrganisationPage) -> Response:
    organisation = ledger.organisation(_organisation_of(request, account))
    return render(
        request,
        "org.html",
        organisation=organisation,
        people=ledger.organisation_people(organisation.id),
        levels={level.code: level.name for level in ledger.framework.levels},
        statuses=STATUS_NAMES,
    )


def _verify_page(request: Request, status_code: int = 200, **context: Any) -> Response:
    return render(
        request,
        "org_verify.html",
        status_code=status_code,
        max_rows=MAX_ROWS,
        max_kb=MAX_BYTES // 1024,
        errors=context.pop("errors", {}),
        **context,
    )


@router.get("/org/verify", response_class=HTMLResponse)
def verify_page(request: Request, account: CheckerPage) -> Response:
    if account.role == "organisation":
        _organisation_of(request, account)
    return _verify_page(request)


@router.post("/org/verify")
async def verify_upload(request: Request, ledger: LedgerDep, account: CheckerPage) -> Response:
    if account.role == "organisation":
        _organisation_of(request, account)
    form = await form_of(request)
    upload = form.get("file")
    content = await upload.read() if isinstance(upload, UploadFile) else b""
    try:
        if not content:
            raise InvalidInput("file", "choose a CSV file of registration numbers to check")
        found = await run_in_threadpool(ledger.verify_csv, content)
    except LedgerError as error:
        return _verify_page(request, 422, errors=errors_of(error, LABELS, "file"))
    return Response(
        found,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="checked.csv"', "Cache-Control": "private, no-store"},
    )


# -- the registrant's
def _me_page(request: Request, ledger: Any, account: Account, status_code: int = 200, **context: Any) -> Response:
    registrant = registrant_of(account)
    standing = standing_of(ledger, registrant)
    return render_me(
        request,
        "me_organisations.html",
        standing,
        ME,
        status_code,
        links=ledger.organisations_of(registrant),
        errors=context.pop("errors", {}),
        values=context.pop("values", {}),
        **context,
    )


@router.get(ME, response_class=HTMLResponse)
def my_organisations(request: Request, ledger: LedgerDep, account: Enrolled) -> Response:
    return _me_page(request, ledger, account)


@router.post(f"{ME}/link")
async def link(request: Request, ledger: LedgerDep, account: Enrolled) -> Response:
    form = await form_of(request)
    typed = form.get("organisation")
    registrant = registrant_of(account)

    def act() -> dict[str, str]:
        if not isinstance(typed, str) or not typed.strip():
            raise InvalidInput("organisation", "enter the organisation's code (like ORG-ABC234) or its name")
        organisation = ledger.organisation(ledger.link_organisation(registrant, typed))
        return {"name": organisation.name}

    try:
        done = write(request, account, act)
    except LedgerError as error:
        values = {"organisation": typed if isinstance(typed, str) else ""}
        return _me_page(request, ledger, account, 422, errors=errors_of(error, LABELS, "organisation"), values=values)
    except Behind:
        return back(ME, "Linked. It may take a few seconds to show here.", request=request)
    return back(ME, f"You are linked to {done['name']}: it can now see your registration.", request=request)


@router.post(f"{ME}/unlink")
async def unlink(request: Request, ledger: LedgerDep, account: Enrolled) -> Response:
    form = await form_of(request)
    registrant = registrant_of(account)
    try:
        organisation_id = UUID(str(form.get("organisation_id")))
    except ValueError:
        return back(ME, "Choose an organisation you are linked to.", request=request, error=True)

    def act() -> dict[str, str]:
        name = ledger.organisation(organisation_id).name
        ledger.unlink_organisation(registrant, organisation_id, account.email)
        return {"name": name}

    try:
        done = write(request, account, act)
    except LedgerError as error:
        text = str(error)
        return back(ME, text[:1].upper() + text[1:], request=request, error=True)
    except Behind:
        return back(ME, "Unlinked. It may take a few seconds to show here.", request=request)
    return back(ME, f"You are no longer linked to {done['name']}: it cannot see your registration.", request=request)
