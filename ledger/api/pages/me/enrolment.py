"""Enrolment by the applicant themself, and the voluntary background questions.

An account made by signing up names no registrant yet: every page of ``/me`` sends it here (``standing.Enrolled``).
The form is the API's ``Enrolment`` (``POST /api/enrolments``: name, disciplines, listing; the email is the
account's), through the same ``Ledger.enrol``; the account is then linked to the registrant it made. Enrolling is
done at most once per account whatever is sent (a double click, the back button, two tabs): every attempt shares one
idempotency key, so a second one gets the first one's registrant."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ledger.api.deps import LedgerDep, RegistrantPage, ServiceDep
from ledger.api.pages.forms import form_of, parse_form, write
from ledger.api.pages.me.asking import first_empty, problems
from ledger.api.pages.me.standing import Enrolled, registrant_of, render_me, standing_of
from ledger.api.pages.render import back, render
from ledger.api.schemas.casework import Enrolment
from ledger.api.schemas.me import Background
from ledger.api.service import Behind, request_digest
from ledger.app.accounts import Account
from ledger.domain import background
from ledger.domain.errors import Conflict, LedgerError
from ledger.domain.statuses import Listing

router = APIRouter(include_in_schema=False)

ENROLMENT_KEY = "self-enrolment"  # one per account: see the module's docstring
LABELS = {"name": "Your name", "disciplines": "Your disciplines", "listing": "The public register"}
EMPTY = {
    "name": "Enter your name as it should appear on the register",
    "disciplines": "Choose at least one discipline you work in",
    "listing": "Choose whether people can find you by name on the public register",
}
LISTINGS = (
    (
        Listing.LISTED,
        "Yes, list me on the public register",
        "Anyone can find you by your name, and see your level, number and disciplines.",
    ),
    (
        Listing.VERIFY_ONLY,
        "No, only confirm my registration to someone who has my number",
        "You will not be found by name. Someone you give your registration number to can still check it.",
    ),
)


def _enrol_page(request: Request, ledger: Any, status_code: int = 200, **context: Any) -> HTMLResponse:
    return render(
        request,
        "me_enrol.html",
        status_code=status_code,
        disciplines=[(d.code, d.name) for d in ledger.framework.disciplines],
        listings=LISTINGS,
        **context,
    )


@router.get("/me/enrol", response_class=HTMLResponse)
def enrol_page(request: Request, ledger: LedgerDep, account: RegistrantPage) -> Response:
    if account.registrant_id is not None:
        return back("/me", request=request)
    return _enrol_page(request, ledger, values={})


@router.post("/me/enrol")
async def enrol(request: Request, service: ServiceDep, account: RegistrantPage) -> Response:
    form = await form_of(request)
    if account.registrant_id is not None:  # enrolled already (in another tab, say)
        return back("/me", request=request)
    ledger = service.ledger
    values = {**form, "disciplines": _as_list(form.get("disciplines"))}
    missing = first_empty(values, EMPTY)
    if missing:
        return _enrol_page(request, ledger, 422, values=values, errors=missing)

    def act() -> dict[str, str]:
        body = parse_form(Enrolment, {**form, "email": account.email})
        return {"id": str(ledger.enrol(body.name, body.email, body.disciplines, None, body.listing))}

    try:
        registrant = _enrol_once(request, service, account, act)
    except LedgerError as error:
        errors = problems(error, LABELS, empty=EMPTY, values=values, form_field="name")
        return _enrol_page(request, ledger, 422, values=values, errors=errors)
    try:
        service.accounts.link_registrant(account.id, UUID(registrant))
    except Conflict:  # linked meanwhile, by the same enrolment sent twice at once
        pass
    return back("/me/background?enrolling=1", "You are enrolled.", request=request)


def _enrol_once(request: Request, service: Any, account: Account, act: Any) -> str:
    """The registrant this account enrolled as: made now, or the one made by an earlier attempt."""
    body = {"enrol": "self"}
    try:
        found: dict[str, str] = service.write(account, ENROLMENT_KEY, body, act)
    except Behind:  # made, and the register is catching up: the receipt holds the answer
        ledger = service.ledger
        found, _ = ledger.once(f"{account.id}:{ENROLMENT_KEY}", request_digest(ledger.receipt_secret, body), act)
    return found["id"]


def _as_list(value: Any) -> list[str]:
    return [] if value in (None, "") else [value] if isinstance(value, str) else list(value)


# -- the background questions
def _questions() -> list[dict[str, Any]]:
    return [
        {
            "id": q.id,
            "text": q.text,
            "help": q.help,
            "why": q.why,
            "options": list(q.answers.items()),
            "groups": q.grouped_options,  # under headings where the question has them (ethnic group)
        }
        for q in background.QUESTIONS.values()
    ]


@router.get("/me/background", response_class=HTMLResponse)
def background_page(request: Request, ledger: LedgerDep, account: Enrolled, enrolling: str | None = None) -> Response:
    standing = standing_of(ledger, registrant_of(account))
    return render_me(
        request,
        "me_background.html",
        standing,
        "/me/background",
        questions=_questions(),
        why_we_ask=background.WHY_WE_ASK,
        values=standing.view.get("background") or {},
        enrolling=bool(enrolling),
    )


@router.post("/me/background")
async def answer_background(request: Request, ledger: LedgerDep, account: Enrolled) -> Response:
    form = await form_of(request)
    registrant = registrant_of(account)

    def act() -> None:
        answers = {q.id: form[q.id] for q in background.QUESTIONS.values() if form.get(q.id)}
        ledger.answer_background(registrant, parse_form(Background, {"answers": answers or None}).answers)

    try:
        write(request, account, act)
    except Behind:
        pass
    except LedgerError as error:
        labels = {f"background.{q.id}": q.text for q in background.QUESTIONS.values()}
        errors = {k.removeprefix("background_"): v for k, v in problems(error, labels).items()}
        standing = standing_of(ledger, registrant)
        return render_me(
            request,
            "me_background.html",
            standing,
            "/me/background",
            422,
            questions=_questions(),
            why_we_ask=background.WHY_WE_ASK,
            values=form,
            errors=errors,
            enrolling=bool(form.get("enrolling")),
        )
    return back("/me", "Thank you: your answers are saved.", request=request)
