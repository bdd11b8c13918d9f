"""The public register (search and one entry), the competency framework, and the health check."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from ledger.api.deps import LedgerDep, ServiceDep, current_account, public_rate
from ledger.api.problems import Problem
from ledger.api.security import READERS
from ledger.api.service import Service
from ledger.domain import regnumber
from ledger.read.projections.register import search_register

router = APIRouter()


def post_nominals(service: Service) -> dict[str, str]:
    return {level.code: level.post_nominal for level in service.ledger.framework.levels}


@router.get("/api/register", tags=["public"], dependencies=[public_rate])
async def register_search(
    request: Request,
    service: ServiceDep,
    query: str | None = Query(None, max_length=200),
    level: str | None = Query(None, max_length=8),
    status: str | None = Query(None, max_length=16),
    discipline: str | None = Query(None, max_length=32),
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0, le=100_000),
    as_of: date | None = None,
    recorded_as_of: date | None = None,
) -> Response:
    """Search the public register by name (or part of one), exact registration number, level, status and
    discipline. Registrants who chose verify-only are found only by their exact registration number. With
    ``as_of`` (business time) or ``recorded_as_of`` (recording time), the register as it stood at the end of that
    day, rebuilt from the events (for the registrar, auditor and admin: each day is a rebuild from every event)."""
    if as_of or recorded_as_of:
        return await _search_as_of(
            request, service, as_of, recorded_as_of, query, level, status, discipline, limit, offset
        )
    key = ("search", query, level, status, discipline, limit, offset)
    found = service.recall(key)  # a remembered answer costs no thread
    if found is None:
        generation = service.generation()
        body = await run_in_threadpool(
            lambda: JSONResponse(_search(service, query, level, status, discipline, limit, offset)).body
        )
        found = service.remember(key, generation, body)
    return Response(found, media_type="application/json")


async def _search_as_of(
    request: Request,
    service: Service,
    as_of: date | None,
    recorded_as_of: date | None,
    query: str | None,
    level: str | None,
    status: str | None,
    discipline: str | None,
    limit: int,
    offset: int,
) -> Response:
    from ledger.read.as_of import register_as_of

    account = current_account(request)
    if account is None:
        raise Problem(
            401,
            "the register as of a date is for the registrar, auditor and admin: sign in first",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if account.role not in READERS:
        raise Problem(403, "the register as of a date is for the registrar, auditor and admin")
    day, recorded = (recorded_as_of, True) if recorded_as_of else (as_of, False)
    assert day is not None
    key = ("as-of", day, recorded)
    search = service.recall(key)
    if search is None:
        generation = service.generation()
        search = service.remember(
            key, generation, await run_in_threadpool(register_as_of, service.ledger, day, recorded=recorded)
        )
    return JSONResponse(
        await run_in_threadpool(
            lambda: search(
                query=query,
                level=level,
                status=status,
                discipline=discipline,
                post_nominals=post_nominals(service),
                limit=limit,
                offset=offset,
            )
        )
    )


def _search(
    service: Service,
    query: str | None,
    level: str | None,
    status: str | None,
    discipline: str | None,
    limit: int,
    offset: int,
) -> list[dict[str, Any]]:
    with service.ledger.engine.connect() as conn:
        return search_register(
            conn,
            query=query,
            level=level,
            status=status,
            discipline=discipline,
            post_nominals=post_nominals(service),
            limit=limit,
            offset=offset,
        )


@router.get("/api/register/{number}", tags=["public"], dependencies=[public_rate])
def register_entry(service: ServiceDep, number: str) -> dict[str, Any]:
    """One registration by its number (RG-1234567-89), whether listed or verify-only."""
    try:
        canonical = regnumber.parse_number(number)
    except regnumber.InvalidRegistrationNumber as error:
        raise Problem(422, f"registration_number: {error}") from None
    entries = _search(service, canonical, None, None, None, 1, 0)
    if not entries:
        raise Problem(404, f"no registration numbered {canonical}")
    return entries[0]


@router.get("/healthz", tags=["public"])
async def healthz() -> dict[str, bool]:
    """The service answers (nothing else is checked: the bare endpoint benchmarks compare against)."""
    return {"ok": True}


@router.get("/api/framework", tags=["public"])
def framework(ledger: LedgerDep) -> dict[str, Any]:
    """The competency framework: levels, competency areas with their descriptors, routes and rules."""
    return ledger.framework.to_dict()
