"""Public endpoints: the register, the framework, what verifiers need (trust bundle, JWKS, did:web, status lists),
the offline verifier page at /v, and the VC API's verify (public) and issue (admin)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Body, Depends, Query, Request, Response
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse
from starlette.concurrency import run_in_threadpool

from ledger.api.main import WEB_VERIFIER
from ledger.api.problems import Problem
from ledger.api.security import limited, require
from ledger.app.accounts import Account
from ledger.domain import regnumber
from ledger.domain.errors import LedgerError
from ledger.read.projections.register import search_register

router = APIRouter()
public_rate = Depends(limited("public", "rate_public_per_minute"))
VC_JWT_PREFIX = "data:application/vc+jwt,"
VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"


def _only(media_type: str, kind: str | None = None) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI entry of a 200 answered in ``media_type`` (FastAPI lists its default, text/plain or
    application/json, beside it)."""
    return {200: {"content": {media_type: {"schema": {"type": kind}} if kind else {}}}}


def _service(request: Request) -> Any:
    return request.app.state.service


def post_nominals(service: Any) -> dict[str, str]:
    return {level.code: level.post_nominal for level in service.ledger.framework.levels}


@router.get("/api/register", tags=["public"], dependencies=[public_rate])
async def register_search(
    request: Request,
    query: str | None = Query(None, max_length=200),
    level: str | None = Query(None, max_length=8),
    status: str | None = Query(None, max_length=16),
    discipline: str | None = Query(None, max_length=32),
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0, le=100_000),
    as_of: date | None = None,
    recorded_as_of: date | None = None,
) -> Response:
    """Search the public register by name (or part of one), exact registration number, level, status and
    discipline. Registrants who chose verify-only are found only by their exact registration number. With
    ``as_of`` (business time) or ``recorded_as_of`` (recording time), the register as it stood at the end of that
    day, rebuilt from the events (for the registrar, auditor and admin: each day is a rebuild from every event)."""
    service = _service(request)
    if as_of or recorded_as_of:
        from ledger.api.security import READERS, current_account
        from ledger.read.as_of import register_as_of

        account = current_account(request)
        if account is None:
            raise Problem(
                401,
                "the register as of a date is for the registrar, auditor and admin: sign in first",
                headers={"WWW-Authenticate": "Bearer"},
            )
        if account.role not in READERS:
            raise Problem(403, "the register as of a date is for the registrar, auditor and admin")

        day, recorded = (recorded_as_of, True) if recorded_as_of else (as_of, False)
        key = ("as-of", day, recorded)
        search = service.recall(key)
        if search is None:
            generation = service.generation()
            search = service.remember(
                key, generation, await run_in_threadpool(register_as_of, service.ledger, day, recorded=recorded)
            )
        return JSONResponse(
            await run_in_threadpool(
                lambda: search(
                    query=query,
                    level=level,
                    status=status,
                    discipline=discipline,
                    post_nominals=post_nominals(service),
                    limit=limit,
                    offset=offset,
                )
            )
        )
    key = ("search", query, level, status, discipline, limit, offset)
    found = service.recall(key)  # a remembered answer costs no thread
    if found is None:
        generation = service.generation()
        body = await run_in_threadpool(
            lambda: JSONResponse(_search(request, query, level, status, discipline, limit, offset)).body
        )
        found = service.remember(key, generation, body)
    return Response(found, media_type="application/json")


def _search(
    request: Request,
    query: str | None,
    level: str | None,
    status: str | None,
    discipline: str | None,
    limit: int,
    offset: int,
) -> list[dict[str, Any]]:
    service = _service(request)
    with service.ledger.engine.connect() as conn:
        return search_register(
            conn,
            query=query,
            level=level,
            status=status,
            discipline=discipline,
            post_nominals=post_nominals(service),
            limit=limit,
            offset=offset,
        )


@router.get("/api/register/{number}", tags=["public"], dependencies=[public_rate])
def register_entry(request: Request, number: str) -> dict[str, Any]:
    """One registration by its number (RG-1234567-89), whether listed or verify-only."""
    try:
        canonical = regnumber.parse_number(number)
    except regnumber.InvalidRegistrationNumber as error:
        raise Problem(422, f"registration_number: {error}") from None
    entries = _search(request, canonical, None, None, None, 1, 0)
    if not entries:
        raise Problem(404, f"no registration numbered {canonical}")
    return entries[0]


@router.get("/healthz", tags=["public"])
async def healthz() -> dict[str, bool]:
    """The service answers (nothing else is checked: the bare endpoint benchmarks compare against)."""
    return {"ok": True}


@router.get("/api/framework", tags=["public"])
def framework(request: Request) -> dict[str, Any]:
    """The competency framework: levels, competency areas with their descriptors, routes and rules."""
    return _service(request).ledger.framework.to_dict()


# -- what verifiers need
BUNDLE_MAX_AGE = 300


def trust_bundle(service: Any) -> str:
    return service.trust_bundle()


