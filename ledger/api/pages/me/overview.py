"""``/me``: where the registrant stands, in a summary card that says what fits their state and level and the next
step (start or continue an application; the renewal window; a suspension's reason, end and appeal route; how to be
reinstated after a lapse; a removal's reason), with their audits and applications below."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ledger.api.deps import LedgerDep
from ledger.api.pages.me.standing import Enrolled, registrant_of, render_me, standing_of
from ledger.domain.clock import add_months

router = APIRouter(include_in_schema=False)

APPLICATION_STATUS = {
    "draft": "not sent yet",
    "submitted": "sent: it is being assessed",
    "information_requested": "waiting for more information from you",
    "decided": "decided",
    "appealed": "appealed: the appeal is being heard",
    "withdrawn": "withdrawn",
}
"""An application's status in the words the registrant reads."""


@router.get("/me", response_class=HTMLResponse)
def overview(request: Request, ledger: LedgerDep, account: Enrolled) -> Response:
    standing = standing_of(ledger, registrant_of(account))
    rules = ledger.framework.rules
    registration = standing.registration or {}
    since = registration.get("status_since")
    reinstate_until = None
    if standing.state in ("lapsed", "resigned") and since:
        from datetime import date

        reinstate_until = add_months(date.fromisoformat(since), 12 * rules.reapply_after_lapsed_years)
    open_application = standing.open_application
    return render_me(
        request,
        "me.html",
        standing,
        "/me",
        application_status=APPLICATION_STATUS,
        level_of={level.code: level for level in ledger.framework.levels},
        open_level=ledger.framework.level(open_application["level"]) if open_application else None,
        reinstate_until=reinstate_until,
        rules=rules,
    )
