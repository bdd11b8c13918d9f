"""The assessor's pages: their list (applications to accept, to assess, and done, with the date; PPD audits), and
an application assigned to them. A new assignment is first accepted, declaring in the assessor's own words that they
have no conflict of interest with the applicant, or declined, declaring one; only then can it be assessed. Never a
registrant's background answers. A refused form comes back (422) with what was typed and why."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ledger.api.deps import AssessorPage, LedgerDep, own_assessor
from ledger.api.pages.forms import errors_of, form_of, parse_form, write
from ledger.api.pages.render import JUDGEMENTS, back, render
from ledger.api.schemas.assessment import Acceptance, Assessment, Declining
from ledger.api.security import reachable_application
from ledger.api.service import Behind
from ledger.app.accounts import Account
from ledger.app.ledger import Ledger
from ledger.domain.errors import LedgerError
from ledger.read.assignments import state_of, worklist
from ledger.read.evidence_files import files_of
from ledger.read.people import name_of
from ledger.read.projections.audits import audit_queue
from ledger.read.views import application_view

router = APIRouter(include_in_schema=False)
LABELS = {
    "declaration": "Your declaration",
    "reason": "The conflict of interest",
    "recommendation": "Recommendation",
    "judgements": "Judgements",
    "feedback": "Feedback",
}


@router.get("/assess", response_class=HTMLResponse)
def assessor_page(request: Request, ledger: LedgerDep, account: AssessorPage) -> Response:
    assessor = own_assessor(account)
    lists = worklist(ledger, assessor, lambda registrant_id: name_of(ledger, registrant_id))
    with ledger.engine.connect() as conn:
        audits = audit_queue(conn, assessor_id=assessor.hex)
    return render(request, "assess_list.html", lists=lists, audits=audits)


def _assess_page(
    request: Request,
    ledger: Ledger,
    account: Account,
    application_id: str,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
) -> Response:
    found = reachable_application(ledger, account, application_id)
    application = ledger.application(found)
    mine = state_of(ledger, found, own_assessor(account)) or {"state": "to accept", "on": None}
    view = application_view(ledger, found) if mine["state"] != "to accept" else None
    files: dict[str, list[dict[str, Any]]] = {}
    if view is not None:  # evidence files, like the written evidence, once the assessor has accepted
        for file in files_of(ledger, found):
            files.setdefault(file["area"], []).append(file)
    own = None
    if view is not None:
        own = next((a for a in view["assessments"] if a["assessor_id"] == str(own_assessor(account))), None)
    return render(
        request,
        "assess.html",
        status_code=status_code,
        application_id=str(found),
        applicant=name_of(ledger, application.registrant_id),
        level=ledger.framework.level(application.level),
        route=application.route,
        status=application.status,
        qualification=application.qualification,
        years=(application.experience or {}).get("years"),
        mine=mine,
        own=own,
        app=view,
        files=files,
        areas=ledger.framework.required_areas(application.level),
        judgements=JUDGEMENTS,
        judgement_names=dict(JUDGEMENTS),
        errors=errors or {},
        values=values or {},
    )


@router.get("/assess/{application_id}", response_class=HTMLResponse)
def assess_page(request: Request, ledger: LedgerDep, application_id: str, account: AssessorPage) -> Response:
    return _assess_page(request, ledger, account, application_id)


def _act(
    request: Request, ledger: Ledger, account: Account, application_id: str, act: Any, ok: str, ok_url: str, field: str
) -> Response:
    form: dict[str, Any] = getattr(request.state, "form", {})
    try:
        write(request, account, act)
    except LedgerError as error:
        return _assess_page(request, ledger, account, application_id, 422, errors_of(error, LABELS, field), form)
    except Behind:
        return back(ok_url, f"{ok} It may take a few seconds to show here.", request=request)
    return back(ok_url, ok, request=request)


@router.post("/assess/{application_id}/accept")
async def accept(request: Request, ledger: LedgerDep, application_id: str, account: AssessorPage) -> Response:
    found = reachable_application(ledger, account, application_id)
    form = await form_of(request)

    def act() -> None:
        ledger.accept_assignment(found, own_assessor(account), parse_form(Acceptance, form).declaration)

    here = f"/assess/{application_id}"
    return _act(
        request,
        ledger,
        account,
        application_id,
        act,
        "Assignment accepted: you can assess it now.",
        here,
        "declaration",
    )


@router.post("/assess/{application_id}/decline")
async def decline(request: Request, ledger: LedgerDep, application_id: str, account: AssessorPage) -> Response:
    found = reachable_application(ledger, account, application_id)
    form = await form_of(request)

    def act() -> None:
        ledger.decline_assignment(found, own_assessor(account), parse_form(Declining, form).reason)

    message = "Assignment declined: the registrar will assign another assessor."
    return _act(request, ledger, account, application_id, act, message, "/assess", "reason")


@router.post("/assess/{application_id}")
async def assess_submit(request: Request, ledger: LedgerDep, application_id: str, account: AssessorPage) -> Response:
    found = reachable_application(ledger, account, application_id)
    form = await form_of(request)
    areas = [a.code for a in ledger.framework.required_areas(ledger.application(found).level)]
    judgements = {code: form[f"area_{code}"] for code in areas if form.get(f"area_{code}") is not None}

    def act() -> None:
        body = parse_form(Assessment, {**form, "judgements": judgements})
        ledger.record_assessment(found, own_assessor(account), body.judgements, body.recommendation, body.feedback)

    return _act(request, ledger, account, application_id, act, "Assessment recorded.", "/assess", "recommendation")
