"""An assessor's assignments and assessments: only what is assigned to them, never background answers. A new
assignment is accepted (declaring no conflict of interest) or declined (declaring one) before it can be assessed."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter

from ledger.api.deps import AssessorAccount, IdempotencyKey, LedgerDep, ServiceDep, own_assessor
from ledger.api.routes.casework import queue_row
from ledger.api.schemas.assessment import Acceptance, Assessment, Declining
from ledger.api.security import reachable_application
from ledger.read.assignments import state_of
from ledger.read.projections.casework import casework_queue

router = APIRouter(prefix="/api", tags=["assessor"])


@router.get("/assignments")
def assignments(ledger: LedgerDep, account: AssessorAccount) -> list[dict[str, Any]]:
    """The applications assigned to you, each with where your part stands: "to accept", "accepted" (to assess),
    "assessed" (with the date)."""
    assessor = own_assessor(account)
    with ledger.engine.connect() as conn:
        rows = casework_queue(conn, assessor=assessor.hex, limit=500)
    found = []
    for row in rows:
        mine = state_of(ledger, UUID(row["id"]), assessor) or {}
        found.append({**queue_row(row), "my_state": mine.get("state"), "my_state_on": mine.get("on")})
    return found


@router.post("/applications/{application_id}/accept")
def accept(
    service: ServiceDep, application_id: str, body: Acceptance, account: AssessorAccount, key: IdempotencyKey = None
) -> dict[str, Any]:
    """Accept the assignment, declaring that you have no conflict of interest with the applicant (in your own words,
    or the register's when ``declaration`` is empty). You can assess once you have accepted."""
    ledger, assessor = service.ledger, own_assessor(account)
    found = reachable_application(ledger, account, application_id)
    return service.write(
        account,
        key,
        {"id": application_id, "accept": True, **body.model_dump()},
        lambda: (ledger.accept_assignment(found, assessor, body.declaration), {"status": "accepted"})[1],
    )


@router.post("/applications/{application_id}/decline")
def decline(
    service: ServiceDep, application_id: str, body: Declining, account: AssessorAccount, key: IdempotencyKey = None
) -> dict[str, Any]:
    """Decline the assignment, declaring a conflict of interest (``reason``, required): you are released and the
    registrar assigns another assessor."""
    ledger, assessor = service.ledger, own_assessor(account)
    found = reachable_application(ledger, account, application_id)
    return service.write(
        account,
        key,
        {"id": application_id, "decline": True, **body.model_dump()},
        lambda: (ledger.decline_assignment(found, assessor, body.reason), {"status": "declined"})[1],
    )


@router.post("/applications/{application_id}/assessment")
def assess(
    service: ServiceDep, application_id: str, body: Assessment, account: AssessorAccount, key: IdempotencyKey = None
) -> dict[str, Any]:
    """Judge each competency area met, partly_met or not_met, and recommend award, defer or reject (once you have
    accepted the assignment)."""
    ledger, assessor = service.ledger, own_assessor(account)
    found = reachable_application(ledger, account, application_id)
    return service.write(
        account,
        key,
        {"id": application_id, **body.model_dump()},
        lambda: (
            ledger.record_assessment(found, assessor, body.judgements, body.recommendation, body.feedback),
            {"status": "assessed"},
        )[1],
    )
