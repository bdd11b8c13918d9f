"""Evidence files over HTTP, for the JSON routes and the pages alike: which requests may carry a file (and how large
a body they may send: every other request stays within ``ledger.api.main.MAX_BODY_BYTES``), reading the upload, and
the download's answer.

A file goes back as an attachment (never shown inline), in the media type recognised from its content when it was
taken, with ``X-Content-Type-Options: nosniff`` (the browser may not guess another type) and a sandboxing
``Content-Security-Policy`` (should a browser render it anyway, it runs no script and reaches nothing), and is not
kept in shared caches."""

from __future__ import annotations

import hashlib
import re
from typing import Any
from urllib.parse import quote

from fastapi.responses import Response

from ledger.app.evidence_files import MB, EvidenceFile
from ledger.settings import Settings

UPLOAD_PATHS = re.compile(r"^/(api/applications|me/applications)/[^/]+/files/?$")
ENVELOPE = 64 * 1024  # the multipart framing and the other fields around the file
DOWNLOAD_CSP = "sandbox; default-src 'none'; frame-ancestors 'none'"


def upload_body_limit(settings: Settings) -> int:
    """The body an upload may send: up to twice the largest file taken, so that a file somewhat too large reaches
    the form (which says the limit beside the field) rather than being cut off; anything larger is refused
    unread (413)."""
    return 2 * settings.evidence_max_mb * MB + ENVELOPE


def is_upload(scope: Any) -> bool:
    return scope.get("method") == "POST" and bool(UPLOAD_PATHS.match(scope.get("path", "")))


CSV_PATHS = re.compile(r"^/(org/verify|api/organisations/verify)/?$")
CSV_BODY_LIMIT = 2 * 256 * 1024 + ENVELOPE
"""A list of registration numbers to check (``ledger.app.bulk_verify``, 256 KB at most): up to twice that reaches the
checker, which names the limit, rather than the general 413."""


def is_csv_upload(scope: Any) -> bool:
    return scope.get("method") == "POST" and bool(CSV_PATHS.match(scope.get("path", "")))


def upload_request(application_id: str, area: Any, name: str, content: bytes) -> dict[str, Any]:
    """What an upload asked for, as the Idempotency-Key's receipt compares it (the content by its digest: the
    receipt keeps only an HMAC of this)."""
    return {"files": application_id, "area": area, "name": name, "sha256": hashlib.sha256(content).hexdigest()}


def content_disposition(name: str) -> str:
    """``attachment`` with the name: plain ASCII for old clients, and the exact name in RFC 5987 form."""
    plain = "".join(c if 32 <= ord(c) < 127 and c not in '"\\;' else "_" for c in name) or "file"
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(name, safe='')}"


def file_response(found: EvidenceFile) -> Response:
    return Response(
        found.content,
        media_type=found.media_type,
        headers={
            "Content-Disposition": content_disposition(found.name),
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": DOWNLOAD_CSP,
            "Cache-Control": "private, no-store",
        },
    )
