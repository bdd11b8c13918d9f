"""A registrant's applications: start one, add evidence, submit, withdraw, appeal; and one application as its
registrant, its assessors and the readers see it. Anyone else gets 404, as if it did not exist."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from ledger.api.deps import (
    CaseAccount,
    IdempotencyKey,
    LedgerDep,
    RegistrantAccount,
    ServiceDep,
    own_registrant,
    uuid_or_404,
)
from ledger.api.schemas.applications import Evidence, EvidenceText, Grounds, StartApplication
from ledger.api.security import reachable_application, readable_evidence
from ledger.read.views import application_view, registrant_view

router = APIRouter(prefix="/api/applications")


@router.post("", tags=["registrant"])
def start_application(
    service: ServiceDep, body: StartApplication, account: RegistrantAccount, key: IdempotencyKey = None
) -> dict[str, Any]:
    """Start an application for a level, by the standard route (with a qualification) or the equivalency route
    (with experience: years, a portfolio and a referee)."""
    ledger, registrant = service.ledger, own_registrant(account)

    def act() -> dict[str, Any]:
        application_id = ledger.start_application(
            registrant,
            body.level,
            body.route,
            qualification=body.qualification.model_dump() if body.qualification else None,
            experience=body.experience.model_dump() if body.experience else None,
        )
        return {"id": str(application_id)}

    return service.write(account, key, body.model_dump(), act)


@router.get("", tags=["registrant"])
def my_applications(ledger: LedgerDep, account: RegistrantAccount) -> list[dict[str, Any]]:
    applications: list[dict[str, Any]] = registrant_view(ledger, own_registrant(account), personal=False)[
        "applications"
    ]
    return applications


@router.get("/{application_id}", tags=["registrant", "casework"])
def get_application(ledger: LedgerDep, application_id: str, account: CaseAccount) -> dict[str, Any]:
    """An application with its evidence, assessments and decisions: for its registrant, its assessors once they have
    accepted the assignment (declaring no conflict of interest), and the registrar, auditor and admin."""
    return application_view(ledger, readable_evidence(ledger, account, application_id))


@router.post("/{application_id}/evidence", tags=["registrant"])
def add_evidence(
    service: ServiceDep, application_id: str, body: Evidence, account: RegistrantAccount, key: IdempotencyKey = None
) -> dict[str, Any]:
    ledger = service.ledger
    found = reachable_application(ledger, account, application_id)
    return service.write(
        account,
        key,
        {"id": application_id, **body.model_dump()},
        lambda: {"id": str(ledger.add_evidence(found, body.area, body.text))},
    )


@router.put("/{application_id}/evidence/{evidence_id}", tags=["registrant"])
def change_evidence(
    service: ServiceDep,
    application_id: str,
    evidence_id: str,
    body: EvidenceText,
    account: RegistrantAccount,
    key: IdempotencyKey = None,
) -> dict[str, Any]:
    """Rewrite an item of written evidence, while the application is a draft."""
    ledger = service.ledger
    found, chosen = reachable_application(ledger, account, application_id), uuid_or_404(evidence_id, "evidence")
    return service.write(
        account,
        key,
        {"id": application_id, "evidence": evidence_id, **body.model_dump()},
        lambda: (ledger.change_evidence(found, chosen, body.text), {"changed": evidence_id})[1],
    )


@router.delete("/{application_id}/evidence/{evidence_id}", tags=["registrant"])
def remove_evidence(
    service: ServiceDep, application_id: str, evidence_id: str, account: RegistrantAccount, key: IdempotencyKey = None
) -> dict[str, Any]:
    """Delete an item of written evidence, while the application is a draft."""
    ledger = service.ledger
    found, chosen = reachable_application(ledger, account, application_id), uuid_or_404(evidence_id, "evidence")
    return service.write(
        account,
        key,
        {"id": application_id, "remove evidence": evidence_id},
        lambda: (ledger.remove_evidence(found, chosen), {"removed": evidence_id})[1],
    )


@router.post("/{application_id}/submit", tags=["registrant"])
def submit(
    service: ServiceDep, application_id: str, account: RegistrantAccount, key: IdempotencyKey = None
) -> dict[str, Any]:
    ledger = service.ledger
    found = reachable_application(ledger, account, application_id)
    return service.write(
        account,
        key,
        {"submit": application_id},
        lambda: (ledger.submit_application(found), {"status": ledger.application(found).status})[1],
    )


@router.post("/{application_id}/withdraw", tags=["registrant"])
def withdraw(
    service: ServiceDep, application_id: str, account: RegistrantAccount, key: IdempotencyKey = None
) -> dict[str, Any]:
    ledger = service.ledger
    found = reachable_application(ledger, account, application_id)
    return service.write(
        account,
        key,
        {"withdraw": application_id},
        lambda: (ledger.withdraw_application(found), {"status": "withdrawn"})[1],
    )


@router.post("/{application_id}/appeal", tags=["registrant"])
def appeal(
    service: ServiceDep, application_id: str, body: Grounds, account: RegistrantAccount, key: IdempotencyKey = None
) -> dict[str, Any]:
    ledger = service.ledger
    found = reachable_application(ledger, account, application_id)
    return service.write(
        account,
        key,
        {"appeal": application_id, **body.model_dump()},
        lambda: (ledger.appeal(found, body.grounds), {"status": "appealed"})[1],
    )
