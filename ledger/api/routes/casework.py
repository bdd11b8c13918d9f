"""The registrar's casework (and, to read, the auditor's and the admin's): the queue, a registrant's record,
enrolments, assessors, and each step of an application after it is submitted: assignment, referee, discussion,
information, decision, appeal decision; a name change; erasure."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter

from ledger.api.deps import IdempotencyKey, LedgerDep, ReaderAccount, RegistrarAccount, ServiceDep, uuid_or_404
from ledger.api.problems import Problem
from ledger.api.schemas.casework import (
    AppealDecision,
    Assign,
    Decision,
    Discussion,
    Enrolment,
    NameDecision,
    NewAssessor,
    Referee,
    Text,
)
from ledger.domain.errors import InvalidInput, NotFound
from ledger.read.projections.casework import casework_counts, casework_queue
from ledger.read.views import registrant_view

router = APIRouter(prefix="/api", tags=["casework"])


def queue_row(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(UUID(row["id"])),
        "level": row["level"],
        "route": row["route"],
        "status": row["status"],
        "outcome": row["outcome"],
        "submitted_at": row["submitted_at"],
        "assessors": [str(UUID(a)) for a in row["assessors"]],
        "assessments": row["assessments"],
        "evidence_items": row["evidence_items"],
        "referee_confirmed": row["referee_confirmed"],
        "discussion_held": row["discussion_held"],
        "appealed": row["appealed"],
    }


@router.get("/casework")
def casework(
    ledger: LedgerDep, account: ReaderAccount, status: str | None = None, level: str | None = None
) -> dict[str, Any]:
    with ledger.engine.connect() as conn:
        return {
            "counts": casework_counts(conn),
            "applications": [queue_row(r) for r in casework_queue(conn, status=status, level=level, limit=200)],
        }


@router.get("/registrants/{registrant_id}")
def get_registrant(ledger: LedgerDep, registrant_id: str, account: ReaderAccount) -> dict[str, Any]:
    """A registrant's record for casework (never their background answers)."""
    found = uuid_or_404(registrant_id, "registrant")
    try:
        return registrant_view(ledger, found, personal=False)
    except NotFound:
        raise Problem(404, f"no registrant {registrant_id}") from None


@router.post("/enrolments")
def enrol(
    service: ServiceDep, body: Enrolment, account: RegistrarAccount, key: IdempotencyKey = None
) -> dict[str, Any]:
    """Enrol a person (the registrar does this for them; they then get a registrant account from an admin)."""
    ledger = service.ledger
    return service.write(
        account,
        key,
        body.model_dump(),
        lambda: {"id": str(ledger.enrol(body.name, body.email, body.disciplines, None, body.listing))},
    )


@router.post("/assessors")
def appoint_assessor(
    service: ServiceDep, body: NewAssessor, account: RegistrarAccount, key: IdempotencyKey = None
) -> dict[str, Any]:
    ledger = service.ledger

    def act() -> dict[str, Any]:
        registrant = ledger.registrant_by_number(body.registration_number) if body.registration_number else None
        if registrant is None and not (body.name or "").strip():
            raise InvalidInput("name", "give the assessor's name, or the registration number of a registered person")
        return {"id": str(ledger.appoint_assessor(body.name, registrant))}

    return service.write(account, key, body.model_dump(), act)


@router.post("/applications/{application_id}/assign")
def assign(
    service: ServiceDep, application_id: str, body: Assign, account: RegistrarAccount, key: IdempotencyKey = None
) -> dict[str, Any]:
    """Assign an assessor. They are asked to accept, declaring that they have no conflict of interest, or to
    decline, declaring one (``POST .../accept``, ``.../decline``); they can assess once they have accepted."""
    ledger = service.ledger
    found, assessor = uuid_or_404(application_id, "application"), uuid_or_404(body.assessor_id, "assessor")
    return service.write(
        account,
        key,
        {"id": application_id, **body.model_dump()},
        lambda: (ledger.assign_assessor(found, assessor), {"status": "assigned"})[1],
    )


