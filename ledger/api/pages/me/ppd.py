"""The PPD record (record an activity, list those recorded) and career breaks. The competency areas offered for an
activity are those of the level held: no area F for someone registered at the entry level."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ledger.api.deps import LedgerDep
from ledger.api.pages.forms import form_of, parse_form, write
from ledger.api.pages.me.asking import problems
from ledger.api.pages.me.standing import Enrolled, Standing, registrant_of, render_me, standing_of
from ledger.api.pages.render import back
from ledger.api.schemas.me import CareerBreak, Ppd
from ledger.api.service import Behind
from ledger.domain.errors import InvalidInput, LedgerError
from ledger.domain.statuses import RegistrationStatus

router = APIRouter(include_in_schema=False)
PPD_LABELS = {
    "on": "Date of the activity",
    "category": "Category",
    "hours": "Hours",
    "areas": "Competency areas",
    "learned": "What you learned",
    "impact": "How it changed your practice",
}
PPD_EMPTY = {
    "on": "Enter the date of the activity",
    "category": "Choose the category of the activity",
    "hours": "Enter how many hours it took",
    "learned": "Say what you learned",
    "impact": "Say how it changed your practice",
}
PPD_WRONG = {
    "on": "Enter the date of the activity as a real date",
    "hours": "Enter the hours as a number more than 0 and at most 1000, for example 3 or 7.5",
}
BREAK_LABELS = {"start": "Start date", "end": "End date"}
BREAK_WRONG = {"start": "Enter the start date as a real date", "end": "Enter the end date as a real date"}
BREAK_EMPTY = {"start": "Enter the date your career break starts", "end": "Enter the date your career break ends"}


def _areas(ledger: Any, standing: Standing) -> list[Any]:
    """The competency areas of the level held (of the level last held, after a lapse)."""
    registration = standing.registration
    if not registration or not registration.get("level"):
        return []
    return list(ledger.framework.required_areas(registration["level"]))


def _can_record(standing: Standing) -> bool:
    return standing.has_registration and standing.state != RegistrationStatus.REMOVED


def _ppd_page(request: Request, ledger: Any, standing: Standing, status_code: int = 200, **context: Any) -> Response:
    rules = ledger.framework.rules
    return render_me(
        request,
        "me_ppd.html",
        standing,
        "/me/ppd",
        status_code,
        areas=_areas(ledger, standing),
        categories=[(c, rules.ppd_category_names[c]) for c in rules.ppd_categories],
        category_names=rules.ppd_category_names,
        can_record=_can_record(standing),
        today=standing.today.isoformat(),
        rules=rules,
        **context,
    )


@router.get("/me/ppd", response_class=HTMLResponse)
def ppd_page(request: Request, ledger: LedgerDep, account: Enrolled) -> Response:
    return _ppd_page(request, ledger, standing_of(ledger, registrant_of(account)), values={})


@router.post("/me/ppd")
async def record_ppd(request: Request, ledger: LedgerDep, account: Enrolled) -> Response:
    form = await form_of(request)
    registrant = registrant_of(account)
    standing = standing_of(ledger, registrant)
    offered = {area.code for area in _areas(ledger, standing)}
    values = {**form, "areas": _as_list(form.get("areas"))}

    def act() -> None:
        body = parse_form(Ppd, form)
        outside = sorted(set(body.areas) - offered)
        if outside:
            raise InvalidInput("areas", f"choose from the areas of your level; not {', '.join(outside)}")
        ledger.record_ppd(registrant, body.on, body.category, body.hours, body.areas, body.learned, body.impact)

    try:
        write(request, account, act)
    except Behind:
        pass
    except LedgerError as error:
        errors = problems(error, PPD_LABELS, empty=PPD_EMPTY, values=values, wrong=PPD_WRONG, form_field="on")
        return _ppd_page(request, ledger, standing, 422, values=values, errors=errors)
    return back("/me/ppd", "PPD activity recorded.", request=request)


def _as_list(value: Any) -> list[str]:
    return [] if value in (None, "") else [value] if isinstance(value, str) else list(value)


# -- career breaks
def _break_page(request: Request, ledger: Any, standing: Standing, status_code: int = 200, **context: Any) -> Response:
    return render_me(
        request,
        "me_career_break.html",
        standing,
        "/me/career-break",
        status_code,
        explanation=ledger.framework.rules.explanations["career_break_max_years"],
        **context,
    )


@router.get("/me/career-break", response_class=HTMLResponse)
def career_break_page(request: Request, ledger: LedgerDep, account: Enrolled) -> Response:
    return _break_page(request, ledger, standing_of(ledger, registrant_of(account)), values={})


@router.post("/me/career-break")
async def career_break(request: Request, ledger: LedgerDep, account: Enrolled) -> Response:
    form = await form_of(request)
    registrant = registrant_of(account)

    def act() -> None:
        body = parse_form(CareerBreak, form)
        ledger.take_career_break(registrant, body.start, body.end)

    try:
        write(request, account, act)
    except Behind:
        pass
    except LedgerError as error:
        errors = problems(error, BREAK_LABELS, empty=BREAK_EMPTY, values=form, wrong=BREAK_WRONG, form_field="start")
        standing = standing_of(ledger, registrant)
        return _break_page(request, ledger, standing, 422, values=form, errors=errors)
    return back(
        "/me/career-break",
        "Career break recorded: the PPD requirement is paused for the renewals it overlaps.",
        request=request,
    )
