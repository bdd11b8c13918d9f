"""Starting an application, one question a page: the level (only those above the level held, and none while an
application is open), then the route (each with what it asks for), then that route's own fields (the qualification,
or the experience). The choices travel in the address from page to page, so the back button and a reload keep them;
the last page posts them all to the API's command (``StartApplication``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ledger.api.deps import LedgerDep
from ledger.api.pages.forms import form_of, parse_form, write
from ledger.api.pages.me.asking import problems
from ledger.api.pages.me.standing import Enrolled, Standing, registrant_of, render_me, standing_of
from ledger.api.pages.render import back
from ledger.api.schemas.applications import StartApplication
from ledger.api.service import Behind
from ledger.domain.errors import LedgerError
from ledger.domain.statuses import RouteCode

router = APIRouter(include_in_schema=False)

QUALIFICATION = ("qualification_title", "qualification_awarding_body", "qualification_level")
EXPERIENCE = ("experience_years", "experience_portfolio", "experience_referee_name", "experience_referee_email")
LABELS = {
    "level": "Level",
    "route": "Route",
    "qualification": "Your qualification",
    "qualification.title": "Title of the qualification",
    "qualification.awarding_body": "Awarding body",
    "qualification.level": "Level of the qualification",
    "experience": "Your experience",
    "experience.years": "Years of practice",
    "experience.portfolio": "Your portfolio",
    "experience.referee_name": "Your referee's name",
    "experience.referee_email": "Your referee's email address",
}
EMPTY = {
    "level": "Choose the level you are applying for",
    "route": "Choose how you will show your competence",
    "qualification_title": "Enter the title of your qualification",
    "qualification_awarding_body": "Enter the body that awarded your qualification",
    "qualification_level": "Enter the level of your qualification, a number from 1 to 8",
    "experience_years": "Enter how many years you have practised",
    "experience_portfolio": "Describe your portfolio, or give a link to it",
    "experience_referee_name": "Enter your referee's name",
    "experience_referee_email": "Enter your referee's email address",
}

WRONG = {
    "qualification_level": "Enter the level of your qualification as a number from 1 to 8",
    "experience_years": "Enter your years of practice as a number, for example 4 or 6.5",
}


def _level_options(standing: Standing) -> list[tuple[str, str, str]]:
    return [
        (
            level.code,
            f"{level.name} ({level.post_nominal})",
            f"{level.summary} About qualification level "
            f"{level.qualification_level}, or {level.min_years_experience_equivalency} years of practice.",
        )
        for level in standing.levels
    ]


def _route_options(ledger: Any, level: Any) -> list[tuple[str, str, str]]:
    hints = {
        RouteCode.STANDARD: f"You hold a recognised qualification at level {level.qualification_level} or above.",
        RouteCode.EQUIVALENCY: f"You learned by doing: at least {level.min_years_experience_equivalency} years of "
        "practice, a portfolio, a referee who can confirm your experience, and a discussion with two assessors.",
    }
    return [(route.code, route.name, hints.get(route.code, route.description)) for route in ledger.framework.routes]


def _page(request: Request, template: str, standing: Standing, status_code: int = 200, **context: Any) -> Response:
    return render_me(request, template, standing, "/me/apply", status_code, **context)


def _chosen_level(ledger: Any, standing: Standing, code: str | None) -> Any:
    return next((level for level in standing.levels if level.code == code), None)


@router.get("/me/apply", response_class=HTMLResponse)
def choose_level(request: Request, ledger: LedgerDep, account: Enrolled, level: str | None = None) -> Response:
    standing = standing_of(ledger, registrant_of(account))
    return _page(request, "me_apply_level.html", standing, options=_level_options(standing), values={"level": level})


@router.get("/me/apply/route", response_class=HTMLResponse)
def choose_route(
    request: Request, ledger: LedgerDep, account: Enrolled, level: str | None = None, route: str | None = None
) -> Response:
    standing = standing_of(ledger, registrant_of(account))
    chosen = _chosen_level(ledger, standing, level)
    if chosen is None:
        errors = {"level": EMPTY["level"] if not level else "Choose one of the levels shown"}
        options = _level_options(standing)
        return _page(request, "me_apply_level.html", standing, 422, options=options, values={}, errors=errors)
    return _page(
        request,
        "me_apply_route.html",
        standing,
        level=chosen,
        options=_route_options(ledger, chosen),
        values={"route": route},
    )


@router.get("/me/apply/details", response_class=HTMLResponse)
def route_details(
    request: Request, ledger: LedgerDep, account: Enrolled, level: str | None = None, route: str | None = None
) -> Response:
    standing = standing_of(ledger, registrant_of(account))
    chosen = _chosen_level(ledger, standing, level)
    if chosen is None:
        return back("/me/apply", request=request)
    if route not in (RouteCode.STANDARD, RouteCode.EQUIVALENCY):
        errors = {"route": EMPTY["route"] if not route else "Choose one of the routes shown"}
        options = _route_options(ledger, chosen)
        return _page(
            request, "me_apply_route.html", standing, 422, level=chosen, options=options, values={}, errors=errors
        )
    return _page(request, "me_apply_details.html", standing, level=chosen, route=route, values={})


def _asked(form: dict[str, Any]) -> StartApplication:
    """The page's fields as the API's body: the qualification for the standard route, the experience otherwise
    (the other route's fields, if sent, are not read)."""

    def sent(prefix: str, names: tuple[str, ...]) -> dict[str, Any]:
        return {n.removeprefix(prefix): form[n] for n in names if form.get(n) not in (None, "")}

    route = form.get("route")
    asked: dict[str, Any] = {"level": form.get("level"), "route": route}
    if route == RouteCode.STANDARD:
        asked["qualification"] = sent("qualification_", QUALIFICATION)
    else:
        asked["experience"] = sent("experience_", EXPERIENCE)
    return parse_form(StartApplication, {k: v for k, v in asked.items() if v is not None})


@router.post("/me/applications")
async def start(request: Request, ledger: LedgerDep, account: Enrolled) -> Response:
    form = await form_of(request)
    registrant = registrant_of(account)

    def act() -> dict[str, str]:
        body = _asked(form)
        application_id = ledger.start_application(
            registrant,
            body.level,
            body.route,
            qualification=body.qualification.model_dump() if body.qualification else None,
            experience=body.experience.model_dump() if body.experience else None,
        )
        return {"id": str(application_id)}

    try:
        created = write(request, account, act)
    except Behind:
        return back("/me", "Application started. It may take a few seconds to show here.", request=request)
    except LedgerError as error:
        standing = standing_of(ledger, registrant)
        chosen = _chosen_level(ledger, standing, form.get("level"))
        route = form.get("route")
        if chosen is None or route not in (RouteCode.STANDARD, RouteCode.EQUIVALENCY):
            return back("/me/apply", str(error), request=request, error=True)
        rule_field = "qualification_level" if route == RouteCode.STANDARD else "experience_years"
        errors = problems(error, LABELS, empty=EMPTY, values=form, wrong=WRONG, form_field=rule_field)
        for group in ("qualification", "experience"):  # "the standard route needs a qualification": all empty
            if group in errors:
                errors.pop(group)
                names = QUALIFICATION if group == "qualification" else EXPERIENCE
                errors.update({n: EMPTY[n] for n in names if form.get(n) in (None, "")})
        return _page(
            request, "me_apply_details.html", standing, 422, level=chosen, route=route, values=form, errors=errors
        )
    return back(
        f"/me/applications/{created['id']}",
        "Application started: now add your evidence for each area.",
        request=request,
    )
