"""The JSON API for the Ledger's commands and queries, by role. Every write accepts an ``Idempotency-Key`` header
and answers only once the read models show it. Object-level checks: a registrant reaches only their own records
and an assessor only the applications assigned to them; anything else is 404, as if it did not exist."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Body, Depends, Form, Header, Path, Query, Request
from pydantic import BaseModel, Field

from ledger.api.problems import Problem
from ledger.api.security import READERS, issue_token, limited, reachable_application, reachable_audit, require
from ledger.app.accounts import Account
from ledger.domain.errors import NotFound
from ledger.read.projections.audits import audit_queue
from ledger.read.projections.casework import casework_counts, casework_queue
from ledger.read.views import application_view, audit_view, registrant_view

router = APIRouter(prefix="/api")
registrant_only = require("registrant")
assessor_only = require("assessor")
registrar_only = require("registrar")
readers = require(*READERS)
admin_only = require("admin")


def _service(request: Request) -> Any:
    return request.app.state.service


def _uuid(value: str, what: str) -> UUID:
    try:
        return UUID(value)
    except ValueError:
        raise Problem(404, f"no {what} {value}") from None


def _write(request: Request, account: Account, key: str | None, body: Any, action: Any) -> Any:
    return _service(request).write(account, key, body, action)


IdempotencyKey = Header(
    None,
    alias="Idempotency-Key",
    description=(
        "Send the same key to retry safely: the command acts at most once and a retry gets its first answer. "
        "Without a key, a write whose answer was lost to a fault may have acted."
    ),
)


# -- sign in
@router.post("/token", tags=["auth"], dependencies=[Depends(limited("login", "rate_login_per_minute"))])
def token(
    request: Request, email: str = Form(..., max_length=254), password: str = Form(..., max_length=256)
) -> dict[str, Any]:
    """A bearer token for the API (15 minutes), from an email and password (form fields, as OAuth2 password)."""
    service = _service(request)
    account = service.accounts.authenticate(email, password)
    if account is None:
        raise Problem(401, "the email or password is wrong", headers={"WWW-Authenticate": "Bearer"})
    value, seconds = issue_token(service.ledger.session_secret, account)
    return {"access_token": value, "token_type": "bearer", "expires_in": seconds, "role": account.role}


@router.get("/me", tags=["auth"])
def me(
    request: Request, account: Account = Depends(require("registrant", "assessor", "registrar", "auditor", "admin"))
) -> dict[str, Any]:
    """Who you are; a registrant also gets their record (with their own background answers)."""
    view: dict[str, Any] = {"email": account.email, "role": account.role}
    if account.registrant_id:
        view["registrant"] = registrant_view(_service(request).ledger, account.registrant_id, personal=True)
    if account.assessor_id:
        view["assessor_id"] = str(account.assessor_id)
    return view


# -- registrants: their own records only
class Qualification(BaseModel):
    title: str = Field(max_length=300)
    awarding_body: str = Field(max_length=300)
    level: int = Field(ge=1, le=8)


class Experience(BaseModel):
    years: float = Field(ge=0, le=70)
    portfolio: str = Field(max_length=2000)
    referee_name: str = Field(max_length=200)
    referee_email: str = Field(max_length=254)


class StartApplication(BaseModel):
    level: str = Field(max_length=8)
    route: str = Field(max_length=16)
    qualification: Qualification | None = None
    experience: Experience | None = None


class Evidence(BaseModel):
    area: str = Field(max_length=4)
    text: str = Field(max_length=10_000)


class Grounds(BaseModel):
    grounds: str = Field(max_length=10_000)


class Ppd(BaseModel):
    on: date
    category: str = Field(max_length=32)
    hours: float = Field(gt=0, le=1000)
    areas: list[str] = Field(max_length=6)
    learned: str = Field(max_length=10_000)
    impact: str = Field(max_length=10_000)


class Renewal(BaseModel):
    declaration: str = Field("I declare that my PPD record is true and complete.", max_length=2000)


class Background(BaseModel):
    answers: dict[str, str] | None = Field(None, max_length=20)


def _own_application(request: Request, account: Account, application_id: str) -> UUID:
    return reachable_application(_service(request).ledger, account, application_id)


@router.post("/applications", tags=["registrant"])
def start_application(
    request: Request,
    body: StartApplication,
    account: Account = Depends(registrant_only),
    key: str | None = IdempotencyKey,
) -> dict[str, Any]:
    """Start an application for a level, by the standard route (with a qualification) or the equivalency route
    (with experience: years, a portfolio and a referee)."""
    ledger = _service(request).ledger

    def act() -> dict[str, Any]:
        application_id = ledger.start_application(
            account.registrant_id,
            body.level,
            body.route,  # type: ignore[arg-type]
            qualification=body.qualification.model_dump() if body.qualification else None,
            experience=body.experience.model_dump() if body.experience else None,
        )
        return {"id": str(application_id)}

    return _write(request, account, key, body.model_dump(), act)


@router.get("/applications", tags=["registrant"])
def my_applications(request: Request, account: Account = Depends(registrant_only)) -> list[dict[str, Any]]:
    return registrant_view(_service(request).ledger, account.registrant_id, personal=False)["applications"]  # type: ignore[arg-type]


@router.get("/applications/{application_id}", tags=["registrant", "casework"])
def get_application(
    request: Request, application_id: str, account: Account = Depends(require("registrant", "assessor", *READERS))
) -> dict[str, Any]:
    """An application with its evidence, assessments and decisions: for its registrant, its assessors, and the
    registrar, auditor and admin."""
    ledger = _service(request).ledger
    return application_view(ledger, reachable_application(ledger, account, application_id))


@router.post("/applications/{application_id}/evidence", tags=["registrant"])
def add_evidence(
    request: Request,
    application_id: str,
    body: Evidence,
    account: Account = Depends(registrant_only),
    key: str | None = IdempotencyKey,
) -> dict[str, Any]:
    found = _own_application(request, account, application_id)
    ledger = _service(request).ledger
    return _write(
        request,
        account,
        key,
        {"id": application_id, **body.model_dump()},
        lambda: {"id": str(ledger.add_evidence(found, body.area, body.text))},
    )


@router.post("/applications/{application_id}/submit", tags=["registrant"])
def submit(
    request: Request, application_id: str, account: Account = Depends(registrant_only), key: str | None = IdempotencyKey
) -> dict[str, Any]:
    found = _own_application(request, account, application_id)
    ledger = _service(request).ledger
    return _write(
        request,
        account,
        key,
        {"submit": application_id},
        lambda: (ledger.submit_application(found), {"status": ledger.application(found).status})[1],
    )


@router.post("/applications/{application_id}/withdraw", tags=["registrant"])
def withdraw(
    request: Request, application_id: str, account: Account = Depends(registrant_only), key: str | None = IdempotencyKey
) -> dict[str, Any]:
    found = _own_application(request, account, application_id)
    ledger = _service(request).ledger
    return _write(
        request,
        account,
        key,
        {"withdraw": application_id},
        lambda: (ledger.withdraw_application(found), {"status": "withdrawn"})[1],
    )


@router.post("/applications/{application_id}/appeal", tags=["registrant"])
def appeal(
    request: Request,
    application_id: str,
    body: Grounds,
    account: Account = Depends(registrant_only),
    key: str | None = IdempotencyKey,
) -> dict[str, Any]:
    found = _own_application(request, account, application_id)
    ledger = _service(request).ledger
    return _write(
        request,
        account,
        key,
        {"appeal": application_id, **body.model_dump()},
        lambda: (ledger.appeal(found, body.grounds), {"status": "appealed"})[1],
    )


@router.post("/ppd", tags=["registrant"])
def record_ppd(
    request: Request, body: Ppd, account: Account = Depends(registrant_only), key: str | None = IdempotencyKey
) -> dict[str, Any]:
    """Log a PPD activity: date, category, hours, competency areas, what you learned and how it changed your
    practice."""
    ledger = _service(request).ledger
    return _write(
        request,
        account,
        key,
        body.model_dump(),
        lambda: {
            "id": str(
                ledger.record_ppd(
                    account.registrant_id, body.on, body.category, body.hours, body.areas, body.learned, body.impact
                )
            )
        },
    )  # type: ignore[arg-type]


@router.post("/renewal", tags=["registrant"])
def submit_renewal(
    request: Request, body: Renewal, account: Account = Depends(registrant_only), key: str | None = IdempotencyKey
) -> dict[str, Any]:
    ledger = _service(request).ledger
    return _write(
        request,
        account,
        key,
        body.model_dump(),
        lambda: (
            ledger.submit_renewal(account.registrant_id, body.declaration),  # type: ignore[arg-type]
            {"status": "renewal submitted"},
        )[1],
    )


@router.put("/background", tags=["registrant"])
def answer_background(
    request: Request, body: Background, account: Account = Depends(registrant_only), key: str | None = IdempotencyKey
) -> dict[str, Any]:
    """The voluntary socio-economic background questions (any answer may be 'prefer not to say')."""
    ledger = _service(request).ledger
    return _write(
        request,
        account,
        key,
        body.model_dump(),
        lambda: (
            ledger.answer_background(account.registrant_id, body.answers),  # type: ignore[arg-type]
            {"status": "saved"},
        )[1],
    )


class Details(BaseModel):
    name: str | None = Field(None, max_length=200)
    email: str | None = Field(None, max_length=254)
    disciplines: list[str] | None = Field(None, max_length=7)
    listing: str | None = Field(None, max_length=16)


@router.patch("/me", tags=["registrant"])
def change_details(
    request: Request, body: Details, account: Account = Depends(registrant_only), key: str | None = IdempotencyKey
) -> dict[str, Any]:
    """Change your name, email, disciplines or listing (listed, or verify-only: found by your number alone)."""
    ledger = _service(request).ledger
    return _write(
        request,
        account,
        key,
        body.model_dump(),
        lambda: (
            ledger.change_details(account.registrant_id, **body.model_dump(exclude_none=True)),
            {"status": "saved"},
        )[1],
    )  # type: ignore[arg-type]


class NameChange(BaseModel):
    name: str = Field(..., max_length=200, description="The name as it should appear on the register.")
    evidence: str = Field(
        ...,
        max_length=2000,
        description="What shows the change: a deed poll, marriage "
        "certificate or passport, and how the registrar can see it.",
    )


@router.post("/me/name-change", tags=["registrant"])
def request_name_change(
    request: Request, body: NameChange, account: Account = Depends(registrant_only), key: str | None = IdempotencyKey
) -> dict[str, Any]:
    """Ask for your registered name to change; the registrar decides (your name stays as it is until then)."""
    ledger = _service(request).ledger
    return _write(
        request,
        account,
        key,
        body.model_dump(),
        lambda: (ledger.request_name_change(account.registrant_id, body.name, body.evidence), {"status": "requested"})[
            1
        ],
    )  # type: ignore[arg-type]


class NameDecision(BaseModel):
    approved: bool
    reason: str = Field("", max_length=2000)


@router.post("/registrants/{registrant_id}/name-change", tags=["casework"])
def decide_name_change(
    request: Request,
    registrant_id: str,
    body: NameDecision,
    account: Account = Depends(registrar_only),
    key: str | None = IdempotencyKey,
) -> dict[str, Any]:
    """Approve or refuse a registrant's request to change their name."""
    found = _uuid(registrant_id, "registrant")
    ledger = _service(request).ledger
    return _write(
        request,
        account,
        key,
        {"registrant": registrant_id, **body.model_dump()},
        lambda: (
            ledger.decide_name_change(found, body.approved, body.reason, account.email),
            {"status": "approved" if body.approved else "refused"},
        )[1],
    )


