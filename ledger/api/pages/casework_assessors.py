"""The assessors page for the registrar (the auditor and admin read it): every assessor by name, active or stood
down, with their open assignments and whether they can sign in; appointing one by choosing a person on the register
(found by name or number) or by typing a new name; standing one down after a confirmation page. Signing in is the
admin's invitation (``/admin/accounts``)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ledger.api.deps import LedgerDep, ReaderPage, RegistrarPage, service, uuid_or_404
from ledger.api.pages.forms import errors_of, form_of, parse_form, write
from ledger.api.pages.render import back, render
from ledger.api.problems import Problem
from ledger.api.schemas.casework import NewAssessor
from ledger.api.service import Behind
from ledger.app.ledger import Ledger
from ledger.domain.errors import InvalidInput, LedgerError, NotFound
from ledger.read.people import search_people
from ledger.read.projections.casework import assessor_rows

router = APIRouter(include_in_schema=False)
HERE = "/casework/assessors"
LABELS = {"name": "Name", "registration_number": "Registration number"}


def _assessors_page(
    request: Request,
    ledger: Ledger,
    query: str = "",
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
) -> Response:
    signing_in = {a.assessor_id.hex for a in service(request).accounts.all() if a.assessor_id is not None}
    with ledger.engine.connect() as conn:
        rows = assessor_rows(conn)
        found = search_people(conn, query) if query else []
    serving = {row["registrant_id"] for row in rows if row["active"] and row["registrant_id"]}
    people = [{**p, "serving": UUID(p["id"]).hex in serving} for p in found]
    shown = [{**row, "id": str(UUID(row["id"])), "account": row["id"] in signing_in} for row in rows]
    return render(
        request,
        "casework_assessors.html",
        status_code=status_code,
        assessors=shown,
        query=query,
        people=people,
        errors=errors or {},
        values=values or {},
    )


@router.get(HERE, response_class=HTMLResponse)
def assessors_page(request: Request, ledger: LedgerDep, account: ReaderPage, q: str = "") -> Response:
    return _assessors_page(request, ledger, q[:200])


@router.post(HERE)
async def appoint(request: Request, ledger: LedgerDep, account: RegistrarPage) -> Response:
    """Appoint a person on the register (by their number: their name is the register's), or a new name."""
    form = await form_of(request)

    def act() -> None:
        body = parse_form(NewAssessor, form)
        number = (body.registration_number or "").strip()
        if not number and not (body.name or "").strip():
            raise InvalidInput("name", "type the new assessor's name, or choose a person on the register")
        registrant = ledger.registrant_by_number(number) if number else None
        ledger.appoint_assessor(None if registrant else body.name, registrant)

    try:
        write(request, account, act)
    except LedgerError as error:
        field = "registration_number" if form.get("registration_number") else "name"
        query = str(form.get("q") or "")[:200]
        return _assessors_page(request, ledger, query, 422, errors_of(error, LABELS, field), form)
    except Behind:
        return back(HERE, "Assessor appointed. It may take a few seconds to show here.", request=request)
    return back(HERE, "Assessor appointed. Ask the admin to invite them to sign in.", request=request)


def _assessor(ledger: Ledger, assessor_id: str) -> tuple[UUID, str]:
    found = uuid_or_404(assessor_id, "assessor")
    try:
        assessor = ledger.assessor(found)
    except NotFound:
        raise Problem(404, f"no assessor {assessor_id}") from None
    if not assessor.active:
        raise Problem(404, "this assessor has already stood down")
    return found, ledger.vault.open(assessor.name) or "this assessor"


@router.get(HERE + "/{assessor_id}/stand-down", response_class=HTMLResponse)
def stand_down_page(request: Request, ledger: LedgerDep, assessor_id: str, account: RegistrarPage) -> Response:
    return _stand_down_page(request, ledger, assessor_id)


def _stand_down_page(
    request: Request, ledger: Ledger, assessor_id: str, errors: dict[str, str] | None = None
) -> Response:
    _, name = _assessor(ledger, assessor_id)
    return render(
        request,
        "casework_confirm.html",
        status_code=422 if errors else 200,
        title=f"Stand {name} down as an assessor?",
        consequences=[
            f"{name} can no longer be assigned, and their open assignments end (applications they have not yet "
            "assessed go back to be assigned to another assessor).",
            "Their sign-in account stops working at once.",
            "Assessments they have already recorded stand.",
        ],
        action=f"{HERE}/{assessor_id}/stand-down",
        hidden={"confirmed": "yes"},
        field=None,
        button=f"Stand {name} down",
        cancel=HERE,
        errors=errors or {},
        values={},
    )


@router.post(HERE + "/{assessor_id}/stand-down")
async def stand_down(request: Request, ledger: LedgerDep, assessor_id: str, account: RegistrarPage) -> Response:
    await form_of(request)
    found, name = _assessor(ledger, assessor_id)
    try:
        write(request, account, lambda: ledger.stand_down_assessor(found))
    except LedgerError as error:
        return _stand_down_page(request, ledger, assessor_id, errors_of(error))
    except Behind:
        pass
    return back(HERE, f"{name} has stood down.", request=request)
