"""Where a registrant stands, as their pages need it: not yet applied, applying, registered (with the renewal
window), suspended, lapsed or resigned, removed; the levels they may apply for; and the pages that fit (the
navigation between them). Every page of ``/me`` is made by ``render_me``, with the standing and the navigation, and
reached through ``Enrolled``: an account that signed itself up and has not enrolled yet is sent to enrol first."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse

from ledger.api.deps import SignInFirst, page_for, service
from ledger.api.pages.render import render
from ledger.app.accounts import Account
from ledger.app.ledger import Ledger
from ledger.domain import renewal
from ledger.domain.statuses import OPEN_APPLICATION, RegistrationStatus
from ledger.read.views import registrant_view

ENROL = "/me/enrol"
_registrant_page = page_for("registrant")


def _enrolled(request: Request) -> Account:
    """The signed-in registrant's account, once it names a registrant; one that does not yet is sent to enrol
    (``SignInFirst`` is the pages' "go there first" redirect)."""
    account = _registrant_page(request)
    if account.registrant_id is None:
        raise SignInFirst(ENROL)
    return account


Enrolled = Annotated[Account, Depends(_enrolled)]
"""A page of the registrant's own: the signed-in registrant's account, which has enrolled."""


def registrant_of(account: Account) -> UUID:
    assert account.registrant_id is not None  # ``Enrolled`` made sure
    return account.registrant_id


@dataclass
class Standing:
    """A registrant's state and what follows from it."""

    state: str  # new, applying, registered, suspended, lapsed, resigned, removed
    view: dict[str, Any]
    today: date
    open_application: dict[str, Any] | None = None
    levels: list[Any] = field(default_factory=list)  # the levels they may apply for now
    why_no_levels: str | None = None
    renewal: dict[str, Any] | None = None
    held: Any = None  # the level held (framework Level), while registered or suspended

    @property
    def registration(self) -> dict[str, Any] | None:
        registration: dict[str, Any] | None = self.view["registration"]
        return registration

    @property
    def registered(self) -> bool:
        return self.state == RegistrationStatus.REGISTERED

    @property
    def has_registration(self) -> bool:
        return self.registration is not None


def standing_of(ledger: Ledger, registrant_id: UUID) -> Standing:
    view = registrant_view(ledger, registrant_id, personal=True)
    today = ledger.clock.now().date()
    framework, rules = ledger.framework, ledger.framework.rules
    registration = view["registration"]
    open_application = next((a for a in reversed(view["applications"]) if a["status"] in OPEN_APPLICATION), None)
    status = registration["status"] if registration else None
    state = status or ("applying" if open_application else "new")
    found = Standing(state=state, view=view, today=today, open_application=open_application)
    if status in (RegistrationStatus.REGISTERED, RegistrationStatus.SUSPENDED) and registration["level"]:
        found.held = framework.level(registration["level"])
    if open_application is not None:
        found.why_no_levels = "You have an application open already: finish it, or wait for its decision."
    elif status == RegistrationStatus.SUSPENDED:
        found.why_no_levels = "You cannot apply for a level while your registration is suspended."
    elif status == RegistrationStatus.REMOVED:
        found.why_no_levels = "You were removed from the register."
    elif view["erased"]:
        found.why_no_levels = "Your personal data was erased."
    else:
        above = found.held.rank if found.held is not None else 0
        found.levels = [level for level in framework.levels if level.rank > above]
        if not found.levels:
            found.why_no_levels = "You hold the highest level there is."
    if status == RegistrationStatus.REGISTERED and registration["valid_until"]:
        due = date.fromisoformat(registration["valid_until"])
        opens, closes = renewal.window(due, rules)
        found.renewal = {
            "due": due,
            "opens": opens,
            "closes": closes,
            "open": opens <= today <= closes,
            "not_yet": today < opens,
            "overdue": today > due,
            "pending": registration["renewal_pending"],
        }
    return found


def navigation(standing: Standing) -> list[tuple[str, str]]:
    """The registrant's pages that fit where they stand: (address, name)."""
    pages = [("/me", "Overview")]
    application = standing.open_application
    if application is not None:
        pages.append((f"/me/applications/{application['id']}", "Your application"))
    elif standing.levels:
        pages.append(("/me/apply", "Apply for a level"))
    if standing.has_registration:
        pages.append(("/me/ppd", "PPD record"))
        if standing.state in (RegistrationStatus.REGISTERED, RegistrationStatus.SUSPENDED):
            pages.append(("/me/renewal", "Renewal"))
        pages.append(("/me/credential", "Credential and sharing"))
        pages.append(("/me/organisations", "Organisations"))
        if standing.registered:
            pages.append(("/me/career-break", "Career break"))
    pages.append(("/me/background", "About your background"))
    return pages


def render_me(
    request: Request, template: str, standing: Standing, here: str, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """One of the registrant's pages, with where they stand and the navigation between their pages (``here``: the
    address of the one shown)."""
    settings = service(request).settings
    return render(
        request,
        template,
        status_code=status_code,
        standing=standing,
        me=standing.view,
        me_pages=navigation(standing),
        here=here,
        registrar_email=settings.mail_from,
        **context,
    )