class CareerBreak(BaseModel):
    start: date
    end: date


@router.post("/career-break", tags=["registrant"])
def career_break(
    request: Request, body: CareerBreak, account: Account = Depends(registrant_only), key: str | None = IdempotencyKey
) -> dict[str, Any]:
    """Declare a career break (up to 3 years): the PPD requirement is paused for the renewals it overlaps."""
    ledger = _service(request).ledger
    return _write(
        request,
        account,
        key,
        body.model_dump(),
        lambda: (ledger.take_career_break(account.registrant_id, body.start, body.end), {"status": "recorded"})[1],
    )  # type: ignore[arg-type]


@router.post("/resign", tags=["registrant"])
def resign(
    request: Request, account: Account = Depends(registrant_only), key: str | None = IdempotencyKey
) -> dict[str, Any]:
    """Leave the register (a resigned registration can be reinstated within the rules)."""
    ledger = _service(request).ledger
    return _write(
        request,
        account,
        key,
        {"resign": True},
        lambda: (ledger.resign(account.registrant_id), {"status": "resigned"})[1],
    )  # type: ignore[arg-type]


@router.get("/credentials", tags=["registrant"])
def my_credential(request: Request, account: Account = Depends(registrant_only)) -> dict[str, Any]:
    """Your newest credential: the signed file, the badge link and the LinkedIn link."""
    from ledger.read.sharing import current_credential

    ledger = _service(request).ledger
    view = registrant_view(ledger, account.registrant_id, personal=False)  # type: ignore[arg-type]
    if not view["registration"]:
        raise Problem(404, "you hold no registration yet")
    shared = current_credential(ledger, view["registration"]["number"])
    return {
        "number": shared.number,
        "level": shared.level,
        "jwt": shared.full,
        "badge_url": shared.badge_url,
        "linkedin": shared.linkedin(ledger.settings.issuer_name),
    }


