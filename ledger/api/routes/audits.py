"""PPD audits: a registrant reaches their own, an assessor those assigned to them, the readers all (anyone else
gets 404, as if it did not exist); the registrant sends a profile and may appeal, the assessor judges, the registrar
assigns and decides."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from ledger.api.deps import (
    AssessorAccount,
    AuditYear,
    CaseAccount,
    IdempotencyKey,
    LedgerDep,
    RegistrantAccount,
    RegistrarAccount,
    ServiceDep,
    own_assessor,
    uuid_or_404,
)
from ledger.api.schemas.applications import Grounds
from ledger.api.schemas.audits import AuditAppealDecision, AuditAssign, AuditDecision, AuditJudgement, AuditProfile
from ledger.api.security import reachable_audit
from ledger.read.projections.audits import audit_queue
from ledger.read.views import audit_view

router = APIRouter(prefix="/api/audits", tags=["audits"])


@router.get("")
def audits(
    ledger: LedgerDep,
    account: CaseAccount,
    year: int | None = Query(None, ge=2000, le=2200),
    stage: str | None = Query(None, max_length=40),
) -> list[dict[str, Any]]:
    """PPD audits: a registrant sees their own, an assessor those assigned to them, the registrar all."""
    scope: dict[str, Any] = {}
    if account.role == "registrant" and account.registrant_id is not None:
        scope["registrant_id"] = account.registrant_id.hex
    elif account.role == "assessor":
        scope["assessor_id"] = own_assessor(account).hex
    with ledger.engine.connect() as conn:
        return audit_queue(conn, year=year, stage=stage, **scope)


@router.get("/{number}/{year}")
def get_audit(ledger: LedgerDep, number: str, year: AuditYear, account: CaseAccount) -> dict[str, Any]:
    """One audit: the profile and the PPD activities it draws on, the judgement, the decisions, the appeal."""
    return audit_view(ledger, reachable_audit(ledger, account, number, year), year)


@router.post("/{number}/{year}/profile")
def audit_profile(
    service: ServiceDep,
    number: str,
    body: AuditProfile,
    year: AuditYear,
    account: RegistrantAccount,
    key: IdempotencyKey = None,
) -> dict[str, Any]:
    """Send your PPD profile for the audit (by its due date; after a deferral, a new one)."""
    ledger = service.ledger
    registrant = reachable_audit(ledger, account, number, year)
    return service.write(
        account,
        key,
        {"profile": [number, year], **body.model_dump()},
        lambda: (
            ledger.submit_audit_profile(registrant, year, body.summary, body.statement, body.activities, body.evidence),
            {"status": "profile received"},
        )[1],
    )


@router.post("/{number}/{year}/appeal")
def audit_appeal(
    service: ServiceDep,
    number: str,
    body: Grounds,
    year: AuditYear,
    account: RegistrantAccount,
    key: IdempotencyKey = None,
) -> dict[str, Any]:
    """Appeal a 'not renewed' outcome within 28 days; your registration stays as it is while the appeal is heard."""
    ledger = service.ledger
    registrant = reachable_audit(ledger, account, number, year)
    return service.write(
        account,
        key,
        {"audit-appeal": [number, year], **body.model_dump()},
        lambda: (ledger.appeal_audit(registrant, year, body.grounds), {"status": "appealed"})[1],
    )


@router.post("/{number}/{year}/judgement")
def audit_judgement(
    service: ServiceDep,
    number: str,
    body: AuditJudgement,
    year: AuditYear,
    account: AssessorAccount,
    key: IdempotencyKey = None,
) -> dict[str, Any]:
    """Judge each audit standard met, partly_met or not_met, with feedback for the registrant."""
    ledger = service.ledger
    registrant = reachable_audit(ledger, account, number, year)
    assessor = own_assessor(account)
    return service.write(
        account,
        key,
        {"audit-judgement": [number, year], **body.model_dump()},
        lambda: (
            ledger.judge_audit(registrant, year, assessor, body.judgements, body.feedback),
            {"status": "judged"},
        )[1],
    )


@router.post("/{number}/{year}/assign")
def audit_assign(
    service: ServiceDep,
    number: str,
    body: AuditAssign,
    year: AuditYear,
    account: RegistrarAccount,
    key: IdempotencyKey = None,
) -> dict[str, Any]:
    ledger = service.ledger
    registrant = reachable_audit(ledger, account, number, year)
    assessor = uuid_or_404(body.assessor_id, "assessor")
    return service.write(
        account,
        key,
        {"audit-assign": [number, year], **body.model_dump()},
        lambda: (
            ledger.assign_audit_assessor(registrant, year, assessor, account.email),
            {"status": "with assessor"},
        )[1],
    )


@router.post("/{number}/{year}/decision")
def audit_decision(
    service: ServiceDep,
    number: str,
    body: AuditDecision,
    year: AuditYear,
    account: RegistrarAccount,
    key: IdempotencyKey = None,
) -> dict[str, Any]:
    """Accepted (no standard not met), deferred (once: more time for a new profile) or not_renewed (a standard not
    met, or no profile by its due date; the registration lapses when the 28-day appeal window closes)."""
    ledger = service.ledger
    registrant = reachable_audit(ledger, account, number, year)
    return service.write(
        account,
        key,
        {"audit-decision": [number, year], **body.model_dump()},
        lambda: (
            ledger.decide_audit(registrant, year, body.outcome, body.reasons, account.email),
            {"status": body.outcome},
        )[1],
    )


@router.post("/{number}/{year}/appeal-decision")
def audit_appeal_decision(
    service: ServiceDep,
    number: str,
    body: AuditAppealDecision,
    year: AuditYear,
    account: RegistrarAccount,
    key: IdempotencyKey = None,
) -> dict[str, Any]:
    """Upheld: the audit is accepted. Dismissed: the registration lapses now."""
    ledger = service.ledger
    registrant = reachable_audit(ledger, account, number, year)
    return service.write(
        account,
        key,
        {"audit-appeal-decision": [number, year], **body.model_dump()},
        lambda: (
            ledger.decide_audit_appeal(registrant, year, body.upheld, body.reasons, account.email),
            {"status": "upheld" if body.upheld else "dismissed"},
        )[1],
    )
