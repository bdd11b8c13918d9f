"""What a registrant does for themselves: log PPD, renew, answer the background questions, change their details,
ask for a name change, declare a career break, resign. Each acts on their own record only."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from ledger.api.deps import IdempotencyKey, RegistrantAccount, ServiceDep, own_registrant
from ledger.api.schemas.me import Background, CareerBreak, Details, NameChange, Ppd, Renewal
from ledger.domain.statuses import RegistrationStatus as Status

router = APIRouter(prefix="/api", tags=["registrant"])


@router.post("/ppd")
def record_ppd(
    service: ServiceDep, body: Ppd, account: RegistrantAccount, key: IdempotencyKey = None
) -> dict[str, Any]:
    """Log a PPD activity: date, category, hours, competency areas, what you learned and how it changed your
    practice."""
    ledger, registrant = service.ledger, own_registrant(account)
    return service.write(
        account,
        key,
        body.model_dump(),
        lambda: {
            "id": str(
                ledger.record_ppd(registrant, body.on, body.category, body.hours, body.areas, body.learned, body.impact)
            )
        },
    )


@router.post("/renewal")
def submit_renewal(
    service: ServiceDep, body: Renewal, account: RegistrantAccount, key: IdempotencyKey = None
) -> dict[str, Any]:
    ledger, registrant = service.ledger, own_registrant(account)
    return service.write(
        account,
        key,
        body.model_dump(),
        lambda: (ledger.submit_renewal(registrant, body.declaration), {"status": "renewal submitted"})[1],
    )


@router.put("/background")
def answer_background(
    service: ServiceDep, body: Background, account: RegistrantAccount, key: IdempotencyKey = None
) -> dict[str, Any]:
    """The voluntary socio-economic background questions (any answer may be 'prefer not to say')."""
    ledger, registrant = service.ledger, own_registrant(account)
    return service.write(
        account,
        key,
        body.model_dump(),
        lambda: (ledger.answer_background(registrant, body.answers), {"status": "saved"})[1],
    )


@router.patch("/me")
def change_details(
    service: ServiceDep, body: Details, account: RegistrantAccount, key: IdempotencyKey = None
) -> dict[str, Any]:
    """Change your name, email, disciplines or listing (listed, or verify-only: found by your number alone)."""
    ledger, registrant = service.ledger, own_registrant(account)
    return service.write(
        account,
        key,
        body.model_dump(),
        lambda: (ledger.change_details(registrant, **body.model_dump(exclude_none=True)), {"status": "saved"})[1],
    )


@router.post("/me/name-change")
def request_name_change(
    service: ServiceDep, body: NameChange, account: RegistrantAccount, key: IdempotencyKey = None
) -> dict[str, Any]:
    """Ask for your registered name to change; the registrar decides (your name stays as it is until then)."""
    ledger, registrant = service.ledger, own_registrant(account)
    return service.write(
        account,
        key,
        body.model_dump(),
        lambda: (ledger.request_name_change(registrant, body.name, body.evidence), {"status": "requested"})[1],
    )


@router.post("/career-break")
def career_break(
    service: ServiceDep, body: CareerBreak, account: RegistrantAccount, key: IdempotencyKey = None
) -> dict[str, Any]:
    """Declare a career break (up to 3 years): the PPD requirement is paused for the renewals it overlaps."""
    ledger, registrant = service.ledger, own_registrant(account)
    return service.write(
        account,
        key,
        body.model_dump(),
        lambda: (ledger.take_career_break(registrant, body.start, body.end), {"status": "recorded"})[1],
    )


@router.post("/resign")
def resign(service: ServiceDep, account: RegistrantAccount, key: IdempotencyKey = None) -> dict[str, Any]:
    """Leave the register (a resigned registration can be reinstated within the rules)."""
    ledger, registrant = service.ledger, own_registrant(account)
    return service.write(
        account, key, {"resign": True}, lambda: (ledger.resign(registrant), {"status": Status.RESIGNED})[1]
    )