# -- assessors: only what is assigned to them, never background answers
class Assessment(BaseModel):
    judgements: dict[str, str] = Field(max_length=6)
    recommendation: str = Field(max_length=8)
    feedback: str | None = Field(None, max_length=10_000)


@router.get("/assignments", tags=["assessor"])
def assignments(request: Request, account: Account = Depends(assessor_only)) -> list[dict[str, Any]]:
    with _service(request).ledger.engine.connect() as conn:
        rows = casework_queue(conn, assessor=account.assessor_id.hex, limit=500)  # type: ignore[union-attr]
    return [_queue_row(r) for r in rows]


@router.post("/applications/{application_id}/assessment", tags=["assessor"])
def assess(
    request: Request,
    application_id: str,
    body: Assessment,
    account: Account = Depends(assessor_only),
    key: str | None = IdempotencyKey,
) -> dict[str, Any]:
    """Judge each competency area met, partly_met or not_met, and recommend award, defer or reject."""
    ledger = _service(request).ledger
    found = reachable_application(ledger, account, application_id)
    return _write(
        request,
        account,
        key,
        {"id": application_id, **body.model_dump()},
        lambda: (
            ledger.record_assessment(
                found,
                account.assessor_id,
                body.judgements,
                body.recommendation,  # type: ignore[arg-type]
                body.feedback,
            ),
            {"status": "assessed"},
        )[1],
    )


