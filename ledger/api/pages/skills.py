"""The skills list for each level, as a page (/skills; the same list as JSON is ``ledger.api.routes.skills``'s)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ledger.api.deps import ServiceDep
from ledger.api.pages.render import render

router = APIRouter(include_in_schema=False)


@router.get("/skills", response_class=HTMLResponse)
def skills_page(request: Request, service: ServiceDep) -> Response:
    from ledger.domain.skills import skills_list

    return render(request, "skills.html", skills=skills_list(service.ledger.framework, service.settings.issuer_url))
