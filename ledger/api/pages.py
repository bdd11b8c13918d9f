"""Server-rendered pages (Jinja2, plain HTML and CSS): the public register and registrant pages, sign-in, and the
registrant's, assessor's and registrar's pages. Each form carries a CSRF token and a form key of its own; each write
goes through the same Service.write as the API, with the form key as its Idempotency-Key (so a form sent twice, by a
double click or a resend after a lost answer, acts once), and a refused command comes back to the page as a message
beside the form."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import quote
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from ledger.api.main import HERE
from ledger.api.problems import Problem
from ledger.api.routes_public import post_nominals
from ledger.api.security import (
    check_csrf,
    csrf_token,
    current_account,
    limited,
    reachable_application,
    reachable_audit,
    start_session,
)
from ledger.api.service import request_digest
from ledger.app.accounts import Account
from ledger.domain import background, regnumber
from ledger.domain.errors import LedgerError
from ledger.read.projections.audits import audit_queue
from ledger.read.projections.casework import casework_counts, casework_queue
from ledger.read.projections.register import confusable_groups, name_change_requests, search_register
from ledger.read.views import application_view, audit_view, registrant_view

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=HERE / "templates")
public_rate = Depends(limited("public", "rate_public_per_minute"))
AuditYear = Path(ge=2000, le=2200)
JUDGEMENTS = (("met", "Met"), ("partly_met", "Partly met"), ("not_met", "Not met"))


def _service(request: Request) -> Any:
    return request.app.state.service


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    account = current_account(request) if request.headers.get("authorization") is None else None
    flash = request.session.pop("flash", None)
    return templates.TemplateResponse(
        request,
        template,
        {
            "account": account,
            "csrf": _LazyCsrf(request),
            "form_key": _FormKey(),
            "flash": flash,
            "framework": _service(request).ledger.framework,
            "issuer_name": _service(request).settings.issuer_name,
            **context,
        },
        status_code=status_code,
    )


class _LazyCsrf:
    """The form token, made (with its session cookie) only if a page has a form that needs it."""

    def __init__(self, request: Request) -> None:
        self.request = request

    def __str__(self) -> str:
        return csrf_token(self.request)

    __html__ = __str__


class _FormKey:
    """A new key each time a form shows it: the form's own Idempotency-Key."""

    def __str__(self) -> str:
        return secrets.token_urlsafe(16)

    __html__ = __str__


FORM_FIELDS = ("csrf", "form_key")


def back(url: str, message: str | None = None, *, request: Request, error: bool = False) -> RedirectResponse:
    if message:
        request.session["flash"] = {"text": message, "error": error}
    return RedirectResponse(url, status_code=303)


async def form_of(request: Request) -> dict[str, Any]:
    form = await request.form()
    check_csrf(request, form.get("csrf"))  # type: ignore[arg-type]
    fields = {k: form.getlist(k) if len(form.getlist(k)) > 1 else form.get(k) for k in form}
    request.state.form = fields
    return fields


def write(request: Request, account: Account, action: Any) -> Any:
    """Run a form's command once for its form key (see the module's docstring); the command's answer, or the first
    answer when the form was sent before."""
    form: dict[str, Any] = getattr(request.state, "form", {})
    key = form.get("form_key")
    body = {"path": request.url.path, **{k: v for k, v in form.items() if k not in FORM_FIELDS}}
    if not (isinstance(key, str) and 0 < len(key) <= 64):
        return _service(request).write(account, None, body, action)
    # the form's key and what was filled in: the same form sent again with other contents (after going back in
    # the browser, say) is a new request, not a reuse of the key
    digest = request_digest(_service(request).ledger.receipt_secret, body)
    return _service(request).write(account, f"form:{key}:{digest[:32]}", body, action)


def signed_in(request: Request, *roles: str) -> Account:
    account = current_account(request)
    if account is None:
        raise _Redirect(f"/login?next={quote(request.url.path)}")
    if account.role not in roles:
        raise Problem(403, f"this page is for the role {' or '.join(roles)}; you are signed in as {account.role}")
    return account