# -- the registrar (and, to read, the auditor and admin)
def _queue_row(row: dict[str, Any]) -> dict[str, Any]:
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


@router.get("/casework", tags=["casework"])
def casework(
    request: Request, status: str | None = None, level: str | None = None, account: Account = Depends(readers)
) -> dict[str, Any]:
    with _service(request).ledger.engine.connect() as conn:
        return {
            "counts": casework_counts(conn),
            "applications": [_queue_row(r) for r in casework_queue(conn, status=status, level=level, limit=200)],
        }


@router.get("/registrants/{registrant_id}", tags=["casework"])
def get_registrant(request: Request, registrant_id: str, account: Account = Depends(readers)) -> dict[str, Any]:
    """A registrant's record for casework (never their background answers)."""
    found = _uuid(registrant_id, "registrant")
    try:
        return registrant_view(_service(request).ledger, found, personal=False)
    except NotFound:
        raise Problem(404, f"no registrant {registrant_id}") from None


class Assign(BaseModel):
    assessor_id: str = Field(max_length=64)
    declaration: str = Field(max_length=2000)


class Decision(BaseModel):
    outcome: str = Field(max_length=8)
    reasons: str = Field("", max_length=10_000)


class AppealDecision(BaseModel):
    upheld: bool
    reasons: str = Field(max_length=10_000)
    remedy: str | None = Field(None, max_length=16)


class Text(BaseModel):
    text: str = Field(max_length=10_000)


class Referee(BaseModel):
    confirmed: bool


class Discussion(BaseModel):
    held_on: date
    notes: str | None = Field(None, max_length=10_000)


class Suspension(BaseModel):
    reason: str = Field(max_length=2000)
    until: date | None = None


class Enrolment(BaseModel):
    name: str = Field(max_length=200)
    email: str = Field(max_length=254)
    disciplines: list[str] = Field(max_length=7)
    listing: str = Field("listed", max_length=16)


class NewAssessor(BaseModel):
    name: str = Field(max_length=200)
    registration_number: str | None = Field(None, max_length=20)


@router.post("/enrolments", tags=["casework"])
def enrol(
    request: Request, body: Enrolment, account: Account = Depends(registrar_only), key: str | None = IdempotencyKey
) -> dict[str, Any]:
    """Enrol a person (the registrar does this for them; they then get a registrant account from an admin)."""
    ledger = _service(request).ledger
    return _write(
        request,
        account,
        key,
        body.model_dump(),
        lambda: {"id": str(ledger.enrol(body.name, body.email, body.disciplines, None, body.listing))},
    )


@router.post("/assessors", tags=["casework"])
def appoint_assessor(
    request: Request, body: NewAssessor, account: Account = Depends(registrar_only), key: str | None = IdempotencyKey
) -> dict[str, Any]:
    ledger = _service(request).ledger

    def act() -> dict[str, Any]:
        registrant = ledger.registrant_by_number(body.registration_number) if body.registration_number else None
        return {"id": str(ledger.appoint_assessor(body.name, registrant))}

    return _write(request, account, key, body.model_dump(), act)


