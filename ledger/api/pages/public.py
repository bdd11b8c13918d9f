"""The public pages: home, the register search, a registrant's page, and what it offers to download (the QR badge,
the signed credential, where its event sits in the transparency log) while the registration is current.

A registrant's page is what an employer checks: a banner saying in words whether the person is registered and what
their status means, the time the page was checked against the register, the levels held (dates only), and the
sharing (badge, downloads, LinkedIn) only while they are registered; the downloads refuse (409) otherwise."""

from __future__ import annotations

import json
from datetime import UTC, date, timedelta
from functools import cache
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from ledger.api.deps import ServiceDep, public_rate
from ledger.api.pages.render import day, render
from ledger.api.problems import Problem
from ledger.api.routes.public import post_nominals
from ledger.api.service import Service
from ledger.domain import regnumber
from ledger.domain.errors import LedgerError, NotFound
from ledger.domain.statuses import RegistrationStatus
from ledger.read.projections.register import registered_by_level, search_register

router = APIRouter(include_in_schema=False)

STATUSES = tuple(RegistrationStatus)
CHECKED_AT, CHECKED_ISO = b"@@checked-at@@", b"@@checked-iso@@"
"""Where the time a registrant's page was checked goes: the page's bytes are kept per register generation with
these marks, and each answer puts in the time of its own request (the register has not changed since the page was
made, or the generation would differ), so the time shown is always the time of the request."""
try:
    LOCAL, LOCAL_NAME = ZoneInfo("Europe/London"), "UK time"
except ZoneInfoNotFoundError:  # no time zone data on this machine: say UTC, which is true
    LOCAL, LOCAL_NAME = ZoneInfo("UTC"), "UTC"


@router.get("/", response_class=HTMLResponse)
def home(request: Request, service: ServiceDep) -> HTMLResponse:
    return render(request, "home.html", counts=_counts(service))


def _counts(service: Service) -> dict[str, int]:
    """How many are registered at each level, remembered until the register changes."""
    found: dict[str, int] | None = service.recall(("registered-by-level",))
    if found is None:
        generation = service.generation()
        with service.ledger.engine.connect() as conn:
            found = service.remember(("registered-by-level",), generation, registered_by_level(conn))
    return found


