"""Renewal: the declaration, offered only inside the renewal window (before it, the page says when it opens), with
the PPD the year's record shows against what a renewal needs."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ledger.api.deps import LedgerDep
from ledger.api.pages.forms import form_of, parse_form, write
from ledger.api.pages.me.asking import problems
from ledger.api.pages.me.standing import Enrolled, Standing, registrant_of, render_me, standing_of
from ledger.api.pages.render import back
from ledger.api.schemas.me import DECLARATION, Renewal
from ledger.api.service import Behind
from ledger.domain.clock import add_months
from ledger.domain.errors import LedgerError

router = APIRouter(include_in_schema=False)


def _record(ledger: LedgerDep, standing: Standing) -> dict[str, object] | None:
    """The categories of PPD recorded in the year the renewal covers, and how many it needs."""
    if standing.renewal is None:
        return None
    rules = ledger.framework.rules
    start = add_months(standing.renewal["due"], -rules.renewal_period_months)
    registration = standing.registration or {}
    have = sorted(
        {a["category"] for a in registration.get("ppd", []) if start < date.fromisoformat(a["on"]) <= standing.today}
    )
    return {
        "since": start,
        "have": [rules.ppd_category_names[c] for c in have],
        "needed": rules.ppd_min_categories,
        "enough": len(have) >= rules.ppd_min_categories,
        "on_break": bool(registration.get("career_breaks")),
    }


def _page(
    request: Request, ledger: LedgerDep, standing: Standing, status_code: int = 200, **context: object
) -> Response:
    return render_me(
        request,
        "me_renewal.html",
        standing,
        "/me/renewal",
        status_code,
        record=_record(ledger, standing),
        declaration=DECLARATION,
        rules=ledger.framework.rules,
        **context,
    )


@router.get("/me/renewal", response_class=HTMLResponse)
def renewal_page(request: Request, ledger: LedgerDep, account: Enrolled) -> Response:
    return _page(request, ledger, standing_of(ledger, registrant_of(account)))


@router.post("/me/renewal")
async def renew(request: Request, ledger: LedgerDep, account: Enrolled) -> Response:
    form = await form_of(request)
    registrant = registrant_of(account)
    if form.get("declaration") != "yes":
        errors = {"declaration": "Confirm that your PPD record is true and complete"}
        return _page(request, ledger, standing_of(ledger, registrant), 422, errors=errors)

    def act() -> None:
        ledger.submit_renewal(registrant, parse_form(Renewal, {"declaration": DECLARATION}).declaration)

    try:
        write(request, account, act)
    except Behind:
        pass
    except LedgerError as error:
        errors = problems(error, {}, form_field="declaration")
        return _page(request, ledger, standing_of(ledger, registrant), 422, errors=errors)
    return back("/me", "Your renewal is sent. The registrar will approve it.", request=request)
