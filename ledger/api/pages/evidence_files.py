"""Evidence files on the pages: the registrant's "all my files" page for an application (each area's files, with an
upload form per area while files can be added), the upload and delete forms it and the area pages post (the
``_evidence_files.html`` partial), and the download every allowed reader's link leads to.

The forms take the same route as the API's (``ledger.app.evidence_files``): the content is judged by its bytes, the
limits are the service's settings, and a refused upload comes back with the error beside the file field (on this
page, 422 with the error summary) or, sent from another page that shows the partial, to that page with the message.
Downloads are for the registrant, the assessors assigned to the application and the registrar: see
``ledger.api.routes.evidence_files`` for why not auditors or admins."""

from __future__ import annotations

import hashlib
import re
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from ledger.api.deps import LedgerDep, RegistrantPage, signed_in, uuid_or_404
from ledger.api.pages.forms import errors_of, form_of, parse_form, write
from ledger.api.pages.render import back, render, templates
from ledger.api.problems import Problem
from ledger.api.routes.evidence_files import FILE_READERS
from ledger.api.schemas.evidence_files import FileUpload
from ledger.api.security import reachable_application, readable_evidence
from ledger.api.service import Behind
from ledger.api.uploads import file_response
from ledger.app.evidence_content import ACCEPT, KINDS_IN_WORDS
from ledger.app.evidence_files import FileGone
from ledger.domain.errors import InvalidInput, LedgerError
from ledger.read.evidence_files import files_by_area
from ledger.read.views import application_view

router = APIRouter(include_in_schema=False)
LABELS = {"file": "Your file", "area": "Competency area"}


def evidence_limits(request: Request) -> dict[str, Any]:
    """What the partial's upload form says and takes: the kinds (for ``accept`` and in words) and the limits."""
    settings = request.app.state.service.settings
    return {
        "accept": ACCEPT,
        "kinds": KINDS_IN_WORDS,
        "max_mb": settings.evidence_max_mb,
        "max_files": settings.evidence_max_files,
    }


templates.env.globals["evidence_limits"] = evidence_limits


def _here(application_id: UUID) -> str:
    return f"/me/applications/{application_id}/files"


def _back_to(value: Any, application_id: UUID) -> str:
    """Where a form goes back to: a page of this application's own (the partial says which), else this page."""
    pattern = rf"/me/applications/{application_id}(/[A-Za-z0-9_/-]*)?(#[A-Za-z0-9_-]*)?"
    if isinstance(value, str) and re.fullmatch(pattern, value) and "//" not in value:
        return value
    return _here(application_id)


def _files_page(request: Request, ledger: Any, found: UUID, status_code: int = 200, **context: Any) -> HTMLResponse:
    view = application_view(ledger, found)
    return render(
        request,
        "me_files.html",
        status_code,
        app=view,
        areas=ledger.framework.required_areas(view["level"]),
        level=ledger.framework.level(view["level"]),
        files=files_by_area(ledger, found),
        editable=view["status"] in ("draft", "information_requested"),
        **context,
    )


@router.get("/me/applications/{application_id}/files", response_class=HTMLResponse)
def my_files(request: Request, ledger: LedgerDep, application_id: str, account: RegistrantPage) -> Response:
    return _files_page(request, ledger, reachable_application(ledger, account, application_id))


@router.post("/me/applications/{application_id}/files")
async def upload_my_file(request: Request, ledger: LedgerDep, application_id: str, account: RegistrantPage) -> Response:
    found = reachable_application(ledger, account, application_id)
    form = await form_of(request)
    upload, area = form.get("file"), form.get("area")
    name = (upload.filename or "") if isinstance(upload, UploadFile) else ""
    content = await upload.read() if isinstance(upload, UploadFile) else b""
    # the form as its key's receipt compares it: the file by its name and a digest of its content
    request.state.form = {
        **{k: v for k, v in form.items() if k != "file"},
        "file": {"name": name, "sha256": hashlib.sha256(content).hexdigest()},
    }
    to = _back_to(form.get("back"), found)

    def act() -> dict[str, str]:
        body = parse_form(FileUpload, {"area": area})
        if not name and not content:
            raise InvalidInput("file", "choose a file to upload")
        return {"id": str(ledger.attach_file(found, body.area, name, content))}

    try:
        write(request, account, act)
    except LedgerError as error:
        if to.partition("#")[0] != _here(found):  # sent from another page that shows the partial
            return back(to, str(error), request=request, error=True)
        field = f"file-{area}" if isinstance(area, str) and re.fullmatch(r"[A-Z]{1,4}", area) else "form"
        found_errors = errors_of(error, LABELS, form_field=field)
        errors = {field if key in ("file", "area") else key: message for key, message in found_errors.items()}
        return _files_page(request, ledger, found, 422, errors=errors)
    except Behind:
        return back(to, f"{name} added. It may take a few seconds to show here.", request=request)
    return back(to, f"{name or 'The file'} added to area {area}.", request=request)


@router.post("/me/applications/{application_id}/files/delete")
async def delete_my_file(request: Request, ledger: LedgerDep, application_id: str, account: RegistrantPage) -> Response:
    found = reachable_application(ledger, account, application_id)
    form = await form_of(request)
    to = _back_to(form.get("back"), found)
    try:
        chosen = UUID(str(form.get("file")))
    except ValueError:
        return back(to, "Choose a file to delete.", request=request, error=True)

    try:
        write(request, account, lambda: (ledger.remove_file(found, chosen), {"removed": str(chosen)})[1])
    except LedgerError as error:
        return back(to, str(error)[:1].upper() + str(error)[1:], request=request, error=True)
    except Behind:
        pass
    return back(to, "File deleted.", request=request)


@router.get("/evidence/{application_id}/{file_id}")
def download_evidence(request: Request, ledger: LedgerDep, application_id: str, file_id: str) -> Response:
    """The file, for the registrant, an assessor assigned to the application, or the registrar (signed in on the
    pages); anyone else signed in gets 404 or 403, as on the API."""
    account = signed_in(request, *FILE_READERS)
    found = readable_evidence(ledger, account, application_id)
    try:
        return file_response(ledger.evidence_file(found, uuid_or_404(file_id, "file")))
    except FileGone as error:
        raise Problem(410, str(error)) from None
