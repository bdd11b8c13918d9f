"""The registrar's casework pages (the auditor and admin read them): the queues by state with each applicant's name,
what else needs deciding (name changes, look-alike names, the worker's parked events), the staff search, and an
application with its assessors (each one's own acceptance or declared conflict), its decision and appeal decision.
A rejection goes through a confirmation page that needs the reason the applicant is told. Each form builds the
schema the API takes for the same command; a refused form comes back (422) with what was typed and why."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ledger.api.deps import LedgerDep, ReaderPage, RegistrarPage, uuid_or_404
from ledger.api.pages import casework_assessors
from ledger.api.pages.forms import attempt, errors_of, form_of, parse_form, write
from ledger.api.pages.render import JUDGEMENTS, back, render
from ledger.api.schemas.casework import AppealDecision, Assign, Decision, NameDecision
from ledger.api.security import reachable_application
from ledger.api.service import Behind
from ledger.app.accounts import Account
from ledger.app.ledger import Ledger
from ledger.domain.errors import InvalidInput, LedgerError
from ledger.read.assignments import assignment_states
from ledger.read.evidence_files import files_of
from ledger.read.people import active_assessors, assessor_names, name_of, search_people
from ledger.read.projections.casework import QUEUES
from ledger.read.projections.register import confusable_groups, name_change_requests
from ledger.read.queues import queue_view
from ledger.read.views import application_view

router = APIRouter(include_in_schema=False)
router.include_router(casework_assessors.router)  # /casework/assessors: matched before /casework/{application_id}
FIRST = ("new", "assessed")
"""The queues the casework page opens on: the work that needs doing."""
LABELS = {"assessor_id": "Assessor", "outcome": "Outcome", "reasons": "Reason", "remedy": "Remedy"}


def page_number(value: str) -> int:
    return int(value) if value.isdigit() and 0 < len(value) < 7 else 1


@router.get("/casework", response_class=HTMLResponse)
def casework_page(
    request: Request, ledger: LedgerDep, account: ReaderPage, queue: str = "", page: str = "1"
) -> Response:
    with ledger.engine.connect() as conn:
        names = {"requests": name_change_requests(conn), "look_alike": confusable_groups(conn)}
    chosen = queue if queue in QUEUES else None
    shown = [queue_view(ledger, q, page_number(page)) for q in ([chosen] if chosen else FIRST)]
    return render(
        request,
        "casework.html",
        queues=QUEUES,
        counts=shown[0]["counts"],
        shown=shown,
        chosen=chosen,
        background=_background_work(ledger),
        names=names,
    )


@router.get("/casework/search", response_class=HTMLResponse)
def casework_search(request: Request, ledger: LedgerDep, account: ReaderPage, q: str = "") -> Response:
    """Registrants by name or registration number (an erased person is not found by name)."""
    query = q[:200]
    with ledger.engine.connect() as conn:
        found = search_people(conn, query)
    return render(request, "casework_search.html", query=query, found=found)


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


def _application_page(
    request: Request,
    ledger: Ledger,
    account: Account,
    application_id: str,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
) -> Response:
    found = reachable_application(ledger, account, application_id)
    view = application_view(ledger, found)
    application = ledger.application(found)
    with ledger.engine.connect() as conn:
        names = assessor_names(conn)
        everyone = active_assessors(conn)
    states = assignment_states(ledger, found, names)
    taken = {a.hex for a in application.assessors} | {a.hex for a in application.declined}
    pool = [a for a in everyone if a["key"] not in taken and a["registrant_id"] != application.registrant_id.hex]
    by_id = {s["assessor_id"]: s["name"] for s in states}
    for assessment in view["assessments"]:
        assessment["name"] = by_id.get(assessment["assessor_id"]) or names.get(
            UUID(assessment["assessor_id"]).hex, "an assessor"
        )
    experience = None
    if application.experience:
        experience = {
            "years": application.experience.get("years"),
            "portfolio": ledger.vault.open(application.experience.get("portfolio")),
            "referee_name": ledger.vault.open(application.experience.get("referee_name")),
        }
    needed = ledger.framework.rules.assessors_per_application
    return render(
        request,
        "casework_application.html",
        status_code=status_code,
        app=view,
        applicant=name_of(ledger, application.registrant_id),
        level=ledger.framework.level(view["level"]),
        experience=experience,
        states=states,
        open_places=needed - len(application.assessors),
        pool=pool,
        can_write=account.role == "registrar",
        files=files_of(ledger, found) if account.role == "registrar" else [],  # as the download route allows
        areas=ledger.framework.required_areas(view["level"]),
        judgements=dict(JUDGEMENTS),
        errors=errors or {},
        values=values or {},
    )


@router.get("/casework/{application_id}", response_class=HTMLResponse)
def casework_application(request: Request, ledger: LedgerDep, application_id: str, account: ReaderPage) -> Response:
    return _application_page(request, ledger, account, application_id)


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


def _done(request: Request, account: Account, act: Any, here: str, message: str) -> Response | LedgerError:
    """Run the form's command: back to ``here`` with ``message``, or the refusal for the caller to show."""
    try:
        write(request, account, act)
    except LedgerError as error:
        return error
    except Behind:
        return back(here, f"{message} It may take a few seconds to show here.", request=request)
    return back(here, message, request=request)