class _Redirect(Exception):
    def __init__(self, url: str) -> None:
        self.url = url


def attempt(
    request: Request, account: Account, action: Any, ok_url: str, ok_message: str, fail_url: str
) -> RedirectResponse:
    from ledger.api.service import Behind

    try:
        write(request, account, action)
    except LedgerError as error:
        return back(fail_url, str(error), request=request, error=True)
    except Behind:  # recorded; the register is catching up with it
        return back(ok_url, f"{ok_message} It may take a few seconds to show here.", request=request)
    return back(ok_url, ok_message, request=request)


# -- public
@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    return render(request, "home.html")


@router.get("/register", response_class=HTMLResponse, dependencies=[public_rate])
def register_page(
    request: Request, query: str = "", level: str = "", status: str = "", discipline: str = ""
) -> HTMLResponse:
    service = _service(request)
    entries: list[dict[str, Any]] = []
    searched = any((query, level, status, discipline))
    if searched:
        with service.ledger.engine.connect() as conn:
            entries = search_register(
                conn,
                query=query[:200] or None,
                level=level[:8] or None,
                status=status[:16] or None,
                discipline=discipline[:32] or None,
                post_nominals=post_nominals(service),
                limit=100,
            )
    return render(
        request,
        "register.html",
        entries=entries,
        searched=searched,
        query=query,
        level=level,
        status=status,
        discipline=discipline,
    )


def _public_entry(request: Request, number: str) -> dict[str, Any]:
    try:
        canonical = regnumber.parse_number(number)
    except regnumber.InvalidRegistrationNumber as error:
        raise Problem(404, str(error)) from None
    service = _service(request)
    with service.ledger.engine.connect() as conn:
        found = search_register(conn, query=canonical, post_nominals=post_nominals(service), limit=1)
    if not found or found[0]["erased"]:
        raise Problem(404, f"no registration numbered {canonical}")
    return found[0]


@router.get("/r/{number}", response_class=HTMLResponse, dependencies=[public_rate])
async def registrant_page(request: Request, number: str) -> HTMLResponse:
    service = _service(request)
    anonymous = "authorization" not in request.headers and not request.session
    if anonymous:  # what nearly everyone sees: the same bytes for everyone until the register changes (no thread)
        page = service.recall(("page-html", number))
        if page is not None:
            return HTMLResponse(page)
    return await run_in_threadpool(_registrant_page, request, number, anonymous)


def _registrant_page(request: Request, number: str, anonymous: bool) -> HTMLResponse:
    service = _service(request)
    key = ("page", number)
    generation = service.generation()
    found = service.recall(key)
    if found is None:
        found = service.remember(key, generation, _registrant_page_facts(request, number))
    entry, shared = found
    response = render(request, "registrant.html", entry=entry, shared=shared)
    if anonymous and not request.session:  # rendering made no session (no form, no flash): safe to share
        service.remember(("page-html", number), generation, bytes(response.body))
    return response


def _registrant_page_facts(request: Request, number: str) -> tuple[dict[str, Any], dict[str, str] | None]:
    from ledger.read.sharing import current_credential

    entry = _public_entry(request, number)
    service = _service(request)
    try:
        credential = current_credential(service.ledger, entry["registration_number"])
    except LedgerError:
        return entry, None
    return entry, {"badge_url": credential.badge_url, "linkedin": credential.linkedin(service.settings.issuer_name)}


@router.get("/r/{number}/badge.{fmt}", dependencies=[public_rate])
def badge(request: Request, number: str, fmt: str) -> Response:
    from credentials.qr import qr_png, qr_svg
    from ledger.read.sharing import current_credential

    entry = _public_entry(request, number)
    if fmt not in ("svg", "png"):
        raise Problem(404, "badges are .svg or .png")
    shared = current_credential(_service(request).ledger, entry["registration_number"])
    try:
        if fmt == "svg":
            return Response(qr_svg(shared.badge_url), media_type="image/svg+xml")
        return Response(qr_png(shared.badge_url), media_type="image/png")
    except ValueError as error:
        raise Problem(409, str(error)) from None


