"""The registrant's own pages: their registration, applications, PPD, career break, renewal and background
answers. Each form builds the schema the API takes for the same command."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ledger.api.deps import LedgerDep, RegistrantPage, own_registrant
from ledger.api.pages.forms import attempt, form_of, parse_form, write
from ledger.api.pages.render import JUDGEMENTS, back, render
from ledger.api.schemas.applications import Evidence, StartApplication
from ledger.api.schemas.me import Background, CareerBreak, Ppd, Renewal
from ledger.api.security import reachable_application
from ledger.domain import background
from ledger.domain.errors import LedgerError
from ledger.read.views import application_view, registrant_view

router = APIRouter(include_in_schema=False)
EXPERIENCE = ("years", "portfolio", "referee_name", "referee_email")


@router.get("/me", response_class=HTMLResponse)
def my_page(request: Request, ledger: LedgerDep, account: RegistrantPage) -> Response:
    view = registrant_view(ledger, own_registrant(account), personal=True)
    shared = None
    if view["registration"]:
        from ledger.read.sharing import current_credential

        try:
            shared = current_credential(ledger, view["registration"]["number"])
        except LedgerError:
            shared = None
    return render(
        request,
        "me.html",
        me=view,
        shared=shared,
        questions=list(background.QUESTIONS.values()),
        why_we_ask=background.WHY_WE_ASK,
        categories=ledger.framework.rules.ppd_categories,
        category_names=ledger.framework.rules.ppd_category_names,
    )


def _application_asked(form: dict[str, Any]) -> StartApplication:
    """The application form's fields as the API's body: the qualification for the standard route, the experience
    otherwise."""

    def sent(fields: dict[str, Any]) -> dict[str, Any]:
        return {name: value for name, value in fields.items() if value is not None}

    route = form.get("route")
    asked = sent({"level": form.get("level"), "route": route})
    if route == "standard":
        asked["qualification"] = sent(
            {
                "title": form.get("qualification_title"),
                "awarding_body": form.get("qualification_body"),
                "level": form.get("qualification_level"),
            }
        )
    else:
        asked["experience"] = sent({name: form.get(name) for name in EXPERIENCE})
    return parse_form(StartApplication, asked)


@router.post("/me/applications")
async def my_new_application(request: Request, ledger: LedgerDep, account: RegistrantPage) -> Response:
    form = await form_of(request)
    registrant = own_registrant(account)

    def act() -> dict[str, str]:
        body = _application_asked(form)
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
    except LedgerError as error:
        return back("/me#apply", str(error), request=request, error=True)
    return back(
        f"/me/applications/{created['id']}", "Application started: add your evidence for each area.", request=request
    )


@router.get("/me/applications/{application_id}", response_class=HTMLResponse)
def my_application(request: Request, ledger: LedgerDep, application_id: str, account: RegistrantPage) -> Response:
    view = application_view(ledger, reachable_application(ledger, account, application_id))
    return render(
        request,
        "application.html",
        app=view,
        areas=ledger.framework.required_areas(view["level"]),
        level=ledger.framework.level(view["level"]),
        judgements=dict(JUDGEMENTS),
    )


@router.post("/me/applications/{application_id}/evidence")
async def my_evidence(request: Request, ledger: LedgerDep, application_id: str, account: RegistrantPage) -> Response:
    found = reachable_application(ledger, account, application_id)
    form = await form_of(request)
    here = f"/me/applications/{application_id}"

    def act() -> None:
        body = parse_form(Evidence, form)
        ledger.add_evidence(found, body.area, body.text)

    return attempt(request, account, act, here, "Evidence added.", here)


@router.post("/me/applications/{application_id}/submit")
async def my_submit(request: Request, ledger: LedgerDep, application_id: str, account: RegistrantPage) -> Response:
    found = reachable_application(ledger, account, application_id)
    await form_of(request)
    here = f"/me/applications/{application_id}"
    return attempt(
        request,
        account,
        lambda: ledger.submit_application(found),
        here,
        "Submitted: two assessors will be assigned.",
        here,
    )


@router.post("/me/ppd")
async def my_ppd(request: Request, ledger: LedgerDep, account: RegistrantPage) -> Response:
    form = await form_of(request)
    registrant = own_registrant(account)

    def act() -> None:
        body = parse_form(Ppd, form)
        ledger.record_ppd(registrant, body.on, body.category, body.hours, body.areas, body.learned, body.impact)

    return attempt(request, account, act, "/me#ppd", "PPD activity recorded.", "/me#ppd")


@router.post("/me/renewal")
async def my_renewal(request: Request, ledger: LedgerDep, account: RegistrantPage) -> Response:
    form = await form_of(request)
    registrant = own_registrant(account)

    def act() -> None:
        ledger.submit_renewal(registrant, parse_form(Renewal, form).declaration)

    return attempt(request, account, act, "/me#renewal", "Renewal submitted.", "/me#renewal")


@router.post("/me/background")
async def my_background(request: Request, ledger: LedgerDep, account: RegistrantPage) -> Response:
    form = await form_of(request)
    registrant = own_registrant(account)

    def act() -> None:
        answers = {q.id: form[q.id] for q in background.QUESTIONS.values() if form.get(q.id)}
        ledger.answer_background(registrant, parse_form(Background, {"answers": answers or None}).answers)

    return attempt(request, account, act, "/me#background", "Thank you: your answers are saved.", "/me#background")


@router.post("/me/career-break")
async def my_career_break(request: Request, ledger: LedgerDep, account: RegistrantPage) -> Response:
    form = await form_of(request)
    registrant = own_registrant(account)

    def act() -> None:
        body = parse_form(CareerBreak, form)
        ledger.take_career_break(registrant, body.start, body.end)

    return attempt(
        request,
        account,
        act,
        "/me#career-break",
        "Career break recorded: the PPD requirement is paused for the renewals it overlaps.",
        "/me#career-break",
    )
