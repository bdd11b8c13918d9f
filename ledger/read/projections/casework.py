"""Casework: applications by state and by assessor, for the registrar's queue and each assessor's list.

Holds no personal data and never opens background answers: evidence and feedback stay sealed in the events.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, Column, Date, DateTime, Index, Integer, String, Table

from ledger.app.db import metadata
from ledger.domain.aggregates import Application, Assessor
from ledger.domain.statuses import ApplicationStatus, Outcome, Remedy
from ledger.read.projections.base import Projection, key

applications = Table(
    "applications",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("registrant_id", String(32), nullable=False, index=True),
    Column("level", String(8), nullable=False),
    Column("route", String(16), nullable=False),
    Column("status", String(24), nullable=False),
    Column("outcome", String(8), nullable=True),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("submitted_at", DateTime(timezone=True), nullable=True),
    Column("decided_on", Date, nullable=True),
    Column("evidence_items", Integer, nullable=False),
    Column("assessors", String(80), nullable=False),  # ",id,id," of assigned assessors
    Column("assessments", Integer, nullable=False),
    Column("referee_confirmed", Boolean, nullable=True),
    Column("discussion_held", Boolean, nullable=False),
    Column("appealed", Boolean, nullable=False),
    Column("framework_version", String(16), nullable=False),
    Index("applications_status_level", "status", "level"),
)

assessors = Table(
    "assessors",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(200), nullable=True),
    Column("registrant_id", String(32), nullable=True),
    Column("active", Boolean, nullable=False),
)


class CaseworkProjection(Projection):
    name = "casework"
    tables = (applications, assessors)
    handlers = {
        Application.Started: "started",
        Application.EvidenceAdded: "evidence_added",
        Application.EvidenceRemoved: "evidence_removed",
        Application.Submitted: "submitted",
        Application.Withdrawn: "withdrawn",
        Application.AssessorAssigned: "assessor_assigned",
        Application.AssessorReleased: "assessor_released",
        Application.AssessorInvited: "assessor_assigned",
        Application.AssignmentDeclined: "assessor_released",
        Application.RefereeResponded: "referee_responded",
        Application.ProfessionalDiscussionHeld: "discussion_held",
        Application.Assessed: "assessed",
        Application.InformationRequested: "information_requested",
        Application.Decided: "decided",
        Application.Appealed: "appealed",
        Application.AppealDecided: "appeal_decided",
        Assessor.Appointed: "appointed",
        Assessor.StoodDown: "stood_down",
    }

    def prefetch(self, events: list[Any]) -> None:
        self.rows["applications"].want(
            key(e.originator_id)
            for e in events
            if isinstance(e, Application.Event) and not isinstance(e, Application.Started)
        )
        self.rows["assessors"].want(key(e.originator_id) for e in events if isinstance(e, Assessor.StoodDown))
        self.vault.preload([e.name.owner for e in events if isinstance(e, Assessor.Appointed)])

    def _set(self, e: Any, **values: Any) -> dict[str, Any]:
        row = self.update("applications", key(e.originator_id), **values)
        assert row is not None, f"application {e.originator_id} was never started"
        return row

    def started(self, e: Application.Started) -> None:
        self.put(
            "applications",
            {
                "id": key(e.originator_id),
                "registrant_id": key(e.registrant_id),
                "level": e.level,
                "route": e.route,
                "status": ApplicationStatus.DRAFT,
                "outcome": None,
                "started_at": e.occurred_at,
                "submitted_at": None,
                "decided_on": None,
                "evidence_items": 0,
                "assessors": ",",
                "assessments": 0,
                "referee_confirmed": None,
                "discussion_held": False,
                "appealed": False,
                "framework_version": e.framework_version,
            },
        )

    def evidence_added(self, e: Any) -> None:
        row = self._set(e)
        row["evidence_items"] += 1

    def evidence_removed(self, e: Any) -> None:
        row = self._set(e)
        row["evidence_items"] -= 1

    def submitted(self, e: Any) -> None:
        self._set(e, status=ApplicationStatus.SUBMITTED, submitted_at=e.occurred_at)

    def withdrawn(self, e: Any) -> None:
        self._set(e, status=ApplicationStatus.WITHDRAWN)

    def assessor_assigned(self, e: Any) -> None:
        row = self._set(e)
        row["assessors"] += key(e.assessor_id) + ","

    def assessor_released(self, e: Any) -> None:
        row = self._set(e)
        row["assessors"] = row["assessors"].replace("," + key(e.assessor_id) + ",", ",")

    def referee_responded(self, e: Any) -> None:
        self._set(e, referee_confirmed=e.confirmed)

    def discussion_held(self, e: Any) -> None:
        self._set(e, discussion_held=True)

    def assessed(self, e: Any) -> None:
        row = self._set(e)
        row["assessments"] += 1

    def information_requested(self, e: Any) -> None:
        self._set(e, status=ApplicationStatus.INFORMATION_REQUESTED)

    def decided(self, e: Any) -> None:
        self._set(e, status=ApplicationStatus.DECIDED, outcome=e.outcome, decided_on=e.decided_on)

    def appealed(self, e: Any) -> None:
        self._set(e, status=ApplicationStatus.APPEALED, appealed=True)

    def appeal_decided(self, e: Any) -> None:
        if e.upheld and e.remedy == Remedy.AWARD:
            self._set(e, status=ApplicationStatus.DECIDED, outcome=Outcome.AWARD, decided_on=e.decided_on)
        elif e.upheld:
            self._set(
                e,
                status=ApplicationStatus.SUBMITTED,
                outcome=None,
                decided_on=None,
                assessors=",",
                assessments=0,
                discussion_held=False,
            )
        else:
            self._set(e, status=ApplicationStatus.DECIDED)

    def appointed(self, e: Assessor.Appointed) -> None:
        self.put(
            "assessors",
            {
                "id": key(e.originator_id),
                "name": self.vault.open(e.name),
                "registrant_id": key(e.registrant_id) if e.registrant_id else None,
                "active": True,
            },
        )

    def stood_down(self, e: Any) -> None:
        self.update("assessors", key(e.originator_id), active=False)


# -- queries
def casework_queue(
    conn: Any,
    *,
    status: str | None = None,
    assessor: str | None = None,
    level: str | None = None,
    limit: int | None = 100,
) -> list[dict[str, Any]]:
    """Applications by state (oldest submission first) and, with ``assessor`` (an id), only those assigned to
    that assessor."""
    from sqlalchemy import select

    statement = select(applications)
    if status:
        statement = statement.where(applications.c.status == status)
    if assessor:
        statement = statement.where(applications.c.assessors.contains(f",{assessor},", autoescape=True))
    if level:
        statement = statement.where(applications.c.level == level)
    statement = statement.order_by(
        applications.c.submitted_at.is_(None), applications.c.submitted_at, applications.c.started_at
    )
    if limit is not None:
        statement = statement.limit(limit)
    return [
        {**row, "assessors": [a for a in row["assessors"].split(",") if a]}
        for row in conn.execute(statement).mappings()
    ]


def casework_counts(conn: Any) -> dict[str, int]:
    """How many applications are in each state."""
    from sqlalchemy import func, select

    return dict(conn.execute(select(applications.c.status, func.count()).group_by(applications.c.status)).all())


# -- the registrar's queues: the work that needs doing first
QUEUES: dict[str, str] = {
    "new": "New: assessors to assign",
    "awaiting": "With the assessors",
    "assessed": "Assessed: ready for a decision",
    "information": "Waiting for the applicant",
    "appeals": "Appeals",
    "decided": "Decided and closed",
}
"""Each queue's name as the pages say it, in the order work is done (new and assessed come first)."""


