"""Assessor consistency for the registrar only: the page ``/casework/assessor-consistency`` and the JSON
``/api/reports/assessor-consistency``. It names assessors, so it is never published: not the auditor's, not the
admin's, not an assessor's or a registrant's (403 page or problem JSON), and nothing public links to it. The figures,
the test and its correction are ``ledger.reports.assessor_consistency``'s.

Two routers, because pages and the JSON API are registered apart (``ledger.api.pages`` and ``ledger.api.routes``):
``router`` (the page; it must be matched before ``/casework/{application_id}``) and ``api_router``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from ledger.api.deps import RegistrarPage, ServiceDep, require
from ledger.api.pages.render import render
from ledger.api.service import Service
from ledger.app.accounts import Account

if TYPE_CHECKING:
    from ledger.reports.assessor_consistency import Consistency

PATH = "/casework/assessor-consistency"
API_PATH = "/api/reports/assessor-consistency"

router = APIRouter(include_in_schema=False)
api_router = APIRouter()


def consistency_of(service: Service) -> Consistency:
    """The report as the read models stand, remembered until they change."""
    from ledger.reports.assessor_consistency import assessor_consistency

    key = ("assessor consistency", service.ledger.clock.today())
    found: Consistency | None = service.recall(key)
    if found is None:
        generation = service.generation()  # before reading: a change while it reads makes the answer stale
        found = service.remember(key, generation, assessor_consistency(service.ledger))
    return found


@router.get(PATH, response_class=HTMLResponse)
def assessor_consistency_page(request: Request, service: ServiceDep, account: RegistrarPage) -> Response:
    from ledger.reports.assessor_consistency import BANDS

    return render(request, "assessor_consistency.html", report=consistency_of(service), bands=BANDS)


@api_router.get(API_PATH, tags=["reports"])
def assessor_consistency_json(
    service: ServiceDep, account: Annotated[Account, Depends(require("registrar"))]
) -> dict[str, Any]:
    """For the registrar only: each assessor's award recommendations against their peers' on cases of the same
    level and route, overall and by applicant's socio-economic band, with the exact conditional (Cochran-Mantel-
    Haenszel) test, Holm-corrected, and a flag where the difference is beyond chance. Never published."""
    report: dict[str, Any] = consistency_of(service).to_dict()
    return report
