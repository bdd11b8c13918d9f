"""PPD audits, one page for every role that may see the audit: the registrant sends a profile and may appeal, the
assessor judges, the registrar assigns and decides, the auditor and admin read. Each form builds the schema the API
takes for the same command."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ledger.api.deps import AssessorPage, AuditYear, LedgerDep, ReaderPage, RegistrantPage, RegistrarPage, own_assessor
from ledger.api.pages.forms import attempt, form_of, parse_form
from ledger.api.pages.render import JUDGEMENTS, render
from ledger.api.problems import Problem
from ledger.api.schemas.applications import Grounds
from ledger.api.schemas.audits import AuditAppealDecision, AuditAssign, AuditDecision, AuditJudgement, AuditProfile
from ledger.api.security import reachable_audit
from ledger.app.accounts import Account
from ledger.app.ledger import Ledger
from ledger.domain.errors import InvalidInput, LedgerError
from ledger.read.people import ERASED, active_assessors, assessor_names, name_of
from ledger.read.projections.audits import audit_queue
from ledger.read.views import audit_view

router = APIRouter(include_in_schema=False)
Actions = dict[str, tuple[Callable[[], Any], str]]
"""A page's form actions: what each does, and what the page says when it is done."""


def _audit_page(
    request: Request, ledger: Ledger, account: Account, number: str, year: int, role: str, here: str
) -> Response:
    from ledger.domain.aggregates.ppd_audit import OUTCOME_NAMES

    registrant = reachable_audit(ledger, account, number, year)
    view = audit_view(ledger, registrant, year)
    ppd = ledger.registration(registrant).ppd if role == "registrant" else []
    pool: list[dict[str, str]] = []
    names: dict[str, str] = {}
    if role in ("registrar", "reader"):
        with ledger.engine.connect() as conn:
            pool, names = active_assessors(conn), assessor_names(conn)
    assessor = view["assessor_id"]
    return render(
        request,
        "audit.html",
        audit=view,
        registrant_name=name_of(ledger, registrant),
        registrant_id=str(registrant),
        assessor_name=names.get(UUID(assessor).hex) if assessor else None,
        pool=pool,
        role=role,
        here=here,
        ppd=ppd,
        judgements=JUDGEMENTS,
        judgement_names=dict(JUDGEMENTS),
        outcome_names=OUTCOME_NAMES,
        category_names=ledger.framework.rules.ppd_category_names,
    )


def _act(request: Request, account: Account, actions: Actions, action: str, here: str) -> Response:
    if action not in actions:
        raise Problem(404, f"no action {action}")
    act, message = actions[action]
    return attempt(request, account, act, here, message, here)


# -- the registrant
@router.get("/me/audits/{number}/{year}", response_class=HTMLResponse)
def my_audit(request: Request, ledger: LedgerDep, number: str, year: AuditYear, account: RegistrantPage) -> Response:
    return _audit_page(request, ledger, account, number, year, "registrant", f"/me/audits/{number}/{year}")


@router.post("/me/audits/{number}/{year}/{action}")
async def my_audit_action(
    request: Request, ledger: LedgerDep, number: str, action: str, year: AuditYear, account: RegistrantPage
) -> Response:
    registrant = reachable_audit(ledger, account, number, year)
    form = await form_of(request)

    def profile() -> None:
        body = parse_form(AuditProfile, form)
        ledger.submit_audit_profile(registrant, year, body.summary, body.statement, body.activities, body.evidence)

    def appeal() -> None:
        ledger.appeal_audit(registrant, year, parse_form(Grounds, form).grounds)

    actions: Actions = {
        "profile": (profile, "Your PPD profile was sent."),
        "appeal": (appeal, "Your appeal was lodged: your registration stays as it is while it is heard."),
    }
    return _act(request, account, actions, action, f"/me/audits/{number}/{year}")


# -- the assessor
@router.get("/assess/audits/{number}/{year}", response_class=HTMLResponse)
def assess_audit(request: Request, ledger: LedgerDep, number: str, year: AuditYear, account: AssessorPage) -> Response:
    return _audit_page(request, ledger, account, number, year, "assessor", f"/assess/audits/{number}/{year}")


@router.post("/assess/audits/{number}/{year}")
async def assess_audit_submit(
    request: Request, ledger: LedgerDep, number: str, year: AuditYear, account: AssessorPage
) -> Response:
    registrant = reachable_audit(ledger, account, number, year)
    form = await form_of(request)
    standards = ledger.framework.rules.audit_standards
    judgements = {s: form[f"standard_{s}"] for s in standards if form.get(f"standard_{s}") is not None}

    def act() -> None:
        body = parse_form(AuditJudgement, {**form, "judgements": judgements})
        ledger.judge_audit(registrant, year, own_assessor(account), body.judgements, body.feedback)

    return attempt(request, account, act, "/assess", "Audit judgement recorded.", f"/assess/audits/{number}/{year}")


# -- the registrar (the auditor and admin read)
@router.get("/casework/audits", response_class=HTMLResponse)
def casework_audits(request: Request, ledger: LedgerDep, account: ReaderPage, stage: str = "") -> Response:
    with ledger.engine.connect() as conn:
        rows = audit_queue(conn, stage=stage[:24] or None)
    for row in rows:
        row["name"] = _holder(ledger, row["number"])
    return render(request, "audits.html", rows=rows, base="/casework/audits", heading="PPD audits")


def _holder(ledger: Ledger, number: str) -> str:
    """The name of the registration's holder ("[erased]" once erased)."""
    try:
        return name_of(ledger, ledger.registrant_by_number(number))
    except LedgerError:
        return ERASED


@router.get("/casework/audits/{number}/{year}", response_class=HTMLResponse)
def casework_audit(request: Request, ledger: LedgerDep, number: str, year: AuditYear, account: ReaderPage) -> Response:
    role = "registrar" if account.role == "registrar" else "reader"
    return _audit_page(request, ledger, account, number, year, role, f"/casework/audits/{number}/{year}")


@router.post("/casework/audits/{number}/{year}/{action}")
async def casework_audit_action(
    request: Request, ledger: LedgerDep, number: str, action: str, year: AuditYear, account: RegistrarPage
) -> Response:
    registrant = reachable_audit(ledger, account, number, year)
    form = await form_of(request)

    def assign() -> None:
        body = parse_form(AuditAssign, form)
        try:
            assessor = UUID(body.assessor_id.strip())
        except ValueError:
            raise InvalidInput("assessor_id", "choose an assessor from the list") from None
        ledger.assign_audit_assessor(registrant, year, assessor, account.email)

    def decision() -> None:
        body = parse_form(AuditDecision, form)
        ledger.decide_audit(registrant, year, body.outcome, body.reasons, account.email)

    def appeal_decision() -> None:
        body = parse_form(AuditAppealDecision, form)
        ledger.decide_audit_appeal(registrant, year, body.upheld, body.reasons, account.email)

    actions: Actions = {
        "assign": (assign, "Assessor assigned."),
        "decision": (decision, "Audit decided."),
        "appeal-decision": (appeal_decision, "Appeal decided."),
    }
    return _act(request, account, actions, action, f"/casework/audits/{number}/{year}")
