"""``/org/webhook``: an organisation's account sets (or removes) the address its linked people's status changes are
posted to, sees the signing secret once, and sees its latest deliveries and why any failed.

The secret is shown in the answer to the form that made it, and never again: the page is not a redirect to a page
that could show it later (the event store holds it only sealed), and it is marked ``no-store`` so the browser keeps
no copy. Setting the address again makes a new secret that replaces the old, which is also how a leaked one is
changed. The form is not run through the idempotent ``write`` (whose stored answer would hold the secret): sent
twice, it makes two secrets and the page shows the last, the one in force. A page for another role answers 403."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ledger.api.deps import LedgerDep
from ledger.api.pages.forms import errors_of, form_of
from ledger.api.pages.organisations import OrganisationPage, _organisation_of
from ledger.api.pages.render import back, render
from ledger.domain.errors import LedgerError
from ledger.processes.webhooks import DELIVERED, GAVE_UP, recent_deliveries

router = APIRouter(include_in_schema=False)
PAGE = "/org/webhook"
LABELS = {"url": "Webhook address"}
CHANGES = {
    "registration.suspended": "Suspended",
    "registration.lapsed": "Lapsed",
    "registration.resigned": "Resigned",
    "registration.removed": "Removed",
}


def _page(request: Request, ledger: Any, organisation_id: UUID, status_code: int = 200, **context: Any) -> Response:
    organisation = ledger.organisation(organisation_id)
    page = render(
        request,
        "org_webhook.html",
        status_code=status_code,
        organisation=organisation,
        deliveries=recent_deliveries(ledger.engine, organisation_id),
        changes=CHANGES,
        issuer_url=ledger.settings.issuer_url.rstrip("/"),
        delivered=DELIVERED,
        gave_up=GAVE_UP,
        errors=context.pop("errors", {}),
        values=context.pop("values", {}),
        **context,
    )
    page.headers["Cache-Control"] = "no-store"
    return page


@router.get(PAGE, response_class=HTMLResponse)
def webhook_page(request: Request, ledger: LedgerDep, account: OrganisationPage) -> Response:
    return _page(request, ledger, _organisation_of(request, account))


@router.post(PAGE)
async def set_webhook(request: Request, ledger: LedgerDep, account: OrganisationPage) -> Response:
    organisation_id = _organisation_of(request, account)
    form = await form_of(request)
    typed = form.get("url")
    try:
        secret = ledger.set_webhook(organisation_id, typed if isinstance(typed, str) else "", account.email)
    except LedgerError as error:
        values = {"url": typed if isinstance(typed, str) else ""}
        return _page(request, ledger, organisation_id, 422, errors=errors_of(error, LABELS, "url"), values=values)
    return _page(request, ledger, organisation_id, secret=secret)


@router.post(f"{PAGE}/remove")
async def remove_webhook(request: Request, ledger: LedgerDep, account: OrganisationPage) -> Response:
    organisation_id = _organisation_of(request, account)
    await form_of(request)
    try:
        ledger.remove_webhook(organisation_id, account.email)
    except LedgerError as error:
        text = str(error)
        return back(PAGE, text[:1].upper() + text[1:], request=request, error=True)
    return back(PAGE, "The webhook is removed: status changes now reach you by letter only.", request=request)
