"""An organisation's own progression and fairness figures: the page ``/org/analytics`` (the same charts and tables as
the registrar's ``/analytics``) and the JSON ``/api/organisations/analytics`` (as ``/api/reports/progression``), over
the people who linked to it, each counted only while linked, with the body's suppression
(``ledger.reports.progression.population`` says how, and why a link counts from the next quarter).

Organisation accounts only: anyone else gets 403 (a page) or problem JSON; someone signed out is sent to sign in.
Until enough people are counted the page says so in words and shows no figure.

Two routers, because pages and the JSON API are registered apart (``ledger.api.pages`` and ``ledger.api.routes``):
``router`` (the page) and ``api_router``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from ledger.api.deps import ServiceDep, page_for, require
from ledger.api.pages.render import render
from ledger.api.problems import Problem
from ledger.api.schemas.analytics import ReportPeriod
from ledger.api.service import Service
from ledger.app.accounts import Account

if TYPE_CHECKING:
    from ledger.reports.progression.population import OrganisationReport

PATH = "/org/analytics"
API_PATH = "/api/organisations/analytics"

router = APIRouter(include_in_schema=False)
api_router = APIRouter()
Period = Annotated[ReportPeriod, Query()]


def _organisation_of(service: Service, account: Account) -> UUID:
    found = service.accounts.organisation_of(account.id)
    if found is None:
        raise Problem(403, "this account belongs to no organisation")
    return UUID(str(found))


def organisation_progression(service: Service, organisation_id: UUID, period: ReportPeriod) -> OrganisationReport:
    """The organisation's report for this period, remembered until the read models change (a link is an event the
    projections see, so it moves the generation too)."""
    from ledger.reports.progression.population import organisation_report

    today = service.ledger.clock.today()
    key = ("organisation progression", organisation_id, today, period.asked_from, period.asked_to, period.margin)
    found: OrganisationReport | None = service.recall(key)
    if found is None:
        generation = service.generation()  # before reading: a change while it reads makes the answer stale
        found = service.remember(
            key,
            generation,
            organisation_report(
                service.ledger, organisation_id, today, period.asked_from, period.asked_to, period.margin
            ),
        )
    return found


@router.get(PATH, response_class=HTMLResponse)
def organisation_analytics_page(
    request: Request,
    service: ServiceDep,
    period: Period,
    account: Annotated[Account, Depends(page_for("organisation"))],
) -> Response:
    from ledger.reports.progression.charts import charts
    from ledger.reports.progression.population import MIN_PEOPLE

    organisation = service.ledger.organisation(_organisation_of(service, account))
    found = organisation_progression(service, organisation.id, period)
    return render(
        request,
        "org_analytics.html",
        organisation=organisation,
        found=found,
        report=found.report,
        charts=charts(found.report) if found.shown else [],
        min_people=MIN_PEOPLE,
        asked_from=period.asked_from.isoformat() if period.asked_from else None,
        asked_to=period.asked_to.isoformat() if period.asked_to else None,
    )


@api_router.get(API_PATH, tags=["organisations"])
def organisation_analytics_json(
    service: ServiceDep, period: Period, account: Annotated[Account, Depends(require("organisation"))]
) -> dict[str, Any]:
    """Progression and fairness over the people linked to your organisation, each counted from the first quarter
    after they linked until the quarter they unlinked, with the body's suppression (rounded counts, minimum bases,
    whole blocks of quarters). ``shown`` is false, with the ``reason``, until at least 23 people are counted."""
    found = organisation_progression(service, _organisation_of(service, account), period)
    return found.to_dict()