@router.post("/applications/{application_id}/assign", tags=["casework"])
def assign(
    request: Request,
    application_id: str,
    body: Assign,
    account: Account = Depends(registrar_only),
    key: str | None = IdempotencyKey,
) -> dict[str, Any]:
    ledger = _service(request).ledger
    found, assessor = _uuid(application_id, "application"), _uuid(body.assessor_id, "assessor")
    return _write(
        request,
        account,
        key,
        {"id": application_id, **body.model_dump()},
        lambda: (ledger.assign_assessor(found, assessor, body.declaration), {"status": "assigned"})[1],
    )


@router.post("/applications/{application_id}/referee", tags=["casework"])
def referee(
    request: Request,
    application_id: str,
    body: Referee,
    account: Account = Depends(registrar_only),
    key: str | None = IdempotencyKey,
) -> dict[str, Any]:
    ledger = _service(request).ledger
    found = _uuid(application_id, "application")
    return _write(
        request,
        account,
        key,
        {"id": application_id, **body.model_dump()},
        lambda: (ledger.confirm_referee(found, body.confirmed), {"status": "recorded"})[1],
    )


@router.post("/applications/{application_id}/discussion", tags=["casework"])
def discussion(
    request: Request,
    application_id: str,
    body: Discussion,
    account: Account = Depends(registrar_only),
    key: str | None = IdempotencyKey,
) -> dict[str, Any]:
    ledger = _service(request).ledger
    found = _uuid(application_id, "application")
    return _write(
        request,
        account,
        key,
        {"id": application_id, **body.model_dump()},
        lambda: (ledger.record_discussion(found, body.held_on, body.notes), {"status": "recorded"})[1],
    )


@router.post("/applications/{application_id}/request-information", tags=["casework"])
def request_information(
    request: Request,
    application_id: str,
    body: Text,
    account: Account = Depends(registrar_only),
    key: str | None = IdempotencyKey,
) -> dict[str, Any]:
    ledger = _service(request).ledger
    found = _uuid(application_id, "application")
    return _write(
        request,
        account,
        key,
        {"id": application_id, **body.model_dump()},
        lambda: (ledger.request_information(found, body.text, account.email), {"status": "information requested"})[1],
    )


@router.post("/applications/{application_id}/decision", tags=["casework"])
def decide(
    request: Request,
    application_id: str,
    body: Decision,
    account: Account = Depends(registrar_only),
    key: str | None = IdempotencyKey,
) -> dict[str, Any]:
    """Award, defer or reject (with reasons). An award answers with the registration number; its credential is
    issued before the answer."""
    ledger = _service(request).ledger
    found = _uuid(application_id, "application")
    return _write(
        request,
        account,
        key,
        {"id": application_id, **body.model_dump()},
        lambda: {
            "outcome": body.outcome,
            "registration_number": ledger.decide(found, body.outcome, body.reasons, account.email),
        },
    )


@router.post("/applications/{application_id}/appeal-decision", tags=["casework"])
def decide_appeal(
    request: Request,
    application_id: str,
    body: AppealDecision,
    account: Account = Depends(registrar_only),
    key: str | None = IdempotencyKey,
) -> dict[str, Any]:
    ledger = _service(request).ledger
    found = _uuid(application_id, "application")
    return _write(
        request,
        account,
        key,
        {"id": application_id, **body.model_dump()},
        lambda: {
            "registration_number": ledger.decide_appeal(found, body.upheld, body.reasons, account.email, body.remedy)
        },
    )


@router.post("/assessors/{assessor_id}/stand-down", tags=["casework"])
def stand_down(
    request: Request, assessor_id: str, account: Account = Depends(registrar_only), key: str | None = IdempotencyKey
) -> dict[str, Any]:
    ledger = _service(request).ledger
    found = _uuid(assessor_id, "assessor")
    return _write(
        request,
        account,
        key,
        {"stand_down": assessor_id},
        lambda: (ledger.stand_down_assessor(found), {"status": "stood down"})[1],
    )


@router.post("/registrants/{registrant_id}/erase", tags=["casework"])
def erase(
    request: Request, registrant_id: str, account: Account = Depends(registrar_only), key: str | None = IdempotencyKey
) -> dict[str, Any]:
    """Erase a registrant's personal data (crypto-shredding). The events stay; their personal fields can never be
    read again. This cannot be undone."""
    ledger = _service(request).ledger
    found = _uuid(registrant_id, "registrant")
    return _write(
        request,
        account,
        key,
        {"erase": registrant_id},
        lambda: (ledger.erase(found, account.email), {"status": "erased"})[1],
    )


