"""Errors as RFC 9457 problem details: 422 for invalid input (which field and why), 409 for a broken rule or a
conflict, 404 for what does not exist or is not yours, 401/403 for authentication and roles, 429 when too fast, 503
with Retry-After while the database cannot be reached, 500 with a reference (logged with the traceback) for anything
unexpected.

People get pages, programs get problems: a request whose ``Accept`` prefers HTML to JSON (a browser navigating) gets
the same answer as an error page (``ledger.api.error_pages``), with the same status and headers."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import eventsourcing.persistence
import sqlalchemy.exc
from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from ledger.api import error_pages
from ledger.domain.errors import Conflict, InvalidInput, LedgerError, NotFound, RuleBroken

PROBLEM = "application/problem+json"
DATABASE_RETRY_SECONDS = 2
DATABASE_UNREACHABLE: tuple[type[Exception], ...] = (
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
    405: "Method not allowed",
    409: "Conflict",
    413: "Too large",
    422: "Invalid input",
    429: "Too many requests",
    500: "Internal server error",
    503: "Unavailable",
}
log = logging.getLogger("ledger.api.errors")


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


async def answer(
    request: Request, status: int, detail: str, headers: dict[str, str] | None = None, **extra: Any
) -> Response:
    """The problem as the client asked for it: an error page for a person (rendered in a thread: it may read the
    signed-in account from the database), the problem document for a program. Either varies by ``Accept``."""
    headers = {**(headers or {}), "Vary": "Accept"}
    if error_pages.wants_html(request):
        return await run_in_threadpool(error_pages.page, request, status, detail, headers, extra)
    return problem(status, detail, request, headers, **extra)


def answering(status: int, detail: str) -> Callable[[Any, Any, Any], Awaitable[None]]:
    """An ASGI app that gives this problem, for middleware that refuses a request before the app sees it."""

    async def respond(scope: Any, receive: Any, send: Any) -> None:
        response = await answer(Request(scope), status, detail)
        await response(scope, receive, send)

    return respond


def field_errors(errors: Sequence[Any], skip: int = 0) -> list[dict[str, str]]:
    """Pydantic's errors as the problem document's ``errors``: each field, dotted (``qualification.level``), and
    what is wrong with it. ``skip``: how many parts of each location to leave out (the API's say body, query or
    path first; a form's, parsed by ``ledger.api.pages.forms.parse_form``, do not)."""
    return [
        {"field": ".".join(str(p) for p in e.get("loc", ())[skip:]) or "body", "detail": str(e.get("msg", ""))}
        for e in errors
    ]


def errors_detail(errors: list[dict[str, str]]) -> str:
    """The problem's ``detail`` for these field errors, and a form's message for them."""
    return "; ".join(f"{e['field']}: {e['detail']}" for e in errors) or "the request is not valid"


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


def install(app: FastAPI) -> None:
    async def _problem(request: Request, error: Exception) -> Response:
        assert isinstance(error, Problem)
        return await answer(request, error.status, error.detail, error.headers, **error.extra)

    async def _ledger(request: Request, error: Exception) -> Response:
        assert isinstance(error, LedgerError)
        if isinstance(error, InvalidInput):  # which fields, and why (a form's parse_form gives several)
            errors = getattr(error, "errors", None) or [{"field": error.field, "detail": error.message}]
            return await answer(request, ledger_status(error), str(error), errors=errors)
        return await answer(request, ledger_status(error), str(error))

    async def _invalid(request: Request, error: Exception) -> Response:
        assert isinstance(error, RequestValidationError)
        errors = field_errors(error.errors(), skip=1)  # the first of each location is where: body, query, path
        return await answer(request, 422, errors_detail(errors), errors=errors)

    async def _unreachable(request: Request, error: Exception) -> Response:
        return await answer(
            request,
            503,
            "the register's database cannot be reached just now: retry shortly (a write is safe to "
            "retry with the same Idempotency-Key)",
            {"Retry-After": str(DATABASE_RETRY_SECONDS)},
        )

    async def _http(request: Request, error: Exception) -> Response:
        assert isinstance(error, StarletteHTTPException)
        return await answer(request, error.status_code, str(error.detail), getattr(error, "headers", None))

    async def _unexpected(request: Request, error: Exception) -> Response:
        """Anything no other handler took (Starlette's outermost middleware calls this, then re-raises for the
        server's own log): 500 with a reference that the log line and the traceback carry too."""
        if isinstance(error, DATABASE_UNREACHABLE):  # raised where the inner handlers do not reach: still 503
            return await _unreachable(request, error)
        reference = secrets.token_hex(4).upper()
        log.error("unexpected error, reference %s: %s %s", reference, request.method, request.url.path, exc_info=error)
        response = await answer(
            request,
            500,
            f"something went wrong on the register's side; if it goes on, quote reference {reference}",
            reference=reference,
        )
        return _secured(request, response)

    app.add_exception_handler(Problem, _problem)
    app.add_exception_handler(LedgerError, _ledger)
    app.add_exception_handler(RequestValidationError, _invalid)
    for unreachable in DATABASE_UNREACHABLE:
        app.add_exception_handler(unreachable, _unreachable)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(Exception, _unexpected)


def _secured(request: Request, response: Response) -> Response:
    """The security headers ``ledger.api.main.Guard`` adds to every other answer: a 500 is sent from outside it."""
    from ledger.api.main import CSP, HSTS, SECURITY_HEADERS

    headers = [(b"content-security-policy", CSP.encode()), *SECURITY_HEADERS]
    found = getattr(request.app.state, "service", None)
    if request.url.scheme == "https" or (found is not None and found.settings.issuer_url.startswith("https://")):
        headers.append(HSTS)
    for name, value in headers:
        response.headers.setdefault(name.decode(), value.decode())
    return response