@router.get("/trust.jwt", tags=["verification"], response_class=PlainTextResponse, responses=_only("application/jwt"))
def trust(request: Request) -> Response:
    """The trust bundle: issuer keys with their validity windows and compromise times, and both status lists,
    signed by the root key (a compact JWS, typ rl-trust+jwt)."""
    return PlainTextResponse(
        trust_bundle(_service(request)),
        media_type="application/jwt",
        headers={"Cache-Control": f"public, max-age={BUNDLE_MAX_AGE}"},
    )


@router.get("/root.json", tags=["verification"])
def root_key(request: Request) -> JSONResponse:
    """The root public key that verifiers pin (the trust bundle is signed with it)."""
    return JSONResponse(_service(request).publisher.root_jwk(), headers={"Cache-Control": "public, max-age=3600"})


@router.get("/.well-known/jwks.json", tags=["verification"], responses=_only("application/jwk-set+json", "object"))
def jwks(request: Request) -> JSONResponse:
    return JSONResponse(
        _service(request).publisher.jwks(),
        media_type="application/jwk-set+json",
        headers={"Cache-Control": "public, max-age=300"},
    )


@router.get("/.well-known/did.json", tags=["verification"], responses=_only("application/did+json", "object"))
def did(request: Request) -> JSONResponse:
    """The did:web document (only for an https issuer address)."""
    return JSONResponse(
        _service(request).publisher.did_document(),
        media_type="application/did+json",
        headers={"Cache-Control": "public, max-age=300"},
    )


@router.get(
    "/status/{purpose}", tags=["verification"], response_class=PlainTextResponse, responses=_only("application/vc+jwt")
)
def status_list(request: Request, purpose: str) -> Response:
    """A BitstringStatusListCredential (vc+jwt) for revocation or suspension; caches may keep it as long as it is
    valid, and no longer."""
    if purpose not in ("revocation", "suspension"):
        raise Problem(404, "the status lists are /status/revocation and /status/suspension")
    token, seconds = _service(request).status_list(purpose)
    return PlainTextResponse(
        token, media_type="application/vc+jwt", headers={"Cache-Control": f"public, max-age={seconds}"}
    )


# -- the offline verifier page and its files
@router.get("/v", include_in_schema=False)
def verifier_page() -> Response:
    page = WEB_VERIFIER / "index.html"
    if not page.exists():
        raise Problem(404, "the web verifier is not installed")
    return FileResponse(page, media_type="text/html", headers={"Cache-Control": "no-cache"})


def _verifier_asset(name: str) -> Any:
    def asset() -> Response:
        return FileResponse(WEB_VERIFIER / name, headers={"Cache-Control": "no-cache"})

    return asset


if WEB_VERIFIER.is_dir():
    for _file in sorted(WEB_VERIFIER.iterdir()):
        if _file.suffix in (".js", ".css", ".webmanifest", ".svg", ".png") and _file.is_file():
            router.add_api_route(f"/{_file.name}", _verifier_asset(_file.name), include_in_schema=False)


# -- VC API (W3C VCALM)
def _envelope_token(value: Any) -> str:
    if isinstance(value, str):
        return value[len(VC_JWT_PREFIX) :] if value.startswith(VC_JWT_PREFIX) else value
    if isinstance(value, dict) and isinstance(value.get("id"), str) and value["id"].startswith(VC_JWT_PREFIX):
        return value["id"][len(VC_JWT_PREFIX) :]
    raise Problem(
        422,
        "verifiableCredential must be a vc+jwt, or an EnvelopedVerifiableCredential whose id is "
        "data:application/vc+jwt,<JWT>",
        errors=[{"field": "verifiableCredential", "detail": "not a secured credential"}],
    )


def _trust(service: Any) -> Any:
    return service.trust()


@router.post("/credentials/verify", tags=["vc-api"], dependencies=[public_rate])
def verify_credential(request: Request, body: dict[str, Any] = Body(...)) -> dict[str, Any]:
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
    service = _service(request)
    result = verify(token, _trust(service), at or service.ledger.clock.now())
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
    request: Request, body: dict[str, Any] = Body(...), account: Account = Depends(require("admin"))
) -> dict[str, Any]:
    """Sign a given credential as a vc+jwt with the active issuer key (admin only), through the ledger: it is
    recorded (who asked, its SHA-256, its status indexes), it appears in the transparency log, it carries a
    revocation and a suspension entry, and it can be revoked (``POST /api/requested-credentials/{id}/revoke``). The
    credential must be a Verifiable Credential 2.0 whose issuer is this register; register credentials (a level's
    Open Badge, a licence number) are refused: only the register's decisions make them."""
    from ledger.processes.issuance import issue_on_request

    service = _service(request)
    credential = body.get("credential")
    problem = _vc2_problem(credential, service.publisher.issuer.id)
    if problem:
        raise Problem(422, f"credential: {problem}", errors=[{"field": "credential", "detail": problem}])

    def sign() -> dict[str, Any]:
        try:
            credential_id, token = issue_on_request(service.ledger, service.keyring, credential, account.email)
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
