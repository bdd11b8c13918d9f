"""PPD audits: who was selected in which year, where each audit stands, who assesses it, what was decided, and when
a 'not renewed' outcome takes effect. The registrar's audit queue, each assessor's audit assignments and the daily
tick read it. No personal data: the profile's text stays sealed in the events."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, Column, Date, Index, Integer, String, Table, select

from ledger.app.db import metadata
from ledger.domain.aggregates import PpdAudit
from ledger.domain.aggregates.ppd_audit import audit_stage, shown_stage
from ledger.domain.statuses import Appeal, AuditOutcome
from ledger.read.projections.base import Projection, key

ppd_audits = Table(
    "ppd_audits",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("registration_id", String(32), nullable=False),
    Column("registrant_id", String(32), nullable=False, index=True),
    Column("number", String(16), nullable=False),
    Column("year", Integer, nullable=False),
    Column("stage", String(32), nullable=False),
    Column("selected_on", Date, nullable=False),
    Column("profile_due", Date, nullable=False),
    Column("profile_on", Date, nullable=True),
    Column("assessor_id", String(32), nullable=True, index=True),
    Column("judged", Boolean, nullable=False),
    Column("outcome", String(16), nullable=True),
    Column("deferred", Boolean, nullable=False),
    Column("decided_on", Date, nullable=True),
    Column("appeal_by", Date, nullable=True),
    Column("appeal", String(16), nullable=True),
    Column("ended_on", Date, nullable=True),
    Index("ppd_audits_outcome_appeal_by", "outcome", "appeal_by"),
    Index("ppd_audits_number_year", "number", "year", unique=True),
)


class AuditsProjection(Projection):
    name = "audits"
    tables = (ppd_audits,)
    handlers = {
        PpdAudit.Requested: "requested",
        PpdAudit.ProfileSubmitted: "profile_submitted",
        PpdAudit.AssessorAssigned: "assessor_assigned",
        PpdAudit.Judged: "judged",
        PpdAudit.Decided: "decided",
        PpdAudit.Appealed: "appealed",
        PpdAudit.AppealDecided: "appeal_decided",
        PpdAudit.Ended: "ended",
    }

    def prefetch(self, events: list[Any]) -> None:
        self.rows["ppd_audits"].want(
            key(e.originator_id)
            for e in events
            if isinstance(e, PpdAudit.Event) and not isinstance(e, PpdAudit.Requested)
        )

    def _set(self, e: Any, **values: Any) -> None:
        row = self.get("ppd_audits", key(e.originator_id))
        assert row is not None
        row.update(values)
        row["stage"] = audit_stage(
            ended_on=row["ended_on"],
            appeal=row["appeal"],
            outcome=row["outcome"],
            profile_on=row["profile_on"],
            judged=row["judged"],
            assessor_id=row["assessor_id"],
        )
        self.put("ppd_audits", row)

    def requested(self, e: PpdAudit.Requested) -> None:
        self.put(
            "ppd_audits",
            {
                "id": key(e.originator_id),
                "registration_id": key(e.registration_id),
                "registrant_id": key(e.registrant_id),
                "number": e.number,
                "year": e.year,
                "stage": audit_stage(
                    ended_on=None, appeal=None, outcome=None, profile_on=None, judged=False, assessor_id=None
                ),
                "selected_on": e.occurred_at.date(),
                "profile_due": e.profile_due,
                "profile_on": None,
                "assessor_id": None,
                "judged": False,
                "outcome": None,
                "deferred": False,
                "decided_on": None,
                "appeal_by": None,
                "appeal": None,
                "ended_on": None,
            },
        )

    def profile_submitted(self, e: PpdAudit.ProfileSubmitted) -> None:
        row = self.get("ppd_audits", key(e.originator_id))
        assert row is not None
        self._set(
            e,
            profile_on=e.submitted_on,
            judged=False,
            outcome=None if row["outcome"] == AuditOutcome.DEFERRED else row["outcome"],
        )

    def assessor_assigned(self, e: PpdAudit.AssessorAssigned) -> None:
        self._set(e, assessor_id=key(e.assessor_id))

    def judged(self, e: PpdAudit.Judged) -> None:
        self._set(e, judged=True)

    def decided(self, e: PpdAudit.Decided) -> None:
        values: dict[str, Any] = {"outcome": e.outcome, "decided_on": e.decided_on, "appeal_by": e.appeal_by}
        if e.outcome == AuditOutcome.DEFERRED:
            values.update(deferred=True, profile_due=e.profile_due, profile_on=None, judged=False)
        self._set(e, **values)

    def appealed(self, e: PpdAudit.Appealed) -> None:
        self._set(e, appeal=Appeal.PENDING)

    def appeal_decided(self, e: PpdAudit.AppealDecided) -> None:
        row = self.get("ppd_audits", key(e.originator_id))
        assert row is not None
        self._set(
            e,
            appeal=Appeal.UPHELD if e.upheld else Appeal.DISMISSED,
            outcome=AuditOutcome.ACCEPTED if e.upheld else row["outcome"],
        )

    def ended(self, e: PpdAudit.Ended) -> None:
        self._set(e, ended_on=e.on)


# -- queries
def _view(row: Any) -> dict[str, Any]:
    view = {
        name: (value.isoformat() if hasattr(value, "isoformat") else value)
        for name, value in row._mapping.items()
        if name not in ("id", "registration_id", "registrant_id")
    }
    view["stage"] = shown_stage(view["stage"], view["registration_status"])
    return view


def audit_queue(
    conn: Any,
    *,
    year: int | None = None,
    stage: str | None = None,
    assessor_id: str | None = None,
    registrant_id: str | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    """Audits, newest year first, then by registration number; an open audit of a registration that is no longer
    live (lapsed, removed, resigned) shows as closed."""
    from ledger.read.projections.renewals import renewals

    statement = select(ppd_audits, renewals.c.status.label("registration_status")).select_from(
        ppd_audits.outerjoin(renewals, renewals.c.id == ppd_audits.c.registration_id)
    )
    if year is not None:
        statement = statement.where(ppd_audits.c.year == year)
    if stage:
        statement = statement.where(ppd_audits.c.stage == stage)
    if assessor_id:
        statement = statement.where(ppd_audits.c.assessor_id == assessor_id)
    if registrant_id:
        statement = statement.where(ppd_audits.c.registrant_id == registrant_id)
    statement = statement.order_by(ppd_audits.c.year.desc(), ppd_audits.c.number).limit(limit)
    return [_view(row) for row in conn.execute(statement)]


def audits_taking_effect(conn: Any, day: Any) -> list[tuple[str, int]]:
    """(registrant id, year) of audits decided 'not renewed' whose appeal window closed before ``day`` with no
    appeal, not yet in effect."""
    statement = select(ppd_audits.c.registrant_id, ppd_audits.c.year).where(
        ppd_audits.c.outcome == AuditOutcome.NOT_RENEWED,
        ppd_audits.c.ended_on.is_(None),
        ppd_audits.c.appeal.is_(None),
        ppd_audits.c.appeal_by < day,
    )
    return [(row.registrant_id, row.year) for row in conn.execute(statement)]
