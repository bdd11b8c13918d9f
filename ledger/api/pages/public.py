"""The public pages: home, the register search, a registrant's page, and what it offers to download (the QR badge,
the signed credential, where its event sits in the transparency log)."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from ledger.api.deps import ServiceDep, public_rate
from ledger.api.pages.render import render
from ledger.api.problems import Problem
from ledger.api.routes.public import post_nominals
from ledger.api.service import Service
from ledger.domain import regnumber
from ledger.domain.errors import LedgerError
from ledger.read.projections.register import search_register

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    return render(request, "home.html")


@router.get("/register", response_class=HTMLResponse, dependencies=[public_rate])
def register_page(
    request: Request, service: ServiceDep, query: str = "", level: str = "", status: str = "", discipline: str = ""
) -> HTMLResponse:
    entries: list[dict[str, Any]] = []
    searched = any((query, level, status, discipline))
    if searched:
        with service.ledger.engine.connect() as conn:
            entries = search_register(
                conn,
                query=query[:200] or None,
                level=level[:8] or None,
                status=status[:16] or None,
                discipline=discipline[:32] or None,
                post_nominals=post_nominals(service),
                limit=100,
            )
    return render(
        request,
        "register.html",
        entries=entries,
        searched=searched,
        query=query,
        level=level,
        status=status,
        discipline=discipline,
    )


def _public_entry(service: Service, number: str) -> dict[str, Any]:
    try:
        canonical = regnumber.parse_number(number)
    except regnumber.InvalidRegistrationNumber as error:
        raise Problem(404, str(error)) from None
    with service.ledger.engine.connect() as conn:
        found = search_register(conn, query=canonical, post_nominals=post_nominals(service), limit=1)
    if not found or found[0]["erased"]:
        raise Problem(404, f"no registration numbered {canonical}")
    return found[0]


@router.get("/r/{number}", response_class=HTMLResponse, dependencies=[public_rate])
async def registrant_page(request: Request, service: ServiceDep, number: str) -> HTMLResponse:
    anonymous = "authorization" not in request.headers and not request.session
    if anonymous:  # what nearly everyone sees: the same bytes for everyone until the register changes (no thread)
        page = service.recall(("page-html", number))
        if page is not None:
            return HTMLResponse(page)
    return await run_in_threadpool(_registrant_page, request, service, number, anonymous)


def _registrant_page(request: Request, service: Service, number: str, anonymous: bool) -> HTMLResponse:
    key = ("page", number)
    generation = service.generation()
    found = service.recall(key)
    if found is None:
        found = service.remember(key, generation, _registrant_page_facts(service, number))
    entry, shared = found
    response = render(request, "registrant.html", entry=entry, shared=shared)
    if anonymous and not request.session:  # rendering made no session (no form, no flash): safe to share
        service.remember(("page-html", number), generation, bytes(response.body))
    return response


def _registrant_page_facts(service: Service, number: str) -> tuple[dict[str, Any], dict[str, str] | None]:
    from ledger.read.sharing import current_credential

    entry = _public_entry(service, number)
    try:
        credential = current_credential(service.ledger, entry["registration_number"])
    except LedgerError:
        return entry, None
    return entry, {"badge_url": credential.badge_url, "linkedin": credential.linkedin(service.settings.issuer_name)}


@router.get("/r/{number}/badge.{fmt}", dependencies=[public_rate])
def badge(service: ServiceDep, number: str, fmt: str) -> Response:
    from credentials.qr import qr_png, qr_svg
    from ledger.read.sharing import current_credential

    entry = _public_entry(service, number)
    if fmt not in ("svg", "png"):
        raise Problem(404, "badges are .svg or .png")
    shared = current_credential(service.ledger, entry["registration_number"])
    try:
        if fmt == "svg":
            return Response(qr_svg(shared.badge_url), media_type="image/svg+xml")
        return Response(qr_png(shared.badge_url), media_type="image/png")
    except ValueError as error:
        raise Problem(409, str(error)) from None


@router.get("/r/{number}/credential.{fmt}", dependencies=[public_rate])
def credential_download(service: ServiceDep, number: str, fmt: str) -> Response:
    from ledger.read.sharing import current_credential

    entry = _public_entry(service, number)
    shared = current_credential(service.ledger, entry["registration_number"])
    media_types = {"jwt": "application/vc+jwt", "json": "application/json"}
    if fmt not in media_types:
        raise Problem(404, "credentials download as .jwt or .json")
    return Response(
        shared.render(fmt, ""),
        media_type=media_types[fmt],
        headers={"Content-Disposition": f'attachment; filename="{shared.number}.{fmt}"'},
    )


@router.get("/r/{number}/provenance.json", dependencies=[public_rate])
def provenance(service: ServiceDep, number: str) -> Response:
    """Where the event that awarded (or renewed) the current credential sits in the transparency log, with the
    latest signed checkpoint and the inclusion proof: check it with verifier.merkle.verify_inclusion."""
    from ledger.read.projections.credentials import credentials_of

    entry = _public_entry(service, number)
    with service.ledger.engine.connect() as conn:
        found = credentials_of(conn, entry["registration_number"], limit=1)
    if not found:
        raise Problem(404, f"no credential has been issued under {entry['registration_number']}")
    row = found[0]
    registration = UUID(row["registration_id"])
    facts = service.log.provenance(registration, row["trigger_version"])
    if facts is None:  # the worker signs a checkpoint within seconds of an issue
        raise Problem(
            503,
            "The transparency log has not yet signed a checkpoint that covers this credential's "
            "event; it does within seconds of an issue. Try again shortly.",
            headers={"Retry-After": "3"},
        )
    body = {
        "registration_number": entry["registration_number"],
        "credential_id": f"urn:uuid:{UUID(row['id'])}",
        "event": {"aggregate": str(registration), "version": row["trigger_version"], "kind": row["trigger"]},
        **facts,
    }
    return Response(json.dumps(body, indent=2), media_type="application/json")
