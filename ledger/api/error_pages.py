"""People get pages, programs get problems: whether a request asks for HTML before JSON (its ``Accept`` header,
q-values and all), and the error page a person sees in place of a problem document (``templates/error.html``, in
the site's style), with the same status and headers.

Making the page must never fail into a blank one: the page is rendered with the signed-in account where that is safe
(not while the database is down, nor after an unexpected error), then without it, then as a minimal HTML string;
and it needs nothing of the app's state, so errors raised before the service exists still answer."""

from __future__ import annotations

import html
import logging
import re
from http import HTTPStatus
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup, escape

log = logging.getLogger("ledger.api.errors")

HEADINGS = {
    400: "Something in the request was not right",
    401: "Sign in to see this page",
    403: "You cannot see this page",
    404: "Page not found",
    405: "This address does not take that request",
    409: "That could not be done",
    413: "What you sent is too large",
    422: "Something you entered is not right",
    429: "Too many requests",
    500: "Sorry, there is a problem with the service",
    503: "Sorry, the service is unavailable",
}
"""The page's heading: its status in words a person reads (the status number is shown above it)."""
QUIET = (429, 500, 503)
"""Statuses whose page says it all in its own words (the problem's detail speaks to programs)."""
HTML_TYPES = (("text", "html"),)
JSON_TYPES = (("application", "json"), ("application", "problem+json"))
NUMBER = re.compile(r"\bRG-\d{7}-\d{2}\b")


def _ranges(accept: str) -> list[tuple[str, str, float]]:
    """The media ranges of an ``Accept`` header with their q-values (RFC 9110 section 12.5.1); what cannot be read
    counts for nothing."""
    found = []
    for part in accept.split(",")[:64]:
        media, *parameters = part.split(";")
        kind, slash, subtype = media.strip().lower().partition("/")
        if not slash or not kind or not subtype:
            continue
        quality = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = min(max(float(value.strip()), 0.0), 1.0)
                except ValueError:
                    quality = 0.0
                break  # what follows q is an accept extension, not the media type's
        found.append((kind, subtype, quality))
    return found


def _quality(ranges: list[tuple[str, str, float]], kind: str, subtype: str) -> float:
    """How much the client wants ``kind/subtype``: the q of the most specific range that matches it."""
    best, specificity = 0.0, -1
    for range_kind, range_subtype, quality in ranges:
        if (range_kind, range_subtype) == (kind, subtype):
            rank = 2
        elif range_kind == kind and range_subtype == "*":
            rank = 1
        elif (range_kind, range_subtype) == ("*", "*"):
            rank = 0
        else:
            continue
        if rank > specificity:
            best, specificity = quality, rank
        elif rank == specificity:
            best = max(best, quality)
    return best


def wants_html(request: Request) -> bool:
    """True when the request's ``Accept`` prefers HTML to JSON (a browser navigating: ``text/html,...,*/*;q=0.8``);
    ``*/*``, either JSON type, or no ``Accept`` at all get JSON."""
    accept = request.headers.get("accept")
    if not accept:
        return False
    ranges = _ranges(accept)
    html_q = max(_quality(ranges, *media) for media in HTML_TYPES)
    json_q = max(_quality(ranges, *media) for media in JSON_TYPES)
    return html_q > json_q


def sentence(text: str) -> str:
    """A problem's detail as a sentence: a capital first letter and a full stop."""
    text = text.strip()
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else text + "."


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _plain_detail(status: int, detail: str) -> str:
    """The detail in plain words: the router's bare phrases ("Not Found") say nothing a person can use."""
    if detail.strip().lower() == _phrase(status).lower():
        if status == 404:
            return "There is no page at this address."
        if status == 405:
            return "This address cannot be used that way."
        return ""
    return sentence(detail)


def whole_numbers(text: str) -> Markup:
    """The text, escaped, with each registration number kept on one line (never broken at its hyphens)."""
    return Markup(NUMBER.sub(lambda found: f'<span class="number">{found.group()}</span>', str(escape(text))))


def in_words(seconds: str | None) -> str:
    """A ``Retry-After`` of seconds as people say it: "about 40 seconds", "about 3 minutes"."""
    try:
        wait = max(1, int(seconds or ""))
    except ValueError:
        return "a little while"
    if wait < 90:
        return f"about {wait} second{'' if wait == 1 else 's'}"
    minutes = round(wait / 60)
    return f"about {minutes} minutes"


def page(
    request: Request,
    status: int,
    detail: str,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> HTMLResponse:
    """The error page for this problem, with its status and headers."""
    headers = dict(headers or {})
    extra = extra or {}
    facts: dict[str, Any] = {
        "status": status,
        "heading": HEADINGS.get(status) or _phrase(status) or "Something went wrong",
        "detail": "" if status in QUIET else _plain_detail(status, detail),
        "errors": extra.get("errors") or [],
        "whole_numbers": whole_numbers,
        "reference": extra.get("reference"),
        "retry": in_words(headers.get("Retry-After")) if "Retry-After" in headers else "",
        "path": request.url.path,
    }
    # the account is read from the database, which may be the trouble; and from the session, which must be there
    with_account = status not in (500, 503) and "session" in request.scope
    for attempt in (_rendered_with_account, _rendered_plainly):
        if attempt is _rendered_with_account and not with_account:
            continue
        try:
            response = attempt(request, status, facts)
        except Exception:
            log.exception("the error page for %s %s could not be rendered this way", status, request.url.path)
            continue
        response.headers.update(headers)
        return response
    return HTMLResponse(minimal(facts), status_code=status, headers=headers)


def _rendered_with_account(request: Request, status: int, facts: dict[str, Any]) -> HTMLResponse:
    from ledger.api.pages.render import render

    return render(request, "error.html", status, **facts)


def _rendered_plainly(request: Request, status: int, facts: dict[str, Any]) -> HTMLResponse:
    """The page from what the app knows without asking the database (its settings and framework), or from nothing
    when the app has no service yet."""
    from ledger.api.pages.render import templates

    context: dict[str, Any] = {"account": None, "csrf": "", "form_key": "", "flash": None}
    found = getattr(request.app.state, "service", None) if "app" in request.scope else None
    if found is not None:
        settings = found.settings
        context |= {"issuer_name": settings.issuer_name, "body": settings.body, "framework": found.ledger.framework}
    else:
        from ledger.domain.body import Body

        body = Body()
        context |= {"issuer_name": body.name, "body": body, "framework": None}
    return templates.TemplateResponse(request, "error.html", {**context, **facts}, status_code=status)


def minimal(facts: dict[str, Any]) -> str:
    """The last resort: a page that cannot fail, if the template itself does."""
    reference = facts.get("reference")
    lines = [
        '<!doctype html><html lang="en-GB"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(str(facts['heading']))}</title></head><body><main>",
        f"<p>Error {facts['status']}</p><h1>{html.escape(str(facts['heading']))}</h1>",
        f"<p>{html.escape(str(facts['detail']))}</p>" if facts.get("detail") else "",
        f"<p>Try again in {html.escape(str(facts['retry']))}.</p>" if facts.get("retry") else "",
        f"<p>Reference: {html.escape(str(reference))}</p>" if reference else "",
        '<p><a href="/register">Search the register</a> or go to <a href="/">the home page</a>.</p>',
        "</main></body></html>",
    ]
    return "".join(lines)
