"""Organisations over the JSON API (``/api/organisations/...``).

- The registrar or an admin registers an organisation and closes one; an admin gives it accounts (invited by
  letter, as staff are).
- A registrant finds open organisations (by name or code), links their own registration to one, lists and removes
  their own links: never anyone else's (the route takes the registrant from the signed-in account, not the body).
- An organisation's account reads its linked people (the public register's facts only) and checks a CSV of
  registration numbers (``ledger.app.bulk_verify``); the registrar may check a CSV too.
Everyone else gets 403. The bodies are declared here: they are this feature's alone."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel, Field

from ledger.api.deps import AdminAccount, IdempotencyKey, RegistrantAccount, ServiceDep, own_registrant, require
from ledger.api.problems import Problem
from ledger.app.accounts import Account
from ledger.app.bulk_verify import MAX_BYTES
from ledger.domain.errors import InvalidInput

router = APIRouter(prefix="/api/organisations", tags=["organisations"])
OrganisationAccount = Annotated[Account, Depends(require("organisation"))]
RegistrarOrAdmin = Annotated[Account, Depends(require("registrar", "admin"))]
Checker = Annotated[Account, Depends(require("organisation", "registrar"))]
Finder = Annotated[Account, Depends(require("registrant", "registrar", "admin"))]
CSV_TYPE = "text/csv; charset=utf-8"


class NewOrganisation(BaseModel):
    name: str = Field(max_length=200)
    contact_email: str = Field(max_length=254)


class Closing(BaseModel):
    reason: str = Field(max_length=500)


class NewAccount(BaseModel):
    email: str = Field(max_length=254)


class Link(BaseModel):
    organisation: str = Field(max_length=200, description="the organisation's code (ORG-ABC234) or its name")


def organisation_of(service: Any, account: Account) -> UUID:
    """The organisation an organisation's account belongs to (every one names one)."""
    found = service.accounts.organisation_of(account.id)
    if found is None:
        raise Problem(403, "this account belongs to no organisation")
    return UUID(str(found))


def summary(organisation: Any) -> dict[str, Any]:
    return {"id": str(organisation.id), "code": organisation.code, "name": organisation.name, "open": organisation.open}


@router.post("", status_code=201)
def register(
    service: ServiceDep, body: NewOrganisation, account: RegistrarOrAdmin, key: IdempotencyKey = None
) -> dict[str, Any]:
    ledger = service.ledger
    return service.write(
        account,
        key,
        body.model_dump(),
        lambda: summary(
            ledger.organisation(ledger.register_organisation(body.name, body.contact_email, account.email))
        ),
    )


@router.get("")
def find(service: ServiceDep, account: Finder, q: str) -> list[dict[str, Any]]:
    """Open organisations whose name holds ``q``, or the one with that code."""
    return [summary(o) for o in service.ledger.find_organisations(q)]


@router.post("/{organisation_id}/close")
def close(
    service: ServiceDep, organisation_id: UUID, body: Closing, account: RegistrarOrAdmin, key: IdempotencyKey = None
) -> dict[str, Any]:
    ledger = service.ledger
    return service.write(
        account,
        key,
        {"close": str(organisation_id), **body.model_dump()},
        lambda: (
            ledger.close_organisation(organisation_id, body.reason, account.email),
            summary(ledger.organisation(organisation_id)),
        )[1],
    )


@router.post("/{organisation_id}/accounts", status_code=201)
def invite(service: ServiceDep, organisation_id: UUID, body: NewAccount, account: AdminAccount) -> dict[str, Any]:
    made, _ = service.ledger.invite_organisation_account(organisation_id, body.email)
    return {"id": made, "email": body.email.strip().lower(), "role": "organisation", "state": "invited"}


# -- the registrant's own links
@router.get("/links")
def my_links(service: ServiceDep, account: RegistrantAccount) -> list[dict[str, Any]]:
    return service.ledger.organisations_of(own_registrant(account))


@router.post("/links", status_code=201)
def link(service: ServiceDep, body: Link, account: RegistrantAccount, key: IdempotencyKey = None) -> dict[str, Any]:
    ledger, registrant = service.ledger, own_registrant(account)
    return service.write(
        account,
        key,
        body.model_dump(),
        lambda: summary(ledger.organisation(ledger.link_organisation(registrant, body.organisation))),
    )


@router.delete("/links/{organisation_id}")
def unlink(
    service: ServiceDep, organisation_id: UUID, account: RegistrantAccount, key: IdempotencyKey = None
) -> dict[str, Any]:
    ledger, registrant = service.ledger, own_registrant(account)
    return service.write(
        account,
        key,
        {"unlink": str(organisation_id)},
        lambda: (
            ledger.unlink_organisation(registrant, organisation_id, account.email),
            {"unlinked": str(organisation_id)},
        )[1],
    )


# -- the organisation's
@router.get("/people")
def people(service: ServiceDep, account: OrganisationAccount) -> dict[str, Any]:
    """The organisation and the people who linked to it: each one's public register facts, and since when."""
    organisation = service.ledger.organisation(organisation_of(service, account))
    return {**summary(organisation), "people": service.ledger.organisation_people(organisation.id)}


@router.post(
    "/verify",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "one row per row of the file sent"}},
)
async def verify(request: Request, service: ServiceDep, account: Checker) -> Response:
    """Send a CSV (``Content-Type: text/csv``) with a ``registration_number`` column: up to 1,000 rows, 256 KB.
    The answer is a CSV: each number's name, level, status and valid-until date, or why it could not be checked."""
    if account.role == "organisation":
        organisation_of(service, account)
    data = await request.body()
    if len(data) > MAX_BYTES:
        raise InvalidInput("file", f"is {len(data) // 1024} KB; the limit is {MAX_BYTES // 1024} KB: split it")
    found = await run_in_threadpool(service.ledger.verify_csv, data)
    return Response(
        found,
        media_type=CSV_TYPE,
        headers={"Content-Disposition": 'attachment; filename="checked.csv"', "Cache-Control": "private, no-store"},
    )
