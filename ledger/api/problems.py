"""Errors as RFC 9457 problem details: 422 for invalid input (which field and why), 409 for a broken rule or a
conflict, 404 for what does not exist or is not yours, 401/403 for authentication and roles, 429 when too fast."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ledger.errors import Conflict, InvalidInput, LedgerError, NotFound, RuleBroken

PROBLEM = "application/problem+json"
TITLES = {400: "Bad request", 401: "Not signed in", 403: "Not allowed", 404: "Not found", 409: "Conflict",
          413: "Too large", 422: "Invalid input", 429: "Too many requests", 503: "Unavailable"}


class Problem(Exception):
    def __init__(self, status: int, detail: str, *, headers: dict[str, str] | None = None,
                 **extra: Any) -> None:
        super().__init__(detail)
        self.status, self.detail, self.headers, self.extra = status, detail, headers or {}, extra


def problem(status: int, detail: str, request: Request | None = None, headers: dict[str, str] | None = None,
            **extra: Any) -> JSONResponse:
    body = {"type": "about:blank", "title": TITLES.get(status, "Error"), "status": status, "detail": detail,
            **({"instance": request.url.path} if request else {}), **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def ledger_status(error: LedgerError) -> int:
    if isinstance(error, InvalidInput):
        return 422
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, RuleBroken | Conflict):
        return 409
    return 400


def install(app: Any) -> None:
    @app.exception_handler(Problem)
    async def _problem(request: Request, error: Problem) -> JSONResponse:
        return problem(error.status, error.detail, request, error.headers, **error.extra)

    @app.exception_handler(LedgerError)
    async def _ledger(request: Request, error: LedgerError) -> JSONResponse:
        extra = {"errors": [{"field": error.field, "detail": error.message}]} if isinstance(error, InvalidInput) \
            else {}
        return problem(ledger_status(error), str(error), request, **extra)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        errors = [{"field": ".".join(str(p) for p in e.get("loc", ())[1:]) or "body", "detail": e.get("msg", "")}
                  for e in error.errors()]
        detail = "; ".join(f"{e['field']}: {e['detail']}" for e in errors) or "the request is not valid"
        return problem(422, detail, request, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> JSONResponse:
        return problem(error.status_code, str(error.detail), request, getattr(error, "headers", None))