def _in_queue(queue: str, assessors_needed: int) -> Any:
    """The condition for an application to be in ``queue``. The assessors column is ",id,id," (32 hex digits and
    a comma for each), so its length says how many are assigned."""
    from sqlalchemy import and_, func

    full = 1 + 33 * assessors_needed
    a = applications.c
    submitted = a.status == ApplicationStatus.SUBMITTED
    return {
        "new": and_(submitted, func.length(a.assessors) < full),
        "awaiting": and_(submitted, func.length(a.assessors) >= full, a.assessments < assessors_needed),
        "assessed": and_(submitted, a.assessments >= assessors_needed),
        "information": a.status == ApplicationStatus.INFORMATION_REQUESTED,
        "appeals": a.status == ApplicationStatus.APPEALED,
        "decided": a.status.in_([ApplicationStatus.DECIDED, ApplicationStatus.WITHDRAWN]),
    }[queue]


def queue_counts(conn: Any, assessors_needed: int) -> dict[str, int]:
    """How many applications wait in each queue (``QUEUES``)."""
    from sqlalchemy import func, select

    return {q: conn.execute(select(func.count()).where(_in_queue(q, assessors_needed))).scalar_one() for q in QUEUES}


def queue_page(
    conn: Any, queue: str, assessors_needed: int, *, page: int = 1, per_page: int = 25
) -> list[dict[str, Any]]:
    """One page of a queue: open work oldest submission first (the longest waiting at the top); decided work most
    recent decision first."""
    from sqlalchemy import select

    a = applications.c
    order = (
        (a.decided_on.is_(None), a.decided_on.desc(), a.started_at.desc())
        if queue == "decided"
        else (a.submitted_at, a.started_at)
    )
    statement = (
        select(applications)
        .where(_in_queue(queue, assessors_needed))
        .order_by(*order)
        .offset((max(page, 1) - 1) * per_page)
        .limit(per_page)
    )
    return [
        {**row, "assessors": [x for x in row["assessors"].split(",") if x]}
        for row in conn.execute(statement).mappings()
    ]


def assessor_rows(conn: Any) -> list[dict[str, Any]]:
    """Every assessor (active first, then by name) with how many open applications each is assigned to."""
    from sqlalchemy import select

    open_work = (
        select(applications.c.assessors).where(
            applications.c.status.in_([ApplicationStatus.SUBMITTED, ApplicationStatus.INFORMATION_REQUESTED])
        )
    ).subquery()
    counts: dict[str, int] = {}
    for (assigned,) in conn.execute(select(open_work.c.assessors)):
        for found in assigned.split(","):
            if found:
                counts[found] = counts.get(found, 0) + 1
    rows = conn.execute(select(assessors).order_by(assessors.c.active.desc(), assessors.c.name)).mappings()
    return [{**row, "open": counts.get(row["id"], 0)} for row in rows]
