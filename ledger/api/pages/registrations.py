"""A registrant as casework sees them (the registrar acts; the auditor and admin read): who they are, their
registration, applications and PPD audits, and the timeline of everything that happened to them; from here the
registrar renews, suspends (with a reason and, if they choose, an end date), lifts a suspension, reinstates, and
removes from the register, which first shows a confirmation page needing the reason the person is told. Each form
builds the schema the API takes for the same command; a refused form comes back (422) with what was typed and why."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ledger.api.deps import LedgerDep, ReaderPage, RegistrarPage, uuid_or_404
from ledger.api.pages.forms import errors_of, form_of, parse_form, write
from ledger.api.pages.render import back, render
from ledger.api.problems import Problem
from ledger.api.schemas.casework import Text
from ledger.api.schemas.registrations import Suspension
from ledger.api.service import Behind
from ledger.app.accounts import Account
from ledger.app.ledger import Ledger
from ledger.domain.errors import InvalidInput, LedgerError, NotFound
from ledger.read.people import ERASED
from ledger.read.projections.audits import audit_queue
from ledger.read.timeline import timeline
from ledger.read.views import registrant_view

router = APIRouter(include_in_schema=False)
LABELS = {"reason": "Reason", "until": "End date", "text": "Reason"}


def _registrant(ledger: Ledger, number: str) -> UUID:
    try:
        return ledger.registrant_by_number(number)
    except LedgerError:
        raise Problem(404, f"no registration numbered {number}") from None


def _page(
    request: Request,
    ledger: Ledger,
    account: Account,
    registrant: UUID,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
) -> Response:
    try:
        record = registrant_view(ledger, registrant, personal=False)
    except NotFound:
        raise Problem(404, f"no registrant {registrant}") from None
    with ledger.engine.connect() as conn:
        audits = audit_queue(conn, registrant_id=registrant.hex)
    return render(
        request,
        "casework_registrant.html",
        status_code=status_code,
        record=record,
        name=ERASED if record["erased"] else record["name"] or ERASED,
        audits=audits,
        events=timeline(ledger, registrant),
        today=ledger.clock.today().isoformat(),
        can_write=account.role == "registrar",
        errors=errors or {},
        values=values or {},
    )


@router.get("/casework/registrants/{registrant_id}", response_class=HTMLResponse)
def casework_registrant(request: Request, ledger: LedgerDep, registrant_id: str, account: ReaderPage) -> Response:
    return _page(request, ledger, account, uuid_or_404(registrant_id, "registrant"))


@router.get("/casework/registrations/{number}", response_class=HTMLResponse)
def casework_registration(request: Request, ledger: LedgerDep, number: str, account: ReaderPage) -> Response:
    return _page(request, ledger, account, _registrant(ledger, number))


def _remove_page(
    request: Request,
    ledger: Ledger,
    registrant: UUID,
    number: str,
    values: dict[str, Any],
    status_code: int = 200,
    errors: dict[str, str] | None = None,
) -> Response:
    record = registrant_view(ledger, registrant, personal=False)
    name = record["name"] or ERASED
    return render(
        request,
        "casework_confirm.html",
        status_code=status_code,
        title=f"Remove {name} from the register?",
        consequences=[
            f"Registration {number} is removed: {name} is no longer registered, and the register says so.",
            "Their credential is withdrawn: anyone who checks it is told it is not valid. Unlike a suspension, a "
            "removal cannot be lifted: only a new application and award brings a new credential.",
            "They are sent a letter with your reason, and see it on their page.",
        ],
        action=f"/casework/registrations/{number}/remove",
        hidden={"confirmed": "yes"},
        field="reason",
        label="The reason for the removal",
        hint="The person is told this, in their letter and on their page.",
        button="Remove from the register",
        cancel=f"/casework/registrants/{registrant}",
        errors=errors or {},
        values=values,
    )


@router.post("/casework/registrations/{number}/{action}")
async def casework_registration_action(
    request: Request, ledger: LedgerDep, number: str, action: str, account: RegistrarPage
) -> Response:
    form = await form_of(request)
    registrant = _registrant(ledger, number)
    here = f"/casework/registrants/{registrant}"
    if action == "remove" and form.get("confirmed") != "yes":
        return _remove_page(request, ledger, registrant, number, form)

    def suspend() -> None:
        body = parse_form(Suspension, {**form, "until": form.get("until") or None})
        ledger.suspend(registrant, body.reason, account.email, body.until)

    def remove() -> None:
        reason = parse_form(Text, form, rename={"reason": "text"}).text
        if not reason.strip():
            raise InvalidInput("reason", "give the reason for the removal: the person is told it")
        ledger.remove(registrant, reason, account.email)

    actions: dict[str, tuple[Callable[[], Any], str]] = {
        "suspend": (suspend, "Suspended. The registrant is told why, in a letter."),
        "lift-suspension": (lambda: ledger.lift_suspension(registrant, account.email), "Suspension lifted."),
        "remove": (remove, "Removed from the register. The registrant is told why, in a letter."),
        "renew": (lambda: ledger.renew(registrant, account.email), "Renewed."),
        "reinstate": (lambda: ledger.reinstate(registrant, account.email), "Reinstated."),
    }
    if action not in actions:
        raise Problem(404, f"no action {action}")
    act, message = actions[action]
    try:
        write(request, account, act)
    except LedgerError as error:
        if action == "remove":
            return _remove_page(request, ledger, registrant, number, form, 422, errors_of(error, LABELS, "reason"))
        errors = errors_of(error, LABELS, "reason" if action == "suspend" else "actions")
        if action == "suspend":  # the suspension's fields are named apart from the page's other forms
            errors = {("suspend-" + k if k in ("reason", "until") else k): v for k, v in errors.items()}
        return _page(request, ledger, account, registrant, 422, errors, form)
    except Behind:
        return back(here, f"{message} It may take a few seconds to show here.", request=request)
    return back(here, message, request=request)
