"""What verifiers fetch (trust bundle, root key, JWKS, did:web, status lists), and the offline verifier at /v with
its files. Each is the last good copy the worker published: a follower's failure never becomes a 500 here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse

from ledger.api.deps import ServiceDep
from ledger.api.main import WEB_VERIFIER
from ledger.api.problems import Problem

router = APIRouter()
BUNDLE_MAX_AGE = 300


def _only(media_type: str, kind: str | None = None) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI entry of a 200 answered in ``media_type`` (FastAPI lists its default, text/plain or
    application/json, beside it)."""
    return {200: {"content": {media_type: {"schema": {"type": kind}} if kind else {}}}}


@router.get("/trust.jwt", tags=["verification"], response_class=PlainTextResponse, responses=_only("application/jwt"))
def trust(service: ServiceDep) -> Response:
    """The trust bundle: issuer keys with their validity windows and compromise times, and both status lists,
    signed by the root key (a compact JWS, typ rl-trust+jwt)."""
    return PlainTextResponse(
        service.trust_bundle(),
        media_type="application/jwt",
        headers={"Cache-Control": f"public, max-age={BUNDLE_MAX_AGE}"},
    )


@router.get("/root.json", tags=["verification"])
def root_key(service: ServiceDep) -> JSONResponse:
    """The root public key that verifiers pin (the trust bundle is signed with it)."""
    return JSONResponse(service.publisher.root_jwk(), headers={"Cache-Control": "public, max-age=3600"})


@router.get("/.well-known/jwks.json", tags=["verification"], responses=_only("application/jwk-set+json", "object"))
def jwks(service: ServiceDep) -> JSONResponse:
    return JSONResponse(
        service.publisher.jwks(),
        media_type="application/jwk-set+json",
        headers={"Cache-Control": "public, max-age=300"},
    )


@router.get("/.well-known/did.json", tags=["verification"], responses=_only("application/did+json", "object"))
def did(service: ServiceDep) -> JSONResponse:
    """The did:web document (only for an https issuer address)."""
    return JSONResponse(
        service.publisher.did_document(),
        media_type="application/did+json",
        headers={"Cache-Control": "public, max-age=300"},
    )


@router.get(
    "/status/{purpose}", tags=["verification"], response_class=PlainTextResponse, responses=_only("application/vc+jwt")
)
def status_list(service: ServiceDep, purpose: str) -> Response:
    """A BitstringStatusListCredential (vc+jwt) for revocation or suspension; caches may keep it as long as it is
    valid, and no longer."""
    if purpose not in ("revocation", "suspension"):
        raise Problem(404, "the status lists are /status/revocation and /status/suspension")
    token, seconds = service.status_list(purpose)
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


def _verifier_asset(name: str) -> Callable[[], Response]:
    def asset() -> Response:
        return FileResponse(WEB_VERIFIER / name, headers={"Cache-Control": "no-cache"})

    return asset


if WEB_VERIFIER.is_dir():
    for _file in sorted(WEB_VERIFIER.iterdir()):
        if _file.suffix in (".js", ".css", ".webmanifest", ".svg", ".png") and _file.is_file():
            router.add_api_route(f"/{_file.name}", _verifier_asset(_file.name), include_in_schema=False)
