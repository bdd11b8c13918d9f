"""The credential and how to share it (the signed file, the QR badge, its link, LinkedIn, a presentation for a
client): offered only while the registration is current; otherwise the page says why not.

"Present to a client" makes a verifiable presentation (a ``vp+jwt``) holding the registrant's current credential,
addressed to the client they name (``aud``) with the challenge the client gave them (``nonce``), signed with the
registrant's holder key (``ledger.app.holder_keys``, which says why the register holds it). The page shows it to copy
and offers it as ``NUMBER-presentation.jwt``. The form is parsed by its schema (``ledger.api.schemas.presentations``)
and bad input comes back as 422 naming the field. It is not a ``Service.write``: it records nothing in the ledger,
and a write's receipt would keep the signed presentation -- the registrant's name inside -- in the event store,
beyond the reach of erasure; sent twice, it makes two presentations, which harms no one."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ledger.api.deps import LedgerDep
from ledger.api.pages.forms import form_of, parse_form
from ledger.api.pages.me.asking import first_empty, problems
from ledger.api.pages.me.standing import Enrolled, Standing, registrant_of, render_me, standing_of
from ledger.api.pages.render import back
from ledger.api.schemas.presentations import MAX_AUDIENCE, MAX_NONCE, PresentationAsked
from ledger.app.holder_keys import PRESENTATION_LIFETIME, HolderKeys, present
from ledger.domain.errors import LedgerError

router = APIRouter(include_in_schema=False)


def _shared(ledger: Any, standing: Standing) -> Any:
    if not (standing.registered and standing.registration):
        return None
    from ledger.read.sharing import shareable_credential

    try:
        return shareable_credential(ledger, standing.registration["number"])
    except LedgerError:
        return None


PRESENT_LABELS = {"audience": "The client's name", "nonce": "The challenge the client gave you"}
PRESENT_EMPTY = {"audience": "Enter the client's name", "nonce": "Enter the challenge the client gave you"}


@router.get("/me/credential", response_class=HTMLResponse)
def credential_page(request: Request, ledger: LedgerDep, account: Enrolled) -> Response:
    standing = standing_of(ledger, registrant_of(account))
    return _page(request, standing, _shared(ledger, standing), values={})


def _page(request: Request, standing: Standing, shared: Any, status_code: int = 200, **context: Any) -> Response:
    return render_me(
        request,
        "me_credential.html",
        standing,
        "/me/credential",
        status_code,
        shared=shared,
        max_audience=MAX_AUDIENCE,
        max_nonce=MAX_NONCE,
        **context,
    )


@router.post("/me/credential/presentation", response_class=HTMLResponse)
async def make_presentation(request: Request, ledger: LedgerDep, account: Enrolled) -> Response:
    form = await form_of(request)
    registrant = registrant_of(account)
    standing = standing_of(ledger, registrant)
    shared = _shared(ledger, standing)
    if shared is None:
        return back(
            "/me/credential",
            "You can present your credential only while you are registered.",
            request=request,
            error=True,
        )
    now = ledger.clock.now()
    blank = first_empty(form, PRESENT_EMPTY)
    if blank:
        return _page(request, standing, shared, 422, values=form, errors=blank)
    try:
        asked = parse_form(PresentationAsked, form)
        token = present(
            HolderKeys(ledger.engine, ledger.vault), registrant, shared.full, asked.audience, asked.nonce, now
        )
    except LedgerError as error:
        errors = problems(error, PRESENT_LABELS, empty=PRESENT_EMPTY, values=form, form_field="audience")
        return _page(request, standing, shared, 422, values=form, errors=errors)
    return render_me(
        request,
        "me_presentation.html",
        standing,
        "/me/credential",
        shared=shared,
        token=token,
        audience=asked.audience.strip(),
        nonce=asked.nonce.strip(),
        valid_until=now + PRESENTATION_LIFETIME,
    )