@router.get("/r/{number}/credential.{fmt}", dependencies=[public_rate])
def credential_download(request: Request, number: str, fmt: str) -> Response:
    from ledger.read.sharing import current_credential

    entry = _public_entry(request, number)
    shared = current_credential(_service(request).ledger, entry["registration_number"])
    if fmt == "jwt":
        return Response(
            shared.render("jwt", ""),
            media_type="application/vc+jwt",
            headers={"Content-Disposition": f'attachment; filename="{shared.number}.jwt"'},
        )
    if fmt == "json":
        return Response(
            shared.render("json", ""),
            media_type="application/json",
            headers={"Content-Disposition": f'attachment; filename="{shared.number}.json"'},
        )
    raise Problem(404, "credentials download as .jwt or .json")


@router.get("/r/{number}/provenance.json", dependencies=[public_rate])
def provenance(request: Request, number: str) -> Response:
    """Where the event that awarded (or renewed) the current credential sits in the transparency log, with the
    latest signed checkpoint and the inclusion proof: check it with verifier.merkle.verify_inclusion."""
    import json
    from uuid import UUID as _UUID

    from ledger.read.projections.credentials import credentials_of

    entry = _public_entry(request, number)
    service = _service(request)
    with service.ledger.engine.connect() as conn:
        found = credentials_of(conn, entry["registration_number"], limit=1)
    if not found:
        raise Problem(404, f"no credential has been issued under {entry['registration_number']}")
    row = found[0]
    registration = _UUID(row["registration_id"])
    facts = service.log.provenance(registration, row["trigger_version"])
    if facts is None:  # the worker signs a checkpoint within seconds of an issue
        raise Problem(
            503,
            "The transparency log has not yet signed a checkpoint that covers this credential's "
            "event; it does within seconds of an issue. Try again shortly.",
            headers={"Retry-After": "3"},
        )
    body = {
        "registration_number": entry["registration_number"],
        "credential_id": f"urn:uuid:{_UUID(row['id'])}",
        "event": {"aggregate": str(registration), "version": row["trigger_version"], "kind": row["trigger"]},
        **(facts or {}),
    }
    return Response(json.dumps(body, indent=2), media_type="application/json")


# -- signing in
@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/me") -> HTMLResponse:  # noqa: A002
    return render(request, "login.html", next=next if next.startswith("/") and not next.startswith("//") else "/me")


@router.post("/login", dependencies=[Depends(limited("login", "rate_login_per_minute"))])
async def login(request: Request) -> Response:
    form = await form_of(request)
    account = await run_in_threadpool(
        _service(request).accounts.authenticate, form.get("email"), form.get("password")
    )  # Argon2 is slow on purpose: not in the event loop
    target = form.get("next") or "/me"
    if not isinstance(target, str) or not target.startswith("/") or target.startswith("//"):
        target = "/me"
    if account is None:
        return render(request, "login.html", status_code=401, next=target, error="The email or password is wrong.")
    start_session(request, account)
    home_of = {
        "registrant": "/me",
        "assessor": "/assess",
        "registrar": "/casework",
        "auditor": "/casework",
        "admin": "/casework",
    }
    return back(target if target != "/me" else home_of[account.role], request=request)


@router.post("/logout")
async def logout(request: Request) -> Response:
    await form_of(request)
    account = current_account(request)
    if account is not None:  # every session of the account ends, including copies of this cookie
        await run_in_threadpool(_service(request).accounts.end_sessions, account.id)
    request.session.clear()
    return back("/", "You are signed out.", request=request)


# -- the registrant
@router.get("/me", response_class=HTMLResponse)
def my_page(request: Request) -> Response:
    account = signed_in(request, "registrant")
    ledger = _service(request).ledger
    view = registrant_view(ledger, account.registrant_id, personal=True)  # type: ignore[arg-type]
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


