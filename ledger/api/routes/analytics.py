"""Progression and fairness as JSON, for the registrar and the auditor (the page and its CSV are
``ledger.api.pages.analytics``'s). The figures, their periods and their suppression are ``ledger.reports``'s."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, Query

from ledger.api.deps import ServiceDep, require
from ledger.api.schemas.analytics import ReportPeriod
from ledger.api.service import Service
from ledger.app.accounts import Account

if TYPE_CHECKING:
    from ledger.reports.progression.shape import Report

ROLES = ("registrar", "auditor")
"""Who sees the statistics: not assessors (who decide about people), not registrants, not the admin."""

router = APIRouter()
Period = Annotated[ReportPeriod, Query()]


def progression(service: Service, period: ReportPeriod) -> Report:
    """The report for this period, remembered until the read models change."""
    from ledger.reports.progression.report import progression_report

    today = service.ledger.clock.today()
    key = ("progression", today, period.asked_from, period.asked_to, period.margin)
    found: Report | None = service.recall(key)
    if found is None:
        generation = service.generation()
        with service.ledger.engine.connect() as conn:
            found = service.remember(
                key,
                generation,
                progression_report(
                    conn, today, period.asked_from, period.asked_to, period.margin, service.ledger.framework
                ),
            )
    return found


@router.get("/api/reports/progression", tags=["reports"])
def progression_json(
    service: ServiceDep, period: Period, account: Annotated[Account, Depends(require(*ROLES))]
) -> dict[str, Any]:
    """Progression and fairness, with small numbers suppressed: representation by background at each level against
    the benchmarks, response to the background questions, application outcomes and award rates by route and
    background with the pass-rate parity flag, time from one level to the next, renewals, lapses and PPD audits by
    background. Periods snap to whole blocks of quarters; each table says the period it covers."""
    report: dict[str, Any] = progression(service, period).to_dict()
    return report
