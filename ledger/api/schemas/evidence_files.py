"""An evidence file sent with an application: the competency area it evidences (the file itself is the multipart
body's ``file`` part, checked by its content in ``ledger.app.evidence_content``); and a file as it is listed."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field


class FileUpload(BaseModel):
    area: str = Field(min_length=1, max_length=4)


class EvidenceFileListed(BaseModel):
    id: str
    area: str
    name: str
    media_type: str
    kind: str
    bytes: int
    size: str
    added: date