@router.post("/me/applications")
async def my_new_application(request: Request) -> Response:
    account = signed_in(request, "registrant")
    form = await form_of(request)
    ledger = _service(request).ledger
    route = form.get("route")

    def act() -> dict[str, str]:
        qualification = experience = None
        if route == "standard":
            level = form.get("qualification_level") or ""
            qualification = {
                "title": form.get("qualification_title"),
                "awarding_body": form.get("qualification_body"),
                "level": int(level) if str(level).isdigit() else level,
            }
        else:
            years = form.get("years") or ""
            experience = {
                "years": float(years) if str(years).replace(".", "", 1).isdigit() else years,
                "portfolio": form.get("portfolio"),
                "referee_name": form.get("referee_name"),
                "referee_email": form.get("referee_email"),
            }
        return {
            "id": str(
                ledger.start_application(
                    account.registrant_id,
                    form.get("level"),
                    route,  # type: ignore[arg-type]
                    qualification=qualification,
                    experience=experience,
                )
            )
        }

    try:
        created = write(request, account, act)
    except LedgerError as error:
        return back("/me#apply", str(error), request=request, error=True)
    return back(
        f"/me/applications/{created['id']}", "Application started: add your evidence for each area.", request=request
    )


def _my_application(request: Request, account: Account, application_id: str) -> UUID:
    return reachable_application(_service(request).ledger, account, application_id)


@router.get("/me/applications/{application_id}", response_class=HTMLResponse)
def my_application(request: Request, application_id: str) -> Response:
    account = signed_in(request, "registrant")
    found = _my_application(request, account, application_id)
    ledger = _service(request).ledger
    view = application_view(ledger, found)
    return render(
        request,
        "application.html",
        app=view,
        areas=ledger.framework.required_areas(view["level"]),
        level=ledger.framework.level(view["level"]),
        judgements=dict(JUDGEMENTS),
    )


@router.post("/me/applications/{application_id}/evidence")
async def my_evidence(request: Request, application_id: str) -> Response:
    account = signed_in(request, "registrant")
    found = _my_application(request, account, application_id)
    form = await form_of(request)
    ledger = _service(request).ledger
    here = f"/me/applications/{application_id}"
    return attempt(
        request,
        account,
        lambda: ledger.add_evidence(found, form.get("area"), form.get("text")),
        here,
        "Evidence added.",
        here,
    )


@router.post("/me/applications/{application_id}/submit")
async def my_submit(request: Request, application_id: str) -> Response:
    account = signed_in(request, "registrant")
    found = _my_application(request, account, application_id)
    await form_of(request)
    ledger = _service(request).ledger
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
async def my_ppd(request: Request) -> Response:
    from datetime import date

    account = signed_in(request, "registrant")
    form = await form_of(request)
    ledger = _service(request).ledger
    areas = form.get("areas") or []
    areas = [areas] if isinstance(areas, str) else areas

    def act() -> None:
        try:
            on = date.fromisoformat(str(form.get("on")))
            hours = float(str(form.get("hours")))
        except ValueError:
            from ledger.domain.errors import InvalidInput

            raise InvalidInput("on/hours", "give the date as YYYY-MM-DD and the hours as a number") from None
        ledger.record_ppd(
            account.registrant_id,
            on,
            form.get("category"),
            hours,
            areas,  # type: ignore[arg-type]
            form.get("learned"),
            form.get("impact"),
        )

    return attempt(request, account, act, "/me#ppd", "PPD activity recorded.", "/me#ppd")


@router.post("/me/renewal")
async def my_renewal(request: Request) -> Response:
    account = signed_in(request, "registrant")
    await form_of(request)
    ledger = _service(request).ledger
    return attempt(
        request,
        account,
        lambda: ledger.submit_renewal(account.registrant_id),  # type: ignore[arg-type]
        "/me#renewal",
        "Renewal submitted.",
        "/me#renewal",
    )


@router.post("/me/background")
async def my_background(request: Request) -> Response:
    account = signed_in(request, "registrant")
    form = await form_of(request)
    ledger = _service(request).ledger
    answers = {q.id: form.get(q.id) for q in background.QUESTIONS.values() if form.get(q.id)}
    return attempt(
        request,
        account,
        lambda: ledger.answer_background(account.registrant_id, answers or None),  # type: ignore[arg-type]
        "/me#background",
        "Thank you: your answers are saved.",
        "/me#background",
    )


