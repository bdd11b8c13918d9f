"""An application from draft to decision, as its applicant follows it: a task list of the competency areas the level
asks for (each not started, or done); each area's evidence on a page of its own, with the area's title and what it
asks at the level, saving back to the task list; "check your answers" before sending, which names each area still
without evidence and links to it; and, once sent, what was entered, where it stands and, when decided, the outcome
and the assessors' feedback.

Evidence files are another feature's (``ledger.read.evidence_files``, the ``_evidence_files.html`` partial): shown
here when that feature is installed."""

from __future__ import annotations

from importlib.util import find_spec
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ledger.api.deps import LedgerDep
from ledger.api.pages.forms import form_of, parse_form, write
from ledger.api.pages.me.asking import problems
from ledger.api.pages.me.standing import Enrolled, registrant_of, render_me, standing_of
from ledger.api.pages.render import JUDGEMENTS, back, templates
from ledger.api.problems import Problem
from ledger.api.schemas.applications import Evidence, EvidenceText
from ledger.api.security import reachable_application
from ledger.api.service import Behind
from ledger.domain.errors import LedgerError
from ledger.domain.statuses import ApplicationStatus
from ledger.read.views import application_view

router = APIRouter(include_in_schema=False)
EDITABLE = (ApplicationStatus.DRAFT, ApplicationStatus.INFORMATION_REQUESTED)


def files_feature() -> bool:
    """Evidence files are installed (their read side and their partial template)."""
    try:
        templates.env.get_template("_evidence_files.html")
    except Exception:  # noqa: BLE001 - jinja2's TemplateNotFound: the feature is not here
        return False
    return find_spec("ledger.read.evidence_files") is not None


def _files(ledger: Any, application_id: UUID) -> dict[str, list[dict[str, Any]]] | None:
    if not files_feature():
        return None
    from ledger.read.evidence_files import files_of

    grouped: dict[str, list[dict[str, Any]]] = {}
    for file in files_of(ledger, application_id):
        grouped.setdefault(file["area"], []).append(file)
    return grouped


def _application(ledger: Any, account: Any, application_id: str) -> tuple[UUID, dict[str, Any]]:
    found = reachable_application(ledger, account, application_id)
    return found, application_view(ledger, found)


def _tasks(ledger: Any, view: dict[str, Any], files: dict[str, list[Any]] | None) -> list[dict[str, Any]]:
    """Each area the level asks for, with its evidence (and files) and whether it is done."""
    level = view["level"]
    tasks = []
    for area in ledger.framework.required_areas(level):
        evidence = [e for e in view["evidence"] if e["area"] == area.code]
        area_files = (files or {}).get(area.code, [])
        tasks.append(
            {
                "area": area,
                "descriptor": area.descriptor(level),
                "evidence": evidence,
                "files": area_files,
                "done": bool(evidence or area_files),
            }
        )
    return tasks


def _context(ledger: Any, application_id: UUID, view: dict[str, Any]) -> dict[str, Any]:
    files = _files(ledger, application_id)
    return {
        "app": view,
        "level": ledger.framework.level(view["level"]),
        "route": ledger.framework.route(view["route"]),
        "tasks": _tasks(ledger, view, files),
        "editable": view["status"] in EDITABLE,
        "judgements": dict(JUDGEMENTS),
        "outcome_names": ledger.framework.rules.outcome_names,
        "files_shown": files is not None,
    }


@router.get("/me/applications/{application_id}", response_class=HTMLResponse)
def application_page(request: Request, ledger: LedgerDep, application_id: str, account: Enrolled) -> Response:
    found, view = _application(ledger, account, application_id)
    standing = standing_of(ledger, registrant_of(account))
    return render_me(request, "application.html", standing, request.url.path, **_context(ledger, found, view))


def _area_of(ledger: Any, view: dict[str, Any], code: str) -> Any:
    area = next((a for a in ledger.framework.required_areas(view["level"]) if a.code == code), None)
    if area is None:
        raise Problem(404, f"{view['level']} asks for no competency area {code}")
    return area


def _area_page(
    request: Request, ledger: Any, account: Any, found: UUID, view: dict[str, Any], code: str, **extra: Any
) -> Response:
    area = _area_of(ledger, view, code)
    files = _files(ledger, found)
    context = {
        "app": view,
        "area": area,
        "code": area.code,
        "descriptor": area.descriptor(view["level"]),
        "level": ledger.framework.level(view["level"]),
        "evidence": [e for e in view["evidence"] if e["area"] == area.code],
        "editable": view["status"] in EDITABLE,
    }
    if files is not None:  # the evidence files partial's context
        context["files"] = files.get(area.code, [])
    standing = standing_of(ledger, registrant_of(account))
    here = f"/me/applications/{view['id']}"
    return render_me(request, "me_area.html", standing, here, extra.pop("status_code", 200), **context, **extra)


@router.get("/me/applications/{application_id}/areas/{code}", response_class=HTMLResponse)
def area_page(request: Request, ledger: LedgerDep, application_id: str, code: str, account: Enrolled) -> Response:
    found, view = _application(ledger, account, application_id)
    return _area_page(request, ledger, account, found, view, code, values={})


