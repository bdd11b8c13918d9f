"""Credentials: the registrant's own, the VC API (W3C VCALM: verify, public; issue, admin) and the credentials it
signed, and the issuer keys."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Request
from fastapi.responses import JSONResponse

from ledger.api.deps import (
    AdminAccount,
    IdempotencyKey,
    LedgerDep,
    RegistrantAccount,
    ServiceDep,
    own_registrant,
    public_rate,
    require,
    uuid_or_404,
)
from ledger.api.problems import Problem
from ledger.api.vc_api import VERIFICATION_RESPONSES, input_problem, verification_answer
from ledger.app.accounts import Account
from ledger.domain.errors import InvalidInput, LedgerError
from ledger.read.views import registrant_view

router = APIRouter()
VC_JWT_PREFIX = "data:application/vc+jwt,"
VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"


@router.get("/api/credentials", tags=["registrant"])
def my_credential(ledger: LedgerDep, account: RegistrantAccount) -> dict[str, Any]:
    """Your newest credential: the signed file, the badge link and the LinkedIn link, and whether it was withdrawn
    (``withdrawn``: a suspension, lapse, resignation or removal revokes it for good; a registration back in good
    standing gets a new one)."""
    from ledger.read.sharing import current_credential

    view = registrant_view(ledger, own_registrant(account), personal=False)
    if not view["registration"]:
        raise Problem(404, "you hold no registration yet")
    shared = current_credential(ledger, view["registration"]["number"])
    return {
        "number": shared.number,
        "level": shared.level,
        "jwt": shared.full,
        "badge_url": shared.badge_url,
        "linkedin": shared.linkedin(ledger.settings.issuer_name),
        "withdrawn": shared.withdrawn,
    }


# -- VC API (W3C VCALM)
ENVELOPE_TYPE = "EnvelopedVerifiableCredential"
MEDIA_TYPES = {
    "application/vc+jwt": None,
    "application/vc+ld+json+jwt": "the media type of an earlier draft; VC-JOSE-COSE names application/vc+jwt",
    "application/vc+sd-jwt": "SD-JWT credentials are not verified here, only application/vc+jwt",
    "application/vc+cose": "COSE credentials are not verified here, only application/vc+jwt",
}
"""The media types of an enveloped credential's data: URL: ``None`` for the one verified (VC-JOSE-COSE 3.1.1,
``application/vc+jwt``), else why another is refused."""
VERIFY_MEMBERS = ("verifiableCredential", "options")
VERIFY_OPTIONS = ("at",)
ISSUE_MEMBERS = ("credential", "options")


def _secured_token(value: Any) -> tuple[str | None, tuple[str, str] | None]:
    """The vc+jwt inside ``verifiableCredential`` (a compact JWS, a ``data:application/vc+jwt,`` URL, a badge link,
    or an ``EnvelopedVerifiableCredential`` per VC Data Model 2.0 4.13.1: ``@context`` including the v2 context,
    ``type`` EnvelopedVerifiableCredential, ``id`` a data: URL of a media type this verifier reads), or the field
    that is wrong and why."""
    if isinstance(value, str):
        if value.startswith("data:"):
            return _data_url(value, "verifiableCredential")
        return value, None
    if not isinstance(value, dict):
        return None, (
            "verifiableCredential",
            "must be a vc+jwt, or an EnvelopedVerifiableCredential whose id is data:application/vc+jwt,<JWT>",
        )
    if "proof" in value:
        return None, (
            "verifiableCredential.proof",
            "only credentials secured as vc+jwt (VC-JOSE-COSE, enveloped) are verified here, not embedded proofs",
        )
    context = value.get("@context")
    contexts = [context] if isinstance(context, str) else context if isinstance(context, list) else []
    if VC_V2_CONTEXT not in contexts:
        return None, ("verifiableCredential.@context", f"must include {VC_V2_CONTEXT}")
    kind = value.get("type")
    if kind != ENVELOPE_TYPE and not (isinstance(kind, list) and ENVELOPE_TYPE in kind):
        return None, ("verifiableCredential.type", f"must be {ENVELOPE_TYPE}")
    identifier = value.get("id")
    if not isinstance(identifier, str) or not identifier.startswith("data:"):
        return None, ("verifiableCredential.id", "must be a data: URL holding the secured credential")
    return _data_url(identifier, "verifiableCredential.id")


def _data_url(url: str, field: str) -> tuple[str | None, tuple[str, str] | None]:
    media_type, comma, data = url[len("data:") :].partition(",")
    if not comma or not data:
        return None, (field, "a data: URL carries its data after a comma")
    if media_type not in MEDIA_TYPES:
        return None, (field, f"the media type {media_type!r} is not application/vc+jwt")
    refused = MEDIA_TYPES[media_type]
    return (None, (field, refused)) if refused else (data, None)


def _verify_options(options: Any) -> tuple[datetime | None, tuple[str, str] | None]:
    if not isinstance(options, dict):
        return None, ("options", "must be an object")
    unknown = [name for name in options if name not in VERIFY_OPTIONS]
    if unknown:  # VCALM: an implementation MUST throw an error for options it does not understand
        return None, (f"options.{unknown[0]}", f"not an option this verifier knows (only {', '.join(VERIFY_OPTIONS)})")
    if "at" not in options:
        return None, None
    try:
        at = datetime.fromisoformat(str(options["at"]).replace("Z", "+00:00"))
        if at.tzinfo is None:
            raise ValueError
    except ValueError:
        return None, ("options.at", "must be an RFC 3339 date-time with an offset")
    return at, None


@router.post("/credentials/verify", tags=["vc-api"], dependencies=[public_rate], responses=VERIFICATION_RESPONSES)
def verify_credential(service: ServiceDep, body: Any = Body(...)) -> JSONResponse:
    """Verify a credential (VC API): ``{"verifiableCredential": <vc+jwt or enveloped form>, "options": {}}``.
    Answers 200 with ``verified: true`` only when every check that proves it genuine and current passed; otherwise
    400 with ``verified: false``, every check, ``problemDetails`` for each failed one and ``warnings`` for a status
    that could not be checked (``ledger.api.vc_api``). A request that cannot be read is 400 naming the field."""
    from verifier import verify
    from verifier.result import NOT_CHECKED, PASS

    if not isinstance(body, dict):
        return input_problem("body", "must be a JSON object with verifiableCredential")
    unknown = [name for name in body if name not in VERIFY_MEMBERS]
    if unknown:
        return input_problem(unknown[0], "not a member of a verification request (verifiableCredential, options)")
    if "verifiableCredential" not in body:
        return input_problem("verifiableCredential", "missing: the credential to verify")
    token, problem = _secured_token(body["verifiableCredential"])
    at: datetime | None = None
    if problem is None:
        at, problem = _verify_options(body.get("options") or {})
    if problem is not None or token is None:
        field, detail = problem or ("verifiableCredential", "not a secured credential")
        return input_problem(field, detail)
    result = verify(token, service.trust(), at or service.ledger.clock.now())
    checks = {c.name: c for c in result.checks}
    status = checks["status"]
    made = checks["signature"].outcome == PASS and checks["key valid"].outcome == PASS  # else nothing was read
    warnings = [("status", status.reason)] if made and status.outcome == NOT_CHECKED else []
    found = result.to_json()
    return verification_answer(
        result.checks,
        verified=result.valid,
        warnings=warnings,
        summary=result.summary,
        credentialSubject=found["subject"],
        statusAsOf=found["status_as_of"],
    )


@router.post("/credentials/issue", tags=["vc-api"], status_code=201)
def issue_credential(
    request: Request, service: ServiceDep, account: AdminAccount, body: dict[str, Any] = Body(...)
) -> dict[str, Any]:
    """Sign a given credential as a vc+jwt with the active issuer key (admin only), through the ledger: it is
    recorded (who asked, its SHA-256, its status indexes), it appears in the transparency log, it carries a
    revocation and a suspension entry, and it can be revoked (``POST /api/requested-credentials/{id}/revoke``). The
    credential must be a Verifiable Credential 2.0 whose issuer is this register and that keeps every rule of VC
    Data Model 2.0 sections 4 and 5 (``verifier.data_model``, and ``credentials.jsonld`` for the rules that need
    JSON-LD): a broken one is refused, 400, with each broken rule in ``errors`` (``field`` its path). Register
    credentials (a level's Open Badge, a licence number) are refused: only the register's decisions make them.
    Status codes as the VC API gives them (and the W3C VC API test suite checks): 201 issued, 400 refused."""
    from ledger.processes.issuance import issue_on_request

    unknown = [name for name in body if name not in ISSUE_MEMBERS]
    options = body.get("options") or {}
    if unknown or not isinstance(options, dict) or options:
        field = (
            unknown[0] if unknown else "options" if not isinstance(options, dict) else f"options.{next(iter(options))}"
        )
        detail = "not a member of an issue request (credential, options)" if unknown else "no issue options are known"
        raise Problem(400, f"{field}: {detail}", errors=[{"field": field, "detail": detail}])
    credential = body.get("credential")
    errors = credential_errors(credential, service.publisher.issuer.id)
    if errors or not isinstance(credential, dict):
        detail = "; ".join(f"{e['field']}: {e['detail']}" for e in errors)
        raise Problem(400, detail, errors=errors)
    checked: dict[str, Any] = credential

    def sign() -> dict[str, Any]:
        try:
            credential_id, token = issue_on_request(service.ledger, service.keyring, checked, account.email)
        except InvalidInput as error:  # refused by the ledger's own rules: a refused issue is 400 in the VC API
            raise Problem(400, str(error), errors=[{"field": error.field, "detail": error.message}]) from None
        except ValueError as error:
            if isinstance(error, LedgerError):
                raise
            raise Problem(400, f"credential: {error}") from None
        return {"id": str(credential_id), "token": token}

    signed = service.write(account, request.headers.get("idempotency-key"), {"issue": credential}, sign)
    return {
        "verifiableCredential": {
            "@context": [VC_V2_CONTEXT],
            "id": VC_JWT_PREFIX + signed["token"],
            "type": ENVELOPE_TYPE,
        },
        "recordId": signed["id"],
    }


def credential_errors(credential: Any, issuer_id: str) -> list[dict[str, str]]:
    """Every reason to refuse signing ``credential``, each ``{"field", "detail", "rule"}`` with the path under
    ``credential``: the rules of VC Data Model 2.0 without JSON-LD, then (when those all hold) the ones with it,
    then the register's own (its issuer, no proof yet)."""
    from credentials.jsonld import SECTIONS
    from credentials.jsonld import problems as jsonld_problems
    from verifier.data_model import RULES, problems

    if not isinstance(credential, dict):
        return [{"field": "credential", "detail": "must be a JSON object", "rule": "types"}]

    def field(path: str) -> str:
        return f"credential.{path}" if path else "credential"

    found = problems(credential)
    errors = [
        {"field": field(p.path), "detail": f"{p.reason} (VC Data Model 2.0 {RULES[p.rule]})", "rule": p.rule}
        for p in found
    ]
    if not found:  # a JSON-LD processor reads only what is well formed (it would stumble on the same fault)
        errors += [
            {"field": field(p.path), "detail": f"{p.reason} ({SECTIONS[p.rule]})", "rule": p.rule}
            for p in jsonld_problems(credential)
        ]
    issuer = credential.get("issuer")
    if (issuer.get("id") if isinstance(issuer, dict) else issuer) != issuer_id:
        errors.append(
            {"field": "credential.issuer", "detail": f"must be this register ({issuer_id})", "rule": "issuer"}
        )
    if "proof" in credential:
        errors.append(
            {
                "field": "credential.proof",
                "detail": "the credential is already secured (it has a proof)",
                "rule": "securing",
            }
        )
    return errors


@router.post("/api/requested-credentials/{credential_id}/revoke", tags=["admin"])
def revoke_requested_credential(
    service: ServiceDep,
    account: AdminAccount,
    credential_id: str = Path(..., max_length=64),
    key: IdempotencyKey = None,
) -> dict[str, Any]:
    """Revoke a credential that was signed through the VC API (``POST /credentials/issue``)."""
    found = uuid_or_404(credential_id, "credential")
    return service.write(
        account,
        key,
        {"revoke": credential_id},
        lambda: (service.ledger.revoke_requested_credential(found, account.email), {"revoked": True})[1],
    )


# -- the issuer keys
KeyReader = Annotated[Account, Depends(require("admin", "auditor"))]


@router.get("/api/keys", tags=["admin"])
def keys(service: ServiceDep, account: KeyReader) -> list[dict[str, Any]]:
    return [
        {
            "kid": k.kid,
            "role": k.role,
            "alg": k.alg,
            "state": k.state,
            "activated_at": k.activated_at,
            "retired_at": k.retired_at,
            "compromised_since": k.compromised_since,
        }
        for k in service.publisher.keyring.records()
    ]


@router.post("/api/keys/rotate", tags=["admin"])
def rotate(service: ServiceDep, account: AdminAccount, alg: str = Body("ES256", embed=True)) -> dict[str, Any]:
    new, retired = service.keyring.rotate(alg=alg)
    service.await_position(service.ledger.recorder.max_notification_id() or 0)  # published again with the new key
    return {"kid": new.kid, "retired": [k.kid for k in retired]}
