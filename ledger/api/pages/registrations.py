"""A registration as casework sees it (the registrar acts; the auditor and admin read): renew, suspend, lift a
suspension, reinstate, remove. Each form builds the schema the API takes for the same command."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ledger.api.deps import LedgerDep, ReaderPage, RegistrarPage
from ledger.api.pages.forms import attempt, form_of, parse_form
from ledger.api.pages.render import render
from ledger.api.problems import Problem
from ledger.api.schemas.casework import Text
from ledger.api.schemas.registrations import Suspension
from ledger.app.ledger import Ledger
from ledger.domain.errors import LedgerError
from ledger.read.views import registrant_view

router = APIRouter(include_in_schema=False)


def _registrant(ledger: Ledger, number: str) -> UUID:
    try:
        return ledger.registrant_by_number(number)
    except LedgerError:
        raise Problem(404, f"no registration numbered {number}") from None


@router.get("/casework/registrations/{number}", response_class=HTMLResponse)
def casework_registration(request: Request, ledger: LedgerDep, number: str, account: ReaderPage) -> Response:
    registrant = _registrant(ledger, number)
    return render(
        request,
        "casework_registration.html",
        record=registrant_view(ledger, registrant, personal=False),
        can_write=account.role == "registrar",
    )


@router.post("/casework/registrations/{number}/{action}")
async def casework_registration_action(
    request: Request, ledger: LedgerDep, number: str, action: str, account: RegistrarPage
) -> Response:
    form = await form_of(request)
    here = f"/casework/registrations/{number}"
    registrant = _registrant(ledger, number)

    def suspend() -> None:
        body = parse_form(Suspension, form)
        ledger.suspend(registrant, body.reason, account.email, body.until)

    def remove() -> None:
        ledger.remove(registrant, parse_form(Text, form, rename={"reason": "text"}).text, account.email)

    actions: dict[str, tuple[Callable[[], Any], str]] = {
        "suspend": (suspend, "Suspended."),
        "lift-suspension": (lambda: ledger.lift_suspension(registrant, account.email), "Suspension lifted."),
        "remove": (remove, "Removed from the register."),
        "renew": (lambda: ledger.renew(registrant, account.email), "Renewed."),
        "reinstate": (lambda: ledger.reinstate(registrant, account.email), "Reinstated."),
    }
    if action not in actions:
        raise Problem(404, f"no action {action}")
    act, message = actions[action]
    return attempt(request, account, act, here, message, here)
