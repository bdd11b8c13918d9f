"""An assessor's assignments and assessments: only what is assigned to them, never background answers."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from ledger.api.deps import AssessorAccount, IdempotencyKey, LedgerDep, ServiceDep, own_assessor
from ledger.api.routes.casework import queue_row
from ledger.api.schemas.assessment import Assessment
from ledger.api.security import reachable_application
from ledger.read.projections.casework import casework_queue

router = APIRouter(prefix="/api", tags=["assessor"])


@router.get("/assignments")
def assignments(ledger: LedgerDep, account: AssessorAccount) -> list[dict[str, Any]]:
    with ledger.engine.connect() as conn:
        rows = casework_queue(conn, assessor=own_assessor(account).hex, limit=500)
    return [queue_row(r) for r in rows]


@router.post("/applications/{application_id}/assessment")
def assess(
    service: ServiceDep, application_id: str, body: Assessment, account: AssessorAccount, key: IdempotencyKey = None
) -> dict[str, Any]:
    """Judge each competency area met, partly_met or not_met, and recommend award, defer or reject."""
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
