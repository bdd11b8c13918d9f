"""The shape of a VC API verification answer (W3C VCALM, ``POST /credentials/verify`` and ``POST
/presentations/verify``), shared by every verifying route so that each answers the same way.

What the specification gives, and what this module does with it:
- ``/credentials/verify`` answers ``200`` when the credential was verified and ``400`` otherwise (VCALM's
  OpenAPI: "200: Verifiable Credential successfully verified", "400: invalid input"). The W3C test suites and most VC
  API clients count only a non-2xx answer as a rejection, so a credential that does not verify is a ``400`` whose
  body is still the verification result: ``verified: false``, every check, and the problem details.
- The result (VCALM ``VerificationResult``) carries ``verified`` and ``problemDetails``; each problem detail has a
  ``type`` (a URL), a ``title`` and a ``detail`` (VCALM ``ProblemDetails``; RFC 9457). The types are those VC Data
  Model 2.0 section 7.2 (Problem Details) defines where one fits -- ``PARSING_ERROR``,
  ``CRYPTOGRAPHIC_SECURITY_ERROR``, ``MALFORMED_VALUE_ERROR`` -- and the register's own otherwise.
- VCALM's error handling section: errors are problem details about cryptography, the data model and malformed
  contexts; warnings are problem details about status and validity periods. Here ``checks`` lists every named check
  with its outcome (pass, fail, not checked) and reason, ``problemDetails`` one entry per failed check, and
  ``warnings`` the problem details of checks that could not be made (an unknown status type): a check that could
  not be made never lets ``verified`` be true when the caller says it matters.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from fastapi.responses import JSONResponse

VCDM_PROBLEMS = "https://www.w3.org/TR/vc-data-model#"
OWN_PROBLEMS = "https://regledger.invalid/problems/"
PARSING_ERROR = VCDM_PROBLEMS + "PARSING_ERROR"
CRYPTOGRAPHIC_SECURITY_ERROR = VCDM_PROBLEMS + "CRYPTOGRAPHIC_SECURITY_ERROR"
MALFORMED_VALUE_ERROR = VCDM_PROBLEMS + "MALFORMED_VALUE_ERROR"
PROBLEM_TYPES: dict[str, str] = {
    "format": PARSING_ERROR,
    "header": CRYPTOGRAPHIC_SECURITY_ERROR,
    "key known": CRYPTOGRAPHIC_SECURITY_ERROR,
    "key valid": CRYPTOGRAPHIC_SECURITY_ERROR,
    "signature": CRYPTOGRAPHIC_SECURITY_ERROR,
    "data model": MALFORMED_VALUE_ERROR,
    "issuer": MALFORMED_VALUE_ERROR,
    "envelope": PARSING_ERROR,
}
"""The problem type of each named check that fails; a check not named here gets the register's own type
(``https://regledger.invalid/problems/<check-name>``)."""


PROBLEM_DETAIL_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "detail"],
    "properties": {"type": {"type": "string"}, "title": {"type": "string"}, "detail": {"type": "string"}},
}
VERIFICATION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["verified", "checks", "problemDetails", "warnings"],
    "properties": {
        "verified": {"type": "boolean"},
        "checks": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "outcome", "reason"],
                "properties": {
                    "name": {"type": "string"},
                    "outcome": {"type": "string", "enum": ["pass", "fail", "not checked"]},
                    "reason": {"type": "string"},
                },
            },
        },
        "problemDetails": {"type": "array", "items": PROBLEM_DETAIL_SCHEMA},
        "warnings": {"type": "array", "items": PROBLEM_DETAIL_SCHEMA},
    },
}
VERIFICATION_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "Verified", "content": {"application/json": {"schema": VERIFICATION_SCHEMA}}},
    400: {
        "description": "Not verified, or the request cannot be read (then ``errors`` names the field): the "
        "verification result, not a problem document",
        "content": {"application/json": {"schema": VERIFICATION_SCHEMA}},
    },
}
"""What a verifying route answers, for its OpenAPI document: ``@router.post(..., responses=VERIFICATION_RESPONSES)``
(the application's own 400 is a problem document; a verification's is this)."""


def problem_type(check: str, types: Mapping[str, str] | None = None) -> str:
    """The problem type URL for a failed check called ``check``."""
    found = (types or {}).get(check) or PROBLEM_TYPES.get(check)
    return found or OWN_PROBLEMS + check.replace(" ", "-")


def problem_detail(check: str, detail: str, types: Mapping[str, str] | None = None) -> dict[str, str]:
    """One VCALM ``ProblemDetails`` object: ``type`` (a URL), ``title`` (the check's name), ``detail`` (why)."""
    return {"type": problem_type(check, types), "title": check, "detail": detail}


def verification_answer(
    checks: Iterable[tuple[str, str, str]],
    *,
    verified: bool,
    warnings: Iterable[tuple[str, str]] = (),
    problem_types: Mapping[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """The VC API answer to a verification: ``200`` with ``verified: true`` only when ``verified`` is true and no
    check failed; otherwise ``400`` with ``verified: false``.

    ``checks``: each ``(name, outcome, reason)`` in order (``verifier.result.Check`` is one); outcome is ``pass``,
    ``fail`` or ``not checked``. ``warnings``: ``(name, reason)`` of each check that could not be made and matters
    (each becomes a problem detail in ``warnings``). ``problem_types``: problem type URLs for check names this module
    does not know (a presentation's own checks). ``extra``: further members of the body (``credentialSubject``,
    ``summary``, ``verifiablePresentation`` ...), after the standard ones."""
    listed = [{"name": name, "outcome": outcome, "reason": reason} for name, outcome, reason in checks]
    problems = [problem_detail(c["name"], c["reason"], problem_types) for c in listed if c["outcome"] == "fail"]
    warned = [problem_detail(name, reason, problem_types) for name, reason in warnings]
    ok = verified and not problems
    body = {"verified": ok, "checks": listed, "problemDetails": problems, "warnings": warned, **extra}
    return JSONResponse(body, status_code=200 if ok else 400)


def input_problem(field: str, detail: str, check: str = "format") -> JSONResponse:
    """The ``400`` answer to a verification request that could not be read at all (a malformed envelope, options of
    the wrong shape): ``verified: false``, one failed check naming the field, and its problem detail; ``errors``
    names the field as the register's other problem answers do."""
    return verification_answer(
        [(check, "fail", f"{field}: {detail}")],
        verified=False,
        errors=[{"field": field, "detail": detail}],
    )
