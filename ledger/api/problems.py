"""Errors as RFC 9457 problem details: 422 for invalid input (which field and why), 409 for a broken rule or a
conflict, 404 for what does not exist or is not yours, 401/403 for authentication and roles, 429 when too fast, 503
with Retry-After while the database cannot be reached."""

from __future__ import annotations

from typing import Any

import eventsourcing.persistence
import sqlalchemy.exc
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ledger.domain.errors import Conflict, InvalidInput, LedgerError, NotFound, RuleBroken

PROBLEM = "application/problem+json"
DATABASE_RETRY_SECONDS = 2
DATABASE_UNREACHABLE: tuple[type[BaseException], ...] = (
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,  # the read models, vault, accounts, keys
    eventsourcing.persistence.OperationalError,
    eventsourcing.persistence.InterfaceError,
)  # the event store
"""What a database that is down, restarting or unreachable raises (connection refused, cut off, pool timed out)."""
try:
    import psycopg

    DATABASE_UNREACHABLE += (psycopg.OperationalError, psycopg.InterfaceError)  # raised unwrapped by psycopg_pool
except ImportError:  # SQLite only
    pass
TITLES = {
    202: "Accepted, not yet shown",
    400: "Bad request",
    401: "Not signed in",
    403: "Not allowed",
    404: "Not found",
    409: "Conflict",
    413: "Too large",
    422: "Invalid input",
    429: "Too many requests",
    503: "Unavailable",
}


PROBLEM_SCHEMA = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {"type": "object", "properties": {"field": {"type": "string"}, "detail": {"type": "string"}}},
        },
    },
}
RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {
        "description": f"{TITLES[status]} (RFC 9457 problem details)",
        "content": {PROBLEM: {"schema": PROBLEM_SCHEMA}},
    }
    for status in (202, 400, 401, 403, 404, 409, 413, 422, 429, 503)
}
"""What any operation may answer besides its own result: documented in the OpenAPI schema (422 here in place of
FastAPI's own, which says application/json where the service answers application/problem+json)."""


class Problem(Exception):
    def __init__(self, status: int, detail: str, *, headers: dict[str, str] | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.status, self.detail, self.headers, self.extra = status, detail, headers or {}, extra


def problem(
    status: int, detail: str, request: Request | None = None, headers: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    body = {
        "type": "about:blank",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        **({"instance": request.url.path} if request else {}),
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def ledger_status(error: LedgerError) -> int:
    from ledger.app.accounts import Busy

    if isinstance(error, Busy):
        return 503
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
        extra = {"errors": [{"field": error.field, "detail": error.message}]} if isinstance(error, InvalidInput) else {}
        return problem(ledger_status(error), str(error), request, **extra)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": ".".join(str(p) for p in e.get("loc", ())[1:]) or "body", "detail": e.get("msg", "")}
            for e in error.errors()
        ]
        detail = "; ".join(f"{e['field']}: {e['detail']}" for e in errors) or "the request is not valid"
        return problem(422, detail, request, errors=errors)

    async def _unreachable(request: Request, error: Exception) -> JSONResponse:
        return problem(
            503,
            "the register's database cannot be reached just now: retry shortly (a write is safe to "
            "retry with the same Idempotency-Key)",
            request,
            {"Retry-After": str(DATABASE_RETRY_SECONDS)},
        )

    for unreachable in DATABASE_UNREACHABLE:
        app.add_exception_handler(unreachable, _unreachable)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> JSONResponse:
        return problem(error.status_code, str(error.detail), request, getattr(error, "headers", None))