def _registrant_of(request: Request, number: str) -> UUID:
    return _service(request).ledger.registrant_by_number(number)


@router.post("/registrations/{number}/suspend", tags=["casework"])
def suspend(
    request: Request,
    number: str,
    body: Suspension,
    account: Account = Depends(registrar_only),
    key: str | None = IdempotencyKey,
) -> dict[str, Any]:
    ledger = _service(request).ledger
    registrant = _registrant_of(request, number)
    return _write(
        request,
        account,
        key,
        {"n": number, **body.model_dump()},
        lambda: (ledger.suspend(registrant, body.reason, account.email, body.until), {"status": "suspended"})[1],
    )


@router.post("/registrations/{number}/lift-suspension", tags=["casework"])
def lift(
    request: Request, number: str, account: Account = Depends(registrar_only), key: str | None = IdempotencyKey
) -> dict[str, Any]:
    ledger = _service(request).ledger
    registrant = _registrant_of(request, number)
    return _write(
        request,
        account,
        key,
        {"lift": number},
        lambda: (ledger.lift_suspension(registrant, account.email), {"status": "registered"})[1],
    )


@router.post("/registrations/{number}/remove", tags=["casework"])
def remove(
    request: Request,
    number: str,
    body: Text,
    account: Account = Depends(registrar_only),
    key: str | None = IdempotencyKey,
) -> dict[str, Any]:
    ledger = _service(request).ledger
    registrant = _registrant_of(request, number)
    return _write(
        request,
        account,
        key,
        {"remove": number, **body.model_dump()},
        lambda: (ledger.remove(registrant, body.text, account.email), {"status": "removed"})[1],
    )


@router.post("/registrations/{number}/renew", tags=["casework"])
def renew(
    request: Request, number: str, account: Account = Depends(registrar_only), key: str | None = IdempotencyKey
) -> dict[str, Any]:
    ledger = _service(request).ledger
    registrant = _registrant_of(request, number)
    return _write(
        request,
        account,
        key,
        {"renew": number},
        lambda: {"valid_until": ledger.renew(registrant, account.email).isoformat()},
    )


@router.post("/registrations/{number}/lapse", tags=["casework"])
def lapse(
    request: Request, number: str, account: Account = Depends(registrar_only), key: str | None = IdempotencyKey
) -> dict[str, Any]:
    ledger = _service(request).ledger
    registrant = _registrant_of(request, number)
    return _write(request, account, key, {"lapse": number}, lambda: (ledger.lapse(registrant), {"status": "lapsed"})[1])


@router.post("/registrations/{number}/reinstate", tags=["casework"])
def reinstate(
    request: Request, number: str, account: Account = Depends(registrar_only), key: str | None = IdempotencyKey
) -> dict[str, Any]:
    ledger = _service(request).ledger
    registrant = _registrant_of(request, number)
    return _write(
        request,
        account,
        key,
        {"reinstate": number},
        lambda: {"valid_until": ledger.reinstate(registrant, account.email).isoformat()},
    )


# -- PPD audits: the registrant's own, the assessor's assigned, all for readers
AuditYear = Path(ge=2000, le=2200, description="The year of the audit sample")


class AuditProfile(BaseModel):
    summary: str = Field(max_length=10_000, description="Your practice over the period, in brief")
    activities: list[str] = Field(max_length=200, description="Ids of the PPD activities from your record")
    statement: str = Field(max_length=10_000, description="How your PPD meets each audit standard")
    evidence: str | None = Field(None, max_length=10_000, description="Links to or descriptions of evidence")


class AuditJudgement(BaseModel):
    judgements: dict[str, str] = Field(max_length=10, description="Each audit standard: met, partly_met, not_met")
    feedback: str | None = Field(None, max_length=10_000)


class AuditAssign(BaseModel):
    assessor_id: str = Field(max_length=64)


class AuditDecision(BaseModel):
    outcome: str = Field(max_length=16, description="accepted, deferred or not_renewed")
    reasons: str = Field("", max_length=2000)


class AuditAppealDecision(BaseModel):
    upheld: bool
    reasons: str = Field(max_length=2000)


@router.get("/audits", tags=["audits"])
def audits(
    request: Request,
    year: int | None = Query(None, ge=2000, le=2200),
    stage: str | None = Query(None, max_length=40),
    account: Account = Depends(require("registrant", "assessor", *READERS)),
) -> list[dict[str, Any]]:
    """PPD audits: a registrant sees their own, an assessor those assigned to them, the registrar all."""
    scope: dict[str, Any] = {}
    if account.role == "registrant":
        scope["registrant_id"] = account.registrant_id.hex  # type: ignore[union-attr]
    elif account.role == "assessor":
        scope["assessor_id"] = account.assessor_id.hex  # type: ignore[union-attr]
    with _service(request).ledger.engine.connect() as conn:
        return audit_queue(conn, year=year, stage=stage, **scope)