@router.post("/casework/{application_id}/assign")
async def casework_assign(request: Request, ledger: LedgerDep, application_id: str, account: RegistrarPage) -> Response:
    form = await form_of(request)
    found = uuid_or_404(application_id, "application")

    def act() -> None:
        body = parse_form(Assign, form)
        try:
            assessor = UUID(body.assessor_id)
        except ValueError:
            raise InvalidInput("assessor_id", "choose an assessor from the list") from None
        ledger.assign_assessor(found, assessor)

    answer = _done(request, account, act, f"/casework/{application_id}", "Assessor assigned: they are asked to accept.")
    if isinstance(answer, LedgerError):
        errors = errors_of(answer, LABELS, "assessor_id")
        return _application_page(request, ledger, account, application_id, 422, errors, form)
    return answer


@router.post("/casework/{application_id}/decide")
async def casework_decide(request: Request, ledger: LedgerDep, application_id: str, account: RegistrarPage) -> Response:
    """Award, defer or reject. A rejection first shows a confirmation page, which needs the reason the applicant
    is told, and is sent from there."""
    form = await form_of(request)
    found = uuid_or_404(application_id, "application")
    confirming = form.get("outcome") == "reject"
    if confirming and form.get("confirmed") != "yes":
        return _reject_page(request, ledger, account, application_id, form)

    def act() -> None:
        body = parse_form(Decision, form)
        if body.outcome == "reject" and not body.reasons.strip():
            raise InvalidInput("reasons", "give the reason for the rejection: the applicant is told it")
        ledger.decide(found, body.outcome, body.reasons, account.email)

    answer = _done(request, account, act, f"/casework/{application_id}", "Decision recorded: the applicant is told.")
    if isinstance(answer, LedgerError):
        if confirming:
            errors = errors_of(answer, LABELS, "reasons")
            return _reject_page(request, ledger, account, application_id, form, 422, errors)
        errors = errors_of(answer, LABELS, "outcome")
        return _application_page(request, ledger, account, application_id, 422, errors, form)
    return answer


def _reject_page(
    request: Request,
    ledger: Ledger,
    account: Account,
    application_id: str,
    values: dict[str, Any],
    status_code: int = 200,
    errors: dict[str, str] | None = None,
) -> Response:
    found = reachable_application(ledger, account, application_id)
    application = ledger.application(found)
    name = name_of(ledger, application.registrant_id)
    level = ledger.framework.level(application.level)
    return render(
        request,
        "casework_confirm.html",
        status_code=status_code,
        title=f"Reject {name}'s application?",
        consequences=[
            f"{name}'s application for {level.name} ({level.code}) is decided: not successful.",
            "They are sent a letter with your reason and the assessors' feedback, and may appeal within the "
            "appeal window.",
            "The decision cannot be changed except on appeal.",
        ],
        action=f"/casework/{application_id}/decide",
        hidden={"outcome": "reject", "confirmed": "yes"},
        field="reasons",
        label="The reason for the rejection",
        hint="The applicant is told this, in their letter and on their page.",
        button="Reject the application",
        cancel=f"/casework/{application_id}",
        errors=errors or {},
        values=values,
    )


@router.post("/casework/{application_id}/appeal-decision")
async def casework_appeal(request: Request, ledger: LedgerDep, application_id: str, account: RegistrarPage) -> Response:
    form = await form_of(request)
    found = uuid_or_404(application_id, "application")

    def act() -> None:
        body = parse_form(AppealDecision, form)
        ledger.decide_appeal(
            found, body.upheld, body.reasons, account.email, (body.remedy or None) if body.upheld else None
        )

    answer = _done(request, account, act, f"/casework/{application_id}", "Appeal decided.")
    if isinstance(answer, LedgerError):
        errors = {k if k != "reasons" else "appeal-reasons": v for k, v in errors_of(answer, LABELS, "upheld").items()}
        return _application_page(request, ledger, account, application_id, 422, errors, form)
    return answer
