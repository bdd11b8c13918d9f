"""Records as a person sees them: an application with its evidence, assessments and decisions; a registrant with
their registration. Sealed fields are opened here, for callers the web layer has already authorised; what a role
must never see (background answers, for anyone but the registrant) is left out by the ``personal`` flag."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import select

from ledger.app.ledger import Ledger
from ledger.domain.aggregates import Application, PpdAudit, Registrant, Registration
from ledger.domain.aggregates.ppd_audit import shown_stage
from ledger.domain.errors import NotFound
from ledger.domain.sealed import Sealed
from ledger.domain.statuses import AuditOutcome
from ledger.read.projections.base import key
from ledger.read.projections.casework import applications


def _events(ledger: Ledger, aggregate_id: UUID) -> list[Any]:
    to_event = ledger.mapper.to_domain_event
    return [to_event(stored) for stored in ledger.recorder.select_events(aggregate_id)]


def application_view(ledger: Ledger, application_id: UUID) -> dict[str, Any]:
    application: Application = ledger.application(application_id)
    vault = ledger.vault
    view: dict[str, Any] = {
        "id": str(application.id),
        "registrant_id": str(application.registrant_id),
        "level": application.level,
        "route": application.route,
        "status": application.status,
        "outcome": application.outcome,
        "decided_on": application.decided_on.isoformat() if application.decided_on else None,
        "appealed": application.appealed,
        "assessors": [str(a) for a in application.assessors],
        "referee_confirmed": application.referee_confirmed,
        "discussion_held": application.discussion_held,
        "framework_version": application.framework_version,
        "qualification": application.qualification,
        "experience": {k: vault.open(v) if isinstance(v, Sealed) else v for k, v in application.experience.items()}
        if application.experience
        else None,
        "evidence": [],
        "assessments": [],
        "information_requests": [],
        "decisions": [],
        "appeal": None,
        "registration_number": None,
    }
    try:
        view["registration_number"] = ledger.registration(application.registrant_id).number
    except NotFound:
        pass
    for event in _events(ledger, application_id):
        if isinstance(event, Application.EvidenceAdded):
            view["evidence"].append({"id": str(event.evidence_id), "area": event.area, "text": vault.open(event.text)})
        elif isinstance(event, Application.EvidenceChanged):
            for item in view["evidence"]:
                if item["id"] == str(event.evidence_id):
                    item["text"] = vault.open(event.text)
        elif isinstance(event, Application.EvidenceRemoved):
            view["evidence"] = [item for item in view["evidence"] if item["id"] != str(event.evidence_id)]
        elif isinstance(event, Application.Assessed):
            view["assessments"].append(
                {
                    "assessor_id": str(event.assessor_id),
                    "judgements": event.judgements,
                    "recommendation": event.recommendation,
                    "feedback": vault.open(event.feedback),
                    "on": event.occurred_at.date().isoformat(),
                }
            )
        elif isinstance(event, Application.InformationRequested):
            view["information_requests"].append(vault.open(event.request))
        elif isinstance(event, Application.Decided):
            view["decisions"].append(
                {
                    "outcome": event.outcome,
                    "reasons": _reasons(vault, event.reasons),
                    "decided_on": event.decided_on.isoformat(),
                }
            )
        elif isinstance(event, Application.Appealed):
            view["appeal"] = {"grounds": vault.open(event.grounds), "decision": None}
        elif isinstance(event, Application.AppealDecided) and view["appeal"] is not None:
            view["appeal"]["decision"] = {
                "upheld": event.upheld,
                "remedy": event.remedy,
                "reasons": _reasons(vault, event.reasons),
            }
    return view


def registrant_view(ledger: Ledger, registrant_id: UUID, *, personal: bool) -> dict[str, Any]:
    """A registrant and their registration; background answers only when ``personal`` (the registrant)."""
    registrant: Registrant = ledger.registrant(registrant_id)
    vault = ledger.vault
    view: dict[str, Any] = {
        "id": str(registrant.id),
        "name": vault.open(registrant.name),
        "email": vault.open(registrant.email),
        "disciplines": registrant.disciplines,
        "listing": registrant.listing,
        "erased": registrant.erased,
        "registration": None,
    }
    if personal:
        view["background"] = vault.open_json(registrant.background)
    try:
        registration: Registration = ledger.registration(registrant_id)
        view["registration"] = {
            "number": registration.number,
            "level": registration.level,
            "status": registration.status,
            "status_since": registration.status_since.isoformat() if registration.status_since else None,
            "registered_since": registration.registered_since.isoformat() if registration.registered_since else None,
            "valid_until": registration.valid_until.isoformat() if registration.valid_until else None,
            "renewal_pending": registration.renewal_pending is not None,
            "ppd": [
                {
                    "id": str(a["id"]),
                    "on": a["on"].isoformat(),
                    "category": a["category"],
                    "hours": a["hours"],
                    "areas": a["areas"],
                }
                for a in registration.ppd
            ],
            "career_breaks": [
                {"start": start.isoformat(), "end": end.isoformat()} for start, end in registration.career_breaks
            ],
            "audits": [a["year"] for a in registration.audits],
            **_standing(ledger, registration),
        }
    except NotFound:
        pass
    with ledger.engine.connect() as conn:
        rows = (
            conn.execute(
                select(applications)
                .where(applications.c.registrant_id == key(registrant_id))
                .order_by(applications.c.started_at)
            )
            .mappings()
            .all()
        )
    view["applications"] = [
        {
            "id": str(UUID(r["id"])),
            "level": r["level"],
            "route": r["route"],
            "status": r["status"],
            "outcome": r["outcome"],
        }
        for r in rows
    ]
    return view


def _standing(ledger: Ledger, registration: Registration) -> dict[str, Any]:
    """The current suspension (its reason, since when, until when: None until lifted) and the removal (its reason
    and date), as the registrant is told them; the reasons are None once erased."""
    found: dict[str, Any] = {"suspension": None, "removal": None}
    for event in _events(ledger, registration.id):
        if isinstance(event, Registration.Suspended):
            reason = _reasons(ledger.vault, event.reason)
            found["suspension"] = {"reason": reason, "since": _iso(event.on), "until": _iso(event.until)}
        elif isinstance(event, Registration.Removed):
            found["removal"] = {"reason": _reasons(ledger.vault, event.reason), "on": _iso(event.on)}
    if registration.status != "suspended":
        found["suspension"] = None
    if registration.status != "removed":
        found["removal"] = None
    return found


def _iso(value: Any) -> Any:
    return value.isoformat() if value is not None else None


def audit_view(ledger: Ledger, registrant_id: UUID, year: int) -> dict[str, Any]:
    """A PPD audit as its registrant, its assessor and the registrar see it: the profile with the PPD activities it
    draws on (what was learned and how it changed practice), the judgement of each standard, the decisions and the
    appeal. Never background answers."""
    audit: PpdAudit = ledger.ppd_audit(registrant_id, year)
    vault, rules = ledger.vault, ledger.framework.rules
    view: dict[str, Any] = {
        "number": audit.number,
        "year": audit.year,
        "stage": audit.stage,
        "profile_due": _iso(audit.profile_due),
        "assessor_id": str(audit.assessor_id) if audit.assessor_id else None,
        "outcome": audit.outcome,
        "deferred": audit.deferred,
        "appeal_by": _iso(audit.appeal_by),
        "appeal": None,
        "ended_on": _iso(audit.ended_on),
        "standards": [{"code": code, "name": rules.audit_standard_names[code]} for code in rules.audit_standards],
        "profile": None,
        "judgement": None,
        "decisions": [],
    }
    for event in _events(ledger, audit.id):
        if isinstance(event, PpdAudit.ProfileSubmitted):
            view["profile"] = {
                "submitted_on": _iso(event.submitted_on),
                "summary": vault.open(event.summary),
                "statement": vault.open(event.statement),
                "evidence": vault.open(event.evidence),
                "activity_ids": [str(a) for a in event.activity_ids],
            }
            view["judgement"] = None
        elif isinstance(event, PpdAudit.Judged):
            view["judgement"] = {"judgements": event.judgements, "feedback": vault.open(event.feedback)}
        elif isinstance(event, PpdAudit.Decided):
            view["decisions"].append(
                {
                    "outcome": event.outcome,
                    "reasons": _reasons(vault, event.reasons),
                    "decided_on": _iso(event.decided_on),
                }
            )
            if event.outcome == AuditOutcome.DEFERRED:
                view["profile"], view["judgement"] = None, None
        elif isinstance(event, PpdAudit.Appealed):
            view["appeal"] = {"grounds": vault.open(event.grounds), "on": _iso(event.on), "decision": None}
        elif isinstance(event, PpdAudit.AppealDecided) and view["appeal"] is not None:
            view["appeal"]["decision"] = {"upheld": event.upheld, "reasons": _reasons(vault, event.reasons)}
    view["stage"] = shown_stage(audit.stage, ledger.registration(registrant_id).status)
    if view["profile"]:
        wanted = set(view["profile"]["activity_ids"])
        activities = []
        for event in _events(ledger, Registration.id_for(registrant_id)):
            if isinstance(event, Registration.PpdRecorded) and str(event.activity_id) in wanted:
                activities.append(
                    {
                        "id": str(event.activity_id),
                        "on": _iso(event.on),
                        "category": event.category,
                        "hours": event.hours,
                        "areas": event.areas,
                        "learned": vault.open(event.learned),
                        "impact": vault.open(event.impact),
                    }
                )
        view["profile"]["activities"] = activities
    return view


def _reasons(vault: Any, value: Sealed | str | None) -> str | None:
    """Reasons as recorded: sealed with the registrant's key (a plain string in events recorded before they were
    sealed); None once erased."""
    if value is None or isinstance(value, str):
        return value
    opened: str | None = vault.open(value)
    return opened
