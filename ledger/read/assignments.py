"""Who assesses an application, and where each assessor stands: invited to accept, accepted (with their declaration
of no conflict of interest), assessed on a date, declined (with the conflict they declared), or released when they
stood down. Read from the application's events, so an assignment recorded before assessors declared for themselves
(the registrar's declaration) shows as accepted.

Also each assessor's own list: what they are to accept, to assess, and what they have done."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from ledger.app.ledger import Ledger
from ledger.domain.aggregates import Application
from ledger.read.projections.casework import casework_queue
from ledger.read.views import _events

TO_ACCEPT, ACCEPTED, ASSESSED, DECLINED, RELEASED = "to accept", "accepted", "assessed", "declined", "released"


def assignment_states(ledger: Ledger, application_id: UUID, names: dict[str, str]) -> list[dict[str, Any]]:
    """Every assignment of the application in the order made (``names``: assessor names by 32-hex id): each with
    the assessor's id and name, state, the date of that state, and the declaration or the conflict declared.
    A fresh assessment after an upheld appeal starts the list again."""
    vault = ledger.vault
    found: dict[UUID, dict[str, Any]] = {}

    def entry(assessor_id: UUID, event: Any, state: str, **more: Any) -> None:
        row = found.setdefault(
            assessor_id,
            {"assessor_id": str(assessor_id), "name": names.get(assessor_id.hex, "an assessor"), "invited_on": None},
        )
        row.update(state=state, on=event.occurred_at.date().isoformat(), **more)

    for event in _events(ledger, application_id):
        if isinstance(event, Application.AssessorInvited):
            found.pop(event.assessor_id, None)
            entry(event.assessor_id, event, TO_ACCEPT, declaration=None, reason=None)
            found[event.assessor_id]["invited_on"] = found[event.assessor_id]["on"]
        elif isinstance(event, Application.AssessorAssigned):  # before assessors accepted for themselves
            found.pop(event.assessor_id, None)
            entry(event.assessor_id, event, ACCEPTED, declaration=event.declaration, reason=None)
            found[event.assessor_id]["invited_on"] = found[event.assessor_id]["on"]
        elif isinstance(event, Application.AssignmentAccepted):
            entry(event.assessor_id, event, ACCEPTED, declaration=vault.open(event.declaration))
        elif isinstance(event, Application.AssignmentDeclined):
            entry(event.assessor_id, event, DECLINED, reason=vault.open(event.reason))
        elif isinstance(event, Application.AssessorReleased):
            entry(event.assessor_id, event, RELEASED)
        elif isinstance(event, Application.Assessed):
            entry(event.assessor_id, event, ASSESSED, recommendation=event.recommendation)
        elif isinstance(event, Application.AppealDecided) and event.upheld and event.remedy != "award":
            found = {k: v for k, v in found.items() if v["state"] == DECLINED}  # a fresh assessment
    return list(found.values())


def state_of(ledger: Ledger, application_id: UUID, assessor_id: UUID) -> dict[str, Any] | None:
    """One assessor's assignment to the application (None if there is none)."""
    for row in assignment_states(ledger, application_id, {}):
        if row["assessor_id"] == str(assessor_id):
            return row
    return None


def worklist(ledger: Ledger, assessor_id: UUID, names_of: Any) -> dict[str, list[dict[str, Any]]]:
    """An assessor's applications: "to accept" (new assignments), "to assess" (accepted, not yet assessed) and
    "done" (assessed, with the date), each with the applicant's name (``names_of``: registrant id -> name)."""
    lists: dict[str, list[dict[str, Any]]] = {"to accept": [], "to assess": [], "done": []}
    with ledger.engine.connect() as conn:
        rows = casework_queue(conn, assessor=assessor_id.hex, limit=500)
    for row in rows:
        application_id = UUID(row["id"])
        mine = state_of(ledger, application_id, assessor_id)
        if mine is None or mine["state"] in (DECLINED, RELEASED):
            continue
        item = {
            "id": str(application_id),
            "name": names_of(row["registrant_id"]),
            "level": row["level"],
            "route": row["route"],
            "submitted_at": row["submitted_at"],
            "status": row["status"],
            "state": mine["state"],
            "on": mine["on"],
        }
        if mine["state"] == ASSESSED:
            lists["done"].append(item)
        elif row["status"] not in ("submitted", "information_requested"):
            continue  # decided or withdrawn before this assessor acted: nothing left for them
        else:
            lists["to accept" if mine["state"] == TO_ACCEPT else "to assess"].append(item)
    lists["done"].sort(key=lambda item: item["on"], reverse=True)
    return lists
