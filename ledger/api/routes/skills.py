"""The skills list for each level, as JSON (/skills.json) employers can reuse as the defined list of skills for each
step of progression (the page is ``ledger.api.pages.skills``'s). The list is ``ledger.domain.skills``'s."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from ledger.api.deps import ServiceDep

router = APIRouter()


@router.get("/skills.json", tags=["public"])
def skills_json(service: ServiceDep) -> dict[str, Any]:
    """The skills for each level of registration: for each step of progression, the skills (competency areas) it
    requires and what each asks at that level, what is new since the step below, and the routes to it."""
    from ledger.domain.skills import skills_list

    return skills_list(service.ledger.framework, service.settings.issuer_url)
