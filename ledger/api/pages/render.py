"""How a page is made: Jinja2 templates (plain HTML and CSS), each with the signed-in account, the form token (made
only when a form shows it), a fresh form key for each form, and the message the last action left (a flash); and how
a form's handler sends the browser back (303) with a message."""

from __future__ import annotations

import secrets
from datetime import date
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from ledger.api.deps import current_account, service
from ledger.api.security import csrf_token
from ledger.domain.clock import written

templates = Jinja2Templates(directory=Path(__file__).resolve().parent.parent / "templates")


def day(value: object) -> str:
    """A date as people write it ("2 December 2026"), from a date, a datetime or an ISO date string; anything else
    as it is (the ``day`` filter of every template)."""
    found = value
    if isinstance(value, str):
        try:
            found = date.fromisoformat(value[:10])
        except ValueError:
            return value
    if isinstance(found, date):
        return written(found)
    return "" if value is None else str(value)


templates.env.filters["day"] = day
JUDGEMENTS = (("met", "Met"), ("partly_met", "Partly met"), ("not_met", "Not met"))
"""What an assessor may judge a competency area or an audit standard, and how pages say it."""


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    account = current_account(request) if request.headers.get("authorization") is None else None
    flash = request.session.pop("flash", None)
    found = service(request)
    return templates.TemplateResponse(
        request,
        template,
        {
            "account": account,
            "csrf": _LazyCsrf(request),
            "form_key": _FormKey(),
            "flash": flash,
            "framework": found.ledger.framework,
            "issuer_name": found.settings.issuer_name,
            "body": found.settings.body,
            **context,
        },
        status_code=status_code,
    )


class _LazyCsrf:
    """The form token, made (with its session cookie) only if a page has a form that needs it."""

    def __init__(self, request: Request) -> None:
        self.request = request

    def __str__(self) -> str:
        return csrf_token(self.request)

    __html__ = __str__


class _FormKey:
    """A new key each time a form shows it: the form's own Idempotency-Key."""

    def __str__(self) -> str:
        return secrets.token_urlsafe(16)

    __html__ = __str__


def back(url: str, message: str | None = None, *, request: Request, error: bool = False) -> RedirectResponse:
    """To ``url`` (303), with ``message`` shown there once."""
    if message:
        request.session["flash"] = {"text": message, "error": error}
    return RedirectResponse(url, status_code=303)
