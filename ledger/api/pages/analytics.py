"""Progression and fairness for the registrar and the auditor: the /analytics page (charts and tables) and its CSV
download. The period is the same schema the API's JSON takes (``ledger.api.schemas.analytics.ReportPeriod``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from ledger.api.deps import ServiceDep, page_for
from ledger.api.pages.render import render
from ledger.api.routes.analytics import ROLES, Period, progression
from ledger.api.schemas.analytics import MARGIN, ReportPeriod
from ledger.api.service import Service
from ledger.app.accounts import Account

if TYPE_CHECKING:
    from ledger.reports.progression.shape import Report

router = APIRouter(include_in_schema=False)
Analyst = Annotated[Account, Depends(page_for(*ROLES))]


def _charts(service: Service, report: Report, period: ReportPeriod) -> list[Any]:
    from ledger.reports.progression.charts import charts

    key = ("charts", report.today, period.asked_from, period.asked_to, period.margin)
    found: list[Any] | None = service.recall(key)
    if found is None:
        found = service.remember(key, service.generation(), charts(report))
    return found


@router.get("/analytics", response_class=HTMLResponse)
def analytics_page(request: Request, service: ServiceDep, period: Period, account: Analyst) -> Response:
    report = progression(service, period)
    asked_from = period.asked_from.isoformat() if period.asked_from else None
    asked_to = period.asked_to.isoformat() if period.asked_to else None
    query = {k: v for k, v in (("from", asked_from), ("to", asked_to)) if v}
    if period.margin != MARGIN:
        query["margin"] = f"{period.margin:g}"
    return render(
        request,
        "analytics.html",
        report=report,
        charts=_charts(service, report, period),
        asked_from=asked_from,
        asked_to=asked_to,
        csv_url="/analytics.csv" + ("?" + urlencode(query) if query else ""),
    )


@router.get("/analytics.csv")
def analytics_csv(service: ServiceDep, period: Period, account: Analyst) -> Response:
    from ledger.reports.progression.output import to_csv

    report = progression(service, period)
    name = f"progression-{report.today.isoformat()}.csv"
    return Response(
        to_csv(report),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