@router.post("/me/applications/{application_id}/areas/{code}")
async def add_evidence(
    request: Request, ledger: LedgerDep, application_id: str, code: str, account: Enrolled
) -> Response:
    found, view = _application(ledger, account, application_id)
    area = _area_of(ledger, view, code)
    form = await form_of(request)

    def act() -> None:
        body = parse_form(Evidence, {"area": area.code, "text": form.get("text")})
        ledger.add_evidence(found, body.area, body.text)

    try:
        write(request, account, act)
    except Behind:
        pass
    except LedgerError as error:
        errors = problems(
            error,
            {"text": "Your evidence"},
            empty={"text": f"Describe your evidence for area {area.code}, {area.title}"},
            values=form,
            form_field="text",
        )
        view = application_view(ledger, found)
        return _area_page(request, ledger, account, found, view, code, values=form, errors=errors, status_code=422)
    return back(
        f"/me/applications/{application_id}#area-{area.code}",
        f"Evidence for area {area.code}, {area.title}, saved.",
        request=request,
    )


def _item(view: dict[str, Any], evidence_id: str) -> dict[str, Any]:
    item: dict[str, Any] | None = next((e for e in view["evidence"] if e["id"] == evidence_id), None)
    if item is None:
        raise Problem(404, "this application has no such evidence (it may have been deleted already)")
    return item


def _item_page(
    request: Request, ledger: Any, account: Any, view: dict[str, Any], item: dict[str, Any], **extra: Any
) -> Response:
    area = _area_of(ledger, view, item["area"])
    standing = standing_of(ledger, registrant_of(account))
    here = f"/me/applications/{view['id']}"
    context = {"app": view, "area": area, "item": item, "editable": view["status"] == ApplicationStatus.DRAFT}
    context.setdefault("values", {"text": item["text"]})
    context.update(extra)
    status_code = context.pop("status_code", 200)
    return render_me(request, "me_evidence_item.html", standing, here, status_code, **context)


@router.get("/me/applications/{application_id}/evidence/{evidence_id}", response_class=HTMLResponse)
def item_page(
    request: Request, ledger: LedgerDep, application_id: str, evidence_id: str, account: Enrolled
) -> Response:
    _, view = _application(ledger, account, application_id)
    return _item_page(request, ledger, account, view, _item(view, evidence_id))


@router.post("/me/applications/{application_id}/evidence/{evidence_id}")
async def change_item(
    request: Request, ledger: LedgerDep, application_id: str, evidence_id: str, account: Enrolled
) -> Response:
    form = await form_of(request)  # the form's token first: nothing is looked up for a forged form
    found, view = _application(ledger, account, application_id)
    item = _item(view, evidence_id)

    def act() -> None:
        ledger.change_evidence(found, UUID(item["id"]), parse_form(EvidenceText, {"text": form.get("text")}).text)

    try:
        write(request, account, act)
    except Behind:
        pass
    except LedgerError as error:
        errors = problems(
            error, {"text": "Your evidence"}, empty={"text": "Describe your evidence"}, values=form, form_field="text"
        )
        return _item_page(request, ledger, account, view, item, values=form, errors=errors, status_code=422)
    return back(f"/me/applications/{application_id}/areas/{item['area']}", "Your evidence is changed.", request=request)


@router.post("/me/applications/{application_id}/evidence/{evidence_id}/delete")
async def delete_item(
    request: Request, ledger: LedgerDep, application_id: str, evidence_id: str, account: Enrolled
) -> Response:
    await form_of(request)  # the form's token first
    found, view = _application(ledger, account, application_id)
    item = _item(view, evidence_id)
    area = f"/me/applications/{application_id}/areas/{item['area']}"
    try:
        write(request, account, lambda: ledger.remove_evidence(found, UUID(item["id"])))
    except Behind:
        pass
    except LedgerError as error:
        return back(area, str(error)[:1].upper() + str(error)[1:], request=request, error=True)
    return back(area, "That evidence is deleted.", request=request)


@router.get("/me/applications/{application_id}/check", response_class=HTMLResponse)
def check_page(request: Request, ledger: LedgerDep, application_id: str, account: Enrolled) -> Response:
    found, view = _application(ledger, account, application_id)
    if view["status"] not in EDITABLE:
        return back(f"/me/applications/{application_id}", request=request)
    standing = standing_of(ledger, registrant_of(account))
    here = f"/me/applications/{application_id}"
    return render_me(request, "me_check.html", standing, here, **_context(ledger, found, view))


@router.post("/me/applications/{application_id}/submit")
async def submit(request: Request, ledger: LedgerDep, application_id: str, account: Enrolled) -> Response:
    found, view = _application(ledger, account, application_id)
    await form_of(request)
    try:
        write(request, account, lambda: ledger.submit_application(found))
    except Behind:
        pass
    except LedgerError as error:
        standing = standing_of(ledger, registrant_of(account))
        context = _context(ledger, found, application_view(ledger, found))
        missing = [t for t in context["tasks"] if not t["done"]]
        errors = (
            {f"area-{t['area'].code}": f"Add evidence for area {t['area'].code}, {t['area'].title}" for t in missing}
            if missing
            else problems(error, {}, form_field="submit")
        )
        here = f"/me/applications/{application_id}"
        return render_me(request, "me_check.html", standing, here, 422, errors=errors, **context)
    return back(
        f"/me/applications/{application_id}",
        "Your application is sent. Two assessors will be assigned to it; you will hear from us by email.",
        request=request,
    )
