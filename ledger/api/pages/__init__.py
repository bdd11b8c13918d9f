"""Server-rendered pages (Jinja2, plain HTML and CSS), one router per feature: the public register and registrant
pages, sign-in, the registrant's, assessor's and registrar's pages, analytics, skills. ``router`` holds all their
routes, in the order their paths must be matched (``/casework/audits`` before ``/casework/{application_id}``). How a
page is made is ``render``'s; how a form reaches its command is ``forms``'s."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from ledger.api.deps import SignInFirst
from ledger.api.pages import (
    about,
    accounts,
    analytics,
    assessment,
    assessor_consistency,
    audits,
    casework,
    casework_organisations,
    certificate,
    evidence_files,
    identity,
    me,
    org_analytics,
    org_webhooks,
    organisations,
    public,
    registrations,
    skills,
)

FEATURES = (
    identity,
    public,
    certificate,
    accounts,
    evidence_files,
    me,
    organisations,
    org_analytics,
    org_webhooks,
    audits,
    assessment,
    assessor_consistency,  # before casework: /casework/{application_id} would catch its path
    casework_organisations,  # before casework, for the same reason
    casework,
    registrations,
    analytics,
    skills,
    about,
)
router = APIRouter(include_in_schema=False, routes=[route for feature in FEATURES for route in feature.router.routes])
"""Every page's route, flat (as the app matches them, and as tests list the forms)."""


def install_redirects(app: FastAPI) -> None:
    """Someone not signed in who asks for a page that needs it goes to sign in (and comes back after)."""

    async def sign_in_first(request: Request, error: Exception) -> Response:
        assert isinstance(error, SignInFirst)
        return RedirectResponse(error.url, status_code=303)

    app.add_exception_handler(SignInFirst, sign_in_first)
