"""The credential and how to share it (the signed file, the QR badge, its link, LinkedIn): offered only while the
registration is current; otherwise the page says why not."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ledger.api.deps import LedgerDep
from ledger.api.pages.me.standing import Enrolled, registrant_of, render_me, standing_of
from ledger.domain.errors import LedgerError

router = APIRouter(include_in_schema=False)


@router.get("/me/credential", response_class=HTMLResponse)
def credential_page(request: Request, ledger: LedgerDep, account: Enrolled) -> Response:
    standing = standing_of(ledger, registrant_of(account))
    shared = None
    if standing.registered and standing.registration:
        from ledger.read.sharing import current_credential

        try:
            shared = current_credential(ledger, standing.registration["number"])
        except LedgerError:
            shared = None
    return render_me(request, "me_credential.html", standing, "/me/credential", shared=shared)
