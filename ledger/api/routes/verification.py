"""What verifiers fetch (trust bundle, root key, JWKS, did:web, status lists), and the offline verifier at /v with
its files. Each is the last good copy the worker published: a follower's failure never becomes a 500 here."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, PlainTextResponse

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
    """The keys a generic JOSE verifier may trust now: a compromised key leaves at once, so no cache may keep a copy
    without asking again (no-cache)."""
    return JSONResponse(
        service.publisher.jwks(),
        media_type="application/jwk-set+json",
        headers={"Cache-Control": "public, no-cache"},
    )


@router.get("/.well-known/did.json", tags=["verification"], responses=_only("application/did+json", "object"))
def did(service: ServiceDep) -> JSONResponse:
    """The did:web document (only for an https issuer address); like the JWKS, never kept by a cache unasked."""
    return JSONResponse(
        service.publisher.did_document(),
        media_type="application/did+json",
        headers={"Cache-Control": "public, no-cache"},
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
HEADER = re.compile(r"<!-- site-header -->.*?<!-- /site-header -->", re.S)
ASSETS = {
    ".js": "text/javascript",
    ".css": "text/css",
    ".webmanifest": "application/manifest+json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
}
VENDOR_ASSETS = {".js": "text/javascript", ".wasm": "application/wasm"}
"""What is served of verifier/web: these suffixes from the folder itself, and these from its vendor folder (the
QR reader), each file as a route of its own made at start-up: no part of a request's path names a file."""


def _served_page(request: Request, text: str) -> str:
    """index.html as the service serves it: the body's name and logo in the header, linking home, the register's
    search beside it, and the body's favicon. Standing alone, the page keeps its neutral header."""
    body = request.app.state.service.settings.body
    name = html.escape(body.name)
    header = (
        f'<a class="brand" href="/"><img src="/logo.svg" alt="" width="36" height="36"><span>{name}</span></a>\n'
        '    <nav aria-label="Site"><a href="/register">Search the register</a></nav>'
    )
    text = HEADER.sub(lambda _: header, text, count=1)
    text = text.replace('<link rel="icon" href="data:,">', '<link rel="icon" href="/favicon.svg" type="image/svg+xml">')
    return text.replace("<title>Check a credential</title>", f"<title>Check a credential: {name}</title>")


@router.get("/v", include_in_schema=False)
def verifier_page(request: Request) -> Response:
    page = WEB_VERIFIER / "index.html"
    if not page.exists():
        raise Problem(404, "the web verifier is not installed")
    return HTMLResponse(_served_page(request, page.read_text(encoding="utf-8")), headers={"Cache-Control": "no-cache"})


def _verifier_asset(path: Path, media_type: str) -> Callable[[], Response]:
    def asset() -> Response:
        return FileResponse(path, media_type=media_type, headers={"Cache-Control": "no-cache"})

    return asset


def _verifier_files() -> list[tuple[str, Path, str]]:
    """(route, file, media type) for each file of the verifier served beside /v."""
    found = []
    for folder, prefix, kinds in ((WEB_VERIFIER, "/", ASSETS), (WEB_VERIFIER / "vendor", "/vendor/", VENDOR_ASSETS)):
        if folder.is_dir():
            found += [
                (prefix + file.name, file, kinds[file.suffix])
                for file in sorted(folder.iterdir())
                if file.suffix in kinds and file.is_file() and not file.is_symlink()
            ]
    return found


for _route, _path, _media_type in _verifier_files():
    router.add_api_route(_route, _verifier_asset(_path, _media_type), include_in_schema=False)
