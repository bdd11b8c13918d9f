"""The registrar's casework pages (the auditor and admin read them): the queue with what needs deciding (name
changes, look-alike names, the worker's parked events), an application with its assignment, decision and appeal
decision. Each form builds the schema the API takes for the same command."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ledger.api.deps import LedgerDep, ReaderPage, RegistrarPage, uuid_or_404
from ledger.api.pages.forms import attempt, form_of, parse_form
from ledger.api.pages.render import JUDGEMENTS, back, render
from ledger.api.schemas.casework import AppealDecision, Assign, Decision, NameDecision
from ledger.api.security import reachable_application
from ledger.app.ledger import Ledger
from ledger.read.projections.casework import casework_counts, casework_queue
from ledger.read.projections.register import confusable_groups, name_change_requests
from ledger.read.views import application_view

router = APIRouter(include_in_schema=False)


@router.get("/casework", response_class=HTMLResponse)
def casework_page(request: Request, ledger: LedgerDep, account: ReaderPage, status: str = "") -> Response:
    with ledger.engine.connect() as conn:
        counts = casework_counts(conn)
        rows = casework_queue(conn, status=status[:24] or None, limit=200)
        names = {"requests": name_change_requests(conn), "look_alike": confusable_groups(conn)}
    return render(
        request,
        "casework.html",
        counts=counts,
        status=status,
        rows=[{**r, "id": str(UUID(r["id"]))} for r in rows],
        background=_background_work(ledger),
        names=names,
    )


def _background_work(ledger: Ledger) -> dict[str, Any]:
    """What the registrar should know of the worker: parked events (with the registration they concern, where
    there is one), how far behind the followers are, and whether any worker is running."""
    from sqlalchemy import select

    from ledger.processes.status import progress
    from ledger.read.projections.register import registrations

    facts = progress(ledger)
    ids = {p["record"] for p in facts["parked"]}
    numbers: dict[str, str] = {}
    if ids:
        with ledger.engine.connect() as conn:
            wanted = select(registrations.c.id, registrations.c.number).where(
                registrations.c.id.in_([UUID(i).hex for i in ids])
            )
            numbers = {row.id: row.number for row in conn.execute(wanted)}
    parked = [{**p, "number": numbers.get(UUID(p["record"]).hex)} for p in facts["parked"]]
    behind = max((f["lag_events"] for f in facts["followers"]), default=0)
    waited = max((f["lag_seconds"] or 0 for f in facts["followers"]), default=0)
    return {"parked": parked, "behind": behind, "waited": waited, "workers": len(facts["workers"])}


@router.get("/casework/{application_id}", response_class=HTMLResponse)
def casework_application(request: Request, ledger: LedgerDep, application_id: str, account: ReaderPage) -> Response:
    from sqlalchemy import select

    from ledger.read.projections.casework import assessors as assessors_table

    view = application_view(ledger, reachable_application(ledger, account, application_id))
    with ledger.engine.connect() as conn:
        pool = [
            {"id": str(UUID(r.id)), "name": r.name}
            for r in conn.execute(
                select(assessors_table).where(assessors_table.c.active.is_(True)).order_by(assessors_table.c.name)
            )
        ]
    return render(
        request,
        "casework_application.html",
        app=view,
        pool=pool,
        can_write=account.role == "registrar",
        areas=ledger.framework.required_areas(view["level"]),
        judgements=dict(JUDGEMENTS),
    )


@router.post("/casework/name-change/{registrant_id}")
async def casework_name_change(
    request: Request, ledger: LedgerDep, registrant_id: str, account: RegistrarPage
) -> Response:
    form = await form_of(request)
    found = uuid_or_404(registrant_id, "registrant")
    approved = form.get("decision") == "approve"  # the form's two buttons: approve, refuse

    def act() -> None:
        body = parse_form(NameDecision, {**form, "approved": approved})
        ledger.decide_name_change(found, body.approved, body.reason, account.email)

    message = "Name change approved." if approved else "Name change refused."
    return attempt(request, account, act, "/casework", message, "/casework")


@router.post("/casework/{application_id}/assign")
async def casework_assign(request: Request, ledger: LedgerDep, application_id: str, account: RegistrarPage) -> Response:
    form = await form_of(request)
    here = f"/casework/{application_id}"
    try:
        found, assessor = UUID(application_id), UUID(str(form.get("assessor_id")))
    except ValueError:
        return back(here, "Choose an assessor.", request=request, error=True)

    def act() -> None:
        ledger.assign_assessor(found, assessor, parse_form(Assign, form).declaration)

    return attempt(request, account, act, here, "Assessor assigned.", here)


@router.post("/casework/{application_id}/decide")
async def casework_decide(request: Request, ledger: LedgerDep, application_id: str, account: RegistrarPage) -> Response:
    form = await form_of(request)
    here = f"/casework/{application_id}"
    found = uuid_or_404(application_id, "application")

    def act() -> None:
        body = parse_form(Decision, form)
        ledger.decide(found, body.outcome, body.reasons, account.email)

    return attempt(request, account, act, here, "Decision recorded.", here)


@router.post("/casework/{application_id}/appeal-decision")
async def casework_appeal(request: Request, ledger: LedgerDep, application_id: str, account: RegistrarPage) -> Response:
    form = await form_of(request)
    here = f"/casework/{application_id}"
    found = uuid_or_404(application_id, "application")

    def act() -> None:
        body = parse_form(AppealDecision, form)
        ledger.decide_appeal(
            found, body.upheld, body.reasons, account.email, (body.remedy or None) if body.upheld else None
        )

    return attempt(request, account, act, here, "Appeal decided.", here)
