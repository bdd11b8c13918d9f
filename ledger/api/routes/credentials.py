"""Credentials: the registrant's own, the VC API (W3C VCALM: verify, public; issue, admin) and the credentials it
signed, and the issuer keys."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Request

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
from ledger.app.accounts import Account
from ledger.domain.errors import LedgerError
from ledger.read.views import registrant_view

router = APIRouter()
VC_JWT_PREFIX = "data:application/vc+jwt,"
VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"


@router.get("/api/credentials", tags=["registrant"])
def my_credential(ledger: LedgerDep, account: RegistrantAccount) -> dict[str, Any]:
    """Your newest credential: the signed file, the badge link and the LinkedIn link."""
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
    }


# -- VC API (W3C VCALM)
def _envelope_token(value: Any) -> str:
    if isinstance(value, str):
        return value[len(VC_JWT_PREFIX) :] if value.startswith(VC_JWT_PREFIX) else value
    if isinstance(value, dict) and isinstance(value.get("id"), str) and value["id"].startswith(VC_JWT_PREFIX):
        return str(value["id"][len(VC_JWT_PREFIX) :])
    raise Problem(
        422,
        "verifiableCredential must be a vc+jwt, or an EnvelopedVerifiableCredential whose id is "
        "data:application/vc+jwt,<JWT>",
        errors=[{"field": "verifiableCredential", "detail": "not a secured credential"}],
    )


@router.post("/credentials/verify", tags=["vc-api"], dependencies=[public_rate])
def verify_credential(service: ServiceDep, body: dict[str, Any] = Body(...)) -> dict[str, Any]:
    """Verify a credential (VC API): ``{"verifiableCredential": <vc+jwt or enveloped form>, "options": {}}``.
    Answers ``verified``, every check, and ``problemDetails`` for each failed one."""
    from verifier import verify

    token = _envelope_token(body.get("verifiableCredential"))
    options = body.get("options") or {}
    if not isinstance(options, dict):
        raise Problem(422, "options must be an object", errors=[{"field": "options", "detail": "not an object"}])
    at = None
    if "at" in options:
        try:
            at = datetime.fromisoformat(str(options["at"]).replace("Z", "+00:00"))
            if at.tzinfo is None:
                raise ValueError
        except ValueError:
            raise Problem(422, "options.at must be an RFC 3339 date-time with an offset") from None
    result = verify(token, service.trust(), at or service.ledger.clock.now())
    return {
        "verified": result.valid,
        "summary": result.summary,
        "checks": [c._asdict() for c in result.checks],
        "credentialSubject": result.to_json()["subject"],
        "statusAsOf": result.to_json()["status_as_of"],
        "problemDetails": [
            {
                "type": f"https://regledger.invalid/problems/{c.name.replace(' ', '-')}",
                "title": c.name,
                "detail": c.reason,
            }
            for c in result.checks
            if c.outcome == "fail"
        ],
        "warnings": [],
    }


@router.post("/credentials/issue", tags=["vc-api"])
def issue_credential(
    request: Request, service: ServiceDep, account: AdminAccount, body: dict[str, Any] = Body(...)
) -> dict[str, Any]:
    """Sign a given credential as a vc+jwt with the active issuer key (admin only), through the ledger: it is
    recorded (who asked, its SHA-256, its status indexes), it appears in the transparency log, it carries a
    revocation and a suspension entry, and it can be revoked (``POST /api/requested-credentials/{id}/revoke``). The
    credential must be a Verifiable Credential 2.0 whose issuer is this register; register credentials (a level's
    Open Badge, a licence number) are refused: only the register's decisions make them."""
    from ledger.processes.issuance import issue_on_request

    credential = body.get("credential")
    problem = _vc2_problem(credential, service.publisher.issuer.id)
    if problem or not isinstance(credential, dict):
        detail = problem or "must be a JSON object"
        raise Problem(422, f"credential: {detail}", errors=[{"field": "credential", "detail": detail}])
    checked: dict[str, Any] = credential

    def sign() -> dict[str, Any]:
        try:
            credential_id, token = issue_on_request(service.ledger, service.keyring, checked, account.email)
        except ValueError as error:
            if isinstance(error, LedgerError):
                raise
            raise Problem(422, f"credential: {error}") from None
        return {"id": str(credential_id), "token": token}

    signed = service.write(account, request.headers.get("idempotency-key"), {"issue": credential}, sign)
    return {
        "verifiableCredential": {
            "@context": [VC_V2_CONTEXT],
            "id": VC_JWT_PREFIX + signed["token"],
            "type": "EnvelopedVerifiableCredential",
        },
        "recordId": signed["id"],
    }


def _vc2_problem(credential: Any, issuer_id: str) -> str | None:
    from verifier.trust import parse_time

    if not isinstance(credential, dict):
        return "must be a JSON object"
    context = credential.get("@context")
    if not isinstance(context, list) or not context or context[0] != VC_V2_CONTEXT:
        return f"@context must be a list starting with {VC_V2_CONTEXT}"
    types = credential.get("type")
    if not isinstance(types, list) or "VerifiableCredential" not in types:
        return "type must be a list including VerifiableCredential"
    issuer = credential.get("issuer")
    issuer_value = issuer.get("id") if isinstance(issuer, dict) else issuer
    if issuer_value != issuer_id:
        return f"issuer must be this register ({issuer_id})"
    subject = credential.get("credentialSubject")
    if not (isinstance(subject, dict) and subject) and not (
        isinstance(subject, list) and subject and all(isinstance(s, dict) and s for s in subject)
    ):
        return "credentialSubject must be an object (or a list of objects) with at least one claim"
    for name in ("validFrom", "validUntil"):
        if name in credential:
            try:
                parse_time(credential[name], name)
            except ValueError as error:
                return str(error)
    if "id" in credential and (not isinstance(credential["id"], str) or ":" not in credential["id"]):
        return "id must be a URL"
    if "proof" in credential:
        return "the credential is already secured (it has a proof)"
    return None


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