@router.get("/register", response_class=HTMLResponse, dependencies=[public_rate])
def register_page(
    request: Request, service: ServiceDep, query: str = "", level: str = "", status: str = "", discipline: str = ""
) -> HTMLResponse:
    entries: list[dict[str, Any]] = []
    query = query.strip()[:200]
    searched = any((query, level, status, discipline))
    invalid_number = None
    if query and regnumber.looks_like_number(query):
        try:
            regnumber.parse_number(query)
        except regnumber.InvalidRegistrationNumber as error:
            invalid_number = str(error)
    if searched and invalid_number is None:
        with service.ledger.engine.connect() as conn:
            entries = search_register(
                conn,
                query=query or None,
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
        invalid_number=invalid_number,
        counts=_counts(service) if not searched else {},
        statuses=STATUSES,
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


def _current_entry(service: Service, number: str, what: str) -> dict[str, Any]:
    """The entry of a registration that is current (registered), or 409 saying why ``what`` is not offered."""
    entry = _public_entry(service, number)
    if entry["status"] != RegistrationStatus.REGISTERED:
        raise Problem(
            409,
            f"{entry['registration_number']} is not currently registered ({entry['status']}): "
            f"{what} is offered only while a registration is current",
        )
    return entry


@router.get("/r/{number}", response_class=HTMLResponse, dependencies=[public_rate])
async def registrant_page(request: Request, service: ServiceDep, number: str) -> HTMLResponse:
    anonymous = "authorization" not in request.headers and not request.session
    if anonymous:  # what nearly everyone sees: the same bytes for everyone until the register changes (no thread)
        page = service.recall(("page-html", number))
        if page is not None:
            return HTMLResponse(_checked(service, page))
    return await run_in_threadpool(_registrant_page, request, service, number, anonymous)


def _checked(service: Service, page: bytes) -> bytes:
    """The page with the time of this request as the time it was checked against the register."""
    now = service.ledger.clock.now().astimezone(UTC)
    local = now.astimezone(LOCAL)
    said = f"{local:%H:%M} ({LOCAL_NAME}) on {day(local.date())}"
    return page.replace(CHECKED_AT, said.encode()).replace(CHECKED_ISO, now.isoformat(timespec="seconds").encode())


def _registrant_page(request: Request, service: Service, number: str, anonymous: bool) -> HTMLResponse:
    key = ("page", number)
    generation = service.generation()
    found = service.recall(key)
    if found is None:
        found = service.remember(key, generation, _registrant_page_facts(service, number))
    entry, record, shared = found
    rules = service.ledger.framework.rules
    due = date.fromisoformat(entry["valid_until"]) if entry["valid_until"] else None
    response = render(
        request,
        "registrant.html",
        entry=entry,
        record=record,
        shared=shared,
        overdue=due is not None and service.ledger.clock.today() > due,
        grace_ends=due + timedelta(days=rules.grace_days) if due else None,
        rules=rules,
        certificate=_has_certificate(),
        page_url=f"{service.settings.issuer_url}/r/{entry['registration_number']}",
        checked_at=CHECKED_AT.decode(),
        checked_iso=CHECKED_ISO.decode(),
    )
    page = bytes(response.body)
    if anonymous and not request.session:  # rendering made no session (no form, no flash): safe to share
        service.remember(("page-html", number), generation, page)
    return HTMLResponse(_checked(service, page), status_code=response.status_code)


@cache
def _has_certificate() -> bool:
    """Whether the pages offer a printable certificate (``/r/{number}/certificate.pdf``)."""
    from ledger.api.pages import router as pages

    return any(getattr(route, "path", "") == "/r/{number}/certificate.pdf" for route in pages.routes)


def _registrant_page_facts(
    service: Service, number: str
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any] | None]:
    from ledger.read.public_record import public_record
    from ledger.read.sharing import shareable_credential

    entry = _public_entry(service, number)
    record = public_record(service.ledger, entry["registration_number"])
    if entry["status"] != RegistrationStatus.REGISTERED:
        return entry, record, None
    try:
        credential = shareable_credential(service.ledger, entry["registration_number"])
    except LedgerError:
        return entry, record, None
    linkedin = credential.linkedin(service.settings.issuer_name)
    return entry, record, {"badge_url": credential.badge_url, "linkedin": linkedin, "ob3": credential.has_ob3}


@router.get("/r/{number}/badge.{fmt}", dependencies=[public_rate])
def badge(service: ServiceDep, number: str, fmt: str) -> Response:
    from credentials.qr import qr_png, qr_svg
    from ledger.read.sharing import shareable_credential

    if fmt not in ("svg", "png"):
        raise Problem(404, "badges are .svg or .png")
    entry = _current_entry(service, number, "the QR badge")
    shared = shareable_credential(service.ledger, entry["registration_number"])
    headers = {"Content-Disposition": f'attachment; filename="{shared.number}-badge.{fmt}"'}
    try:
        if fmt == "svg":
            return Response(qr_svg(shared.badge_url), media_type="image/svg+xml", headers=headers)
        return Response(qr_png(shared.badge_url), media_type="image/png", headers=headers)
    except ValueError as error:
        raise Problem(409, str(error)) from None


@router.get("/r/{number}/credential.{fmt}", dependencies=[public_rate])
def credential_download(service: ServiceDep, number: str, fmt: str) -> Response:
    from ledger.read.sharing import shareable_credential

    media_types = {"jwt": "application/vc+jwt", "json": "application/json", "ob3.jwt": "application/jwt"}
    if fmt not in media_types:
        raise Problem(404, "credentials download as .jwt, .ob3.jwt (the Open Badges 3.0 form) or .json")
    entry = _current_entry(service, number, "the signed credential")
    shared = shareable_credential(service.ledger, entry["registration_number"])
    try:
        body = shared.render("ob3-jwt" if fmt == "ob3.jwt" else fmt, "")
    except NotFound as error:  # issued before the OB 3.0 form was signed
        raise Problem(404, str(error)) from None
    return Response(
        body,
        media_type=media_types[fmt],
        headers={"Content-Disposition": f'attachment; filename="{shared.number}-credential.{fmt}"'},
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
