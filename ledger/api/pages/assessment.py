"""The assessor's pages: their assignments (applications and PPD audits), and the assessment of an application
assigned to them (never a registrant's background answers)."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ledger.api.deps import AssessorPage, LedgerDep, own_assessor
from ledger.api.pages.forms import attempt, form_of, parse_form
from ledger.api.pages.render import JUDGEMENTS, render
from ledger.api.schemas.assessment import Assessment
from ledger.api.security import reachable_application
from ledger.read.projections.audits import audit_queue
from ledger.read.projections.casework import casework_queue
from ledger.read.views import application_view

router = APIRouter(include_in_schema=False)


@router.get("/assess", response_class=HTMLResponse)
def assessor_page(request: Request, ledger: LedgerDep, account: AssessorPage) -> Response:
    assessor = own_assessor(account).hex
    with ledger.engine.connect() as conn:
        rows = casework_queue(conn, assessor=assessor, limit=500)
        audits = audit_queue(conn, assessor_id=assessor)
    return render(request, "assess_list.html", rows=[{**r, "id": str(UUID(r["id"]))} for r in rows], audits=audits)


@router.get("/assess/{application_id}", response_class=HTMLResponse)
def assess_page(request: Request, ledger: LedgerDep, application_id: str, account: AssessorPage) -> Response:
    view = application_view(ledger, reachable_application(ledger, account, application_id))
    return render(
        request,
        "assess.html",
        app=view,
        areas=ledger.framework.required_areas(view["level"]),
        judgements=JUDGEMENTS,
    )


@router.post("/assess/{application_id}")
async def assess_submit(request: Request, ledger: LedgerDep, application_id: str, account: AssessorPage) -> Response:
    found = reachable_application(ledger, account, application_id)
    form = await form_of(request)
    areas = [a.code for a in ledger.framework.required_areas(ledger.application(found).level)]
    judgements = {code: form[f"area_{code}"] for code in areas if form.get(f"area_{code}") is not None}

    def act() -> None:
        body = parse_form(Assessment, {**form, "judgements": judgements})
        ledger.record_assessment(found, own_assessor(account), body.judgements, body.recommendation, body.feedback)

    return attempt(request, account, act, "/assess", "Assessment recorded.", f"/assess/{application_id}")
