"""An application's evidence files over the JSON API: the registrant uploads (multipart: ``area`` and ``file``),
lists and removes them while the application allows; the registrant, the assessors assigned to the application and
the registrar list and download them.

Auditors and admins may not: an auditor checks that the register's history is whole and was not rewritten (the
events, their digests and the transparency log), which needs no one's documents, and an admin manages accounts. A
file is a person's own document (a CV, a certificate, photographs of work), shown to those who judge or decide the
application and no one else. Anyone else, including another registrant and an assessor not assigned, gets 404, as
if the application did not exist."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, File, Form, UploadFile
from fastapi.responses import Response

from ledger.api.deps import IdempotencyKey, LedgerDep, RegistrantAccount, ServiceDep, require, uuid_or_404
from ledger.api.pages.forms import parse_form
from ledger.api.problems import RESPONSES, Problem
from ledger.api.schemas.evidence_files import EvidenceFileListed, FileUpload
from ledger.api.security import reachable_application, readable_evidence
from ledger.api.uploads import file_response, upload_request
from ledger.app.accounts import Account
from ledger.app.evidence_files import FileGone
from ledger.read.evidence_files import files_of

router = APIRouter(prefix="/api/applications", tags=["evidence files"])
FILE_READERS = ("registrant", "assessor", "registrar")
FileReader = Annotated[Account, Depends(require(*FILE_READERS))]


def _own_application(ledger: LedgerDep, application_id: str, account: RegistrantAccount) -> UUID:
    return reachable_application(ledger, account, application_id)


def _readable_application(ledger: LedgerDep, application_id: str, account: FileReader) -> UUID:
    return readable_evidence(ledger, account, application_id)


OwnApplication = Annotated[UUID, Depends(_own_application)]
"""The registrant's own application, checked before the body is read: anyone else's is 404."""
ReadableApplication = Annotated[UUID, Depends(_readable_application)]


@router.post("/{application_id}/files")
def upload_file(
    service: ServiceDep,
    found: OwnApplication,
    account: RegistrantAccount,
    area: Annotated[str, Form(description="The competency area the file evidences (A, B, ...)")],
    file: Annotated[UploadFile, File(description="PDF, PNG, JPEG, plain text, .docx or .odt")],
    key: IdempotencyKey = None,
) -> EvidenceFileListed:
    """Attach a file as evidence for a competency area of a draft application (or one asked for more
    information). Its kind is judged by its content; the size and count limits are the service's settings."""
    body = parse_form(FileUpload, {"area": area})
    content, name = file.file.read(), file.filename or ""
    ledger = service.ledger
    answer = service.write(
        account,
        key,
        upload_request(str(found), body.area, name, content),
        lambda: {"id": str(ledger.attach_file(found, body.area, name, content))},
    )
    return _listed(files_of(ledger, found), answer["id"])


@router.get("/{application_id}/files")
def list_files(ledger: LedgerDep, found: ReadableApplication) -> list[EvidenceFileListed]:
    return [EvidenceFileListed(**f) for f in files_of(ledger, found)]


@router.get(
    "/{application_id}/files/{file_id}",
    response_class=Response,
    responses={
        200: {"description": "The file's content, as an attachment", "content": {"application/octet-stream": {}}},
        410: {**RESPONSES[404], "description": "Gone: its owner was erased (RFC 9457 problem details)"},
    },
)
def download_file(ledger: LedgerDep, found: ReadableApplication, file_id: str) -> Response:
    try:
        return file_response(ledger.evidence_file(found, uuid_or_404(file_id, "file")))
    except FileGone as error:
        raise Problem(410, str(error)) from None


@router.delete("/{application_id}/files/{file_id}")
def remove_file(
    service: ServiceDep, found: OwnApplication, account: RegistrantAccount, file_id: str, key: IdempotencyKey = None
) -> dict[str, Any]:
    """Remove a file from a draft application (to replace one, remove it and upload the new one)."""
    ledger, chosen = service.ledger, uuid_or_404(file_id, "file")
    return service.write(
        account,
        key,
        {"remove": str(found), "file": str(chosen)},
        lambda: (ledger.remove_file(found, chosen), {"removed": str(chosen)})[1],
    )


def _listed(files: list[dict[str, Any]], file_id: str) -> EvidenceFileListed:
    for found in files:
        if found["id"] == file_id:
            return EvidenceFileListed(**found)
    raise Problem(404, f"no file {file_id}: it was removed since")