@router.get("/audits/{number}/{year}", tags=["audits"])
def get_audit(
    request: Request,
    number: str,
    year: int = AuditYear,
    account: Account = Depends(require("registrant", "assessor", *READERS)),
) -> dict[str, Any]:
    """One audit: the profile and the PPD activities it draws on, the judgement, the decisions, the appeal."""
    ledger = _service(request).ledger
    return audit_view(ledger, reachable_audit(ledger, account, number, year), year)


@router.post("/audits/{number}/{year}/profile", tags=["audits"])
def audit_profile(
    request: Request,
    number: str,
    body: AuditProfile,
    year: int = AuditYear,
    account: Account = Depends(registrant_only),
    key: str | None = IdempotencyKey,
) -> dict[str, Any]:
    """Send your PPD profile for the audit (by its due date; after a deferral, a new one)."""
    ledger = _service(request).ledger
    registrant = reachable_audit(ledger, account, number, year)
    return _write(
        request,
        account,
        key,
        {"profile": [number, year], **body.model_dump()},
        lambda: (
            ledger.submit_audit_profile(registrant, year, body.summary, body.statement, body.activities, body.evidence),
            {"status": "profile received"},
        )[1],
    )


@router.post("/audits/{number}/{year}/appeal", tags=["audits"])
def audit_appeal(
    request: Request,
    number: str,
    body: Grounds,
    year: int = AuditYear,
    account: Account = Depends(registrant_only),
    key: str | None = IdempotencyKey,
) -> dict[str, Any]:
    """Appeal a 'not renewed' outcome within 28 days; your registration stays as it is while the appeal is heard."""
    ledger = _service(request).ledger
    registrant = reachable_audit(ledger, account, number, year)
    return _write(
        request,
        account,
        key,
        {"audit-appeal": [number, year], **body.model_dump()},
        lambda: (ledger.appeal_audit(registrant, year, body.grounds), {"status": "appealed"})[1],
    )


@router.post("/audits/{number}/{year}/judgement", tags=["audits"])
def audit_judgement(
    request: Request,
    number: str,
    body: AuditJudgement,
    year: int = AuditYear,
    account: Account = Depends(assessor_only),
    key: str | None = IdempotencyKey,
) -> dict[str, Any]:
    """Judge each audit standard met, partly_met or not_met, with feedback for the registrant."""
    ledger = _service(request).ledger
    registrant = reachable_audit(ledger, account, number, year)
    return _write(
        request,
        account,
        key,
        {"audit-judgement": [number, year], **body.model_dump()},
        lambda: (
            ledger.judge_audit(registrant, year, account.assessor_id, body.judgements, body.feedback),  # type: ignore[arg-type]
            {"status": "judged"},
        )[1],
    )


@router.post("/audits/{number}/{year}/assign", tags=["audits"])
def audit_assign(
    request: Request,
    number: str,
    body: AuditAssign,
    year: int = AuditYear,
    account: Account = Depends(registrar_only),
    key: str | None = IdempotencyKey,
) -> dict[str, Any]:
    ledger = _service(request).ledger
    registrant = reachable_audit(ledger, account, number, year)
    assessor = _uuid(body.assessor_id, "assessor")
    return _write(
        request,
        account,
        key,
        {"audit-assign": [number, year], **body.model_dump()},
        lambda: (ledger.assign_audit_assessor(registrant, year, assessor, account.email), {"status": "with assessor"})[
            1
        ],
    )


@router.post("/audits/{number}/{year}/decision", tags=["audits"])
def audit_decision(
    request: Request,
    number: str,
    body: AuditDecision,
    year: int = AuditYear,
    account: Account = Depends(registrar_only),
    key: str | None = IdempotencyKey,
) -> dict[str, Any]:
    """Accepted (no standard not met), deferred (once: more time for a new profile) or not_renewed (a standard not
    met, or no profile by its due date; the registration lapses when the 28-day appeal window closes)."""
    ledger = _service(request).ledger
    registrant = reachable_audit(ledger, account, number, year)
    return _write(
        request,
        account,
        key,
        {"audit-decision": [number, year], **body.model_dump()},
        lambda: (
            ledger.decide_audit(registrant, year, body.outcome, body.reasons, account.email),
            {"status": body.outcome},
        )[1],
    )


