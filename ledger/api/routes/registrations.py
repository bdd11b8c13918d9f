"""The registrar's actions on a registration, named by its number: suspend, lift a suspension, remove, renew,
lapse, reinstate."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from ledger.api.deps import IdempotencyKey, RegistrarAccount, ServiceDep
from ledger.api.schemas.casework import Text
from ledger.api.schemas.registrations import Suspension
from ledger.domain.statuses import RegistrationStatus as Status

router = APIRouter(prefix="/api/registrations/{number}", tags=["casework"])


@router.post("/suspend")
def suspend(
    service: ServiceDep, number: str, body: Suspension, account: RegistrarAccount, key: IdempotencyKey = None
) -> dict[str, Any]:
    ledger = service.ledger
    registrant = ledger.registrant_by_number(number)
    return service.write(
        account,
        key,
        {"n": number, **body.model_dump()},
        lambda: (
            ledger.suspend(registrant, body.reason, account.email, body.until),
            {"status": Status.SUSPENDED},
        )[1],
    )


@router.post("/lift-suspension")
def lift(service: ServiceDep, number: str, account: RegistrarAccount, key: IdempotencyKey = None) -> dict[str, Any]:
    ledger = service.ledger
    registrant = ledger.registrant_by_number(number)
    return service.write(
        account,
        key,
        {"lift": number},
        lambda: (ledger.lift_suspension(registrant, account.email), {"status": Status.REGISTERED})[1],
    )


@router.post("/remove")
def remove(
    service: ServiceDep, number: str, body: Text, account: RegistrarAccount, key: IdempotencyKey = None
) -> dict[str, Any]:
    ledger = service.ledger
    registrant = ledger.registrant_by_number(number)
    return service.write(
        account,
        key,
        {"remove": number, **body.model_dump()},
        lambda: (ledger.remove(registrant, body.text, account.email), {"status": Status.REMOVED})[1],
    )


@router.post("/renew")
def renew(service: ServiceDep, number: str, account: RegistrarAccount, key: IdempotencyKey = None) -> dict[str, Any]:
    ledger = service.ledger
    registrant = ledger.registrant_by_number(number)
    return service.write(
        account, key, {"renew": number}, lambda: {"valid_until": ledger.renew(registrant, account.email).isoformat()}
    )


@router.post("/lapse")
def lapse(service: ServiceDep, number: str, account: RegistrarAccount, key: IdempotencyKey = None) -> dict[str, Any]:
    ledger = service.ledger
    registrant = ledger.registrant_by_number(number)
    return service.write(
        account, key, {"lapse": number}, lambda: (ledger.lapse(registrant), {"status": Status.LAPSED})[1]
    )


@router.post("/reinstate")
def reinstate(
    service: ServiceDep, number: str, account: RegistrarAccount, key: IdempotencyKey = None
) -> dict[str, Any]:
    ledger = service.ledger
    registrant = ledger.registrant_by_number(number)
    return service.write(
        account,
        key,
        {"reinstate": number},
        lambda: {"valid_until": ledger.reinstate(registrant, account.email).isoformat()},
    )
