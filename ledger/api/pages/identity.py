"""The body's marks as the browser asks for them: the logo (``/logo.svg``, the configured SVG) and the favicon
(``/favicon.svg``, the same logo; ``/favicon.ico`` for browsers and tools that ask for it by that name, which the
pages' ``<link rel="icon">`` does not)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from ledger.api.deps import service

router = APIRouter(include_in_schema=False)
CACHE = {"Cache-Control": "public, max-age=3600"}


@router.get("/logo.svg")
@router.get("/favicon.svg")
def logo(request: Request) -> Response:
    return Response(service(request).settings.body.logo, media_type="image/svg+xml", headers=CACHE)


@router.get("/favicon.ico")
def favicon_ico() -> Response:
    return RedirectResponse("/favicon.svg", status_code=301, headers=CACHE)