@router.post("/audits/{number}/{year}/appeal-decision", tags=["audits"])
def audit_appeal_decision(
    request: Request,
    number: str,
    body: AuditAppealDecision,
    year: int = AuditYear,
    account: Account = Depends(registrar_only),
    key: str | None = IdempotencyKey,
) -> dict[str, Any]:
    """Upheld: the audit is accepted. Dismissed: the registration lapses now."""
    ledger = _service(request).ledger
    registrant = reachable_audit(ledger, account, number, year)
    return _write(
        request,
        account,
        key,
        {"audit-appeal-decision": [number, year], **body.model_dump()},
        lambda: (
            ledger.decide_audit_appeal(registrant, year, body.upheld, body.reasons, account.email),
            {"status": "upheld" if body.upheld else "dismissed"},
        )[1],
    )


# -- admin: accounts and keys
class NewAccount(BaseModel):
    email: str = Field(max_length=254)
    password: str = Field(min_length=12, max_length=256)
    role: str = Field(max_length=16)
    registration_number: str | None = Field(None, max_length=20)
    registrant_id: str | None = Field(None, max_length=64)
    assessor_id: str | None = Field(None, max_length=64)


@router.post("/accounts", tags=["admin"])
def add_account(request: Request, body: NewAccount, account: Account = Depends(admin_only)) -> dict[str, Any]:
    service = _service(request)
    registrant = (
        service.ledger.registrant_by_number(body.registration_number)
        if body.registration_number
        else _uuid(body.registrant_id, "registrant")
        if body.registrant_id
        else None
    )
    if registrant is not None:
        service.ledger.registrant(registrant)
    assessor = _uuid(body.assessor_id, "assessor") if body.assessor_id else None
    if assessor is not None:
        service.ledger.assessor(assessor)
    made = service.accounts.add(body.email, body.password, body.role, registrant_id=registrant, assessor_id=assessor)
    return {"id": made.id, "email": made.email, "role": made.role}


@router.get("/accounts", tags=["admin"])
def list_accounts(request: Request, account: Account = Depends(admin_only)) -> list[dict[str, Any]]:
    accounts = _service(request).accounts
    return [
        {"id": a.id, "email": a.email, "role": a.role, "disabled": accounts.is_disabled(a.email)}
        for a in accounts.all()
    ]


@router.post("/accounts/{email}/disable", tags=["admin"])
def disable_account(
    request: Request, email: str = Path(..., max_length=254), account: Account = Depends(admin_only)
) -> dict[str, Any]:
    """The account can no longer sign in or act; every session and token it holds ends now."""
    if email.strip().lower() == account.email:
        raise Problem(409, "you cannot disable your own account (another admin can)")
    found = _service(request).accounts.disable(email)
    return {"email": found.email, "disabled": True}


@router.post("/accounts/{email}/enable", tags=["admin"])
def enable_account(
    request: Request, email: str = Path(..., max_length=254), account: Account = Depends(admin_only)
) -> dict[str, Any]:
    found = _service(request).accounts.enable(email)
    return {"email": found.email, "disabled": False}


@router.post("/requested-credentials/{credential_id}/revoke", tags=["admin"])
def revoke_requested_credential(
    request: Request,
    credential_id: str = Path(..., max_length=64),
    account: Account = Depends(admin_only),
    key: str | None = IdempotencyKey,
) -> dict[str, Any]:
    """Revoke a credential that was signed through the VC API (``POST /credentials/issue``)."""
    found = _uuid(credential_id, "credential")
    return _write(
        request,
        account,
        key,
        {"revoke": credential_id},
        lambda: (_service(request).ledger.revoke_requested_credential(found, account.email), {"revoked": True})[1],
    )


@router.get("/keys", tags=["admin"])
def keys(request: Request, account: Account = Depends(require("admin", "auditor"))) -> list[dict[str, Any]]:
    return [
        {
            "kid": k.kid,
            "role": k.role,
            "alg": k.alg,
            "state": k.state,
            "activated_at": k.activated_at,
            "retired_at": k.retired_at,
            "compromised_since": k.compromised_since,
        }
        for k in _service(request).publisher.keyring.records()
    ]


@router.post("/keys/rotate", tags=["admin"])
def rotate(
    request: Request, account: Account = Depends(admin_only), alg: str = Body("ES256", embed=True)
) -> dict[str, Any]:
    service = _service(request)
    new, retired = service.keyring.rotate(alg=alg)
    service.await_position(service.ledger.recorder.max_notification_id() or 0)  # published again with the new key
    return {"kid": new.kid, "retired": [k.kid for k in retired]}
