"""``POST /presentations/verify`` (the VC API, W3C VCALM): verify a verifiable presentation -- a ``vp+jwt``
(VC-JOSE-COSE section 3.1.2) or an ``EnvelopedVerifiablePresentation`` object (VC Data Model 2.0 section 4.13.2)
holding enveloped ``vc+jwt`` credentials -- with ``verifier.presentation`` against the register's trust bundle.

The body is VCALM's: ``{"verifiablePresentation": ..., "options": {"challenge": ..., "domain": ...}}``; the
challenge is compared with the presentation's ``nonce`` and the domain with its ``aud`` (given, a missing or other
value fails). The answer is ``ledger.api.vc_api.verification_answer``'s: ``200`` with ``verified: true`` when every
required check passed, else ``400`` with ``verified: false``, every check, and ``problemDetails``; beside them
``presentationResult`` (the signer and the one-sentence summary) and ``credentialResults`` (each credential's own
checks). A request that cannot be read (no presentation, options of the wrong shape) is a ``400`` naming the field."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Response

from ledger.api.deps import ServiceDep, public_rate
from ledger.api.vc_api import (
    CRYPTOGRAPHIC_SECURITY_ERROR,
    VERIFICATION_RESPONSES,
    input_problem,
    problem_detail,
    verification_answer,
)

router = APIRouter()
MAX_OPTION = 1000
PRESENTATION_PROBLEMS = {"holder key": CRYPTOGRAPHIC_SECURITY_ERROR}


@router.post("/presentations/verify", tags=["vc-api"], dependencies=[public_rate], responses=VERIFICATION_RESPONSES)
def verify_presentation(service: ServiceDep, body: Any = Body(...)) -> Response:
    """Verify a presentation (VC API): ``{"verifiablePresentation": <vp+jwt or EnvelopedVerifiablePresentation>,
    "options": {"challenge": "<the nonce you gave>", "domain": "<your name, the audience>"}}``. ``200`` verified,
    ``400`` not verified (every check and its problem details) or not readable."""
    from verifier.presentation import verify_presentation as check

    if not isinstance(body, dict):
        return input_problem("body", "must be a JSON object with verifiablePresentation")
    presentation = body.get("verifiablePresentation")
    if not isinstance(presentation, str | dict):
        return input_problem("verifiablePresentation", "must be a vp+jwt, or an EnvelopedVerifiablePresentation object")
    options = body.get("options", {})
    if options is None:
        options = {}
    if not isinstance(options, dict):
        return input_problem("options", "must be an object")
    asked: dict[str, str | None] = {}
    for name in ("challenge", "domain"):
        value = options.get(name)
        if value is not None and (not isinstance(value, str) or not 0 < len(value) <= MAX_OPTION):
            return input_problem(f"options.{name}", f"must be text of 1 to {MAX_OPTION} characters")
        asked[name] = value
    result = check(
        presentation,
        service.trust(),
        service.ledger.clock.now(),
        nonce=asked["challenge"],
        audience=asked["domain"],
    )
    return verification_answer(
        result.checks,
        verified=result.valid,
        problem_types=PRESENTATION_PROBLEMS,
        summary=result.summary,
        presentationResult={"holder": result.holder, "summary": result.summary},
        credentialResults=[
            {
                "verified": c.valid,
                "summary": c.summary,
                "checks": [x._asdict() for x in c.checks],
                "problemDetails": [problem_detail(x.name, x.reason) for x in c.checks if x.outcome == "fail"],
                "credentialSubject": c.to_json()["subject"],
                "statusAsOf": c.to_json()["status_as_of"],
            }
            for c in result.credentials
        ],
    )