@router.post("/me/career-break")
async def my_career_break(request: Request) -> Response:
    from datetime import date

    account = signed_in(request, "registrant")
    form = await form_of(request)
    ledger = _service(request).ledger

    def act() -> None:
        try:
            start, end = date.fromisoformat(str(form.get("start"))), date.fromisoformat(str(form.get("end")))
        except ValueError:
            from ledger.domain.errors import InvalidInput

            raise InvalidInput("start/end", "give both dates as YYYY-MM-DD") from None
        ledger.take_career_break(account.registrant_id, start, end)  # type: ignore[arg-type]

    return attempt(
        request,
        account,
        act,
        "/me#career-break",
        "Career break recorded: the PPD requirement is paused for the renewals it overlaps.",
        "/me#career-break",
    )


# -- PPD audits, one page for every role that may see the audit
def _audit_page(request: Request, account: Account, number: str, year: int, role: str, here: str) -> Response:
    from ledger.domain.aggregates.ppd_audit import OUTCOME_NAMES

    ledger = _service(request).ledger
    registrant = reachable_audit(ledger, account, number, year)
    view = audit_view(ledger, registrant, year)
    ppd = ledger.registration(registrant).ppd if role == "registrant" else []
    rules = ledger.framework.rules
    return render(
        request,
        "audit.html",
        audit=view,
        role=role,
        here=here,
        ppd=ppd,
        judgements=JUDGEMENTS,
        judgement_names=dict(JUDGEMENTS),
        outcome_names=OUTCOME_NAMES,
        category_names=rules.ppd_category_names,
    )


@router.get("/me/audits/{number}/{year}", response_class=HTMLResponse)
def my_audit(request: Request, number: str, year: int = AuditYear) -> Response:
    account = signed_in(request, "registrant")
    return _audit_page(request, account, number, year, "registrant", f"/me/audits/{number}/{year}")


@router.post("/me/audits/{number}/{year}/{action}")
async def my_audit_action(request: Request, number: str, action: str, year: int = AuditYear) -> Response:
    account = signed_in(request, "registrant")
    ledger = _service(request).ledger
    registrant = reachable_audit(ledger, account, number, year)
    form = await form_of(request)
    here = f"/me/audits/{number}/{year}"
    chosen = form.get("activities") or []
    actions = {
        "profile": (
            lambda: ledger.submit_audit_profile(
                registrant,
                year,
                form.get("summary"),
                form.get("statement"),  # type: ignore[arg-type]
                [chosen] if isinstance(chosen, str) else chosen,
                form.get("evidence"),
            ),
            "Your PPD profile was sent.",
        ),
        "appeal": (
            lambda: ledger.appeal_audit(registrant, year, form.get("grounds")),  # type: ignore[arg-type]
            "Your appeal was lodged: your registration stays as it is while it is heard.",
        ),
    }
    if action not in actions:
        raise Problem(404, f"no action {action}")
    act, message = actions[action]
    return attempt(request, account, act, here, message, here)


# -- the assessor
@router.get("/assess", response_class=HTMLResponse)
def assessor_page(request: Request) -> Response:
    account = signed_in(request, "assessor")
    with _service(request).ledger.engine.connect() as conn:
        rows = casework_queue(conn, assessor=account.assessor_id.hex, limit=500)  # type: ignore[union-attr]
        audits = audit_queue(conn, assessor_id=account.assessor_id.hex)  # type: ignore[union-attr]
    return render(request, "assess_list.html", rows=[{**r, "id": str(UUID(r["id"]))} for r in rows], audits=audits)


@router.get("/assess/audits/{number}/{year}", response_class=HTMLResponse)
def assess_audit(request: Request, number: str, year: int = AuditYear) -> Response:
    account = signed_in(request, "assessor")
    return _audit_page(request, account, number, year, "assessor", f"/assess/audits/{number}/{year}")


