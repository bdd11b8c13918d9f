"""Progression and fairness for the registrar and the auditor: the /analytics page (charts and tables), its CSV
download, and the same report as JSON in the API. The figures, their periods and their suppression are
``ledger.reports.progression.analyses``'s and ``ledger.reports.progression.suppression``'s; this module parses
the dates, checks the role and renders."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from ledger.api.problems import Problem
from ledger.api.security import require
from ledger.app.accounts import Account

ROLES = ("registrar", "auditor")
"""Who sees the statistics: not assessors (who decide about people), not registrants, not the admin."""

router = APIRouter()


def _service(request: Request) -> Any:
    return request.app.state.service


def _day(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Problem(422, f"{name} must be a date, YYYY-MM-DD") from None


def _report(request: Request, asked_from: str | None, asked_to: str | None, margin: float) -> Any:
    """The report for these dates, remembered until the read models change."""
    from ledger.reports.progression.analyses import progression_report

    start, end = _day(asked_from, "from"), _day(asked_to, "to")
    service = _service(request)
    today = service.ledger.clock.today()
    key = ("progression", today, start, end, margin)
    found = service.recall(key)
    if found is None:
        generation = service.generation()
        with service.ledger.engine.connect() as conn:
            found = service.remember(
                key, generation, progression_report(conn, today, start, end, margin, service.ledger.framework)
            )
    return found


def _charts(request: Request, report: Any, key: tuple[Any, ...]) -> Any:
    from ledger.reports.progression.charts import charts

    service = _service(request)
    found = service.recall(("charts", *key))
    if found is None:
        found = service.remember(("charts", *key), service.generation(), charts(report))
    return found


MARGIN = Query(
    5.0,
    ge=0,
    le=100,
    description="Flag the equivalency route when its award rate trails the standard "
    "route's by more than this many percentage points.",
)
FROM = Query(None, alias="from", max_length=10, description="Start of the period, YYYY-MM-DD (snaps to whole blocks).")
TO = Query(None, alias="to", max_length=10, description="End of the period, YYYY-MM-DD (snaps to whole blocks).")


@router.get("/analytics", response_class=HTMLResponse, include_in_schema=False)
def analytics_page(
    request: Request, asked_from: str | None = FROM, asked_to: str | None = TO, margin: float = MARGIN
) -> Response:
    from ledger.api.pages import render, signed_in

    signed_in(request, *ROLES)
    report = _report(request, asked_from, asked_to, margin)
    query = {k: v for k, v in (("from", asked_from), ("to", asked_to)) if v}
    if margin != 5.0:
        query["margin"] = f"{margin:g}"
    return render(
        request,
        "analytics.html",
        report=report,
        charts=_charts(request, report, (report.today, asked_from, asked_to, margin)),
        asked_from=asked_from,
        asked_to=asked_to,
        csv_url="/analytics.csv" + ("?" + urlencode(query) if query else ""),
    )


@router.get("/analytics.csv", include_in_schema=False)
def analytics_csv(
    request: Request, asked_from: str | None = FROM, asked_to: str | None = TO, margin: float = MARGIN
) -> Response:
    from ledger.api.pages import signed_in
    from ledger.reports.progression.output import to_csv

    signed_in(request, *ROLES)
    report = _report(request, asked_from, asked_to, margin)
    name = f"progression-{report.today.isoformat()}.csv"
    return Response(
        to_csv(report),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/api/reports/progression", tags=["reports"])
def progression_json(
    request: Request,
    asked_from: str | None = FROM,
    asked_to: str | None = TO,
    margin: float = MARGIN,
    account: Account = Depends(require(*ROLES)),
) -> dict[str, Any]:
    """Progression and fairness, with small numbers suppressed: representation by background at each level against
    the benchmarks, response to the background questions, application outcomes and award rates by route and
    background with the pass-rate parity flag, time from one level to the next, renewals, lapses and PPD audits by
    background. Periods snap to whole blocks of quarters; each table says the period it covers."""
    return _report(request, asked_from, asked_to, margin).to_dict()