@router.post("/applications/{application_id}/referee")
def referee(
    service: ServiceDep, application_id: str, body: Referee, account: RegistrarAccount, key: IdempotencyKey = None
) -> dict[str, Any]:
    ledger, found = service.ledger, uuid_or_404(application_id, "application")
    return service.write(
        account,
        key,
        {"id": application_id, **body.model_dump()},
        lambda: (ledger.confirm_referee(found, body.confirmed), {"status": "recorded"})[1],
    )


@router.post("/applications/{application_id}/discussion")
def discussion(
    service: ServiceDep, application_id: str, body: Discussion, account: RegistrarAccount, key: IdempotencyKey = None
) -> dict[str, Any]:
    ledger, found = service.ledger, uuid_or_404(application_id, "application")
    return service.write(
        account,
        key,
        {"id": application_id, **body.model_dump()},
        lambda: (ledger.record_discussion(found, body.held_on, body.notes), {"status": "recorded"})[1],
    )


@router.post("/applications/{application_id}/request-information")
def request_information(
    service: ServiceDep, application_id: str, body: Text, account: RegistrarAccount, key: IdempotencyKey = None
) -> dict[str, Any]:
    ledger, found = service.ledger, uuid_or_404(application_id, "application")
    return service.write(
        account,
        key,
        {"id": application_id, **body.model_dump()},
        lambda: (ledger.request_information(found, body.text, account.email), {"status": "information requested"})[1],
    )


@router.post("/applications/{application_id}/decision")
def decide(
    service: ServiceDep, application_id: str, body: Decision, account: RegistrarAccount, key: IdempotencyKey = None
) -> dict[str, Any]:
    """Award, defer or reject (with reasons). An award answers with the registration number; its credential is
    issued before the answer."""
    ledger, found = service.ledger, uuid_or_404(application_id, "application")
    return service.write(
        account,
        key,
        {"id": application_id, **body.model_dump()},
        lambda: {
            "outcome": body.outcome,
            "registration_number": ledger.decide(found, body.outcome, body.reasons, account.email),
        },
    )


@router.post("/applications/{application_id}/appeal-decision")
def decide_appeal(
    service: ServiceDep,
    application_id: str,
    body: AppealDecision,
    account: RegistrarAccount,
    key: IdempotencyKey = None,
) -> dict[str, Any]:
    ledger, found = service.ledger, uuid_or_404(application_id, "application")
    return service.write(
        account,
        key,
        {"id": application_id, **body.model_dump()},
        lambda: {
            "registration_number": ledger.decide_appeal(found, body.upheld, body.reasons, account.email, body.remedy)
        },
    )


@router.post("/assessors/{assessor_id}/stand-down")
def stand_down(
    service: ServiceDep, assessor_id: str, account: RegistrarAccount, key: IdempotencyKey = None
) -> dict[str, Any]:
    ledger, found = service.ledger, uuid_or_404(assessor_id, "assessor")
    return service.write(
        account,
        key,
        {"stand_down": assessor_id},
        lambda: (ledger.stand_down_assessor(found), {"status": "stood down"})[1],
    )


@router.post("/registrants/{registrant_id}/name-change")
def decide_name_change(
    service: ServiceDep, registrant_id: str, body: NameDecision, account: RegistrarAccount, key: IdempotencyKey = None
) -> dict[str, Any]:
    """Approve or refuse a registrant's request to change their name."""
    ledger, found = service.ledger, uuid_or_404(registrant_id, "registrant")
    return service.write(
        account,
        key,
        {"registrant": registrant_id, **body.model_dump()},
        lambda: (
            ledger.decide_name_change(found, body.approved, body.reason, account.email),
            {"status": "approved" if body.approved else "refused"},
        )[1],
    )


@router.post("/registrants/{registrant_id}/erase")
def erase(
    service: ServiceDep, registrant_id: str, account: RegistrarAccount, key: IdempotencyKey = None
) -> dict[str, Any]:
    """Erase a registrant's personal data (crypto-shredding). The events stay; their personal fields can never be
    read again. This cannot be undone."""
    ledger, found = service.ledger, uuid_or_404(registrant_id, "registrant")
    return service.write(
        account, key, {"erase": registrant_id}, lambda: (ledger.erase(found, account.email), {"status": "erased"})[1]
    )
