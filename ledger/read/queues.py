"""The registrar's queues as people work from them: one page of a queue, each row with the applicant's name (opened
from the vault for that row only), level, route, submission date, its age in days against the service standard,
and the assessors by name with where each stands."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from ledger.app.ledger import Ledger
from ledger.domain.aggregates import Application
from ledger.read.people import assessor_names, name_of
from ledger.read.projections.casework import QUEUES, queue_counts, queue_page

PER_PAGE = 25


def age_in_days(submitted: date | None, until: date) -> int | None:
    return None if submitted is None else max((until - submitted).days, 0)


def queue_view(ledger: Ledger, queue: str, page: int = 1, per_page: int = PER_PAGE) -> dict[str, Any]:
    """One page of ``queue`` (a key of ``QUEUES``), with the count of every queue and how many pages this one has."""
    needed = ledger.framework.rules.assessors_per_application
    standard = ledger.settings.service_standard_weeks * 7
    today = ledger.clock.today()
    with ledger.engine.connect() as conn:
        counts = queue_counts(conn, needed)
        pages = max(1, -(-counts[queue] // per_page))
        page = min(max(page, 1), pages)
        rows = queue_page(conn, queue, needed, page=page, per_page=per_page)
        names = assessor_names(conn)
    shown = []
    for row in rows:
        submitted = row["submitted_at"].date() if row["submitted_at"] else None
        closed = row["decided_on"] if queue == "decided" else None
        age = age_in_days(submitted, closed or today)
        assessors: list[dict[str, str | None]] = []
        if queue != "decided":
            application: Application = ledger.application(UUID(row["id"]))
            for assessor in application.assessors:
                state = (
                    "assessed"
                    if assessor in application.assessments
                    else "accepted"
                    if assessor in application.accepted
                    else "to accept"
                )
                assessors.append({"name": names.get(assessor.hex, "an assessor"), "state": state})
        else:
            assessors = [{"name": names.get(a, "an assessor"), "state": None} for a in row["assessors"]]
        shown.append(
            {
                "id": str(UUID(row["id"])),
                "registrant_id": str(UUID(row["registrant_id"])),
                "name": name_of(ledger, row["registrant_id"]),
                "level": row["level"],
                "route": row["route"],
                "status": row["status"],
                "outcome": row["outcome"],
                "submitted_on": submitted,
                "decided_on": row["decided_on"],
                "age": age,
                "overdue": queue != "decided" and age is not None and age > standard,
                "assessors": assessors,
                "assessments": row["assessments"],
            }
        )
    return {
        "queue": queue,
        "title": QUEUES[queue],
        "counts": counts,
        "rows": shown,
        "page": page,
        "pages": pages,
        "standard_days": standard,
        "standard_weeks": ledger.settings.service_standard_weeks,
    }
