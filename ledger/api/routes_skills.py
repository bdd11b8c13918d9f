"""The skills list for each level, public: a page (/skills) and JSON (/skills.json) employers can reuse as the
defined list of skills for each step of progression. The list is ``ledger.domain.skills``'s, from the framework."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

router = APIRouter()


def _service(request: Request) -> Any:
    return request.app.state.service


@router.get("/skills.json", tags=["public"])
def skills_json(request: Request) -> dict[str, Any]:
    """The skills for each level of registration: for each step of progression, the skills (competency areas) it
    requires and what each asks at that level, what is new since the step below, and the routes to it."""
    from ledger.domain.skills import skills_list

    service = _service(request)
    return skills_list(service.ledger.framework, service.settings.issuer_url)


@router.get("/skills", response_class=HTMLResponse, include_in_schema=False)
def skills_page(request: Request) -> Response:
    from ledger.api.pages import render
    from ledger.domain.skills import skills_list

    service = _service(request)
    return render(request, "skills.html", skills=skills_list(service.ledger.framework, service.settings.issuer_url))