@router.post("/assess/audits/{number}/{year}")
async def assess_audit_submit(request: Request, number: str, year: int = AuditYear) -> Response:
    account = signed_in(request, "assessor")
    ledger = _service(request).ledger
    registrant = reachable_audit(ledger, account, number, year)
    form = await form_of(request)
    judgements = {s: form.get(f"standard_{s}") for s in ledger.framework.rules.audit_standards}
    here = f"/assess/audits/{number}/{year}"
    return attempt(
        request,
        account,
        lambda: ledger.judge_audit(registrant, year, account.assessor_id, judgements, form.get("feedback")),  # type: ignore[arg-type]
        "/assess",
        "Audit judgement recorded.",
        here,
    )


def _assigned(request: Request, account: Account, application_id: str) -> UUID:
    return reachable_application(_service(request).ledger, account, application_id)


@router.get("/assess/{application_id}", response_class=HTMLResponse)
def assess_page(request: Request, application_id: str) -> Response:
    account = signed_in(request, "assessor")
    found = _assigned(request, account, application_id)
    ledger = _service(request).ledger
    view = application_view(ledger, found)
    return render(
        request,
        "assess.html",
        app=view,
        areas=ledger.framework.required_areas(view["level"]),
        judgements=JUDGEMENTS,
    )


@router.post("/assess/{application_id}")
async def assess_submit(request: Request, application_id: str) -> Response:
    account = signed_in(request, "assessor")
    found = _assigned(request, account, application_id)
    form = await form_of(request)
    ledger = _service(request).ledger
    level = ledger.application(found).level
    judgements = {a.code: form.get(f"area_{a.code}") for a in ledger.framework.required_areas(level)}
    return attempt(
        request,
        account,
        lambda: ledger.record_assessment(
            found, account.assessor_id, judgements, form.get("recommendation"), form.get("feedback")
        ),  # type: ignore[arg-type]
        "/assess",
        "Assessment recorded.",
        f"/assess/{application_id}",
    )


# -- the registrar (the auditor and admin read)
@router.get("/casework", response_class=HTMLResponse)
def casework_page(request: Request, status: str = "") -> Response:
    signed_in(request, "registrar", "auditor", "admin")
    service = _service(request)
    with service.ledger.engine.connect() as conn:
        counts = casework_counts(conn)
        rows = casework_queue(conn, status=status[:24] or None, limit=200)
        names = {"requests": name_change_requests(conn), "look_alike": confusable_groups(conn)}
    return render(
        request,
        "casework.html",
        counts=counts,
        status=status,
        rows=[{**r, "id": str(UUID(r["id"]))} for r in rows],
        background=_background_work(service),
        names=names,
    )


def _background_work(service: Any) -> dict[str, Any]:
    """What the registrar should know of the worker: parked events (with the registration they concern, where
    there is one), how far behind the followers are, and whether any worker is running."""
    from sqlalchemy import select

    from ledger.processes.status import progress
    from ledger.read.projections.register import registrations

    facts = progress(service.ledger)
    ids = {p["record"] for p in facts["parked"]}
    with service.ledger.engine.connect() as conn:
        numbers = (
            dict(
                conn.execute(
                    select(registrations.c.id, registrations.c.number).where(
                        registrations.c.id.in_([UUID(i).hex for i in ids])
                    )
                ).all()
            )
            if ids
            else {}
        )
    parked = [{**p, "number": numbers.get(UUID(p["record"]).hex)} for p in facts["parked"]]
    behind = max((f["lag_events"] for f in facts["followers"]), default=0)
    waited = max((f["lag_seconds"] or 0 for f in facts["followers"]), default=0)
    return {"parked": parked, "behind": behind, "waited": waited, "workers": len(facts["workers"])}


@router.get("/casework/audits", response_class=HTMLResponse)
def casework_audits(request: Request, stage: str = "") -> Response:
    signed_in(request, "registrar", "auditor", "admin")
    with _service(request).ledger.engine.connect() as conn:
        rows = audit_queue(conn, stage=stage[:24] or None)
    return render(request, "audits.html", rows=rows, base="/casework/audits", heading="PPD audits")


