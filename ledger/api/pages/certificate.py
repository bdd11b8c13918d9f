"""The printable certificate of registration, ``/r/NUMBER/certificate.pdf``: an A4 PDF offered on a registrant's
public page while the registration is current (what it says and how it is drawn: ``ledger.reports.certificate``)."""

from __future__ import annotations

from functools import lru_cache

from fastapi import APIRouter
from fastapi.responses import Response

from ledger.api.deps import ServiceDep, public_rate
from ledger.api.problems import Problem
from ledger.domain.errors import InvalidInput
from ledger.reports.certificate import CertificateFacts, certificate_facts, certificate_pdf, filename

router = APIRouter(include_in_schema=False)

drawn = lru_cache(maxsize=32)(certificate_pdf)
"""Drawing takes a fifth of a second: the same facts (the same person, registration, credential and day) give the
same document, so the last few drawn are kept (a changed fact is a new key: nothing stale is served)."""


@router.get("/r/{number}/certificate.pdf", dependencies=[public_rate])
def certificate(service: ServiceDep, number: str) -> Response:
    """The certificate, downloaded as ``NUMBER-certificate.pdf``: 404 for a malformed, unknown or erased number,
    409 while the registration is not current (suspended, lapsed, removed, resigned)."""
    try:
        facts: CertificateFacts = certificate_facts(service.ledger, number)
    except InvalidInput as error:
        raise Problem(404, error.message) from None
    return Response(
        drawn(facts),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename(facts.number)}"'},
    )
