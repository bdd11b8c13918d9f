"""A registrant's timeline for staff: every event of theirs (the registrant record, the registration, each
application, each PPD audit) and every letter sent to them, oldest first, each as a dated sentence in plain words
("12 March 2026: application for Registered Creative Technician (RCT) submitted").

Free text a person wrote (evidence, feedback, grounds) is not repeated here: the application or audit page shows
it. Reasons the person was told (a suspension, a removal, a decision) are, opened from the vault (gone once
erased). Background answers are never read."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import select

from ledger.app.ledger import Ledger
from ledger.domain.aggregates import Application, PpdAudit, Registrant, Registration
from ledger.domain.errors import NotFound
from ledger.read.people import assessor_names
from ledger.read.projections.base import key
from ledger.read.projections.outbox import outbox
from ledger.read.views import _events, _reasons

Say = Callable[[Any], str | None]


def long_date(day: date | datetime) -> str:
    """12 March 2026."""
    return f"{day.day} {day:%B %Y}"


def _words(event: Any) -> str:
    """An event with no sentence of its own, said by its class: ``FileAttached`` -> "file attached"."""
    return re.sub(r"(?<!^)(?=[A-Z])", " ", type(event).__qualname__.rpartition(".")[2]).lower()


class Timeline:
    def __init__(self, ledger: Ledger, names: dict[str, str]) -> None:
        self.ledger, self.names, self.vault = ledger, names, ledger.vault
        self.framework = ledger.framework

    def level(self, code: str) -> str:
        try:
            found = self.framework.level(code)
        except Exception:  # a level no longer in today's framework: its code
            return code
        return f"{found.name} ({code})"

    def assessor(self, assessor_id: UUID) -> str:
        return self.names.get(assessor_id.hex, "an assessor")

    def reason(self, value: Any) -> str:
        opened = _reasons(self.vault, value)
        return f": {opened}" if opened else ""

    # -- each kind of record
    def registrant(self, event: Any) -> str | None:
        said: dict[type, Say] = {
            Registrant.Enrolled: lambda e: "enrolled with the register",
            Registrant.DetailsChanged: lambda e: "details changed (" + ", ".join(sorted(e.changes)) + ")",
            Registrant.NameChangeRequested: lambda e: "asked to change their name",
            Registrant.NameChangeDecided: lambda e: "name change " + ("approved" if e.approved else "refused"),
            Registrant.Erased: lambda e: "personal data erased",
        }
        say = said.get(type(event))
        if say is None:
            return None  # their own bookkeeping (each application is told by its own events); background never
        return say(event)

    def registration(self, event: Any, number: str) -> str | None:
        said: dict[type, Say] = {
            Registration.Opened: lambda e: f"registration number {e.number} given",
            Registration.LevelAwarded: lambda e: (
                f"awarded {self.level(e.level)}, valid until {long_date(e.valid_until)}"
            ),
            Registration.PpdRecorded: lambda e: f"PPD recorded: {e.hours:g} hours of {e.category.replace('_', ' ')}",
            Registration.RenewalSubmitted: lambda e: "renewal submitted",
            Registration.Renewed: lambda e: f"renewed until {long_date(e.valid_until)}",
            Registration.CredentialReissued: lambda e: "credential re-issued (a signing key was compromised)",
            Registration.Lapsed: lambda e: "registration lapsed",
            Registration.Suspended: lambda e: (
                "suspended" + (f" until {long_date(e.until)}" if e.until else "") + self.reason(e.reason)
            ),
            Registration.SuspensionLifted: lambda e: "suspension lifted",
            Registration.Removed: lambda e: "removed from the register" + self.reason(e.reason),
            Registration.Resigned: lambda e: "resigned from the register",
            Registration.Reinstated: lambda e: f"reinstated, valid until {long_date(e.valid_until)}",
            Registration.ReminderSent: lambda e: f"reminded that renewal is due on {long_date(e.due)}",
            Registration.MarkedOverdue: lambda e: f"renewal overdue (was due {long_date(e.due)})",
            Registration.SelectedForAudit: lambda e: f"selected for the {e.year} PPD audit",
            Registration.CareerBreakTaken: lambda e: f"career break from {long_date(e.start)} to {long_date(e.end)}",
        }
        say = said.get(type(event))
        return say(event) if say else _words(event)

    def application(self, event: Any, what: str) -> str | None:
        said: dict[type, Say] = {
            Application.Started: lambda e: f"{what} started",
            Application.EvidenceAdded: lambda e: f"evidence for area {e.area} added to the {what}",
            Application.EvidenceChanged: lambda e: f"an item of evidence changed in the {what}",
            Application.EvidenceRemoved: lambda e: f"an item of evidence deleted from the {what}",
            Application.Submitted: lambda e: f"{what} submitted",
            Application.Withdrawn: lambda e: f"{what} withdrawn",
            Application.AssessorAssigned: lambda e: f"{self.assessor(e.assessor_id)} assigned to assess the {what}",
            Application.AssessorInvited: lambda e: f"{self.assessor(e.assessor_id)} asked to assess the {what}",
            Application.AssignmentAccepted: lambda e: (
                f"{self.assessor(e.assessor_id)} accepted the {what}, declaring no conflict of interest"
            ),
            Application.AssignmentDeclined: lambda e: (
                f"{self.assessor(e.assessor_id)} declined the {what}, declaring a conflict of interest"
            ),
            Application.AssessorReleased: lambda e: f"{self.assessor(e.assessor_id)} released from the {what}",
            Application.RefereeResponded: lambda e: (
                "referee " + ("confirmed" if e.confirmed else "did not confirm") + " the experience"
            ),
            Application.ProfessionalDiscussionHeld: lambda e: f"professional discussion held on {long_date(e.held_on)}",
            Application.Assessed: lambda e: (
                f"{self.assessor(e.assessor_id)} assessed the {what}, recommending {e.recommendation}"
            ),
            Application.InformationRequested: lambda e: f"more information asked for on the {what}",
            Application.Decided: lambda e: f"{what} decided: {e.outcome}" + self.reason(e.reasons),
            Application.Appealed: lambda e: f"decision on the {what} appealed",
            Application.AppealDecided: lambda e: (
                "appeal "
                + ("upheld" if e.upheld else "not upheld")
                + (f" ({e.remedy})" if e.remedy else "")
                + self.reason(e.reasons)
            ),
        }
        say = said.get(type(event))
        return say(event) if say else f"{what}: {_words(event)}"

    def audit(self, event: Any, year: int) -> str | None:
        what = f"{year} PPD audit"
        said: dict[type, Say] = {
            PpdAudit.Requested: lambda e: f"{what}: profile asked for by {long_date(e.profile_due)}",
            PpdAudit.ProfileSubmitted: lambda e: f"{what}: profile sent",
            PpdAudit.AssessorAssigned: lambda e: f"{what}: {self.assessor(e.assessor_id)} assigned",
            PpdAudit.Judged: lambda e: f"{what}: judged by {self.assessor(e.assessor_id)}",
            PpdAudit.Decided: lambda e: f"{what} decided: {e.outcome.replace('_', ' ')}" + self.reason(e.reasons),
            PpdAudit.Appealed: lambda e: f"{what}: decision appealed",
            PpdAudit.AppealDecided: lambda e: f"{what}: appeal " + ("upheld" if e.upheld else "dismissed"),
            PpdAudit.Ended: lambda e: f"{what}: the 'not renewed' outcome took effect",
        }
        say = said.get(type(event))
        return say(event) if say else f"{what}: {_words(event)}"


def timeline(ledger: Ledger, registrant_id: UUID) -> list[dict[str, Any]]:
    """Every event of the registrant's, and every letter to them, oldest first: each ``{"at", "on", "text"}`` (a
    datetime, its day in words, and the sentence) and, for an application or audit, a ``link`` path."""
    with ledger.engine.connect() as conn:
        names = assessor_names(conn)
        letters = conn.execute(
            select(outbox.c.queued_at, outbox.c.subject, outbox.c.status).where(
                outbox.c.registrant_id == key(registrant_id)
            )
        ).all()
    told = Timeline(ledger, names)
    entries: list[dict[str, Any]] = []

    def add(event: Any, text: str | None, link: str | None = None) -> None:
        if text:
            entries.append({"at": event.occurred_at, "text": text[:1].upper() + text[1:], "link": link})

    registrant = ledger.registrant(registrant_id)
    for event in _events(ledger, registrant_id):
        add(event, told.registrant(event))
    for application_id in registrant.applications:
        application = ledger.application(application_id)
        what = f"application for {application.level}"
        for event in _events(ledger, application_id):
            add(event, told.application(event, what), f"/casework/{application_id}")
    try:
        registration = ledger.registration(registrant_id)
    except NotFound:
        registration = None
    if registration is not None:
        for event in _events(ledger, registration.id):
            add(event, told.registration(event, registration.number))
        for selection in registration.audits:
            year = selection["year"]
            link = f"/casework/audits/{registration.number}/{year}"
            for event in _events(ledger, PpdAudit.id_for(registration.id, year)):
                add(event, told.audit(event, year), link)
    for queued_at, subject, status in letters:
        entries.append({"at": queued_at, "text": f"Letter: \u201c{subject}\u201d ({status})", "link": None})
    entries.sort(key=lambda entry: _comparable(entry["at"]))
    for entry in entries:
        entry["on"] = long_date(entry["at"])
    return entries


def _comparable(at: datetime) -> datetime:
    """SQLite gives back a stored datetime without its zone (it was UTC): compare every one as UTC."""
    from datetime import UTC

    return at if at.tzinfo else at.replace(tzinfo=UTC)