@router.get("/casework/audits/{number}/{year}", response_class=HTMLResponse)
def casework_audit(request: Request, number: str, year: int = AuditYear) -> Response:
    account = signed_in(request, "registrar", "auditor", "admin")
    return _audit_page(
        request,
        account,
        number,
        year,
        "registrar" if account.role == "registrar" else "reader",
        f"/casework/audits/{number}/{year}",
    )


@router.post("/casework/audits/{number}/{year}/{action}")
async def casework_audit_action(request: Request, number: str, action: str, year: int = AuditYear) -> Response:
    account = signed_in(request, "registrar")
    ledger = _service(request).ledger
    registrant = reachable_audit(ledger, account, number, year)
    form = await form_of(request)
    here = f"/casework/audits/{number}/{year}"
    reasons = str(form.get("reasons") or "")

    def assign() -> None:
        from ledger.domain.errors import InvalidInput

        try:
            assessor = UUID(str(form.get("assessor_id")).strip())
        except ValueError:
            raise InvalidInput("assessor_id", "give the assessor's id") from None
        ledger.assign_audit_assessor(registrant, year, assessor, account.email)

    actions = {
        "assign": (assign, "Assessor assigned."),
        "decision": (
            lambda: ledger.decide_audit(registrant, year, str(form.get("outcome") or ""), reasons, account.email),
            "Audit decided.",
        ),
        "appeal-decision": (
            lambda: ledger.decide_audit_appeal(registrant, year, form.get("upheld") == "yes", reasons, account.email),
            "Appeal decided.",
        ),
    }
    if action not in actions:
        raise Problem(404, f"no action {action}")
    act, message = actions[action]
    return attempt(request, account, act, here, message, here)


@router.get("/casework/{application_id}", response_class=HTMLResponse)
def casework_application(request: Request, application_id: str) -> Response:
    account = signed_in(request, "registrar", "auditor", "admin")
    ledger = _service(request).ledger
    view = application_view(ledger, reachable_application(ledger, account, application_id))
    from ledger.read.projections.casework import assessors as assessors_table

    with ledger.engine.connect() as conn:
        from sqlalchemy import select

        pool = [
            {"id": str(UUID(r.id)), "name": r.name}
            for r in conn.execute(
                select(assessors_table).where(assessors_table.c.active.is_(True)).order_by(assessors_table.c.name)
            )
        ]
    return render(
        request,
        "casework_application.html",
        app=view,
        pool=pool,
        can_write=account.role == "registrar",
        areas=ledger.framework.required_areas(view["level"]),
        judgements=dict(JUDGEMENTS),
    )


@router.get("/admin/accounts", response_class=HTMLResponse)
def accounts_page(request: Request) -> Response:
    account = signed_in(request, "admin")
    accounts = _service(request).accounts
    rows = [{"email": a.email, "role": a.role, "disabled": accounts.is_disabled(a.email)} for a in accounts.all()]
    return render(request, "accounts.html", accounts=rows, account=account)


@router.post("/admin/accounts/{action}")
async def account_action(request: Request, action: str) -> Response:
    account = signed_in(request, "admin")
    form = await form_of(request)
    email = str(form.get("email") or "")
    accounts = _service(request).accounts
    if action not in ("disable", "enable"):
        raise Problem(404, "the account actions are disable and enable")
    if email.strip().lower() == account.email:
        return back(
            "/admin/accounts", "You cannot disable your own account (another admin can).", request=request, error=True
        )
    try:
        found = await run_in_threadpool(accounts.disable if action == "disable" else accounts.enable, email)
    except LedgerError as error:
        return back("/admin/accounts", str(error), request=request, error=True)
    said = "disabled: its sessions and tokens have ended" if action == "disable" else "enabled"
    return back("/admin/accounts", f"{found.email} {said}.", request=request)


@router.post("/casework/name-change/{registrant_id}")
async def casework_name_change(request: Request, registrant_id: str) -> Response:
    account = signed_in(request, "registrar")
    form = await form_of(request)
    ledger = _service(request).ledger
    try:
        found = UUID(registrant_id)
    except ValueError:
        raise Problem(404, f"no registrant {registrant_id}") from None
    approved = form.get("decision") == "approve"
    return attempt(
        request,
        account,
        lambda: ledger.decide_name_change(found, approved, str(form.get("reason") or ""), account.email),
        "/casework",
        "Name change approved." if approved else "Name change refused.",
        "/casework",
    )


@router.post("/casework/{application_id}/assign")
async def casework_assign(request: Request, application_id: str) -> Response:
    account = signed_in(request, "registrar")
    form = await form_of(request)
    ledger = _service(request).ledger
    here = f"/casework/{application_id}"
    try:
        found, assessor = UUID(application_id), UUID(str(form.get("assessor_id")))
    except ValueError:
        return back(here, "Choose an assessor.", request=request, error=True)
    return attempt(
        request,
        account,
        lambda: ledger.assign_assessor(found, assessor, form.get("declaration")),
        here,
        "Assessor assigned.",
        here,
    )


@router.post("/casework/{application_id}/decide")
async def casework_decide(request: Request, application_id: str) -> Response:
    account = signed_in(request, "registrar")
    form = await form_of(request)
    ledger = _service(request).ledger
    here = f"/casework/{application_id}"
    try:
        found = UUID(application_id)
    except ValueError:
        raise Problem(404, f"no application {application_id}") from None
    return attempt(
        request,
        account,
        lambda: ledger.decide(found, form.get("outcome"), form.get("reasons") or "", account.email),
        here,
        "Decision recorded.",
        here,
    )


@router.post("/casework/{application_id}/appeal-decision")
async def casework_appeal(request: Request, application_id: str) -> Response:
    account = signed_in(request, "registrar")
    form = await form_of(request)
    ledger = _service(request).ledger
    here = f"/casework/{application_id}"
    try:
        found = UUID(application_id)
    except ValueError:
        raise Problem(404, f"no application {application_id}") from None
    upheld = form.get("upheld") == "yes"
    remedy = (form.get("remedy") or None) if upheld else None
    return attempt(
        request,
        account,
        lambda: ledger.decide_appeal(found, upheld, form.get("reasons") or "", account.email, remedy),
        here,
        "Appeal decided.",
        here,
    )


@router.get("/casework/registrations/{number}", response_class=HTMLResponse)
def casework_registration(request: Request, number: str) -> Response:
    account = signed_in(request, "registrar", "auditor", "admin")
    ledger = _service(request).ledger
    try:
        registrant = ledger.registrant_by_number(number)
    except LedgerError:
        raise Problem(404, f"no registration numbered {number}") from None
    return render(
        request,
        "casework_registration.html",
        record=registrant_view(ledger, registrant, personal=False),
        can_write=account.role == "registrar",
    )


@router.post("/casework/registrations/{number}/{action}")
async def casework_registration_action(request: Request, number: str, action: str) -> Response:
    account = signed_in(request, "registrar")
    form = await form_of(request)
    ledger = _service(request).ledger
    here = f"/casework/registrations/{number}"
    try:
        registrant = ledger.registrant_by_number(number)
    except LedgerError:
        raise Problem(404, f"no registration numbered {number}") from None
    reason = str(form.get("reason") or "")
    actions = {
        "suspend": (lambda: ledger.suspend(registrant, reason, account.email), "Suspended."),
        "lift-suspension": (lambda: ledger.lift_suspension(registrant, account.email), "Suspension lifted."),
        "remove": (lambda: ledger.remove(registrant, reason, account.email), "Removed from the register."),
        "renew": (lambda: ledger.renew(registrant, account.email), "Renewed."),
        "reinstate": (lambda: ledger.reinstate(registrant, account.email), "Reinstated."),
    }
    if action not in actions:
        raise Problem(404, f"no action {action}")
    act, message = actions[action]
    return attempt(request, account, act, here, message, here)


def install_redirects(app: Any) -> None:
    @app.exception_handler(_Redirect)
    async def _redirect(request: Request, error: _Redirect) -> Response:
        return RedirectResponse(error.url, status_code=303)
